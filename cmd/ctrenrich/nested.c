/*
 * Where a record's runtimes are, read from its cgroup path (see sockets.h, "Places"), and the
 * root directory of an outer container, through which the sockets of a runtime running inside
 * it are reached.
 *
 * An outer container's runtime keeps its socket in the outer container's mount namespace. Its
 * processes are in the outer container's cgroup (or below it, outside the inner containers'
 * cgroups), and /proc/<pid>/root of one of them is that namespace's root. Opening it needs
 * ptrace access to the process (PTRACE_MODE_READ): root with CAP_SYS_PTRACE, or the same
 * capabilities as the process. The directory is held open (O_PATH), so a process that exits,
 * or a pid used again, cannot point it elsewhere.
 */
#define _GNU_SOURCE /* O_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "hier.h"
#include "sockets.h"

#define WALK_DIRS 64   /* cgroup directories read at most, the outer one first */
#define WALK_PIDS 256  /* processes tried at most */
#define USER_UID_MAX 10 /* digits */

/* "user@<uid>.service" as a path component: *uid. */
static bool user_service(const char *c, size_t len, unsigned *uid)
{
	static const char pre[] = "user@", suf[] = ".service";
	size_t np = sizeof(pre) - 1, ns = sizeof(suf) - 1, nd = len - np - ns;
	unsigned long v = 0;

	if (len <= np + ns || nd > USER_UID_MAX || memcmp(c, pre, np) ||
	    memcmp(c + len - ns, suf, ns))
		return false;
	for (size_t i = np; i < np + nd; i++) {
		if (c[i] < '0' || c[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(c[i] - '0');
	}
	if (v > 0xfffffffeUL)
		return false;
	*uid = (unsigned)v;
	return true;
}

/* The end of the path component that holds p. */
static size_t comp_end(const char *path, size_t len, const char *p)
{
	size_t i = (size_t)(p - path);

	while (i < len && path[i] != '/')
		i++;
	return i;
}

void place_of(const char *path, size_t len, int hier, struct place_key *k)
{
	struct cgroup_class in, out;
	size_t start;

	memset(k, 0, sizeof(*k));
	k->kind = PLACE_HOST;
	if (!cgroup_classify(path, len, &in))
		return;
	/* The container's own component starts at start; what is above it tells the place. */
	start = (size_t)(in.id - path);
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (start > 1 && cgroup_classify(path, start - 1, &out)) {
		k->kind = PLACE_NESTED;
		k->hier = hier;
		k->outer = path;
		k->outer_len = comp_end(path, len, out.id);
		k->outer_id = out.id;
		k->outer_id_len = out.id_len;
		return;
	}
	for (size_t i = 0; i < start;) {
		size_t e = i;

		while (e < start && path[e] != '/')
			e++;
		if (e > i && user_service(path + i, e - i, &k->uid))
			k->kind = PLACE_USER; /* the innermost one counts */
		i = e + 1;
	}
}

/* The directory of cgroup path in hierarchy hier, on this host's cgroupfs. -1 with why. */
static int cgroup_dir(struct hiers *hs, int hier, const char *path, char *dir, size_t cap,
		      char *why, size_t whycap)
{
	struct hier *h = hiers__find(hs, hier);
	const char *rel = path;
	int n;

	if (!h || !h->mount || !h->mount_root) {
		snprintf(why, whycap, "cgroup hierarchy %d is not mounted here", hier);
		return -1;
	}
	if (strcmp(h->mount_root, "/")) {
		size_t m = strlen(h->mount_root);

		if (strncmp(path, h->mount_root, m) || (path[m] && path[m] != '/')) {
			snprintf(why, whycap, "its cgroup is outside the mount of hierarchy %d", hier);
			return -1;
		}
		rel = path + m;
	}
	n = snprintf(dir, cap, "%s%s", h->mount, rel);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(why, whycap, "its cgroup path is too long");
		return -1;
	}
	return 0;
}

struct walk {
	struct stat self_root; /* our own root: a process that shares it is the host's */
	unsigned pids;	       /* processes tried */
	int perm_pid;	       /* a process whose root we may not open, or 0 */
};

/* The root of the first process listed in dir/cgroup.procs that is not ours, or -1. */
static int root_of_procs(int dirfd, struct walk *w)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	int pid, root = -1;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (root < 0 && w->pids < WALK_PIDS && fscanf(f, "%d", &pid) == 1) {
		char p[32];
		struct stat st;
		int r;

		w->pids++;
		snprintf(p, sizeof(p), "/proc/%d/root", pid);
		r = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r < 0) {
			if ((errno == EACCES || errno == EPERM) && !w->perm_pid)
				w->perm_pid = pid;
			continue;
		}
		if (fstat(r, &st) || (st.st_dev == w->self_root.st_dev &&
				      st.st_ino == w->self_root.st_ino)) {
			close(r); /* the host's root: not a process of the container's own */
			continue;
		}
		root = r;
	}
	fclose(f);
	return root;
}

int nested_root(struct hiers *hs, int hier, const char *outer, char *why, size_t whycap)
{
	char dirs[WALK_DIRS][PLACE_PATH_MAX + 1];
	unsigned head = 0, tail = 0;
	struct walk w = {0};
	char top[PATH_MAX];
	int root = -1;

	if (cgroup_dir(hs, hier, outer, top, sizeof(top), why, whycap) < 0)
		return -1;
	if (stat("/", &w.self_root)) {
		snprintf(why, whycap, "cannot stat /");
		return -1;
	}
	/* Breadth first from the outer container's cgroup, not into inner containers' cgroups. */
	snprintf(dirs[tail++], sizeof(dirs[0]), "%s", outer);
	while (root < 0 && head < tail) {
		const char *rel = dirs[head++];
		char dir[PATH_MAX];
		struct dirent *de;
		DIR *d;
		int fd;

		if (cgroup_dir(hs, hier, rel, dir, sizeof(dir), why, whycap) < 0)
			continue;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (head == 1) {
				snprintf(why, whycap, "its cgroup is gone");
				return -1;
			}
			continue;
		}
		root = root_of_procs(fd, &w);
		d = root < 0 ? fdopendir(fd) : NULL;
		if (!d) {
			close(fd);
			continue;
		}
		while ((de = readdir(d)) && tail < WALK_DIRS) {
			struct cgroup_class c;
			char *sub = dirs[tail];
			int n;

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			n = snprintf(sub, sizeof(dirs[0]), "%s/%s", rel, de->d_name);
			if (n < 0 || (size_t)n >= sizeof(dirs[0]))
				continue;
			if (cgroup_classify(sub, (size_t)n, &c) && c.root)
				continue; /* an inner container: its root is its own */
			tail++;
		}
		closedir(d);
	}
	if (root >= 0)
		return root;
	if (w.perm_pid)
		snprintf(why, whycap,
			 "permission denied opening /proc/%d/root (needs CAP_SYS_PTRACE)", w.perm_pid);
	else
		snprintf(why, whycap, "no process of its own found in its cgroup");
	return -1;
}
