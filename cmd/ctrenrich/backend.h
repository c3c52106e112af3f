/*
 * The runtime backend interface of ctrenrich.
 *
 * A backend knows one runtime's API. It never does I/O: the engine owns the sockets (sockets.c),
 * the transfers (transport.c), deadlines and retries (lookup.c) and the cache (cache.c). For one
 * lookup the engine calls
 *
 *	request(lk, rq)   build the next request (path, method, headers, body, HTTP version)
 *	response(lk, rs)  read its answer into lk->m, and say what comes next
 *
 * over and over: request() with lk->step == 0 first; after each response() that returns BE_MORE,
 * request() again for the next step (the backend moves lk->step itself). A lookup that gets
 * BE_NOTFOUND or BE_NOTYET may be started again from step 0 after a backoff, inside the same
 * deadline, so a backend must not keep state it cannot rebuild from step 0 (scratch is kept).
 *
 * Transport failures (no socket, connection refused, timeout, a cut body, a body over the size
 * cap) never reach response(): the engine names them itself. response() sees only complete
 * answers and decides what a status or a body means.
 *
 * HTTP/1.1 backends (Docker, Podman) leave rq->http2 false and send GET with no body. gRPC
 * backends (containerd, CRI-O) set rq->http2 (prior knowledge), method "POST", the gRPC headers
 * and a framed body; the gRPC status arrives in the trailers, which are in rs->headers with the
 * other header lines.
 *
 * Lists (optional; list.c drives them): a backend with `list` answers a BE_LIST lookup, which
 * has no id: its steps list every container the runtime has (and what is needed to complete
 * them, such as the images), and hand each one to lk->put. The start-up scan's burst of
 * existing containers is answered that way, one list for all.
 *
 * What a backend keeps between lookups (a namespace list, an image cache, a tokenizer) is its
 * state: state_size bytes per runtime the engine asks (one socket), zeroed at start, handed to
 * each call as lk->state and freed with state_free. A backend has no globals of its own.
 *
 * A backend is a `const struct backend backend_<runtime>` defined in its own .c file,
 * backend_<runtime>.c; what several backends share is in be_*.c (be_json: Docker-shaped JSON,
 * be_grpc: gRPC calls) and the codecs in codec/. The engine refers to backend_docker,
 * backend_podman, backend_containerd and backend_crio as weak symbols, so a backend is plugged in
 * by adding its file to cmd/ctrenrich/, nothing else.
 */
#ifndef CTRENRICH_BACKEND_H
#define CTRENRICH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Runtimes as named in records. The first RT_N can be asked; the others cannot. */
enum rt {
	RT_DOCKER,
	RT_PODMAN,
	RT_CONTAINERD,
	RT_CRIO,
	RT_N,
	RT_LXC = RT_N,
	RT_GARDEN,
	RT_UNKNOWN,
	RT_OTHER, /* a name this program does not know */
};

/* "docker", ... for RT_*; and the reverse (RT_OTHER when unknown). */
const char *rt_name(enum rt rt);
enum rt rt_parse(const char *name);

/* Longest container id accepted (containerd ids are free text, up to 76 bytes there). */
#define ID_MAX 128

/* The string fields ctrenrich adds, in output order. */
enum meta_str {
	M_NAME,		 /* container_name */
	M_IMAGE,	 /* container_image */
	M_DIGEST,	 /* container_image_digest */
	M_POD_NAME,	 /* pod_name */
	M_POD_NAMESPACE, /* pod_namespace */
	M_POD_UID,	 /* pod_uid */
	M_NSTR,
};

/* What a runtime told about a container. Strings are NUL-terminated, malloc'd, NULL when empty. */
struct meta {
	char *s[M_NSTR];
	bool sandbox; /* pod_sandbox */
	/* Removal details: set together, only when the runtime reported the container finished. */
	bool have_exit;
	int64_t exit_code;
	char *finished_at;
	bool oom_killed;
};

/* Free every string and zero *m. */
void meta__clear(struct meta *m);
/* Replace string field f with s[0, len) (an empty s clears it). -1 on ENOMEM. */
int meta__set(struct meta *m, enum meta_str f, const char *s, size_t len);
/* Deep copy (create-time fields only, not the removal details). -1 on ENOMEM. */
int meta__copy(struct meta *dst, const struct meta *src);
/* Move src's strings into dst (dst is cleared first), leaving src empty. */
void meta__move(struct meta *dst, struct meta *src);

enum be_kind {
	BE_CREATE, /* container_create, existing_container: who is it */
	BE_REMOVE, /* container_remove: exit details (and who it was when need_meta) */
	BE_LIST,   /* every container the runtime has, each handed to put (no id) */
};

