/*
 * Docker Engine API backend (HTTP/1.1 over dockerd's Unix socket, GET only).
 *
 * Create, first attempt: the container's create event, replayed from dockerd's ring of recent
 * events (GET /events?until=<now>&filters={"container":[ID],"event":["create","rename"],...}):
 * dockerd answers from memory, whatever the number of containers, and at once (inspect blocks
 * until the start completes, ~300 ms after the cgroup mkdir; the list walks every container).
 * The create event carries the name, the image as typed and every label; a rename after it, the
 * name now.
 * When the ring no longer holds the create (a busy daemon, a container created long before its
 * start), and on every retry: list-by-id, GET /containers/json?all=1&filters={"id":[ID]}.
 * Then the image, for its digest (and its tag when the user named the image by id), by the name
 * as typed after a replay, by id otherwise, unless the cache has it: by name, while dockerd's
 * events stream (backend_docker_events.c, the watch hooks) is up, has brought no image event
 * since the answer was asked, and has brought this container's create (so every tag before it);
 * without the stream, an answer less than IMAGE_NAME_TTL_MS old (a burst of creates of one
 * image); by id, less than a minute old.
 * Remove: inspect, for State.ExitCode/FinishedAt/OOMKilled, and the create-time fields too when
 * the cache had nothing.
 * List (the start-up scan): GET /images/json, then GET /containers/json: every running
 * container (paused ones too) with its fields, in two requests whatever their number. Only
 * running containers have a cgroup to be found by the scan; the others would be read for
 * nothing (3,000 containers of which 200 run: a tenth of the answer).
 *
 * NOTES in ctrenrich(1) compare every candidate question, measured at 10 and 3,000 containers.
 *
 * The API version is fixed, not negotiated: /v1.41 is dockerd 20.10's and newer daemons accept it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "backend_docker.h"
#include "be_json.h"
#include "codec/jp.h"
#include "htab.h"

#define API "/v1.41"

enum {
	STEP_START,
	STEP_EVENTS,	 /* create (first attempt): its create event replayed */
	STEP_LIST,	 /* create: list-by-id */
	STEP_INSPECT,	 /* remove */
	STEP_IMAGE,	 /* the image, by id or by name as typed */
	STEP_IMAGES,	 /* list: GET /images/json */
	STEP_CONTAINERS, /* list: GET /containers/json */
};

/* The lookup's own state, in lk->scratch. */
struct scratch {
	char image[400]; /* the image still to ask for: an id (sha256:...) or a name as typed */
	bool by_name;	 /* image is the name as typed (an event's), not an id */
	bool by_id;	 /* the user named the image by id: show its first tag */
	bool created;	 /* the replay held the create event */
	bool covered;	 /* the image was asked while the events stream covered it (dwatch) */
	unsigned long gen; /* the events stream's gen when the image was asked */
};
_Static_assert(sizeof(struct scratch) <= sizeof(((struct be_lookup *)0)->scratch),
	       "scratch too small");

/*
 * What images said, by id and by the name a container was made with: containers of one host
 * share few images, so most lookups need one request instead of two, and a list needs one
 * request for all images. Bounded (least recently used out), and short-lived: an image pushed or
 * re-tagged since is asked again after IMAGE_TTL_MS. A name moves (a pull, a build, a tag puts it
 * on another image, and the next container of that name runs the new one), so an answer by name
 * is kept only while dockerd's events stream is up and has said nothing about images since it
 * was asked (backend_docker_events.c says why that is safe), or, without the stream, for
 * IMAGE_NAME_TTL_MS. Any image event drops every answer.
 */
#define IMAGE_CACHE 1024
#define IMAGE_TTL_MS 60000
#define IMAGE_NAME_TTL_MS 1000
struct image_entry {
	char id[72];	    /* sha256:<64 hex> */
	char *tag, *digest; /* NULL when none */
	long long at;	    /* monotonic ms */
	bool by_name;	    /* the key is a name as typed */
	bool covered;	    /* asked while the events stream covered it */
	unsigned long gen;  /* the events stream's gen when it was asked */
};

/* The backend's state, one a daemon. */
struct docker {
	struct jp doc;	     /* a tokenizer, reused */
	struct htab *images; /* struct image_entry by id; NULL until needed */
	struct dwatch w;     /* the events stream */
};

