/*
 * Unit tests of the Docker and Podman backends' list and events-replay steps
 * (cmd/ctrenrich/backend_docker.c, backend_podman.c) without a runtime: each step's request is
 * checked, and answered with what a real dockerd and podman answered (recorded from a private
 * dockerd and podman service, scripts/rt, into tests/fixtures/ctrenrich/list/).
 */
#include <stdint.h>

#include "backend.h"
#include "be_json.h"
#include "unit.h"

#define LIST_FIXTURES "tests/fixtures/ctrenrich/list/"

/* Recorded ids (see the fixtures). */
#define D_PLAIN "79d54b11c4d123feb01b4c8e6d93fdfae3b3a8547aab68f9dc50578c5b909130"
#define D_K8S "2657261ee5699fd7129b0172a4f3f822f9e2cc510d59b684b09326ada7c114e1"
#define D_IMAGE "sha256:71dc5646803d7a3e1f61975824a8d8e05657716690e162114ca84094399b5b16"
#define P_INFRA "ff49578b05a2e99dc356c1f4f4f857f562a499316ddb7552097d0a68977f8f75"
#define P_INPOD "9d16a36bf6f4dc5730960c1907dc50d5b3b1d9ce3e6775a606de3d040d2520db"
#define P_ALONE "b0c7c3dac907b5a6c8e2f90e01de30042bb60d7000af37ebf867272243fac42f"
#define P_DIGEST "sha256:59cf46c5d38b4e95b64ca1732a2b18c2073044388f465e040121d0a2c5971d9c"

static char *load(const char *name, size_t *len)
{
	char path[256];
	char *p;

	snprintf(path, sizeof(path), LIST_FIXTURES "%s", name);
	setenv("CTRWATCH_FIXTURES", ".", 1);
	p = fixture(path, len);
	if (!p)
		exit(t_done("ctrenrich_list"));
	return p;
}

static struct be_response answer(long status, const char *body, size_t len)
{
	struct be_response rs;

	memset(&rs, 0, sizeof(rs));
	rs.status = status;
	rs.body = body;
	rs.len = len;
	rs.headers = "";
	return rs;
}

/* lk's next request: its path starts with want (and holds also, when not NULL). */
static void request(const struct backend *be, struct be_lookup *lk, const char *want,
		    const char *also)
{
	struct be_request rq;

	memset(&rq, 0, sizeof(rq));
	CHECK_INT(be->request(lk, &rq), 0);
	t_checks++;
	if (strncmp(rq.path, want, strlen(want)) != 0 || (also && !strstr(rq.path, also))) {
		t_failed++;
		fprintf(stderr, "request path %s, want %s...%s\n", rq.path, want, also ? also : "");
	}
	CHECK(!rq.method || strcmp(rq.method, "GET") == 0);
}

static enum be_result respond(const struct backend *be, struct be_lookup *lk, const char *fx)
{
	size_t len;
	char *body = load(fx, &len);
	struct be_response rs = answer(200, body, len);
	enum be_result r = be->response(lk, &rs);

	free(body);
	return r;
}

#define CHECK_META(m, f, want) CHECK((m).s[f] && strcmp((m).s[f], (want)) == 0)

/* What a list handed over. */
#define MAX_PUT 8
struct puts {
	unsigned n;
	char id[MAX_PUT][65];
	struct meta m[MAX_PUT];
};

static void put(void *ctx, const char *id, size_t len, struct meta *m)
{
	struct puts *p = ctx;

	t_checks++;
	if (p->n >= MAX_PUT || len != 64) {
		t_failed++;
		meta__clear(m);
		return;
	}
	memcpy(p->id[p->n], id, 64);
	p->id[p->n][64] = '\0';
	meta__move(&p->m[p->n++], m);
}

static const struct meta *find(const struct puts *p, const char *id)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->id[i], id))
			return &p->m[i];
	return NULL;
}

static void puts_free(struct puts *p)
{
	for (unsigned i = 0; i < p->n; i++)
		meta__clear(&p->m[i]);
}

static void lookup_init(struct be_lookup *lk, struct meta *m, void *state, const char *id,
			enum be_kind kind)
{
	memset(lk, 0, sizeof(*lk));
	memset(m, 0, sizeof(*m));
	lk->state = state;
	lk->id = id;
	lk->kind = kind;
	lk->m = m;
}

