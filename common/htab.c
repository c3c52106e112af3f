/* A bounded hash table with least-recently-used eviction: see htab.h. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

struct node {
	struct node *hnext;         /* hash chain */
	struct node *older, *newer; /* least recently used first */
	uint64_t hash;
	char *key; /* after the value, NUL-terminated */
	size_t len;
	max_align_t value[]; /* value_size bytes, then the key */
};

struct htab {
	struct node **bucket;
	size_t nbucket; /* a power of two, at least twice the limit */
	size_t count, limit, value_size;
	struct node *oldest, *newest;
	htab_evict_fn *evict;
	void *ctx;
};

#define NODE(v) ((struct node *)((char *)(v) - offsetof(struct node, value)))

static uint64_t fnv1a(const void *key, size_t len)
{
	const unsigned char *s = key;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

struct htab *htab__new(size_t limit, size_t value_size, htab_evict_fn *evict, void *ctx)
{
	struct htab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->limit = limit ? limit : 1;
	t->value_size = value_size;
	t->evict = evict;
	t->ctx = ctx;
	t->nbucket = 16;
	while (t->nbucket < 2 * t->limit)
		t->nbucket *= 2;
	t->bucket = calloc(t->nbucket, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void htab__free(struct htab *t)
{
	if (!t)
		return;
	for (struct node *n = t->oldest, *next; n; n = next) {
		next = n->newer;
		free(n);
	}
	free(t->bucket);
	free(t);
}

static struct node **find(const struct htab *t, const void *key, size_t len, uint64_t h)
{
	struct node **p = &t->bucket[h & (t->nbucket - 1)];

	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->len == len && !memcmp((*p)->key, key, len))
			break;
	return p;
}

void *htab__get(const struct htab *t, const void *key, size_t len)
{
	struct node *n = *find(t, key, len, fnv1a(key, len));

	return n ? n->value : NULL;
}

static void lru_unlink(struct htab *t, struct node *n)
{
	if (n->older)
		n->older->newer = n->newer;
	else
		t->oldest = n->newer;
	if (n->newer)
		n->newer->older = n->older;
	else
		t->newest = n->older;
}

static void lru_push(struct htab *t, struct node *n)
{
	n->older = t->newest;
	n->newer = NULL;
	if (t->newest)
		t->newest->newer = n;
	else
		t->oldest = n;
	t->newest = n;
}

void htab__del(struct htab *t, void *value)
{
	struct node *n = NODE(value);

	*find(t, n->key, n->len, n->hash) = n->hnext;
	lru_unlink(t, n);
	t->count--;
	free(n);
}

/* A new entry for key (hash h), which is not in the table, evicting first when full. */
static void *add(struct htab *t, const void *key, size_t len, uint64_t h)
{
	struct node *n;
	size_t b;

	if (t->count >= t->limit) {
		for (n = t->oldest; n && t->evict && !t->evict(n->value, t->ctx); n = n->newer)
			;
		if (!n) {
			errno = ENOSPC;
			return NULL;
		}
		htab__del(t, n->value);
	}
	n = calloc(1, sizeof(*n) + t->value_size + len + 1);
	if (!n)
		return NULL;
	n->hash = h;
	n->key = (char *)n->value + t->value_size;
	n->len = len;
	memcpy(n->key, key, len);
	b = h & (t->nbucket - 1);
	n->hnext = t->bucket[b];
	t->bucket[b] = n;
	lru_push(t, n);
	t->count++;
	return n->value;
}

void *htab__add(struct htab *t, const void *key, size_t len)
{
	return add(t, key, len, fnv1a(key, len));
}

void *htab__put(struct htab *t, const void *key, size_t len, bool *added)
{
	uint64_t h = fnv1a(key, len);
	struct node *n = *find(t, key, len, h);

	*added = !n;
	return n ? n->value : add(t, key, len, h);
}

void htab__touch(struct htab *t, void *value)
{
	struct node *n = NODE(value);

	if (t->newest == n)
		return;
	lru_unlink(t, n);
	lru_push(t, n);
}

void *htab__oldest(const struct htab *t)
{
	return t->oldest ? t->oldest->value : NULL;
}

void *htab__newer(const void *value)
{
	const struct node *n = NODE(value);

	return n->newer ? n->newer->value : NULL;
}

const char *htab__key(const void *value, size_t *len)
{
	const struct node *n = NODE(value);

	if (len)
		*len = n->len;
	return n->key;
}

size_t htab__count(const struct htab *t)
{
	return t->count;
}
