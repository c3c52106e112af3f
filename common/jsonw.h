/*
 * The JSON writer every program writes through: values go into the writer's own buffer, with
 * commas and nesting tracked, and each top-level value is handed to the FILE in one piece when
 * it ends (a record is one fwrite, never half a line).
 *
 * Strings rule (tested in tests/unit): '"' and '\' are backslash-escaped, every byte below 0x20
 * becomes \u00XX, valid UTF-8 is copied as it is, and each byte that is not part of valid UTF-8
 * becomes U+FFFD. The output is therefore always valid UTF-8 JSON, whatever the input bytes.
 *
 * Terminal-safe mode (jsonw_terminal) adds one rule, for output a terminal may show: a character
 * a terminal could act on or hide (utf8_unsafe in utf8.h: DEL, C1 controls, bidi and other
 * format characters, line and paragraph separators) is written as a \uXXXX escape, and a lone surrogate
 * escape as \ufffd. The JSON values are the same; only their spelling changes. Text that is
 * already JSON (jsonw_str_json, jsonw_raw, jsonw_raw_member, jsonw_line) keeps its escapes and
 * gets the same treatment; a control byte between its tokens becomes a space.
 *
 * A key of NULL means "no key": the value is an array element or the top-level value. Keys are
 * the program's string constants: the writer remembers how a key is spelled by its address, so a
 * key's text must not change while the writer is in use (values have no such rule).
 */
#ifndef CTRWATCH_JSONW_H
#define CTRWATCH_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16
#define JSONW_BUF 8192
#define JSONW_KEYS 128	 /* keys remembered */
#define JSONW_KEY_MAX 32 /* longest `"key":` remembered */

struct jsonw {
	FILE *f;
	bool terminal; /* terminal-safe mode */
	unsigned depth;
	bool first[JSONW_MAX_DEPTH]; /* no member written yet at this depth */
	size_t len;		     /* bytes waiting in buf */
	char buf[JSONW_BUF];	     /* the value being written (longer ones go out in pieces) */
	struct {
		const char *key; /* a key seen, by address, or NULL */
		unsigned char len;
		char text[JSONW_KEY_MAX]; /* how it is written: `"key":` */
	} keys[JSONW_KEYS];
};

/* Start writing to f, by the strings rule above. Nothing to free. */
void jsonw_init(struct jsonw *w, FILE *f);

/* Turn the terminal-safe mode on or off. */
void jsonw_terminal(struct jsonw *w, bool on);

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

/*
 * A string whose body is already JSON string text, escapes included (a record's value between
 * its quotes, as the record reader checked it): copied as it is, quotes added.
 */
void jsonw_str_json(struct jsonw *w, const char *key, const char *body, size_t len);

/*
 * A value that is already valid JSON text, one token or one object or array with nothing around
 * it (e.g. a number or string copied from input).
 */
void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len);

/* A whole member `"key":value` that is already valid JSON text (record pass-through). */
void jsonw_raw_member(struct jsonw *w, const char *member, size_t len);

/*
 * Members the program spells out itself, never text from input (`"a":0,"b":{}`): copied as they
 * are, in any mode. They must be printable ASCII JSON that needs no escape.
 */
void jsonw_members(struct jsonw *w, const char *json, size_t len);

/* A whole top-level value that is already valid JSON text, as one line ("\n" added). */
void jsonw_line(struct jsonw *w, const char *json, size_t len);

#endif
