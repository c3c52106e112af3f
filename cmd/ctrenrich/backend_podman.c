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
 *
 * A create that Podman's event log answered (lookup_podlog.c) asks only its image's digest:
 *   GET /v4.0.0/libpod/images/<name>/json    Digest; the image lock only, not the container's
 * (asked ahead, as the container's create line appears in the log, or by the record itself)
 * and that answer is kept (a few images), as are the pods' names and infra containers (pods
 * are not renamed, nor given another infra container), for the log's lookups to use.
 *
 * List (the start-up scan, list.c): every running container in two requests, whatever their
 * number: GET /v4.0.0/libpod/images/json (Id, Digest), then
 * GET /v4.0.0/libpod/containers/json?pod=true (Names, Image, ImageID, Labels, PodName, IsInfra).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_podman.h"
#include "be_json.h"
#include "codec/jp.h"
#include "htab.h"

#define API "/v4.0.0/libpod"

enum {
	STEP_INSPECT,
	STEP_POD,
	STEP_IMAGE,
	STEP_DIGEST, /* the event log answered: the image's digest, by the image's name */
	STEP_IMAGES,	 /* list: GET /libpod/images/json */
	STEP_CONTAINERS, /* list: GET /libpod/containers/json */
};

/*
 * Scratch: the pod id and the image id still to ask for ("" when nothing to ask); for
 * STEP_DIGEST, the image's name and the event log's image generation when it was asked.
 */
#define SCR_POD(lk) ((lk)->scratch)
#define SCR_IMAGE(lk) ((lk)->scratch + 128)
#define SCR_NAME(lk) ((lk)->scratch + 200)
#define SCR_NAME_MAX 255
#define SCR_GEN(lk) ((lk)->scratch + 456)

#define DIGESTS 16 /* image digests kept, by name */
#define PODS 64	   /* pods kept */

struct digest_entry {
	char image[SCR_NAME_MAX + 1]; /* "" when free */
	char digest[80];
	unsigned long image_gen;
};

struct pod_entry {
	char id[65]; /* "" when free */
	char name[256];
	char infra[65];
};

/* The backend's state, one a service. */
struct podman {
	struct jp doc; /* a tokenizer, reused */
	struct digest_entry digests[DIGESTS];
	struct pod_entry pods[PODS];
	unsigned digests_next, pods_next; /* round-robin replacement */
	struct htab *list_digests;	  /* a list's: image id -> struct list_digest, while it runs */
};

/* A list's digest of an image, "sha256:<64 hex>", by image id. */
struct list_digest {
	char s[72];
};
#define LIST_IMAGES_MAX 4096 /* images a list keeps the digest of; others ask alone */

static struct jp *doc_of(struct be_lookup *lk)
{
	return &((struct podman *)lk->state)->doc;
}

static void podman_state_free(void *state)
{
	struct podman *p = state;

	jp__free(&p->doc);
	htab__free(p->list_digests);
	p->list_digests = NULL;
}

/* True for an image name safe in a URL path as it is: [A-Za-z0-9._:/@-], no "..". */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > SCR_NAME_MAX || strstr(s, "..") || s[0] == '/')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/@-") ==
	       n;
}

const char *podman_digest(void *state, const char *image, unsigned long image_gen)
{
	struct podman *p = state;

	for (unsigned i = 0; i < DIGESTS; i++)
		if (p->digests[i].image_gen == image_gen && !strcmp(p->digests[i].image, image) &&
		    *image)
			return p->digests[i].digest;
	return NULL;
}

static struct pod_entry *find_pod(struct podman *p, const char *pod_id)
{
	for (unsigned i = 0; i < PODS; i++)
		if (*pod_id && !strcmp(p->pods[i].id, pod_id))
			return &p->pods[i];
	return NULL;
}

bool podman_pod(void *state, const char *pod_id, const char **name, const char **infra_id)
{
	struct pod_entry *e = find_pod(state, pod_id);

	if (!e)
		return false;
	*name = e->name;
	*infra_id = e->infra;
	return true;
}