static struct docker *st(struct be_lookup *lk)
{
	return lk->state;
}

static struct scratch *scr(struct be_lookup *lk)
{
	return (struct scratch *)lk->scratch;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static bool image_evict(void *value, void *ctx)
{
	struct image_entry *e = value;

	(void)ctx;
	free(e->tag);
	free(e->digest);
	e->tag = e->digest = NULL;
	return true;
}

static void docker_state_free(void *state)
{
	struct docker *d = state;
	struct image_entry *e;

	jp__free(&d->doc);
	dwatch__free(&d->w);
	if (!d->images)
		return;
	while ((e = htab__oldest(d->images))) {
		image_evict(e, NULL);
		htab__del(d->images, e);
	}
	htab__free(d->images);
	d->images = NULL;
}

/*
 * What the cache holds for key (an image id, or a name as typed for the create of container
 * ctr), or NULL.
 */
static struct image_entry *image_get(struct docker *d, const char *key, const char *ctr)
{
	struct image_entry *e = d->images ? htab__get(d->images, key, strlen(key)) : NULL;
	bool ok;

	if (!e)
		return NULL;
	if (e->by_name && d->w.up && e->gen == d->w.gen && e->covered) {
		if (!ctr || !dwatch_fenced(&d->w, ctr))
			return NULL; /* right, but maybe not for this create: ask, keep it */
		ok = true;
	} else {
		ok = e->gen == d->w.gen && !(e->by_name && d->w.up) &&
		     mono_ms() - e->at < (e->by_name ? IMAGE_NAME_TTL_MS : IMAGE_TTL_MS);
	}
	if (!ok) {
		image_evict(e, NULL);
		htab__del(d->images, e);
		return NULL;
	}
	htab__touch(d->images, e);
	return e;
}

/* An image object's first tag and first digest (tokens of d->doc), or -1 when it has none. */
static int image_tag(const struct jp *doc, int img)
{
	int t = jp__path(doc, img, "RepoTags.0");

	return jp__str_eq(doc, t, "") || jp__str_eq(doc, t, "<none>:<none>") ? -1 : t;
}

static int image_digest(const struct jp *doc, int img)
{
	int t = jp__path(doc, img, "RepoDigests.0");

	return jp__str_eq(doc, t, "") || jp__str_eq(doc, t, "<none>@<none>") ? -1 : t;
}

/*
 * Keep what image object img of d->doc (an inspect, an /images/json entry) says, by its id, and
 * by name when not NULL (the name it was asked by); asked under the events stream's gen, and
 * covered by it or not.
 */
static void image_put(struct docker *d, int img, const char *name, unsigned long gen,
		      bool covered)
{
	struct image_entry *e;
	char id[80];
	size_t n;
	bool added;
	int t;

	if (jp__str(&d->doc, jp__key(&d->doc, img, "Id"), id, sizeof(id)) < 0 ||
	    !be_json_image_id_ok(id))
		return;
	if (!d->images && !(d->images = htab__new(IMAGE_CACHE, sizeof(*e), image_evict, NULL)))
		return;
	for (int k = 0; k < (name ? 2 : 1); k++) {
		const char *key = k ? name : id;

		if (!(e = htab__put(d->images, key, strlen(key), &added)))
			return;
		image_evict(e, NULL);
		strcpy(e->id, id);
		if ((t = image_tag(&d->doc, img)) >= 0)
			jp__strdup(&d->doc, t, &e->tag, &n);
		if ((t = image_digest(&d->doc, img)) >= 0)
			jp__strdup(&d->doc, t, &e->digest, &n);
		e->at = mono_ms();
		e->by_name = k;
		e->gen = gen;
		e->covered = covered;
	}
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

/* The digest of image e into m, and its first tag when the user named it by id. 0, or -1. */
static int image_apply(const struct image_entry *e, struct meta *m, bool by_id)
{
	if (e->digest && meta__set(m, M_DIGEST, e->digest, strlen(e->digest)) < 0)
		return -1;
	if (by_id && e->tag && meta__set(m, M_IMAGE, e->tag, strlen(e->tag)) < 0)
		return -1;
	return 0;
}

static int too_long(struct be_lookup *lk)
{
	lk->err = "internal error: path too long";
	return -1;
}

/* The events replay's filters, %-encoded: {"type":[...],"event":[...],"container":[ */
#define EVENTS_FILTER                                                                              \
	"%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C%22rename%22%5D"  \
	"%2C%22container%22%3A%5B"

/*
 * The replay of the id's create and rename events: until now, so that dockerd answers from its
 * ring of recent events and ends the answer (without until it would wait for new events). The
 * id is 64 hex (id_ok): nothing to encode.
 */
static int events_request(struct be_lookup *lk, struct be_request *rq)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return be_path(lk, rq, API "/events?until=%lld.%09ld&filters=%s%%22%s%%22%%5D%%7D",
		       (long long)now.tv_sec, now.tv_nsec, EVENTS_FILTER, lk->id);
}

static int docker_request(struct be_lookup *lk, struct be_request *rq)
{
	char name[sizeof(rq->path) - 32];

	if (lk->step == STEP_START) {
		static const unsigned first[] = {
		    [BE_CREATE] = STEP_EVENTS,
		    [BE_REMOVE] = STEP_INSPECT,
		    [BE_LIST] = STEP_IMAGES,
		};

		lk->step = first[lk->kind];
		/* A retry: the ring did not hold the create, or the list did not know the id. */
		if (lk->kind == BE_CREATE && lk->attempt)
			lk->step = STEP_LIST;
	}
	switch (lk->step) {
	case STEP_EVENTS:
		return events_request(lk, rq);
	case STEP_LIST:
		/* filters={"id":["<id>"]}, %-encoded; the id is 64 hex (checked by id_ok). */
		return be_path(
		    lk, rq,
		    API "/containers/json?all=1&filters=%%7B%%22id%%22%%3A%%5B%%22%s%%22%%5D%%7D",
		    lk->id);
	case STEP_INSPECT:
		return be_path(lk, rq, API "/containers/%s/json", lk->id);
	case STEP_IMAGE:
		if (be_json_pct(name, sizeof(name), scr(lk)->image) < 0)
			return too_long(lk);
		scr(lk)->gen = st(lk)->w.gen;
		scr(lk)->covered = st(lk)->w.covered;
		return be_path(lk, rq, API "/images/%s/json", name);
	case STEP_IMAGES:
		return be_path(lk, rq, API "/images/json");
	case STEP_CONTAINERS:
		return be_path(lk, rq, API "/containers/json");
	}
	return be_bad_step(lk);
}

/*
 * The create-time fields of container object c (a list entry: Names[0], Image, ImageID, Labels;
 * or inspect: Name, Config.Image, Image, Config.Labels) into m, its image id into image_id
 * ("" when not a valid one), and whether the user named the image by id. 0, or -1.
 */
static int read_container(struct jp *doc, int c, bool list, struct meta *m, char *image_id,
			  size_t cap, bool *by_id)
{
	int t, labels;

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
	image_id[0] = '\0';
	t = jp__key(doc, c, list ? "ImageID" : "Image");
	if (t >= 0 && jp__str(doc, t, image_id, cap) < 0)
		return -1;
	if (!be_json_image_id_ok(image_id))
		image_id[0] = '\0';
	labels = jp__path(doc, c, list ? "Labels" : "Config.Labels");
	if (be_json_pod(doc, labels, m) < 0)
		return -1;
	/* dockershim and cri-dockerd label a sandbox "podsandbox" (Tracee compares with "sandbox").
	 */
	m->sandbox =
	    jp__str_eq(doc, jp__key(doc, labels, "io.kubernetes.docker.type"), "podsandbox");
	*by_id = image_is_id(m->s[M_IMAGE], image_id);
	return 0;
}

/* A lookup's container object c into lk->m; its image id kept in scratch, to be asked. */
static int read_lookup(struct be_lookup *lk, int c, bool list)
{
	struct scratch *sc = scr(lk);

	if (read_container(&st(lk)->doc, c, list, lk->m, sc->image, sizeof(sc->image), &sc->by_id) <
	    0)
		return -1;
	sc->by_name = false;
	lk->got_meta = true;
	return 0;
}

/* The image still to know, from the cache (by id) or by asking: BE_DONE or BE_MORE. */
static enum be_result next_image(struct be_lookup *lk)
{
	struct scratch *sc = scr(lk);
	const struct image_entry *e;

