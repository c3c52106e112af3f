/*
 * Unit tests of the containerd and CRI-O backends (cmd/ctrenrich/backend_containerd.c,
 * backend_crio.c) without a runtime: each step's request is checked (path, HTTP/2, headers, the
 * framed message), and answered the way containerd answers (recorded messages from
 * tests/fixtures/ctrenrich/grpc/, status in the trailers, not-found as a trailers-only answer).
 */
#include <stdint.h>

#include "backend.h"
#include "containerd.h"
#include "cri.h"
#include "grpc.h"
#include "grpc_test.h"
#include "pb.h"
#include "pb_test.h"
#include "grpc_testlib.h"

#define CTR_ID "50dee124113c9d244fa6a1c809a84b1c77d817e0bc9fe3e21ce1b773156397d6"
#define CRI_CTR "93b6b86dffa4c6fa944f030817fb5bfcfe0d77e044dee9ae378f6474bbf55946"
#define CRI_POD "d6b9312c09961ede4be41aaf7d25f784d9cb098f604b89fae9d55c18bf6d5771"

/* An answer as the engine hands it over: all header lines (trailers too) and the body. */
struct answer {
	char headers[512];
	uint8_t body[8192];
	struct be_response rs;
};

/* grpc-status code; msg (len bytes) framed as the body when code is 0 (trailers-only otherwise). */
static const struct be_response *answer(struct answer *a, int code, const void *msg, size_t len)
{
	struct buf b;

	memset(&a->rs, 0, sizeof(a->rs));
	a->rs.status = 200;
	buf__init_fixed(&b, a->body, sizeof(a->body) - 1);
	if (code == GRPC_OK) {
		CHECK_INT(grpc_frame_build(&b, msg, len), 0);
		snprintf(a->headers, sizeof(a->headers),
			 "HTTP/2 200 \r\ncontent-type: application/grpc\r\n\r\n"
			 "grpc-status: 0\r\ngrpc-message: \r\n");
	} else {
		snprintf(a->headers, sizeof(a->headers),
			 "HTTP/2 200 \r\ncontent-type: application/grpc\r\ngrpc-status: %d\r\n"
			 "grpc-message: some%%20error\r\n\r\n",
			 code);
	}
	a->body[b.len] = '\0';
	a->rs.body = (const char *)a->body;
	a->rs.len = b.len;
	a->rs.headers = a->headers;
	a->rs.hlen = strlen(a->headers);
	return &a->rs;
}

/* The request for lk's step: its path, and the namespace header's value ("" when none). */
static void request(const struct backend *be, struct be_lookup *lk, const char *path,
		    const char *ns, const char *id)
{
	struct be_request rq;
	const uint8_t *msg;
	size_t len;
	int err, found_ns = 0;
	char want[128];

	memset(&rq, 0, sizeof(rq));
	CHECK_INT(be->request(lk, &rq), 0);
	t_checks++;
	if (strcmp(rq.path, path) != 0) {
		t_failed++;
		fprintf(stderr, "request path %s, want %s\n", rq.path, path);
	}
	CHECK(rq.http2);
	CHECK(rq.method && strcmp(rq.method, "POST") == 0);
	snprintf(want, sizeof(want), "containerd-namespace: %s", ns);
	for (int i = 0; i < 8 && rq.headers[i]; i++)
		found_ns += strcmp(rq.headers[i], want) == 0 ||
			    (!*ns && strncmp(rq.headers[i], "containerd-namespace", 20) == 0);
	CHECK_INT(found_ns, *ns ? 1 : 0);
	if (found_ns != (*ns ? 1 : 0))
		fprintf(stderr, "  in %s (namespace %s)\n", rq.path, ns);
	CHECK(strcmp(rq.headers[0], "content-type: application/grpc") == 0);
	CHECK_INT(grpc_unary_message(rq.body, rq.body_len, GRPC_BODY_MAX, &msg, &len, &err), 1);
	if (id) {
		struct pb_str got;

		CHECK_INT(pb_find_bytes(msg, len, 1, &got, &err), 1);
		CHECK_STR(got, id);
	}
}

