/* Buffered record output on stdout, and the Unix-filter rules for ending it. */
#ifndef CTRWATCH_OUT_H
#define CTRWATCH_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "jsonw.h"

/* Make stdout fully buffered (64 KiB) and ignore SIGPIPE, so EPIPE is seen as an error. */
void out_init(void);

/*
 * Flush stdout. A closed reader (EPIPE) ends the program quietly with status 0, as `| head`
 * expects; any other write error is fatal (status 1).
 */
void out_flush(void);

/*
 * Write one record line on stdout, made by fn(w, ctx) (one top-level object), keeping the line
 * limit (LINE_MAX_RECORD, line.h): a record that would be longer is not written, and -1 is
 * returned for the caller to report. bound is an upper bound of the line's length that the
 * caller knows cheaply (0: none): within the limit the record goes straight to stdout; past it
 * the record is made in memory first and measured (rare: only near the limit).
 */
int out_record(size_t bound, void (*fn)(struct jsonw *w, void *ctx), void *ctx);

/* Flush and close stdout with a check (ENOSPC is only seen here); returns status for exit(). */
int out_close(int status);

#endif
