/*
 * The Unix-filter main loop shared by the record stages: read stdin or each file operand,
 * parse each line as a record, hand good ones to the stage, report bad ones by line number.
 * filter_run() is the loop itself; filter_input__*() is the same reading for a stage that runs
 * its own event loop.
 */
#ifndef CTRWATCH_FILTER_H
#define CTRWATCH_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"

struct filter {
	bool strict;     /* the first bad line ends the run with status 65 */
	size_t max_line; /* 0: LINE_MAX_RECORD */
	/*
	 * Called for each well-formed record. Return 0, or -1 with *err set when the stage cannot
	 * use this record (a missing or mistyped field it needs): it is then reported as bad input.
	 */
	int (*on_record)(struct rec *r, void *ctx, const char **err);
	void *ctx;
	unsigned long bad; /* bad lines seen, for the caller */
};

/*
 * Run f over the files in argv[0, argc) ("-" is stdin; none means stdin). Output is flushed
 * whenever input stalls. Returns the exit status: 0; 1 when a file could not be read (the
 * others are still read); 65 under strict at the first bad line.
 *
 * SIGINT and SIGTERM, unless ignored at entry, stop the input: every whole line already read is
 * handled, nothing more is read (a line not read to its end is left), and the run ends as at
 * end of input, status 0 when nothing failed before. A stop signal acts when the program next
 * waits for input: one that comes while output is blocked waits for the write to finish, so
 * nothing read is lost. The handlers stay installed after the run (they only note the signal),
 * so a late signal cannot cut the final flush short.
 */
int filter_run(struct filter *f, int argc, char **argv);

/*
 * Report bad input: "prog: NAME:LINE: problem" on stderr (just "line LINE" for stdin).
 * Shared with stages that run their own loop.
 */
void filter_bad_line(const char *name, unsigned long no, const char *problem);

/*
 * The same reading, driven by a stage's own event loop: for a stage that waits on more than its
 * input (ctrenrich waits on runtime sockets too) and must never block on it. The stage takes
 * records while it has room for them, polls filter_input__fd() with its own descriptors, and
 * calls filter_input__read() when that one is readable, or when filter_input__next() asked for
 * input and the descriptor may be non-blocking. Files, "-", bad lines, --strict and the exit
 * status are as filter_run() has them; f->on_record is not used.
 */
struct filter_input;

/* Read the files in argv[0, argc) ("-" or none: stdin) under f's rules. NULL on ENOMEM. */
struct filter_input *filter_input__new(struct filter *f, int argc, char **argv);
void filter_input__free(struct filter_input *in);

/*
 * The next well-formed record already read: 1 with *r set (valid until the next call); 0 when
 * more input is needed first (poll filter_input__fd(), then filter_input__read()); -1 when every
 * input is done, or --strict stopped at a bad line. Bad lines are reported and skipped here.
 */
int filter_input__next(struct filter_input *in, struct rec **r);

/* The stage cannot use the record just returned (err says why): reported as bad input. */
void filter_input__bad(struct filter_input *in, const char *err);

/*
 * Where the record just returned came from: its line number, and in *name its input's name
 * ("-" for stdin), valid for the whole run.
 */
unsigned long filter_input__where(const struct filter_input *in, const char **name);

/*
 * A record returned earlier is bad input after all (err says why: the stage found it out only
 * later), at name:no as filter_input__where() gave them. Reported, and --strict stops there.
 */
void filter_input__bad_at(struct filter_input *in, const char *name, unsigned long no,
			  const char *err);

/*
 * Stop reading (SIGINT, SIGTERM): the whole lines already read are still returned, then
 * filter_input__next() says every input is done; nothing more is read or opened. A line not
 * read to its end is left.
 */
void filter_input__stop(struct filter_input *in);

/* The descriptor to poll for input, or -1 when every input is done. */
int filter_input__fd(const struct filter_input *in);

/* One read(2) from the current input; EAGAIN and EINTR are not errors. A failure is reported
 * ("cannot read", status 1) and the next input opened. */
void filter_input__read(struct filter_input *in);

/* The exit status so far, as filter_run() returns it. */
int filter_input__status(const struct filter_input *in);

#endif
