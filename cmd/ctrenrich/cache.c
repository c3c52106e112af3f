/*
 * The container cache: what a runtime said at create time, by container id, so that
 * container_remove carries it without asking again. Bounded (common/htab.c): when full, the
 * least recently used entry whose lookup is not still running makes room. Entries leave on
 * removal.
 *
 * The policy: a create record's lookup fills a pending entry for its id; a create seen again
 * drops what was known (it may be stale); a second create while a lookup for the id runs goes
 * alone. A removal takes the entry; while the entry is pending, one removal waits for it (the
 * lookup fills it for both), a second one goes alone.
 *
 * A runtime's list (list.c) fills an entry for each container it names, marked listed: for
 * LISTED_FRESH_MS, an existing_container record of that runtime is answered from it (a scan's
 * container existed before the list). A create record is not: its container is new, and what a
 * list said of an id seen again may be stale. A pending entry (a record waiting for the list)
 * takes the list's answer and stays pending until its record is done.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "htab.h"

struct centry {
	enum rt rt;	     /* the runtime that answered */
	struct meta m;	     /* create-time fields */
	bool pending;	     /* the create lookup is still running: m is not there yet */
	struct slot *waiter; /* pending: a removal waiting for m */
	bool listed;	     /* m is what a list said */
	uint64_t listed_at;
};

#define LISTED_FRESH_MS 60000

struct cache {
	struct htab *t;
};

/* A pending entry stays: its lookup is still running. */
static bool evict(void *value, void *ctx)
{
	struct centry *ce = value;

	(void)ctx;
	if (ce->pending)
		return false;
	meta__clear(&ce->m);
	return true;
}

struct cache *cache__new(size_t cap)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = htab__new(cap, sizeof(struct centry), evict, NULL);
	if (!c->t) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static void del(struct cache *c, struct centry *ce)
{
	meta__clear(&ce->m);
	htab__del(c->t, ce);
}

void cache__free(struct cache *c)
{
	struct centry *ce;

	if (!c)
		return;
	while ((ce = htab__oldest(c->t)))
		del(c, ce);
	htab__free(c->t);
	free(c);
}

/* The entry for id, or NULL; a hit becomes the most recently used. */
static struct centry *get(struct cache *c, const char *id, size_t len)
{
	struct centry *ce = htab__get(c->t, id, len);

	if (ce)
		htab__touch(c->t, ce);
	return ce;
}

void cache_create(struct engine *e, struct slot *s)
{
	struct centry *ce = get(e->cache, s->id, s->idlen);
	bool cacheable = s->rt_in < RT_N || s->rt_in == RT_UNKNOWN;

	if (ce && !ce->pending) {
		del(e->cache, ce); /* seen again: what we knew may be stale */
		ce = NULL;
	} else if (ce) {
		cacheable = false; /* a lookup for it is running already: this one goes alone */
	}
	if (cacheable && (ce = htab__add(e->cache->t, s->id, s->idlen)))
		ce->pending = true;
	s->ce = cacheable ? ce : NULL;
}

void cache_created(struct engine *e, struct slot *s, bool ok, uint64_t now)
{
	struct centry *ce = s->ce;
	struct slot *waiter;

	if (!ce)
		return;
	waiter = ce->waiter;
	s->ce = NULL;
	ce->waiter = NULL;
	if (ok && meta__copy(&ce->m, &s->m) == 0) {
		ce->pending = false;
		ce->listed = false;
		ce->rt = s->rt_out;
	} else {
		del(e->cache, ce);
	}
	if (waiter)
		lookup_remove(e, waiter, now);
}

bool cache_remove(struct engine *e, struct slot *s)
{
	struct centry *ce = get(e->cache, s->id, s->idlen);

	if (ce && ce->pending) {
		if (!ce->waiter) {
			ce->waiter = s;
			return true;
		}
		ce = NULL; /* a second removal of the same id: look it up on its own */
	}
	if (ce) {
		e->cache_hits++;
		meta__move(&s->m, &ce->m);
		s->have_meta = true;
		if (s->rt_ask == RT_UNKNOWN && ce->rt < RT_N)
			s->rt_ask = ce->rt;
		s->rt_out = ce->rt;
		del(e->cache, ce);
	}
	return false;
}

void cache_put_listed(struct engine *e, enum rt rt, const char *id, size_t len, struct meta *m,
		      uint64_t now)
{
	bool added;
	struct centry *ce = htab__put(e->cache->t, id, len, &added);

	if (!ce)
		return; /* full of pending entries: the records ask alone */
	if (ce->pending && ce->listed)
		return; /* named twice: the first answer stays */
	meta__move(&ce->m, m);
	ce->rt = rt;
	ce->listed = true;
	ce->listed_at = now;
}

bool cache_listed(struct engine *e, struct slot *s, uint64_t now)
{
	struct centry *ce = s->ce ? s->ce : get(e->cache, s->id, s->idlen);

	if (!ce || !ce->listed || now >= ce->listed_at + LISTED_FRESH_MS ||
	    (s->rt_ask != RT_UNKNOWN && s->rt_ask != ce->rt) || meta__copy(&s->m, &ce->m) < 0)
		return false;
	s->rt_out = ce->rt;
	return true;
}