	if (!sc->image[0])
		return BE_DONE;
	e = image_get(st(lk), sc->image, sc->by_name ? lk->id : NULL);
	if (!e) {
		lk->step = STEP_IMAGE;
		return BE_MORE;
	}
	if (sc->by_name)
		sc->by_id = image_is_id(sc->image, e->id);
	sc->image[0] = '\0';
	if (image_apply(e, lk->m, sc->by_id) < 0)
		return be_bad(lk, "out of memory");
	return BE_DONE;
}

/* One replayed event: the create or a rename of lk's container. */
static int on_event(void *ctx, const char *v, size_t len)
{
	struct be_lookup *lk = ctx;
	struct jp *doc = &st(lk)->doc;
	int attrs;
	bool create;

	if (jp__parse(doc, v, len) < 0 || !jp__is_obj(doc, 0) ||
	    !jp__str_eq(doc, jp__key(doc, 0, "Type"), "container") ||
	    !jp__str_eq(doc, jp__path(doc, 0, "Actor.ID"), lk->id))
		return 0;
	create = jp__str_eq(doc, jp__key(doc, 0, "Action"), "create");
	if (!create && !jp__str_eq(doc, jp__key(doc, 0, "Action"), "rename"))
		return 0;
	attrs = jp__path(doc, 0, "Actor.Attributes");
	if (!jp__is_obj(doc, attrs))
		return 0;
	/* Attributes: the container's labels (the image's too), then "name" and "image". */
	if (be_json_str(doc, jp__key(doc, attrs, "name"), lk->m, M_NAME) < 0)
		return -1;
	if (!create)
		return 0;
	if (be_json_str(doc, jp__key(doc, attrs, "image"), lk->m, M_IMAGE) < 0 ||
	    be_json_pod(doc, attrs, lk->m) < 0)
		return -1;
	lk->m->sandbox =
	    jp__str_eq(doc, jp__key(doc, attrs, "io.kubernetes.docker.type"), "podsandbox");
	scr(lk)->created = true;
	return 0;
}

/*
 * The answer to the events replay: when the ring held the create, on to the image (by the name
 * as typed); otherwise (and when the replay failed: it is a shortcut, not the truth) to
 * list-by-id.
 */
static enum be_result on_events(struct be_lookup *lk, const struct be_response *rs)
{
	struct scratch *sc = scr(lk);
	bool ok = rs->status == 200;