/* A Docker create: the create event replayed (and a rename after it), then the image by name. */
static void test_docker_replay(void)
{
	void *st = calloc(1, backend_docker.state_size);
	struct be_lookup lk;
	struct meta m;

	lookup_init(&lk, &m, st, D_PLAIN, BE_CREATE);
	request(&backend_docker, &lk, "/v1.41/events?until=",
		"&filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C"
		"%22rename%22%5D%2C%22container%22%3A%5B%22" D_PLAIN "%22%5D%7D");
	CHECK_INT(respond(&backend_docker, &lk, "docker-events-create-rename.jsonl"), BE_MORE);
	CHECK_META(m, M_NAME, "rec-renamed"); /* the rename's, after the create's */
	CHECK_META(m, M_IMAGE, "ctrwatch-test:1");
	CHECK(lk.got_meta);
	request(&backend_docker, &lk, "/v1.41/images/ctrwatch-test%3A1/json", NULL);
	CHECK_INT(respond(&backend_docker, &lk, "docker-image-by-name.json"), BE_DONE);
	CHECK_META(m, M_IMAGE, "ctrwatch-test:1");
	CHECK(!m.s[M_DIGEST]); /* built here: no repo digest */
	meta__clear(&m);

	/* The next create of that image within a second: no image request. */
	lookup_init(&lk, &m, st, D_K8S, BE_CREATE);
	request(&backend_docker, &lk, "/v1.41/events?until=", D_K8S);
	CHECK_INT(respond(&backend_docker, &lk, "docker-events-k8s-sandbox.jsonl"), BE_DONE);
	CHECK_META(m, M_NAME, "rec-k8s");
	CHECK_META(m, M_POD_NAME, "recpod");
	CHECK_META(m, M_POD_NAMESPACE, "default");
	CHECK_META(m, M_POD_UID, "11111111-2222-3333-4444-555555555555");
	CHECK(m.sandbox);
	meta__clear(&m);

	/* The ring no longer holds the create (an empty answer): list-by-id, in the same attempt.
	 */
	lookup_init(&lk, &m, st, D_PLAIN, BE_CREATE);
	request(&backend_docker, &lk, "/v1.41/events?until=", D_PLAIN);
	{
		struct be_response rs = answer(200, "", 0);

		CHECK_INT(backend_docker.response(&lk, &rs), BE_MORE);
	}
	CHECK(!lk.got_meta && !m.s[M_NAME]);
	request(&backend_docker, &lk,
		"/v1.41/containers/json?all=1&filters=%7B%22id%22%3A%5B%22" D_PLAIN, NULL);
	/* the image, asked by name before, is known by its id too: no request */
	CHECK_INT(respond(&backend_docker, &lk, "docker-containers-running.json"), BE_DONE);
	CHECK_META(m, M_NAME, "rec-renamed");
	meta__clear(&m);

	/* A retry goes to list-by-id at once; a replay that fails is not an error either. */
	lookup_init(&lk, &m, st, D_PLAIN, BE_CREATE);
	lk.attempt = 1;
	request(&backend_docker, &lk, "/v1.41/containers/json?all=1&filters=", D_PLAIN);
	lookup_init(&lk, &m, st, D_PLAIN, BE_CREATE);
	request(&backend_docker, &lk, "/v1.41/events?", NULL);
	{
		struct be_response rs = answer(500, "{\"message\":\"x\"}", 15);

		CHECK_INT(backend_docker.response(&lk, &rs), BE_MORE);
	}
	request(&backend_docker, &lk, "/v1.41/containers/json?all=1&filters=", D_PLAIN);
	meta__clear(&m);
	backend_docker.state_free(st);
	free(st);
}

