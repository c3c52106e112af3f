/* Diagnostics on stderr, prefixed with the program's name. */
#ifndef CTRWATCH_LOG_H
#define CTRWATCH_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses shared by every program (DESIGN.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_DATAERR = 65,
};

/* Set once from main(); used as the prefix of every message. */
extern const char *prog_name;

/*
 * Print "prog: message" on stderr, in one write. A format ending in ':' appends strerror(errno).
 * Every message is made terminal-safe as a whole (control, C1 and bidi characters and invalid
 * UTF-8 escaped, as log_quote does, but a backslash is left as it is): untrusted text that
 * reached it unquoted still cannot act on a terminal. Quote it anyway, so it is unambiguous.
 */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* warn() with a va_list. */
void log_vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* warn(), then exit with status 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Non-zero when -v was given; verbose() prints only then. */
extern int log_verbose;
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copy untrusted text into buf for a message, by the terminal-safe rule (utf8_unsafe): control
 * bytes, DEL and bytes that are not part of valid UTF-8 become \xHH; C1 controls, bidi controls,
 * zero-width and other format characters become \uXXXX (\UXXXXXXXX above U+FFFF); a backslash
 * becomes \\, so the copy reads back unambiguously. Cut with "..." when it does not fit.
 * Returns buf.
 */
char *log_quote(char *buf, size_t cap, const char *s, size_t len);

#endif
