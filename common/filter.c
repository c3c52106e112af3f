#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- the same, driven by the caller's event loop ---- */

struct filter_input {
	struct filter *f;
	int argc, next; /* argv[next] is the input to open after this one */
	char **argv;
	bool stopped; /* --strict or a stop signal: open nothing more */
	const char *name;
	int fd;
	struct line_reader *lr; /* NULL once every input is done */
	unsigned long no;	/* line number of the record last returned */
	struct rec r;
	int status;
};

static void input_close(struct filter_input *in)
{
	if (!in->lr)
		return;
	line_reader__free(in->lr);
	in->lr = NULL;
	if (in->fd != STDIN_FILENO)
		close(in->fd);
}

/* Close the current input, if any, and open the next one that opens. */
static void input_next_file(struct filter_input *in)
{
	static char dash[] = "-";

	input_close(in);
	while (!in->stopped && (in->next < in->argc || (in->argc == 0 && in->next == 0))) {
		const char *name = in->argc ? in->argv[in->next] : dash;
		char q[256];

		in->next++;
		in->fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (in->fd < 0) {
			warn("cannot open '%s':", log_quote(q, sizeof(q), name, strlen(name)));
			in->status = EXIT_FAIL;
			continue;
		}
		in->name = name;
		in->lr = line_reader__new(in->fd, in->f->max_line);
		if (!in->lr)
			die("out of memory");
		return;
	}
}

struct filter_input *filter_input__new(struct filter *f, int argc, char **argv)
{
	struct filter_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->f = f;
	in->argc = argc;
	in->argv = argv;
	rec_init(&in->r);
	input_next_file(in);
	return in;
}

void filter_input__free(struct filter_input *in)
{
	if (!in)
		return;
	input_close(in);
	rec_free(&in->r);
	free(in);
}

void filter_input__bad_at(struct filter_input *in, const char *name, unsigned long no,
			  const char *err)
{
	in->f->bad++;
	filter_bad_line(name, no, err ? err : "bad record");
	if (in->f->strict) {
		in->status = EXIT_DATAERR;
		in->stopped = true;
		input_close(in);
	}
}

void filter_input__bad(struct filter_input *in, const char *err)
{
	filter_input__bad_at(in, in->name, in->no, err);
}

unsigned long filter_input__where(const struct filter_input *in, const char **name)
{
	*name = in->name;
	return in->no;
}

void filter_input__stop(struct filter_input *in)
{
	in->stopped = true;
}

int filter_input__next(struct filter_input *in, struct rec **r)
{
	struct line l;

	while (in->lr) {
		const char *err = NULL;

		if (line_reader__next_buffered(in->lr, &l) != 1) {
			if (!line_reader__eof(in->lr) && !in->stopped)
				return 0;
			input_next_file(in); /* stopped: opens nothing */
			continue;
		}
		in->no = l.no;
		if (l.too_long)
			err = "line too long";
		else if (rec_parse(&in->r, l.s, l.len, &err) == 0) {
			*r = &in->r;
			return 1;
		}
		filter_input__bad(in, err);
	}
	return -1;
}

int filter_input__fd(const struct filter_input *in)
{
	return in->lr ? in->fd : -1;
}

void filter_input__read(struct filter_input *in)
{
	char q[256];

	if (!in->lr || line_reader__fill(in->lr) >= 0 || errno == EAGAIN || errno == EINTR)
		return;
	warn("cannot read '%s':", log_quote(q, sizeof(q), in->name, strlen(in->name)));
	in->status = EXIT_FAIL;
	input_next_file(in);
}

int filter_input__status(const struct filter_input *in)
{
	return in->status;
}
