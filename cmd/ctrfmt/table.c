/*
 * The table: a header, then one row a record, written as the record arrives. Every column has a
 * fixed width so that rows line up while streaming; a value wider than its column is cut and
 * ends in "…" (U+2026), except under --wide, where nothing is cut and a long value pushes the
 * rest of its row right.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ctrfmt.h"
#include "log.h"
#include "rec_schema.h"

enum col_kind {
	C_FIELD,     /* a record field as it is */
	C_TIME,	     /* ts as local time to the millisecond */
	C_CONTAINER, /* container_id, cut to 12 unless --wide */
	C_POD,	     /* pod_namespace/pod_name */
	C_EXIT,	     /* exit_code, and "oom" when oom_killed */
	C_CTIME,     /* ctime as a local date and time */
};

struct col {
	enum col_kind kind;
	int slot, slot2;
	char *header;
	char *field; /* a record field's name (the fields table points to it), or NULL */
	unsigned width;
};

/* Columns known by an upper-case name: the default and --wide sets, and --columns. */
static const struct builtin {
	const char *name;
	enum col_kind kind;
	const char *field, *field2;
	unsigned width, wide_width;
} builtins[] = {
    {"TIME", C_TIME, REC_F_TS, NULL, 12, 12},
    {"EVENT", C_FIELD, REC_F_EVENT, NULL, 18, 18},
    {"RUNTIME", C_FIELD, REC_F_RUNTIME, NULL, 10, 10},
    {"CONTAINER", C_CONTAINER, REC_F_CONTAINER_ID, NULL, 12, 64},
    {"NAME", C_FIELD, REC_F_CONTAINER_NAME, NULL, 20, 24},
    {"IMAGE", C_FIELD, REC_F_CONTAINER_IMAGE, NULL, 28, 32},
    {"DIGEST", C_FIELD, REC_F_CONTAINER_IMAGE_DIGEST, NULL, 24, 71},
    {"POD", C_POD, REC_F_POD_NAMESPACE, REC_F_POD_NAME, 28, 32},
    {"POD_UID", C_FIELD, REC_F_POD_UID, NULL, 36, 36},
    {"SANDBOX", C_FIELD, REC_F_POD_SANDBOX, NULL, 7, 7},
    {"CTIME", C_CTIME, REC_F_CTIME, NULL, 23, 23},
    {"EXIT", C_EXIT, REC_F_EXIT_CODE, REC_F_OOM_KILLED, 8, 8},
    {"PATH", C_FIELD, REC_F_PATH, NULL, 40, 48},
    {"ENRICH_ERROR", C_FIELD, REC_F_ENRICH_ERROR, NULL, 24, 40},
};

static const char *const default_cols[] = {
    "TIME", "EVENT", "RUNTIME", "CONTAINER", "NAME", "IMAGE", "POD", NULL,
};

static const char *const wide_cols[] = {
    "TIME",    "EVENT",	  "RUNTIME", "CONTAINER", "NAME",	  "IMAGE", "DIGEST", "POD",
    "POD_UID", "SANDBOX", "CTIME",   "EXIT",	  "ENRICH_ERROR", "PATH",  NULL,
};

/* Widths for record fields chosen with --columns; others get DEFAULT_WIDTH. */
static const struct {
	const char *name;
	unsigned width;
} field_widths[] = {
    {REC_F_TS, 19},	      {REC_F_CGROUP_ID, 10},
    {REC_F_HIERARCHY_ID, 12}, {REC_F_LEVEL, 5},
    {REC_F_PATH, 40},	      {REC_F_PID, 7},
    {REC_F_COMM, 16},	      {REC_F_CTIME, 19},
    {REC_F_COUNT, 8},	      {REC_F_RUNTIME, 10},
    {REC_F_CONTAINER_ID, 64}, {REC_F_EVENT, 18},
    {REC_F_POD_UID, 36},      {REC_F_EXIT_CODE, 9},
    {REC_F_FINISHED_AT, 30},  {REC_F_CONTAINER_IMAGE_DIGEST, 71},
};

