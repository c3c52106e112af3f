#define _GNU_SOURCE
#include <string.h>

#include "jsonw.h"
#include "utf8.h"

static const char hex[] = "0123456789abcdef";

void jsonw_escape(FILE *f, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t run = i;
		unsigned char c;

		run += ascii_run(s + run, len - run, '"', '\\');
		if (run > i)
			fwrite_unlocked(s + i, 1, run - i, f);
		i = run;
		if (i >= len)
			break;
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked(c, f);
			i++;
		} else if (c < 0x20) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

			fwrite_unlocked(esc, 1, sizeof(esc), f);
			i++;
		} else {
			size_t n = utf8_valid_len(s + i, len - i);

			if (n) {
				fwrite_unlocked(s + i, 1, n, f);
				i += n;
			} else {
				fwrite_unlocked("\xef\xbf\xbd", 1, 3, f); /* U+FFFD */
				i++;
			}
		}
	}
}

static void put_str(FILE *f, const char *s, size_t len)
{
	putc_unlocked('"', f);
	jsonw_escape(f, s, len);
	putc_unlocked('"', f);
}

/* Separator and key before a member or element. */
static void begin(struct jsonw *w, const char *key)
{
	if (w->depth) {
		if (!w->first[w->depth])
			putc_unlocked(',', w->f);
		w->first[w->depth] = false;
	}
	if (key) {
		put_str(w->f, key, strlen(key));
		putc_unlocked(':', w->f);
	}
}

void jsonw_init(struct jsonw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->first[0] = true;
}

static void open_(struct jsonw *w, const char *key, char c)
{
	begin(w, key);
	putc_unlocked(c, w->f);
	if (w->depth + 1 < JSONW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	putc_unlocked(c, w->f);
	if (w->depth)
		w->depth--;
	if (!w->depth)
		putc_unlocked('\n', w->f);
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

void jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t len)
{
	begin(w, key);
	put_str(w->f, s, len);
}

void jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	jsonw_strn(w, key, s, strlen(s));
}

static void put_u64(FILE *f, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(buf + i, 1, sizeof(buf) - i, f);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t v)
{
	begin(w, key);
	put_u64(w->f, v);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t v)
{
	begin(w, key);
	if (v < 0) {
		putc_unlocked('-', w->f);
		put_u64(w->f, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w->f, (uint64_t)v);
	}
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	begin(w, key);
	if (v)
		fwrite_unlocked("true", 1, 4, w->f);
	else
		fwrite_unlocked("false", 1, 5, w->f);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	begin(w, key);
	fwrite_unlocked("null", 1, 4, w->f);
}

void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len)
{
	begin(w, key);
	fwrite_unlocked(json, 1, len, w->f);
}

void jsonw_raw_member(struct jsonw *w, const char *member, size_t len)
{
	begin(w, NULL);
	fwrite_unlocked(member, 1, len, w->f);
}