	memset(sc, 0, sizeof(*sc));
	meta__clear(lk->m);
	if (ok && be_json_each(rs->body, rs->len, on_event, lk) < 0)
		ok = false; /* cut or out of memory: what was read may be partial */
	if (!ok || !sc->created) {
		meta__clear(lk->m);
		lk->step = STEP_LIST;
		return BE_MORE;
	}
	lk->got_meta = true;
	sc->by_name = true;
	if (lk->m->s[M_IMAGE] && strlen(lk->m->s[M_IMAGE]) < sizeof(sc->image))
		strcpy(sc->image, lk->m->s[M_IMAGE]);
	return next_image(lk);
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
			if (read_lookup(lk, c, true) < 0)
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
	if (lk->need_meta && !lk->got_meta && read_lookup(lk, 0, false) < 0)
		return be_bad(lk, "invalid JSON");
	r = be_json_state(lk, doc, jp__key(doc, 0, "State"));
	if (r != BE_DONE)
		return r;
	return lk->need_meta ? next_image(lk) : BE_DONE;
}

static enum be_result on_image(struct be_lookup *lk, const struct be_response *rs)
{
	struct docker *d = st(lk);
	struct scratch *sc = scr(lk);
	struct jp *doc = &d->doc;
	char id[80] = "";
	int t;

