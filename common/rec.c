/*
 * The record reader: one pass over the line that checks it is a flat JSON object (RFC 8259,
 * strictly: no trailing commas, no bare words, valid escapes, no control bytes, valid UTF-8) and
 * notes where each key and value lies. Records are flat by contract, so a generic tokenizer's
 * nesting machinery and the second pass it needed for what it does not check are not needed:
 * this pass is the hot path of every stage (ctrfmt spent half its time in jsmn and the checks
 * after it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "rec_schema.h"
#include "utf8.h"

struct rec_tok {
	uint32_t start, end; /* a string's text without its quotes */
	bool string;
	bool esc; /* a key with escapes: its decoded text is at r->kbuf + start, NUL-terminated */
};

/* Member i's key and value. */
#define KEY(r, i) (&(r)->tok[2 * (i)])
#define VAL(r, i) (&(r)->tok[2 * (i) + 1])

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

void rec_free(struct rec *r)
{
	free(r->tok);
	free(r->kbuf);
	rec_init(r);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_digits(const char *p, const char *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/*
 * p is just past an opening quote: the closing quote, or NULL with *err. *esc is set when the
 * string holds an escape.
 */
static const char *scan_string(const char *p, const char *end, const char **err, bool *esc)
{
	for (;;) {
		unsigned char c;

		p += ascii_run(p, (size_t)(end - p), '"', '\\');
		if (p == end) {
			*err = "truncated JSON";
			return NULL;
		}
		c = (unsigned char)*p;
		if (c == '"')
			return p;
		if (c == '\\') {
			*esc = true;
			if (end - p < 2) {
				*err = "truncated JSON";
				return NULL;
			}
			if (p[1] == 'u') {
				for (int k = 2; k < 6; k++)
					if (end - p <= k || hex_digit(p[k]) < 0) {
						*err = end - p <= k ? "truncated JSON"
								    : "invalid JSON";
						return NULL;
					}
				p += 6;
			} else if (strchr("\"\\/bfnrt", p[1]) && p[1]) {
				p += 2;
			} else {
				*err = "invalid JSON";
				return NULL;
			}
		} else if (c < 0x20) {
			*err = "control byte inside a string";
			return NULL;
		} else if (c >= 0x80) {
			size_t k = utf8_valid_len(p, (size_t)(end - p));

			if (!k) {
				*err = "invalid UTF-8 in a string";
				return NULL;
			}
			p += k;
		} else {
			p++;
		}
	}
}

/* A number, true, false or null at p: its end, or NULL when there is none. */
static const char *scan_primitive(const char *p, const char *end)
{
	static const char *const words[] = {"true", "false", "null"};
	const char *d;

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		size_t n = strlen(words[k]);

		if ((size_t)(end - p) >= n && !memcmp(p, words[k], n))
			return p + n;
	}
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		p = skip_digits(p, end);
	else
		return NULL;
	if (p < end && *p == '.') {
		d = p + 1;
		p = skip_digits(d, end);
		if (p == d)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		p = skip_digits(d, end);
		if (p == d)
			return NULL;
	}
	return p;
}

/* A token's text with a string's quotes. */
static size_t tok_begin(const struct rec_tok *t)
{
	return t->string ? t->start - 1 : t->start;
}

static size_t tok_end(const struct rec_tok *t)
{
	return t->string ? t->end + 1u : t->end;
}

/* Room for member n (the array grows once for the widest record and is reused). */
static int reserve(struct rec *r, unsigned n)
{
	if (2 * n + 2 <= r->cap)
		return 0;
	unsigned cap = r->cap ? r->cap * 2 : 64;
	struct rec_tok *t = realloc(r->tok, cap * sizeof(*t));

	if (!t)
		return -1;
	r->tok = t;
	r->cap = cap;
	return 0;
}

static void set_tok(struct rec_tok *t, const char *line, const char *b, const char *e, bool str)
{
	t->start = (uint32_t)(b - line);
	t->end = (uint32_t)(e - line);
	t->string = str;
	t->esc = false;
}

/*
 * Decode key k (it holds escapes) into r->kbuf at its own offset: unescaping never grows text,
 * so every key fits in place. kbuf grows once, to the longest line with such a key.
 */
static int decode_key(struct rec *r, struct rec_tok *k)
{
	const char *s = r->line + k->start, *end = r->line + k->end;
	char *o;

	if (r->kcap < r->len + 1) {
		char *b = realloc(r->kbuf, r->len + 1);

		if (!b)
			return -1;
		r->kbuf = b;
		r->kcap = r->len + 1;
	}
	o = r->kbuf + k->start;
	while (s < end) {
		size_t used = 1;

		if (*s == '\\') {
			o += json_unescape_utf8(s, (size_t)(end - s), o, &used);
		} else {
			*o++ = *s;
		}
		s += used;
	}
	*o = '\0';
	k->esc = true;
	return 0;
}

/* Key k equals key[0, n), once decoded. */
static bool key_eq(const struct rec *r, const struct rec_tok *k, const char *key, size_t n)
{
	if (k->esc)
		return !strcmp(r->kbuf + k->start, key);
	return (size_t)(k->end - k->start) == n && !memcmp(r->line + k->start, key, n);
}

/* A line that is not an object: a lone value is "not a JSON object", anything else invalid. */
static const char *not_object(const char *p, const char *end)
{
	const char *q = NULL, *e;

	if (*p == '[')
		return "not a JSON object";
	bool esc;

	if (*p == '"')
		q = scan_string(p + 1, end, &e, &esc);
	else
		q = scan_primitive(p, end);
	return q && skip_ws(q + (*p == '"'), end) == end ? "not a JSON object" : "invalid JSON";
}

/* The members of the object whose '{' is just before p; *err on failure. */
static int scan_members(struct rec *r, const char *line, const char *p, const char *end,
			const char **err)
{
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return (int)(skip_ws(p + 1, end) - line);
	for (;;) {
		const char *kb, *ke, *vb, *ve;
		bool esc;

		if (p == end)
			goto truncated;
		if (*p != '"')
			goto invalid;
		kb = p + 1;
		esc = false;
		ke = scan_string(kb, end, err, &esc);
		if (!ke)
			return -1;
		p = skip_ws(ke + 1, end);
		if (p == end)
			goto truncated;
		if (*p != ':')
			goto invalid;
		p = skip_ws(p + 1, end);
		if (p == end)
			goto truncated;
		if (reserve(r, r->nfields) < 0) {
			*err = "out of memory";
			return -1;
		}
		set_tok(KEY(r, r->nfields), line, kb, ke, true);
		if (esc && decode_key(r, KEY(r, r->nfields)) < 0) {
			*err = "out of memory";
			return -1;
		}
		if (*p == '"') {
			bool vesc;

			vb = p + 1;
			ve = scan_string(vb, end, err, &vesc);
			if (!ve)
				return -1;
			set_tok(VAL(r, r->nfields), line, vb, ve, true);
			p = ve + 1;
		} else if (*p == '{' || *p == '[') {
			*err = "nested object or array (records are flat)";
			return -1;
		} else if (*p == '-' || is_digit(*p) || *p == 't' || *p == 'f' || *p == 'n') {
			vb = p;
			ve = scan_primitive(vb, end);
			/* A value runs to a separator: "01", "tru", "truex" are no values. */
			if (!ve || (ve < end && !is_ws(*ve) && *ve != ',' && *ve != '}')) {
				*err = "invalid JSON value";
				return -1;
			}
			set_tok(VAL(r, r->nfields), line, vb, ve, false);
			p = ve;
		} else {
			goto invalid;
		}
		r->nfields++;
		p = skip_ws(p, end);
		if (p == end)
			goto truncated;
		if (*p == '}')
			return (int)(p + 1 - line);
		if (*p != ',')
			goto invalid;
		p = skip_ws(p + 1, end);
	}
truncated:
	*err = "truncated JSON";
	return -1;
invalid:
	*err = "invalid JSON";
	return -1;
}

int rec_parse(struct rec *r, const char *line, size_t len, const char **err)
{
	const char *end = line + len, *p;
	int64_t ts;
	int after;

	r->line = line;
	r->len = len;
	r->nfields = 0;
	r->event = r->ts = -1;
	if (len > INT32_MAX) {
		*err = "line too long";
		return -1;
	}
	if (memchr(line, '\0', len)) {
		*err = "NUL byte in line";
		return -1;
	}
	p = skip_ws(line, end);
	if (p == end) {
		*err = "empty line";
		return -1;
	}
	if (*p != '{') {
		*err = not_object(p, end);
		return -1;
	}
	after = scan_members(r, line, p + 1, end, err);
	if (after < 0)
		return -1;
	if (skip_ws(line + after, end) != end) {
		*err = "invalid JSON";
		return -1;
	}
	for (unsigned i = 0; i < r->nfields && (r->event < 0 || r->ts < 0); i++) {
		if (r->event < 0 && rec_key_is(r, (int)i, REC_F_EVENT))
			r->event = (int)i;
		else if (r->ts < 0 && rec_key_is(r, (int)i, REC_F_TS))
			r->ts = (int)i;
	}
	if (r->event < 0) {
		*err = "missing field \"event\"";
		return -1;
	}
	if (!VAL(r, r->event)->string) {
		*err = "field \"event\" is not a string";
		return -1;
	}
	if (r->ts < 0) {
		*err = "missing field \"ts\"";
		return -1;
	}
	if (rec_i64(r, r->ts, &ts) < 0) {
		*err = "field \"ts\" is not an integer";
		return -1;
	}
	return 0;
}

bool rec_key_is(const struct rec *r, int i, const char *key)
{
	return key_eq(r, KEY(r, i), key, strlen(key));
}

const char *rec_key(const struct rec *r, int i, size_t *len)
{
	const struct rec_tok *k = KEY(r, i);

	*len = (size_t)(k->end - k->start);
	return r->line + k->start;
}

const char *rec_key_text(const struct rec *r, int i, size_t *len)
{
	const struct rec_tok *k = KEY(r, i);

	if (!k->esc)
		return rec_key(r, i, len);
	*len = strlen(r->kbuf + k->start);
	return r->kbuf + k->start;
}

int rec_find(const struct rec *r, const char *key)
{
	size_t n = strlen(key);

	for (unsigned i = 0; i < r->nfields; i++)
		if (key_eq(r, KEY(r, i), key, n))
			return (int)i;
	return -1;
}

enum rec_type rec_type(const struct rec *r, int i)
{
	const struct rec_tok *v = VAL(r, i);
	char c = r->line[v->start];

	if (v->string)
		return REC_STRING;
	if (c == 't' || c == 'f')
		return REC_BOOL;
	if (c == 'n')
		return REC_NULL;
	return REC_NUMBER;
}

const char *rec_raw(const struct rec *r, int i, size_t *len)
{
	const struct rec_tok *v = VAL(r, i);

	*len = tok_end(v) - tok_begin(v);
	return r->line + tok_begin(v);
}

const char *rec_member(const struct rec *r, int i, size_t *len)
{
	size_t b = tok_begin(KEY(r, i));

	*len = tok_end(VAL(r, i)) - b;
	return r->line + b;
}

long rec_str(const struct rec *r, int i, char *buf, size_t cap)
{
	const struct rec_tok *v = VAL(r, i);
	const char *s = r->line + v->start, *end = r->line + v->end;
	size_t o = 0;

	if (!v->string)
		return -1;
	if (!memchr(s, '\\', (size_t)(end - s))) { /* nothing to unescape */
		o = (size_t)(end - s);
		if (cap) {
			size_t c = o < cap ? o : cap - 1;

			memcpy(buf, s, c);
			buf[c] = '\0';
		}
		return (long)o;
	}
	while (s < end) {
		char tmp[4];
		size_t n = 1, used = 1;
		const char *src = s;

		if (*s == '\\') {
			n = json_unescape_utf8(s, (size_t)(end - s), tmp, &used);
			src = tmp;
		}
		s += used;
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
	const struct rec_tok *v = VAL(r, i);
	size_t n = (size_t)(v->end - v->start), sl = strlen(s);

	if (!v->string)
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
	const struct rec_tok *v = VAL(r, i);

	if (v->string)
		return -1;
	return digits_u64(r->line + v->start, (size_t)(v->end - v->start), out);
}

int rec_i64(const struct rec *r, int i, int64_t *out)
{
	const struct rec_tok *v = VAL(r, i);
	const char *s = r->line + v->start;
	size_t n = (size_t)(v->end - v->start);
	bool neg = n && s[0] == '-';
	uint64_t x;

	if (v->string || digits_u64(s + neg, n - neg, &x) < 0)
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
