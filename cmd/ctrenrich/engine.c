/*
 * The engine: input queue, lookups, curl multi loop, cache, ordered output.
 *
 * Every input record takes a slot, in input order (a doubly linked queue). Records that are not
 * container records are done at once. A container record's lookup goes through these states:
 *
 *	WAIT	in the wait list: to be (re)started at start_at, when a transfer is free
 *	RUN	a request is in flight (a struct xfer)
 *	BLOCKED	a removal waiting for the pending create lookup of the same id (the cache entry)
 *	DONE	ready to leave
 *
 * Deadlines: a record's deadline is fixed when it is read (now + timeout). A waiting record
 * whose deadline passes is done with "timeout"; a transfer gets CURLOPT_TIMEOUT_MS = the time
 * left, so it cannot outlive the deadline either. No record is held longer than its deadline.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cache.h"
#include "engine.h"
#include "filter.h"
#include "jsonw.h"
#include "line.h"
#include "log.h"
#include "out.h"
#include "rec.h"
#include "sockets.h"

#define HEADERS_MAX (64 * 1024) /* header bytes kept per answer; the rest are ignored */
#define BACKOFF_FIRST_MS 10
#define BACKOFF_MAX_MS 200

enum slot_state { S_FREE, S_WAIT, S_RUN, S_BLOCKED, S_DONE };

struct xfer;

struct slot {
	struct slot *qprev, *qnext; /* the queue, in input order */
	struct slot *wprev, *wnext; /* the wait list, or the ready list (unordered) */
	enum slot_state st;
	char *line; /* the input line, kept to be written out */
	size_t len, cap;
	bool ctr; /* a container record; others leave as they came */
	enum be_kind kind;
	enum rt rt_in;	/* runtime named by the record */
	enum rt rt_ask; /* the one runtime to ask, or RT_UNKNOWN: every one found */
	enum rt rt_cur; /* the runtime asked now */
	enum rt rt_out; /* the runtime that answered */
	unsigned tried, notfound, notyet; /* runtimes asked, and how they answered, this round */
	const char *round_err;
	char round_errbuf[128];
	char id[ID_MAX + 1];
	size_t idlen;
	struct be_lookup lk;
	struct meta m;
	bool have_meta;	   /* create-time fields known (lookup or cache) */
	struct centry *ce; /* create: its pending cache entry */
	uint64_t read_at, deadline, start_at;
	unsigned backoff;
	const char *err; /* enrich_error, NULL when none */
	char errbuf[128];
	struct xfer *x;
};

struct xfer {
	CURL *h;
	struct slot *s;
	struct xfer *next_free;
	struct be_request rq;
	struct curl_slist *hl;
	char *body;
	size_t blen, bcap;
	char *hdr;
	size_t hlen, hcap;
	bool too_large;
	bool bodyless; /* send the request without its body (a repeat: see xfer_done) */
	char ebuf[CURL_ERROR_SIZE];
};

struct list {
	struct slot *head, *tail;
};

static struct {
	const struct engine_opts *o;
	const struct backend *be[RT_N];
	CURLM *multi;
	struct cache *cache;
	struct slot *slots, *free_slots;
	unsigned nslots_used;
	struct list queue, wait, ready;
	struct xfer *xfers, *free_x;
	unsigned inflight;
	struct rec in, out;
	struct jsonw w;
	bool unflushed;
	bool h2_reuse; /* HTTP/2 connections may be reused (libcurl >= 8.0.0) */
	/* counters for -v */
	unsigned long lookups, requests, cache_hits, errors;
} E;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Lists: q links for the queue, w links for the wait and ready lists. */
#define LIST_PUSH(l, s, P, N)                                                                      \
	do {                                                                                       \
		(s)->P = (l)->tail;                                                                \
		(s)->N = NULL;                                                                     \
		if ((l)->tail)                                                                     \
			(l)->tail->N = (s);                                                        \
		else                                                                               \
			(l)->head = (s);                                                           \
		(l)->tail = (s);                                                                   \
	} while (0)