static char *load(const char *name, size_t *len)
{
	char *p = fixture(name, len);

	if (!p)
		exit(t_done("ctrenrich_grpc_backend"));
	return p;
}

/* ListNamespacesResponse with the given names. */
static size_t namespaces(uint8_t *out, size_t cap, const char *const *names, int n)
{
	struct buf b;

	buf__init_fixed(&b, out, cap);
	for (int i = 0; i < n; i++) {
		size_t m = pb_msg_begin(&b, 1);

		pb_put_string(&b, 1, names[i]);
		pb_msg_end(&b, m);
	}
	return b.len;
}

/* The containerd backend's state, shared by every lookup of the test as by the engine's. */
static void *ctd_state(void)
{
	static void *state;

	if (!state)
		state = calloc(1, backend_containerd.state_size);
	return state;
}

static void lookup_init(struct be_lookup *lk, struct meta *m, const char *id, enum be_kind kind)
{
	memset(lk, 0, sizeof(*lk));
	lk->state = ctd_state(); /* CRI-O has none (state_size 0): it ignores it */
	memset(m, 0, sizeof(*m));
	lk->id = id;
	lk->kind = kind;
	lk->need_meta = kind == BE_REMOVE;
	lk->m = m;
}

#define CHECK_META(m, f, want) CHECK((m).s[f] && strcmp((m).s[f], (want)) == 0)

