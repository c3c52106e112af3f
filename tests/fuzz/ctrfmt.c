/*
 * Fuzz target: ctrfmt's renderers (table.c, tracee.c, text.c, fields.c) on one record.
 *
 * Input: a record line; optionally '\n' and a --columns list for one more table (used only when
 * ctrfmt would accept it: it exits on a bad list, which is its option parser's job).
 *
 * Each renderer writes to stdout, which is pointed at a memory stream for the call. Checks:
 *   table (default, --wide, --columns, colour, and the input's columns): every line is
 *     terminal-safe (showing it again through the cell escaper changes nothing but doubling
 *     backslashes: no control byte, no format character, no invalid UTF-8), and a row of the
 *     default table is never wider than its columns;
 *   json: one line of valid JSON, terminal-safe, with Tracee's keys in Tracee's order, whose
 *     eventName is the record's event, whose eventId is a string of digits and whose argsNum is
 *     the length of args;
 *   tracee (both type-name versions): nothing (an event Tracee does not have), a line rejected
 *     with a reason, or such a line holding exactly Tracee's arguments for one of its events;
 *   ndjson on a terminal: terminal-safe, and it reads back as the same record (same members,
 *     same string values once unescaped).
 */
#include "fuzz.h"

#include "jp.h"
#include "jsonw.h"
#include "rec.h"
#include "ctrfmt.h"

/* The default table's columns: TIME 12, EVENT 18, RUNTIME 10, CONTAINER 12, NAME 20, IMAGE 28,
 * POD 28, two blanks between. */
#define DEFAULT_ROW_MAX (12 + 18 + 10 + 12 + 20 + 28 + 28 + 6 * 2)

static char fixed_cols[] = "TIME,EVENT:5,CONTAINER,NAME:3,IMAGE,DIGEST:9,POD:4,POD_UID,SANDBOX,"
			   "CTIME,EXIT:2,PATH:1,ENRICH_ERROR,comm,pid:1,cgroup_id,finished_at,"
			   "x\\y,level";

static struct table *t_default, *t_wide, *t_cols, *t_color;
static struct buf esc;

/* The keys of Tracee's event object, in order (types/trace/trace.go, v0.24.1). */
static const char *const tracee_keys[] = {
    "timestamp",    "threadStartTime", "processorId",	  "processId",	    "cgroupId",
    "threadId",	    "parentProcessId", "hostProcessId",	  "hostThreadId",   "hostParentProcessId",
    "userId",	    "mountNamespace",  "pidNamespace",	  "processName",    "executable",
    "hostName",	    "containerId",     "container",	  "kubernetes",	    "eventId",
    "eventName",    "argsNum",	       "returnValue",	  "syscall",	    "stackAddresses",
    "contextFlags", "threadEntityId",  "processEntityId", "parentEntityId", "args",
};

/* Tracee's events, and how many arguments it gives each. */
static const struct {
	const char *name;
	int nargs;
} tracee_events[] = {
    {"container_create", 10}, {"existing_container", 10}, {"container_remove", 2},
    {"cgroup_mkdir", 3},      {"cgroup_rmdir", 3},
};

/*
 * Display width of a line that is already terminal-safe: the cell escaper must give it back
 * unchanged but for each backslash, which it doubles (and counts twice).
 */
static unsigned safe_width(const char *s, size_t n)
{
	struct cell c;
	size_t bs = 0, j = 0;

	esc.len = 0;
	cell_begin(&c, &esc, 0);
	cell_text(&c, s, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			CHECK(j + 2 <= esc.len && esc.data[j] == '\\' && esc.data[j + 1] == '\\');
			j += 2;
			bs++;
		} else {
			if (!(j < esc.len && esc.data[j] == s[i])) {
				fprintf(stderr, "not terminal-safe at byte %zu: %.*s\n", i, (int)n,
					s);
				abort();
			}
			j++;
		}
	}
	CHECK(j == esc.len);
	return c.w - (unsigned)bs;
}

/* Remove the colour sequences the table may write (ESC [ digits ; m). */
static size_t strip_color(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\033' && i + 1 < n && s[i + 1] == '[') {
			size_t k = i + 2;

			while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
				k++;
			CHECK(k < n && s[k] == 'm');
			i = k;
			continue;
		}
		s[o++] = s[i];
	}
	return o;
}