/* One lookup, as a backend sees it. The engine zeroes it before step 0 of the first attempt. */
struct be_lookup {
	void *state;	/* the runtime's: struct backend's state_size bytes, shared by its lookups */
	const char *id; /* validated by the backend's id_ok() */
	enum be_kind kind;
	bool need_meta;	  /* BE_REMOVE: the cache had nothing, fill the create-time fields too */
	unsigned step;	  /* the backend's own step counter; 0 for the first request */
	unsigned attempt; /* 0 on the first attempt, +1 on each retry after BE_NOTFOUND/BE_NOTYET */
	bool got_meta; /* the backend filled the create-time fields of *m (kept across retries) */
	/* the backend's own, kept across steps and retries (an image id...); aligned for any use */
	_Alignas(8) char scratch[512];
	struct meta *m;	   /* the results */
	/*
	 * Set by the backend when the container it found belongs to another runtime (containerd
	 * namespace "moby": Docker's): that runtime's name. The record then names it, and says in
	 * enrich_error that it could not be asked.
	 */
	const char *owner;
	const char *err;   /* BE_ERROR: a short stable reason ("bad response: invalid JSON") */
	char errbuf[64];   /* room for err when it must be formatted */
	/*
	 * BE_LIST: each container the answers hold, complete, goes to put(put_ctx, id, len, m);
	 * put takes m's strings (m is left empty).
	 */
	void (*put)(void *put_ctx, const char *id, size_t len, struct meta *m);
	void *put_ctx;
};

/* One request. The engine keeps it alive until the transfer ends. */
struct be_request {
	char path[2048];	/* URL path and query, from '/', already %-encoded */
	const char *method;	/* NULL: GET */
	bool http2;		/* HTTP/2 with prior knowledge (gRPC); otherwise HTTP/1.1 */
	const char *headers[8]; /* extra header lines, NULL-terminated; may point into hbuf */
	char hbuf[512];
	unsigned char body[2048]; /* request body (gRPC): body_len bytes */
	size_t body_len;
};

/* One complete answer. */
struct be_response {
	long status;	  /* HTTP status */
	const char *body; /* the body, NUL-terminated at body[len] */
	size_t len;
	const char *headers; /* every header line received, trailers included, "\r\n"-separated */
	size_t hlen;
	/*
	 * The request was sent again without its body, as the server had closed the stream before
	 * the body went out and libcurl lost its answer (transport.c, xfer_done): only an answer that
	 * the server gives from the request's headers alone is the answer to the call.
	 */
	bool headers_only;
};

enum be_result {
	BE_DONE,     /* *m holds the answer */
	BE_MORE,     /* call request() again for the next step */
	BE_NOTFOUND, /* the runtime does not know this id (yet): may be retried, or the next runtime
		      */
	BE_NOTYET,   /* BE_REMOVE: the container has not finished yet: may be retried */
	BE_ERROR,    /* lk->err says why */
};

struct backend {
	const char *name;
	size_t state_size;		 /* bytes of state per runtime (0: none) */
	void (*state_free)(void *state); /* free what the state holds; NULL when nothing */
	/* True when id (NUL-terminated, len bytes) is a valid id for this runtime. */
	bool (*id_ok)(const char *id, size_t len);
	/* Build the request for lk->step into *rq (zeroed by the engine). 0, or -1 with lk->err. */
	int (*request)(struct be_lookup *lk, struct be_request *rq);
	/* Read the answer to the last request. */
	enum be_result (*response)(struct be_lookup *lk, const struct be_response *rs);
	bool list; /* answers BE_LIST lookups */
	/*
	 * A watch (optional; transport.c drives it): one streaming answer kept open per runtime
	 * instance, outside the in-flight limit, from the first create asked of it on, and again
	 * (at most once a second) after it ended. watch_request builds it (0, or -1: none now);
	 * watch_up says it answered 200 (up) or ended, whatever the reason (!up); watch_data hands
	 * over its body's bytes as they come, only while up. All three, or none. No I/O here either.
	 */
	int (*watch_request)(void *state, struct be_request *rq);
	void (*watch_up)(void *state, bool up);
	void (*watch_data)(void *state, const char *p, size_t len);
};

/* Backends; weak, so a runtime without its file is simply "not supported". */
extern const struct backend backend_docker __attribute__((weak));
extern const struct backend backend_podman __attribute__((weak));
extern const struct backend backend_containerd __attribute__((weak));
extern const struct backend backend_crio __attribute__((weak));

/* Helpers for backends. */

/* 64 lowercase hex digits: the id form of Docker, Podman, containerd's CRI and CRI-O. */
bool be_id_hex64(const char *id, size_t len);
/* Set lk->err to "bad response: HTTP <status>" and return BE_ERROR. */
enum be_result be_http_error(struct be_lookup *lk, long status);
/* Set lk->err to "bad response: <what>" and return BE_ERROR. */
enum be_result be_bad(struct be_lookup *lk, const char *what);
/* rq->path from a format: 0, or -1 with lk->err = "internal error: path too long". */
int be_path(struct be_lookup *lk, struct be_request *rq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* lk->err = "internal error: bad step", for a step a backend does not know. Returns -1. */
int be_bad_step(struct be_lookup *lk);
/* A backend's answer handlers, one a step: on[lk->step] reads rs (a bad step is BE_ERROR). */
typedef enum be_result be_on_fn(struct be_lookup *lk, const struct be_response *rs);
enum be_result be_on_step(struct be_lookup *lk, const struct be_response *rs, be_on_fn *const *on,
			  size_t n);

#endif
