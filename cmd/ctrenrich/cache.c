#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

struct cache {
	size_t cap, count, nbucket;
	struct centry **bucket;
	struct centry *head, *tail; /* most recently used first */
};

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

struct cache *cache__new(size_t cap)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cap = cap ? cap : 1;
	c->nbucket = 16;
	while (c->nbucket < c->cap)
		c->nbucket *= 2;
	c->bucket = calloc(c->nbucket, sizeof(*c->bucket));
	if (!c->bucket) {
		free(c);
		return NULL;
	}
	return c;
}

static void lru_unlink(struct cache *c, struct centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct cache *c, struct centry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

struct centry *cache__get(struct cache *c, const char *id)
{
	struct centry *e = c->bucket[hash(id) & (c->nbucket - 1)];

	for (; e; e = e->hnext)
		if (!strcmp(e->id, id))
			break;
	if (e && e != c->head) {
		lru_unlink(c, e);
		lru_push(c, e);
	}
	return e;
}

void cache__del(struct cache *c, struct centry *e)
{
	struct centry **p = &c->bucket[hash(e->id) & (c->nbucket - 1)];

	while (*p && *p != e)
		p = &(*p)->hnext;
	if (*p)
		*p = e->hnext;
	lru_unlink(c, e);
	meta__clear(&e->m);
	free(e);
	c->count--;
}

struct centry *cache__add(struct cache *c, const char *id)
{
	struct centry *e;
	size_t b;

	if (strlen(id) > ID_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (c->count >= c->cap) {
		for (e = c->tail; e && e->pending; e = e->prev)
			;
		if (!e) {
			errno = ENOSPC;
			return NULL;
		}
		cache__del(c, e);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	strcpy(e->id, id);
	e->pending = true;
	b = hash(id) & (c->nbucket - 1);
	e->hnext = c->bucket[b];
	c->bucket[b] = e;
	lru_push(c, e);
	c->count++;
	return e;
}

size_t cache__count(const struct cache *c)
{
	return c->count;
}

void cache__free(struct cache *c)
{
	if (!c)
		return;
	while (c->head)
		cache__del(c, c->head);
	free(c->bucket);
	free(c);
}
