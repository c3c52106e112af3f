/*
 * Requests in flight: libcurl's multi interface, HTTP/1.1 and HTTP/2 (gRPC) over the runtimes'
 * Unix sockets. A lookup's step is built by its backend (backend.h), sent here, and its answer,
 * once complete, handed back to the backend; a transport failure is named here, in a short
 * stable reason, and never reaches the backend. At most max_inflight transfers, reused.
 *
 * Besides them, a watch per runtime instance whose backend has one (backend.h: Docker's events
 * stream): a streaming answer kept open, started when the first create is sent to that instance,
 * and again, at most once every WATCH_AGAIN_MS, by the next create after it ended. Watches are
 * outside the in-flight limit and never keep the engine from ending (transport_inflight does not
 * count them); they are closed with the transport, or with their instance (runtime__reset).
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "sockets.h"

#define HEADERS_MAX (64 * 1024) /* header bytes kept per answer; the rest are ignored */
#define BODY_KEEP (256 * 1024)	/* a bigger body buffer is freed after its transfer */
#define WATCH_AGAIN_MS 1000	/* a watch is asked again at most this often */
#define WATCH_CONNECT_MS 1000	/* and has this long to connect */

struct xfer {
	CURL *h;
	struct slot *s;
	struct xfer *next_free;
	struct be_request rq;
	struct curl_slist *hl;
	struct buf body, hdr;
	bool too_large;
	bool bodyless; /* send the request without its body (a repeat: see xfer_done) */
	char ebuf[CURL_ERROR_SIZE];
};

/* A runtime instance's watch. */
struct watch {
	CURL *h;
	struct runtime *r;
	struct be_request rq;
	uint64_t asked_at; /* when it was last asked for */
	bool running;	   /* in the multi handle */
	bool up;	   /* answered 200: its body goes to the backend */
	char ebuf[CURL_ERROR_SIZE];
};

struct transport {
	CURLM *multi;
	struct watch *watch[RUNTIME_MAX]; /* by runtime idx; NULL until its first create */
	struct xfer *xfers, *free_x;
	unsigned n, inflight;
	size_t max_response;
	bool h2_reuse; /* HTTP/2 connections may be reused (libcurl >= 8.0.0) */
};

int transport__new(struct engine *e)
{
	struct transport *t = calloc(1, sizeof(*t));

	e->tr = t;
	if (!t)
		return -1;
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
		die("cannot initialise libcurl");
	t->n = e->o->max_inflight;
	t->max_response = e->o->max_response;
	t->multi = curl_multi_init();
	t->xfers = calloc(t->n, sizeof(*t->xfers));
	if (!t->multi || !t->xfers)
		return -1;
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->n);
	/*
	 * libcurl before 8.0.0 fails every stream after the first on an HTTP/2 prior-knowledge
	 * connection with CURLE_HTTP2 (curl issue 10634, fixed by PR 10643): Debian 12 has 7.88.1.
	 * There, one connection per gRPC request, and no multiplexing onto a connection in use.
	 */
	t->h2_reuse = curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000;
	if (!t->h2_reuse)
		curl_multi_setopt(t->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	for (unsigned i = t->n; i-- > 0;) {
		struct xfer *x = &t->xfers[i];

		x->h = curl_easy_init();
		if (!x->h)
			return -1;
		/* The body as the backend reads it: max_response bytes, then its NUL. */
		buf__init(&x->body, t->max_response + 1);
		buf__init(&x->hdr, HEADERS_MAX);
		x->next_free = t->free_x;
		t->free_x = x;
	}
	return 0;
}

void transport__free(struct engine *e)
{
	struct transport *t = e->tr;

	if (!t)
		return;
	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		struct watch *w = t->watch[i];

		if (w && w->running)
			curl_multi_remove_handle(t->multi, w->h);
		if (w)
			curl_easy_cleanup(w->h);
		free(w);
	}
	for (unsigned i = 0; t->xfers && i < t->n; i++) {
		curl_easy_cleanup(t->xfers[i].h);
		buf__free(&t->xfers[i].body);
		buf__free(&t->xfers[i].hdr);
		curl_slist_free_all(t->xfers[i].hl);
	}
	curl_multi_cleanup(t->multi);
	curl_global_cleanup();
	free(t->xfers);
	free(t);
	e->tr = NULL;
}

