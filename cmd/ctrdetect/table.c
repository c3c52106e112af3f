/*
 * The container table: common/htab.c holding a struct ctr_entry per container id, evicting
 * the oldest entry, and keeping the id of a live container it had to forget for the warning.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "htab.h"

struct ctr_table {
	struct htab *t;
	char *evicted; /* id of the last live entry evicted, or NULL */
	bool evicted_now;
};

/* Any entry may go: a live one is remembered, for ctr_table__put to report. */
static bool on_evict(void *value, void *ctx)
{
	struct ctr_table *ct = ctx;
	const struct ctr_entry *e = value;

	free(ct->evicted);
	ct->evicted = e->state == CTR_LIVE ? strdup(htab__key(value, NULL)) : NULL;
	ct->evicted_now = true;
	return true;
}

struct ctr_table *ctr_table__new(size_t limit)
{
	struct ctr_table *ct = calloc(1, sizeof(*ct));

	if (!ct)
		return NULL;
	ct->t = htab__new(limit, sizeof(struct ctr_entry), on_evict, ct);
	if (!ct->t) {
		free(ct);
		errno = ENOMEM;
		return NULL;
	}
	return ct;
}

void ctr_table__free(struct ctr_table *ct)
{
	if (!ct)
		return;
	htab__free(ct->t);
	free(ct->evicted);
	free(ct);
}

struct ctr_entry *ctr_table__get(struct ctr_table *ct, const char *id, size_t len)
{
	return htab__get(ct->t, id, len);
}

struct ctr_entry *ctr_table__put(struct ctr_table *ct, const char *id, size_t len,
				 const char **evicted_id)
{
	struct ctr_entry *e;
	bool added;

	ct->evicted_now = false;
	e = htab__put(ct->t, id, len, &added);
	if (e && added)
		e->state = CTR_LIVE;
	if (evicted_id)
		*evicted_id = ct->evicted_now ? ct->evicted : NULL;
	return e;
}

void ctr_table__touch(struct ctr_table *ct, struct ctr_entry *e)
{
	htab__touch(ct->t, e);
}

size_t ctr_table__count(const struct ctr_table *ct)
{
	return htab__count(ct->t);
}
