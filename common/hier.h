/* cgtap's hierarchies module (hier.c): the cgroup hierarchies of this host and their mounts. */
#ifndef CTRWATCH_HIER_H
#define CTRWATCH_HIER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define HIER_MAX 64

/*
 * kernfs numbers a hierarchy's nodes from 1 and makes the root first, so the root directory of
 * every hierarchy has inode 1 (the root cgroup's id), seen from any mount or cgroup namespace.
 */
#define CGROUP_ROOT_ID 1

/* One cgroup hierarchy: id 0 is cgroup2; a v1 hierarchy has its controllers or name=X. */
struct hier {
	int id;
	char *controllers; /* as /proc/self/cgroup shows them: "cpuset", "name=systemd", "" */
	char *mount;	   /* a mount point of it (of the whole hierarchy if one is), or NULL */
	/*
	 * The directory of the hierarchy mounted there, from the hierarchy's root ("/" for the
	 * whole), as the BPF side's paths are; NULL when that cannot be known: a part of the
	 * hierarchy mounted, seen from a cgroup namespace other than the initial one.
	 */
	char *mount_root;
	char *mount_info_root; /* mountinfo's root field: from this cgroup namespace's root */
	bool whole;	       /* the mount shows the whole hierarchy */
};

struct hiers {
	struct hier h[HIER_MAX];
	int n;
	bool pure_v2; /* /proc/self/cgroup lists only "0::" */
};

/* Read /proc/self/cgroup and /proc/self/mountinfo into hs; -1 with errno set on failure. */
int hiers__load(struct hiers *hs);
void hiers__free(struct hiers *hs);
/* Is the cgroupfs directory with this stat its hierarchy's root (CGROUP_ROOT_ID)? */
bool hier__is_root(const struct stat *st);
/* The hierarchy with this id, or NULL. */
struct hier *hiers__find(struct hiers *hs, int id);

/*
 * Resolve a --hierarchy argument ("auto", "all", a number, a controller or name) to an id, or
 * CGTAP_ALL_HIERARCHIES. Writes how the choice was made to why. -1 when nothing matches.
 */
int hiers__select(struct hiers *hs, const char *arg, int *id, char *why, size_t whycap);

#endif