bool transport_free(const struct engine *e)
{
	return e->tr->free_x != NULL;
}

unsigned transport_inflight(const struct engine *e)
{
	return e->tr->inflight;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	if (len > x->body.max - 1 - x->body.len) {
		x->too_large = true;
		return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
	}
	return buf__put(&x->body, p, len) ? 0 : len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	if (len >= 5 && !memcmp(p, "HTTP/", 5))
		buf__reset(&x->hdr); /* a new response (after 100 Continue): keep only its headers */
	if (len + 1 > x->hdr.max - x->hdr.len)
		return len;
	if (!buf__put(&x->hdr, p, len))
		buf__str(&x->hdr);
	return len;
}

static void xfer_put(struct transport *t, struct xfer *x)
{
	curl_slist_free_all(x->hl);
	x->hl = NULL;
	x->s = NULL;
	x->bodyless = false;
	buf__trim(&x->body, BODY_KEEP); /* bounded memory: do not keep a big answer's buffer */
	x->next_free = t->free_x;
	t->free_x = x;
	t->inflight--;
}

/* What every handle is set to: HTTP to url over Unix socket sock, its answer to body and hdr. */
static void easy_setup(CURL *h, const char *url, const char *sock, void *priv, char *ebuf,
		       curl_write_callback body, curl_write_callback hdr, void *ctx)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_PRIVATE, priv);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, ctx);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, hdr);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, ctx);
}

/* A watch's header lines: at their end, a 200 makes it up. */
static size_t watch_header(char *p, size_t size, size_t n, void *ctx)
{
	struct watch *w = ctx;
	size_t len = size * n;
	long status = 0;

	if (len <= 2 && (len == 0 || p[0] == '\r' || p[0] == '\n') && !w->up) {
		curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			w->up = true;
			w->r->be->watch_up(w->r->state, true);
			verbose("%s: events stream up", rt_name(w->r->kind));
		}
	}
	return len;
}

/* A watch's body, to its backend while it is up (an error's body is not read). */
static size_t watch_body(char *p, size_t size, size_t n, void *ctx)
{
	struct watch *w = ctx;

	if (w->up)
		w->r->be->watch_data(w->r->state, p, size * n);
	return size * n;
}

/* r was sent a create on socket sock: start its watch, unless it runs or ran just before. */
static void watch_start(struct engine *e, struct runtime *r, const char *sock, uint64_t now)
{
	struct transport *t = e->tr;
	struct watch *w = t->watch[r->idx];
	char url[sizeof(w->rq.path) + 32];
	CURL *h;

	if (w && (w->running || now - w->asked_at < WATCH_AGAIN_MS))
		return;
	if (!w && !(w = t->watch[r->idx] = calloc(1, sizeof(*w))))
		return;
	if (!w->h && !(w->h = curl_easy_init()))
		return;
	h = w->h;
	w->asked_at = now;
	w->r = r;
	w->up = false;
	memset(&w->rq, 0, sizeof(w->rq));
	if (r->be->watch_request(r->state, &w->rq) < 0)
		return;
	snprintf(url, sizeof(url), "http://localhost%s", w->rq.path);
	curl_easy_reset(h);
	/* No private pointer: not a transfer, transport_drain tells so. */
	easy_setup(h, url, sock, NULL, w->ebuf, watch_body, watch_header, w);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)WATCH_CONNECT_MS);
	/* Its own connection: never one a request would wait behind, nor one kept after it. */
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	w->ebuf[0] = '\0';
	if (curl_multi_add_handle(t->multi, h) != CURLM_OK) {
		r->be->watch_up(r->state, false);
		return;
	}
	w->running = true;
	e->requests++;
}

/* w's stream ended (or was closed). */
static void watch_stop(struct transport *t, struct watch *w)
{
	curl_multi_remove_handle(t->multi, w->h);
	w->running = false;
	w->up = false;
	w->r->be->watch_up(w->r->state, false);
}

/* The watch whose handle is h ended with rc. */
static void watch_done(struct engine *e, CURL *h, CURLcode rc)
{
	struct transport *t = e->tr;

	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		struct watch *w = t->watch[i];
		long status = 0;

		if (!w || w->h != h || !w->running)
			continue;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK)
			verbose("%s: events stream ended: %s", rt_name(w->r->kind),
				curl_easy_strerror(rc));
		else
			verbose("%s: events stream ended: HTTP %ld", rt_name(w->r->kind), status);
		watch_stop(t, w);
		return;
	}
}

