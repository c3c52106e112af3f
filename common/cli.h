/* Command-line conventions shared by every program. */
#ifndef CTRWATCH_CLI_H
#define CTRWATCH_CLI_H

#ifndef CTRWATCH_VERSION
#define CTRWATCH_VERSION "0.0.0"
#endif

/* Long-only option values start here, clear of every short option character. */
#define CLI_OPT_BASE 0x100

/*
 * Check the standard descriptors; called first thing in main(), once prog_name is set. A
 * closed 0, 1 or 2 is an error: each is reopened on /dev/null first, so that nothing opened
 * later (a file operand, a library's socket) takes its number and gets records written into it
 * or is read as input, then "prog: standard output is closed" goes to stderr and the program
 * exits with status 1.
 */
void cli_check_std_fds(void);

/* Print "prog (ctrwatch) VERSION" on stdout and exit 0. */
void cli_version(void) __attribute__((noreturn));

/* Print "prog: message" and "Try 'prog --help'." on stderr, and exit 2. */
void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * After getopt_long has printed its own complaint (unknown option, missing argument): print
 * "Try 'prog --help'." on stderr and exit 2.
 */
void cli_try_help(void) __attribute__((noreturn));

/*
 * For a program that sets opterr = 0 and starts its optstring with ':' (so getopt stays quiet
 * and a missing value is ':'): report what getopt_long found wrong, given what it returned, as
 * "unknown option '-x'" or "option '--name' needs a value", quoted, and exit 2 as
 * cli_usage_error does. getopt's own message would echo the argument raw.
 */
void cli_option_error(int c, char **argv) __attribute__((noreturn));

/* Print the usage text on stdout and exit 0. */
void cli_help(const char *text) __attribute__((noreturn));

/*
 * Parse a whole decimal number in [min, max] for option `opt`; a usage error (exit 2) otherwise.
 */
unsigned long long cli_number(const char *opt, const char *arg, unsigned long long min,
			      unsigned long long max);

/* Parse a duration such as "250ms", "2s", "1.5s" or "3" (seconds) into milliseconds. */
unsigned long long cli_duration_ms(const char *opt, const char *arg);

#endif
