/* gRPC helpers only the tests use: see grpc_test.h. */
#include "grpc_test.h"

int grpc_frame_build(struct buf *b, const void *msg, size_t len)
{
	size_t mark;

	if (grpc_frame_begin(b, &mark) || buf__put(b, msg, len))
		return -1;
	return grpc_frame_end(b, mark);
}

int grpc_frames__init(struct grpc_frames *it, const void *body, size_t len, size_t cap)
{
	it->p = body;
	it->end = body ? it->p + len : it->p;
	it->err = GRPC_EOK;
	if (len > cap) {
		it->err = GRPC_ETOOBIG;
		it->p = it->end;
		return -1;
	}
	return 0;
}

int grpc_frames__next(struct grpc_frames *it, const uint8_t **msg, size_t *len)
{
	if (it->err)
		return -1;
	return grpc_frame_next(&it->p, it->end, msg, len, &it->err);
}

void grpc_resp__init(struct grpc_resp *r, size_t cap)
{
	buf__init(&r->body, cap ? cap : GRPC_BODY_MAX);
	grpc_status__reset(&r->st);
	r->too_big = false;
}

void grpc_resp__reset(struct grpc_resp *r)
{
	buf__reset(&r->body);
	grpc_status__reset(&r->st);
	r->too_big = false;
}

void grpc_resp__free(struct grpc_resp *r)
{
	if (r)
		buf__free(&r->body);
}

size_t grpc_resp__write(struct grpc_resp *r, const void *data, size_t n)
{
	if (n > r->body.max - r->body.len) {
		r->too_big = true;
		return 0;
	}
	return buf__put(&r->body, data, n) ? 0 : n;
}

size_t grpc_resp__header(struct grpc_resp *r, const char *line, size_t n)
{
	grpc_status__header(&r->st, line, n);
	return n;
}
