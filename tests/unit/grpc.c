/*
 * Unit tests of cmd/ctrenrich/codec/grpc.c: request framing, response frames (truncated,
 * compressed, over the cap), grpc-status and grpc-message from header and trailer lines as
 * recorded from containerd (the .headers.txt fixtures), the final status when the stream was
 * reset, the request path and headers.
 */
#include <stdint.h>

#include "grpc.h"
#include "grpc_test.h"
#include "grpc_testlib.h"

static void test_frames(void)
{
	uint8_t mem[64];
	struct buf b;
	size_t mark;
	const uint8_t *msg;
	size_t len;
	int err;

	/* An empty request is five zero bytes (REPORT.md 5b: printf '\0\0\0\0\0'). */
	buf__init_fixed(&b, mem, sizeof(mem));
	CHECK_INT(grpc_frame_begin(&b, &mark), 0);
	CHECK_INT(grpc_frame_end(&b, mark), 0);
	CHECK_INT(b.len, 5);
	CHECK(memcmp(mem, "\0\0\0\0\0", 5) == 0);

	/* A message encoded in place. */
	buf__reset(&b);
	grpc_frame_begin(&b, &mark);
	pb_put_string(&b, 1, "nope");
	CHECK_INT(grpc_frame_end(&b, mark), 0);
	CHECK_INT(b.len, 11);
	CHECK(memcmp(mem, "\0\0\0\0\x06\x0a\x04nope", 11) == 0);
	CHECK_INT(grpc_unary_message(mem, b.len, GRPC_BODY_MAX, &msg, &len, &err), 1);
	CHECK_INT(len, 6);
	CHECK(msg == mem + 5);

	/* The same through grpc_frame_build. */
	{
		uint8_t m2[64];
		struct buf b2;

		buf__init_fixed(&b2, m2, sizeof(m2));
		CHECK_INT(grpc_frame_build(&b2, "\x0a\x04nope", 6), 0);
		CHECK(b2.len == b.len && memcmp(m2, mem, b.len) == 0);
		/* No room for the prefix. */
		buf__init_fixed(&b2, m2, 4);
		CHECK_INT(grpc_frame_build(&b2, "", 0), -1);
		CHECK_INT(grpc_frame_end(&b2, 0), -1);
	}

	/* Empty body: no message (trailers-only answers). */
	CHECK_INT(grpc_unary_message("", 0, GRPC_BODY_MAX, &msg, &len, &err), 0);
	CHECK_INT(grpc_unary_message(NULL, 0, GRPC_BODY_MAX, &msg, &len, &err), 0);

	/* A zero-length message is one message. */
	CHECK_INT(grpc_unary_message("\0\0\0\0\0", 5, GRPC_BODY_MAX, &msg, &len, &err), 1);
	CHECK_INT(len, 0);

	/* Truncated: the header, then the message. */
	for (size_t cut = 1; cut < 11; cut++) {
		CHECK_INT(grpc_unary_message(mem, cut, GRPC_BODY_MAX, &msg, &len, &err), -1);
		CHECK_INT(err, GRPC_ETRUNC);
	}
	/* Compressed flag, invalid flag. */
	mem[0] = 1;
	CHECK_INT(grpc_unary_message(mem, 11, GRPC_BODY_MAX, &msg, &len, &err), -1);
	CHECK_INT(err, GRPC_ECOMPRESSED);
	mem[0] = 0x80;
	CHECK_INT(grpc_unary_message(mem, 11, GRPC_BODY_MAX, &msg, &len, &err), -1);
	CHECK_INT(err, GRPC_EFLAG);
	mem[0] = 0;
	/* A frame length of 4 GiB - 1 with a short body. */
	{
		uint8_t big[] = {0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};

		CHECK_INT(grpc_unary_message(big, sizeof(big), GRPC_BODY_MAX, &msg, &len, &err), -1);
		CHECK_INT(err, GRPC_ETRUNC);
	}
	/* A body larger than the cap. */
	CHECK_INT(grpc_unary_message(mem, 11, 10, &msg, &len, &err), -1);
	CHECK_INT(err, GRPC_ETOOBIG);
	CHECK_INT(grpc_unary_message(mem, 11, 11, &msg, &len, &err), 1);

	/* Two messages in a unary answer; and iterating them. */
	{
		uint8_t two[] = {0, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 2, 'b', 'c'};
		struct grpc_frames it;
		int n = 0;

		CHECK_INT(grpc_unary_message(two, sizeof(two), GRPC_BODY_MAX, &msg, &len, &err), -1);
		CHECK_INT(err, GRPC_EMULTI);
		CHECK_INT(grpc_frames__init(&it, two, sizeof(two), GRPC_BODY_MAX), 0);
		while (grpc_frames__next(&it, &msg, &len) > 0)
			n++;
		CHECK_INT(n, 2);
		CHECK(len == 2 && msg[0] == 'b');
		/* Garbage after a good frame. */
		CHECK_INT(grpc_unary_message(two, 8, GRPC_BODY_MAX, &msg, &len, &err), -1);
		CHECK_INT(err, GRPC_ETRUNC);
	}
	CHECK(strcmp(grpc_strerror(GRPC_ECOMPRESSED), "compressed grpc message") == 0);
}

