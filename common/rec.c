#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "rec.h"
#include "utf8.h"

struct rec_tok {
	jsmntok_t t;
};

#define TOK(r, i) (&(r)->tok[(i)].t)
/* Member i's key and value tokens (token 0 is the object). */
#define KEY(r, i) TOK(r, 1 + 2 * (i))
#define VAL(r, i) TOK(r, 2 + 2 * (i))

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

void rec_free(struct rec *r)
{
	free(r->tok);
	rec_init(r);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Text from *p to end must be whitespace around exactly one `sep` (or only whitespace if 0). */
static bool gap_ok(const char *s, size_t from, size_t to, char sep)
{
	bool seen = !sep;

	for (size_t i = from; i < to; i++) {
		if (is_ws(s[i]))
			continue;
		if (s[i] != sep || seen)
			return false;
		seen = true;
	}
	return seen;
}

static bool number_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		size_t d = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t d;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

static bool primitive_ok(const char *s, size_t n)
{
	return (n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
	       (n == 4 && !memcmp(s, "null", 4)) || number_ok(s, n);
}

/*
 * True when one of the 8 bytes in x is below 0x20 or at or above 0x80. A byte below 0x20 borrows
 * in the subtraction and sets its top bit; a borrow can only flag bytes above a real hit, so a
 * clear word is exact and a flagged word is looked at byte by byte.
 */
static bool word_needs_look(uint64_t x)
{
	return ((x - 0x2020202020202020u) | x) & 0x8080808080808080u;
}

/* Raw string text: no control bytes, valid UTF-8 (escapes were checked by jsmn). */
static const char *string_check(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c;
		uint64_t w;

		/* Plain printable ASCII, the common case, 8 bytes a step. */
		while (n - i >= sizeof(w)) {
			memcpy(&w, s + i, sizeof(w));
			if (word_needs_look(w))
				break;
			i += sizeof(w);
		}
		if (i == n)
			break;
		c = (unsigned char)s[i];

		if (c < 0x20)
			return "control byte inside a string";
		if (c >= 0x80) {
			size_t k = utf8_valid_len(s + i, n - i);

			if (!k)
				return "invalid UTF-8 in a string";
			i += k - 1;
		}
	}
	return NULL;
}

static size_t tok_begin(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? (size_t)t->start - 1 : (size_t)t->start;
}

static size_t tok_end(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? (size_t)t->end + 1 : (size_t)t->end;
}

static int tokenize(struct rec *r, const char *line, size_t len)
{
	for (;;) {
		jsmn_parser p;
		int n;

		jsmn_init(&p);
		n = r->cap ? jsmn_parse(&p, line, len, (jsmntok_t *)r->tok, r->cap) : JSMN_ERROR_NOMEM;
		if (n != JSMN_ERROR_NOMEM)
			return n;
		/* Grow once for this shape of record; later records reuse the array. */
		unsigned cap = r->cap ? r->cap * 2 : 64;
		struct rec_tok *t = realloc(r->tok, cap * sizeof(*t));

		if (!t)
			return JSMN_ERROR_NOMEM;
		r->tok = t;
		r->cap = cap;
	}
}

int rec_parse(struct rec *r, const char *line, size_t len, const char **err)
{
	const jsmntok_t *o;
	int n;

	r->line = line;
	r->len = len;
	r->nfields = 0;
	r->event = r->ts = -1;
	if (memchr(line, '\0', len)) {
		*err = "NUL byte in line";
		return -1;
	}
	n = tokenize(r, line, len);
	if (n == JSMN_ERROR_NOMEM) {
		*err = "out of memory";
		return -1;
	}
	if (n == JSMN_ERROR_PART) {
		*err = "truncated JSON";
		return -1;
	}
	if (n < 0) {
		*err = "invalid JSON";
		return -1;
	}
	if (n == 0) {
		*err = "empty line";
		return -1;
	}
	o = TOK(r, 0);
	if (o->type != JSMN_OBJECT) {
		*err = "not a JSON object";
		return -1;
	}
	if (!gap_ok(line, 0, (size_t)o->start, 0) || !gap_ok(line, (size_t)o->end, len, 0)) {
		*err = "invalid JSON: text outside the object";
		return -1;
	}
	if (n != 1 + 2 * o->size) {
		*err = "invalid JSON";
		for (int k = 1; k < n; k++)
			if (TOK(r, k)->type == JSMN_OBJECT || TOK(r, k)->type == JSMN_ARRAY)
				*err = "nested object or array (records are flat)";
		return -1;
	}
	r->ntok = (unsigned)n;
	r->nfields = (unsigned)o->size;
	size_t pos = (size_t)o->start + 1;
	for (unsigned i = 0; i < r->nfields; i++) {
		const jsmntok_t *k = KEY(r, i), *v = VAL(r, i);
		const char *e;

		if (k->type != JSMN_STRING) {
			*err = "invalid JSON: a key is not a string";
			return -1;
		}
		if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) {
			*err = "nested object or array (records are flat)";
			return -1;
		}
		if (!gap_ok(line, pos, tok_begin(k), i ? ',' : 0) ||
		    !gap_ok(line, tok_end(k), tok_begin(v), ':')) {
			*err = "invalid JSON";
			return -1;
		}
		e = string_check(line + k->start, (size_t)(k->end - k->start));
		if (!e && v->type == JSMN_STRING)
			e = string_check(line + v->start, (size_t)(v->end - v->start));
		if (!e && v->type == JSMN_PRIMITIVE &&
		    !primitive_ok(line + v->start, (size_t)(v->end - v->start)))
			e = "invalid JSON value";
		if (e) {
			*err = e;
			return -1;
		}
		pos = tok_end(v);
		if (r->event < 0 && rec_key_is(r, (int)i, "event"))
			r->event = (int)i;
		else if (r->ts < 0 && rec_key_is(r, (int)i, "ts"))
			r->ts = (int)i;
	}
	if (!gap_ok(line, pos, (size_t)o->end - 1, 0)) {
		*err = "invalid JSON";
		return -1;
	}
	if (r->event < 0) {
		*err = "missing field \"event\"";
		return -1;
	}
	if (VAL(r, r->event)->type != JSMN_STRING) {
		*err = "field \"event\" is not a string";
		return -1;
	}
	if (r->ts < 0) {
		*err = "missing field \"ts\"";
		return -1;
	}
	int64_t ts;
	if (rec_i64(r, r->ts, &ts) < 0) {
		*err = "field \"ts\" is not an integer";
		return -1;
	}
	return 0;
}

