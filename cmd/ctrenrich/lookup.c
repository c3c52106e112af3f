/*
 * A container record's lookup: which runtimes to ask, in rounds (one question to each candidate
 * runtime), retried with backoff after "not found" (create) or "not yet" (removal) within the
 * record's deadline, and how it ends: with what the runtime said, or with enrich_error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "log.h"
#include "rec_schema.h"
#include "sockets.h"

#define BACKOFF_FIRST_MS 10
#define BACKOFF_MAX_MS 200

static void set_err(struct slot *s, const char *err)
{
	snprintf(s->errbuf, sizeof(s->errbuf), "%s", err);
	s->err = s->errbuf;
}

/*
 * The runtime asked found a container another runtime owns (containerd namespace moby: Docker's):
 * the record names the owner, and says why the owner itself did not answer.
 */
static const char *owned_elsewhere(struct engine *e, struct slot *s)
{
	enum rt o = rt_parse(s->lk.owner);
	struct runtime *r;
	char why[128];

	if (o >= RT_N || !s->rt_cur || o == s->rt_cur->kind)
		return NULL;
	r = &e->rt[s->rt_cur->place * RT_N + o];
	if (s->notfound & UINT64_C(1) << r->idx)
		snprintf(why, sizeof(why), "%s did not know it", rt_name(o));
	else if (s->tried & UINT64_C(1) << r->idx)
		snprintf(why, sizeof(why), "%s did not answer: %s", rt_name(o),
			 s->round_err ? s->round_err : "error");
	else
		lookup_no_socket(e, s, o, why, sizeof(why));
	snprintf(s->round_errbuf, sizeof(s->round_errbuf),
		 "found by %s as %s's, but %s could not be asked: %s", rt_name(s->rt_cur->kind),
		 rt_name(o), rt_name(o), why);
	s->rt_out = o;
	s->have_meta = true; /* the runtime field names the owner */
	return s->round_errbuf;
}

void lookup_finish(struct engine *e, struct slot *s, const char *err, uint64_t now)
{
	const char *owner_err;

	if (s->group) { /* a list's own lookup (list.c) */
		list_end(e, s, err, now);
		return;
	}
	if (s->fetch) { /* a digest asked ahead (lookup_podlog.c) */
		podlog_fetched(e, s, err, now);
		return;
	}
	owner_err = s->lk.owner ? owned_elsewhere(e, s) : NULL;
	e->lookups++;
	if (owner_err) {
		/* Not cached: a removal asks again, the owner too. */
		cache_created(e, s, false, now);
		err = owner_err;
	} else if (s->kind == BE_CREATE) {
		if (!err)
			s->have_meta = true;
		cache_created(e, s, !err, now);
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
		e->errors++;
		set_err(s, err);
	}
	if (log_verbose > 1)
		verbose("%s %.12s: %s after %llu ms, %u retries", rt_name(s->rt_out), s->id,
			err ? err : "done", (unsigned long long)(now - s->read_at), s->lk.attempt);
	slot_done(e, s);
}

/* The reason of a record that never found room for its place. */
static void no_room(struct engine *e, struct slot *s, uint64_t now)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "no room for the runtimes of one more place (%d)", PLACE_MAX);
	lookup_finish(e, s, msg, now);
}

/*
 * Why a record's deadline ended it: a create the runtime said it did not know, and that was
 * being asked again, is "not found" (what the runtime said), not "timeout"; one that never had
 * room for its place says so.
 */
void lookup_expire(struct engine *e, struct slot *s, uint64_t now)
{
	if (s->group) {
		list_end(e, s, "timeout", now);
		return;
	}
	if (s->fetch) {
		podlog_fetched(e, s, "timeout", now);
		return;
	}
	if (s->place < 0) {
		no_room(e, s, now);
		return;
	}
	lookup_finish(e, s, s->lk.attempt && s->kind == BE_CREATE ? "not found" : "timeout", now);
}

/*
 * A record that found no room for its place (every place busy) looks again this often, until
 * its deadline: a place frees as soon as its last record is done.
 */
#define PLACE_AGAIN_MS 10

/*
 * A place is busy while a record not done yet, or a digest asked ahead (lookup_podlog.c), is to
 * ask its runtimes.
 */
static bool place_busy(void *ctx, unsigned p)
{
	struct engine *e = ctx;

	return e->place_busy[p] > 0 || podlog_busy(e, p);
}

