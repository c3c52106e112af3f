/* cgtap's hierarchies module (hier.c): the cgroup hierarchies of this host and their mounts. */
#ifndef CTRWATCH_HIER_H
#define CTRWATCH_HIER_H

#include <stdbool.h>
#include <stddef.h>

#define HIER_MAX 64

/* One cgroup hierarchy: id 0 is cgroup2; a v1 hierarchy has its controllers or name=X. */
struct hier {
	int id;
	char *controllers; /* as /proc/self/cgroup shows them: "cpuset", "name=systemd", "" */
	char *mount;	   /* a mount point of it, or NULL when it is not mounted */
	char *mount_root;  /* the directory of the hierarchy mounted there ("/" for the whole) */
};

struct hiers {
	struct hier h[HIER_MAX];
	int n;
	bool pure_v2; /* /proc/self/cgroup lists only "0::" */
};

/* Read /proc/self/cgroup and /proc/self/mountinfo into hs; -1 with errno set on failure. */
int hiers__load(struct hiers *hs);
void hiers__free(struct hiers *hs);
/* The hierarchy with this id, or NULL. */
struct hier *hiers__find(struct hiers *hs, int id);

/*
 * Resolve a --hierarchy argument ("auto", "all", a number, a controller or name) to an id, or
 * CGTAP_ALL_HIERARCHIES. Writes how the choice was made to why. -1 when nothing matches.
 */
int hiers__select(struct hiers *hs, const char *arg, int *id, char *why, size_t whycap);

#endif
