/*
 * A growable byte buffer: one allocation, reused (buf__reset keeps the memory), grown by
 * doubling up to a limit; or a fixed buffer over the caller's array, never grown nor freed.
 *
 * Errors are sticky: the first append that cannot be done (the limit passed or memory short:
 * ENOMEM; a fixed buffer full: ENOSPC; or a code the writer set with buf__fail) leaves the
 * bytes as they were and makes every later append a no-op returning -1, so a message can be
 * built without checking each call. buf__reset clears the error.
 *
 * A zeroed struct buf is an empty growable buffer without limit. The bytes are not
 * NUL-terminated unless asked for (buf__str). A buffer may also hold an array of any type:
 * malloc's alignment is kept.
 */
#ifndef CTRWATCH_BUF_H
#define CTRWATCH_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len, cap;
	size_t max;  /* the most bytes it may hold; 0: SIZE_MAX / 2 */
	bool fixed;  /* over the caller's memory */
	int err;     /* 0, or why appends stopped (sticky) */
};

/* An empty growable buffer of at most max bytes (0: no limit). No allocation. */
void buf__init(struct buf *b, size_t max);

/* A buffer over the caller's cap bytes at mem, never grown. */
void buf__init_fixed(struct buf *b, void *mem, size_t cap);

/* Empty it, keeping its memory, and clear the error. */
void buf__reset(struct buf *b);

/* Free a growable buffer's memory and empty it (it stays usable); NULL and fixed ones are fine. */
void buf__free(struct buf *b);

/* Room for n more bytes: 0, or -1 with b->err set. */
int buf__reserve(struct buf *b, size_t n);

/* Append n bytes: 0, or -1 with b->err set (nothing appended). Inline: the hot path. */
static inline int buf__put(struct buf *b, const void *p, size_t n)
{
	if ((n > b->cap - b->len || b->err) && buf__reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* Replace the contents with p[0, n): buf__reset, then buf__put. */
int buf__set(struct buf *b, const void *p, size_t n);

/* Make every later append fail with err (non-zero), unless an error is set already. Returns -1. */
int buf__fail(struct buf *b, int err);

/* NUL-terminate the bytes (the NUL is not counted in len): b->data, or NULL with b->err set. */
char *buf__str(struct buf *b);

/* Bounded memory: free a growable buffer's memory when it grew past keep bytes. */
void buf__trim(struct buf *b, size_t keep);

#endif
