/* cgtap's own modules: cgroup hierarchies, the cgroupfs walk, and capabilities. */
#ifndef CTRWATCH_TAP_H
#define CTRWATCH_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

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

/* The walk's visitor: path relative to the hierarchy root ("/" for the root). Non-zero stops. */
typedef int (*scan_visit_fn)(void *ctx, const char *path, size_t len, unsigned level,
			     const struct stat *st);

/*
 * Walk the cgroup directories under dirfd (the mount of a hierarchy whose directory is prefix)
 * depth first, parents before children. Directories that vanish meanwhile are skipped. Returns
 * the visitor's non-zero value when it stopped the walk, else 0; dirfd is closed.
 */
int scan_tree(int dirfd, const char *prefix, scan_visit_fn visit, void *ctx);

/* True when the effective set can load and attach BPF tracing programs. */
bool caps_can_bpf(void);
/*
 * Drop every capability but CAP_DAC_READ_SEARCH when keep_read, and set no_new_privs. Called
 * again with keep_read false to drop that one too. -1 with errno set on failure.
 */
int caps_drop(bool keep_read);

#endif
