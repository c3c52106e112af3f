/* Shared between bpf/cgtap.bpf.c and cmd/cgtap: the record the BPF side hands over. */
#ifndef CTRWATCH_CGTAP_H
#define CTRWATCH_CGTAP_H

/*
 * The path is rebuilt from the cgroup's kernfs nodes into this many bytes (the kernel's own
 * tracepoint argument is cut at 1024). A longer path keeps its last whole components and is
 * flagged CGTAP_F_TRUNCATED.
 */
#define CGTAP_PATH_MAX 4096
/* A kernfs name is at most NAME_MAX (255) bytes; one slot holds it with its '/'. */
#define CGTAP_NAME_SLOT 256
/*
 * Levels walked at most; a deeper cgroup is flagged CGTAP_F_TRUNCATED. Real hierarchies are a few
 * levels deep, and each level walked adds to the verifier's work at load time.
 */
#define CGTAP_MAX_DEPTH 256

/* Every hierarchy: the value of target_hierarchy that turns the filter off. */
#define CGTAP_ALL_HIERARCHIES (-1)

enum cgtap_kind {
	CGTAP_MKDIR = 1,
	CGTAP_RMDIR = 2,
};

enum cgtap_flags {
	CGTAP_F_TRUNCATED = 1,
};

struct cgtap_event {
	__u64 ts_boot;	    /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;    /* kernfs node id: the directory's inode */
	__u32 hierarchy_id; /* cgrp->root->hierarchy_id: 0 on cgroup2 */
	__u32 level;	    /* cgrp->level: 0 for the hierarchy root */
	__u32 pid;	    /* tgid of the task that made the change */
	__u16 kind;	    /* enum cgtap_kind */
	__u16 flags;	    /* enum cgtap_flags */
	__u32 path_len;	    /* bytes in path, no NUL */
	char comm[16];
	char path[CGTAP_PATH_MAX]; /* only path_len bytes are sent */
};

#endif
