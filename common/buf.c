/* A growable byte buffer with sticky errors: see buf.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"

#define BUF_FIRST 64 /* bytes of the first allocation */

void buf__init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf__init_fixed(struct buf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = b->max = cap;
	b->fixed = true;
}

void buf__reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
}

void buf__free(struct buf *b)
{
	if (!b || b->fixed)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

int buf__fail(struct buf *b, int err)
{
	if (!b->err)
		b->err = err;
	return -1;
}

int buf__reserve(struct buf *b, size_t n)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2, want;
	char *d;

	if (b->err)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	if (b->fixed)
		return buf__fail(b, ENOSPC);
	if (n > max - b->len)
		return buf__fail(b, ENOMEM);
	want = b->cap ? b->cap : BUF_FIRST;
	while (want - b->len < n)
		want = want > max / 2 ? max : want * 2;
	d = realloc(b->data, want);
	if (!d)
		return buf__fail(b, ENOMEM);
	b->data = d;
	b->cap = want;
	return 0;
}

int buf__set(struct buf *b, const void *p, size_t n)
{
	buf__reset(b);
	return buf__put(b, p, n);
}

char *buf__str(struct buf *b)
{
	if (buf__reserve(b, 1))
		return NULL;
	b->data[b->len] = '\0';
	return b->data;
}

void buf__trim(struct buf *b, size_t keep)
{
	if (!b->fixed && b->cap > keep)
		buf__free(b);
}