int podman_ask_digest(struct be_lookup *lk, const char *image, unsigned long image_gen)
{
	if (!name_ok(image))
		return -1;
	strcpy(SCR_NAME(lk), image);
	memcpy(SCR_GEN(lk), &image_gen, sizeof(image_gen));
	lk->step = STEP_DIGEST;
	return 0;
}

static int podman_request(struct be_lookup *lk, struct be_request *rq)
{
	if (lk->kind == BE_LIST && lk->step == 0)
		lk->step = STEP_IMAGES;
	switch (lk->step) {
	case STEP_INSPECT:
		return be_path(lk, rq, API "/containers/%s/json", lk->id);
	case STEP_POD:
		return be_path(lk, rq, API "/pods/%s/json", SCR_POD(lk));
	case STEP_IMAGE:
		return be_path(lk, rq, API "/images/%s/json", SCR_IMAGE(lk));
	case STEP_IMAGES:
		return be_path(lk, rq, API "/images/json");
	case STEP_CONTAINERS:
		/* running ones only: the others have no cgroup for a scan to find */
		return be_path(lk, rq, API "/containers/json?pod=true");
	case STEP_DIGEST:
		return be_path(lk, rq, API "/images/%s/json", SCR_NAME(lk));
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

/* Keep what a pod lookup said: its name and infra container, which never change. */
static void keep_pod(struct podman *p, const struct jp *doc)
{
	struct pod_entry *e = &p->pods[p->pods_next];
	char id[80], name[sizeof(e->name)], infra[80] = "";
	long n = jp__str(doc, jp__key(doc, 0, "Name"), name, sizeof(name));

	if (jp__str(doc, jp__key(doc, 0, "Id"), id, sizeof(id)) != 64 || n <= 0 ||
	    n >= (long)sizeof(name) || find_pod(p, id))
		return;
	if (jp__str(doc, jp__key(doc, 0, "InfraContainerID"), infra, sizeof(infra)) != 64)
		infra[0] = '\0';
	strcpy(e->id, id);
	strcpy(e->name, name);
	strcpy(e->infra, infra);
	p->pods_next = (p->pods_next + 1) % PODS;
}

static enum be_result on_pod(struct be_lookup *lk, const struct be_response *rs)
{
	struct jp *doc = doc_of(lk);
	SCR_POD(lk)[0] = '\0';
	if (rs->status == 200 && jp__parse(doc, rs->body, rs->len) == 0 && jp__is_obj(doc, 0)) {
		be_json_str(doc, jp__key(doc, 0, "Name"), lk->m, M_POD_NAME);
		keep_pod(lk->state, doc);
	}
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

/* List: each image's digest, by id. */
static int on_list_image(void *ctx, const char *v, size_t len)
{
	struct podman *p = ctx;
	struct list_digest *dg;
	char id[80];
	bool added;

	if (jp__parse(&p->doc, v, len) < 0 || !jp__is_obj(&p->doc, 0))
		return -1;
	if (jp__str(&p->doc, jp__key(&p->doc, 0, "Id"), id, sizeof(id)) != 64 ||
	    !be_id_hex64(id, 64) || !(dg = htab__put(p->list_digests, id, 64, &added)))
		return 0;
	if (jp__str(&p->doc, jp__key(&p->doc, 0, "Digest"), dg->s, sizeof(dg->s)) < 0 ||
	    !be_json_image_id_ok(dg->s))
		dg->s[0] = '\0';
	return 0;
}

static enum be_result on_images(struct be_lookup *lk, const struct be_response *rs)
{
	struct podman *p = lk->state;

	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	htab__free(p->list_digests);
	p->list_digests = htab__new(LIST_IMAGES_MAX, sizeof(struct list_digest), NULL, NULL);
	if (!p->list_digests)
		return be_bad(lk, "out of memory");
	if (be_json_each(rs->body, rs->len, on_list_image, p) < 0)
		return be_bad(lk, "invalid JSON");
	lk->step = STEP_CONTAINERS;
	return BE_MORE;
}

/*
 * List: each container, complete, to lk->put (as inspect would give it: a pod's name from
 * Kubernetes labels, else from its Podman pod). One whose image the list of images did not
 * hold (made since) is left out: its record asks on its own.
 */
static int on_list_container(void *ctx, const char *v, size_t len)
{
	struct be_lookup *lk = ctx;
	struct podman *p = lk->state;
	struct jp *doc = &p->doc;
	const struct list_digest *dg = NULL;
	struct meta m = {0};
	char id[80], image[80];
	int rc = -1;

	if (jp__parse(doc, v, len) < 0 || !jp__is_obj(doc, 0))
		return -1;
	if (jp__str(doc, jp__key(doc, 0, "Id"), id, sizeof(id)) != 64 || !be_id_hex64(id, 64))
		return 0;
	if (jp__str(doc, jp__key(doc, 0, "ImageID"), image, sizeof(image)) == 64 &&
	    !(dg = htab__get(p->list_digests, image, 64)))
		return 0;
	if (be_json_str(doc, jp__path(doc, 0, "Names.0"), &m, M_NAME) < 0 ||
	    be_json_str(doc, jp__key(doc, 0, "Image"), &m, M_IMAGE) < 0 ||
	    (dg && meta__set(&m, M_DIGEST, dg->s, strlen(dg->s)) < 0) ||
	    be_json_pod(doc, jp__key(doc, 0, "Labels"), &m) < 0 ||
	    (!m.s[M_POD_NAME] && be_json_str(doc, jp__key(doc, 0, "PodName"), &m, M_POD_NAME) < 0))
		goto out;
	jp__bool(doc, jp__key(doc, 0, "IsInfra"), &m.sandbox);
	lk->put(lk->put_ctx, id, 64, &m);
	rc = 0;
out:
	meta__clear(&m);
	return rc;
}

static enum be_result on_containers(struct be_lookup *lk, const struct be_response *rs)
{
	struct podman *p = lk->state;
	int rc = rs->status == 200 ? be_json_each(rs->body, rs->len, on_list_container, lk) : 0;

	htab__free(p->list_digests);
	p->list_digests = NULL;
	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	return rc < 0 ? be_bad(lk, "invalid JSON") : BE_DONE;
}

/* The event log answered all but the digest: ask it by the image's name, and keep it. */
static enum be_result on_digest(struct be_lookup *lk, const struct be_response *rs)
{
	struct podman *p = lk->state;
	struct jp *doc = doc_of(lk);
	struct digest_entry *e = &p->digests[p->digests_next];
	char digest[sizeof(e->digest) + 1];
	long n;

	if (rs->status != 200 || jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_obj(doc, 0)) {
		/* Asked ahead, for no container yet (lookup_podlog.c): its records ask again. */
		if (!*lk->id)
			return rs->status != 200 ? be_http_error(lk, rs->status)
						 : be_bad(lk, "invalid JSON");
		/* Re-tagged or removed since: the whole answer from the container's inspect. */
		meta__clear(lk->m);
		lk->got_meta = false;
		lk->step = STEP_INSPECT;
		return BE_MORE;
	}
	n = jp__str(doc, jp__key(doc, 0, "Digest"), digest, sizeof(digest));
	if (n > 0 && meta__set(lk->m, M_DIGEST, digest, (size_t)n) < 0)
		return be_bad(lk, "out of memory");
	if (n >= 0 && (size_t)n < sizeof(e->digest)) {
		strcpy(e->image, SCR_NAME(lk));
		strcpy(e->digest, digest);
		memcpy(&e->image_gen, SCR_GEN(lk), sizeof(e->image_gen));
		p->digests_next = (p->digests_next + 1) % DIGESTS;
	}
	return BE_DONE;
}

static enum be_result podman_response(struct be_lookup *lk, const struct be_response *rs)
{
	static be_on_fn *const on[] = {
	    [STEP_INSPECT] = on_inspect,
	    [STEP_POD] = on_pod,
	    [STEP_IMAGE] = on_image,
	    [STEP_DIGEST] = on_digest,
	    [STEP_IMAGES] = on_images,
	    [STEP_CONTAINERS] = on_containers,
	};

	return be_on_step(lk, rs, on, sizeof(on) / sizeof(on[0]));
}

const struct backend backend_podman = {
    .name = "podman",
    .state_size = sizeof(struct podman),
    .state_free = podman_state_free,
    .id_ok = be_id_hex64,
    .request = podman_request,
    .response = podman_response,
    .list = true,
};
