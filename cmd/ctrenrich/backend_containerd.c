/*
 * containerd backend: its native gRPC API over HTTP/2 on containerd's socket.
 *
 * Create: Containers/Get in each namespace (the containerd-namespace header) until one knows
 * the id, then Images/Get in that namespace for the digest. Containers/Get answers at once, for
 * sandboxes too, while Tasks/Get blocks until runc create ends (REPORT.md section 9). The
 * namespace list is cached and listed again on a miss; the namespace of the last hit is asked
 * first (k8s.io on a Kubernetes node).
 *
 * A container in namespace "moby" is Docker's (dockerd's own containerd): it holds neither name
 * nor image there, so the backend says so (lk->owner) and the engine names Docker.
 *
 * Remove: Tasks/Get for the exit status. CRI deletes a container's task right after it exits and
 * keeps the exit in its own store, so when the task is gone and the container is CRI's, the
 * CRI ContainerStatus on the same socket gives the exit code instead.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "be_grpc.h"
#include "codec/containerd.h"
#include "codec/cri.h"
#include "codec/grpc.h"
#include "codec/grpc_meta.h"

#define NS_MAX 32  /* namespaces kept; more are not asked */
#define NS_LEN 80  /* containerd identifiers are at most 76 bytes */
#define ID_LEN 76
#define CTD_NS_DOCKER "moby" /* dockerd's namespace in its containerd */

enum {
	STEP_START,
	STEP_LIST,  /* Namespaces/List */
	STEP_GET,   /* Containers/Get in the namespace at position pos */
	STEP_IMAGE, /* Images/Get */
	STEP_TASK,  /* Tasks/Get (removal) */
	STEP_CRI,   /* CRI ContainerStatus (removal, the task is gone) */
};

/* The lookup's own state, in lk->scratch (kept across steps and retries); bytes only, as
 * scratch has no alignment. */
struct scratch {
	unsigned char pos;    /* position in the namespace order */
	unsigned char first;  /* the namespace asked first (the last hit when the lookup began) */
	unsigned char gen;    /* the namespace list it walks (namespaces.gen, modulo 256) */
	bool listed;	      /* the namespaces were listed during this lookup */
	bool cri;	      /* the container is CRI's (io.cri-containerd.kind = container) */
	char ns[NS_LEN];      /* the namespace last asked: where the container was found */
	char image[NS_LEN * 4]; /* its image name, for Images/Get ("" when none) */
};
_Static_assert(sizeof(struct scratch) <= sizeof(((struct be_lookup *)0)->scratch),
	       "scratch too small");

/* The backend's state, one a containerd: its namespaces as last listed. */
struct namespaces {
	char name[NS_MAX][NS_LEN];
	unsigned n;
	bool valid;
	unsigned hit;	   /* index of the namespace of the last hit */
	unsigned char gen; /* +1 on each listing */
	struct timespec listed_at;
};

#define NS_REFRESH_MS 1000 /* a miss lists the namespaces again at most this often */

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static struct scratch *scr(struct be_lookup *lk)
{
	return (struct scratch *)lk->scratch;
}

static struct namespaces *nss(struct be_lookup *lk)
{
	return lk->state;
}

/* containerd's identifier rule: alphanumerics separated by single '.', '_' or '-'. */
static bool ident_ok(const char *s, size_t len, size_t max)
{
	bool sep = true;

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (sep || !strchr("._-", c)))
			return false;
		sep = !alnum;
	}
	return !sep;
}

static bool ctd_id_ok(const char *id, size_t len)
{
	return ident_ok(id, len, ID_LEN);
}

/*
 * The namespace at position pos of sc's walk: its first one (the last hit when the lookup
 * began), then the others in listed order. Fixed per lookup, so that lookups running at once
 * do not make each other skip a namespace.
 */
static const char *ns_at(const struct namespaces *ns, const struct scratch *sc, unsigned pos)
{
	unsigned first = sc->first < ns->n ? sc->first : 0;

	if (pos >= ns->n)
		return NULL;
	if (pos == 0)
		return ns->name[first];
	return ns->name[pos <= first ? pos - 1 : pos];
}

/* Walk the current namespace list from its start. */
static void walk_begin(const struct namespaces *ns, struct scratch *sc)
{
	sc->pos = 0;
	sc->first = (unsigned char)ns->hit;
	sc->gen = ns->gen;
}