/* Feed a whole recorded header block, line by line with "\r\n" as libcurl hands them over. */
static void feed(struct grpc_status *st, const char *block)
{
	char line[512];

	grpc_status__reset(st);
	while (*block) {
		const char *nl = strchr(block, '\n');
		size_t n = nl ? (size_t)(nl - block) : strlen(block);

		if (n > sizeof(line) - 3)
			n = sizeof(line) - 3;
		memcpy(line, block, n);
		memcpy(line + n, "\r\n", 2);
		grpc_status__header(st, line, n + 2);
		block += n + (nl ? 1 : 0);
	}
}

static void test_status_fixtures(void)
{
	struct grpc_status st;
	size_t len;
	char *h;

	/* Normal answer: status in the trailers after the body. */
	if ((h = fixture("containerd-grpc-containers-get.headers.txt", &len))) {
		feed(&st, h);
		CHECK(st.seen);
		CHECK_INT(st.code, GRPC_OK);
		CHECK(strcmp(st.message, "") == 0);
		CHECK_INT(st.http_status, 200);
		CHECK(st.grpc_content);
		CHECK_INT(grpc_status__final(&st, true), GRPC_OK);
		free(h);
	}
	/* Trailers-only not found. */
	if ((h = fixture("containerd-grpc-containers-get-notfound.headers.txt", &len))) {
		feed(&st, h);
		CHECK(st.seen);
		CHECK_INT(st.code, GRPC_NOT_FOUND);
		CHECK(strcmp(st.message, "container \"nope\" in namespace \"k8s.io\": not found") ==
		      0);
		CHECK_INT(grpc_status__final(&st, true), GRPC_NOT_FOUND);
		free(h);
	}
	/* No namespace header. */
	if ((h = fixture("containerd-grpc-containers-get-nonamespace.headers.txt", &len))) {
		feed(&st, h);
		CHECK_INT(st.code, GRPC_FAILED_PRECONDITION);
		CHECK(strcmp(st.message, "namespace is required: failed precondition") == 0);
		free(h);
	}
	/* Unknown service whose stream was reset before any header: curl's error only. */
	if ((h = fixture("containerd-grpc-unknown-service.headers.txt", &len))) {
		feed(&st, h);
		CHECK(!st.seen);
		CHECK_INT(grpc_status__final(&st, false), GRPC_UNAVAILABLE);
		free(h);
	}
}

