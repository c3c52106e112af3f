/*
 * The Docker backend's events stream (backend_docker_events.c): what the image cache of
 * backend_docker.c needs to know to keep an image-by-name answer longer than a second. No I/O
 * (backend.h): transport.c keeps the stream open and hands its bytes over.
 */
#ifndef CTRENRICH_BACKEND_DOCKER_H
#define CTRENRICH_BACKEND_DOCKER_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "codec/jp.h"

/* Container creates the stream delivered, kept to tell "delivered" (the newest ones). */
#define DWATCH_CREATES 256
/* The longest event line read; a longer one is taken as an image event (everything dropped). */
#define DWATCH_LINE_MAX (64 * 1024)

struct dwatch {
	/*
	 * Bumped whenever an image answer may have gone stale: an image event, a line that could
	 * not be read, a new stream asked for, a stream that ended. An answer kept under another
	 * gen is not used.
	 */
	unsigned long gen;
	bool covered;	  /* a stream was asked for, since since_ns: later answers are covered */
	bool up;	  /* it answered 200: events after since_ns come, in dockerd's order */
	int64_t since_ns; /* the wall clock when the stream was asked for */
	char creates[DWATCH_CREATES][64]; /* ids (64 hex) of creates delivered, a ring */
	unsigned ncreates; /* creates delivered in all (next slot: % DWATCH_CREATES) */
	struct buf line;   /* a line not yet whole */
	bool skip;	   /* the rest of an over-long line */
	struct jp doc;
	unsigned long events, image_events; /* counted, for -v and tests */
};

/* Free what w holds; it stays usable. */
void dwatch__free(struct dwatch *w);
/* The stream's request: GET /v1.41/events?since=NOW&filters={"type":["container","image"]}. */
int dwatch_request(struct dwatch *w, struct be_request *rq);
/* The stream answered 200 (up) or ended (!up). */
void dwatch_up(struct dwatch *w, bool up);
/* Bytes of the stream's body. */
void dwatch_data(struct dwatch *w, const char *p, size_t len);
/*
 * True when an image answer asked while w->covered, under the current gen, is still right for
 * the container with this id (64 hex): the stream is up and has delivered that container's
 * create, so everything dockerd logged before it.
 */
bool dwatch_fenced(const struct dwatch *w, const char *id);

#endif