#define LIST_DEL(l, s, P, N)                                                                       \
	do {                                                                                       \
		if ((s)->P)                                                                        \
			(s)->P->N = (s)->N;                                                        \
		else                                                                               \
			(l)->head = (s)->N;                                                        \
		if ((s)->N)                                                                        \
			(s)->N->P = (s)->P;                                                        \
		else                                                                               \
			(l)->tail = (s)->P;                                                        \
		(s)->P = (s)->N = NULL;                                                            \
	} while (0)

/* ---- finishing ---- */

static void set_err(struct slot *s, const char *err)
{
	snprintf(s->errbuf, sizeof(s->errbuf), "%s", err);
	s->err = s->errbuf;
}

static void remove_begin(struct slot *s, struct centry *ce, uint64_t now);

static void slot_done(struct slot *s)
{
	s->st = S_DONE;
	if (E.o->unordered)
		LIST_PUSH(&E.ready, s, wprev, wnext);
}

/* The lookup of s is over: err is NULL on success. */
static void finish(struct slot *s, const char *err, uint64_t now)
{
	struct centry *ce = s->ce;

	E.lookups++;
	if (s->kind == BE_CREATE) {
		if (!err)
			s->have_meta = true;
		if (ce) {
			struct slot *waiter = ce->waiter;

			s->ce = NULL;
			ce->owner = ce->waiter = NULL;
			if (!err && meta__copy(&ce->m, &s->m) == 0) {
				ce->pending = false;
				ce->rt = s->rt_out;
			} else {
				cache__del(E.cache, ce);
				ce = NULL;
			}
			if (waiter)
				remove_begin(waiter, ce, now);
		}
	} else {
		if (s->lk.got_meta)
			s->have_meta = true;
		/* What the cache held is the answer; the removal details are extras. */
		if (s->have_meta && err) {
			verbose("%s %.12s: no removal details: %s", rt_name(s->rt_out), s->id, err);
			err = NULL;
		}
	}
	if (err) {
		E.errors++;
		set_err(s, err);
	}
	if (log_verbose > 1)
		verbose("%s %.12s: %s after %llu ms, %u retries", rt_name(s->rt_out), s->id,
			err ? err : "done", (unsigned long long)(now - s->read_at), s->lk.attempt);
	slot_done(s);
}

/* ---- starting lookups ---- */

/* Runtimes s may ask: a bit each. */
static unsigned candidates(struct slot *s, uint64_t now)
{
	unsigned c = 0;

	for (int rt = 0; rt < RT_N; rt++) {
		if (s->rt_ask != RT_UNKNOWN && s->rt_ask != (enum rt)rt)
			continue;
		if (E.be[rt] && E.be[rt]->id_ok(s->id, s->idlen) && sockets__path(rt, now))
			c |= 1u << rt;
	}
	return c;
}

static void wait_at(struct slot *s, uint64_t at)
{
	s->st = S_WAIT;
	s->start_at = at;
	LIST_PUSH(&E.wait, s, wprev, wnext);
}

/* A lookup for s, from scratch: check what can be checked without asking, then wait for a turn. */
static void lookup_begin(struct slot *s, uint64_t now)
{
	enum rt rt = s->rt_ask;
	char msg[64];

	s->lk.kind = s->kind;
	s->lk.m = &s->m;
	s->lk.id = s->id;
	s->backoff = BACKOFF_FIRST_MS;
	if (rt != RT_UNKNOWN && (rt >= RT_N || !E.be[rt])) {
		snprintf(msg, sizeof(msg), "runtime %s not supported", rt_name(s->rt_in));
		finish(s, msg, now);
		return;
	}
	if (rt != RT_UNKNOWN && !E.be[rt]->id_ok(s->id, s->idlen)) {
		finish(s, "invalid container id", now);
		return;
	}
	if (rt == RT_UNKNOWN) {
		bool any = false;

		for (int i = 0; i < RT_N; i++)
			any |= E.be[i] && E.be[i]->id_ok(s->id, s->idlen);
		if (!any) {
			finish(s, "invalid container id", now);
			return;
		}
	}
	wait_at(s, now);
}