void transport_unwatch(struct engine *e, struct runtime *r)
{
	struct watch *w = e->tr ? e->tr->watch[r->idx] : NULL;

	if (w && w->running)
		watch_stop(e->tr, w);
}

/* Send the request the backend builds for s's current step. false when s was finished instead. */
static bool xfer_send(struct engine *e, struct slot *s, struct xfer *x, uint64_t now)
{
	struct transport *t = e->tr;
	struct runtime *rt = s->rt_cur;
	const struct backend *be = rt->be;
	const char *sock = sockets__path(e->sockets, rt->place, rt->kind, &rt->sock, now);
	char url[sizeof(x->rq.path) + 32];
	long left = (long)(s->deadline - now);
	CURL *h = x->h;

	if (now >= s->deadline) {
		lookup_expire(e, s, now);
		return false;
	}
	memset(&x->rq, 0, sizeof(x->rq));
	if (!sock) {
		lookup_finish(e, s,
			      lookup_no_socket(e, s, rt->kind, s->round_errbuf,
					       sizeof(s->round_errbuf)),
			      now);
		return false;
	}
	if (be->watch_request && s->lk.kind == BE_CREATE)
		watch_start(e, rt, sock, now);
	if (be->request(&s->lk, &x->rq) < 0) {
		lookup_finish(e, s, s->lk.err ? s->lk.err : "internal error", now);
		return false;
	}
	if (x->bodyless)
		x->rq.body_len = 0;
	snprintf(url, sizeof(url), "http://localhost%s", x->rq.path);
	curl_easy_reset(h);
	curl_slist_free_all(x->hl);
	x->hl = NULL;
	for (int i = 0; i < 8 && x->rq.headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(x->hl, x->rq.headers[i]);

		if (!l) {
			lookup_finish(e, s, "out of memory", now);
			return false;
		}
		x->hl = l;
	}
	buf__reset(&x->body);
	/* A list's answers (list.c) may be bigger: ENGINE_LIST_RESPONSE_FACTOR times. */
	x->body.max = (s->lk.kind == BE_LIST ? ENGINE_LIST_RESPONSE_FACTOR : 1) * t->max_response + 1;
	buf__reset(&x->hdr);
	x->too_large = false;
	x->ebuf[0] = '\0';
	easy_setup(h, url, sock, x, x->ebuf, on_body, on_header, x);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > 0 ? left : 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left > 0 ? left : 1L);
	if (x->hl)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hl);
	if (x->rq.http2) {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
				 (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
		if (t->h2_reuse)
			curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L); /* one connection, many streams */
		else
			curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	}
	if (x->rq.method && strcmp(x->rq.method, "GET")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)x->rq.body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)x->rq.body);
		if (strcmp(x->rq.method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->rq.method);
	}
	x->s = s;
	s->st = S_RUN;
	if (curl_multi_add_handle(t->multi, h) != CURLM_OK) {
		x->s = NULL;
		lookup_finish(e, s, "internal error: curl", now);
		return false;
	}
	e->requests++;
	return true;
}

void transport_start(struct engine *e, struct slot *s, uint64_t now)
{
	struct transport *t = e->tr;
	struct xfer *x = t->free_x;

	t->free_x = x->next_free;
	t->inflight++;
	if (!xfer_send(e, s, x, now))
		xfer_put(t, x);
}

/* Stable short reason for a transport failure. */
static const char *curl_reason(struct engine *e, struct xfer *x, CURLcode rc, struct slot *s,
			       char *buf, size_t cap)
{
	long oserr = 0;

	switch (rc) {
	case CURLE_WRITE_ERROR:
		return x->too_large ? "response too large" : "out of memory";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ENOENT)
			return lookup_no_socket(e, s, s->rt_cur->kind, buf, cap);
		if ((oserr == EACCES || oserr == EPERM) && s->rt_cur->place) {
			/* a user's socket is its own (mode 0600): root needs CAP_DAC_OVERRIDE */
			snprintf(buf, cap, "permission denied connecting to %s%s (needs %s)",
				 rt_name(s->rt_cur->kind),
				 sockets__where(e->sockets, s->rt_cur->place), "CAP_DAC_OVERRIDE");
			return buf;
		}
		if (oserr == EACCES || oserr == EPERM)
			return "permission denied";
		if (oserr == EAGAIN)
			return "connection refused: backlog full";
		return "connection refused";
	case CURLE_PARTIAL_FILE:
		return "bad response: truncated";
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return "connection closed";
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return "bad response: protocol error";
	default:
		snprintf(buf, cap, "request failed: %s", curl_easy_strerror(rc));
		return buf;
	}
}

