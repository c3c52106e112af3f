/*
 * Fuzz target: gRPC framing and the call status read from header lines (grpc.c).
 *
 * Input: header lines, as libcurl hands them over ("HTTP/2 200", "name: value", the empty line,
 * trailers), up to the first NUL byte; the rest is the response body (none without a NUL).
 *
 * Checks: frames lie inside the body and cover it exactly; framing the messages again gives the
 * body back byte for byte; a unary answer is exactly its only frame; the body collected through
 * grpc_resp__write() is the body, or too_big exactly when it passes its cap; the status fields
 * stay in range and grpc-status is seen exactly when a grpc-status line came; the request
 * headers built from a header value never carry a line break.
 */
#include "fuzz.h"
#include <strings.h>

#include "grpc.h"
#include "grpc_test.h"
#include "pb.h"

static void check_frames(const uint8_t *body, size_t len)
{
	struct grpc_frames it;
	struct buf again;
	const uint8_t *msg, *um;
	size_t mlen, ulen, nframes = 0;
	const uint8_t *first = NULL;
	size_t first_len = 0;
	int rc, err, urc;

	buf__init(&again, 0);
	CHECK(grpc_frames__init(&it, body, len, GRPC_BODY_MAX) == 0);
	while ((rc = grpc_frames__next(&it, &msg, &mlen)) > 0) {
		CHECK(msg >= body + GRPC_FRAME_HDR && msg + mlen <= body + len && msg + mlen == it.p);
		if (!nframes++) {
			first = msg;
			first_len = mlen;
		}
		CHECK(grpc_frame_build(&again, msg, mlen) == 0);
	}
	if (rc == 0) {
		/* Every frame read: the same messages framed again are the body itself. */
		CHECK(it.p == body + len && it.err == GRPC_EOK);
		CHECK(again.len == len && (len == 0 || !memcmp(again.data, body, len)));
	} else {
		CHECK(it.err != GRPC_EOK && grpc_strerror(it.err));
		CHECK(grpc_frames__next(&it, &msg, &mlen) == -1); /* sticky */
	}

	urc = grpc_unary_message(body, len, GRPC_BODY_MAX, &um, &ulen, &err);
	if (urc == 1)
		CHECK(rc == 0 && nframes == 1 && um == first && ulen == first_len);
	else if (urc == 0)
		CHECK(rc == 0 && nframes == 0 && len == 0);
	else
		CHECK(err != GRPC_EOK && (rc < 0 || nframes > 1));

	/* A cap below the body's size refuses it. */
	if (len) {
		CHECK(grpc_frames__init(&it, body, len, len - 1) == -1 && it.err == GRPC_ETOOBIG);
		CHECK(grpc_unary_message(body, len, len - 1, &um, &ulen, &err) == -1 &&
		      err == GRPC_ETOOBIG);
	}
	buf__free(&again);
}

/* True when line is "grpc-status:..." (any case), as grpc_status__header reads names. */
static bool is_status_line(const char *line, size_t n)
{
	if (n > 5 && !strncmp(line, "HTTP/", 5))
		return false;
	return n >= 12 && !strncasecmp(line, "grpc-status:", 12);
}

/* Request headers and path from a header line's bytes: no line break can get through. */
static void check_request(const char *s, size_t n)
{
	char v[128], buf[512], path[256];
	const char *lines[GRPC_REQ_HEADERS_MAX];
	int k;

	if (n >= sizeof(v))
		n = sizeof(v) - 1;
	memcpy(v, s, n);
	v[n] = '\0';
	k = grpc_request_headers(buf, sizeof(buf), v, (long)n * (long)n * (long)n * 7919, lines);
	if (k >= 0) {
		CHECK(k >= 2 && k <= GRPC_REQ_HEADERS_MAX);
		for (int i = 0; i < k; i++)
			for (const char *c = lines[i]; *c; c++)
				CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	} else {
		bool bad = !*v;

		for (const char *c = v; *c; c++)
			bad |= (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e;
		CHECK(bad);
	}
	if (grpc_path(path, sizeof(path), "http://localhost", v, "Get") >= 0) {
		CHECK(!strncmp(path, "http://localhost/", 17));
		for (const char *c = path; *c; c++)
			CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f && *c != '?' &&
			      *c != '#');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *hend;
	struct grpc_status st;
	struct grpc_resp resp;
	bool want_seen = false;
	uint8_t *body;
	size_t blen, cap;
	int code;

	/* 1. Header lines, each with its line ending, up to the NUL. */
	grpc_status__reset(&st);
	grpc_resp__init(&resp, 0);
	hend = memchr(p, '\0', size);
	if (!hend)
		hend = end;
	while (p < hend) {
		const char *nl = memchr(p, '\n', (size_t)(hend - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(hend - p);
		size_t bare = n;
		char *line = malloc(n ? n : 1); /* exactly the line: no reading past it */

		CHECK(line);
		memcpy(line, p, n);
		grpc_status__header(&st, line, n);
		CHECK(grpc_resp__header(&resp, line, n) == n);
		while (bare && (line[bare - 1] == '\n' || line[bare - 1] == '\r'))
			bare--;
		want_seen |= is_status_line(line, bare);
		if (p == (const char *)data)
			check_request(line, bare);
		free(line);
		p += n;
	}
	if (p < end)
		p++; /* the NUL */
	CHECK(st.seen == want_seen && resp.st.seen == want_seen);
	CHECK(!memcmp(&st, &resp.st, sizeof(st)));
	CHECK(strlen(st.message) < GRPC_MESSAGE_MAX);
	CHECK(st.http_status >= 0 && st.http_status < 10000);
	if (st.seen)
		CHECK(st.code >= 0);
	code = grpc_status__final(&st, size & 1);
	CHECK(code >= 0 && grpc_code_name(code));
	if (!st.seen)
		CHECK(code <= GRPC_UNAUTHENTICATED);

	/* 2. The body, on its own (exactly its bytes), then collected as curl hands it over. */
	blen = (size_t)(end - p);
	body = malloc(blen ? blen : 1);
	CHECK(body);
	memcpy(body, p, blen);
	check_frames(body, blen);

	cap = blen > 1 && (blen & 1) ? blen / 2 : 0;
	grpc_resp__free(&resp);
	grpc_resp__init(&resp, cap);
	for (size_t off = 0; off < blen;) {
		size_t chunk = 1 + (body[off] & 31);

		if (chunk > blen - off)
			chunk = blen - off;
		if (grpc_resp__write(&resp, body + off, chunk) != chunk)
			break;
		off += chunk;
	}
	if (cap && blen > cap) {
		CHECK(resp.too_big && resp.body.len <= cap);
	} else {
		CHECK(!resp.too_big && resp.body.len == blen);
		CHECK(blen == 0 || !memcmp(resp.body.data, body, blen));
	}
	grpc_resp__reset(&resp);
	CHECK(resp.body.len == 0 && !resp.st.seen);
	grpc_resp__free(&resp);
	free(body);
	return 0;
}
