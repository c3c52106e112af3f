#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

const char *prog_name = "ctrwatch";
int log_verbose;

static void vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

char *log_quote(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = 0, i = 0;

	if (!cap)
		return buf;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c >= 0x80 ? utf8_valid_len(s + i, len - i) : 1;
		size_t need = (c < 0x20 || c == 0x7f || n == 0) ? 4 : n;

		if (o + need + 4 > cap) {
			if (o + 4 <= cap)
				memcpy(buf + o, "...", 3), o += 3;
			break;
		}
		if (need == 4 && (c < 0x20 || c == 0x7f || n == 0)) {
			snprintf(buf + o, 5, "\\x%02x", c);
			o += 4;
			i += 1;
		} else {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		}
	}
	buf[o] = '\0';
	return buf;
}
