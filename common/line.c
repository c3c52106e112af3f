#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line.h"

#define READ_CHUNK (64 * 1024)

struct line_reader {
	int fd;
	char *buf;
	size_t cap;
	size_t start, end; /* unread bytes are buf[start, end) */
	size_t scanned;    /* bytes of buf[start, end) known to hold no '\n' */
	size_t max_line;
	unsigned long lineno;
	bool eof;
	bool skipping; /* dropping the rest of a line that was too long */
};

struct line_reader *line_reader__new(int fd, size_t max_line)
{
	struct line_reader *lr = calloc(1, sizeof(*lr));

	if (!lr)
		return NULL;
	lr->fd = fd;
	lr->max_line = max_line ? max_line : LINE_MAX_RECORD;
	lr->cap = lr->max_line + READ_CHUNK + 1;
	lr->buf = malloc(lr->cap);
	if (!lr->buf) {
		free(lr);
		return NULL;
	}
	return lr;
}

void line_reader__free(struct line_reader *lr)
{
	if (!lr)
		return;
	free(lr->buf);
	free(lr);
}

bool line_reader__eof(const struct line_reader *lr)
{
	return lr->eof;
}

static void emit(struct line_reader *lr, struct line *l, size_t len, size_t consumed)
{
	l->s = lr->buf + lr->start;
	l->s[len] = '\0';
	l->len = len;
	l->no = ++lr->lineno;
	l->too_long = false;
	lr->start += consumed;
	lr->scanned = 0;
}

int line_reader__next_buffered(struct line_reader *lr, struct line *l)
{
	for (;;) {
		char *p = lr->buf + lr->start;
		size_t avail = lr->end - lr->start;
		char *nl = memchr(p + lr->scanned, '\n', avail - lr->scanned);

		if (lr->skipping) {
			if (!nl) {
				lr->start = lr->end = lr->scanned = 0;
				if (lr->eof)
					lr->skipping = false;
				return 0;
			}
			lr->start += (size_t)(nl - p) + 1;
			lr->scanned = 0;
			lr->skipping = false;
			continue;
		}
		if (nl && (size_t)(nl - p) <= lr->max_line) {
			emit(lr, l, (size_t)(nl - p), (size_t)(nl - p) + 1);
			return 1;
		}
		if ((nl || avail > lr->max_line) && !(lr->eof && !nl && avail <= lr->max_line)) {
			/* Too long: report it once, then drop bytes up to its '\n'. */
			l->s = lr->buf + lr->start;
			l->s[0] = '\0';
			l->len = 0;
			l->no = ++lr->lineno;
			l->too_long = true;
			lr->skipping = true;
			lr->scanned = 0;
			return 1;
		}
		lr->scanned = avail;
		if (lr->eof && avail) {
			emit(lr, l, avail, avail);
			return 1;
		}
		return 0;
	}
}

ssize_t line_reader__fill(struct line_reader *lr)
{
	ssize_t n;

	if (lr->start && lr->cap - lr->end < READ_CHUNK + 1) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	do
		n = read(lr->fd, lr->buf + lr->end, lr->cap - 1 - lr->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		lr->end += (size_t)n;
	else if (n == 0)
		lr->eof = true;
	return n;
}
