#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct node {
	struct ctr_entry e;
	struct node *hnext;        /* hash chain */
	struct node *older, *newer; /* insertion order, for eviction */
	uint64_t hash;
	size_t len;
	char id[]; /* NUL-terminated */
};

struct ctr_table {
	struct node **bucket;
	size_t nbucket; /* a power of two, at least twice the limit */
	size_t count, limit;
	struct node *oldest, *newest;
	char *evicted; /* id of the last entry evicted */
};

static uint64_t hash_id(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct ctr_table *ctr_table__new(size_t limit)
{
	struct ctr_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->limit = limit ? limit : 1;
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

void ctr_table__free(struct ctr_table *t)
{
	if (!t)
		return;
	for (struct node *n = t->oldest, *next; n; n = next) {
		next = n->newer;
		free(n);
	}
	free(t->bucket);
	free(t->evicted);
	free(t);
}

static struct node **find(struct ctr_table *t, const char *id, size_t len, uint64_t h)
{
	struct node **p = &t->bucket[h & (t->nbucket - 1)];

	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->len == len && !memcmp((*p)->id, id, len))
			break;
	return p;
}

struct ctr_entry *ctr_table__get(struct ctr_table *t, const char *id, size_t len)
{
	struct node *n = *find(t, id, len, hash_id(id, len));

	return n ? &n->e : NULL;
}

static void unlink_node(struct ctr_table *t, struct node *n)
{
	struct node **p = find(t, n->id, n->len, n->hash);

	*p = n->hnext;
	if (n->older)
		n->older->newer = n->newer;
	else
		t->oldest = n->newer;
	if (n->newer)
		n->newer->older = n->older;
	else
		t->newest = n->older;
	t->count--;
}

struct ctr_entry *ctr_table__put(struct ctr_table *t, const char *id, size_t len,
				 const char **evicted_id)
{
	uint64_t h = hash_id(id, len);
	struct node **p = find(t, id, len, h), *n;

	if (evicted_id)
		*evicted_id = NULL;
	if (*p)
		return &(*p)->e;
	if (t->count >= t->limit) {
		struct node *old = t->oldest;

		unlink_node(t, old);
		free(t->evicted);
		t->evicted = old->e.state == CTR_LIVE ? strdup(old->id) : NULL;
		if (evicted_id)
			*evicted_id = t->evicted;
		free(old);
		p = find(t, id, len, h);
	}
	n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	n->e.state = CTR_LIVE;
	n->e.ctime = 0;
	n->hash = h;
	n->len = len;
	memcpy(n->id, id, len);
	n->id[len] = '\0';
	n->hnext = NULL;
	*p = n;
	n->older = t->newest;
	n->newer = NULL;
	if (t->newest)
		t->newest->newer = n;
	else
		t->oldest = n;
	t->newest = n;
	t->count++;
	return &n->e;
}

void ctr_table__touch(struct ctr_table *t, struct ctr_entry *e)
{
	struct node *n = (struct node *)((char *)e - offsetof(struct node, e));

	if (t->newest == n)
		return;
	if (n->older)
		n->older->newer = n->newer;
	else
		t->oldest = n->newer;
	n->newer->older = n->older;
	n->older = t->newest;
	n->newer = NULL;
	t->newest->newer = n;
	t->newest = n;
}

size_t ctr_table__count(const struct ctr_table *t)
{
	return t->count;
}
