/*
 * One request for many records of one runtime (DESIGN.md: costs that do not grow with the host).
 *
 * A list answers the start-up scan's burst of existing_container records. The first of them
 * whose runtime instance (struct runtime: one socket) can list (struct backend's list) starts a
 * list of every container that instance has; it, and those that come while the list runs, wait for
 * it (BLOCKED). The list's answers go into the cache (cache_put_listed), so each waiting record is
 * then done from the cache, as are the existing_container records that come later (list_answered)
 * and the removals. A record the list did not know (or all of them, when the list failed) is looked
 * up on its own; a runtime is listed again only after LIST_AGAIN_MS, so a lone record is never a
 * reason for a list.
 *
 * The list is a lookup of its own: group.lead, a slot outside the queue, which lookup.c starts
 * and ends like any record's (its hooks call list_start and list_end). Its deadline is the one of
 * the first record it answers: the records that join later have later deadlines, so none waits
 * past its own, and when the list ends after a record's deadline, that record says "timeout".
 */
#include <string.h>

#include "engine.h"
#include "log.h"
#include "sockets.h"

#define LIST_AGAIN_MS 60000

/* s waits for a transfer, to ask alone (lookup_wait, for a slot outside the queue). */
static void alone(struct engine *e, struct slot *s, uint64_t now)
{
	s->st = S_WAIT;
	s->start_at = now;
	LIST_PUSH(&e->wait, s, wprev, wnext);
}

/* Open instance r's list, with first's deadline: it waits for its turn. */
static void lead_open(struct engine *e, struct runtime *r, const struct slot *first, uint64_t now)
{
	struct group *g = &r->list;
	struct slot *l = &g->lead;

	lookup_lead(l, r, BE_LIST, first->deadline, now);
	l->group = g;
	g->e = e;
	g->r = r;
	g->busy = true;
	alone(e, l, now);
}

bool list_join(struct engine *e, struct slot *s, uint64_t now)
{
	struct runtime *r;
	struct group *g;

	if (!s->existing || s->kind != BE_CREATE || s->rt_ask >= RT_N || s->place < 0)
		return false;
	r = &e->rt[(unsigned)s->place * RT_N + s->rt_ask];
	g = &r->list;
	if (!r->be || !r->be->list || !sockets__path(e->sockets, r->place, r->kind, &r->sock, now))
		return false;
	if (!g->busy) {
		if (g->done_at && now - g->done_at < LIST_AGAIN_MS)
			return false; /* listed lately, without this id */
		lead_open(e, r, s, now);
	}
	s->st = S_BLOCKED;
	LIST_PUSH(&g->waiting, s, wprev, wnext);
	return true;
}

bool list_answered(struct engine *e, struct slot *s, uint64_t now)
{
	if (!s->existing || s->rt_ask >= RT_N || !cache_listed(e, s, now))
		return false;
	e->cache_hits++;
	s->lk.kind = s->kind;
	lookup_finish(e, s, NULL, now);
	return true;
}

/* A container a list answered. */
static void put(void *ctx, const char *id, size_t len, struct meta *m)
{
	struct group *g = ctx;

	cache_put_listed(g->e, g->r->kind, id, len, m, engine_now_ms());
}

void list_start(struct engine *e, struct slot *lead, uint64_t now)
{
	lead->lk.put = put;
	lead->lk.put_ctx = lead->group;
	lead->lk.step = 0;
	transport_start(e, lead, now);
}

/* The list ended: each waiting record is done from the cache, or asks alone. */
static void list_done(struct engine *e, struct group *g, const char *err, uint64_t now)
{
	unsigned long hit = 0, alone_n = 0;
	struct slot *s;

	g->done_at = now;
	while ((s = g->waiting.head)) {
		LIST_DEL(&g->waiting, s, wprev, wnext);
		if (cache_listed(e, s, now)) {
			hit++;
			lookup_finish(e, s, NULL, now);
		} else if (now >= s->deadline) {
			lookup_expire(e, s, now);
		} else {
			alone_n++;
			alone(e, s, now);
		}
	}
	e->cache_hits += hit;
	verbose("%s%s: list %s after %llu ms: %lu records answered, %lu ask alone",
		rt_name(g->r->kind), sockets__where(e->sockets, g->r->place), err ? err : "done",
		(unsigned long long)(now - g->lead.read_at), hit, alone_n);
}

void list_end(struct engine *e, struct slot *lead, const char *err, uint64_t now)
{
	struct group *g = lead->group;

	g->busy = false;
	lead->st = S_FREE;
	meta__clear(&lead->m);
	if (err)
		e->errors++;
	list_done(e, g, err, now);
}