static int ctd_request(struct be_lookup *lk, struct be_request *rq)
{
	struct namespaces *ns = nss(lk);
	struct scratch *sc = scr(lk);
	struct buf b;
	size_t mark;

	if (lk->step == STEP_START) {
		/* A removal retried after "not yet" knows where the container is. */
		if (lk->kind == BE_REMOVE && lk->got_meta && sc->ns[0]) {
			lk->step = STEP_TASK;
		} else {
			memset(sc, 0, sizeof(*sc));
			walk_begin(ns, sc);
			lk->step = ns->valid && ns->n ? STEP_GET : STEP_LIST;
		}
	}
	be_grpc_begin(rq, &b, &mark);
	switch (lk->step) {
	case STEP_LIST:
		ctd_namespaces_list_req(&b);
		return be_grpc_end(lk, rq, &b, mark, CTD_SVC_NAMESPACES, CTD_METHOD_LIST, NULL);
	case STEP_GET:
		ctd_container_get_req(&b, lk->id);
		/* Another lookup listed the namespaces again: walk the new list from its start. */
		if (sc->gen != ns->gen)
			walk_begin(ns, sc);
		snprintf(sc->ns, sizeof(sc->ns), "%s", ns_at(ns, sc, sc->pos));
		return be_grpc_end(lk, rq, &b, mark, CTD_SVC_CONTAINERS, CTD_METHOD_GET, sc->ns);
	case STEP_IMAGE:
		ctd_image_get_req(&b, sc->image);
		return be_grpc_end(lk, rq, &b, mark, CTD_SVC_IMAGES, CTD_METHOD_GET, sc->ns);
	case STEP_TASK:
		ctd_task_get_req(&b, lk->id);
		return be_grpc_end(lk, rq, &b, mark, CTD_SVC_TASKS, CTD_METHOD_GET, sc->ns);
	case STEP_CRI:
		cri_container_status_req(&b, lk->id, false);
		return be_grpc_end(lk, rq, &b, mark, CRI_SVC, CRI_METHOD_CONTAINER_STATUS, NULL);
	}
	return be_bad_step(lk);
}

