/*
 * Reading one record: a flat JSON object on one line (DESIGN.md, ctr-records(7)).
 *
 * rec_parse() checks the line strictly and notes where each key and value lies in it; nothing is
 * copied or allocated per record (the token array is grown once and reused). Values are then
 * reached by key and read with typed getters; members can be copied verbatim for pass-through.
 *
 * Keys are matched as JSON means them, after decoding: "ev\u0065nt" is "event". A key without
 * a backslash (every key a stage writes) is compared as it stands, at no extra cost.
 */
#ifndef CTRWATCH_REC_H
#define CTRWATCH_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"

enum rec_type {
	REC_STRING,
	REC_NUMBER,
	REC_BOOL,
	REC_NULL,
};

struct rec_tok; /* where a key or value lies in the line, kept out of the callers' sight */

struct rec {
	const char *line;
	size_t len;
	struct rec_tok *tok;
	unsigned cap;
	unsigned nfields;
	int event; /* value index of "event" */
	int ts;    /* value index of "ts" */
	char *kbuf; /* keys with escapes, decoded (grown once, reused) */
	size_t kcap;
};

/* An empty record whose token array grows on demand. */
void rec_init(struct rec *r);
void rec_free(struct rec *r);

/*
 * Parse line[0, len) as a record. 0 on success; -1 with *err set to a static message naming
 * the problem (invalid JSON, a NUL byte, invalid UTF-8, nesting, a missing or mistyped "event"
 * or "ts") otherwise.
 */
int rec_parse(struct rec *r, const char *line, size_t len, const char **err);

/* Number of members; the value index of member i is i (keys and values are paired). */
static inline unsigned rec_nfields(const struct rec *r)
{
	return r->nfields;
}

/* Value index of key (first occurrence, keys decoded), or -1. */
int rec_find(const struct rec *r, const char *key);

/* True when member i's key, decoded, equals key. */
bool rec_key_is(const struct rec *r, int i, const char *key);

/* Member i's key as raw JSON text (no quotes, may hold escapes): to copy it into JSON. */
const char *rec_key(const struct rec *r, int i, size_t *len);

/*
 * Member i's key decoded (valid UTF-8, \u0000 as U+FFFD, not NUL-terminated): to match it
 * against names. Valid until the next rec_parse.
 */
const char *rec_key_text(const struct rec *r, int i, size_t *len);

enum rec_type rec_type(const struct rec *r, int i);

/* Value i as its JSON text, quotes included for strings. */
const char *rec_raw(const struct rec *r, int i, size_t *len);

/* Member i as its JSON text: `"key":value`. */
const char *rec_member(const struct rec *r, int i, size_t *len);

/*
 * Unescape string value i into buf (NUL-terminated, cut to cap - 1 bytes); returns the full
 * length, as snprintf does. -1 when value i is not a string. \u0000 and lone surrogates come
 * out as U+FFFD, so the result is a C string of valid UTF-8.
 */
long rec_str(const struct rec *r, int i, char *buf, size_t cap);

/* True when value i is a string equal to s. */
bool rec_str_eq(const struct rec *r, int i, const char *s);

/* Integer getters: 0, or -1 when value i is not an integer in range. */
int rec_u64(const struct rec *r, int i, uint64_t *out);
int rec_i64(const struct rec *r, int i, int64_t *out);
int rec_bool(const struct rec *r, int i, bool *out);

/* Shorthands by key: -1 when missing or of another type. */
long rec_get_str(const struct rec *r, const char *key, char *buf, size_t cap);
int rec_get_u64(const struct rec *r, const char *key, uint64_t *out);

/*
 * Copy every member whose key (decoded) is not in skip (NULL-terminated, may be NULL), in
 * order: a stage that writes a field itself drops every upstream copy of it, however escaped.
 */
void rec_copy_fields(const struct rec *r, struct jsonw *w, const char *const *skip);

#endif
