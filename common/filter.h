/*
 * The Unix-filter main loop shared by the record stages: read stdin or each file operand,
 * parse each line as a record, hand good ones to the stage, report bad ones by line number.
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

#endif