static struct slot *slot_get(void)
{
	struct slot *s = E.free_slots;

	E.free_slots = s->qnext;
	s->qnext = NULL;
	s->st = S_WAIT;
	s->ctr = false;
	s->err = NULL;
	s->have_meta = false;
	s->ce = NULL;
	s->x = NULL;
	s->tried = s->notfound = s->notyet = 0;
	s->round_err = NULL;
	memset(&s->lk, 0, sizeof(s->lk));
	meta__clear(&s->m);
	E.nslots_used++;
	LIST_PUSH(&E.queue, s, qprev, qnext);
	return s;
}

static void slot_put(struct slot *s)
{
	LIST_DEL(&E.queue, s, qprev, qnext);
	meta__clear(&s->m);
	s->st = S_FREE;
	s->qnext = E.free_slots;
	E.free_slots = s;
	E.nslots_used--;
}

/* A removal: take the create-time fields from the cache when they are there. */
static void remove_begin(struct slot *s, struct centry *ce, uint64_t now)
{
	if (ce && ce->pending) {
		if (!ce->waiter) {
			ce->waiter = s;
			s->st = S_BLOCKED;
			return;
		}
		ce = NULL; /* a second removal of the same id: look it up on its own */
	}
	if (ce) {
		E.cache_hits++;
		meta__move(&s->m, &ce->m);
		s->have_meta = true;
		if (s->rt_ask == RT_UNKNOWN && ce->rt < RT_N)
			s->rt_ask = ce->rt;
		s->rt_out = ce->rt;
		cache__del(E.cache, ce);
	}
	s->lk.need_meta = !s->have_meta;
	lookup_begin(s, now);
}

/* ---- transfers ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	if (x->blen + len > E.o->max_response) {
		x->too_large = true;
		return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
	}
	if (x->blen + len + 1 > x->bcap) {
		size_t cap = x->bcap ? x->bcap : 16384;
		char *b;

		while (cap < x->blen + len + 1)
			cap *= 2;
		b = realloc(x->body, cap);
		if (!b)
			return 0;
		x->body = b;
		x->bcap = cap;
	}
	memcpy(x->body + x->blen, p, len);
	x->blen += len;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	if (len >= 5 && !memcmp(p, "HTTP/", 5))
		x->hlen = 0; /* a new response (after 100 Continue): keep only its headers */
	if (x->hlen + len + 1 > HEADERS_MAX)
		return len;
	if (x->hlen + len + 1 > x->hcap) {
		size_t cap = x->hcap ? x->hcap : 2048;
		char *b;

		while (cap < x->hlen + len + 1)
			cap *= 2;
		b = realloc(x->hdr, cap);
		if (!b)
			return len;
		x->hdr = b;
		x->hcap = cap;
	}
	memcpy(x->hdr + x->hlen, p, len);
	x->hlen += len;
	x->hdr[x->hlen] = '\0';
	return len;
}

static void xfer_put(struct xfer *x)
{
	curl_slist_free_all(x->hl);
	x->hl = NULL;
	x->s = NULL;
	x->bodyless = false;
	if (x->bcap > 256 * 1024) { /* bounded memory: do not keep a big answer's buffer */
		free(x->body);
		x->body = NULL;
		x->bcap = 0;
	}
	x->next_free = E.free_x;
	E.free_x = x;
	E.inflight--;
}

/*
 * Why a record's deadline ended it: a create the runtime said it did not know, and that was
 * being asked again, is "not found" (what the runtime said), not "timeout".
 */
static const char *deadline_reason(const struct slot *s)
{
	return s->lk.attempt && s->kind == BE_CREATE ? "not found" : "timeout";
}

