/* Unit tests for common/: the record reader, the line reader, UTF-8 (the JSON writer: jsonw.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line.h"
#include "log.h"
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
	CHECK(line_reader__next(lr, &l) == 1 && l.no == 1 && !strcmp(l.s, "one"));
	CHECK(line_reader__next(lr, &l) == 1 && l.no == 2 && l.len == 0 && !l.too_long);
	CHECK(line_reader__next(lr, &l) == 1 && l.no == 3 && l.too_long);
	CHECK(line_reader__next(lr, &l) == 1 && l.no == 4 && !strcmp(l.s, "two"));
	CHECK(line_reader__next(lr, &l) == 1 && l.no == 5 && !strcmp(l.s, "last"));
	CHECK(line_reader__next(lr, &l) == 0);
	line_reader__free(lr);
	close(p[0]);
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

static void test_quote(void)
{
	char q[32];

	CHECK(!strcmp(log_quote(q, sizeof(q), "a\x1b[2Jb", 6), "a\\x1b[2Jb"));
	CHECK(!strcmp(log_quote(q, 12, "abcdefghijklmnop", 16), "abcdefgh..."));
}

int main(void)
{
	test_rec();
	test_lines();
	test_utf8();
	test_quote();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures != 0;
}
