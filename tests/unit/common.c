/* Unit tests for common/: the record reader, the line reader, UTF-8 (the JSON writer: jsonw.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "line.h"
#include "log.h"
#include "out.h"
#include "rec.h"
#include "utf8.h"

static int failures;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                             \
			failures++;                                                 \
		}                                                                   \
	} while (0)

static int parse(struct rec *r, const char *s, const char **err)
{
	return rec_parse(r, s, strlen(s), err);
}

static void test_rec(void)
{
	struct rec r;
	const char *err = NULL;
	char buf[64];
	uint64_t u;
	int64_t i;
	bool b;

	rec_init(&r);
	CHECK(parse(&r, "{\"event\":\"x\",\"ts\":-5,\"s\":\"a\\u00e9\\ud83d\\ude00\\n\",\"u\":18446744073709551615,"
			"\"t\":true,\"z\":null,\"f\":1.5e3}", &err) == 0);
	CHECK(rec_nfields(&r) == 7);
	CHECK(rec_i64(&r, r.ts, &i) == 0 && i == -5);
	CHECK(rec_get_str(&r, "s", buf, sizeof(buf)) == 8 && !strcmp(buf, "a\xc3\xa9\xf0\x9f\x98\x80\n"));
	CHECK(rec_get_u64(&r, "u", &u) == 0 && u == UINT64_MAX);
	CHECK(rec_bool(&r, rec_find(&r, "t"), &b) == 0 && b);
	CHECK(rec_type(&r, rec_find(&r, "z")) == REC_NULL);
	CHECK(rec_type(&r, rec_find(&r, "f")) == REC_NUMBER);
	CHECK(rec_u64(&r, rec_find(&r, "f"), &u) < 0);
	CHECK(rec_find(&r, "missing") < 0);
	CHECK(rec_str_eq(&r, r.event, "x"));
	/* A string cut to the buffer still reports its full length. */
	CHECK(rec_get_str(&r, "s", buf, 3) == 8 && !strcmp(buf, "a\xc3"));
	/* A NUL or a lone surrogate cannot come out as such: U+FFFD. */
	CHECK(parse(&r, "{\"event\":\"x\",\"ts\":1,\"s\":\"a\\u0000b\\udc00\"}", &err) == 0);
	CHECK(rec_get_str(&r, "s", buf, sizeof(buf)) == 8 &&
	      !strcmp(buf, "a\xef\xbf\xbd" "b\xef\xbf\xbd"));

	static const struct {
		const char *line, *err;
	} bad[] = {
		{"", "empty line"},
		{"{\"event\":\"x\",\"ts\":1", "truncated JSON"},
		{"{\"event\":\"x\",\"ts\":1}}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1} x", "invalid JSON"},
		{"{\"event\":\"x\" \"ts\":1}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1,}", "invalid JSON"},
		{"{\"event\":\"x\",,\"ts\":1}", "invalid JSON"},
		{"{\"event\"::\"x\",\"ts\":1}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":01}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":tru}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":1,\"a\":[1]}", "nested object or array (records are flat)"},
		{"{\"event\":\"x\",\"ts\":1,\"a\":{}}", "nested object or array (records are flat)"},
		{"[1]", "not a JSON object"},
		{"{\"ts\":1}", "missing field \"event\""},
		{"{\"event\":1,\"ts\":1}", "field \"event\" is not a string"},
		{"{\"event\":\"x\"}", "missing field \"ts\""},
		{"{\"event\":\"x\",\"ts\":1.5}", "field \"ts\" is not an integer"},
		{"{\"event\":\"x\",\"ts\":99999999999999999999}", "field \"ts\" is not an integer"},
		{"{\"event\":\"a\tb\",\"ts\":1}", "control byte inside a string"},
		{"{\"event\":\"\xff\",\"ts\":1}", "invalid UTF-8 in a string"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":\"\\x\"}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":\"\\u12x4\"}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":\"\\u12", "truncated JSON"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":\"\xc3(\"}", "invalid UTF-8 in a string"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":-}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":1.}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":1e}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":nullx}", "invalid JSON value"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":x}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1,7:1}", "invalid JSON"},
		{"{\"event\":\"x\",\"ts\":1,\"s\":\"a\"", "truncated JSON"},
		{" \t\r", "empty line"},
		{"1", "not a JSON object"},
		{"\"x\" ", "not a JSON object"},
		{"not json", "invalid JSON"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err = NULL;
		if (parse(&r, bad[k].line, &err) == 0 || !err || strcmp(err, bad[k].err)) {
			fprintf(stderr, "bad[%zu] '%s': got '%s', want '%s'\n", k, bad[k].line,
				err ? err : "(accepted)", bad[k].err);
			failures++;
		}
	}
	err = NULL;
	CHECK(rec_parse(&r, "{\"event\":\"x\",\"ts\":1}\0", 21, &err) < 0 &&
	      !strcmp(err, "NUL byte in line"));
	/* Strings are checked 8 bytes a step: a bad byte is found at every offset, after any
	 * run of good ones (the word test must not hide it), and good UTF-8 passes anywhere. */
	for (int at = 0; at < 20; at++) {
		static const char *const ins[] = {"\x01", "\x1f", "\x7f", "\xff", "\xc3\xa9", "\xc3"};
		static const int bad_ins[] = {1, 1, 0, 1, 0, 1};

		for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
			char s[128];

			snprintf(s, sizeof(s), "{\"event\":\"x\",\"ts\":1,\"s\":\"%.*s%s%s\"}", at,
				 "abcdefghijklmnopqrstuvwxyz", ins[k], "0123456789ABC");
			err = NULL;
			if ((parse(&r, s, &err) < 0) != bad_ins[k]) {
				fprintf(stderr, "string check, byte %zu at %d: got '%s'\n", k, at,
					err ? err : "(accepted)");
				failures++;
			}
		}
	}
	/* Many fields: the token array grows and is reused. */
	char big[8192] = "{\"event\":\"x\",\"ts\":1";
	for (int k = 0; k < 300; k++)
		sprintf(big + strlen(big), ",\"k%d\":%d", k, k);
	strcat(big, "}");
	CHECK(parse(&r, big, &err) == 0 && rec_nfields(&r) == 302);
	CHECK(rec_get_u64(&r, "k299", &u) == 0 && u == 299);
	/* What JSON allows around and inside a record is accepted. */
	CHECK(parse(&r, " \t{ \"event\" : \"x\" ,\r\"ts\":0, \"n\":-0.5e+3,\"e\":\"\\/\\b\\u00E9\",\"z\":null } \r", &err) == 0 &&
	      rec_nfields(&r) == 5 && rec_type(&r, 2) == REC_NUMBER && rec_type(&r, 3) == REC_STRING);
	rec_free(&r);
}

