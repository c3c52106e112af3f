/*
 * What the gRPC backends (containerd, CRI-O) share on top of backend.h: building a unary call
 * into a struct be_request, reading its answer (grpc-status from the headers or trailers, the
 * one message of the body), and copying a struct grpc_meta into the engine's struct meta.
 */
#ifndef CTRENRICH_BE_GRPC_H
#define CTRENRICH_BE_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "codec/grpc_meta.h"
#include "codec/pb.h"

/* Start a request: *b writes the message straight into rq->body, after the frame prefix. */
void be_grpc_begin(struct be_request *rq, struct buf *b, size_t *mark);

/*
 * Finish it: the frame length, the path /svc/method, POST over HTTP/2, the gRPC headers and
 * containerd-namespace: ns when ns is not NULL. 0, or -1 with lk->err set.
 */
int be_grpc_end(struct be_lookup *lk, struct be_request *rq, struct buf *b, size_t mark,
	   const char *svc, const char *method, const char *ns);

/*
 * The answer to a unary call: its gRPC status code (grpc-status, wherever it came), and on
 * GRPC_OK the message in *msg, *len (an empty message when the body had none). -1 with lk->err
 * set when the body is not valid gRPC framing, or when the call went without its body
 * (rs->headers_only, transport.c) and the status is not GRPC_UNIMPLEMENTED ("bad response:
 * protocol error").
 */
int be_grpc_answer(struct be_lookup *lk, const struct be_response *rs, const uint8_t **msg,
	      size_t *len);

/* BE_ERROR with lk->err = "grpc <code name>" (e.g. "grpc unimplemented"). */
enum be_result be_grpc_error(struct be_lookup *lk, int code);

/* BE_ERROR with lk->err = "bad response: <protobuf error>". */
enum be_result be_grpc_bad_pb(struct be_lookup *lk, int pb_err);

/* Copy g's create-time fields into m (empty strings clear). -1 on ENOMEM. */
int be_grpc_meta_create(struct meta *m, const struct grpc_meta *g);

/* Copy g's exit details into m when it has them. -1 on ENOMEM. */
int be_grpc_meta_exit(struct meta *m, const struct grpc_meta *g);

#endif