/* Every line of out[0, n) is terminal-safe; the widest one's width. */
static unsigned check_lines(char *out, size_t n, bool color, unsigned *lines)
{
	unsigned widest = 0;

	if (color)
		n = strip_color(out, n);
	CHECK(n > 0 && out[n - 1] == '\n');
	*lines = 0;
	for (size_t i = 0; i < n;) {
		char *nl = memchr(out + i, '\n', n - i);
		size_t len = (size_t)(nl - (out + i));
		unsigned w = safe_width(out + i, len);

		if (w > widest)
			widest = w;
		(*lines)++;
		i += len + 1;
	}
	return widest;
}

/* stdout into a memory stream for one renderer call. */
static FILE *saved_stdout;
static char *mem;
static size_t memlen;

static void capture(void)
{
	saved_stdout = stdout;
	stdout = open_memstream(&mem, &memlen);
	CHECK(stdout);
}

static void release(void)
{
	fclose(stdout);
	stdout = saved_stdout;
}

static void run_table(struct table *t, struct rec *r, bool color, bool is_default)
{
	const char *err = NULL;
	unsigned lines, w;

	capture();
	table__header(t);
	CHECK(table__record(r, t, &err) == 0);
	release();
	w = check_lines(mem, memlen, color, &lines);
	CHECK(lines == 2);
	if (is_default && w > DEFAULT_ROW_MAX) {
		fprintf(stderr, "row %u columns wide, at most %d: %.*s", w, DEFAULT_ROW_MAX,
			(int)memlen, mem);
		abort();
	}
	free(mem);
}

/* The columns list ctrfmt would accept (it exits on any other), copied into out. */
static bool columns_ok(const char *s, size_t n, char *out, size_t cap)
{
	unsigned ncol = 0;

	if (n == 0 || n >= cap || memchr(s, '\0', n))
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	for (size_t i = 0; i < n;) {
		size_t k = i;

		while (k < n && s[k] != ',')
			k++;
		if (k > i) {
			const char *colon = memchr(s + i, ':', k - i);

			if (colon == s + i)
				return false;
			if (colon) {
				unsigned long v = 0;
				size_t digits = (size_t)(s + k - colon - 1);

				if (digits == 0 || digits > 4)
					return false;
				for (const char *d = colon + 1; d < s + k; d++) {
					if (*d < '0' || *d > '9')
						return false;
					v = v * 10 + (unsigned long)(*d - '0');
				}
				if (v < 1 || v > 4096)
					return false;
			}
			ncol++;
		}
		i = k + 1;
	}
	return ncol >= 1 && ncol <= 64;
}

/* One renderer's output as JSON: Tracee's keys in order, and the facts every line keeps. */
static void check_event(struct jp *d, struct rec *r, int *nargs)
{
	static char ev[1 << 17], got[1 << 17];
	const size_t nkeys = sizeof(tracee_keys) / sizeof(tracee_keys[0]);
	int64_t n;
	int t = 1, id;
	long len;

	if (jp__parse(d, mem, memlen) < 0 || !jp__is_obj(d, 0)) {
		fprintf(stderr, "json output is not a JSON object: %.*s", (int)memlen, mem);
		abort();
	}
	CHECK((size_t)jp__size(d, 0) == nkeys);
	for (size_t k = 0; k < nkeys; k++) {
		CHECK(t > 0 && jp__str_eq(d, t, tracee_keys[k]));
		t = jp__next(d, t + 1);
	}
	CHECK(jp__i64(d, jp__key(d, 0, "argsNum"), &n) == 0);
	*nargs = jp__size(d, jp__key(d, 0, "args"));
	CHECK(n == *nargs);
	len = rec_str(r, r->event, ev, sizeof(ev));
	CHECK(len >= 0 && (size_t)len < sizeof(ev));
	CHECK(jp__str(d, jp__key(d, 0, "eventName"), got, sizeof(got)) == len);
	CHECK(!memcmp(ev, got, (size_t)len));
	id = jp__key(d, 0, "eventId");
	len = jp__str(d, id, got, sizeof(got));
	CHECK(len > 0 && strspn(got, "0123456789") == (size_t)len);
}

