/*
 * CRI-O backend: the Kubernetes CRI (runtime.v1.RuntimeService) over HTTP/2 on CRI-O's socket.
 * Any CRI runtime answers the same way; the tests point it at containerd's CRI plugin.
 *
 * Create: ContainerStatus; a pod sandbox is no CRI container (NotFound), so on NotFound
 * PodSandboxStatus, which answers only once RunPodSandbox has returned, ~100 ms after the
 * sandbox's cgroup appeared (REPORT.md section 9): the engine's retries cover that wait.
 * Remove: ContainerStatus for the exit code, finish time and OOM kill; "not yet" while CRI still
 * reports the container running; a sandbox has no exit details.
 *
 * List (the start-up scan, list.c): ImageService/ListImages, ListPodSandbox, then ListContainers
 * (running ones): every pod and container in three calls, whatever their number. A listed
 * container's image and digest are what ContainerStatus says (containerd's CRI): the image's
 * first repo tag and first repo digest when it has them, else the image as created and its id.
 *
 * A socket that serves no CRI answers UNIMPLEMENTED ("unknown service runtime.v1.RuntimeService"):
 * containerd without its CRI plugin, as Docker's own runs, or a runtime older than CRI v1.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "be_grpc.h"
#include "codec/cri.h"
#include "codec/grpc.h"
#include "codec/grpc_meta.h"
#include "htab.h"

enum {
	STEP_START,
	STEP_CONTAINER,	 /* ContainerStatus */
	STEP_SANDBOX,	 /* PodSandboxStatus */
	STEP_IMAGES,	 /* list: ListImages */
	STEP_SANDBOXES,	 /* list: ListPodSandbox */
	STEP_CONTAINERS, /* list: ListContainers */
};

/* The backend's state, one a runtime: a list's images, by id (NULL but while listing). */
struct crio {
	struct htab *images; /* struct image */
};

struct image {
	char *tag, *digest; /* first repo tag and digest; NULL when none */
};
#define LIST_IMAGES_MAX 4096 /* images a list keeps; a container of another is as listed */

static bool image_free(void *value, void *ctx)
{
	struct image *img = value;

	(void)ctx;
	free(img->tag);
	free(img->digest);
	return true;
}

static void images_free(struct crio *c)
{
	struct image *img;

	if (!c->images)
		return;
	while ((img = htab__oldest(c->images))) {
		image_free(img, NULL);
		htab__del(c->images, img);
	}
	htab__free(c->images);
	c->images = NULL;
}

static void crio_state_free(void *state)
{
	images_free(state);
}

static int crio_request(struct be_lookup *lk, struct be_request *rq)
{
	struct buf b;
	size_t mark;

	if (lk->step == STEP_START)
		lk->step = lk->kind == BE_LIST ? STEP_IMAGES : STEP_CONTAINER;
	be_grpc_begin(rq, &b, &mark);
	switch (lk->step) {
	case STEP_CONTAINER:
		cri_container_status_req(&b, lk->id, false);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_CONTAINER_STATUS, NULL);
	case STEP_SANDBOX:
		cri_sandbox_status_req(&b, lk->id, false);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_SANDBOX_STATUS, NULL);
	case STEP_IMAGES:
		cri_list_images_req(&b);
		return be_grpc_end(lk, rq, &b, mark, CRI_IMAGE_SVC, CRI_METHOD_LIST_IMAGES, NULL);
	case STEP_SANDBOXES:
		cri_list_sandboxes_req(&b);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_LIST_SANDBOXES, NULL);
	case STEP_CONTAINERS:
		cri_list_containers_req(&b, true);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_LIST_CONTAINERS, NULL);
	}
	return be_bad_step(lk);
}

/* A status other than OK and NOT_FOUND; UNIMPLEMENTED named so that the user can act on it. */
static enum be_result crio_error(struct be_lookup *lk, int code)
{
	if (code != GRPC_UNIMPLEMENTED)
		return be_grpc_error(lk, code);
	lk->err = "grpc unimplemented: the runtime does not serve CRI (runtime.v1.RuntimeService)";
	return BE_ERROR;
}

/* Store g: the create-time fields when wanted, the exit details on removal. */
static enum be_result keep(struct be_lookup *lk, const struct grpc_meta *g)
{
	if ((lk->kind == BE_CREATE || lk->need_meta) && !lk->got_meta) {
		if (be_grpc_meta_create(lk->m, g) < 0)
			goto nomem;
		lk->got_meta = true;
	}
	if (lk->kind == BE_REMOVE && be_grpc_meta_exit(lk->m, g) < 0)
		goto nomem;
	return BE_DONE;
nomem:
	lk->err = "out of memory";
	return BE_ERROR;
}