#define DEFAULT_WIDTH 16
#define COLS_MAX 64 /* well under FIELDS_MAX, which also holds the builtins' fields */
#define GAP 2

#define COLOR_HEADER "\033[1m"
#define COLOR_CREATE "\033[32m"
#define COLOR_EXISTING "\033[36m"
#define COLOR_REMOVE "\033[31m"
#define COLOR_WARN "\033[1;33m"
#define COLOR_OFF "\033[0m"

struct table {
	struct fields fs;
	struct col col[COLS_MAX];
	unsigned ncol;
	int s_count;
	bool wide, header, color;
	struct buf row;
	int64_t sec; /* the second hms[] holds */
	char hms[9];
	int64_t dt_sec; /* the second dt[] holds (CTIME) */
	char dt[40];
};

static const struct builtin *builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static void add_col(struct table *t, const char *spec)
{
	char *name = xstrdup(spec), *colon = strchr(name, ':');
	const struct builtin *b;
	struct col *c;
	unsigned width = 0, hw;

	if (colon) {
		*colon = '\0';
		width = (unsigned)cli_number("--columns", colon + 1, 1, 4096);
	}
	if (!*name)
		cli_usage_error("--columns: empty column name in '%s'", spec);
	if (t->ncol == COLS_MAX)
		cli_usage_error("--columns: too many columns (at most %d)", COLS_MAX);
	c = &t->col[t->ncol++];
	b = builtin(name);
	if (b) {
		c->kind = b->kind;
		c->slot = fields_add(&t->fs, b->field);
		c->slot2 = b->field2 ? fields_add(&t->fs, b->field2) : -1;
		c->header = name;
		if (!width)
			width = t->wide ? b->wide_width : b->width;
	} else {
		c->kind = C_FIELD;
		c->field = name;
		c->slot = fields_add(&t->fs, name);
		c->slot2 = -1;
		c->header = xstrdup(name);
		for (char *p = c->header; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		for (size_t i = 0; !width && i < sizeof(field_widths) / sizeof(field_widths[0]);
		     i++)
			if (!strcmp(field_widths[i].name, name))
				width = field_widths[i].width;
		if (!width)
			width = DEFAULT_WIDTH;
	}
	hw = text_width(c->header, strlen(c->header));
	c->width = width > hw ? width : hw;
}

struct table *table__new(const struct table_opts *o)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	fields_init(&t->fs);
	t->wide = o->wide;
	t->header = o->header;
	t->color = o->color;
	t->sec = t->dt_sec = INT64_MIN;
	if (o->columns) {
		for (char *save = NULL, *s = strtok_r(o->columns, ",", &save); s;
		     s = strtok_r(NULL, ",", &save))
			add_col(t, s);
		if (!t->ncol)
			cli_usage_error("--columns: no column named");
	} else {
		for (const char *const *n = t->wide ? wide_cols : default_cols; *n; n++)
			add_col(t, *n);
	}
	t->s_count = fields_add(&t->fs, REC_F_COUNT);
	return t;
}

void table__free(struct table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->ncol; i++) {
		free(t->col[i].header);
		free(t->col[i].field);
	}
	fields_free(&t->fs);
	buf__free(&t->row);
	free(t);
}

/* ---- values ---- */

static bool value_empty(const struct rec *r, int i)
{
	size_t n;

	if (i < 0 || rec_type(r, i) == REC_NULL)
		return true;
	rec_raw(r, i, &n);
	return rec_type(r, i) == REC_STRING && n == 2;
}

/* Any value as text: a string's content, a number or boolean as written, null as nothing. */
static void cell_value(struct cell *c, const struct rec *r, int i)
{
	size_t n;
	const char *raw;

	if (i < 0)
		return;
	raw = rec_raw(r, i, &n);
	switch (rec_type(r, i)) {
	case REC_STRING:
		cell_json(c, raw + 1, n - 2);
		break;
	case REC_NULL:
		break;
	default:
		cell_text(c, raw, n);
		break;
	}
}

