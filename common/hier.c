/* Which cgroup hierarchies this host has, and where they are mounted. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgtap.h"
#include "hier.h"

/* The inode of /proc/self/ns/cgroup in the initial cgroup namespace (PROC_CGROUP_INIT_INO). */
#define CGROUPNS_INIT_INO 0xEFFFFFFBu

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Is word one of the comma-separated items of list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, word, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Free what h knows of its mount: it is then not mounted. */
static void hier_forget_mount(struct hier *h)
{
	free(h->mount);
	free(h->mount_root);
	free(h->mount_info_root);
	h->mount = h->mount_root = h->mount_info_root = NULL;
	h->whole = false;
}

bool hier__is_root(const struct stat *st)
{
	return st->st_ino == CGROUP_ROOT_ID;
}

struct hier *hiers__find(struct hiers *hs, int id)
{
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].id == id)
			return &hs->h[i];
	return NULL;
}

static int read_proc_cgroup(struct hiers *hs)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;
	bool v1 = false;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0 && hs->n < HIER_MAX) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct hier *h;

		if (!c2)
			continue;
		*c2 = '\0';
		h = &hs->h[hs->n];
		h->id = atoi(line);
		h->controllers = strdup(c1 + 1);
		if (!h->controllers)
			break;
		hs->n++;
		if (h->id != 0)
			v1 = true;
	}
	free(line);
	fclose(f);
	hs->pure_v2 = !v1 && hs->n > 0;
	return 0;
}

/*
 * Is this cgroup namespace the initial one? Only there is mountinfo's root field a path from the
 * hierarchy's root: in any other it is relative to the namespace's own cgroup (a mount of the
 * whole hierarchy shows as "/../.."), and that cgroup's place in the hierarchy is not shown
 * inside. The initial namespace's inode is fixed (PROC_CGROUP_INIT_INO); no such file means a
 * kernel without cgroup namespaces.
 */
static bool cgroupns_initial(void)
{
	struct stat st;

	return stat("/proc/self/ns/cgroup", &st) || st.st_ino == CGROUPNS_INIT_INO;
}

/* Does the path reach the root of the cgroupfs mounted from device majmin ("0:37")? */
static bool mount_is_whole(const char *path, const char *majmin)
{
	unsigned ma, mi;
	struct stat st;

	return sscanf(majmin, "%u:%u", &ma, &mi) == 2 && !stat(path, &st) &&
	       st.st_dev == makedev(ma, mi) && hier__is_root(&st);
}

/* Keep mount point mnt, with mountinfo root field root, for h, unless h has a better mount. */
static void mount_offer(struct hier *h, const char *mnt, const char *root, bool whole, bool init_ns)
{
	if (h->mount && (h->whole || !whole))
		return; /* the first mount of the whole hierarchy, else the first mount */
	hier_forget_mount(h);
	h->whole = whole;
	h->mount = strdup(mnt);
	h->mount_info_root = strdup(root);
	if (whole)
		h->mount_root = strdup("/");
	else if (init_ns)
		h->mount_root = strdup(root);
	if (!h->mount || !h->mount_info_root || (!h->mount_root && (whole || init_ns)))
		hier_forget_mount(h); /* out of memory: as if not mounted */
}

/* Fields of a mountinfo line: 2 major:minor, 3 root, 4 mount point; after " - ": type, source,
 * super options. */
static void read_mountinfo(struct hiers *hs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool init_ns = cgroupns_initial();
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *fld[6] = {0}, *sep, *type, *opts, *save = NULL, *tok;
		int i = 0;
		bool whole;

		line[strcspn(line, "\n")] = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && i < 6;
		     tok = strtok_r(NULL, " ", &save))
			fld[i++] = tok;
		type = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		opts = strtok_r(NULL, " ", &save);
		if (i < 5 || !type || !opts || (strcmp(type, "cgroup") && strcmp(type, "cgroup2")))
			continue;
		unescape(fld[3]);
		unescape(fld[4]);
		whole = mount_is_whole(fld[4], fld[2]) || (init_ns && !strcmp(fld[3], "/"));
		for (int k = 0; k < hs->n; k++) {
			struct hier *h = &hs->h[k];
			char first[128];

			if (h->id == 0) {
				if (strcmp(type, "cgroup2"))
					continue;
			} else {
				snprintf(first, sizeof(first), "%.*s",
					 (int)strcspn(h->controllers, ","), h->controllers);
				if (strcmp(type, "cgroup") || !in_list(opts, first))
					continue;
			}
			mount_offer(h, fld[4], fld[3], whole, init_ns);
		}
	}
	free(line);
	fclose(f);
}