bool rec_key_is(const struct rec *r, int i, const char *key)
{
	const jsmntok_t *k = KEY(r, i);
	size_t n = (size_t)(k->end - k->start);

	return strlen(key) == n && !memcmp(r->line + k->start, key, n);
}

const char *rec_key(const struct rec *r, int i, size_t *len)
{
	const jsmntok_t *k = KEY(r, i);

	*len = (size_t)(k->end - k->start);
	return r->line + k->start;
}

int rec_find(const struct rec *r, const char *key)
{
	size_t n = strlen(key);

	for (unsigned i = 0; i < r->nfields; i++) {
		const jsmntok_t *k = KEY(r, i);

		if ((size_t)(k->end - k->start) == n && !memcmp(r->line + k->start, key, n))
			return (int)i;
	}
	return -1;
}

enum rec_type rec_type(const struct rec *r, int i)
{
	const jsmntok_t *v = VAL(r, i);
	char c = r->line[v->start];

	if (v->type == JSMN_STRING)
		return REC_STRING;
	if (c == 't' || c == 'f')
		return REC_BOOL;
	if (c == 'n')
		return REC_NULL;
	return REC_NUMBER;
}

const char *rec_raw(const struct rec *r, int i, size_t *len)
{
	const jsmntok_t *v = VAL(r, i);

	*len = tok_end(v) - tok_begin(v);
	return r->line + tok_begin(v);
}

const char *rec_member(const struct rec *r, int i, size_t *len)
{
	size_t b = tok_begin(KEY(r, i));

	*len = tok_end(VAL(r, i)) - b;
	return r->line + b;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint32_t hex4(const char *s)
{
	return (uint32_t)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 |
			  hexval(s[3]));
}

