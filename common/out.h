/* Buffered record output on stdout, and the Unix-filter rules for ending it. */
#ifndef CTRWATCH_OUT_H
#define CTRWATCH_OUT_H

#include <stdio.h>

/* Make stdout fully buffered (64 KiB) and ignore SIGPIPE, so EPIPE is seen as an error. */
void out_init(void);

/*
 * Flush stdout. A closed reader (EPIPE) ends the program quietly with status 0, as `| head`
 * expects; any other write error is fatal (status 1).
 */
void out_flush(void);

/* Flush and close stdout with a check (ENOSPC is only seen here); returns status for exit(). */
int out_close(int status);

#endif
