/*
 * What the gRPC runtimes told about a container, mapped to ctrenrich's fields: the rules of
 * issue 5 and tracee.md 5.4-5.5, in one place for the containerd and CRI backends.
 *
 * Strings are views into the response buffers (not copied, not NUL-terminated); the backend
 * copies them into the engine's struct meta while those buffers are alive.
 */
#ifndef CTRWATCH_GRPC_META_H
#define CTRWATCH_GRPC_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "containerd.h"
#include "cri.h"
#include "pb.h"

struct grpc_meta {
	struct pb_str name;          /* container_name */
	struct pb_str image;         /* container_image */
	struct pb_str digest;        /* container_image_digest */
	struct pb_str pod_name;      /* pod_name */
	struct pb_str pod_namespace; /* pod_namespace */
	struct pb_str pod_uid;       /* pod_uid */
	bool sandbox;                /* pod_sandbox */
	/* Removal details, set together and only when the runtime says the container ended. */
	bool have_exit;
	int64_t exit_code;
	int64_t finished_at; /* ns since the epoch; 0 unknown */
	bool oom_killed;
};

/* All empty, no exit details. */
void grpc_meta__init(struct grpc_meta *g);

/*
 * A containerd container (and its image, NULL when Images/Get failed or was not asked):
 * name = label io.kubernetes.container.name, else nerdctl/name, else empty; image = the image
 * record's name, else the container's image field; digest = the image's target digest; pod
 * fields from the io.kubernetes.pod.* labels; sandbox when io.cri-containerd.kind is "sandbox".
 */
void grpc_meta_from_ctd(struct grpc_meta *g, const struct ctd_container *c,
			const struct ctd_image *img);

/*
 * A containerd task's exit details, only when it has stopped: exit_status, exited_at, and
 * exit_reason OOMKILLED (containerd 2). Returns true when it had stopped.
 */
bool grpc_meta_exit_from_ctd_task(struct grpc_meta *g, const struct ctd_task *t);

/*
 * A CRI container status: name = metadata.name; image = image.image; digest = image_ref; pod
 * fields from the io.kubernetes.pod.* labels; sandbox when the CRI-O annotation
 * io.kubernetes.cri-o.ContainerType is "sandbox" (infra containers of old CRI-O). Exit details
 * when the state is EXITED: exit_code, finished_at, and reason "OOMKilled".
 */
void grpc_meta_from_cri_container(struct grpc_meta *g, const struct cri_container *c);

/*
 * A CRI pod sandbox status (the id answered PodSandboxStatus): sandbox = true; no container name
 * or image; pod fields from the sandbox metadata, falling back to the labels.
 */
void grpc_meta_from_cri_sandbox(struct grpc_meta *g, const struct cri_sandbox *s);

/*
 * ns since the epoch as RFC 3339 in UTC with Go's RFC3339Nano form (trailing zeros of the
 * fraction dropped), as Docker reports finish times: "2026-11-23T15:30:00.5Z". buf needs 36 bytes.
 * Returns the length, or -1 when buf is too small.
 */
int grpc_time_rfc3339(char *buf, size_t bufsz, int64_t ns);

#endif
