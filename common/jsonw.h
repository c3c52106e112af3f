/*
 * A streaming JSON writer: values go straight to a FILE, with commas and nesting tracked.
 *
 * Strings rule (tested in tests/unit): '"' and '\' are backslash-escaped, every byte below 0x20
 * becomes \u00XX, valid UTF-8 is copied as it is, and each byte that is not part of valid UTF-8
 * becomes U+FFFD. The output is therefore always valid UTF-8 JSON, whatever the input bytes.
 *
 * A key of NULL means "no key": the value is an array element or the top-level value.
 */
#ifndef CTRWATCH_JSONW_H
#define CTRWATCH_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	FILE *f;
	unsigned depth;
	bool first[JSONW_MAX_DEPTH]; /* no member written yet at this depth */
};

/* Start writing to f. */
void jsonw_init(struct jsonw *w, FILE *f);

/* Open and close an object or an array. Closing the top-level value ends the line ("\n"). */
void jsonw_obj_open(struct jsonw *w, const char *key);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w, const char *key);
void jsonw_arr_close(struct jsonw *w);

/* Scalar members. jsonw_strn takes a length, so embedded NUL bytes are escaped, not cut. */
void jsonw_str(struct jsonw *w, const char *key, const char *s);
void jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t len);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
void jsonw_null(struct jsonw *w, const char *key);

/* A value that is already valid JSON text (e.g. a number or string copied from input). */
void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len);

/* A whole member `"key":value` that is already valid JSON text (record pass-through). */
void jsonw_raw_member(struct jsonw *w, const char *member, size_t len);

/* Write the escaped body of a JSON string (no quotes) by the rule above. */
void jsonw_escape(FILE *f, const char *s, size_t len);

#endif
