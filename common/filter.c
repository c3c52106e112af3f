#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "line.h"
#include "log.h"
#include "out.h"

void filter_bad_line(const char *name, unsigned long no, const char *problem)
{
	char q[256];

	if (!name || !strcmp(name, "-"))
		warn("line %lu: %s", no, problem);
	else
		warn("%s:%lu: %s", log_quote(q, sizeof(q), name, strlen(name)), no, problem);
}

static void idle_flush(void *ctx)
{
	(void)ctx;
	out_flush();
}

/* 0 done, 1 read error, 65 strict stop. */
static int run_fd(struct filter *f, int fd, const char *name, struct rec *r)
{
	struct line_reader *lr = line_reader__new(fd, f->max_line);
	struct line l;
	int rc, status = EXIT_OK;

	if (!lr)
		die("out of memory");
	line_reader__set_idle(lr, idle_flush, NULL);
	while ((rc = line_reader__next(lr, &l)) > 0) {
		const char *err = NULL;

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
	if (rc < 0) {
		char q[256];

		warn("cannot read '%s':", log_quote(q, sizeof(q), name, strlen(name)));
		status = EXIT_FAIL;
	}
	line_reader__free(lr);
	return status;
}

int filter_run(struct filter *f, int argc, char **argv)
{
	static char *dash[] = {"-"};
	struct rec r;
	int status = EXIT_OK;

	rec_init(&r);
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (int i = 0; i < argc; i++) {
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