static enum be_result on_container(struct be_lookup *lk, int code, const uint8_t *msg,
				   size_t len)
{
	struct cri_container c;
	struct grpc_meta g;
	int err;

	if (code == GRPC_NOT_FOUND) {
		lk->step = STEP_SANDBOX;
		return BE_MORE;
	}
	if (code != GRPC_OK)
		return crio_error(lk, code);
	if (cri_container_parse(msg, len, &c, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	grpc_meta_from_cri_container(&g, &c);
	if (lk->kind == BE_REMOVE && !g.have_exit && c.state != CRI_CONTAINER_UNKNOWN) {
		/* Keep who it is for the retry, which will not ask for it again. */
		if (keep(lk, &g) == BE_ERROR)
			return BE_ERROR;
		return BE_NOTYET;
	}
	return keep(lk, &g);
}

static enum be_result on_sandbox(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct cri_sandbox s;
	struct grpc_meta g;
	int err;

	if (code == GRPC_NOT_FOUND)
		return BE_NOTFOUND;
	if (code != GRPC_OK)
		return crio_error(lk, code);
	if (cri_sandbox_parse(msg, len, &s, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	grpc_meta_from_cri_sandbox(&g, &s);
	return keep(lk, &g);
}

/* A string view, copied (NULL when empty or on ENOMEM). */
static char *dup_str(struct pb_str s)
{
	char *p = s.len ? malloc(s.len + 1) : NULL;

	if (p && pb_str_copy(p, s.len + 1, s))
		p[0] = '\0';
	return p;
}

static void take_image(void *ctx, const struct cri_image *ci)
{
	struct crio *c = ctx;
	struct image *img;
	char id[128];
	bool added;

	if (pb_str_copy(id, sizeof(id), ci->id) || !id[0] ||
	    !(img = htab__put(c->images, id, strlen(id), &added)))
		return;
	image_free(img, NULL);
	img->tag = dup_str(ci->tag);
	img->digest = dup_str(ci->digest);
}

static enum be_result on_images(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct crio *c = lk->state;
	int err;

	if (code != GRPC_OK)
		return crio_error(lk, code);
	images_free(c);
	if (!(c->images = htab__new(LIST_IMAGES_MAX, sizeof(struct image), image_free, NULL)))
		return be_bad(lk, "out of memory");
	if (cri_list_images_parse(msg, len, take_image, c, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	lk->step = STEP_SANDBOXES;
	return BE_MORE;
}

/* A listed pod or container, its fields in g, to lk->put. */
static void put_meta(struct be_lookup *lk, struct pb_str id, const struct grpc_meta *g)
{
	struct meta m = {0};
	char sid[ID_MAX + 1];

	if (!pb_str_copy(sid, sizeof(sid), id) && be_id_hex64(sid, strlen(sid)) &&
	    be_grpc_meta_create(&m, g) == 0)
		lk->put(lk->put_ctx, sid, strlen(sid), &m);
	meta__clear(&m);
}

static void take_sandbox(void *ctx, const struct cri_sandbox *s)
{
	struct grpc_meta g;

	grpc_meta_from_cri_sandbox(&g, s);
	put_meta(ctx, s->id, &g);
}

static void take_container(void *ctx, const struct cri_container *c)
{
	struct be_lookup *lk = ctx;
	struct crio *st = lk->state;
	const struct image *img;
	struct grpc_meta g;
	char ref[128];

	grpc_meta_from_cri_container(&g, c);
	/* As ContainerStatus says it: the image's first tag and digest, when it has them. */
	if (!pb_str_copy(ref, sizeof(ref), c->image_ref) &&
	    (img = htab__get(st->images, ref, strlen(ref)))) {
		if (img->tag)
			g.image = (struct pb_str){img->tag, strlen(img->tag)};
		if (img->digest)
			g.digest = (struct pb_str){img->digest, strlen(img->digest)};
	}
	put_meta(lk, c->id, &g);
}

static enum be_result on_list(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	int err, rc;

	if (code != GRPC_OK) {
		images_free(lk->state);
		return crio_error(lk, code);
	}
	if (lk->step == STEP_SANDBOXES) {
		if (cri_list_sandboxes_parse(msg, len, take_sandbox, lk, &err) < 0) {
			images_free(lk->state);
			return be_grpc_bad_pb(lk, err);
		}
		lk->step = STEP_CONTAINERS;
		return BE_MORE;
	}
	rc = cri_list_containers_parse(msg, len, take_container, lk, &err);
	images_free(lk->state);
	return rc < 0 ? be_grpc_bad_pb(lk, err) : BE_DONE;
}

static enum be_result crio_response(struct be_lookup *lk, const struct be_response *rs)
{
	const uint8_t *msg;
	size_t len;
	int code = be_grpc_answer(lk, rs, &msg, &len);

	if (code < 0)
		return BE_ERROR;
	switch (lk->step) {
	case STEP_CONTAINER:
		return on_container(lk, code, msg, len);
	case STEP_SANDBOX:
		return on_sandbox(lk, code, msg, len);
	case STEP_IMAGES:
		return on_images(lk, code, msg, len);
	case STEP_SANDBOXES:
	case STEP_CONTAINERS:
		return on_list(lk, code, msg, len);
	}
	be_bad_step(lk);
	return BE_ERROR;
}

const struct backend backend_crio = {
	.name = "crio",
	.state_size = sizeof(struct crio),
	.state_free = crio_state_free,
	.id_ok = be_id_hex64,
	.request = crio_request,
	.response = crio_response,
	.list = true,
};
