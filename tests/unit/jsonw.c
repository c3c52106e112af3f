/*
 * Unit tests for common/jsonw: the strings rule, nesting, the terminal-safe mode, text that is
 * already JSON, the writer's buffer (values longer than it) and its memory of keys.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* A writer on a memory stream; out() closes it and gives what was written. */
static FILE *mem;
static char *mem_buf;
static size_t mem_len;

static void start(struct jsonw *w, bool terminal)
{
	mem = open_memstream(&mem_buf, &mem_len);
	jsonw_init(w, mem);
	jsonw_terminal(w, terminal);
}

static char *out(void)
{
	fclose(mem);
	return mem_buf;
}

/* s[0, n) as a top-level string, compared with want (quotes included). */
static void check_str(bool terminal, const char *s, size_t n, const char *want, int line)
{
	struct jsonw w;
	char *got;

	start(&w, terminal);
	jsonw_strn(&w, NULL, s, n);
	got = out();
	if (strcmp(got, want)) {
		fprintf(stderr, "%s:%d: got '%s', want '%s'\n", __FILE__, line, got, want);
		failures++;
	}
	free(got);
}
#define ESC(lit, want) check_str(false, lit, sizeof(lit) - 1, "\"" want "\"", __LINE__)
#define TTY(lit, want) check_str(true, lit, sizeof(lit) - 1, "\"" want "\"", __LINE__)

