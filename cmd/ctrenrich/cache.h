/*
 * The container cache: what a runtime said at create time, by container id, so that
 * container_remove carries it without asking again. Bounded: when full, the least recently used
 * entry that is not pending makes room. Entries leave on removal.
 */
#ifndef CTRENRICH_CACHE_H
#define CTRENRICH_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

struct centry {
	char id[ID_MAX + 1];
	enum rt rt;    /* the runtime that answered */
	struct meta m; /* create-time fields */
	bool pending;  /* the create lookup is still running: m is not there yet */
	void *owner;   /* pending: the record whose lookup will fill m */
	void *waiter;  /* pending: a removal record waiting for m */
	/* private */
	struct centry *hnext, *prev, *next;
};

struct cache;

/* A cache of at most cap entries (cap >= 1). NULL with errno on failure. */
struct cache *cache__new(size_t cap);
void cache__free(struct cache *c);

/* The entry for id, or NULL; a hit becomes the most recently used. */
struct centry *cache__get(struct cache *c, const char *id);

/*
 * A new pending entry for id (there must be none), evicting the least recently used entry that
 * is not pending when full. NULL when every entry is pending, or on ENOMEM.
 */
struct centry *cache__add(struct cache *c, const char *id);

/* Remove e and free its strings. */
void cache__del(struct cache *c, struct centry *e);

/* Entries now held. */
size_t cache__count(const struct cache *c);

#endif
