#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "out.h"

static char out_buf[1 << 16];

void out_init(void)
{
	setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	signal(SIGPIPE, SIG_IGN);
}

static void out_failed(void)
{
	if (errno == EPIPE)
		_exit(EXIT_OK); /* the reader is gone: nothing left to say, and no one to say it to */
	die("cannot write to standard output:");
}

void out_flush(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		out_failed();
}

int out_close(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		out_failed();
	if (fclose(stdout) == EOF)
		out_failed();
	return status;
}
