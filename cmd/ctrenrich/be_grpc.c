/* A unary gRPC call as a backend step, and its answer: see be_grpc.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be_grpc.h"
#include "codec/grpc.h"

void be_grpc_begin(struct be_request *rq, struct buf *b, size_t *mark)
{
	buf__init_fixed(b, rq->body, sizeof(rq->body));
	grpc_frame_begin(b, mark);
}

int be_grpc_end(struct be_lookup *lk, struct be_request *rq, struct buf *b, size_t mark,
	   const char *svc, const char *method, const char *ns)
{
	const char *lines[GRPC_REQ_HEADERS_MAX];
	int n;

	if (grpc_frame_end(b, mark) < 0) {
		lk->err = "internal error: request too large";
		return -1;
	}
	rq->body_len = b->len;
	if (grpc_path(rq->path, sizeof(rq->path), "", svc, method) < 0) {
		lk->err = "internal error: path too long";
		return -1;
	}
	n = grpc_request_headers(rq->hbuf, sizeof(rq->hbuf), ns, 0, lines);
	if (n < 0) {
		lk->err = "invalid containerd namespace";
		return -1;
	}
	for (int i = 0; i < n; i++)
		rq->headers[i] = lines[i];
	rq->headers[n] = NULL;
	rq->method = "POST";
	rq->http2 = true;
	return 0;
}

int be_grpc_answer(struct be_lookup *lk, const struct be_response *rs, const uint8_t **msg,
	      size_t *len)
{
	struct grpc_status st;
	const char *p = rs->headers, *end = rs->headers + rs->hlen;
	int code, err;

	grpc_status__reset(&st);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		grpc_status__header(&st, p, n);
		p += n;
	}
	if (!st.http_status)
		st.http_status = (int)rs->status;
	/* Transport hands over reset streams only when headers came: the status received counts. */
	code = grpc_status__final(&st, true);
	*msg = (const uint8_t *)"";
	*len = 0;
	/* Asked without the request body (transport.c): only UNIMPLEMENTED cannot have needed it. */
	if (rs->headers_only && code != GRPC_UNIMPLEMENTED) {
		lk->err = "bad response: protocol error";
		return -1;
	}
	if (code != GRPC_OK)
		return code;
	if (grpc_unary_message(rs->body, rs->len, rs->len, msg, len, &err) < 0) {
		snprintf(lk->errbuf, sizeof(lk->errbuf), "bad response: %s", grpc_strerror(err));
		lk->err = lk->errbuf;
		return -1;
	}
	if (!*msg)
		*msg = (const uint8_t *)"";
	return GRPC_OK;
}

enum be_result be_grpc_error(struct be_lookup *lk, int code)
{
	snprintf(lk->errbuf, sizeof(lk->errbuf), "grpc %s", grpc_code_name(code));
	lk->err = lk->errbuf;
	return BE_ERROR;
}

enum be_result be_grpc_bad_pb(struct be_lookup *lk, int pb_err)
{
	return be_bad(lk, pb_strerror(pb_err));
}

int be_grpc_meta_create(struct meta *m, const struct grpc_meta *g)
{
	const struct pb_str *v[M_NSTR] = {
		[M_NAME] = &g->name,	       [M_IMAGE] = &g->image,
		[M_DIGEST] = &g->digest,       [M_POD_NAME] = &g->pod_name,
		[M_POD_NAMESPACE] = &g->pod_namespace, [M_POD_UID] = &g->pod_uid,
	};

	for (int i = 0; i < M_NSTR; i++) {
		/* Strings end at a NUL: a runtime's embedded NUL cannot reach the C strings. */
		const char *nul = v[i]->len ? memchr(v[i]->s, '\0', v[i]->len) : NULL;
		size_t n = nul ? (size_t)(nul - v[i]->s) : v[i]->len;

		if (meta__set(m, (enum meta_str)i, v[i]->s, n) < 0)
			return -1;
	}
	m->sandbox = g->sandbox;
	return 0;
}

int be_grpc_meta_exit(struct meta *m, const struct grpc_meta *g)
{
	char ts[40];

	if (!g->have_exit)
		return 0;
	free(m->finished_at);
	m->finished_at = NULL;
	if (g->finished_at > 0 && grpc_time_rfc3339(ts, sizeof(ts), g->finished_at) > 0 &&
	    !(m->finished_at = strdup(ts)))
		return -1;
	m->exit_code = g->exit_code;
	m->oom_killed = g->oom_killed;
	m->have_exit = true;
	return 0;
}