int hiers__load(struct hiers *hs)
{
	memset(hs, 0, sizeof(*hs));
	if (read_proc_cgroup(hs))
		return -1;
	read_mountinfo(hs);
	return 0;
}

void hiers__free(struct hiers *hs)
{
	if (!hs)
		return;
	for (int i = 0; i < hs->n; i++) {
		free(hs->h[i].controllers);
		hier_forget_mount(&hs->h[i]);
	}
	hs->n = 0;
}

/* The hierarchy of a v1 controller (or name=X) as /proc/self/cgroup lists it, or NULL. */
static struct hier *by_controller(struct hiers *hs, const char *name)
{
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].id != 0 && in_list(hs->h[i].controllers, name))
			return &hs->h[i];
	return NULL;
}

/* Is controller enabled in /proc/cgroups on no v1 hierarchy (so cgroup2 may hold it)? */
static bool controller_on_v2(const char *name)
{
	FILE *f = fopen("/proc/cgroups", "re");
	char sub[64], head[256];
	int hid, n, en;
	bool found = false;

	if (!f)
		return false;
	if (!fgets(head, sizeof(head), f)) {
		fclose(f);
		return false; /* the header line */
	}
	while (fscanf(f, "%63s %d %d %d", sub, &hid, &n, &en) == 4)
		if (!strcmp(sub, name) && hid == 0 && en)
			found = true;
	fclose(f);
	return found;
}

int hiers__select(struct hiers *hs, const char *arg, int *id, char *why, size_t whycap)
{
	struct hier *h;
	char name[128];

	if (!strcmp(arg, "all")) {
		*id = CGTAP_ALL_HIERARCHIES;
		snprintf(why, whycap, "--hierarchy all: every hierarchy (%d on this host)", hs->n);
		return 0;
	}
	if (!strcmp(arg, "auto")) {
		if (hs->pure_v2) {
			*id = 0;
			snprintf(why, whycap,
				 "auto: a pure cgroup v2 host, so the cgroup2 hierarchy");
			return 0;
		}
		h = by_controller(hs, "cpuset");
		if (h) {
			*id = h->id;
			snprintf(
			    why, whycap,
			    "auto: a cgroup v1 or hybrid host, so the hierarchy that holds cpuset "
			    "(once per container)");
			return 0;
		}
		if (hiers__find(hs, 0)) {
			*id = 0;
			snprintf(why, whycap, "auto: no v1 hierarchy holds cpuset, so cgroup2");
			return 0;
		}
		return -1;
	}
	if (isdigit((unsigned char)arg[0])) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end || v < 0 || v > 1 << 20 || !hiers__find(hs, (int)v))
			return -1;
		*id = (int)v;
		snprintf(why, whycap, "--hierarchy %ld", v);
		return 0;
	}
	if (!strcmp(arg, "unified") || !strcmp(arg, "cgroup2")) {
		if (!hiers__find(hs, 0))
			return -1;
		*id = 0;
		snprintf(why, whycap, "--hierarchy %s: the cgroup2 hierarchy", arg);
		return 0;
	}
	snprintf(name, sizeof(name), "%s%s", strchr(arg, '=') ? "" : "name=", arg);
	h = by_controller(hs, arg);
	if (!h)
		h = by_controller(hs, name);
	if (h) {
		*id = h->id;
		snprintf(why, whycap, "--hierarchy %s: the v1 hierarchy of %s", arg,
			 h->controllers);
		return 0;
	}
	if (hiers__find(hs, 0) && controller_on_v2(arg)) {
		*id = 0;
		snprintf(why, whycap, "--hierarchy %s: on no v1 hierarchy, so cgroup2", arg);
		return 0;
	}
	return -1;
}