long rec_str(const struct rec *r, int i, char *buf, size_t cap)
{
	const jsmntok_t *v = VAL(r, i);
	const char *s = r->line + v->start, *end = r->line + v->end;
	size_t o = 0;

	if (v->type != JSMN_STRING)
		return -1;
	while (s < end) {
		char tmp[4];
		size_t n = 1;
		const char *src = s;

		if (*s != '\\') {
			s++;
		} else {
			char c = s[1];

			s += 2;
			src = tmp;
			switch (c) {
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				uint32_t cp = hex4(s);

				s += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && end - s >= 6 && s[0] == '\\' &&
				    s[1] == 'u') {
					uint32_t lo = hex4(s + 2);

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
						s += 6;
					}
				}
				if (cp >= 0xd800 && cp < 0xe000)
					cp = 0xfffd; /* a lone surrogate has no UTF-8 form */
				n = utf8_encode(tmp, cp);
				break;
			}
			default: tmp[0] = c; break; /* '"', '\\', '/' */
			}
		}
		for (size_t k = 0; k < n; k++, o++)
			if (o + 1 < cap)
				buf[o] = src[k];
	}
	if (cap)
		buf[o < cap ? o : cap - 1] = '\0';
	return (long)o;
}

bool rec_str_eq(const struct rec *r, int i, const char *s)
{
	const jsmntok_t *v = VAL(r, i);
	size_t n = (size_t)(v->end - v->start), sl = strlen(s);

	if (v->type != JSMN_STRING)
		return false;
	if (!memchr(r->line + v->start, '\\', n))
		return n == sl && !memcmp(r->line + v->start, s, n);
	char buf[256];
	long got = rec_str(r, i, buf, sizeof(buf));
	return got >= 0 && (size_t)got == sl && sl < sizeof(buf) && !memcmp(buf, s, sl);
}

static int digits_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		if (x > (UINT64_MAX - (uint64_t)(s[k] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[k] - '0');
	}
	*out = x;
	return 0;
}

int rec_u64(const struct rec *r, int i, uint64_t *out)
{
	const jsmntok_t *v = VAL(r, i);

	if (v->type != JSMN_PRIMITIVE)
		return -1;
	return digits_u64(r->line + v->start, (size_t)(v->end - v->start), out);
}

int rec_i64(const struct rec *r, int i, int64_t *out)
{
	const jsmntok_t *v = VAL(r, i);
	const char *s = r->line + v->start;
	size_t n = (size_t)(v->end - v->start);
	bool neg = n && s[0] == '-';
	uint64_t x;

	if (v->type != JSMN_PRIMITIVE || digits_u64(s + neg, n - neg, &x) < 0)
		return -1;
	if (neg) {
		if (x > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
		return 0;
	}
	if (x > INT64_MAX)
		return -1;
	*out = (int64_t)x;
	return 0;
}

int rec_bool(const struct rec *r, int i, bool *out)
{
	if (rec_type(r, i) != REC_BOOL)
		return -1;
	*out = r->line[VAL(r, i)->start] == 't';
	return 0;
}

long rec_get_str(const struct rec *r, const char *key, char *buf, size_t cap)
{
	int i = rec_find(r, key);

	return i < 0 ? -1 : rec_str(r, i, buf, cap);
}

int rec_get_u64(const struct rec *r, const char *key, uint64_t *out)
{
	int i = rec_find(r, key);

	return i < 0 ? -1 : rec_u64(r, i, out);
}

void rec_copy_fields(const struct rec *r, struct jsonw *w, const char *const *skip)
{
	for (unsigned i = 0; i < r->nfields; i++) {
		const char *m;
		size_t len;
		bool drop = false;

		for (const char *const *k = skip; k && *k && !drop; k++)
			drop = rec_key_is(r, (int)i, *k);
		if (drop)
			continue;
		m = rec_member(r, (int)i, &len);
		jsonw_raw_member(w, m, len);
	}
}
