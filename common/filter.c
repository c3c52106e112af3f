#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "line.h"
#include "log.h"
#include "out.h"
#include "stop.h"

void filter_bad_line(const char *name, unsigned long no, const char *problem)
{
	char q[256];

	if (!name || !strcmp(name, "-"))
		warn("line %lu: %s", no, problem);
	else
		warn("%s:%lu: %s", log_quote(q, sizeof(q), name, strlen(name)), no, problem);
}

/*
 * Wait until fd has input, flushing output first when none is there at once (DESIGN.md: flush
 * before you block). 0: read now (an error is read's to report); -1: a stop signal came.
 */
static int wait_input(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = stop_poll(&p, 1, 0);

	if (n == 0) {
		out_flush();
		do
			n = stop_poll(&p, 1, -1);
		while (n < 0 && errno == EINTR && !stop_signal);
	}
	return stop_signal ? -1 : 0;
}

/* 0 done (or stopped), 1 read error, 65 strict stop. */
static int run_fd(struct filter *f, int fd, const char *name, struct rec *r)
{
	struct line_reader *lr = line_reader__new(fd, f->max_line);
	struct line l;
	int status = EXIT_OK;

	if (!lr)
		die("out of memory");
	for (;;) {
		const char *err = NULL;

		if (!line_reader__next_buffered(lr, &l)) {
			/* Every whole line read so far is handled: end, stop, or read more. */
			if (line_reader__eof(lr) || wait_input(fd) < 0)
				break;
			if (line_reader__fill(lr) < 0 && errno != EAGAIN) {
				char q[256];

				warn("cannot read '%s':",
				     log_quote(q, sizeof(q), name, strlen(name)));
				status = EXIT_FAIL;
				break;
			}
			continue;
		}
		if (l.too_long)
			err = "line too long";
		else if (rec_parse(r, l.s, l.len, &err) == 0 && f->on_record(r, f->ctx, &err) == 0)
			continue;
		f->bad++;
		filter_bad_line(name, l.no, err ? err : "bad record");
		if (f->strict) {
			status = EXIT_DATAERR;
			break;
		}
	}
	line_reader__free(lr);
	return status;
}

int filter_run(struct filter *f, int argc, char **argv)
{
	static char *dash[] = {"-"};
	struct rec r;
	int status = EXIT_OK;

	stop_catch();
	rec_init(&r);
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (int i = 0; i < argc && !stop_signal; i++) {
		const char *name = argv[i];
		int fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		int s;

		if (fd < 0) {
			char q[256];

			warn("cannot open '%s':", log_quote(q, sizeof(q), name, strlen(name)));
			status = EXIT_FAIL;
			continue;
		}
		s = run_fd(f, fd, strcmp(name, "-") ? name : "-", &r);
		if (fd != STDIN_FILENO)
			close(fd);
		if (s == EXIT_DATAERR) {
			status = s;
			break;
		}
		if (s)
			status = s;
	}
	rec_free(&r);
	return status;
}
