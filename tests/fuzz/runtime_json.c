/*
 * Fuzz target: the Docker and Podman backends reading their runtimes' JSON answers
 * (backend_docker.c, backend_podman.c, be_json.c), driven the way the engine drives them, and
 * the JSON path reader (codec/jp.c).
 *
 * Input: a flags byte, the container id up to '\n', then the bodies of the answers to the
 * backend's requests in turn, separated by NUL bytes.
 *   flags bit 0: Podman (else Docker)    bit 1: a removal (else a creation)
 *         bit 2: need_meta (removal)     bit 3: the first answer is a 404
 *         bit 4: later answers are 500s
 *
 * Checks: each request a backend asks for has a path made of URL-safe characters only (no
 * injection from what a runtime answered); an error always has a reason; the strings it stores
 * are NULL or non-empty; exit details come with a finish time. jp: every string token
 * unescapes to no more bytes than it holds and without a NUL, jp__str agrees with jp__strdup,
 * a key found by path is the key found by name.
 */
#include "fuzz.h"

#define JSMN_HEADER /* the token type only: jp.c holds the parser */
#include <jsmn.h>

#include "backend.h"
#include "jp.h"

#define MAX_STEPS 8

static void check_path(const char *path)
{
	CHECK(path[0] == '/');
	for (const char *c = path; *c; c++)
		CHECK((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/%._:?=&-", *c));
}

static void check_meta(const struct meta *m)
{
	for (int i = 0; i < M_NSTR; i++)
		CHECK(!m->s[i] || m->s[i][0]);
	if (m->have_exit)
		CHECK(m->finished_at != NULL);
}

/* Run one lookup against the answers in bodies[0, n). */
static void lookup(const struct backend *be, void *state, uint8_t flags, const char *id,
		   size_t idlen, char **bodies, size_t *lens, size_t n)
{
	struct meta m = {0};
	struct be_lookup lk;
	struct be_request rq;
	struct be_response rs;
	enum be_result r = BE_ERROR;
	size_t used = 0;

	if (!be->id_ok(id, idlen))
		return;
	memset(&lk, 0, sizeof(lk));
	lk.state = state;
	lk.id = id;
	lk.kind = flags & 2 ? BE_REMOVE : BE_CREATE;
	lk.need_meta = flags & 4;
	lk.m = &m;
	while (used < n && used < MAX_STEPS) {
		memset(&rq, 0, sizeof(rq));
		CHECK(be->request(&lk, &rq) == 0);
		check_path(rq.path);
		CHECK(!rq.http2 && !rq.body_len);
		memset(&rs, 0, sizeof(rs));
		rs.status = used == 0 && (flags & 8) ? 404 : used > 0 && (flags & 16) ? 500 : 200;
		rs.body = bodies[used];
		rs.len = lens[used];
		rs.headers = "";
		used++;
		r = be->response(&lk, &rs);
		check_meta(&m);
		if (r == BE_ERROR)
			CHECK(lk.err && lk.err[0]);
		if (r == BE_MORE)
			continue;
		if (r == BE_NOTFOUND || r == BE_NOTYET) {
			/* The engine retries the same runtime from step 0, keeping scratch and m. */
			lk.attempt++;
			lk.step = 0;
			lk.err = NULL;
			continue;
		}
		CHECK(r == BE_DONE || r == BE_ERROR);
		break;
	}
	if (getenv("FUZZ_VERBOSE")) /* what a replay made of its input */
		fprintf(stderr, "%s: result %d after %zu answers (%s): name=%s image=%s digest=%s "
			"pod=%s/%s uid=%s sandbox=%d exit=%d/%lld/%s oom=%d\n",
			be->name, r, used, lk.err ? lk.err : "-", m.s[M_NAME], m.s[M_IMAGE],
			m.s[M_DIGEST], m.s[M_POD_NAMESPACE], m.s[M_POD_NAME], m.s[M_POD_UID],
			m.sandbox, m.have_exit, (long long)m.exit_code, m.finished_at, m.oom_killed);
	meta__clear(&m);
}

/*
 * True when the tokens have the shape of valid JSON: object members are a key (a string with
 * one value) and a value, array elements and values are never keys, one value at the top.
 * jsmn's strict mode still accepts {"a"}, {"a":1,"b"} and ["a":1] (jp__parse passes them on).
 */
static bool well_formed(const struct jp *d)
{
	const jsmntok_t *tok = (const jsmntok_t *)d->tok.data;
	struct frame {
		int left;
		bool obj;
		bool key_next;
	} *st = malloc((d->ntok + 1) * sizeof(*st));
	int top = 0;
	bool ok = true;

	CHECK(st);
	st[0] = (struct frame){1, false, false}; /* the document: one value */
	for (unsigned i = 0; i < d->ntok && ok; i++) {
		const jsmntok_t *k = &tok[i];
		struct frame *f;

		while (top > 0 && st[top].left == 0)
			top--;
		f = &st[top];
		if (f->left == 0) {
			ok = false; /* more tokens than the document holds */
			break;
		}
		if (f->obj && f->key_next) {
			ok = k->type == JSMN_STRING && k->size == 1;
			f->key_next = false;
			continue;
		}
		f->left--;
		f->key_next = f->obj;
		if (k->type == JSMN_OBJECT || k->type == JSMN_ARRAY) {
			st[++top] = (struct frame){k->size, k->type == JSMN_OBJECT, k->type == JSMN_OBJECT};
		} else {
			ok = k->size == 0;
		}
	}
	while (ok && top > 0 && st[top].left == 0)
		top--;
	ok = ok && top == 0 && st[0].left == 0;
	free(st);
	return ok;
}

/* Every token, read with each getter; with strict checks when the document is well formed. */
static void check_token(struct jp *d, int t, bool strict)
{
	int n = jp__size(d, t);
	char small[8];
	char *s;
	size_t len;
	int64_t v;
	bool b;

	if (jp__strdup(d, t, &s, &len) == 0) {
		long k = jp__str(d, t, small, sizeof(small));

		CHECK(strlen(s) == len); /* \u0000 never comes out as a NUL */
		CHECK(k == (long)len && !strncmp(small, s, sizeof(small) - 1));
		CHECK(jp__str_eq(d, t, s));
		free(s);
	}
	jp__i64(d, t, &v);
	jp__bool(d, t, &b);
	if (!strict)
		return;
	if (jp__is_arr(d, t)) {
		for (int i = 0; i < n && i < 16; i++)
			CHECK(jp__index(d, t, i) > t);
		if (n > 0)
			CHECK(jp__index(d, t, n - 1) > t);
		CHECK(jp__index(d, t, n) == -1);
	} else if (jp__is_obj(d, t) && n > 0) {
		/* The first member: a key without path syntax is found the same by path and by name. */
		char key[64];
		long kl = jp__str(d, t + 1, key, sizeof(key));

		CHECK(kl >= 0);
		if ((size_t)kl < sizeof(key) && kl > 0 && !strpbrk(key, ".\\") &&
		    (int)strlen(key) == kl) {
			int byname = jp__key(d, t, key), bypath = jp__path(d, t, key);

			/* A key written with escapes in the document is not found (jp.h). */
			CHECK(byname == bypath);
			if (jp__str_eq(d, t + 1, key) && byname < 0)
				CHECK(memchr(d->s, '\\', d->len));
			if (byname >= 0)
				CHECK(byname > t + 1);
		}
	}
}

static void check_jp(const char *s, size_t len, const char *path)
{
	static struct jp d;
	bool strict;

	if (jp__parse(&d, s, len) < 0)
		return;
	CHECK(d.ntok >= 1);
	strict = well_formed(&d);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "jp: %u tokens, %s\n", d.ntok, strict ? "well formed" : "malformed");
	for (unsigned t = 0; t < d.ntok; t++)
		check_token(&d, (int)t, strict);
	jp__path(&d, 0, path);
	jp__path(&d, 0, "Config.Labels.io\\.kubernetes\\.pod\\.name");
	jp__path(&d, 0, "0.Names.0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *bodies[MAX_STEPS], *idbuf;
	size_t lens[MAX_STEPS], n = 0, idlen;
	const char *p, *end = (const char *)data + size, *nl;
	uint8_t flags;
	/* Each backend's state lives as long as the process, as the engine's does. */
	static void *state[2];
	const struct backend *be;

	if (size < 1)
		return 0;
	flags = data[0];
	be = flags & 1 ? &backend_podman : &backend_docker;
	if (!state[flags & 1] && !(state[flags & 1] = calloc(1, be->state_size)))
		return 0;
	p = (const char *)data + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	idlen = nl ? (size_t)(nl - p) : (size_t)(end - p);
	idbuf = malloc(idlen + 1);
	if (!idbuf)
		return 0;
	memcpy(idbuf, p, idlen);
	idbuf[idlen] = '\0';
	p = nl ? nl + 1 : end;

	/* Each body in its own buffer, NUL-terminated at its end as the engine hands it over. */
	while (p < end && n < MAX_STEPS) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);

		bodies[n] = malloc(len + 1);
		if (!bodies[n])
			break;
		memcpy(bodies[n], p, len);
		bodies[n][len] = '\0';
		lens[n++] = len;
		p = z ? z + 1 : end;
	}
	for (size_t i = 0; i < n; i++)
		check_jp(bodies[i], lens[i], idbuf);
	lookup(be, state[flags & 1], flags, idbuf, strlen(idbuf), bodies, lens, n);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	free(idbuf);
	return 0;
}
