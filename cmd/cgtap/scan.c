/* The --scan walk of a cgroupfs: every directory, parents first, fd-relative (no PATH_MAX). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scan.h"

struct walk {
	char *path; /* "/a/b" relative to the hierarchy root; grows */
	size_t cap;
	scan_visit_fn visit;
	void *ctx;
};

static int path_put(struct walk *w, size_t at, const char *name)
{
	size_t n = strlen(name);

	if (at + n + 2 > w->cap) {
		size_t cap = (at + n + 2) * 2;
		char *p = realloc(w->path, cap);

		if (!p)
			return -1;
		w->path = p;
		w->cap = cap;
	}
	w->path[at] = '/';
	memcpy(w->path + at + 1, name, n + 1);
	return 0;
}

/* Visit the directory open at fd (path w->path[0..len]), then its subdirectories. */
static int walk_dir(struct walk *w, int fd, size_t len, unsigned level)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret;

	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	ret = w->visit(w->ctx, len ? w->path : "/", len ? len : 1, level, &st);
	if (ret) {
		close(fd);
		return ret;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((errno = 0, de = readdir(d))) {
		int cfd;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			/* Removed since readdir (ENOENT), or not a directory: not an error. */
			if (errno != ENOENT && errno != ENOTDIR)
				warn("cannot open a cgroup directory under '%s':",
				     len ? w->path : "/");
			continue;
		}
		if (path_put(w, len, de->d_name)) {
			close(cfd);
			closedir(d);
			return -1;
		}
		ret = walk_dir(w, cfd, len + 1 + strlen(de->d_name), level + 1);
		w->path[len] = '\0';
		if (ret) {
			closedir(d);
			return ret;
		}
	}
	closedir(d);
	return 0;
}

int scan_tree(int fd, const char *prefix, scan_visit_fn visit, void *ctx)
{
	struct walk w = {.visit = visit, .ctx = ctx};
	size_t len = 0;
	unsigned level = 0;
	int ret;

	/* A mount of a sub-directory of the hierarchy: its paths start with that directory. */
	if (prefix && strcmp(prefix, "/")) {
		len = strlen(prefix);
		w.cap = len + 256;
		w.path = malloc(w.cap);
		if (!w.path) {
			close(fd);
			return -1;
		}
		memcpy(w.path, prefix, len + 1);
		for (const char *p = prefix; *p; p++)
			level += *p == '/';
	}
	ret = walk_dir(&w, fd, len, level);
	free(w.path);
	return ret;
}
