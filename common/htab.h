/*
 * A bounded hash table keyed by byte strings (FNV-1a, chained), its entries kept in least
 * recently used order: the containers ctrdetect has seen, what ctrenrich's runtimes said.
 *
 * The table allocates each entry: value_size bytes for the caller (zeroed, aligned for any
 * type), then a copy of the key. Values are handed out as pointers that stay valid until the
 * entry is deleted or evicted. htab__get does not change the order; htab__touch does.
 *
 * Bounded: adding to a full table evicts the least recently used entry first. An evict
 * callback, when given, is asked about each candidate from the oldest on: it frees what the
 * value owns and returns true, or returns false to keep that entry (the next one is asked).
 */
#ifndef CTRWATCH_HTAB_H
#define CTRWATCH_HTAB_H

#include <stdbool.h>
#include <stddef.h>

struct htab;

/* May the entry holding value (its key: htab__key) be evicted? Free what it owns if so. */
typedef bool htab_evict_fn(void *value, void *ctx);

/*
 * A table of at most limit entries (limit >= 1) of value_size bytes each; evict may be NULL
 * (every entry may go, as it is). NULL with errno set on failure.
 */
struct htab *htab__new(size_t limit, size_t value_size, htab_evict_fn *evict, void *ctx);

/* Free every entry (without calling evict) and the table. NULL is fine. */
void htab__free(struct htab *t);

/* The value of key[0, len), or NULL. */
void *htab__get(const struct htab *t, const void *key, size_t len);

/*
 * A new zeroed entry for key[0, len), which must not be in the table, as the most recently
 * used. When the table is full an entry is evicted first. NULL with errno: ENOSPC when evict
 * kept every entry, ENOMEM.
 */
void *htab__add(struct htab *t, const void *key, size_t len);

/* The value of key[0, len), added as htab__add does when missing (*added tells which). */
void *htab__put(struct htab *t, const void *key, size_t len, bool *added);

/* Make value's entry the most recently used (the last to be evicted). */
void htab__touch(struct htab *t, void *value);

/* Delete value's entry (what the value owns is the caller's to free first). */
void htab__del(struct htab *t, void *value);

/* The least recently used value, or NULL when empty; the next more recent one, or NULL. */
void *htab__oldest(const struct htab *t);
void *htab__newer(const void *value);

/* value's key, NUL-terminated (it may hold NULs too), and its length when len is not NULL. */
const char *htab__key(const void *value, size_t *len);

/* Entries held now. */
size_t htab__count(const struct htab *t);

#endif