	/* The container is known already: an image that cannot be read leaves its fields as they
	 * are. */
	if (rs->status != 200 || jp__parse(doc, rs->body, rs->len) < 0 || !jp__is_obj(doc, 0)) {
		sc->image[0] = '\0';
		return BE_DONE;
	}
	if (sc->by_name) {
		jp__str(doc, jp__key(doc, 0, "Id"), id, sizeof(id));
		sc->by_id = image_is_id(sc->image, id);
	}
	image_put(d, 0, sc->by_name ? sc->image : NULL, sc->gen, sc->covered);
	sc->image[0] = '\0';
	if (be_json_str(doc, image_digest(doc, 0), lk->m, M_DIGEST) < 0 ||
	    (sc->by_id && (t = image_tag(doc, 0)) >= 0 && be_json_str(doc, t, lk->m, M_IMAGE) < 0))
		return be_bad(lk, "out of memory");
	return BE_DONE;
}

/* List: each image of /images/json into the cache, by id. */
static int on_list_image(void *ctx, const char *v, size_t len)
{
	struct docker *d = ctx;

	if (jp__parse(&d->doc, v, len) < 0 || !jp__is_obj(&d->doc, 0))
		return -1;
	image_put(d, 0, NULL, d->w.gen, false);
	return 0;
}

static enum be_result on_images(struct be_lookup *lk, const struct be_response *rs)
{
	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	if (be_json_each(rs->body, rs->len, on_list_image, st(lk)) < 0)
		return be_bad(lk, "invalid JSON");
	lk->step = STEP_CONTAINERS;
	return BE_MORE;
}

/*
 * List: each container of /containers/json, complete, to lk->put. One whose image the cache
 * does not hold (gone since, or evicted) is left out: its record asks on its own.
 */
static int on_list_container(void *ctx, const char *v, size_t len)
{
	struct be_lookup *lk = ctx;
	struct docker *d = st(lk);
	struct meta m = {0};
	const struct image_entry *e;
	char id[80], image_id[80];
	bool by_id;

	if (jp__parse(&d->doc, v, len) < 0 || !jp__is_obj(&d->doc, 0))
		return -1;
	if (jp__str(&d->doc, jp__key(&d->doc, 0, "Id"), id, sizeof(id)) != 64 ||
	    !be_id_hex64(id, 64))
		return 0;
	if (read_container(&d->doc, 0, true, &m, image_id, sizeof(image_id), &by_id) < 0) {
		meta__clear(&m);
		return -1;
	}
	e = image_id[0] ? image_get(d, image_id, NULL) : NULL;
	if (image_id[0] && (!e || image_apply(e, &m, by_id) < 0)) {
		meta__clear(&m);
		return 0;
	}
	lk->put(lk->put_ctx, id, 64, &m);
	meta__clear(&m);
	return 0;
}

static enum be_result on_containers(struct be_lookup *lk, const struct be_response *rs)
{
	if (rs->status != 200)
		return be_http_error(lk, rs->status);
	if (be_json_each(rs->body, rs->len, on_list_container, lk) < 0)
		return be_bad(lk, "invalid JSON");
	return BE_DONE;
}

static enum be_result docker_response(struct be_lookup *lk, const struct be_response *rs)
{
	static be_on_fn *const on[] = {
	    [STEP_EVENTS] = on_events, [STEP_LIST] = on_list,	  [STEP_INSPECT] = on_inspect,
	    [STEP_IMAGE] = on_image,   [STEP_IMAGES] = on_images, [STEP_CONTAINERS] = on_containers,
	};

	return be_on_step(lk, rs, on, sizeof(on) / sizeof(on[0]));
}

static int docker_watch_request(void *state, struct be_request *rq)
{
	return dwatch_request(&((struct docker *)state)->w, rq);
}

static void docker_watch_up(void *state, bool up)
{
	dwatch_up(&((struct docker *)state)->w, up);
}

static void docker_watch_data(void *state, const char *p, size_t len)
{
	dwatch_data(&((struct docker *)state)->w, p, len);
}

const struct backend backend_docker = {
    .name = "docker",
    .state_size = sizeof(struct docker),
    .state_free = docker_state_free,
    .id_ok = be_id_hex64,
    .request = docker_request,
    .response = docker_response,
    .list = true,
    .watch_request = docker_watch_request,
    .watch_up = docker_watch_up,
    .watch_data = docker_watch_data,
};
