/* Diagnostics on stderr, prefixed with the program's name. */
#ifndef CTRWATCH_LOG_H
#define CTRWATCH_LOG_H

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

/* Print "prog: message" on stderr. A format ending in ':' appends strerror(errno). */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* warn(), then exit with status 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Non-zero when -v was given; verbose() prints only then. */
extern int log_verbose;
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copy untrusted text into buf for a message: control bytes, DEL and bytes >= 0x80 that are not
 * part of valid UTF-8 become \xHH, and the copy is cut with "..." when it does not fit.
 * Returns buf.
 */
char *log_quote(char *buf, size_t cap, const char *s, size_t len);

#endif