static void test_containerd_create(void)
{
	static const char *const ns2[] = {"default", "k8s.io"};
	const struct backend *be = &backend_containerd;
	struct be_lookup lk;
	struct meta m;
	struct answer a;
	uint8_t msg[256];
	size_t n, len;
	char *ctr = load("containerd-grpc-containers-get.pb", &len);

	CHECK(be->id_ok(CTR_ID, 64));
	CHECK(be->id_ok("plain1", 6));
	CHECK(be->id_ok("a.b-c_d", 7));
	CHECK(!be->id_ok("", 0));
	CHECK(!be->id_ok("-a", 2));
	CHECK(!be->id_ok("a..b", 4));
	CHECK(!be->id_ok("a/b", 3));
	CHECK(!be->id_ok("a b", 3));
	CHECK(!be->id_ok("a.", 2));

	/* First lookup: list the namespaces, miss in "default", hit in "k8s.io", then the image. */
	lookup_init(&lk, &m, CTR_ID, BE_CREATE);
	request(be, &lk, "/containerd.services.namespaces.v1.Namespaces/List", "", NULL);
	n = namespaces(msg, sizeof(msg), ns2, 2);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, n)), BE_MORE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "default", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
	CHECK(lk.got_meta);
	request(be, &lk, "/containerd.services.images.v1.Images/Get", "k8s.io",
		"docker.io/library/rtref-bb:1");
	{
		struct buf b;
		size_t i, d;

		buf__init_fixed(&b, msg, sizeof(msg));
		i = pb_msg_begin(&b, 1);
		pb_put_string(&b, 1, "docker.io/library/rtref-bb:1");
		d = pb_msg_begin(&b, 3);
		pb_put_string(&b, 2, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		pb_msg_end(&b, d);
		pb_msg_end(&b, i);
		CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, b.len)), BE_DONE);
	}
	CHECK_META(m, M_NAME, "app");
	CHECK_META(m, M_IMAGE, "docker.io/library/rtref-bb:1");
	CHECK_META(m, M_DIGEST,
		   "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CHECK_META(m, M_POD_NAME, "ctrpod");
	CHECK_META(m, M_POD_NAMESPACE, "default");
	CHECK_META(m, M_POD_UID, "11111111-2222-3333-4444-555555555555");
	CHECK(!m.sandbox);
	meta__clear(&m);

	/* Second lookup: the cached list, the namespace of the last hit first; no image answer. */
	lookup_init(&lk, &m, CTR_ID, BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
	request(be, &lk, "/containerd.services.images.v1.Images/Get", "k8s.io", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_DONE);
	CHECK_META(m, M_IMAGE, "docker.io/library/rtref-bb:1");
	CHECK(m.s[M_DIGEST] == NULL);
	meta__clear(&m);

	/* Two lookups at once: the first one's hit must not make the other skip a namespace. */
	{
		struct be_lookup la, lb;
		struct meta ma, mb;

		lookup_init(&la, &ma, CTR_ID, BE_CREATE);
		lookup_init(&lb, &mb, "other", BE_CREATE);
		request(be, &la, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
		request(be, &lb, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "other");
		CHECK_INT(be->response(&la, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
		request(be, &la, "/containerd.services.containers.v1.Containers/Get", "default", CTR_ID);
		CHECK_INT(be->response(&la, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
		CHECK_INT(be->response(&lb, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
		request(be, &lb, "/containerd.services.containers.v1.Containers/Get", "default", "other");
		CHECK_INT(be->response(&lb, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_NOTFOUND);
		/* The image of la is asked where la was found. */
		request(be, &la, "/containerd.services.images.v1.Images/Get", "default", NULL);
		meta__clear(&ma);
		meta__clear(&mb);
		/* And a hit in k8s.io puts it first again. */
		lookup_init(&la, &ma, CTR_ID, BE_CREATE);
		request(be, &la, "/containerd.services.containers.v1.Containers/Get", "default", CTR_ID);
		CHECK_INT(be->response(&la, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
		request(be, &la, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
		CHECK_INT(be->response(&la, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
		meta__clear(&ma);
	}

	/* Not found in any namespace (the list is fresh: not listed again). */
	lookup_init(&lk, &m, "nope", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "nope");
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "default", "nope");
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_NOTFOUND);
	CHECK(!lk.got_meta);

	/* Errors: a status other than not found, a body that is not gRPC, a bad message. */
	lookup_init(&lk, &m, "x", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "x");
	CHECK_INT(be->response(&lk, answer(&a, GRPC_UNIMPLEMENTED, NULL, 0)), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "grpc unimplemented") == 0);
	lookup_init(&lk, &m, "x", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "x");
	answer(&a, GRPC_OK, "\x0a\x05", 2);
	a.body[0] = 1; /* compressed */
	CHECK_INT(be->response(&lk, &a.rs), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "bad response: compressed grpc message") == 0);
	lookup_init(&lk, &m, "x", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "x");
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, "\x0a\x05", 2)), BE_ERROR);
	CHECK(lk.err && strstr(lk.err, "bad response: ") == lk.err);
	/* A status in the headers and a stream reset: no trailers, no body. */
	lookup_init(&lk, &m, "x", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "x");
	answer(&a, GRPC_NOT_FOUND, NULL, 0);
	snprintf(a.headers, sizeof(a.headers), "HTTP/2 200 \r\ngrpc-status: 5\r\n");
	a.rs.hlen = strlen(a.headers);
	CHECK_INT(be->response(&lk, &a.rs), BE_MORE);
	/* No grpc-status at all in a complete answer. */
	lookup_init(&lk, &m, "x", BE_CREATE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", "x");
	answer(&a, GRPC_OK, "", 0);
	snprintf(a.headers, sizeof(a.headers), "HTTP/2 200 \r\n\r\n");
	a.rs.hlen = strlen(a.headers);
	CHECK_INT(be->response(&lk, &a.rs), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "grpc internal") == 0);
	free(ctr);
}

static void test_containerd_remove(void)
{
	const struct backend *be = &backend_containerd;
	struct be_lookup lk;
	struct meta m;
	struct answer a;
	size_t len, tlen;
	char *ctr = load("containerd-grpc-containers-get.pb", &len);
	char *task = load("containerd-grpc-tasks-get.pb", &tlen);
	uint8_t msg[256];
	struct buf b;
	size_t k, e;

	/* Removal with the cache empty: the container, its image, then the task, still running. */
	lookup_init(&lk, &m, CTR_ID, BE_REMOVE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
	request(be, &lk, "/containerd.services.images.v1.Images/Get", "k8s.io", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_UNAVAILABLE, NULL, 0)), BE_MORE);
	request(be, &lk, "/containerd.services.tasks.v1.Tasks/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, task, tlen)), BE_NOTYET);
	CHECK(!m.have_exit);
	CHECK_META(m, M_NAME, "app");

	/* The retry (step 0 again, scratch kept) goes straight to the task; it is gone now, and
	 * the container is CRI's: CRI's ContainerStatus has the exit. */
	lk.step = 0;
	lk.attempt = 1;
	request(be, &lk, "/containerd.services.tasks.v1.Tasks/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CTR_ID);
	buf__init_fixed(&b, msg, sizeof(msg));
	k = pb_msg_begin(&b, 1);
	pb_put_varint(&b, 3, CRI_CONTAINER_EXITED);
	pb_put_varint(&b, 6, 1795416069000000000LL);
	pb_put_varint(&b, 7, 137);
	pb_put_string(&b, 10, "OOMKilled");
	pb_msg_end(&b, k);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, b.len)), BE_DONE);
	CHECK(m.have_exit && m.exit_code == 137 && m.oom_killed);
	CHECK(m.finished_at && strcmp(m.finished_at, "2026-11-23T06:41:09Z") == 0);
	meta__clear(&m);

	/* A plain container whose task stopped: Tasks/Get has the exit. */
	lookup_init(&lk, &m, CTR_ID, BE_REMOVE);
	lk.need_meta = false;
	request(be, &lk, "/containerd.services.containers.v1.Containers/Get", "k8s.io", CTR_ID);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ctr, len)), BE_MORE);
	CHECK(m.s[M_NAME] == NULL); /* the cache had it: not asked for */
	request(be, &lk, "/containerd.services.tasks.v1.Tasks/Get", "k8s.io", CTR_ID);
	buf__init_fixed(&b, msg, sizeof(msg));
	k = pb_msg_begin(&b, 1);
	pb_put_varint(&b, 4, CTD_TASK_STOPPED);
	pb_put_varint(&b, 9, 3);
	e = pb_msg_begin(&b, 10);
	pb_put_varint(&b, 1, 1795416069);
	pb_put_varint(&b, 2, 120000000);
	pb_msg_end(&b, e);
	pb_msg_end(&b, k);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, b.len)), BE_DONE);
	CHECK(m.have_exit && m.exit_code == 3 && !m.oom_killed);
	CHECK(m.finished_at && strcmp(m.finished_at, "2026-11-23T06:41:09.12Z") == 0);
	meta__clear(&m);
	free(ctr);
	free(task);
}

