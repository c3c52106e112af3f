/* Which container, if any, a cgroup path belongs to (ctrdetect(1), "PATH RULES"). */
#ifndef CTRDETECT_CLASSIFY_H
#define CTRDETECT_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

struct cgroup_class {
	const char *runtime; /* "docker", "containerd", "crio", "podman", "lxc", "garden", "unknown" */
	const char *id;      /* points into the path */
	size_t id_len;
	bool root; /* the match is the last component: this is the container's own cgroup */
};

/*
 * Classify path[0, len) (relative to its hierarchy root). Components are read from the innermost
 * out and the first that names a container decides. Returns true and fills *c when the path is
 * a container's cgroup or lies inside one; false otherwise.
 */
bool cgroup_classify(const char *path, size_t len, struct cgroup_class *c);

#endif
