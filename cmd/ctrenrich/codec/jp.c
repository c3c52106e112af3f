/* Reading runtimes' JSON answers by path, over jsmn tokens: see jp.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "jp.h"
#include "utf8.h"

#define TOK(d, i) (&((jsmntok_t *)(d)->tok.data)[(i)])
#define TOK_FIRST 256 /* tokens of the first array; it doubles when a document needs more */

void jp__free(struct jp *d)
{
	buf__free(&d->tok);
	d->ntok = 0;
}

int jp__parse(struct jp *d, const char *s, size_t len)
{
	d->s = s;
	d->len = len;
	d->ntok = 0;
	if (len > INT_MAX) /* jsmn's offsets are int */
		return -1;
	buf__reset(&d->tok);
	if (buf__reserve(&d->tok, TOK_FIRST * sizeof(jsmntok_t)))
		return -1;
	for (;;) {
		unsigned cap = (unsigned)(d->tok.cap / sizeof(jsmntok_t));
		jsmn_parser p;
		int n;

		jsmn_init(&p);
		n = jsmn_parse(&p, s, len, (jsmntok_t *)d->tok.data, cap);
		if (n == JSMN_ERROR_NOMEM) {
			if (buf__reserve(&d->tok, d->tok.cap + 1)) /* twice the tokens */
				return -1;
			continue;
		}
		if (n < 1)
			return -1;
		/* One value and only whitespace after it. */
		for (size_t i = (size_t)TOK(d, 0)->end; i < len; i++)
			if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
				return -1;
		d->ntok = (unsigned)n;
		return 0;
	}
}

/*
 * Index of the token after t and its whole subtree. Every token's size counts its direct children:
 * an object's keys, a key's value, an array's elements. Counting by size alone, not by type,
 * also stays in step with what jsmn accepts in odd input such as ["k": 1], where the string "k"
 * gets the 1 as its child.
 */
static int skip(const struct jp *d, int t)
{
	int todo = 1;

	while (todo > 0 && (unsigned)t < d->ntok) {
		todo--;
		todo += TOK(d, t)->size;
		t++;
	}
	return t;
}

static bool valid(const struct jp *d, int t)
{
	return t >= 0 && (unsigned)t < d->ntok;
}

static int key_n(const struct jp *d, int obj, const char *key, size_t klen)
{
	const jsmntok_t *o;
	int t;

	if (!valid(d, obj) || (o = TOK(d, obj))->type != JSMN_OBJECT)
		return -1;
	t = obj + 1;
	for (int i = 0; i < o->size && valid(d, t); i++) {
		const jsmntok_t *k = TOK(d, t);

		if (k->type == JSMN_STRING && k->size == 1 && (size_t)(k->end - k->start) == klen &&
		    !memcmp(d->s + k->start, key, klen))
			return valid(d, t + 1) ? t + 1 : -1;
		t = skip(d, t); /* the key and its value */
	}
	return -1;
}

int jp__key(const struct jp *d, int obj, const char *key)
{
	return key_n(d, obj, key, strlen(key));
}

int jp__index(const struct jp *d, int arr, int i)
{
	const jsmntok_t *a;
	int t;

	if (!valid(d, arr) || (a = TOK(d, arr))->type != JSMN_ARRAY || i < 0 || i >= a->size)
		return -1;
	t = arr + 1;
	while (i-- > 0)
		t = skip(d, t);
	return valid(d, t) ? t : -1;
}

int jp__next(const struct jp *d, int t)
{
	if (!valid(d, t))
		return -1;
	t = skip(d, t);
	return valid(d, t) ? t : -1;
}

int jp__size(const struct jp *d, int t)
{
	if (!valid(d, t))
		return -1;
	if (TOK(d, t)->type != JSMN_OBJECT && TOK(d, t)->type != JSMN_ARRAY)
		return -1;
	return TOK(d, t)->size;
}

bool jp__is_obj(const struct jp *d, int t)
{
	return valid(d, t) && TOK(d, t)->type == JSMN_OBJECT;
}

