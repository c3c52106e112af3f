/*
 * Reading nested JSON (runtime API answers) by path, over jsmn tokens.
 *
 * jp__parse() tokenizes a whole document once (the token array is grown and kept for the next
 * document); values are then found by path from a token and read with typed getters. Tokens
 * point into the caller's buffer: nothing is copied until a string is asked for.
 *
 * A path is a list of segments joined by '.': an object key, or a decimal index into an array.
 * A '.' that is part of a key is written "\.":  "Config.Labels.io\.kubernetes\.pod\.name".
 * Keys are compared as raw JSON text, so a key spelled with escapes in the document does not
 * match (no runtime does that for the keys we read).
 */
#ifndef CTRENRICH_JP_H
#define CTRENRICH_JP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A tokenized document. A zeroed struct jp is ready to use. */
struct jp {
	const char *s;
	size_t len;
	struct buf tok; /* jsmntok_t[], grown as documents need */
	unsigned ntok;
};

/* Free the token array (the struct stays usable). */
void jp__free(struct jp *d);

/* Tokenize s[0, len). 0 on success (token 0 is the top value); -1 on invalid JSON or ENOMEM. */
int jp__parse(struct jp *d, const char *s, size_t len);

/* Token index of the value at path under token `from` (0: the document), or -1. */
int jp__path(const struct jp *d, int from, const char *path);

/* Member `key` (exact, no path syntax) of object token obj, or -1. */
int jp__key(const struct jp *d, int obj, const char *key);

/* Element count of an array or member count of an object token; -1 for other types. */
int jp__size(const struct jp *d, int t);

/* Element i of array token arr, or -1. */
int jp__index(const struct jp *d, int arr, int i);

/* The token after t and everything inside it (the next sibling), or -1 past the end. */
int jp__next(const struct jp *d, int t);

/* True when token t is a string equal (unescaped) to s. */
bool jp__str_eq(const struct jp *d, int t, const char *s);

/*
 * Unescape string token t into a new malloc'd NUL-terminated string (*out, *outlen). \u0000 and
 * lone surrogates become U+FFFD. 0 on success; -1 when t is not a string or on ENOMEM.
 */
int jp__strdup(const struct jp *d, int t, char **out, size_t *outlen);

/* Unescape into buf (cut at cap - 1, NUL-terminated). Full length, or -1 when not a string. */
long jp__str(const struct jp *d, int t, char *buf, size_t cap);

/* Integer and boolean values: 0, or -1 when t is missing (-1) or of another type. */
int jp__i64(const struct jp *d, int t, int64_t *out);
int jp__bool(const struct jp *d, int t, bool *out);

/* True when t is an object / an array. */
bool jp__is_obj(const struct jp *d, int t);
bool jp__is_arr(const struct jp *d, int t);

#endif
