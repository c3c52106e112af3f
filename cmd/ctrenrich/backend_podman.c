/*
 * Podman backend: its libpod API (HTTP/1.1 over the service's Unix socket, GET only).
 *
 * Podman has no answer that does not wait for the container lock, which it holds through init
 * and start (~125 ms after the cgroup mkdir, reference/runtimes/REPORT.md section 9), so create
 * and remove both inspect the container:
 *   GET /v4.0.0/libpod/containers/<id>/json  Name, ImageName, ImageDigest, Image, Pod, IsInfra,
 *                                            Config.Labels, State
 * then, when needed, the pod for its name and the image for its digest:
 *   GET /v4.0.0/libpod/pods/<pod id>/json     Name
 *   GET /v4.0.0/libpod/images/<image id>/json Digest
 * A pod's infra container is the sandbox. Kubernetes labels on the container win over the Podman
 * pod's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "codec/jp.h"
#include "be_json.h"

#define API "/v4.0.0/libpod"

enum {
	STEP_INSPECT,
	STEP_POD,
	STEP_IMAGE,
};

/* Scratch: the pod id and the image id still to ask for ("" when nothing to ask). */
#define SCR_POD(lk) ((lk)->scratch)
#define SCR_IMAGE(lk) ((lk)->scratch + 128)

/* The backend's state, one a service: a tokenizer, reused. */
static struct jp *doc_of(struct be_lookup *lk)
{
	return lk->state;
}

static int podman_request(struct be_lookup *lk, struct be_request *rq)
{
	switch (lk->step) {
	case STEP_INSPECT:
		return be_path(lk, rq, API "/containers/%s/json", lk->id);
	case STEP_POD:
		return be_path(lk, rq, API "/pods/%s/json", SCR_POD(lk));
	case STEP_IMAGE:
		return be_path(lk, rq, API "/images/%s/json", SCR_IMAGE(lk));
	}
	return be_bad_step(lk);
}

static void keep_id(char *dst, const struct jp *d, int t)
{
	char id[80];

	dst[0] = '\0';
	if (jp__str(d, t, id, sizeof(id)) == 64 && be_id_hex64(id, 64))
		strcpy(dst, id);
}

static int read_container(struct be_lookup *lk)
{
	struct jp *doc = doc_of(lk);
	struct meta *m = lk->m;
	int labels = jp__path(doc, 0, "Config.Labels");

	if (be_json_str(doc, jp__key(doc, 0, "Name"), m, M_NAME) < 0 ||
	    be_json_str(doc, jp__key(doc, 0, "ImageName"), m, M_IMAGE) < 0 ||
	    be_json_str(doc, jp__key(doc, 0, "ImageDigest"), m, M_DIGEST) < 0 ||
	    be_json_pod(doc, labels, m) < 0)
		return -1;
	m->sandbox = false;
	jp__bool(doc, jp__key(doc, 0, "IsInfra"), &m->sandbox);
	keep_id(SCR_POD(lk), doc, jp__key(doc, 0, "Pod"));
	if (m->s[M_POD_NAME])
		SCR_POD(lk)[0] = '\0'; /* Kubernetes labels win */
	keep_id(SCR_IMAGE(lk), doc, jp__key(doc, 0, "Image"));
	if (m->s[M_DIGEST])
		SCR_IMAGE(lk)[0] = '\0';
	lk->got_meta = true;
	return 0;
}

static enum be_result next(struct be_lookup *lk)
{
	if (SCR_POD(lk)[0]) {
		lk->step = STEP_POD;
		return BE_MORE;
	}
	if (SCR_IMAGE(lk)[0]) {
		lk->step = STEP_IMAGE;
		return BE_MORE;
	}
	return BE_DONE;
}

static enum be_result on_inspect(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = doc_of(lk);
	enum be_result r;

	if (rs->status == 404)
		return BE_NOTFOUND;
	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	if (jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_obj(doc, 0))
		return be_bad(lk, "invalid JSON");
	if ((lk->kind == BE_CREATE || lk->need_meta) && !lk->got_meta && read_container(lk) < 0)
		return be_bad(lk, "invalid JSON");
	if (lk->kind == BE_CREATE)
		return next(lk);
	r = be_json_state(lk, doc, jp__key(doc, 0, "State"));
	if (r != BE_DONE)
		return r;
	return lk->need_meta ? next(lk) : BE_DONE;
}

static enum be_result on_pod(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = doc_of(lk);
	SCR_POD(lk)[0] = '\0';
	if (rs->status == 200 && jp__parse(doc, rs->body, rs->len) == 0 && jp__is_obj(doc, 0))
		be_json_str(doc, jp__key(doc, 0, "Name"), lk->m, M_POD_NAME);
	return next(lk);
}

static enum be_result on_image(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = doc_of(lk);
	SCR_IMAGE(lk)[0] = '\0';
	if (rs->status == 200 && jp__parse(doc, rs->body, rs->len) == 0 && jp__is_obj(doc, 0))
		be_json_str(doc, jp__key(doc, 0, "Digest"), lk->m, M_DIGEST);
	return next(lk);
}

static enum be_result podman_response(struct be_lookup *lk, const struct be_response *rs)
{
	static be_on_fn *const on[] = {
	    [STEP_INSPECT] = on_inspect, [STEP_POD] = on_pod, [STEP_IMAGE] = on_image};

	return be_on_step(lk, rs, on, sizeof(on) / sizeof(on[0]));
}

const struct backend backend_podman = {
    .name = "podman",
    .state_size = sizeof(struct jp),
    .state_free = be_json_state_free,
    .id_ok = be_id_hex64,
    .request = podman_request,
    .response = podman_response,
};
