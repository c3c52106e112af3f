/*
 * gRPC helpers only the tests use, on top of ctrenrich's codec (cmd/ctrenrich/codec/grpc.h):
 * framing a message, iterating over the frames of a body, and collecting a unary answer through
 * callbacks shaped like libcurl's (the program's transport collects its own).
 */
#ifndef CTRWATCH_GRPC_TEST_H
#define CTRWATCH_GRPC_TEST_H

#include "grpc.h"

/* Frame an already encoded message: prefix + msg appended to b. */
int grpc_frame_build(struct buf *b, const void *msg, size_t len);

/* Iterating over the frames of a response body. */
struct grpc_frames {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

/* A cursor over body (len bytes): 0, or -1 with it->err = GRPC_ETOOBIG when len > cap. */
int grpc_frames__init(struct grpc_frames *it, const void *body, size_t len, size_t cap);

/* The next message: 1 set (*msg, *len point into the body), 0 end, -1 it->err set (sticky). */
int grpc_frames__next(struct grpc_frames *it, const uint8_t **msg, size_t *len);

/*
 * Collecting a unary answer: the body (capped), and the status. The callbacks fit libcurl's
 * write and header functions (return n to go on, anything else makes curl abort the transfer).
 */
struct grpc_resp {
	struct buf body;
	struct grpc_status st;
	bool too_big; /* the body passed its cap: the transfer was aborted */
};

/* An empty response whose body may grow to cap bytes (0: GRPC_BODY_MAX). */
void grpc_resp__init(struct grpc_resp *r, size_t cap);
/* Empty it for a new call, keeping the body's memory. */
void grpc_resp__reset(struct grpc_resp *r);
void grpc_resp__free(struct grpc_resp *r);
/* Append n body bytes: n, or 0 when the cap is passed or memory runs out. */
size_t grpc_resp__write(struct grpc_resp *r, const void *data, size_t n);
/* One header or trailer line: always n. */
size_t grpc_resp__header(struct grpc_resp *r, const char *line, size_t n);

#endif