bool jp__is_arr(const struct jp *d, int t)
{
	return valid(d, t) && TOK(d, t)->type == JSMN_ARRAY;
}

int jp__path(const struct jp *d, int from, const char *path)
{
	char seg[256];
	int t = from;

	while (valid(d, t) && *path) {
		size_t n = 0;

		/* One segment, "\." standing for a '.' inside it. */
		for (; *path && *path != '.'; path++) {
			if (path[0] == '\\' && path[1] == '.')
				path++;
			if (n + 1 >= sizeof(seg))
				return -1;
			seg[n++] = *path;
		}
		seg[n] = '\0';
		if (*path == '.')
			path++;
		if (TOK(d, t)->type == JSMN_ARRAY) {
			char *end;
			long i = strtol(seg, &end, 10);

			if (!n || *end || i < 0 || i > INT_MAX)
				return -1;
			t = jp__index(d, t, (int)i);
		} else {
			t = key_n(d, t, seg, n);
		}
	}
	return valid(d, t) ? t : -1;
}

/* Unescape s[0, n) into o (room for n bytes: escapes never grow). Returns the length. */
static size_t unescape(const char *s, size_t n, char *o)
{
	const char *end = s + n;
	size_t k = 0;

	while (s < end) {
		size_t used;

		if (*s != '\\') {
			o[k++] = *s++;
			continue;
		}
		k += json_unescape_utf8(s, (size_t)(end - s), o + k, &used);
		s += used;
	}
	return k;
}

int jp__strdup(const struct jp *d, int t, char **out, size_t *outlen)
{
	const jsmntok_t *k;
	size_t n;
	char *p;

	*out = NULL;
	if (!valid(d, t) || (k = TOK(d, t))->type != JSMN_STRING)
		return -1;
	n = (size_t)(k->end - k->start);
	p = malloc(n + 1);
	if (!p)
		return -1;
	n = unescape(d->s + k->start, n, p);
	p[n] = '\0';
	*out = p;
	if (outlen)
		*outlen = n;
	return 0;
}

long jp__str(const struct jp *d, int t, char *buf, size_t cap)
{
	char *p;
	size_t n;

	if (jp__strdup(d, t, &p, &n) < 0)
		return -1;
	if (cap) {
		size_t c = n < cap - 1 ? n : cap - 1;

		memcpy(buf, p, c);
		buf[c] = '\0';
	}
	free(p);
	return (long)n;
}

bool jp__str_eq(const struct jp *d, int t, const char *s)
{
	const jsmntok_t *k;
	size_t n = strlen(s);

	if (!valid(d, t) || (k = TOK(d, t))->type != JSMN_STRING)
		return false;
	/* Fast path: no escapes in the token. */
	if (!memchr(d->s + k->start, '\\', (size_t)(k->end - k->start)))
		return (size_t)(k->end - k->start) == n && !memcmp(d->s + k->start, s, n);
	{
		char *p;
		size_t m;
		bool eq;

		if (jp__strdup(d, t, &p, &m) < 0)
			return false;
		eq = m == n && !memcmp(p, s, n);
		free(p);
		return eq;
	}
}

int jp__i64(const struct jp *d, int t, int64_t *out)
{
	const jsmntok_t *k;
	char buf[32], *end;
	size_t n;
	long long v;

	if (!valid(d, t) || (k = TOK(d, t))->type != JSMN_PRIMITIVE)
		return -1;
	n = (size_t)(k->end - k->start);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, d->s + k->start, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int jp__bool(const struct jp *d, int t, bool *out)
{
	const jsmntok_t *k;

	if (!valid(d, t) || (k = TOK(d, t))->type != JSMN_PRIMITIVE)
		return -1;
	if (k->end - k->start == 4 && !memcmp(d->s + k->start, "true", 4))
		*out = true;
	else if (k->end - k->start == 5 && !memcmp(d->s + k->start, "false", 5))
		*out = false;
	else
		return -1;
	return 0;
}
