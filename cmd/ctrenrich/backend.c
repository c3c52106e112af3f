/* What the backends share: runtime names, struct meta, id checks, error and path helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static const char *const rt_names[] = {
    [RT_DOCKER] = "docker",   [RT_PODMAN] = "podman", [RT_CONTAINERD] = "containerd",
    [RT_CRIO] = "crio",	      [RT_LXC] = "lxc",	      [RT_GARDEN] = "garden",
    [RT_UNKNOWN] = "unknown", [RT_OTHER] = "other",
};

const char *rt_name(enum rt rt)
{
	return rt <= RT_OTHER ? rt_names[rt] : "other";
}

enum rt rt_parse(const char *name)
{
	for (int i = 0; i < RT_OTHER; i++)
		if (!strcmp(name, rt_names[i]))
			return (enum rt)i;
	if (!strcmp(name, "cri-o"))
		return RT_CRIO;
	return RT_OTHER;
}

void meta__clear(struct meta *m)
{
	for (int i = 0; i < M_NSTR; i++)
		free(m->s[i]);
	free(m->finished_at);
	memset(m, 0, sizeof(*m));
}

int meta__set(struct meta *m, enum meta_str f, const char *s, size_t len)
{
	char *p = NULL;

	if (len) {
		p = malloc(len + 1);
		if (!p)
			return -1;
		memcpy(p, s, len);
		p[len] = '\0';
	}
	free(m->s[f]);
	m->s[f] = p;
	return 0;
}

int meta__copy(struct meta *dst, const struct meta *src)
{
	meta__clear(dst);
	for (int i = 0; i < M_NSTR; i++)
		if (src->s[i] &&
		    meta__set(dst, (enum meta_str)i, src->s[i], strlen(src->s[i])) < 0) {
			meta__clear(dst);
			return -1;
		}
	dst->sandbox = src->sandbox;
	return 0;
}

void meta__move(struct meta *dst, struct meta *src)
{
	meta__clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

bool be_id_hex64(const char *id, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

enum be_result be_http_error(struct be_lookup *lk, long status)
{
	snprintf(lk->errbuf, sizeof(lk->errbuf), "bad response: HTTP %ld", status);
	lk->err = lk->errbuf;
	return BE_ERROR;
}

enum be_result be_bad(struct be_lookup *lk, const char *what)
{
	snprintf(lk->errbuf, sizeof(lk->errbuf), "bad response: %s", what);
	lk->err = lk->errbuf;
	return BE_ERROR;
}

int be_path(struct be_lookup *lk, struct be_request *rq, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rq->path, sizeof(rq->path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rq->path)) {
		lk->err = "internal error: path too long";
		return -1;
	}
	return 0;
}

int be_bad_step(struct be_lookup *lk)
{
	lk->err = "internal error: bad step";
	return -1;
}

enum be_result be_on_step(struct be_lookup *lk, const struct be_response *rs, be_on_fn *const *on,
			  size_t n)
{
	if (lk->step >= n || !on[lk->step]) {
		be_bad_step(lk);
		return BE_ERROR;
	}
	return on[lk->step](lk, rs);
}