static enum be_result on_list(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct namespaces *ns = nss(lk);
	struct pb_str names[NS_MAX];
	size_t count;
	int err;

	if (code != GRPC_OK)
		return be_grpc_error(lk, code);
	if (ctd_namespaces_parse(msg, len, names, NS_MAX, &count, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	ns->n = 0;
	for (size_t i = 0; i < count && i < NS_MAX; i++)
		if (ident_ok(names[i].s, names[i].len, NS_LEN - 1))
			pb_str_copy(ns->name[ns->n++], NS_LEN, names[i]);
	ns->valid = true;
	ns->gen++;
	clock_gettime(CLOCK_MONOTONIC, &ns->listed_at);
	scr(lk)->listed = true;
	walk_begin(ns, scr(lk));
	if (!ns->n)
		return BE_NOTFOUND;
	lk->step = STEP_GET;
	return BE_MORE;
}

/* What comes after the container is known: its image, then (removal) its task. */
static enum be_result after_container(struct be_lookup *lk)
{
	if (scr(lk)->image[0] && lk->step < STEP_IMAGE) {
		lk->step = STEP_IMAGE;
		return BE_MORE;
	}
	if (lk->kind == BE_REMOVE) {
		lk->step = STEP_TASK;
		return BE_MORE;
	}
	return BE_DONE;
}

static enum be_result on_get(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct namespaces *ns = nss(lk);
	struct scratch *sc = scr(lk);
	struct ctd_container c;
	struct grpc_meta g;
	int err;

	/* Not here (or the namespace went away meanwhile): the next namespace. */
	if (code == GRPC_NOT_FOUND || code == GRPC_FAILED_PRECONDITION) {
		if (++sc->pos < ns->n)
			return BE_MORE;
		/* Listed again on a miss (a namespace may be new), but not on every retry. */
		if (!sc->listed && ms_since(&ns->listed_at) >= NS_REFRESH_MS) {
			lk->step = STEP_LIST;
			return BE_MORE;
		}
		return BE_NOTFOUND;
	}
	if (code != GRPC_OK)
		return be_grpc_error(lk, code);
	if (ctd_container_parse(msg, len, &c, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	for (unsigned i = 0; i < ns->n; i++)
		if (!strcmp(ns->name[i], sc->ns))
			ns->hit = i;
	if (!strcmp(sc->ns, CTD_NS_DOCKER))
		lk->owner = "docker";
	sc->cri = pb_str_eq(c.kind, "container");
	sc->image[0] = '\0';
	if (pb_str_copy(sc->image, sizeof(sc->image), c.image))
		sc->image[0] = '\0'; /* too long, or holding a NUL: not to be asked for */
	if (lk->kind == BE_CREATE || lk->need_meta) {
		grpc_meta_from_ctd(&g, &c, NULL);
		if (be_grpc_meta_create(lk->m, &g) < 0) {
			lk->err = "out of memory";
			return BE_ERROR;
		}
		lk->got_meta = true;
	}
	if (lk->kind == BE_REMOVE && !lk->need_meta)
		sc->image[0] = '\0';
	return after_container(lk);
}

static enum be_result on_image(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct ctd_image img;
	int err;

	/* The container is known: an image that cannot be read leaves its fields as they are. */
	if (code == GRPC_OK && ctd_image_parse(msg, len, &img, &err) == 0) {
		if ((img.name.len &&
		     meta__set(lk->m, M_IMAGE, img.name.s, strnlen(img.name.s, img.name.len)) < 0) ||
		    meta__set(lk->m, M_DIGEST, img.digest.s, strnlen(img.digest.s, img.digest.len)) < 0) {
			lk->err = "out of memory";
			return BE_ERROR;
		}
	}
	return after_container(lk);
}

static enum be_result exit_from(struct be_lookup *lk, const struct grpc_meta *g)
{
	if (be_grpc_meta_exit(lk->m, g) < 0) {
		lk->err = "out of memory";
		return BE_ERROR;
	}
	return BE_DONE;
}

static enum be_result on_task(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct ctd_task t;
	struct grpc_meta g;
	int err;

	if (code == GRPC_NOT_FOUND) {
		/* The task is gone: CRI kept the exit for its containers; others tell no more. */
		if (scr(lk)->cri) {
			lk->step = STEP_CRI;
			return BE_MORE;
		}
		return BE_DONE;
	}
	if (code != GRPC_OK)
		return be_grpc_error(lk, code);
	if (ctd_task_parse(msg, len, &t, &err) < 0)
		return be_grpc_bad_pb(lk, err);
	grpc_meta__init(&g);
	if (!grpc_meta_exit_from_ctd_task(&g, &t))
		return BE_NOTYET; /* the cgroup went before containerd saw the exit */
	return exit_from(lk, &g);
}

static enum be_result on_cri(struct be_lookup *lk, int code, const uint8_t *msg, size_t len)
{
	struct cri_container c;
	struct grpc_meta g;
	int err;

	/* No CRI plugin, or CRI forgot the container already: what we have is the answer. */
	if (code != GRPC_OK || cri_container_parse(msg, len, &c, &err) < 0)
		return BE_DONE;
	grpc_meta_from_cri_container(&g, &c);
	if (c.state == CRI_CONTAINER_RUNNING || c.state == CRI_CONTAINER_CREATED)
		return BE_NOTYET;
	return exit_from(lk, &g);
}

static enum be_result ctd_response(struct be_lookup *lk, const struct be_response *rs)
{
	const uint8_t *msg;
	size_t len;
	int code = be_grpc_answer(lk, rs, &msg, &len);

	if (code < 0)
		return BE_ERROR;
	switch (lk->step) {
	case STEP_LIST:
		return on_list(lk, code, msg, len);
	case STEP_GET:
		return on_get(lk, code, msg, len);
	case STEP_IMAGE:
		return on_image(lk, code, msg, len);
	case STEP_TASK:
		return on_task(lk, code, msg, len);
	case STEP_CRI:
		return on_cri(lk, code, msg, len);
	}
	be_bad_step(lk);
	return BE_ERROR;
}

const struct backend backend_containerd = {
	.name = "containerd",
	.state_size = sizeof(struct namespaces),
	.id_ok = ctd_id_ok,
	.request = ctd_request,
	.response = ctd_response,
};
