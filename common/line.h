/*
 * A line reader over a file descriptor: one buffer, reused, no allocation per line.
 * Lines longer than a limit are reported once (too_long) and their bytes skipped. The caller
 * owns the waiting (common/filter.c): a read may say EAGAIN, which is no end of input.
 */
#ifndef CTRWATCH_LINE_H
#define CTRWATCH_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The one line limit of the record contract (DESIGN.md, ctr-records(7)): every stage reads
 * lines of up to this many bytes, '\n' not counted, and never writes a longer one
 * (out_record). Far above any real record, small enough to bound memory.
 */
#define LINE_MAX_RECORD (256 * 1024)

struct line {
	char *s;          /* the line without its '\n', NUL-terminated (it may hold NULs too) */
	size_t len;       /* its length; 0 when too_long */
	unsigned long no; /* 1-based line number in this input */
	bool too_long;    /* longer than the limit: s is empty, the bytes were dropped */
};

struct line_reader;

/*
 * A reader of fd for lines of at most max_line bytes (0: LINE_MAX_RECORD). NULL with errno set
 * on failure.
 */
struct line_reader *line_reader__new(int fd, size_t max_line);
void line_reader__free(struct line_reader *lr);

/*
 * The next line already in the buffer, without reading: 1 when *l was set, 0 when more input is
 * needed (or, after end of input, when no line is left). A final line without '\n' is returned
 * once end of input has been seen.
 */
int line_reader__next_buffered(struct line_reader *lr, struct line *l);

/* One read(2) into the buffer: bytes read, 0 at end of input, -1 with errno (EAGAIN too). */
ssize_t line_reader__fill(struct line_reader *lr);

/* True once read(2) returned 0. */
bool line_reader__eof(const struct line_reader *lr);

#endif
