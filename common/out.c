#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "line.h"
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

int out_record(size_t bound, void (*fn)(struct jsonw *w, void *ctx), void *ctx)
{
	struct jsonw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int ok;

	if (bound && bound <= LINE_MAX_RECORD) {
		jsonw_init(&w, stdout);
		fn(&w, ctx);
		return 0;
	}
	mem = open_memstream(&buf, &len);
	if (!mem)
		die("out of memory");
	jsonw_init(&w, mem);
	fn(&w, ctx);
	if (fclose(mem) == EOF)
		die("out of memory");
	ok = len && len - 1 <= LINE_MAX_RECORD; /* '\n' not counted */
	if (ok)
		fwrite_unlocked(buf, 1, len, stdout);
	free(buf);
	return ok ? 0 : -1;
}
