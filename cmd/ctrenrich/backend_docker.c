/*
 * Docker Engine API backend (HTTP/1.1 over dockerd's Unix socket, GET only).
 *
 * Create: list-by-id, because inspect blocks until the container's start completes (~300 ms
 * after the cgroup mkdir) while the list answers from a lock-free view in a few ms
 * (reference/runtimes/REPORT.md section 9); then the image, for its digest (and its tag when the
 * user named the image by id), unless an answer for that image is less than a minute old.
 * Remove: inspect, for State.ExitCode/FinishedAt/OOMKilled, and the create-time fields too when
 * the cache had nothing.
 *
 * The API version is fixed, not negotiated: /v1.41 is dockerd 20.10's and newer daemons accept it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "codec/jp.h"
#include "be_json.h"

#define API "/v1.41"

enum {
	STEP_LIST,    /* create: GET /containers/json?all=1&filters={"id":["<id>"]} */
	STEP_INSPECT, /* remove: GET /containers/<id>/json */
	STEP_IMAGE,   /* GET /images/<sha256:id>/json, id kept in scratch */
};

/* Scratch: the image id to ask for ("" once asked), then a flag: the user named it by id. */
#define SCR_IMAGE(lk) ((lk)->scratch)
#define SCR_BY_ID(lk) ((lk)->scratch[200])

/*
 * What the last images asked for said: containers of one host share few images, so most creates
 * need one request instead of two. Small and short-lived: an image pushed or re-tagged since is
 * asked again after IMAGE_TTL_S.
 */
#define IMAGE_CACHE 64
#define IMAGE_TTL_S 60
struct image_entry {
	char id[72]; /* sha256:<64 hex>; "" when free */
	char tag[256], digest[256];
	time_t at;
};

/* The backend's state, one a daemon. */
struct docker {
	struct jp doc; /* first (be_json_state_free) */
	struct image_entry images[IMAGE_CACHE];
	unsigned images_next; /* round-robin replacement */
};

static struct docker *st(struct be_lookup *lk)
{
	return lk->state;
}

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct image_entry *image_get(struct docker *d, const char *id)
{
	time_t now = mono_s();

	for (unsigned i = 0; i < IMAGE_CACHE; i++)
		if (d->images[i].id[0] && !strcmp(d->images[i].id, id) &&
		    now - d->images[i].at < IMAGE_TTL_S)
			return &d->images[i];
	return NULL;
}

/* Keep what image id's answer said (a value that does not fit is not kept: asked again). */
static void image_put(struct docker *d, const char *id, long taglen, const char *tag, long diglen,
		      const char *digest)
{
	struct image_entry *e = &d->images[d->images_next++ % IMAGE_CACHE];

	if (strlen(id) >= sizeof(e->id) || taglen >= (long)sizeof(e->tag) ||
	    diglen >= (long)sizeof(e->digest))
		return;
	strcpy(e->id, id);
	strcpy(e->tag, taglen > 0 ? tag : "");
	strcpy(e->digest, diglen > 0 ? digest : "");
	e->at = mono_s();
}

static int docker_request(struct be_lookup *lk, struct be_request *rq)
{
	if (lk->step == 0)
		lk->step = lk->kind == BE_CREATE ? STEP_LIST : STEP_INSPECT;
	switch (lk->step) {
	case STEP_LIST:
		/* filters={"id":["<id>"]}, %-encoded; the id is 64 hex (checked by id_ok). */
		return be_path(
		    lk, rq,
		    API "/containers/json?all=1&filters=%%7B%%22id%%22%%3A%%5B%%22%s%%22%%5D%%7D",
		    lk->id);
	case STEP_INSPECT:
		return be_path(lk, rq, API "/containers/%s/json", lk->id);
	case STEP_IMAGE:
		return be_path(lk, rq, API "/images/%s/json", SCR_IMAGE(lk));
	}
	return be_bad_step(lk);
}

/* True when image (as the container names it) is only an id: "sha256:…" or a hex prefix of id. */
static bool image_is_id(const char *image, const char *image_id)
{
	size_t n;

	if (!image || !*image)
		return true;
	if (!strncmp(image, "sha256:", 7))
		return true;
	n = strlen(image);
	if (!image_id || strlen(image_id) < 7 + n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((image[i] >= '0' && image[i] <= '9') || (image[i] >= 'a' && image[i] <= 'f')))
			return false;
	return !strncmp(image_id + 7, image, n);
}

/*
 * The create-time fields from a container object: list entry (Names[0], Image, ImageID, Labels)
 * or inspect (Name, Config.Image, Image, Config.Labels).
 */
