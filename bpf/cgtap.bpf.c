// SPDX-License-Identifier: GPL-2.0
/*
 * cgtap: cgroup mkdir/rmdir from the kernel, one ring buffer record each.
 *
 * BTF tracepoints (tp_btf) attach without tracefs. The tracepoint's own `path` argument is cut
 * by the kernel at 1024 bytes, so the path is rebuilt here from cgrp->kn and its parents.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cgtap.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by cgtap before load: the hierarchy to report, or CGTAP_ALL_HIERARCHIES. */
const volatile int target_hierarchy = CGTAP_ALL_HIERARCHIES;

/* Records that found the ring buffer full; cgtap reads it through the mmapped .bss. */
__u64 lost = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by cgtap before load (--ringbuf-size) */
} events SEC(".maps");

/* The path is built backwards into buf, ending at buf[CGTAP_PATH_MAX]; ev is then sent. */
struct scratch {
	char name[CGTAP_NAME_SLOT];
	char buf[CGTAP_PATH_MAX + CGTAP_NAME_SLOT];
	struct cgtap_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* Linux 6.15 renamed kernfs_node::parent to __parent (RCU); read whichever this kernel has. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static __always_inline int emit(struct cgroup *cgrp, __u16 kind)
{
	struct kernfs_node *kn;
	struct scratch *s;
	__u32 zero = 0, level, off = CGTAP_PATH_MAX, len, i;
	__u16 flags = 0;
	int hier;

	hier = BPF_CORE_READ(cgrp, root, hierarchy_id);
	if (target_hierarchy != CGTAP_ALL_HIERARCHIES && hier != target_hierarchy)
		return 0;
	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return 0;

	level = BPF_CORE_READ(cgrp, level);
	kn = BPF_CORE_READ(cgrp, kn);
	s->ev.cgroup_id = BPF_CORE_READ(kn, id);

	/* One component a level, leaf first, each written just before the previous one. */
	for (i = 0; i < CGTAP_MAX_DEPTH; i++) {
		long n;

		if (i >= level || !kn)
			break;
		n = bpf_probe_read_kernel_str(s->name, sizeof(s->name), BPF_CORE_READ(kn, name));
		if (n <= 1)
			break;
		len = (__u32)(n - 1) & (CGTAP_NAME_SLOT - 1);
		if (off < len + 1) {
			flags |= CGTAP_F_TRUNCATED;
			break;
		}
		off -= len + 1;
		s->buf[off & (CGTAP_PATH_MAX - 1)] = '/';
		bpf_probe_read_kernel(&s->buf[(off + 1) & (CGTAP_PATH_MAX - 1)], len, s->name);
		kn = kn_parent(kn);
	}
	if (i < level && !(flags & CGTAP_F_TRUNCATED))
		flags |= CGTAP_F_TRUNCATED; /* deeper than CGTAP_MAX_DEPTH, or a name unreadable */

	len = CGTAP_PATH_MAX - off;
	if (len == 0) {
		s->ev.path[0] = '/'; /* the hierarchy root itself */
		len = 1;
	} else {
		len &= 2 * CGTAP_PATH_MAX - 1;
		if (len > CGTAP_PATH_MAX)
			len = CGTAP_PATH_MAX;
		bpf_probe_read_kernel(s->ev.path, len, &s->buf[off & (CGTAP_PATH_MAX - 1)]);
	}

	s->ev.ts_boot = bpf_ktime_get_boot_ns();
	s->ev.hierarchy_id = hier;
	s->ev.level = level;
	s->ev.pid = bpf_get_current_pid_tgid() >> 32;
	s->ev.kind = kind;
	s->ev.flags = flags;
	s->ev.path_len = len;
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));

	if (bpf_ringbuf_output(&events, &s->ev, offsetof(struct cgtap_event, path) + len, 0))
		__sync_fetch_and_add(&lost, 1);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgtap_mkdir, struct cgroup *cgrp, const char *path)
{
	return emit(cgrp, CGTAP_MKDIR);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgtap_rmdir, struct cgroup *cgrp, const char *path)
{
	return emit(cgrp, CGTAP_RMDIR);
}
