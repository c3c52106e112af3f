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
#include "sockets.h"

#define BACKOFF_FIRST_MS 10
#define BACKOFF_MAX_MS 200

static void set_err(struct slot *s, const char *err)
{
	snprintf(s->errbuf, sizeof(s->errbuf), "%s", err);
	s->err = s->errbuf;
}

void lookup_finish(struct engine *e, struct slot *s, const char *err, uint64_t now)
{
	e->lookups++;
	if (s->kind == BE_CREATE) {
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

/*
 * Why a record's deadline ended it: a create the runtime said it did not know, and that was
 * being asked again, is "not found" (what the runtime said), not "timeout".
 */
void lookup_expire(struct engine *e, struct slot *s, uint64_t now)
{
	lookup_finish(e, s, s->lk.attempt && s->kind == BE_CREATE ? "not found" : "timeout", now);
}

/* Runtimes s may ask: a bit each. */
static unsigned candidates(struct engine *e, struct slot *s, uint64_t now)
{
	unsigned c = 0;

	for (int rt = 0; rt < RT_N; rt++) {
		const struct backend *be = e->rt[rt].be;

		if (s->rt_ask != RT_UNKNOWN && s->rt_ask != (enum rt)rt)
			continue;
		if (be && be->id_ok(s->id, s->idlen) && sockets__path(e->sockets, rt, now))
			c |= 1u << rt;
	}
	return c;
}

static void wait_at(struct engine *e, struct slot *s, uint64_t at)
{
	s->st = S_WAIT;
	s->start_at = at;
	LIST_PUSH(&e->wait, s, wprev, wnext);
}

/* A lookup for s, from scratch: check what can be checked without asking, then wait for a turn. */
static void lookup_begin(struct engine *e, struct slot *s, uint64_t now)
{
	enum rt rt = s->rt_ask;
	char msg[64];

	s->lk.kind = s->kind;
	s->lk.m = &s->m;
	s->lk.id = s->id;
	s->backoff = BACKOFF_FIRST_MS;
	if (rt != RT_UNKNOWN && (rt >= RT_N || !e->rt[rt].be)) {
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
	wait_at(e, s, now);
}

void lookup_create(struct engine *e, struct slot *s, uint64_t now)
{
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
	unsigned c = candidates(e, s, now) & ~s->tried;
	int rt;

	if (!c) {
		/* Nothing (left) to ask. */
		if (s->rt_ask != RT_UNKNOWN) {
			snprintf(s->round_errbuf, sizeof(s->round_errbuf), "no socket for %s",
				 rt_name(s->rt_ask));
			lookup_finish(e, s, s->round_errbuf, now);
		} else {
			lookup_finish(e, s, s->round_err ? s->round_err : "no runtime socket", now);
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
	s->lk.state = e->rt[rt].state;
	s->lk.step = 0;
	s->lk.err = NULL;
	if (rt == RT_PODMAN) {
		long wait = podlog_lookup(e, s, now); /* Podman's event log may answer at once */

		if (wait > 0) {
			s->tried &= ~(1u << rt);
			wait_at(e, s, now + (uint64_t)wait);
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
		wait_at(e, s, at);
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
		wait_at(e, s, now);
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
	round_error(s, why);
	next_runtime(e, s, now);
}

void lookup_answered(struct engine *e, struct slot *s, enum be_result r, uint64_t now)
{
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
		round_error(s, s->lk.err ? s->lk.err : "bad response");
		break;
	default:
		break;
	}
	next_runtime(e, s, now);
}

/* Runtimes with a socket to ask now: a path known and a file there (a bit each). */
static unsigned sockets_present(struct engine *e, uint64_t now)
{
	unsigned c = 0;

	for (int rt = 0; rt < RT_N; rt++) {
		const char *p = e->rt[rt].be ? sockets__path(e->sockets, rt, now) : NULL;
		struct stat st;

		if (p && !(stat(p, &st) < 0 && errno == ENOENT))
			c |= 1u << rt;
	}
	return c;
}

/*
 * s waits for a turn while every transfer is busy, and no runtime left to ask has a socket: it
 * ends now, as asking would have ended it ("no socket for X"), not at its deadline.
 */
static void no_socket(struct engine *e, struct slot *s, uint64_t now)
{
	unsigned c = candidates(e, s, now) & ~s->tried;

	if (!c) {
		attempt_start(e, s, now); /* ends it without a transfer */
		return;
	}
	for (int rt = 0; rt < RT_N; rt++) {
		char why[64];

		if (!(c & 1u << rt))
			continue;
		snprintf(why, sizeof(why), "no socket for %s", rt_name(rt));
		round_error(s, why);
		s->tried |= 1u << rt;
	}
	round_over(e, s, now);
}

long lookup_run_waiting(struct engine *e, uint64_t now)
{
	long due = 1000;
	struct slot *s, *next;
	unsigned present = 0;
	bool checked = false; /* present is known */

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
		if (s->start_at <= now) {
			unsigned all = (1u << RT_N) - 1;
			unsigned want = s->rt_ask == RT_UNKNOWN ? all : 1u << s->rt_ask;

			if (!checked)
				present = sockets_present(e, now);
			checked = true;
			if (!(want & present & ~s->tried)) {
				LIST_DEL(&e->wait, s, wprev, wnext);
				no_socket(e, s, now);
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