static void test_status_lines(void)
{
	struct grpc_status st;

	/* Unknown service with the status received, then the stream reset (curl exit 92). */
	feed(&st, "HTTP/2 200 \ncontent-type: application/grpc\ngrpc-status: 12\n"
		  "grpc-message: unknown service runtime.v1.RuntimeService\n");
	CHECK_INT(grpc_status__final(&st, false), GRPC_UNIMPLEMENTED);
	CHECK(strcmp(st.message, "unknown service runtime.v1.RuntimeService") == 0);
	CHECK(strcmp(grpc_code_name(grpc_status__final(&st, false)), "unimplemented") == 0);

	/* Case, spacing and percent-decoding; malformed escapes kept as they are. */
	feed(&st, "Grpc-Status:5\nGRPC-MESSAGE: \t a%20b%3A%e2%82%ac %zz %4 %\n");
	CHECK(st.seen);
	CHECK_INT(st.code, 5);
	CHECK(strcmp(st.message, "a b:\xe2\x82\xac %zz %4 %") == 0);

	/* A non-numeric or huge status is UNKNOWN; a status is seen all the same. */
	feed(&st, "grpc-status: abc\n");
	CHECK(st.seen);
	CHECK_INT(st.code, GRPC_UNKNOWN);
	feed(&st, "grpc-status: 99999999999\n");
	CHECK_INT(st.code, GRPC_UNKNOWN);
	feed(&st, "grpc-status: \n");
	CHECK_INT(st.code, GRPC_UNKNOWN);
	feed(&st, "grpc-status: 2147483647\n");
	CHECK_INT(st.code, 2147483647);
	CHECK(strcmp(grpc_code_name(2147483647), "code_2147483647") == 0);

	/* Headers that only look alike are ignored. */
	feed(&st, "grpc-status-details-bin: AAAA\nx-grpc-status: 5\ngrpc-statuss: 3\n");
	CHECK(!st.seen);

	/* content-type variants. */
	feed(&st, "content-type: application/grpc+proto\n");
	CHECK(st.grpc_content);
	feed(&st, "content-type: application/grpcx\n");
	CHECK(!st.grpc_content);
	feed(&st, "content-type: text/plain\n");
	CHECK(!st.grpc_content);

	/* A long grpc-message is cut, and says so. */
	{
		char line[1024] = "grpc-message: ";

		memset(line + 14, 'x', 600);
		line[614] = '\0';
		feed(&st, line);
		CHECK(st.message_truncated);
		CHECK_INT(strlen(st.message), GRPC_MESSAGE_MAX - 1);
	}

	/* No grpc-status: derived from HTTP, or from the transport. */
	feed(&st, "HTTP/2 404 \n");
	CHECK_INT(grpc_status__final(&st, true), GRPC_UNIMPLEMENTED);
	feed(&st, "HTTP/2 503 \n");
	CHECK_INT(grpc_status__final(&st, true), GRPC_UNAVAILABLE);
	feed(&st, "HTTP/1.1 401 Unauthorized\n");
	CHECK_INT(grpc_status__final(&st, true), GRPC_UNAUTHENTICATED);
	feed(&st, "HTTP/2 418\n");
	CHECK_INT(grpc_status__final(&st, true), GRPC_UNKNOWN);
	feed(&st, "HTTP/2 200 \ncontent-type: application/grpc\n\n");
	CHECK_INT(grpc_status__final(&st, true), GRPC_INTERNAL);
	CHECK_INT(grpc_status__final(&st, false), GRPC_UNAVAILABLE);

	/* Lines without a colon or with odd bytes do no harm. */
	grpc_status__reset(&st);
	grpc_status__header(&st, "", 0);
	grpc_status__header(&st, "\r\n", 2);
	grpc_status__header(&st, ":", 1);
	grpc_status__header(&st, "HTTP/", 5);
	grpc_status__header(&st, "HTTP/2", 6);
	grpc_status__header(&st, "grpc-message", 12);
	grpc_status__header(&st, "grpc-status:\0\0", 14);
	CHECK_INT(st.code, GRPC_UNKNOWN);
}