void lookup_where(struct engine *e, struct slot *s, const struct rec *r, uint64_t now)
{
	char path[PLACE_PATH_MAX + 256];
	struct place_key k;
	uint64_t hier = 0;
	bool fresh;
	long n;
	int p;

	s->place = 0;
	n = rec_get_str(r, REC_F_PATH, path, sizeof(path));
	if (n <= 0 || (size_t)n >= sizeof(path))
		return; /* no path, or a long one: the host's runtimes */
	if (rec_get_u64(r, REC_F_HIERARCHY_ID, &hier) < 0 || hier > INT32_MAX)
		hier = 0;
	place_of(path, (size_t)n, (int)hier, &k);
	p = sockets__place(e->sockets, &k, now, place_busy, e, &fresh);
	s->place = p;
	if (p > 0) {
		e->place_busy[p]++;
		s->in_place = true;
	}
	for (int i = 0; fresh && i < RT_N; i++)
		if (runtime__reset(e, &e->rt[p * RT_N + i]) < 0)
			die("out of memory");
}

/* Instances s may ask: a bit each (struct runtime's idx), of its place. */
static uint64_t candidates(struct engine *e, struct slot *s, uint64_t now)
{
	uint64_t c = 0;

	if (s->place < 0)
		return 0;
	for (unsigned k = 0; k < RT_N; k++) {
		struct runtime *r = &e->rt[(unsigned)s->place * RT_N + k];

		if (s->rt_ask != RT_UNKNOWN && s->rt_ask != r->kind)
			continue;
		if (r->be && r->be->id_ok(s->id, s->idlen) &&
		    sockets__path(e->sockets, r->place, r->kind, &r->sock, now))
			c |= UINT64_C(1) << r->idx;
	}
	return c;
}

const char *lookup_no_socket(struct engine *e, struct slot *s, enum rt kind, char *buf,
			     size_t cap)
{
	unsigned p = s->place > 0 ? (unsigned)s->place : 0;
	const char *why = sockets__why(e->sockets, p);

	if (kind < RT_N)
		snprintf(buf, cap, "no socket for %s%s%s%s", rt_name(kind),
			 sockets__where(e->sockets, p), *why ? ": " : "", why);
	else
		snprintf(buf, cap, "no runtime socket%s%s%s", sockets__where(e->sockets, p),
			 *why ? ": " : "", why);
	return buf;
}

void lookup_wait(struct engine *e, struct slot *s, uint64_t at)
{
	s->st = S_WAIT;
	s->start_at = at;
	LIST_PUSH(&e->wait, s, wprev, wnext);
}

void lookup_lead(struct slot *l, struct runtime *r, enum be_kind kind, uint64_t deadline,
		 uint64_t now)
{
	memset(&l->lk, 0, sizeof(l->lk));
	meta__clear(&l->m);
	l->place = (int)r->place;
	l->rt_in = l->rt_ask = l->rt_out = r->kind;
	l->rt_cur = r;
	l->id[0] = '\0';
	l->idlen = 0;
	l->read_at = now;
	l->deadline = deadline;
	l->lk.kind = kind;
	l->lk.state = r->state;
	l->lk.id = l->id;
	l->lk.m = &l->m;
	l->err = NULL;
}

/*
 * s found no room for its place: look again (its line read anew). True when it has its place
 * now; otherwise s waits PLACE_AGAIN_MS, or, when its deadline comes first, is done with the
 * reason.
 */
static bool place_again(struct engine *e, struct slot *s, uint64_t now)
{
	const char *err;

	if (rec_parse(&e->out, s->line.data, s->line.len, &err) == 0) {
		lookup_where(e, s, &e->out, now);
		if (s->place >= 0)
			return true;
	}
	if (now + PLACE_AGAIN_MS < s->deadline) {
		lookup_wait(e, s, now + PLACE_AGAIN_MS);
		return false;
	}
	no_room(e, s, now);
	return false;
}