/* Docker's list: the images, then the running containers, each one complete. */
static void test_docker_list(void)
{
	void *st = calloc(1, backend_docker.state_size);
	struct puts p = {0};
	struct be_lookup lk;
	struct meta m;
	const struct meta *got;

	lookup_init(&lk, &m, st, NULL, BE_LIST);
	lk.put = put;
	lk.put_ctx = &p;
	request(&backend_docker, &lk, "/v1.41/images/json", NULL);
	CHECK_INT(respond(&backend_docker, &lk, "docker-images.json"), BE_MORE);
	request(&backend_docker, &lk, "/v1.41/containers/json", NULL);
	CHECK_INT(respond(&backend_docker, &lk, "docker-containers-running.json"), BE_DONE);
	CHECK_INT(p.n, 2);
	got = find(&p, D_PLAIN);
	CHECK(got);
	if (got) {
		CHECK_META(*got, M_NAME, "rec-renamed");
		CHECK_META(*got, M_IMAGE, "ctrwatch-test:1");
		CHECK(!got->sandbox && !got->s[M_POD_NAME]);
	}
	got = find(&p, D_K8S);
	CHECK(got);
	if (got) {
		CHECK_META(*got, M_NAME, "rec-k8s");
		CHECK_META(*got, M_POD_NAME, "recpod");
		CHECK_META(*got, M_POD_UID, "11111111-2222-3333-4444-555555555555");
		CHECK(got->sandbox);
	}
	puts_free(&p);

	/* A container whose image the list of images did not hold is left to its own lookup. */
	memset(&p, 0, sizeof(p));
	backend_docker.state_free(st);
	memset(st, 0, backend_docker.state_size);
	lookup_init(&lk, &m, st, NULL, BE_LIST);
	lk.put = put;
	lk.put_ctx = &p;
	request(&backend_docker, &lk, "/v1.41/images/json", NULL);
	{
		struct be_response rs = answer(200, "[]", 2);

		CHECK_INT(backend_docker.response(&lk, &rs), BE_MORE);
	}
	request(&backend_docker, &lk, "/v1.41/containers/json", NULL);
	CHECK_INT(respond(&backend_docker, &lk, "docker-containers-running.json"), BE_DONE);
	CHECK_INT(p.n, 0);

	/* Not JSON: an error, not a list of nothing. */
	lookup_init(&lk, &m, st, NULL, BE_LIST);
	lk.put = put;
	lk.put_ctx = &p;
	request(&backend_docker, &lk, "/v1.41/images/json", NULL);
	{
		struct be_response rs = answer(200, "[{\"Id\":", 7);

		CHECK_INT(backend_docker.response(&lk, &rs), BE_ERROR);
		CHECK(lk.err && strstr(lk.err, "invalid JSON"));
	}
	puts_free(&p);
	backend_docker.state_free(st);
	free(st);
}

/* Podman's list: images (digests), then running containers with their pods. */
static void test_podman_list(void)
{
	void *st = calloc(1, backend_podman.state_size);
	struct puts p = {0};
	struct be_lookup lk;
	struct meta m;
	const struct meta *got;

	lookup_init(&lk, &m, st, NULL, BE_LIST);
	lk.put = put;
	lk.put_ctx = &p;
	request(&backend_podman, &lk, "/v4.0.0/libpod/images/json", NULL);
	CHECK_INT(respond(&backend_podman, &lk, "podman-images.json"), BE_MORE);
	request(&backend_podman, &lk, "/v4.0.0/libpod/containers/json?pod=true", NULL);
	CHECK_INT(respond(&backend_podman, &lk, "podman-containers-pod.json"), BE_DONE);
	CHECK_INT(p.n, 3);
	got = find(&p, P_INFRA);
	CHECK(got);
	if (got) {
		CHECK(got->sandbox);
		CHECK_META(*got, M_POD_NAME, "recpod");
		CHECK_META(*got, M_IMAGE, "docker.io/library/ctrwatch-pause:1");
	}
	got = find(&p, P_INPOD);
	CHECK(got);
	if (got) {
		CHECK(!got->sandbox);
		CHECK_META(*got, M_NAME, "rec-inpod");
		CHECK_META(*got, M_POD_NAME, "recpod");
		CHECK_META(*got, M_IMAGE, "docker.io/library/ctrwatch-test:1");
		CHECK_META(*got, M_DIGEST, P_DIGEST);
	}
	got = find(&p, P_ALONE);
	CHECK(got);
	if (got) /* Kubernetes labels win over the (empty) Podman pod */
		CHECK_META(*got, M_POD_NAME, "k8spod");
	puts_free(&p);
	backend_podman.state_free(st);
	free(st);
}

/* be_json_each: arrays and streams of values, delimited without being parsed. */
static int count(void *ctx, const char *v, size_t n)
{
	(void)v;
	(void)n;
	++*(int *)ctx;
	return 0;
}

static void test_each(void)
{
	static const struct {
		const char *s;
		int rc, n;
	} t[] = {
	    {"[]", 0, 0},
	    {" [ {\"a\":\"]}\\\"\"} , [1,2], \"x\", 3 ] \n", 0, 4},
	    {"{\"a\":1}\n{\"b\":[2]}\n", 0, 2},
	    {"", 0, 0},
	    {"[{\"a\":1}", -1, 1},
	    {"[{\"a\":1} {\"b\":2}]", -1, 1},
	    {"[\"abc", -1, 0},
	    {"[1,2] x", -1, 2},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = 0;

		CHECK_INT(be_json_each(t[i].s, strlen(t[i].s), count, &n), t[i].rc);
		CHECK_INT(n, t[i].n);
	}
}

int main(void)
{
	test_docker_replay();
	test_docker_list();
	test_podman_list();
	test_each();
	return t_done("ctrenrich_list");
}
