/*
 * gRPC over HTTP/2, the parts that need no network: message framing, the request's path and
 * headers, and the call's status read from the response headers and trailers as libcurl's header
 * callback hands them over. The transport (libcurl) lives in the engine.
 *
 * A unary call's answer comes in one of two shapes (REPORT.md 5b):
 *   HEADERS(:status 200, content-type) DATA(frame) HEADERS(grpc-status, grpc-message)  normal
 *   HEADERS(:status 200, content-type, grpc-status, grpc-message)              trailers-only
 * and a server may reset the stream right after sending grpc-status (curl then fails with
 * "Stream error in the HTTP/2 framing layer"), so the status already received wins over the
 * transport's verdict: grpc_status__final().
 *
 * A unary call's answer is collected by the engine's transport (transport.c) and read here:
 * the tests' own collector and frame iterator are in tests/unit/lib.
 */
#ifndef CTRWATCH_GRPC_H
#define CTRWATCH_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pb.h"

#define GRPC_FRAME_HDR 5            /* compressed flag + 4-byte big-endian length */
#define GRPC_BODY_MAX (4u << 20)    /* a response body cap: gRPC's own default */
#define GRPC_MESSAGE_MAX 256        /* grpc-message kept, percent-decoded, NUL included */

/* Canonical status codes (grpc/doc/statuscodes.md). */
enum grpc_code {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16,
};

/* Errors of the framing layer (returned negated or stored in err). */
enum grpc_err {
	GRPC_EOK = 0,
	GRPC_ETRUNC,      /* a frame header or message runs past the end of the body */
	GRPC_ECOMPRESSED, /* compressed flag 1: we never offer an encoding, so never accept one */
	GRPC_EFLAG,       /* compressed flag other than 0 or 1 */
	GRPC_ETOOBIG,     /* the body or one frame is larger than the cap */
	GRPC_EMULTI,      /* more than one message in a unary answer */
	GRPC_ENOMEM,
};

/* The lowercase snake_case name of a status code ("not_found"), "code_N" when unknown. */
const char *grpc_code_name(int code);
/* A short lowercase description of a grpc_err. */
const char *grpc_strerror(int err);

/*
 * Request framing straight into a buffer, no copy: grpc_frame_begin() appends the 5-byte
 * prefix and returns its offset; encode the message after it; grpc_frame_end(offset) fills in
 * flag 0 and the length. 0 or -1 (b->err, a pb_err; PB_ENOSPC when the message exceeds
 * 4 GiB - 1).
 */
int grpc_frame_begin(struct buf *b, size_t *mark);
int grpc_frame_end(struct buf *b, size_t mark);

/*
 * The frame at *p (before end): 1 with its message in *msg, *len and *p moved past it; 0 when
 * *p == end; -1 with *err set (a grpc_err) when it is not a valid uncompressed frame.
 */
int grpc_frame_next(const uint8_t **p, const uint8_t *end, const uint8_t **msg, size_t *len,
		    int *err);

/*
 * A unary answer's body: exactly zero or one message. 1 one (*msg, *len set), 0 none (empty
 * body, as in trailers-only answers), -1 with *err set (a grpc_err; GRPC_ETOOBIG when len is
 * over cap).
 */
int grpc_unary_message(const void *body, size_t len, size_t cap, const uint8_t **msg,
		       size_t *mlen, int *err);

/* The call's status as read from response header and trailer lines. */
struct grpc_status {
	bool seen;          /* a grpc-status line arrived, in the headers or the trailers */
	int code;           /* its value (GRPC_UNKNOWN when it was not a number in 0..2^31-1) */
	char message[GRPC_MESSAGE_MAX]; /* grpc-message, percent-decoded, NUL-terminated */
	bool message_truncated;
	int http_status;    /* from the "HTTP/2 200" line; 0 before one arrived */
	bool grpc_content;  /* content-type was application/grpc (or application/grpc+...) */
};

/* Ready for a new call. */
void grpc_status__reset(struct grpc_status *st);

/*
 * Feed one header line exactly as libcurl's CURLOPT_HEADERFUNCTION delivers it (the status line,
 * "name: value\r\n" lines of the headers and of the trailers, blank lines); len bytes, no NUL
 * needed. Names are matched case-insensitively; other headers are ignored.
 */
void grpc_status__header(struct grpc_status *st, const char *line, size_t len);

/*
 * The call's final status code. grpc-status when one was seen, whatever the transport reported
 * (a reset after the status must not lose it). Otherwise: an HTTP status other than 200 mapped
 * as gRPC's http-grpc-status-mapping.md says; a transport failure UNAVAILABLE; a complete
 * answer that lacks grpc-status INTERNAL.
 */
int grpc_status__final(const struct grpc_status *st, bool transport_ok);

/*
 * The request path "/<service>/<method>" with prefix before it (e.g. "http://localhost" for
 * a curl URL over a Unix socket, or ""), into buf: its length, or -1 when it does not fit or a
 * name holds a byte that cannot be in a path (space, control, '/', '?', '#', '%').
 */
int grpc_path(char *buf, size_t bufsz, const char *prefix, const char *service,
	      const char *method);

#define GRPC_REQ_HEADERS_MAX 4

/*
 * The header lines a call sends, written into buf and pointed at by lines[]: content-type:
 * application/grpc, te: trailers, containerd-namespace: ns when ns is not NULL, grpc-timeout
 * when timeout_ms > 0 (the server may then give up as we do). The count of lines, or -1 when
 * buf is too small or ns is empty or holds a byte outside 0x21..0x7e.
 */
int grpc_request_headers(char *buf, size_t bufsz, const char *ns, long timeout_ms,
			 const char *lines[GRPC_REQ_HEADERS_MAX]);

#endif
