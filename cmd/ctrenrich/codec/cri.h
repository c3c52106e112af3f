/*
 * The Kubernetes CRI (runtime.v1.RuntimeService and ImageService), the calls ctrenrich makes:
 * ContainerStatus and PodSandboxStatus for one container, ListImages, ListPodSandbox and
 * ListContainers for the start-up scan's list. Field numbers from k8s.io/cri-api pkg/apis/runtime/v1/api.proto, checked
 * against the calls recorded in tests/fixtures/ctrenrich/grpc/. containerd's CRI plugin and
 * CRI-O answer the same messages.
 *
 * As in containerd.h: parsers return views into the caller's message buffer; 0, or -1 with
 * *err set to a pb_err. proto3 leaves zero values out, so an absent state is CREATED (containers)
 * or READY (sandboxes).
 */
#ifndef CTRWATCH_CRI_H
#define CTRWATCH_CRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s.h"
#include "pb.h"

#define CRI_SVC "runtime.v1.RuntimeService"
#define CRI_METHOD_CONTAINER_STATUS "ContainerStatus"
#define CRI_METHOD_SANDBOX_STATUS "PodSandboxStatus"
#define CRI_METHOD_LIST_CONTAINERS "ListContainers"
#define CRI_METHOD_LIST_SANDBOXES "ListPodSandbox"
#define CRI_IMAGE_SVC "runtime.v1.ImageService"
#define CRI_METHOD_LIST_IMAGES "ListImages"

/* CRI-O marks its infra containers with this OCI annotation (value "sandbox"). */
#define CRI_ANNOTATION_CRIO_TYPE "io.kubernetes.cri-o.ContainerType"

enum cri_container_state {
	CRI_CONTAINER_CREATED = 0,
	CRI_CONTAINER_RUNNING = 1,
	CRI_CONTAINER_EXITED = 2,
	CRI_CONTAINER_UNKNOWN = 3,
};

enum cri_sandbox_state {
	CRI_SANDBOX_READY = 0,
	CRI_SANDBOX_NOTREADY = 1,
};

/* ContainerStatusRequest{container_id = 1, verbose = 2}, unframed. 0, or -1 with b->err. */
int cri_container_status_req(struct buf *b, const char *id, bool verbose);
/* PodSandboxStatusRequest{pod_sandbox_id = 1, verbose = 2}. */
int cri_sandbox_status_req(struct buf *b, const char *id, bool verbose);

/* ContainerStatusResponse{status = 1, info = 2} → ContainerStatus. */
struct cri_container {
	struct pb_str id;          /* 1 */
	struct pb_str name;        /* 2: ContainerMetadata{name = 1, attempt = 2} */
	uint32_t attempt;
	int state;                 /* 3: enum cri_container_state */
	int64_t created_at;        /* 4: ns since the epoch */
	int64_t started_at;        /* 5 */
	int64_t finished_at;       /* 6 */
	int32_t exit_code;         /* 7 */
	struct pb_str image;       /* 8: ImageSpec{image = 1} */
	struct pb_str image_ref;   /* 9 */
	struct pb_str reason;      /* 10: e.g. "OOMKilled", "Completed", "Error" */
	struct pb_str message;     /* 11 */
	struct pb_str raw;         /* the ContainerStatus message: labels 12, annotations 13 */
	/* The labels we use; empty when absent. */
	struct pb_str container_name, pod_name, pod_namespace, pod_uid;
	struct pb_str crio_type;   /* annotation io.kubernetes.cri-o.ContainerType */
};
int cri_container_parse(const void *msg, size_t len, struct cri_container *c, int *err);

/* PodSandboxStatusResponse{status = 1, info = 2} → PodSandboxStatus. */
struct cri_sandbox {
	struct pb_str id;        /* 1 */
	struct pb_str name;      /* 2: PodSandboxMetadata{name = 1, uid = 2, namespace = 3, */
	struct pb_str uid;       /*    attempt = 4} */
	struct pb_str namespace;
	uint32_t attempt;
	int state;               /* 3: enum cri_sandbox_state */
	int64_t created_at;      /* 4: ns */
	struct pb_str raw;       /* the PodSandboxStatus message: labels 7, annotations 8 */
	struct pb_str pod_name, pod_namespace, pod_uid; /* from the labels */
};
int cri_sandbox_parse(const void *msg, size_t len, struct cri_sandbox *s, int *err);

/*
 * Lists. Requests: ListContainersRequest{filter = 1 ContainerFilter{state = 2
 * ContainerStateValue{state = 1}}} (running ones only when running), ListPodSandboxRequest{} and
 * ListImagesRequest{}. Each item of an answer goes to fn as the single-item parsers above give
 * it, views into msg; 0, or -1 with *err (the items before the malformed one were handed over).
 */
int cri_list_containers_req(struct buf *b, bool running);
int cri_list_sandboxes_req(struct buf *b);
int cri_list_images_req(struct buf *b);

/*
 * ListContainersResponse{containers = 1} → Container{id = 1, metadata = 3, image = 4,
 * image_ref = 5, state = 6, created_at = 7, labels = 8, annotations = 9}: the fields of struct
 * cri_container a list has (no times but created_at, no exit).
 */
int cri_list_containers_parse(const void *msg, size_t len,
			      void (*fn)(void *ctx, const struct cri_container *c), void *ctx,
			      int *err);

/* ListPodSandboxResponse{items = 1} → PodSandbox{id = 1, metadata = 2, state = 3, labels = 5}. */
int cri_list_sandboxes_parse(const void *msg, size_t len,
			     void (*fn)(void *ctx, const struct cri_sandbox *s), void *ctx, int *err);

/* ListImagesResponse{images = 1} → Image{id = 1, repo_tags = 2, repo_digests = 3}: the first
 * tag and the first digest ("" when none). */
struct cri_image {
	struct pb_str id, tag, digest;
};
int cri_list_images_parse(const void *msg, size_t len,
			  void (*fn)(void *ctx, const struct cri_image *img), void *ctx, int *err);

#endif