/* A record's members copied with some keys skipped, as a stage writes it. */
static void copy_without(const struct rec *r, const char *const *skip, char *out, size_t cap)
{
	FILE *f = fmemopen(out, cap, "w");
	struct jsonw w;

	jsonw_init(&w, f);
	jsonw_obj_open(&w, NULL);
	rec_copy_fields(r, &w, skip);
	jsonw_obj_close(&w);
	fclose(f);
}

/* Keys are matched as JSON means them (issue 13, defect 7). */
static void test_rec_keys(void)
{
	static const char *const skip[] = {"event", "runtime", NULL};
	struct rec r;
	const char *err = NULL, *k;
	char out[256];
	size_t n;

	rec_init(&r);
	/* {"ev\u0065nt":...} has an event. */
	CHECK(parse(&r, "{\"ev\\u0065nt\":\"x\",\"\\u0074s\":1}", &err) == 0);
	CHECK(r.event == 0 && r.ts == 1 && rec_str_eq(&r, r.event, "x"));
	CHECK(rec_key_is(&r, 0, "event") && !rec_key_is(&r, 0, "ev\\u0065nt"));
	k = rec_key(&r, 0, &n);
	CHECK(n == 10 && !memcmp(k, "ev\\u0065nt", n)); /* raw, to copy into JSON */
	k = rec_key_text(&r, 0, &n);
	CHECK(n == 5 && !memcmp(k, "event", n));
	k = rec_key_text(&r, 1, &n);
	CHECK(n == 2 && !memcmp(k, "ts", n));
	/* Every spelling of an owned key is dropped: no second "runtime" once decoded. */
	CHECK(parse(&r, "{\"event\":\"x\",\"ts\":1,\"runtime\":\"a\",\"r\\u0075ntime\":\"b\","
			"\"\\u0072\\u0075\\u006e\\u0074\\u0069\\u006d\\u0065\":\"c\",\"node\":\"n\"}", &err) == 0);
	CHECK(rec_find(&r, "runtime") == 2);
	copy_without(&r, skip, out, sizeof(out));
	CHECK(!strcmp(out, "{\"ts\":1,\"node\":\"n\"}\n"));
	/* Decoded keys that hold what no plain name holds: quote, NUL, astral, a long one. */
	CHECK(parse(&r, "{\"event\":\"x\",\"ts\":1,\"a\\\"b\":1,\"n\\u0000\":2,\"\\ud83d\\ude00\":3}", &err) == 0);
	CHECK(rec_find(&r, "a\"b") == 2 && rec_find(&r, "n") < 0 && rec_find(&r, "n\xef\xbf\xbd") == 3);
	CHECK(rec_find(&r, "\xf0\x9f\x98\x80") == 4);
	/* A plain key is still compared by length too: "ts" is not "t" nor "tsx". */
	CHECK(parse(&r, "{\"event\":\"x\",\"ts\":1,\"t\\u0073x\":2}", &err) == 0);
	CHECK(rec_find(&r, "t") < 0 && rec_find(&r, "tsx") == 2 && rec_find(&r, "ts") == 1);
	rec_free(&r);
}

