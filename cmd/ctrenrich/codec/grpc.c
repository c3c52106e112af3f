/* gRPC framing, request headers and the call's status: see grpc.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grpc.h"
#include "utf8.h"

static const char *const code_names[] = {
	"ok",		     "cancelled",	  "unknown",	 "invalid_argument",
	"deadline_exceeded", "not_found",	  "already_exists", "permission_denied",
	"resource_exhausted", "failed_precondition", "aborted",	 "out_of_range",
	"unimplemented",     "internal",	  "unavailable",    "data_loss",
	"unauthenticated",
};

const char *grpc_code_name(int code)
{
	static char buf[32];

	if (code >= 0 && code < (int)(sizeof(code_names) / sizeof(code_names[0])))
		return code_names[code];
	snprintf(buf, sizeof(buf), "code_%d", code);
	return buf;
}

const char *grpc_strerror(int err)
{
	switch (err) {
	case GRPC_EOK:
		return "no error";
	case GRPC_ETRUNC:
		return "truncated grpc frame";
	case GRPC_ECOMPRESSED:
		return "compressed grpc message";
	case GRPC_EFLAG:
		return "invalid grpc frame flag";
	case GRPC_ETOOBIG:
		return "grpc response too large";
	case GRPC_EMULTI:
		return "more than one message in a unary response";
	case GRPC_ENOMEM:
		return "out of memory";
	default:
		return "unknown grpc error";
	}
}

int grpc_frame_begin(struct buf *b, size_t *mark)
{
	static const uint8_t zero[GRPC_FRAME_HDR];

	*mark = b->len;
	return buf__put(b, zero, sizeof(zero));
}

int grpc_frame_end(struct buf *b, size_t mark)
{
	uint8_t *d = (uint8_t *)b->data;
	size_t n;

	if (b->err)
		return -1;
	if (mark > b->len || b->len - mark < GRPC_FRAME_HDR)
		return buf__fail(b, PB_ESCHEMA);
	n = b->len - mark - GRPC_FRAME_HDR;
	if (n > UINT32_MAX)
		return buf__fail(b, PB_ENOSPC);
	d[mark] = 0;
	d[mark + 1] = (uint8_t)(n >> 24);
	d[mark + 2] = (uint8_t)(n >> 16);
	d[mark + 3] = (uint8_t)(n >> 8);
	d[mark + 4] = (uint8_t)n;
	return 0;
}

int grpc_frame_next(const uint8_t **p, const uint8_t *end, const uint8_t **msg, size_t *len,
		    int *err)
{
	const uint8_t *q = *p;
	uint32_t n;

	if (q == end)
		return 0;
	if (end - q < GRPC_FRAME_HDR) {
		*err = GRPC_ETRUNC;
		return -1;
	}
	if (q[0] != 0) { /* we never offer an encoding, so never accept one */
		*err = q[0] == 1 ? GRPC_ECOMPRESSED : GRPC_EFLAG;
		return -1;
	}
	n = (uint32_t)q[1] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 8 | q[4];
	if (n > (size_t)(end - q) - GRPC_FRAME_HDR) {
		*err = GRPC_ETRUNC;
		return -1;
	}
	*msg = q + GRPC_FRAME_HDR;
	*len = n;
	*p = q + GRPC_FRAME_HDR + (size_t)n;
	return 1;
}

int grpc_unary_message(const void *body, size_t len, size_t cap, const uint8_t **msg,
		       size_t *mlen, int *err)
{
	const uint8_t *p = body, *end = body ? p + len : p, *m2;
	size_t l2;
	int rc;

	*msg = NULL;
	*mlen = 0;
	*err = GRPC_EOK;
	if (len > cap) {
		*err = GRPC_ETOOBIG;
		return -1;
	}
	rc = grpc_frame_next(&p, end, msg, mlen, err);
	if (rc <= 0)
		return rc;
	rc = grpc_frame_next(&p, end, &m2, &l2, err);
	if (rc > 0)
		*err = GRPC_EMULTI;
	return rc ? -1 : 1;
}

/* Status from headers and trailers. */