/* A transfer ended. */
static void xfer_done(struct engine *e, struct xfer *x, CURLcode rc, uint64_t now)
{
	struct transport *t = e->tr;
	struct slot *s = x->s;
	const struct backend *be = s->rt_cur->be;
	struct be_response rs = {0};
	enum be_result r;
	char buf[192];
	curl_off_t sent = -1;

	curl_multi_remove_handle(t->multi, x->h);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &rs.status);
	rs.headers_only = x->bodyless;
	x->bodyless = false;
	/*
	 * A gRPC server answers a call to a service it does not have (UNIMPLEMENTED) from the
	 * request's headers alone, possibly before the body went out, and then resets the stream,
	 * as RFC 9113 section 8.1 allows. libcurl 7.88 loses that answer: CURLE_HTTP2_STREAM, no
	 * status, nothing sent (on a slow client nearly always). Ask once more without the body:
	 * nothing is left to race, and the backend takes only an answer that did not need it.
	 */
	if (rc == CURLE_HTTP2_STREAM && x->rq.http2 && !rs.status && !rs.headers_only &&
	    curl_easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &sent) == CURLE_OK && sent == 0) {
		x->bodyless = true;
		if (!xfer_send(e, s, x, now))
			xfer_put(t, x);
		return;
	}
	/*
	 * gRPC servers may reset a stream they answered in its headers (grpc-status): an HTTP/2
	 * stream error after a status was received is handed to the backend with what came.
	 */
	if (rc != CURLE_OK &&
	    !(x->rq.http2 && rs.status > 0 && (rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM))) {
		const char *why = curl_reason(e, x, rc, s, buf, sizeof(buf));

		xfer_put(t, x);
		if (rc == CURLE_OPERATION_TIMEDOUT) /* the deadline: nothing else to try */
			lookup_expire(e, s, now);
		else
			lookup_failed(e, s, why, now);
		return;
	}
	if (!buf__str(&x->body)) {
		xfer_put(t, x);
		lookup_finish(e, s, "out of memory", now);
		return;
	}
	rs.body = x->body.data;
	rs.len = x->body.len;
	rs.headers = x->hdr.len ? x->hdr.data : "";
	rs.hlen = x->hdr.len;
	r = be->response(&s->lk, &rs);
	if (r == BE_MORE) {
		if (!xfer_send(e, s, x, now))
			xfer_put(t, x);
		return;
	}
	xfer_put(t, x);
	if (r == BE_DONE)
		lookup_finish(e, s, NULL, now);
	else
		lookup_answered(e, s, r, now);
}

void transport_drain(struct engine *e, uint64_t now)
{
	struct transport *t = e->tr;
	CURLMsg *msg;
	int left, running;

	curl_multi_perform(t->multi, &running);
	while ((msg = curl_multi_info_read(t->multi, &left))) {
		struct xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			xfer_done(e, x, msg->data.result, now);
		else
			watch_done(e, msg->easy_handle, msg->data.result);
	}
}

int transport_wait(struct engine *e, const int *fds, bool *ready, unsigned n, int timeout_ms)
{
	struct curl_waitfd w[TRANSPORT_WAIT_FDS];
	unsigned of[TRANSPORT_WAIT_FDS], k = 0;
	int nfd = 0;

	for (unsigned i = 0; i < n; i++) {
		ready[i] = false;
		if (fds[i] >= 0 && k < TRANSPORT_WAIT_FDS) {
			of[k] = i;
			w[k++] = (struct curl_waitfd){.fd = fds[i], .events = POLLIN};
		}
	}
	curl_multi_poll(e->tr->multi, w, k, timeout_ms, &nfd);
	for (unsigned j = 0; j < k; j++)
		ready[of[j]] = w[j].revents != 0;
	return nfd;
}