/* The next line, reading and waiting as the filter loop does: 1, or 0 at end of input. */
static int next_line(struct line_reader *lr, int fd, struct line *l)
{
	for (;;) {
		struct pollfd p;

		if (line_reader__next_buffered(lr, l))
			return 1;
		if (line_reader__eof(lr))
			return 0;
		if (line_reader__fill(lr) >= 0)
			continue;
		CHECK(errno == EAGAIN);
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		CHECK(poll(&p, 1, 5000) == 1);
	}
}

static void test_lines(void)
{
	int p[2];
	struct line_reader *lr;
	struct line l;
	char longline[300];

	CHECK(pipe(p) == 0);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	dprintf(p[1], "one\n\n%s\ntwo\nlast", longline);
	close(p[1]);
	lr = line_reader__new(p[0], 100);
	CHECK(next_line(lr, p[0], &l) == 1 && l.no == 1 && !strcmp(l.s, "one"));
	CHECK(next_line(lr, p[0], &l) == 1 && l.no == 2 && l.len == 0 && !l.too_long);
	CHECK(next_line(lr, p[0], &l) == 1 && l.no == 3 && l.too_long);
	CHECK(next_line(lr, p[0], &l) == 1 && l.no == 4 && !strcmp(l.s, "two"));
	CHECK(next_line(lr, p[0], &l) == 1 && l.no == 5 && !strcmp(l.s, "last"));
	CHECK(next_line(lr, p[0], &l) == 0);
	line_reader__free(lr);
	close(p[0]);

	/*
	 * A non-blocking input (issue 13, defect 2): read() says EAGAIN until the writer's second
	 * line comes; that is no error and no end of input.
	 */
	pid_t pid;
	int status;

	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dprintf(p[1], "first\n");
		usleep(200 * 1000);
		dprintf(p[1], "second\n");
		_exit(0);
	}
	close(p[1]);
	lr = line_reader__new(p[0], 0);
	CHECK(next_line(lr, p[0], &l) == 1 && !strcmp(l.s, "first"));
	CHECK(next_line(lr, p[0], &l) == 1 && !strcmp(l.s, "second"));
	CHECK(next_line(lr, p[0], &l) == 0);
	line_reader__free(lr);
	close(p[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_utf8(void)
{
	CHECK(utf8_valid_len("\xc3\xa9", 2) == 2);
	CHECK(utf8_valid_len("\xc3", 1) == 0);
	CHECK(utf8_decode("\xe2\x80\xae", 3) == 0x202e);
	CHECK(utf8_valid_len("\xf0\x9f\x98\x80", 4) == 4);
	size_t used;
	char u8[4];

	CHECK(json_unescape("\\n", 2, &used) == '\n' && used == 2);
	CHECK(json_unescape("\\/", 2, &used) == '/' && used == 2);
	CHECK(json_unescape("\\u00e9x", 7, &used) == 0xe9 && used == 6);
	CHECK(json_unescape("\\ud83d\\ude00", 12, &used) == 0x1f600 && used == 12);
	CHECK(json_unescape("\\ud83d\\u0041", 12, &used) == 0xd83d && used == 6);
	CHECK(json_unescape("\\u12", 4, &used) == '\\' && used == 2);
	CHECK(json_unescape("\\", 1, &used) == '\\' && used == 1);
	CHECK(json_unescape_utf8("\\ud83d\\ude00", 12, u8, &used) == 4 && !memcmp(u8, "\xf0\x9f\x98\x80", 4));
	CHECK(json_unescape_utf8("\\udc00", 6, u8, &used) == 3 && !memcmp(u8, "\xef\xbf\xbd", 3));
	CHECK(json_unescape_utf8("\\u0000", 6, u8, &used) == 3 && !memcmp(u8, "\xef\xbf\xbd", 3));
	CHECK(hex4("00e9", 4) == 0xe9 && hex4("FFfe", 4) == 0xfffe && hex4("12g4", 4) == -1 &&
	      hex4("123", 3) == -1);
	/* ascii_run stops at the first byte below 0x20, from 0x80 up, or a stop byte, at every
	 * offset of every length (16-byte steps, 8-byte steps and single bytes all take part);
	 * for both stop pairs in use. */
	static const struct {
		char s1, s2, passes; /* passes: a byte that is not a stop for this pair */
	} pairs[] = {{'"', '\\', 0x7f}, {'\\', 0x7f, '"'}};
	static const unsigned char stop[] = {0x00, 0x01, 0x1f, 0x80, 0xc3, 0xff};
	char b[48];

	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		const char s1 = pairs[p].s1, s2 = pairs[p].s2;

		for (size_t n = 0; n <= sizeof(b); n++) {
			memset(b, 'a', sizeof(b));
			b[n % 3] = ' ', b[n / 2] = pairs[p].passes;
			if (ascii_run(b, n, s1, s2) != n) {
				fprintf(stderr, "ascii_run, pair %zu, %zu plain bytes: %zu\n", p, n,
					ascii_run(b, n, s1, s2));
				failures++;
			}
			for (size_t at = 0; at < n; at++)
				for (size_t k = 0; k < sizeof(stop) + 2; k++) {
					unsigned char c = k < sizeof(stop) ? stop[k]
									   : (unsigned char)(k == sizeof(stop) ? s1 : s2);

					memset(b, '~', sizeof(b));
					b[at] = (char)c;
					if (ascii_run(b, n, s1, s2) != at) {
						fprintf(stderr, "ascii_run, pair %zu, byte 0x%02x at %zu of %zu: %zu\n",
							p, c, at, n, ascii_run(b, n, s1, s2));
						failures++;
					}
				}
		}
	}
}

#define QUOTE(lit, want) check_quote(lit, sizeof(lit) - 1, want, __LINE__)

static void check_quote(const char *s, size_t n, const char *want, int line)
{
	char q[128];

	if (strcmp(log_quote(q, sizeof(q), s, n), want)) {
		fprintf(stderr, "%s:%d: log_quote: got '%s', want '%s'\n", __FILE__, line, q, want);
		failures++;
	}
}

/* Every byte that reaches stderr is as escaped as what reaches a terminal (defect 6). */
static void test_quote(void)
{
	char q[32];

	QUOTE("a\x1b[2Jb", "a\\x1b[2Jb");
	QUOTE("\x1b]0;title\x07", "\\x1b]0;title\\x07"); /* ESC, BEL */
	QUOTE("\r\n\t\x7f", "\\x0d\\x0a\\x09\\x7f");
	QUOTE("\xc2\x9b" "31m", "\\u009b31m");                  /* C1 CSI */
	QUOTE("\xc2\x85\xc2\x9f\xc2\xa0", "\\u0085\\u009f\xc2\xa0"); /* NEL, APC; NBSP shows */
	QUOTE("abc\xe2\x80\xae" "def", "abc\\u202edef");           /* RIGHT-TO-LEFT OVERRIDE */
	QUOTE("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");      /* isolates */
	QUOTE("\xe2\x80\x8b\xef\xbb\xbf\xc2\xad", "\\u200b\\ufeff\\u00ad"); /* zero width, BOM, SHY */
	QUOTE("\xe2\x80\xa8", "\\u2028");                         /* LINE SEPARATOR */
	QUOTE("\xf3\xa0\x80\x81", "\\U000e0001");                  /* LANGUAGE TAG */
	QUOTE("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
	QUOTE("\xff\xc3(\xed\xa0\x80", "\\xff\\xc3(\\xed\\xa0\\x80");   /* not UTF-8 */
	QUOTE("a\\x1b", "a\\\\x1b"); /* a real backslash reads back as one */
	QUOTE("nul\0", "nul\\x00");
	CHECK(!strcmp(log_quote(q, 12, "abcdefghijklmnop", 16), "abcdefgh..."));
	CHECK(!strcmp(log_quote(q, 12, "abcd\x1b\x1b\x1b", 7), "abcd\\x1b..."));
	CHECK(utf8_unsafe(0x1b) && utf8_unsafe(0x7f) && utf8_unsafe(0x80) && utf8_unsafe(0x9f));
	CHECK(!utf8_unsafe(' ') && !utf8_unsafe('~') && !utf8_unsafe(0xa0) && !utf8_unsafe(0xe9));
	CHECK(utf8_unsafe(0x202e) && utf8_unsafe(0xd800) && utf8_unsafe(0xe007f));
	CHECK(!utf8_unsafe(0x202f) && !utf8_unsafe(0x1f600) && !utf8_unsafe(0x10ffff));
}

/* What is written on fd (1 or 2, through stream) goes to a temporary file until end_capture. */
struct capture {
	FILE *stream, *file;
	int fd, saved;
};

static void begin_capture(struct capture *c, FILE *stream, int fd)
{
	c->stream = stream;
	c->fd = fd;
	c->file = tmpfile();
	c->saved = dup(fd);
	CHECK(c->file && c->saved >= 0);
	fflush(stream);
	dup2(fileno(c->file), fd);
}

/* Put fd back; the file holding what was written, at its start. */
static FILE *end_capture(struct capture *c)
{
	fflush(c->stream);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->file);
	return c->file;
}

/* warn() makes the whole message safe, even text a caller forgot to quote. */
static void test_warn(void)
{
	char got[256] = "";
	struct capture c;
	FILE *f;
	size_t n;

	begin_capture(&c, stderr, 2);
	prog_name = "unit";
	warn("id %s: gone", "ab\x1b]0;x\x07\xc2\x9b\xe2\x80\xae\\z");
	errno = ENOENT;
	warn("cannot open '%s':", "f\x1b");
	f = end_capture(&c);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	CHECK(!strcmp(got, "unit: id ab\\x1b]0;x\\x07\\u009b\\u202e\\z: gone\n"
			   "unit: cannot open 'f\\x1b': No such file or directory\n"));
}

/* The line limit (defect 9): out_record writes nothing longer than LINE_MAX_RECORD. */
struct fill {
	size_t len;
};

static void write_fill(struct jsonw *w, void *ctx)
{
	const struct fill *fl = ctx;
	char *s = malloc(fl->len);

	memset(s, 'x', fl->len);
	jsonw_obj_open(w, NULL);
	jsonw_strn(w, "s", s, fl->len);
	jsonw_obj_close(w);
	free(s);
}

static void test_out_record(void)
{
	const size_t frame = strlen("{\"s\":\"\"}");
	struct fill fits = {LINE_MAX_RECORD - frame}, over = {LINE_MAX_RECORD - frame + 1};
	struct capture c;
	FILE *f;
	long size;

	begin_capture(&c, stdout, 1);
	CHECK(out_record(0, write_fill, &fits) == 0);
	CHECK(out_record(0, write_fill, &over) == -1);
	CHECK(out_record(LINE_MAX_RECORD + 1, write_fill, &over) == -1); /* a bound past it */
	CHECK(out_record(100, write_fill, &(struct fill){3}) == 0);      /* straight out */
	f = end_capture(&c);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	CHECK(size == (long)(LINE_MAX_RECORD + 1 + frame + 3 + 1));
}

int main(void)
{
	test_rec();
	test_rec_keys();
	test_lines();
	test_utf8();
	test_quote();
	test_warn();
	test_out_record();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures != 0;
}