/* The strings rule of jsonw.h: the bytes every program's records are made of. */
static void test_escape(void)
{
	ESC("plain", "plain");
	ESC("a\"b\\c", "a\\\"b\\\\c");
	ESC("\x01\x1f\n\t\x1b[31m", "\\u0001\\u001f\\u000a\\u0009\\u001b[31m");
	ESC("nul\0byte", "nul\\u0000byte");
	ESC("\x7f", "\x7f"); /* DEL is valid JSON as it is */
	ESC("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
	ESC("\xe2\x80\xae", "\xe2\x80\xae"); /* U+202E: valid UTF-8, left as it is */
	/* Invalid UTF-8: each offending byte becomes U+FFFD. */
	ESC("\xff", "\xef\xbf\xbd");
	ESC("a\xc3", "a\xef\xbf\xbd");				     /* cut sequence */
	ESC("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");		     /* overlong '/' */
	ESC("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	ESC("\xf4\x90\x80\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
	ESC("\x80x", "\xef\xbf\xbdx");
	/* Long strings take the 16-bytes-at-a-time path: the same rule. */
	ESC("0123456789abcdef0123456789abcdef\"\x7f\x01",
	    "0123456789abcdef0123456789abcdef\\\"\x7f\\u0001");
}

/* The terminal-safe mode: the same values, with what a terminal acts on escaped. */
static void test_terminal(void)
{
	TTY("plain", "plain");
	TTY("a\"b\\c\x1b", "a\\\"b\\\\c\\u001b");
	TTY("\x7f", "\\u007f");
	TTY("\xc2\x85", "\\u0085"); /* C1 NEL */
	TTY("\xc2\xad", "\\u00ad"); /* soft hyphen (Cf) */
	TTY("\xe2\x80\xae"
	    "exe",
	    "\\u202eexe");			   /* RLO */
	TTY("\xe2\x81\xa6x", "\\u2066x");	   /* LRI */
	TTY("\xe2\x80\x8b", "\\u200b");		   /* zero width space */
	TTY("\xe2\x80\xa8", "\\u2028");		   /* line separator */
	TTY("\xef\xbb\xbf", "\\ufeff");		   /* BOM */
	TTY("\xf3\xa0\x81\x81", "\\udb40\\udc41"); /* U+E0041, a tag: a surrogate pair */
	TTY("caf\xc3\xa9 \xf0\x9f\x90\xb3", "caf\xc3\xa9 \xf0\x9f\x90\xb3"); /* printable: as is */
	TTY("\xff", "\xef\xbf\xbd");
	TTY("0123456789abcdef0123456789abcdef\x7f\"",
	    "0123456789abcdef0123456789abcdef\\u007f\\\"");

	CHECK(utf8_unsafe(0x1b) && utf8_unsafe(0x7f) && utf8_unsafe(0x9b));
	CHECK(utf8_unsafe(0x202e) && utf8_unsafe(0xd800) && utf8_unsafe(0xe007f));
	CHECK(!utf8_unsafe('a') && !utf8_unsafe(0xe9) && !utf8_unsafe(0x1f433));
	CHECK(!utf8_unsafe(0x202f) && !utf8_unsafe(0x10ffff));
}

/* Text that is already JSON: copied as it is; made terminal-safe in that mode. */
static void test_json_text(void)
{
	static const char body[] = "a\\u001b\\ud83d\\ude00\\ud800x\xe2\x80\xae\x7f\\\"";
	static const char line[] = "{\"a\":\"\\u202e\xe2\x80\xae\",\r\"b\":[1,\ttrue]}";
	struct jsonw w;
	char *got;

	start(&w, false);
	jsonw_str_json(&w, NULL, body, sizeof(body) - 1);
	got = out();
	CHECK(!strcmp(got, "\"a\\u001b\\ud83d\\ude00\\ud800x\xe2\x80\xae\x7f\\\"\""));
	free(got);

	/* Escapes kept, a lone surrogate escape replaced, raw bidi and DEL escaped. */
	start(&w, true);
	jsonw_str_json(&w, NULL, body, sizeof(body) - 1);
	got = out();
	CHECK(!strcmp(got, "\"a\\u001b\\ud83d\\ude00\\ufffdx\\u202e\\u007f\\\"\""));
	free(got);

	start(&w, false);
	jsonw_line(&w, line, sizeof(line) - 1);
	got = out();
	CHECK(!strcmp(got, "{\"a\":\"\\u202e\xe2\x80\xae\",\r\"b\":[1,\ttrue]}\n"));
	free(got);

	/* Between tokens, a control byte can only be whitespace: a space. */
	start(&w, true);
	jsonw_line(&w, line, sizeof(line) - 1);
	got = out();
	CHECK(!strcmp(got, "{\"a\":\"\\u202e\\u202e\", \"b\":[1, true]}\n"));
	free(got);

	/* Members: raw ones made safe in the terminal mode; the program's own as they are. */
	start(&w, true);
	jsonw_obj_open(&w, NULL);
	jsonw_raw_member(&w, "\"k\":\"\xe2\x80\xae\"", 9);
	jsonw_members(&w, "\"a\":1,\"b\":{}", 12);
	jsonw_raw(&w, "n", "-1.5e3", 6);
	jsonw_raw(&w, "s", "\"\x7f\"", 3);
	jsonw_obj_close(&w);
	got = out();
	CHECK(
	    !strcmp(got, "{\"k\":\"\\u202e\",\"a\":1,\"b\":{},\"n\":-1.5e3,\"s\":\"\\u007f\"}\n"));
	free(got);
}

static void test_writer(void)
{
	struct jsonw w;
	char *got;

	start(&w, false);
	jsonw_obj_open(&w, NULL);
	jsonw_str(&w, "a", "x");
	jsonw_u64(&w, "b", UINT64_MAX);
	jsonw_i64(&w, "c", INT64_MIN);
	jsonw_bool(&w, "d", true);
	jsonw_null(&w, "e");
	jsonw_arr_open(&w, "f");
	jsonw_i64(&w, NULL, 0);
	jsonw_obj_open(&w, NULL);
	jsonw_obj_close(&w);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	got = out();
	CHECK(!strcmp(got, "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":-9223372036854775808,"
			   "\"d\":true,\"e\":null,\"f\":[0,{}]}\n"));
	free(got);

	/* A top-level scalar goes out when written; values before the end of one do not. */
	start(&w, false);
	jsonw_u64(&w, NULL, 7);
	fflush(mem);
	CHECK(mem_len == 1 && mem_buf[0] == '7');
	jsonw_obj_open(&w, NULL);
	jsonw_str(&w, "k", "v");
	fflush(mem);
	CHECK(mem_len == 1);
	jsonw_obj_close(&w);
	got = out();
	CHECK(!strcmp(got, "7{\"k\":\"v\"}\n"));
	free(got);
}

/* Values longer than the writer's buffer, and many values in one object. */
static void test_long(void)
{
	enum { N = 3 * JSONW_BUF + 7 };
	char *s = malloc(N), *want = malloc(2 * N + 64);
	struct jsonw w;
	char *got;
	size_t k = 0;

	for (size_t i = 0; i < N; i++)
		s[i] = i % 97 == 0 ? '"' : (char)('a' + i % 26);
	want[k++] = '{';
	memcpy(want + k, "\"s\":\"", 5);
	k += 5;
	for (size_t i = 0; i < N; i++) {
		if (s[i] == '"')
			want[k++] = '\\';
		want[k++] = s[i];
	}
	memcpy(want + k, "\",\"r\":", 6);
	k += 6;
	want[k] = '\0';

	start(&w, true);
	jsonw_obj_open(&w, NULL);
	jsonw_strn(&w, "s", s, N);
	jsonw_raw(&w, "r", "[1,2]", 5);
	jsonw_obj_close(&w);
	got = out();
	CHECK(!strncmp(got, want, k) && !strcmp(got + k, "[1,2]}\n"));
	free(got);

	start(&w, false);
	jsonw_arr_open(&w, NULL);
	for (int i = 0; i < 5000; i++)
		jsonw_u64(&w, NULL, 1000000);
	jsonw_arr_close(&w);
	got = out();
	CHECK(strlen(got) == 5000 * 8 + 2 && !strncmp(got, "[1000000,", 9) &&
	      !strcmp(got + strlen(got) - 10, ",1000000]\n"));
	free(got);
	free(s);
	free(want);
}

/* Keys: remembered by address, many of them, and escaped when they need it. */
static void test_keys(void)
{
	static char keys[300][12];
	static const char *const odd[] = {"a\"b", "tab\there", "\xe2\x80\xae",
					  "the key that is much "
					  "too long to remember"};
	struct jsonw w;
	char *got, want[32];
	size_t at = 1;

	for (int i = 0; i < 300; i++)
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
	start(&w, false);
	jsonw_obj_open(&w, NULL);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 300; i++)
			jsonw_u64(&w, keys[i], (uint64_t)i);
	jsonw_obj_close(&w);
	got = out();
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 300; i++) {
			int n = snprintf(want, sizeof(want), "\"k%d\":%d,", i, i);

			if (round == 2 && i == 299)
				want[--n] = '\0';
			CHECK(!strncmp(got + at, want, (size_t)n));
			at += (size_t)n;
		}
	CHECK(!strcmp(got + at, "}\n"));
	free(got);

	for (int terminal = 0; terminal < 2; terminal++) {
		start(&w, terminal);
		jsonw_obj_open(&w, NULL);
		for (int round = 0; round < 2; round++)
			for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
				jsonw_bool(&w, odd[i], round);
		jsonw_obj_close(&w);
		got = out();
		CHECK(!strcmp(
		    got, terminal ? "{\"a\\\"b\":false,\"tab\\u0009here\":false,"
				    "\"\\u202e\":false,\"the key that is much too long to "
				    "remember\":false,\"a\\\"b\":true,\"tab\\u0009here\":true,"
				    "\"\\u202e\":true,\"the key that is much too long to "
				    "remember\":true}\n"
				  : "{\"a\\\"b\":false,\"tab\\u0009here\":false,"
				    "\"\xe2\x80\xae\":false,\"the key that is much too long to "
				    "remember\":false,\"a\\\"b\":true,\"tab\\u0009here\":true,"
				    "\"\xe2\x80\xae\":true,\"the key that is much too long to "
				    "remember\":true}\n"));
		free(got);
	}
}

int main(void)
{
	test_escape();
	test_terminal();
	test_json_text();
	test_writer();
	test_long();
	test_keys();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures != 0;
}
