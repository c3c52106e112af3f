/*
 * ctrfmt internals: the output formats share one way of finding the fields they want in a record
 * (fields_*), and one rule for showing untrusted text safely: common/jsonw's terminal-safe mode
 * for JSON, and table cells (cell_*) that escape the same characters.
 */
#ifndef CTRFMT_H
#define CTRFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "rec.h"

/* ---- fields.c: the record members a format wants, found in one pass over the keys ---- */

#define FIELDS_MAX 128

struct fields {
	const char *name[FIELDS_MAX];
	size_t len[FIELDS_MAX];
	unsigned n;
	short hash[256];    /* open addressing: slot, or -1 */
	int at[FIELDS_MAX]; /* after fields_scan: slot -> value index in the record, or -1 */
	short *slot_of; /* after fields_scan: value index -> slot, or -1 (first occurrence only) */
	unsigned slot_cap;
};

void fields_init(struct fields *fs);
void fields_free(struct fields *fs);

/* The slot of name (added when new; names are not copied). Dies when FIELDS_MAX is reached. */
int fields_add(struct fields *fs, const char *name);

/* Find every wanted key in r: fills at[] and slot_of[]. */
void fields_scan(struct fields *fs, const struct rec *r);

/* ---- text.c: untrusted text in table cells, shown safely ---- */

/* Append to a buffer (common/buf.h), or die: ctrfmt has nothing to write without the memory. */
static inline void xbuf_put(struct buf *b, const char *s, size_t n)
{
	if (buf__put(b, s, n))
		die("out of memory");
}

/* A string constant. */
#define BUF_LIT(b, lit) xbuf_put((b), (lit), sizeof(lit) - 1)

/*
 * One table cell being written into a buffer. Every value goes through it, so what reaches the
 * terminal is printable: controls, DEL, C1, format characters (bidi controls, zero-width
 * characters), line/paragraph separators, lone surrogates and invalid UTF-8 bytes are shown
 * escaped (\x1b, \u202e), and a backslash as \\. Width is counted in terminal columns (wide CJK
 * = 2, combining marks = 0). With a limit, a value wider than the limit is cut and ends in "…".
 */
struct cell {
	struct buf *b;
	unsigned w;	 /* display width so far */
	unsigned limit;	 /* 0: no limit */
	size_t mark_len; /* where "…" goes if the value turns out too wide */
	unsigned mark_w;
	bool full; /* cut: the rest of the value is ignored */
};

void cell_begin(struct cell *c, struct buf *b, unsigned limit);
/* Raw bytes (not JSON-escaped), e.g. a header or a number's text. */
void cell_text(struct cell *c, const char *s, size_t n);
/* The body of a JSON string as it stands in a record (between the quotes, escapes included). */
void cell_json(struct cell *c, const char *body, size_t n);

/* Display width of the text cell_text would show (no limit). */
unsigned text_width(const char *s, size_t n);

/* ---- table.c and tracee.c: the formats ---- */

struct table_opts {
	bool wide;
	bool header;
	bool color;
	char *columns; /* --columns, split in place; NULL for the default set */
};

struct table;
struct table *table__new(const struct table_opts *o);
void table__free(struct table *t);
void table__header(struct table *t);
int table__record(struct rec *r, void *ctx, const char **err);

enum tracee_version { TRACEE_V024, TRACEE_V023, TRACEE_NVERSIONS };

struct tracee_opts {
	FILE *out;
	bool exact; /* --format tracee: exactly Tracee's events, nothing of ours */
	enum tracee_version version;
};

struct tracee;
struct tracee *tracee__new(const struct tracee_opts *o);
void tracee__free(struct tracee *t);
int tracee__record(struct rec *r, void *ctx, const char **err);

#endif