static void test_crio(void)
{
	const struct backend *be = &backend_crio;
	struct be_lookup lk;
	struct meta m;
	struct answer a;
	size_t clen, slen;
	char *cs = load("containerd-cri-containerstatus.pb", &clen);
	char *ss = load("containerd-cri-podsandboxstatus-verbose.pb", &slen);

	CHECK(be->id_ok(CRI_CTR, 64));
	CHECK(!be->id_ok("plain1", 6));

	/* A container. */
	lookup_init(&lk, &m, CRI_CTR, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, cs, clen)), BE_DONE);
	CHECK_META(m, M_NAME, "app");
	CHECK_META(m, M_IMAGE, "docker.io/library/rtref-app:1");
	CHECK_META(m, M_DIGEST,
		   "sha256:0b9d4734c9b6c41e344438d663469b9887c7f6e0bb32d49d72a2287dc2d8f4e2");
	CHECK_META(m, M_POD_NAME, "rtref-cri-pod");
	CHECK_META(m, M_POD_NAMESPACE, "default");
	CHECK_META(m, M_POD_UID, "aaaaaaaa-bbbb-cccc-dddd-000000000001");
	CHECK(!m.sandbox);
	meta__clear(&m);

	/* A sandbox: not a CRI container, a pod sandbox. */
	lookup_init(&lk, &m, CRI_POD, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_POD);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
	request(be, &lk, "/runtime.v1.RuntimeService/PodSandboxStatus", "", CRI_POD);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ss, slen)), BE_DONE);
	CHECK(m.sandbox);
	CHECK(m.s[M_NAME] == NULL);
	CHECK_META(m, M_POD_NAME, "rtref-cri-pod");
	CHECK_META(m, M_POD_UID, "aaaaaaaa-bbbb-cccc-dddd-000000000001");
	meta__clear(&m);

	/* Neither (yet). */
	lookup_init(&lk, &m, CRI_POD, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_POD);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_MORE);
	request(be, &lk, "/runtime.v1.RuntimeService/PodSandboxStatus", "", CRI_POD);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_NOT_FOUND, NULL, 0)), BE_NOTFOUND);

	/* Removal of a running container: not yet, with who it is kept. */
	lookup_init(&lk, &m, CRI_CTR, BE_REMOVE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, cs, clen)), BE_NOTYET);
	CHECK(lk.got_meta && !m.have_exit);
	CHECK_META(m, M_NAME, "app");
	meta__clear(&m);

	/* CRI without the service (dockerd's containerd): said so; other codes by name. */
	lookup_init(&lk, &m, CRI_CTR, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_UNIMPLEMENTED, NULL, 0)), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "grpc unimplemented: the runtime does not serve CRI "
				       "(runtime.v1.RuntimeService)") == 0);
	lookup_init(&lk, &m, CRI_CTR, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_UNAVAILABLE, NULL, 0)), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "grpc unavailable") == 0);
	/* Asked again without the body: unimplemented holds, any other status does not. */
	lookup_init(&lk, &m, CRI_CTR, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	answer(&a, GRPC_UNIMPLEMENTED, NULL, 0);
	a.rs.headers_only = true;
	CHECK_INT(be->response(&lk, &a.rs), BE_ERROR);
	CHECK(lk.err && strstr(lk.err, "does not serve CRI"));
	lookup_init(&lk, &m, CRI_CTR, BE_CREATE);
	request(be, &lk, "/runtime.v1.RuntimeService/ContainerStatus", "", CRI_CTR);
	answer(&a, GRPC_UNKNOWN, NULL, 0);
	a.rs.headers_only = true;
	CHECK_INT(be->response(&lk, &a.rs), BE_ERROR);
	CHECK(lk.err && strcmp(lk.err, "bad response: protocol error") == 0);
	free(cs);
	free(ss);
}

