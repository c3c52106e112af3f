#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "out.h"

void cli_check_std_fds(void)
{
	static const char *const name[] = {"standard input", "standard output", "standard error"};
	bool closed[3], any = false;

	for (int fd = 0; fd < 3; fd++) {
		closed[fd] = fcntl(fd, F_GETFD) < 0 && errno == EBADF;
		any |= closed[fd];
	}
	if (!any)
		return;
	/* open() takes the lowest free number: lowest first, each hole is filled in turn. */
	for (int fd = 0; fd < 3; fd++)
		if (closed[fd] && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			exit(EXIT_FAIL); /* no /dev/null: nowhere sane to say it */
	for (int fd = 0; fd < 3; fd++)
		if (closed[fd])
			warn("%s is closed", name[fd]);
	exit(EXIT_FAIL);
}

void cli_version(void)
{
	printf("%s (ctrwatch) %s\n", prog_name, CTRWATCH_VERSION);
	exit(out_close(EXIT_OK));
}

void cli_help(const char *text)
{
	fputs(text, stdout);
	exit(out_close(EXIT_OK));
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog_name);
	exit(EXIT_USAGE);
}

void cli_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog_name);
	exit(EXIT_USAGE);
}

void cli_option_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	/* The last element getopt finished, unless a short option (optopt) inside a cluster it
	 * has not finished is at fault: "--all -xa". */
	bool is_long = !strncmp(arg, "--", 2) && (c == ':' || !optopt || strchr(arg, '='));
	size_t n = is_long ? strcspn(arg, "=") : 1; /* a long option's name, without its value */
	char opt = (char)optopt; /* a short one: in a cluster such as -ax, the one at fault */
	char q[128];

	log_quote(q, sizeof(q), is_long ? arg : &opt, n);
	if (c == ':')
		cli_usage_error("option '%s%s' needs a value", is_long ? "" : "-", q);
	if (is_long && optopt)
		cli_usage_error("option '%s' takes no value", q); /* --all=1 */
	cli_usage_error("unknown option '%s%s'", is_long ? "" : "-", q);
}

unsigned long long cli_number(const char *opt, const char *arg, unsigned long long min,
			      unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!arg || !*arg || arg[0] == '-')
		cli_usage_error("%s: '%s' is not a number", opt, arg ? arg : "");
	v = strtoull(arg, &end, 10);
	if (errno || *end)
		cli_usage_error("%s: '%s' is not a number", opt, arg);
	if (v < min || v > max)
		cli_usage_error("%s: %llu is out of range (%llu to %llu)", opt, v, min, max);
	return v;
}

unsigned long long cli_duration_ms(const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	if (!arg || !*arg || arg[0] == '-')
		cli_usage_error("%s: '%s' is not a duration", opt, arg ? arg : "");
	v = strtod(arg, &end);
	if (errno || end == arg)
		cli_usage_error("%s: '%s' is not a duration", opt, arg);
	if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s") || !*end)
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else
		cli_usage_error("%s: '%s' is not a duration (use ms, s or m)", opt, arg);
	if (v < 0 || v > 86400000.0 * 365)
		cli_usage_error("%s: '%s' is out of range", opt, arg);
	return (unsigned long long)v;
}
