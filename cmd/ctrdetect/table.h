/*
 * The containers ctrdetect has reported, so each lifetime is reported once: a bounded hash
 * table keyed by container id, oldest entry evicted first.
 */
#ifndef CTRDETECT_TABLE_H
#define CTRDETECT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctr_state {
	CTR_LIVE, /* created (or found existing) and not yet removed */
	CTR_GONE, /* removed; kept so removals seen in other hierarchies are not reported again */
};

struct ctr_entry {
	enum ctr_state state;
	int64_t ctime;
};

struct ctr_table;

/* A table of at most limit entries. NULL with errno set on failure. */
struct ctr_table *ctr_table__new(size_t limit);
void ctr_table__free(struct ctr_table *t);

/* The entry for id, or NULL. */
struct ctr_entry *ctr_table__get(struct ctr_table *t, const char *id, size_t len);

/*
 * The entry for id, added (state CTR_LIVE) when missing; the oldest entry is evicted first when
 * the table is full, and *evicted_id (if not NULL) then points to a copy of its id, valid until
 * the next call. NULL when out of memory.
 */
struct ctr_entry *ctr_table__put(struct ctr_table *t, const char *id, size_t len,
				 const char **evicted_id);

/* Make e the newest entry (last to be evicted): called when its state changes. */
void ctr_table__touch(struct ctr_table *t, struct ctr_entry *e);

size_t ctr_table__count(const struct ctr_table *t);

#endif