/* CRI's list (the scan's): ListImages, ListPodSandbox, then the running containers. */
struct listed {
	unsigned n;
	char id[4][65];
	struct meta m[4];
};

static void listed_put(void *ctx, const char *id, size_t len, struct meta *m)
{
	struct listed *l = ctx;

	CHECK(l->n < 4 && len == 64);
	if (l->n >= 4 || len != 64) {
		meta__clear(m);
		return;
	}
	memcpy(l->id[l->n], id, 64);
	l->id[l->n][64] = '\0';
	meta__move(&l->m[l->n++], m);
}

static void test_crio_list(void)
{
	const struct backend *be = &backend_crio;
	void *state = calloc(1, be->state_size);
	struct listed l = {0};
	struct be_lookup lk;
	struct meta m;
	struct answer a;
	uint8_t img[512];
	struct buf b;
	size_t slen, clen, k;
	char *sb = load("containerd-cri-listpodsandbox.pb", &slen);
	char *cs = load("containerd-cri-listcontainers.pb", &clen);

	lookup_init(&lk, &m, NULL, BE_LIST);
	lk.state = state;
	lk.put = listed_put;
	lk.put_ctx = &l;
	request(be, &lk, "/runtime.v1.ImageService/ListImages", "", NULL);
	/* ListImagesResponse{images: Image{id, repo_tags, repo_digests}}, as containerd's CRI says */
	buf__init_fixed(&b, img, sizeof(img));
	k = pb_msg_begin(&b, 1);
	pb_put_string(&b, 1, "sha256:0b9d4734c9b6c41e344438d663469b9887c7f6e0bb32d49d72a2287dc2d8f4e2");
	pb_put_string(&b, 2, "docker.io/library/rtref-app:1");
	pb_put_string(&b, 2, "docker.io/library/rtref-app:latest");
	pb_put_string(&b, 3, "docker.io/library/rtref-app@sha256:"
			     "1111111111111111111111111111111111111111111111111111111111111111");
	pb_msg_end(&b, k);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, img, b.len)), BE_MORE);
	request(be, &lk, "/runtime.v1.RuntimeService/ListPodSandbox", "", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, sb, slen)), BE_MORE);
	request(be, &lk, "/runtime.v1.RuntimeService/ListContainers", "", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, cs, clen)), BE_DONE);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK(strcmp(l.id[0], CRI_POD) == 0 && l.m[0].sandbox);
		CHECK_META(l.m[0], M_POD_NAME, "rtref-cri-pod");
		CHECK_META(l.m[0], M_POD_UID, "aaaaaaaa-bbbb-cccc-dddd-000000000001");
		CHECK(strcmp(l.id[1], CRI_CTR) == 0 && !l.m[1].sandbox);
		CHECK_META(l.m[1], M_NAME, "app");
		CHECK_META(l.m[1], M_IMAGE, "docker.io/library/rtref-app:1");
		CHECK_META(l.m[1], M_DIGEST,
			   "docker.io/library/rtref-app@sha256:"
			   "1111111111111111111111111111111111111111111111111111111111111111");
		CHECK_META(l.m[1], M_POD_NAME, "rtref-cri-pod");
		CHECK_META(l.m[1], M_POD_NAMESPACE, "default");
	}
	for (unsigned i = 0; i < l.n; i++)
		meta__clear(&l.m[i]);

	/* A runtime without CRI: the list fails, as a lookup would. */
	lookup_init(&lk, &m, NULL, BE_LIST);
	lk.state = state;
	request(be, &lk, "/runtime.v1.ImageService/ListImages", "", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_UNIMPLEMENTED, NULL, 0)), BE_ERROR);
	be->state_free(state);
	free(state);
	free(sb);
	free(cs);
}

