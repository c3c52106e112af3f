#define _GNU_SOURCE
#include <string.h>

#include "jsonw.h"
#include "utf8.h"

static const char hex[] = "0123456789abcdef";

/*
 * Code points from U+0080 up that the terminal-safe mode escapes: general categories Cc, Cf,
 * Zl and Zp, and the surrogates (Unicode 14.0, made with Python's unicodedata).
 */
/* ---- output: the writer's buffer, handed to the FILE when a top-level value ends ---- */

static void spill(struct jsonw *w)
{
	if (w->len) {
		fwrite_unlocked(w->buf, 1, w->len, w->f);
		w->len = 0;
	}
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	if (JSONW_BUF - w->len < n) {
		spill(w);
		if (n >= JSONW_BUF) {
			fwrite_unlocked(s, 1, n, w->f);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void put_c(struct jsonw *w, char c)
{
	if (w->len == JSONW_BUF)
		spill(w);
	w->buf[w->len++] = c;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* A value is written: at the top level it is complete, and goes out. */
static inline void done(struct jsonw *w)
{
	if (!w->depth)
		spill(w);
}

static void put_u_escape(struct jsonw *w, uint32_t u)
{
	char e[6] = {'\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15], hex[u >> 4 & 15], hex[u & 15]};

	put(w, e, sizeof(e));
}

/* The valid UTF-8 sequence s[0, n): as it is, or escaped when the terminal rule says so. */
static void put_char(struct jsonw *w, const char *s, size_t n)
{
	uint32_t cp;

	if (!w->terminal || !utf8_unsafe(cp = utf8_decode(s, n))) {
		put(w, s, n);
	} else if (cp > 0xffff) {
		put_u_escape(w, 0xd800 + ((cp - 0x10000) >> 10));
		put_u_escape(w, 0xdc00 + ((cp - 0x10000) & 0x3ff));
	} else {
		put_u_escape(w, cp);
	}
}

/* ---- strings ---- */

/*
 * Bytes that need no second look, by what is being written: a string's raw bytes (P_RAW, and
 * P_RAW_TTY in the terminal-safe mode, where DEL is escaped too), or JSON text that already
 * holds its escapes (P_JSON_TTY: '"' is plain there, '\' starts an escape).
 */
enum { P_RAW = 1, P_RAW_TTY = 2, P_JSON_TTY = 4 };

#define P_ALL (P_RAW | P_RAW_TTY | P_JSON_TTY)

static const unsigned char plain[256] = {
    [0x20 ... 0x21] = P_ALL, ['"'] = P_JSON_TTY, [0x23 ... 0x5b] = P_ALL, ['\\'] = 0,
    [0x5d ... 0x7e] = P_ALL, [0x7f] = P_RAW,
};

/*
 * How many bytes at s[0, n) need no second look (kind: a P_* bit): 16 at a time
 * (ascii_run), and a byte at a time when there are fewer.
 */
static size_t plain_run(const char *s, size_t n, unsigned kind)
{
	size_t i = 0;

	if (n >= 16) {
		if (kind == P_JSON_TTY)
			return ascii_run(s, n, '\\', 0x7f);
		i = ascii_run(s, n, '"', '\\');
		if (kind == P_RAW_TTY) { /* DEL is plain JSON, but a terminal acts on it */
			const char *del = memchr(s, 0x7f, i);

			if (del)
				i = (size_t)(del - s);
		}
		return i;
	}
	while (i < n && (plain[(unsigned char)s[i]] & kind))
		i++;
	return i;
}

/* What walk() is given: a string's raw bytes, or text that is already JSON. */
enum text {
	RAW,	/* the bytes of a string, to be escaped by the strings rule */
	BODY,	/* the body of a JSON string, escapes included */
	TOKENS, /* whole JSON values, where a control byte can only be whitespace */
};

/*
 * Write s[0, n) by the strings rule, and the terminal rule in that mode. Text that is already
 * JSON (only in the terminal-safe mode) keeps its escapes, but a lone surrogate escape becomes
 * \ufffd (it names no character); a control byte between its tokens becomes a space, so that a
 * \r cannot move the cursor.
 */
static void walk(struct jsonw *w, const char *s, size_t n, enum text t)
{
	unsigned kind = t != RAW ? P_JSON_TTY : w->terminal ? P_RAW_TTY : P_RAW;
	size_t i = 0;

	while (i < n) {
		size_t run = i + plain_run(s + i, n - i, kind), k;
		unsigned char b;

		if (run > i)
			put(w, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		b = (unsigned char)s[i];
		if (b == '\\' && t != RAW) {
			uint32_t cp = json_unescape(s + i, n - i, &k);

			if (cp >= 0xd800 && cp < 0xe000)
				PUT_LIT(w, "\\ufffd");
			else
				put(w, s + i, k);
			i += k;
		} else if (b == '"' || b == '\\') {
			put_c(w, '\\');
			put_c(w, (char)b);
			i++;
		} else if (b < 0x20 && t == TOKENS) {
			put_c(w, ' ');
			i++;
		} else if (b < 0x20 || b == 0x7f) {
			put_u_escape(w, b);
			i++;
		} else if ((k = utf8_valid_len(s + i, n - i))) {
			put_char(w, s + i, k);
			i += k;
		} else {
			PUT_LIT(w, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
		}
	}
}

/* A C string (a key, or a string the program wrote), quotes added. */
static void put_cstr(struct jsonw *w, const char *s)
{
	unsigned kind = w->terminal ? P_RAW_TTY : P_RAW;
	const char *p = s;

	while (plain[(unsigned char)*p] & kind)
		p++;
	put_c(w, '"');
	put(w, s, (size_t)(p - s));
	if (*p)
		walk(w, p, strlen(p), RAW);
	put_c(w, '"');
}

static void put_str(struct jsonw *w, const char *s, size_t len)
{
	put_c(w, '"');
	walk(w, s, len, RAW);
	put_c(w, '"');
}

/* JSON text from input, as it is or made terminal-safe. */
static void put_json(struct jsonw *w, const char *s, size_t n, enum text t)
{
	if (w->terminal)
		walk(w, s, n, t);
	else
		put(w, s, n);
}

/* ---- structure ---- */

/*
 * `"key":`. A key is spelled out once and remembered by its address: keys are the program's
 * string constants, written again and again (ctrfmt's Tracee events hold about 30 each).
 */
static void put_key(struct jsonw *w, const char *key)
{
	/* Keys lie a few bytes apart: their low bits spread them; a collision looks a slot on. */
	size_t h = ((uintptr_t)key ^ (uintptr_t)key >> 7) % JSONW_KEYS, k;
	const char *p = key;
	size_t n;

	for (k = 0; k < 4; k++) {
		if (w->keys[h].key == key) {
			if (JSONW_BUF - w->len < JSONW_KEY_MAX)
				spill(w);
			/* The whole slot: a copy of a constant size is a few moves. */
			memcpy(w->buf + w->len, w->keys[h].text, JSONW_KEY_MAX);
			w->len += w->keys[h].len;
			return;
		}
		if (!w->keys[h].key)
			break;
		h = (h + 1) % JSONW_KEYS;
	}
	while (plain[(unsigned char)*p] & P_RAW_TTY) /* plain in either mode */
		p++;
	n = (size_t)(p - key);
	if (*p || n + 3 > JSONW_KEY_MAX) { /* to be escaped, or long: not remembered */
		put_cstr(w, key);
		put_c(w, ':');
		return;
	}
	w->keys[h].key = key; /* an empty slot, or the last one looked at */
	w->keys[h].len = (unsigned char)(n + 3);
	w->keys[h].text[0] = '"';
	memcpy(w->keys[h].text + 1, key, n);
	memcpy(w->keys[h].text + 1 + n, "\":", 2);
	put(w, w->keys[h].text, n + 3);
}

/* Separator and key before a member or element. */
static void begin(struct jsonw *w, const char *key)
{
	if (w->depth) {
		if (!w->first[w->depth])
			put_c(w, ',');
		w->first[w->depth] = false;
	}
	if (key)
		put_key(w, key);
}

void jsonw_init(struct jsonw *w, FILE *f)
{
	w->f = f;
	w->terminal = false;
	w->depth = 0;
	w->first[0] = true;
	w->len = 0;
	memset(w->keys, 0, sizeof(w->keys));
}

void jsonw_terminal(struct jsonw *w, bool on)
{
	w->terminal = on;
}

static void open_(struct jsonw *w, const char *key, char c)
{
	begin(w, key);
	put_c(w, c);
	if (w->depth + 1 < JSONW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	put_c(w, c);
	if (w->depth)
		w->depth--;
	if (!w->depth) {
		put_c(w, '\n');
		spill(w);
	}
}

void jsonw_obj_open(struct jsonw *w, const char *key)
{
	open_(w, key, '{');
}

void jsonw_obj_close(struct jsonw *w)
{
	close_(w, '}');
}

void jsonw_arr_open(struct jsonw *w, const char *key)
{
	open_(w, key, '[');
}

void jsonw_arr_close(struct jsonw *w)
{
	close_(w, ']');
}

/* ---- scalars ---- */

void jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t len)
{
	begin(w, key);
	put_str(w, s, len);
	done(w);
}

void jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	begin(w, key);
	put_cstr(w, s);
	done(w);
}

void jsonw_str_json(struct jsonw *w, const char *key, const char *body, size_t len)
{
	begin(w, key);
	put_c(w, '"');
	put_json(w, body, len, BODY);
	put_c(w, '"');
	done(w);
}

/* The number writer: decimal digits, no locale, no printf. */
static void put_u64(struct jsonw *w, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, d + i, sizeof(d) - i);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t v)
{
	begin(w, key);
	put_u64(w, v);
	done(w);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t v)
{
	begin(w, key);
	if (v < 0) {
		put_c(w, '-');
		put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
	done(w);
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	begin(w, key);
	if (v)
		PUT_LIT(w, "true");
	else
		PUT_LIT(w, "false");
	done(w);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	begin(w, key);
	PUT_LIT(w, "null");
	done(w);
}

void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len)
{
	begin(w, key);
	if (len && json[0] != '"' && json[0] != '{' && json[0] != '[')
		put(w, json, len); /* a number, true, false or null: ASCII with nothing to escape */
	else
		put_json(w, json, len, TOKENS);
	done(w);
}

void jsonw_raw_member(struct jsonw *w, const char *member, size_t len)
{
	begin(w, NULL);
	put_json(w, member, len, TOKENS);
	done(w);
}

void jsonw_members(struct jsonw *w, const char *json, size_t len)
{
	begin(w, NULL);
	put(w, json, len);
	done(w);
}

void jsonw_line(struct jsonw *w, const char *json, size_t len)
{
	begin(w, NULL);
	put_json(w, json, len, TOKENS);
	put_c(w, '\n');
	done(w);
}