static int read_container(struct be_lookup *lk, int c, bool list)
{
	struct jp *doc = &st(lk)->doc;
	struct meta *m = lk->m;
	int t, labels;
	char image_id[128] = "";

	t = list ? jp__path(doc, c, "Names.0") : jp__key(doc, c, "Name");
	if (t >= 0) {
		char *name = NULL;
		size_t n;

		if (jp__strdup(doc, t, &name, &n) < 0)
			return -1;
		meta__set(m, M_NAME, name[0] == '/' ? name + 1 : name, name[0] == '/' ? n - 1 : n);
		free(name);
	}
	if (be_json_str(doc, jp__path(doc, c, list ? "Image" : "Config.Image"), m, M_IMAGE) < 0)
		return -1;
	t = jp__key(doc, c, list ? "ImageID" : "Image");
	if (t >= 0 && jp__str(doc, t, image_id, sizeof(image_id)) < 0)
		return -1;
	labels = jp__path(doc, c, list ? "Labels" : "Config.Labels");
	if (be_json_pod(doc, labels, m) < 0)
		return -1;
	/* dockershim and cri-dockerd label a sandbox "podsandbox" (Tracee compares with "sandbox").
	 */
	m->sandbox =
	    jp__str_eq(doc, jp__key(doc, labels, "io.kubernetes.docker.type"), "podsandbox");
	SCR_IMAGE(lk)[0] = '\0';
	if (be_json_image_id_ok(image_id)) {
		strcpy(SCR_IMAGE(lk), image_id);
		SCR_BY_ID(lk) = image_is_id(m->s[M_IMAGE], image_id);
	}
	lk->got_meta = true;
	return 0;
}

static enum be_result next_image(struct be_lookup *lk)
{
	const struct image_entry *e;

	if (!SCR_IMAGE(lk)[0])
		return BE_DONE;
	e = image_get(st(lk), SCR_IMAGE(lk));
	if (e) {
		if (e->digest[0] && meta__set(lk->m, M_DIGEST, e->digest, strlen(e->digest)) < 0)
			return be_bad(lk, "out of memory");
		if (SCR_BY_ID(lk) && e->tag[0] &&
		    meta__set(lk->m, M_IMAGE, e->tag, strlen(e->tag)) < 0)
			return be_bad(lk, "out of memory");
		SCR_IMAGE(lk)[0] = '\0';
		return BE_DONE;
	}
	lk->step = STEP_IMAGE;
	return BE_MORE;
}

static enum be_result on_list(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = &st(lk)->doc;
	int n;

	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	if (jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_arr(doc, 0))
		return be_bad(lk, "invalid JSON");
	/* The id filter matches prefixes: take the entry that is exactly ours. */
	n = jp__size(doc, 0);
	/* Walk siblings: jp__index(i) for each i would re-skip every earlier element. */
	for (int i = 0, c = jp__index(doc, 0, 0); i < n && c >= 0; i++, c = jp__next(doc, c)) {
		if (jp__str_eq(doc, jp__key(doc, c, "Id"), lk->id)) {
			if (read_container(lk, c, true) < 0)
				return be_bad(lk, "invalid JSON");
			return next_image(lk);
		}
	}
	return BE_NOTFOUND;
}

static enum be_result on_inspect(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = &st(lk)->doc;
	enum be_result r;

	if (rs->status == 404)
		return BE_NOTFOUND;
	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	if (jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_obj(doc, 0))
		return be_bad(lk, "invalid JSON");
	if (lk->need_meta && !lk->got_meta && read_container(lk, 0, false) < 0)
		return be_bad(lk, "invalid JSON");
	r = be_json_state(lk, doc, jp__key(doc, 0, "State"));
	if (r != BE_DONE)
		return r;
	return lk->need_meta ? next_image(lk) : BE_DONE;
}

static enum be_result on_image(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = &st(lk)->doc;
	struct meta *m = lk->m;
	char tag[256] = "", digest[256] = "";
	long taglen = -1, diglen = -1;
	int t;

	/* The container is known already: an image that cannot be read leaves its fields as they
	 * are. */
	if (rs->status != 200 || jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_obj(doc, 0)) {
		SCR_IMAGE(lk)[0] = '\0';
		return BE_DONE;
	}
	t = jp__path(doc, 0, "RepoDigests.0");
	be_json_str(doc, t, m, M_DIGEST);
	if (t >= 0)
		diglen = jp__str(doc, t, digest, sizeof(digest));
	t = jp__path(doc, 0, "RepoTags.0");
	if (t >= 0 && !jp__str_eq(doc, t, "") && !jp__str_eq(doc, t, "<none>:<none>")) {
		if (SCR_BY_ID(lk))
			be_json_str(doc, t, m, M_IMAGE);
		taglen = jp__str(doc, t, tag, sizeof(tag));
	}
	image_put(st(lk), SCR_IMAGE(lk), taglen, tag, diglen, digest);
	SCR_IMAGE(lk)[0] = '\0';
	return BE_DONE;
}

static enum be_result docker_response(struct be_lookup *lk, const struct be_response *rs)
{
	static be_on_fn *const on[] = {
	    [STEP_LIST] = on_list, [STEP_INSPECT] = on_inspect, [STEP_IMAGE] = on_image};

	return be_on_step(lk, rs, on, sizeof(on) / sizeof(on[0]));
}

const struct backend backend_docker = {
    .name = "docker",
    .state_size = sizeof(struct docker),
    .state_free = be_json_state_free,
    .id_ok = be_id_hex64,
    .request = docker_request,
    .response = docker_response,
};