/* containerd's list: the namespaces, then in each its images and its containers. */
static void test_containerd_list(void)
{
	static const char *const ns2[] = {"default", "k8s.io"};
	const struct backend *be = &backend_containerd;
	void *state = calloc(1, be->state_size);
	struct listed l = {0};
	struct be_lookup lk;
	struct meta m;
	struct answer a;
	uint8_t msg[256];
	struct buf b;
	size_t n, len, i, d;
	/* GetContainerResponse{container = 1}: the wire form of a one-container list, too */
	char *ctr = load("containerd-grpc-containers-get.pb", &len);

	lookup_init(&lk, &m, NULL, BE_LIST);
	lk.state = state;
	lk.put = listed_put;
	lk.put_ctx = &l;
	request(be, &lk, "/containerd.services.namespaces.v1.Namespaces/List", "", NULL);
	n = namespaces(msg, sizeof(msg), ns2, 2);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, n)), BE_MORE);
	request(be, &lk, "/containerd.services.images.v1.Images/List", "default", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, "", 0)), BE_MORE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/List", "default", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, "", 0)), BE_MORE);
	request(be, &lk, "/containerd.services.images.v1.Images/List", "k8s.io", NULL);
	buf__init_fixed(&b, msg, sizeof(msg));
	i = pb_msg_begin(&b, 1);
	pb_put_string(&b, 1, "docker.io/library/rtref-bb:1");
	d = pb_msg_begin(&b, 3);
	pb_put_string(&b, 2, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	pb_msg_end(&b, d);
	pb_msg_end(&b, i);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, msg, b.len)), BE_MORE);
	request(be, &lk, "/containerd.services.containers.v1.Containers/List", "k8s.io", NULL);
	CHECK_INT(be->response(&lk, answer(&a, GRPC_OK, ctr, len)), BE_DONE);
	CHECK_INT(l.n, 1);
	if (l.n == 1) {
		CHECK(strcmp(l.id[0], CTR_ID) == 0);
		CHECK_META(l.m[0], M_NAME, "app");
		CHECK_META(l.m[0], M_IMAGE, "docker.io/library/rtref-bb:1");
		CHECK_META(l.m[0], M_DIGEST, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
					     "0123456789abcdef");
		CHECK_META(l.m[0], M_POD_NAME, "ctrpod");
		meta__clear(&l.m[0]);
	}
	be->state_free(state);
	free(state);
	free(ctr);
}

int main(void)
{
	test_containerd_create();
	test_containerd_remove();
	test_crio();
	test_crio_list();
	test_containerd_list();
	return t_done("ctrenrich_grpc_backend");
}