static void put2(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

static void split_ns(int64_t ns, int64_t *sec, int *ms)
{
	*sec = ns / 1000000000;
	ns %= 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		(*sec)--;
	}
	*ms = (int)(ns / 1000000);
}

static bool local(int64_t sec, struct tm *tm)
{
	time_t tt = (time_t)sec;

	return localtime_r(&tt, tm) != NULL;
}

/* HH:MM:SS.mmm in local time; the broken-down second is kept for the next record. */
static void cell_time(struct table *t, struct cell *c, int64_t ns)
{
	char s[12];
	int64_t sec;
	int ms;

	split_ns(ns, &sec, &ms);
	if (sec != t->sec) {
		struct tm tm;

		if (local(sec, &tm)) {
			put2(t->hms, tm.tm_hour);
			t->hms[2] = ':';
			put2(t->hms + 3, tm.tm_min);
			t->hms[5] = ':';
			put2(t->hms + 6, tm.tm_sec);
		} else {
			memcpy(t->hms, "??:??:??", 8);
		}
		t->sec = sec;
	}
	memcpy(s, t->hms, 8);
	s[8] = '.';
	s[9] = (char)('0' + ms / 100);
	put2(s + 10, ms % 100);
	cell_text(c, s, sizeof(s));
}

/* YYYY-MM-DDTHH:MM:SS.mmm in local time. */
static void cell_datetime(struct table *t, struct cell *c, const struct rec *r, int i)
{
	int64_t ns, sec;
	int ms;
	char s[48];
	size_t n;

	if (i < 0)
		return;
	if (rec_i64(r, i, &ns) < 0) {
		cell_value(c, r, i);
		return;
	}
	split_ns(ns, &sec, &ms);
	if (sec != t->dt_sec) {
		struct tm tm;

		if (!local(sec, &tm)) {
			cell_value(c, r, i);
			return;
		}
		snprintf(t->dt, sizeof(t->dt), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		t->dt_sec = sec;
	}
	n = strlen(t->dt);
	memcpy(s, t->dt, n);
	s[n] = '.';
	s[n + 1] = (char)('0' + ms / 100);
	put2(s + n + 2, ms % 100);
	cell_text(c, s, n + 4);
}

static void cell_container(struct table *t, struct cell *c, const struct rec *r, int i)
{
	size_t n;
	const char *raw;
	bool plain = true;

	if (i < 0 || t->wide || rec_type(r, i) != REC_STRING) {
		cell_value(c, r, i);
		return;
	}
	/* The usual id is hex: cut to 12 with no mark, the way every container tool shows it. */
	raw = rec_raw(r, i, &n);
	raw++;
	n -= 2;
	for (size_t k = 0; k < n && k < 12 && plain; k++)
		plain = raw[k] >= 0x21 && raw[k] < 0x7f && raw[k] != '\\';
	if (plain && n >= 12) {
		cell_text(c, raw, 12);
		return;
	}
	cell_json(c, raw, n);
}

static void cell_pod(struct cell *c, const struct rec *r, int ns, int name)
{
	bool has_ns = !value_empty(r, ns), has_name = !value_empty(r, name);

	if (has_ns) {
		cell_value(c, r, ns);
		cell_text(c, "/", 1);
	}
	if (has_name)
		cell_value(c, r, name);
}

static void cell_exit(struct cell *c, const struct rec *r, int code, int oom)
{
	bool killed = false;

	cell_value(c, r, code);
	if (oom >= 0 && rec_bool(r, oom, &killed) == 0 && killed)
		cell_text(c, value_empty(r, code) ? "oom" : " oom", value_empty(r, code) ? 3 : 4);
}

/* ---- rows ---- */

static void pad(struct buf *b, unsigned n)
{
	static const char spaces[] = "                                ";

	while (n) {
		unsigned k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		xbuf_put(b, spaces, k);
		n -= k;
	}
}

static void row_begin(struct table *t, const char *color)
{
	t->row.len = 0;
	if (color && t->color)
		xbuf_put(&t->row, color, strlen(color));
}

/* Trailing blanks are dropped (an empty last column leaves none), then the line is written. */
static void row_end(struct table *t, const char *color, size_t body)
{
	struct buf *b = &t->row;

	while (b->len > body && b->data[b->len - 1] == ' ')
		b->len--;
	if (color && t->color)
		xbuf_put(b, COLOR_OFF, sizeof(COLOR_OFF) - 1);
	xbuf_put(b, "\n", 1);
	fwrite_unlocked(b->data, 1, b->len, stdout);
}

void table__header(struct table *t)
{
	size_t body;

	if (!t->header)
		return;
	row_begin(t, COLOR_HEADER);
	body = t->row.len;
	for (unsigned j = 0; j < t->ncol; j++) {
		struct cell c;

		cell_begin(&c, &t->row, 0);
		cell_text(&c, t->col[j].header, strlen(t->col[j].header));
		if (j + 1 < t->ncol)
			pad(&t->row, (c.w < t->col[j].width ? t->col[j].width - c.w : 0) + GAP);
	}
	row_end(t, COLOR_HEADER, body);
}

static void lost_row(struct table *t, struct rec *r)
{
	int i = t->fs.at[t->s_count];
	uint64_t n;
	int64_t ts;
	struct cell c;
	char msg[64];
	size_t body;

	row_begin(t, COLOR_WARN);
	body = t->row.len;
	cell_begin(&c, &t->row, 0);
	rec_i64(r, r->ts, &ts);
	cell_time(t, &c, ts);
	pad(&t->row, GAP);
	if (i >= 0 && rec_u64(r, i, &n) == 0) {
		snprintf(msg, sizeof(msg), "WARNING: %llu record%s lost", (unsigned long long)n,
			 n == 1 ? "" : "s");
		cell_text(&c, msg, strlen(msg));
	} else if (i >= 0) { /* a count of the wrong type is shown as it is, not dropped */
		cell_text(&c, "WARNING: records lost (count: ", 30);
		cell_value(&c, r, i);
		cell_text(&c, ")", 1);
	} else {
		cell_text(&c, "WARNING: records lost (count unknown)", 37);
	}
	row_end(t, COLOR_WARN, body);
}

static const char *row_color(const struct rec *r)
{
	switch (rec_event_of(r)) {
	case REC_EV_CONTAINER_CREATE:
		return COLOR_CREATE;
	case REC_EV_CONTAINER_REMOVE:
		return COLOR_REMOVE;
	case REC_EV_EXISTING_CONTAINER:
		return COLOR_EXISTING;
	default:
		return NULL;
	}
}

int table__record(struct rec *r, void *ctx, const char **err)
{
	struct table *t = ctx;
	const char *color = NULL;
	size_t body;
	int64_t ts;

	(void)err;
	fields_scan(&t->fs, r);
	if (rec_event_of(r) == REC_EV_LOST) {
		lost_row(t, r);
		return 0;
	}
	if (t->color)
		color = row_color(r);
	row_begin(t, color);
	body = t->row.len;
	for (unsigned j = 0; j < t->ncol; j++) {
		const struct col *col = &t->col[j];
		int i = t->fs.at[col->slot];
		struct cell c;

		cell_begin(&c, &t->row, t->wide ? 0 : col->width);
		switch (col->kind) {
		case C_FIELD:
			cell_value(&c, r, i);
			break;
		case C_TIME:
			if (i >= 0 && rec_i64(r, i, &ts) == 0)
				cell_time(t, &c, ts);
			break;
		case C_CONTAINER:
			cell_container(t, &c, r, i);
			break;
		case C_POD:
			cell_pod(&c, r, i, t->fs.at[col->slot2]);
			break;
		case C_EXIT:
			cell_exit(&c, r, i, t->fs.at[col->slot2]);
			break;
		case C_CTIME:
			cell_datetime(t, &c, r, i);
			break;
		}
		if (j + 1 < t->ncol)
			pad(&t->row, (c.w < col->width ? col->width - c.w : 0) + GAP);
	}
	row_end(t, color, body);
	return 0;
}
