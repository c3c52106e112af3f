#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

const char *prog_name = "ctrwatch";
int log_verbose;

static const char hex[] = "0123456789abcdef";

/*
 * How the text at s (n > 0 bytes) is shown on stderr: the bytes to write in e (at most 10), and
 * the input bytes they stand for in *used. The terminal-safe rule (utf8_unsafe): a control byte,
 * DEL or a byte that is not part of valid UTF-8 becomes \xHH; an unsafe character from U+0080
 * up becomes \uXXXX or \UXXXXXXXX; a backslash becomes \\ when bs is set.
 */
static size_t shown(const char *s, size_t n, bool bs, char *e, size_t *used)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c >= 0x80 ? utf8_valid_len(s, n) : 1;
	uint32_t cp = k > 1 ? utf8_decode(s, k) : c;

	*used = k ? k : 1;
	if (c == '\\' && bs) {
		e[0] = e[1] = '\\';
		return 2;
	}
	if (k && !utf8_unsafe(cp)) {
		memcpy(e, s, k);
		return k;
	}
	if (k <= 1) { /* a byte: control, DEL, or not UTF-8 */
		e[0] = '\\', e[1] = 'x', e[2] = hex[c >> 4], e[3] = hex[c & 15];
		return 4;
	}
	k = cp > 0xffff ? 8 : 4;
	e[0] = '\\', e[1] = k == 8 ? 'U' : 'u';
	for (size_t d = 0; d < k; d++)
		e[2 + d] = hex[cp >> (4 * (k - 1 - d)) & 15];
	return 2 + k;
}

/* Append s[0, n) to buf (of size cap, at *o) by the rule above, cut with "..." if it is full. */
static void put_shown(char *buf, size_t cap, size_t *o, const char *s, size_t n, bool bs)
{
	for (size_t i = 0; i < n;) {
		char e[10];
		size_t used, k;

		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '\\') {
			e[0] = s[i];
			k = used = 1;
		} else {
			k = shown(s + i, n - i, bs, e, &used);
		}
		if (*o + k + 4 > cap) {
			if (*o + 4 <= cap)
				memcpy(buf + *o, "...", 3), *o += 3;
			break;
		}
		memcpy(buf + *o, e, k);
		*o += k;
		i += used;
	}
	buf[*o] = '\0';
}

/*
 * Every message goes out as one write, with whatever untrusted text reached it unquoted made
 * safe all the same: a backslash is left as it is, since text in it is quoted already.
 */
static void vsay(const char *fmt, va_list ap, bool with_errno)
{
	int saved = errno;
	char msg[2048], line[4096];
	size_t o = 0;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		n = 0;
	put_shown(line, sizeof(line), &o, prog_name, strlen(prog_name), false);
	put_shown(line, sizeof(line), &o, ": ", 2, false);
	put_shown(line, sizeof(line), &o, msg,
		  (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1, false);
	if (with_errno) {
		const char *e = strerror(saved);

		put_shown(line, sizeof(line), &o, " ", 1, false);
		put_shown(line, sizeof(line), &o, e, strlen(e), false);
	}
	line[o++] = '\n';
	fwrite(line, 1, o, stderr);
	errno = saved;
}

void log_vwarn(const char *fmt, va_list ap)
{
	size_t n = strlen(fmt);

	vsay(fmt, ap, n && fmt[n - 1] == ':');
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwarn(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwarn(fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwarn(fmt, ap);
	va_end(ap);
}

char *log_quote(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = 0;

	if (cap)
		put_shown(buf, cap, &o, s, len, true);
	return buf;
}