/* Send the request the backend builds for s's current step. false when s was finished instead. */
static bool xfer_send(struct slot *s, struct xfer *x, uint64_t now)
{
	const struct backend *be = E.be[s->rt_cur];
	const char *sock = sockets__path(s->rt_cur, now);
	char url[600];
	long left = (long)(s->deadline - now);
	CURL *h = x->h;

	if (now >= s->deadline) {
		finish(s, deadline_reason(s), now);
		return false;
	}
	memset(&x->rq, 0, sizeof(x->rq));
	if (!sock) {
		snprintf(s->round_errbuf, sizeof(s->round_errbuf), "no socket for %s",
			 rt_name(s->rt_cur));
		finish(s, s->round_errbuf, now);
		return false;
	}
	if (be->request(&s->lk, &x->rq) < 0) {
		finish(s, s->lk.err ? s->lk.err : "internal error", now);
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
			finish(s, "out of memory", now);
			return false;
		}
		x->hl = l;
	}
	x->blen = x->hlen = 0;
	x->too_large = false;
	x->ebuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > 0 ? left : 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left > 0 ? left : 1L);
	if (x->hl)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hl);
	if (x->rq.http2) {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
				 (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
		if (E.h2_reuse)
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
	s->x = x;
	s->st = S_RUN;
	if (curl_multi_add_handle(E.multi, h) != CURLM_OK) {
		s->x = NULL;
		x->s = NULL;
		finish(s, "internal error: curl", now);
		return false;
	}
	E.requests++;
	return true;
}

/* Start s's next attempt with the next runtime of this round (a transfer is free). */
static void attempt_start(struct slot *s, uint64_t now)
{
	unsigned c = candidates(s, now) & ~s->tried;
	struct xfer *x;
	int rt;

	if (!c) {
		/* Nothing (left) to ask. */
		if (s->rt_ask != RT_UNKNOWN) {
			snprintf(s->round_errbuf, sizeof(s->round_errbuf), "no socket for %s",
				 rt_name(s->rt_ask));
			finish(s, s->round_errbuf, now);
		} else {
			finish(s, s->round_err ? s->round_err : "no runtime socket", now);
		}
		return;
	}
	for (rt = 0; !(c & 1u << rt); rt++)
		;
	s->rt_cur = (enum rt)rt;
	s->tried |= 1u << rt;
	/* Another runtime starts from a clean scratch; a retry of the same one keeps it. */
	if (s->rt_out != s->rt_cur)
		memset(s->lk.scratch, 0, sizeof(s->lk.scratch));
	s->rt_out = s->rt_cur;
	s->lk.step = 0;
	s->lk.err = NULL;
	x = E.free_x;
	E.free_x = x->next_free;
	E.inflight++;
	if (!xfer_send(s, x, now))
		xfer_put(x);
}

/* The round (one question to each candidate runtime) is over without an answer. */
static void round_over(struct slot *s, uint64_t now)
{
	bool retry = s->kind == BE_CREATE ? s->notfound != 0 : s->notyet != 0;
	uint64_t at = now + s->backoff;

	if (retry && at < s->deadline) {
		s->tried = s->notfound = s->notyet = 0;
		s->round_err = NULL;
		s->lk.attempt++;
		s->backoff = s->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff * 2;
		wait_at(s, at);
		return;
	}
	if (s->notyet)
		finish(s, "timeout", now);
	else if (s->notfound)
		finish(s, "not found", now);
	else
		finish(s, s->round_err ? s->round_err : "not found", now);
}

/* After a runtime did not answer with the container: ask the next one, or end the round. */
static void next_runtime(struct slot *s, uint64_t now)
{
	if (candidates(s, now) & ~s->tried)
		wait_at(s, now);
	else
		round_over(s, now);
}

/* Stable short reason for a transport failure. */
static const char *curl_reason(struct xfer *x, CURLcode rc, struct slot *s, char *buf, size_t cap)
{
	long oserr = 0;

	switch (rc) {
	case CURLE_WRITE_ERROR:
		return x->too_large ? "response too large" : "out of memory";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ENOENT) {
			snprintf(buf, cap, "no socket for %s", rt_name(s->rt_cur));
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
static void xfer_done(struct xfer *x, CURLcode rc, uint64_t now)
{
	struct slot *s = x->s;
	const struct backend *be = E.be[s->rt_cur];
	struct be_response rs = {0};
	enum be_result r;
	char buf[96];
	curl_off_t sent = -1;

	curl_multi_remove_handle(E.multi, x->h);
	s->x = NULL;
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
		if (!xfer_send(s, x, now))
			xfer_put(x);
		return;
	}
	/*
	 * gRPC servers may reset a stream they answered in its headers (grpc-status): an HTTP/2
	 * stream error after a status was received is handed to the backend with what came.
	 */
	if (rc != CURLE_OK &&
	    !(x->rq.http2 && rs.status > 0 && (rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM))) {
		const char *why = curl_reason(x, rc, s, buf, sizeof(buf));

		xfer_put(x);
		if (rc == CURLE_OPERATION_TIMEDOUT) { /* the deadline: nothing else to try */
			finish(s, deadline_reason(s), now);
			return;
		}
		if (!s->round_err) {
			snprintf(s->round_errbuf, sizeof(s->round_errbuf), "%s", why);
			s->round_err = s->round_errbuf;
		}
		next_runtime(s, now);
		return;
	}
	if (!x->body) {
		x->body = malloc(1);
		if (!x->body) {
			xfer_put(x);
			finish(s, "out of memory", now);
			return;
		}
		x->bcap = 1;
	}
	x->body[x->blen] = '\0';
	rs.body = x->body;
	rs.len = x->blen;
	rs.headers = x->hdr ? x->hdr : "";
	rs.hlen = x->hdr ? x->hlen : 0;
	r = be->response(&s->lk, &rs);
	switch (r) {
	case BE_MORE:
		if (!xfer_send(s, x, now))
			xfer_put(x);
		return;
	case BE_DONE:
		xfer_put(x);
		finish(s, NULL, now);
		return;
	default:
		break;
	}
	/* A runtime that knew the id is the one to ask again (its answer is in s->m already). */
	if (s->lk.got_meta)
		s->rt_ask = s->rt_cur;
	switch (r) {
	case BE_NOTFOUND:
		s->notfound |= 1u << s->rt_cur;
		break;
	case BE_NOTYET:
		s->notyet |= 1u << s->rt_cur;
		break;
	case BE_ERROR:
		if (!s->round_err) {
			snprintf(s->round_errbuf, sizeof(s->round_errbuf), "%s",
				 s->lk.err ? s->lk.err : "bad response");
			s->round_err = s->round_errbuf;
		}
		break;
	default:
		break;
	}
	xfer_put(x);
	next_runtime(s, now);
}

/* Start what may start, expire what waited too long. Returns ms until something is due. */
static long run_wait_list(uint64_t now)
{
	long due = 1000;
	struct slot *s, *next;

	for (s = E.wait.head; s; s = next) {
		next = s->wnext;
		if (now >= s->deadline) {
			LIST_DEL(&E.wait, s, wprev, wnext);
			/* Waiting to retry after "not found" (create), or for a turn. */
			finish(s, deadline_reason(s), now);
			continue;
		}
		if (s->start_at <= now && E.free_x) {
			LIST_DEL(&E.wait, s, wprev, wnext);
			attempt_start(s, now);
			continue;
		}
		if (s->start_at > now && (long)(s->start_at - now) < due)
			due = (long)(s->start_at - now);
		if ((long)(s->deadline - now) < due)
			due = (long)(s->deadline - now);
	}
	return due;
}

static void drain_curl(uint64_t now)
{
	CURLMsg *msg;
	int left, running;

	curl_multi_perform(E.multi, &running);
	while ((msg = curl_multi_info_read(E.multi, &left))) {
		struct xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		xfer_done(x, msg->data.result, now);
	}
}

/* ---- output ---- */

static const char *const owned[] = {
    "container_name", "container_image", "container_image_digest",
    "pod_name",	      "pod_namespace",	 "pod_uid",
    "pod_sandbox",    "exit_code",	 "finished_at",
    "oom_killed",     "enrich_error",	 NULL,
};

static bool is_owned(const struct rec *r, int i)
{
	for (int k = 0; owned[k]; k++)
		if (rec_key_is(r, i, owned[k]))
			return true;
	return false;
}

static void write_line(const char *line, size_t len)
{
	fwrite(line, 1, len, stdout);
	putchar('\n');
	E.unflushed = true;
}

static void emit(struct slot *s)
{
	static const char *const keys[M_NSTR] = {
	    [M_NAME] = "container_name",	   [M_IMAGE] = "container_image",
	    [M_DIGEST] = "container_image_digest", [M_POD_NAME] = "pod_name",
	    [M_POD_NAMESPACE] = "pod_namespace",   [M_POD_UID] = "pod_uid",
	};
	const char *err = NULL;
	bool rewrite_rt;
	unsigned n;

	if (!s->ctr) {
		write_line(s->line, s->len);
		return;
	}
	if (rec_parse(&E.out, s->line, s->len, &err) < 0) { /* cannot happen: parsed once */
		write_line(s->line, s->len);
		return;
	}
	rewrite_rt = s->rt_in == RT_UNKNOWN && s->have_meta && s->rt_out < RT_N;
	jsonw_obj_open(&E.w, NULL);
	n = rec_nfields(&E.out);
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		const char *mem;

		if (is_owned(&E.out, (int)i))
			continue;
		if (rewrite_rt && rec_key_is(&E.out, (int)i, "runtime")) {
			jsonw_str(&E.w, "runtime", rt_name(s->rt_out));
			continue;
		}
		mem = rec_member(&E.out, (int)i, &len);
		jsonw_raw_member(&E.w, mem, len);
	}
	for (int f = 0; f < M_NSTR; f++)
		jsonw_str(&E.w, keys[f], s->m.s[f] ? s->m.s[f] : "");
	jsonw_bool(&E.w, "pod_sandbox", s->m.sandbox);
	if (s->kind == BE_REMOVE && s->m.have_exit) {
		jsonw_i64(&E.w, "exit_code", s->m.exit_code);
		jsonw_str(&E.w, "finished_at", s->m.finished_at ? s->m.finished_at : "");
		jsonw_bool(&E.w, "oom_killed", s->m.oom_killed);
	}
	if (s->err)
		jsonw_str(&E.w, "enrich_error", s->err);
	jsonw_obj_close(&E.w);
	E.unflushed = true;
}

static void emit_ready(void)
{
	if (E.o->unordered) {
		struct slot *s;

		while ((s = E.ready.head)) {
			LIST_DEL(&E.ready, s, wprev, wnext);
			emit(s);
			slot_put(s);
		}
		return;
	}
	while (E.queue.head && E.queue.head->st == S_DONE) {
		struct slot *s = E.queue.head;

		emit(s);
		slot_put(s);
	}
}

/* ---- input ---- */

static bool event_kind(const struct rec *r, enum be_kind *kind)
{
	if (rec_str_eq(r, r->event, "container_create") ||
	    rec_str_eq(r, r->event, "existing_container")) {
		*kind = BE_CREATE;
		return true;
	}
	if (rec_str_eq(r, r->event, "container_remove")) {
		*kind = BE_REMOVE;
		return true;
	}
	return false;
}

static int keep_line(struct slot *s, const char *line, size_t len)
{
	if (len + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 512;
		char *p;

		while (cap < len + 1)
			cap *= 2;
		p = realloc(s->line, cap);
		if (!p)
			return -1;
		s->line = p;
		s->cap = cap;
	}
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->len = len;
	return 0;
}

/* One input line. 0, or -1 with *err for bad input. */
static int take_line(const struct line *l, uint64_t now, const char **err)
{
	struct rec *r = &E.in;
	enum be_kind kind;
	struct slot *s;
	char rt[32];
	long n;
	int id;

	if (l->too_long) {
		*err = "line too long";
		return -1;
	}
	if (rec_parse(r, l->s, l->len, err) < 0)
		return -1;
	if (!event_kind(r, &kind)) {
		/* Pass-through: straight out when nothing is ahead of it. */
		if (!E.queue.head) {
			write_line(l->s, l->len);
			return 0;
		}
		s = slot_get();
		if (keep_line(s, l->s, l->len) < 0)
			die("out of memory");
		slot_done(s);
		return 0;
	}
	n = rec_get_str(r, "runtime", rt, sizeof(rt));
	if (n < 0) {
		*err = "missing or mistyped \"runtime\"";
		return -1;
	}
	id = rec_find(r, "container_id");
	if (id < 0 || rec_type(r, id) != REC_STRING) {
		*err = "missing or mistyped \"container_id\"";
		return -1;
	}
	s = slot_get();
	if (keep_line(s, l->s, l->len) < 0)
		die("out of memory");
	s->ctr = true;
	s->kind = kind;
	s->rt_in = (size_t)n < sizeof(rt) ? rt_parse(rt) : RT_OTHER;
	s->rt_ask = s->rt_in;
	s->rt_out = s->rt_in;
	s->read_at = now;
	s->deadline = now + E.o->timeout_ms;
	n = rec_str(r, id, s->id, sizeof(s->id));
	s->idlen = (size_t)n;
	if (n < 0 || (size_t)n > ID_MAX || strlen(s->id) != (size_t)n) {
		s->id[0] = '\0';
		s->idlen = 0;
		s->lk.kind = kind;
		finish(s, "invalid container id", now);
		return 0;
	}
	if (kind == BE_CREATE) {
		struct centry *ce = cache__get(E.cache, s->id);
		bool cacheable = s->rt_in < RT_N || s->rt_in == RT_UNKNOWN;

		if (ce && !ce->pending) {
			cache__del(E.cache, ce); /* seen again: what we knew may be stale */
			ce = NULL;
		} else if (ce) {
			cacheable =
			    false; /* a lookup for it is running already: this one goes alone */
		}
		if (cacheable && (ce = cache__add(E.cache, s->id)))
			ce->owner = s;
		s->ce = cacheable ? ce : NULL;
		lookup_begin(s, now);
	} else {
		remove_begin(s, cache__get(E.cache, s->id), now);
	}
	return 0;
}

/* ---- the loop ---- */

struct input {
	int argc, next;
	char **argv;
	const char *name;
	int fd;
	struct line_reader *lr;
	bool done; /* every input read */
	int status;
};

static void input_open_next(struct input *in)
{
	static char dash[] = "-";

	if (in->lr) {
		line_reader__free(in->lr);
		in->lr = NULL;
		if (in->fd != STDIN_FILENO)
			close(in->fd);
	}
	while (in->next < in->argc || (in->argc == 0 && in->next == 0)) {
		const char *name = in->argc ? in->argv[in->next] : dash;
		char q[256];

		in->next++;
		in->fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (in->fd < 0) {
			warn("cannot open '%s':", log_quote(q, sizeof(q), name, strlen(name)));
			in->status = EXIT_FAIL;
			continue;
		}
		in->name = name;
		in->lr = line_reader__new(in->fd, 0);
		if (!in->lr)
			die("out of memory");
		return;
	}
	in->done = true;
}

/* Take buffered lines while the queue has room. True when a read is needed. */
static bool input_take(struct input *in, const struct engine_opts *o, uint64_t now)
{
	struct line l;

	while (!in->done && E.nslots_used < o->queue_size) {
		const char *err = NULL;

		if (line_reader__next_buffered(in->lr, &l) != 1) {
			if (!line_reader__eof(in->lr))
				return true;
			input_open_next(in);
			continue;
		}
		if (take_line(&l, now, &err) == 0)
			continue;
		filter_bad_line(in->name, l.no, err ? err : "bad record");
		if (o->strict) {
			in->status = EXIT_DATAERR;
			in->done = true;
			if (in->lr) {
				line_reader__free(in->lr);
				in->lr = NULL;
				if (in->fd != STDIN_FILENO)
					close(in->fd);
			}
		}
	}
	return false;
}

int engine_run(const struct engine_opts *o, int argc, char **argv)
{
	struct input in = {.argc = argc, .argv = argv};
	int status;

	/* 1. Engine state: backends, curl, slots, transfers, cache. */
	E.o = o;
	E.be[RT_DOCKER] = &backend_docker;
	E.be[RT_PODMAN] = &backend_podman;
	E.be[RT_CONTAINERD] = &backend_containerd;
	E.be[RT_CRIO] = &backend_crio;
	for (int i = 0; i < RT_N; i++)
		if (E.be[i])
			verbose("%s: backend %s", rt_name(i), E.be[i]->name);
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
		die("cannot initialise libcurl");
	E.multi = curl_multi_init();
	E.cache = cache__new(o->cache_size);
	E.slots = calloc(o->queue_size, sizeof(*E.slots));
	E.xfers = calloc(o->max_inflight, sizeof(*E.xfers));
	if (!E.multi || !E.cache || !E.slots || !E.xfers)
		die("out of memory");
	curl_multi_setopt(E.multi, CURLMOPT_MAXCONNECTS, (long)o->max_inflight);
	/*
	 * libcurl before 8.0.0 fails every stream after the first on an HTTP/2 prior-knowledge
	 * connection with CURLE_HTTP2 (curl issue 10634, fixed by PR 10643): Debian 12 has 7.88.1.
	 * There, one connection per gRPC request, and no multiplexing onto a connection in use.
	 */
	E.h2_reuse = curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000;
	if (!E.h2_reuse)
		curl_multi_setopt(E.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	for (unsigned i = o->queue_size; i-- > 0;) {
		E.slots[i].qnext = E.free_slots;
		E.free_slots = &E.slots[i];
	}
	for (unsigned i = o->max_inflight; i-- > 0;) {
		E.xfers[i].h = curl_easy_init();
		if (!E.xfers[i].h)
			die("out of memory");
		E.xfers[i].next_free = E.free_x;
		E.free_x = &E.xfers[i];
	}
	E.inflight = 0;
	rec_init(&E.in);
	rec_init(&E.out);
	jsonw_init(&E.w, stdout);

	/* 2. The loop: take input, start lookups, drive curl, write what is ready, wait. */
	input_open_next(&in);
	for (;;) {
		uint64_t now = now_ms();
		bool need_read = input_take(&in, o, now);
		struct curl_waitfd fd = {.fd = in.fd, .events = POLLIN};
		long due;
		int nfd = 0;

		run_wait_list(now);
		drain_curl(now_ms());
		/* Completions may have queued retries and freed transfers: start and time them now.
		 */
		due = run_wait_list(now_ms());
		emit_ready();
		if (in.done && !E.queue.head && !E.inflight)
			break;
		need_read = need_read && !in.done && E.nslots_used < o->queue_size;
		/* Flush before blocking (DESIGN.md): only when nothing is ready at once. */
		fd.revents = 0;
		if (E.unflushed) {
			curl_multi_poll(E.multi, &fd, need_read ? 1 : 0, 0, &nfd);
			if (!nfd && !(need_read && fd.revents)) {
				out_flush();
				E.unflushed = false;
			}
		}
		if (!nfd)
			curl_multi_poll(E.multi, &fd, need_read ? 1 : 0, (int)(due < 0 ? 0 : due),
					&nfd);
		if (need_read && fd.revents) {
			if (line_reader__fill(in.lr) < 0 && errno != EAGAIN && errno != EINTR) {
				char q[256];

				warn("cannot read '%s':",
				     log_quote(q, sizeof(q), in.name, strlen(in.name)));
				in.status = EXIT_FAIL;
				input_open_next(&in);
			}
		}
	}

	/* 3. Clean up. */
	verbose("%lu lookups, %lu requests, %lu cache hits, %lu errors", E.lookups, E.requests,
		E.cache_hits, E.errors);
	status = in.status;
	for (unsigned i = 0; i < o->max_inflight; i++) {
		curl_easy_cleanup(E.xfers[i].h);
		free(E.xfers[i].body);
		free(E.xfers[i].hdr);
		curl_slist_free_all(E.xfers[i].hl);
	}
	curl_multi_cleanup(E.multi);
	curl_global_cleanup();
	for (unsigned i = 0; i < o->queue_size; i++) {
		free(E.slots[i].line);
		meta__clear(&E.slots[i].m);
	}
	free(E.slots);
	free(E.xfers);
	cache__free(E.cache);
	rec_free(&E.in);
	rec_free(&E.out);
	return status;
}