static void run_tracee(struct rec *r, bool exact, enum tracee_version v)
{
	static struct jp d;
	struct tracee_opts o = {.exact = exact, .version = v};
	struct tracee *t;
	const char *err = NULL;
	unsigned lines;
	int nargs, rc;

	capture();
	o.out = stdout;
	t = tracee__new(&o);
	CHECK(t);
	rc = tracee__record(r, t, &err);
	tracee__free(t);
	release();
	if (exact && (rc < 0 || memlen == 0)) { /* rejected with a reason, or not Tracee's */
		CHECK(memlen == 0 && (rc == 0 || err));
		free(mem);
		return;
	}
	CHECK(rc == 0);
	check_lines(mem, memlen, false, &lines);
	CHECK(lines == 1);
	check_event(&d, r, &nargs);
	if (exact) {
		size_t e = 0, ne = sizeof(tracee_events) / sizeof(tracee_events[0]);

		while (e < ne && !rec_str_eq(r, r->event, tracee_events[e].name))
			e++;
		CHECK(e < ne && nargs == tracee_events[e].nargs);
	}
	free(mem);
}

static void run_ndjson(struct rec *r)
{
	static struct rec back;
	static char a[1 << 17], b[1 << 17];
	struct jsonw w;
	const char *err;
	unsigned lines;

	capture();
	jsonw_init(&w, stdout);
	jsonw_terminal(&w, true);
	jsonw_line(&w, r->line, r->len);
	release();
	check_lines(mem, memlen, false, &lines);
	CHECK(lines == 1);
	if (rec_parse(&back, mem, memlen - 1, &err) < 0) {
		fprintf(stderr, "ndjson output rejected (%s): %.*s", err, (int)memlen, mem);
		abort();
	}
	CHECK(rec_nfields(&back) == rec_nfields(r));
	for (unsigned i = 0; i < rec_nfields(r); i++) {
		size_t n1, n2;
		const char *r1, *r2;

		CHECK(rec_type(r, (int)i) == rec_type(&back, (int)i));
		if (rec_type(r, (int)i) == REC_STRING) {
			long l1 = rec_str(r, (int)i, a, sizeof(a));
			long l2 = rec_str(&back, (int)i, b, sizeof(b));

			CHECK(l1 == l2 && l1 >= 0 && (size_t)l1 < sizeof(a) &&
			      !memcmp(a, b, (size_t)l1));
		} else {
			r1 = rec_raw(r, (int)i, &n1);
			r2 = rec_raw(&back, (int)i, &n2);
			CHECK(n1 == n2 && !memcmp(r1, r2, n1));
		}
	}
	free(mem);
}

static void init(void)
{
	struct table_opts o = {.header = true};

	setenv("TZ", "UTC", 1);
	t_default = table__new(&o);
	o.color = true;
	t_color = table__new(&o);
	o.color = false;
	o.wide = true;
	t_wide = table__new(&o);
	o.wide = false;
	o.columns = fixed_cols;
	t_cols = table__new(&o);
	CHECK(t_default && t_color && t_wide && t_cols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec r;
	static bool ready;
	const char *err, *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - (const char *)data) : size;
	char *line, cols[512];

	if (!ready) {
		init();
		ready = true;
	}
	line = malloc(len ? len : 1); /* exactly the line: no reading past it */
	if (!line)
		return 0;
	memcpy(line, data, len);
	if (rec_parse(&r, line, len, &err) < 0) {
		free(line);
		return 0;
	}
	run_table(t_default, &r, false, true);
	run_table(t_color, &r, true, true);
	run_table(t_wide, &r, false, false);
	run_table(t_cols, &r, false, false);
	if (nl && columns_ok(nl + 1, size - len - 1, cols, sizeof(cols))) {
		struct table_opts o = {.header = true, .columns = cols};
		struct table *t = table__new(&o);

		CHECK(t);
		run_table(t, &r, false, false);
		table__free(t);
	}
	run_tracee(&r, false, TRACEE_V024);
	run_tracee(&r, true, TRACEE_V024);
	run_tracee(&r, true, TRACEE_V023);
	run_ndjson(&r);
	free(line);
	return 0;
}