static void test_resp(void)
{
	struct grpc_resp r;
	const uint8_t *msg;
	size_t len;
	int err;

	grpc_resp__init(&r, 16);
	CHECK_INT(grpc_resp__header(&r, "HTTP/2 200 \r\n", 13), 13);
	CHECK_INT(grpc_resp__write(&r, "\0\0\0\0\x06", 5), 5);
	CHECK_INT(grpc_resp__write(&r, "\x0a\x04nope", 6), 6);
	CHECK_INT(grpc_resp__header(&r, "grpc-status: 0\r\n", 16), 16);
	CHECK(r.st.seen && r.st.code == 0 && r.st.http_status == 200);
	CHECK_INT(grpc_unary_message(r.body.data, r.body.len, 16, &msg, &len, &err), 1);
	CHECK_INT(len, 6);
	/* Past the cap: curl is told to stop. */
	CHECK_INT(grpc_resp__write(&r, "123456", 6), 0);
	CHECK(r.too_big);
	CHECK_INT(r.body.len, 11);
	grpc_resp__reset(&r);
	CHECK(!r.too_big && !r.st.seen && r.body.len == 0);
	CHECK_INT(grpc_resp__write(&r, "1234567890123456", 16), 16);
	CHECK_INT(grpc_resp__write(&r, "", 0), 0);
	grpc_resp__free(&r);
	grpc_resp__free(NULL);
}

static void test_request(void)
{
	char buf[256];
	const char *lines[GRPC_REQ_HEADERS_MAX];

	CHECK_INT(grpc_path(buf, sizeof(buf), "", "containerd.services.containers.v1.Containers",
			    "Get"),
		  49);
	CHECK(strcmp(buf, "/containerd.services.containers.v1.Containers/Get") == 0);
	CHECK(grpc_path(buf, sizeof(buf), "http://localhost", "runtime.v1.RuntimeService",
			"ContainerStatus") > 0);
	CHECK(strcmp(buf, "http://localhost/runtime.v1.RuntimeService/ContainerStatus") == 0);
	CHECK_INT(grpc_path(buf, 10, "", "runtime.v1.RuntimeService", "ContainerStatus"), -1);
	CHECK_INT(grpc_path(buf, sizeof(buf), "", "a/b", "c"), -1);
	CHECK_INT(grpc_path(buf, sizeof(buf), "", "a", "c d"), -1);
	CHECK_INT(grpc_path(buf, sizeof(buf), "", "", "c"), -1);

	CHECK_INT(grpc_request_headers(buf, sizeof(buf), "k8s.io", 0, lines), 3);
	CHECK(strcmp(lines[0], "content-type: application/grpc") == 0);
	CHECK(strcmp(lines[1], "te: trailers") == 0);
	CHECK(strcmp(lines[2], "containerd-namespace: k8s.io") == 0);
	CHECK_INT(grpc_request_headers(buf, sizeof(buf), NULL, 1500, lines), 3);
	CHECK(strcmp(lines[2], "grpc-timeout: 1500m") == 0);
	CHECK_INT(grpc_request_headers(buf, sizeof(buf), "default", 200000000, lines), 4);
	CHECK(strcmp(lines[3], "grpc-timeout: 200000S") == 0);
	/* Header injection and empty namespaces are refused. */
	CHECK_INT(grpc_request_headers(buf, sizeof(buf), "a\r\nx: y", 0, lines), -1);
	CHECK_INT(grpc_request_headers(buf, sizeof(buf), "a b", 0, lines), -1);
	CHECK_INT(grpc_request_headers(buf, sizeof(buf), "", 0, lines), -1);
	/* Too small a buffer, at each line. */
	for (size_t n = 0; n < 72; n++)
		CHECK_INT(grpc_request_headers(buf, n, "k8s.io", 0, lines), -1);
	CHECK_INT(grpc_request_headers(buf, 73, "k8s.io", 0, lines), 3);
}

int main(void)
{
	test_frames();
	test_status_fixtures();
	test_status_lines();
	test_resp();
	test_request();
	return t_done("grpc");
}