/* A lookup for s, from scratch: check what can be checked without asking, then wait for a turn. */
static void lookup_begin(struct engine *e, struct slot *s, uint64_t now)
{
	enum rt rt = s->rt_ask;
	char msg[64];

	s->lk.kind = s->kind;
	s->lk.m = &s->m;
	s->lk.id = s->id;
	s->rt_cur = NULL;
	s->backoff = BACKOFF_FIRST_MS;
	/* Runtimes known by design, with no API to ask: what the path tells is all there is. */
	if (rt == RT_LXC) {
		/* The id is the container's name (lxc.payload.<name>). */
		if (meta__set(&s->m, M_NAME, s->id, s->idlen) < 0)
			die("out of memory");
		s->have_meta = true;
		lookup_finish(e, s, NULL, now);
		return;
	}
	if (rt == RT_GARDEN) {
		s->have_meta = true;
		lookup_finish(e, s, NULL, now);
		return;
	}
	if (rt != RT_UNKNOWN && (rt >= RT_N || !e->rt[rt].be)) { /* the host's instance of rt */
		snprintf(msg, sizeof(msg), "runtime %s not supported", rt_name(s->rt_in));
		lookup_finish(e, s, msg, now);
		return;
	}
	if (rt != RT_UNKNOWN && !e->rt[rt].be->id_ok(s->id, s->idlen)) {
		lookup_finish(e, s, "invalid container id", now);
		return;
	}
	if (rt == RT_UNKNOWN) {
		bool any = false;

		for (int i = 0; i < RT_N; i++)
			any |= e->rt[i].be && e->rt[i].be->id_ok(s->id, s->idlen);
		if (!any) {
			lookup_finish(e, s, "invalid container id", now);
			return;
		}
	}
	if (list_join(e, s, now)) /* waits for its runtime's list */
		return;
	lookup_wait(e, s, now);
}

void lookup_create(struct engine *e, struct slot *s, uint64_t now)
{
	if (list_answered(e, s, now))
		return;
	s->fetch_failed = false;
	cache_create(e, s);
	lookup_begin(e, s, now);
}

void lookup_remove(struct engine *e, struct slot *s, uint64_t now)
{
	if (cache_remove(e, s)) {
		s->st = S_BLOCKED;
		return;
	}
	s->lk.need_meta = !s->have_meta;
	lookup_begin(e, s, now);
}

/* Start s's next attempt with the next runtime of this round (a transfer is free). */
static void attempt_start(struct engine *e, struct slot *s, uint64_t now)
{
	uint64_t c;
	struct runtime *r;
	int i;

	if (s->group) {
		list_start(e, s, now);
		return;
	}
	if (s->place < 0 && !place_again(e, s, now))
		return;
	c = candidates(e, s, now) & ~s->tried;
	if (!c) {
		/* Nothing (left) to ask. */
		if (s->rt_ask != RT_UNKNOWN || !s->round_err)
			s->round_err = lookup_no_socket(e, s, s->rt_ask, s->round_errbuf,
							sizeof(s->round_errbuf));
		lookup_finish(e, s, s->round_err, now);
		return;
	}
	for (i = 0; !(c & UINT64_C(1) << i); i++)
		;
	r = &e->rt[i];
	s->tried |= UINT64_C(1) << i;
	/* Another runtime starts from a clean scratch; a retry of the same one keeps it. */
	if (s->rt_cur != r)
		memset(s->lk.scratch, 0, sizeof(s->lk.scratch));
	s->rt_cur = r;
	s->rt_out = r->kind;
	s->lk.state = r->state;
	s->lk.step = 0;
	s->lk.err = NULL;
	if (r->kind == RT_PODMAN) {
		long wait = podlog_lookup(e, s, now); /* Podman's event log may answer at once */

		if (wait > 0) {
			s->tried &= ~(UINT64_C(1) << i);
			lookup_wait(e, s, now + (uint64_t)wait);
		}
		if (wait >= 0)
			return;
	}
	transport_start(e, s, now);
}

/* The round (one question to each candidate runtime) is over without an answer. */
static void round_over(struct engine *e, struct slot *s, uint64_t now)
{
	bool retry = s->kind == BE_CREATE ? s->notfound != 0 : s->notyet != 0;
	uint64_t at = now + s->backoff;

	if (retry && at < s->deadline) {
		s->tried = s->notfound = s->notyet = 0;
		s->round_err = NULL;
		s->lk.attempt++;
		s->backoff = s->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff * 2;
		lookup_wait(e, s, at);
		return;
	}
	if (s->notyet)
		lookup_finish(e, s, "timeout", now);
	else if (s->notfound)
		lookup_finish(e, s, "not found", now);
	else
		lookup_finish(e, s, s->round_err ? s->round_err : "not found", now);
}

/* After a runtime did not answer with the container: ask the next one, or end the round. */
static void next_runtime(struct engine *e, struct slot *s, uint64_t now)
{
	if (candidates(e, s, now) & ~s->tried)
		lookup_wait(e, s, now);
	else
		round_over(e, s, now);
}

/* The first error of a round is the one it ends with, when nothing better comes. */
static void round_error(struct slot *s, const char *why)
{
	if (s->round_err)
		return;
	snprintf(s->round_errbuf, sizeof(s->round_errbuf), "%s", why);
	s->round_err = s->round_errbuf;
}