void grpc_status__reset(struct grpc_status *st)
{
	memset(st, 0, sizeof(*st));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * grpc-message is percent-encoded (grpc/doc/PROTOCOL-HTTP2.md); a malformed %XX is kept as is,
 * as the spec asks, rather than losing the message.
 */
static void set_message(struct grpc_status *st, const char *v, size_t n)
{
	size_t i = 0, o = 0;
	char c;

	st->message_truncated = false;
	while (i < n) {
		c = v[i];
		if (c == '%' && i + 2 < n && hex_digit(v[i + 1]) >= 0 && hex_digit(v[i + 2]) >= 0) {
			c = (char)(hex_digit(v[i + 1]) << 4 | hex_digit(v[i + 2]));
			i += 3;
		} else {
			i++;
		}
		if (o + 1 >= sizeof(st->message)) {
			st->message_truncated = true;
			break;
		}
		st->message[o++] = c;
	}
	st->message[o] = '\0';
}

static int parse_code(const char *v, size_t n)
{
	long code = 0;

	if (n == 0 || n > 10)
		return GRPC_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return GRPC_UNKNOWN;
		code = code * 10 + (v[i] - '0');
	}
	return code > 0x7fffffff ? GRPC_UNKNOWN : (int)code;
}

static bool name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

void grpc_status__header(struct grpc_status *st, const char *line, size_t len)
{
	const char *colon, *v;
	size_t n, vn;

	while (len > 0 && is_space(line[len - 1]))
		len--;
	if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* "HTTP/2 200" or "HTTP/1.1 200 OK": the code after the first space. */
		const char *sp = memchr(line, ' ', len);
		int code = 0;

		if (sp)
			for (sp++; sp < line + len && *sp >= '0' && *sp <= '9' && code < 1000; sp++)
				code = code * 10 + (*sp - '0');
		st->http_status = code;
		return;
	}
	colon = memchr(line, ':', len);
	if (!colon)
		return;
	n = (size_t)(colon - line);
	v = colon + 1;
	vn = len - n - 1;
	while (vn > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
	if (name_is(line, n, "grpc-status")) {
		st->seen = true;
		st->code = parse_code(v, vn);
	} else if (name_is(line, n, "grpc-message")) {
		set_message(st, v, vn);
	} else if (name_is(line, n, "content-type")) {
		st->grpc_content = (vn == 16 || (vn > 16 && (v[16] == '+' || v[16] == ';'))) &&
				   strncasecmp(v, "application/grpc", 16) == 0;
	}
}

int grpc_status__final(const struct grpc_status *st, bool transport_ok)
{
	if (st->seen)
		return st->code;
	switch (st->http_status) {
	case 0:
	case 200:
		return transport_ok ? GRPC_INTERNAL : GRPC_UNAVAILABLE;
	case 400:
		return GRPC_INTERNAL;
	case 401:
		return GRPC_UNAUTHENTICATED;
	case 403:
		return GRPC_PERMISSION_DENIED;
	case 404:
		return GRPC_UNIMPLEMENTED;
	case 429:
	case 502:
	case 503:
	case 504:
		return GRPC_UNAVAILABLE;
	default:
		return GRPC_UNKNOWN;
	}
}

static bool path_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || strchr("/?#%", *s))
			return false;
	return true;
}

int grpc_path(char *buf, size_t bufsz, const char *prefix, const char *service,
	      const char *method)
{
	int n;

	if (!path_name_ok(service) || !path_name_ok(method))
		return -1;
	n = snprintf(buf, bufsz, "%s/%s/%s", prefix, service, method);
	return n < 0 || (size_t)n >= bufsz ? -1 : n;
}

int grpc_request_headers(char *buf, size_t bufsz, const char *ns, long timeout_ms,
			 const char *lines[GRPC_REQ_HEADERS_MAX])
{
	size_t off = 0;
	int count = 0, n;

	if (ns) {
		if (!*ns)
			return -1;
		for (const char *c = ns; *c; c++)
			if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
				return -1;
	}
	for (int i = 0; i < 4; i++) {
		char *at = buf + off;
		size_t room = bufsz - off;

		if (i == 0)
			n = snprintf(at, room, "content-type: application/grpc");
		else if (i == 1)
			n = snprintf(at, room, "te: trailers");
		else if (i == 2 && ns)
			n = snprintf(at, room, "containerd-namespace: %s", ns);
		else if (i == 3 && timeout_ms > 0)
			/* At most 8 digits (PROTOCOL-HTTP2.md); past that, whole seconds. */
			n = timeout_ms <= 99999999 ? snprintf(at, room, "grpc-timeout: %ldm", timeout_ms)
						   : snprintf(at, room, "grpc-timeout: %ldS",
							      timeout_ms / 1000 > 99999999
								      ? 99999999L
								      : timeout_ms / 1000);
		else
			continue;
		if (n < 0 || (size_t)n >= room)
			return -1;
		lines[count++] = at;
		off += (size_t)n + 1;
	}
	return count;
}
