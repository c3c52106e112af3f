/*
 * containerd's native gRPC API, the calls ctrenrich makes (Namespaces/List, Containers/Get and
 * List, Images/Get and List, Tasks/Get): request builders and response parsers. Field numbers are those of github.com/containerd/containerd/api (services/NAME/v1 and
 * types/), checked against the calls recorded in tests/fixtures/ctrenrich/grpc/.
 *
 * Parsers read one gRPC message (the frame already removed) and return views into it: every
 * pb_str points into the caller's buffer, which must outlive the result. 0 on success, -1 on a
 * malformed message with *err set to a pb_err.
 */
#ifndef CTRWATCH_CONTAINERD_H
#define CTRWATCH_CONTAINERD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s.h"
#include "pb.h"

#define CTD_SVC_NAMESPACES "containerd.services.namespaces.v1.Namespaces"
#define CTD_SVC_CONTAINERS "containerd.services.containers.v1.Containers"
#define CTD_SVC_IMAGES "containerd.services.images.v1.Images"
#define CTD_SVC_TASKS "containerd.services.tasks.v1.Tasks"
#define CTD_METHOD_LIST "List"
#define CTD_METHOD_GET "Get"

/* Labels containerd's clients put on containers, besides Kubernetes' (k8s.h). */
#define CTD_LABEL_NERDCTL_NAME "nerdctl/name"
#define CTD_LABEL_KIND "io.cri-containerd.kind" /* "sandbox" or "container" */

/* Request bodies (unframed). 0, or -1 with b->err. */
int ctd_namespaces_list_req(struct buf *b);                   /* ListNamespacesRequest{} */
int ctd_container_get_req(struct buf *b, const char *id);     /* GetContainerRequest{id=1} */
int ctd_image_get_req(struct buf *b, const char *name);       /* GetImageRequest{name=1} */
int ctd_task_get_req(struct buf *b, const char *container_id); /* GetRequest{container_id=1} */
int ctd_containers_list_req(struct buf *b);		      /* ListContainersRequest{} */
int ctd_images_list_req(struct buf *b);			      /* ListImagesRequest{} */

/*
 * ListNamespacesResponse{repeated Namespace namespaces = 1}, Namespace{name = 1, labels = 2}:
 * up to max names into names[] in the order sent; *count is the number of namespaces in the
 * answer, which may exceed max (the rest are not stored).
 */
int ctd_namespaces_parse(const void *msg, size_t len, struct pb_str *names, size_t max,
			 size_t *count, int *err);

/* GetContainerResponse{container = 1} → Container. */
struct ctd_container {
	struct pb_str id;      /* 1 */
	struct pb_str image;   /* 3: the image name the container was made from */
	struct pb_str runtime; /* 4: Runtime{name = 1} */
	struct pb_str spec_type; /* 5: Any{type_url = 1} */
	struct pb_str spec;    /* 5: Any{value = 2}, the OCI runtime spec as JSON */
	struct pb_str snapshotter; /* 6 */
	int64_t created_at;    /* 8: Timestamp, ns since the epoch; 0 when unset */
	/* The labels we use (2: map<string, string>); empty when absent. */
	struct pb_str container_name, nerdctl_name, pod_name, pod_namespace, pod_uid, kind;
	struct pb_str raw;     /* the Container message */
};
int ctd_container_parse(const void *msg, size_t len, struct ctd_container *c, int *err);

/* GetImageResponse{image = 1} → Image{name = 1, labels = 2, target = 3 Descriptor}. */
struct ctd_image {
	struct pb_str name;
	struct pb_str media_type; /* Descriptor.media_type = 1 */
	struct pb_str digest;     /* Descriptor.digest = 2: "sha256:<hex>", of the manifest or index */
	int64_t size;             /* Descriptor.size = 3 */
};
int ctd_image_parse(const void *msg, size_t len, struct ctd_image *img, int *err);

/*
 * Lists: each Container of a ListContainersResponse{containers = 1}, each Image of a
 * ListImagesResponse{images = 1}, to fn as the parsers above give them (views into msg; a
 * container's raw is its message). 0, or -1 with *err (the items before the malformed one were
 * handed over).
 */
int ctd_containers_list_parse(const void *msg, size_t len,
			      void (*fn)(void *ctx, const struct ctd_container *c), void *ctx,
			      int *err);
int ctd_images_list_parse(const void *msg, size_t len,
			  void (*fn)(void *ctx, const struct ctd_image *img), void *ctx, int *err);

/* containerd.v1.types.Status */
enum ctd_task_status {
	CTD_TASK_UNKNOWN = 0,
	CTD_TASK_CREATED = 1,
	CTD_TASK_RUNNING = 2,
	CTD_TASK_STOPPED = 3,
	CTD_TASK_PAUSED = 4,
	CTD_TASK_PAUSING = 5,
};

/* containerd.v1.types.ExitReason (containerd 2.x; absent before) */
enum ctd_exit_reason {
	CTD_EXIT_NONE = 0,
	CTD_EXIT_OOMKILLED = 1,
	CTD_EXIT_SIGNALED = 2,
};

/* tasks.v1 GetResponse{process = 1} → Process. */
struct ctd_task {
	struct pb_str container_id; /* 1 (containerd 1.6 leaves it empty) */
	struct pb_str id;           /* 2 */
	uint32_t pid;               /* 3 */
	int status;                 /* 4: enum ctd_task_status */
	uint32_t exit_status;       /* 9 */
	int64_t exited_at;          /* 10: ns since the epoch; 0 when unset or before 1970 */
	int exit_reason;            /* 11: enum ctd_exit_reason */
};
int ctd_task_parse(const void *msg, size_t len, struct ctd_task *t, int *err);

#endif