void lookup_failed(struct engine *e, struct slot *s, const char *why, uint64_t now)
{
	struct runtime *r = s->rt_cur;

	/* A socket of a user's or in an outer container that went away is looked for anew (the
	 * container, or the user's daemon, may have been started again). */
	if (r && r->place && (!strncmp(why, "no socket", 9) || !strncmp(why, "connection refused", 18)))
		sockets__lost(e->sockets, r->place, &r->sock);
	if (s->group) {
		list_end(e, s, why, now);
		return;
	}
	if (s->fetch) {
		podlog_fetched(e, s, why, now);
		return;
	}
	round_error(s, why);
	next_runtime(e, s, now);
}

void lookup_answered(struct engine *e, struct slot *s, enum be_result r, uint64_t now)
{
	if (s->group || s->fetch) { /* a list, or a digest asked ahead: one answer is all */
		lookup_finish(e, s, s->lk.err ? s->lk.err : "bad response", now);
		return;
	}
	/* A runtime that knew the id is the one to ask again (its answer is in s->m already). */
	if (s->lk.got_meta)
		s->rt_ask = s->rt_cur->kind;
	switch (r) {
	case BE_NOTFOUND:
		s->notfound |= UINT64_C(1) << s->rt_cur->idx;
		break;
	case BE_NOTYET:
		s->notyet |= UINT64_C(1) << s->rt_cur->idx;
		break;
	case BE_ERROR:
		round_error(s, s->lk.err ? s->lk.err : "bad response");
		break;
	default:
		break;
	}
	next_runtime(e, s, now);
}

/*
 * Of the instances in c, those with a socket to ask now: a path known and a file there (a bit
 * each). *checked and *present carry what one pass over the wait list has seen already.
 */
static uint64_t sockets_present(struct engine *e, uint64_t c, uint64_t *checked,
				uint64_t *present, uint64_t now)
{
	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		struct runtime *r = &e->rt[i];
		uint64_t bit = UINT64_C(1) << i;
		const char *p;
		struct stat st;

		if (!(c & bit) || (*checked & bit))
			continue;
		*checked |= bit;
		p = sockets__path(e->sockets, r->place, r->kind, &r->sock, now);
		if (p && !(stat(p, &st) < 0 && errno == ENOENT))
			*present |= bit;
	}
	return c & *present;
}

/*
 * s waits for a turn while every transfer is busy, and no instance left to ask has a socket: it
 * ends now, as asking would have ended it ("no socket for X"), not at its deadline.
 */
static void no_socket(struct engine *e, struct slot *s, uint64_t c, uint64_t now)
{
	if (s->group) { /* a list (list.c): its records ask alone, and end the same way */
		list_end(e, s,
			 lookup_no_socket(e, s, s->rt_cur->kind, s->round_errbuf,
					  sizeof(s->round_errbuf)),
			 now);
		return;
	}
	if (!c) {
		attempt_start(e, s, now); /* ends it without a transfer */
		return;
	}
	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		char why[sizeof(s->round_errbuf)];

		if (!(c & UINT64_C(1) << i))
			continue;
		round_error(s, lookup_no_socket(e, s, e->rt[i].kind, why, sizeof(why)));
		s->tried |= UINT64_C(1) << i;
	}
	round_over(e, s, now);
}

long lookup_run_waiting(struct engine *e, uint64_t now)
{
	long due = 1000;
	struct slot *s, *next;
	uint64_t checked = 0, present = 0; /* instances whose socket was looked at, and found */

	for (s = e->wait.head; s; s = next) {
		next = s->wnext;
		if (now >= s->deadline) {
			LIST_DEL(&e->wait, s, wprev, wnext);
			/* Waiting to retry after "not found" (create), or for a turn. */
			lookup_expire(e, s, now);
			continue;
		}
		if (s->start_at <= now && transport_free(e)) {
			LIST_DEL(&e->wait, s, wprev, wnext);
			attempt_start(e, s, now);
			continue;
		}
		if (s->start_at <= now && s->place >= 0) {
			uint64_t c = candidates(e, s, now) & ~s->tried;

			if (!sockets_present(e, c, &checked, &present, now)) {
				LIST_DEL(&e->wait, s, wprev, wnext);
				no_socket(e, s, c, now);
				continue;
			}
		}
		if (s->start_at > now && (long)(s->start_at - now) < due)
			due = (long)(s->start_at - now);
		if ((long)(s->deadline - now) < due)
			due = (long)(s->deadline - now);
	}
	return due;
}
