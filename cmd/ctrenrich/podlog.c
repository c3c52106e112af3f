/*
 * Podman's event log, its lines: cut into lines, read (codec/podevent.h) into the containers and
 * pods they name, and answers from those. No I/O: podlog_file.c feeds the bytes. See podlog.h.
 *
 * Which container is a pod's infra container, from the log alone: libpod creates a pod's infra
 * container while it creates the pod, and logs the pod's "create" after the infra container's;
 * any other container joins the pod once it exists. So the pod's container whose create line
 * comes before the pod's create line is its infra container. That holds when exactly one of
 * the pod's containers came before the pod's line; otherwise (a container joining the pod
 * while it was being made) the log cannot tell, and the API is asked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be_json.h"
#include "codec/podevent.h"
#include "htab.h"
#include "podlog.h"

struct pl_ctr {
	struct meta m;		 /* name, image, Kubernetes pod fields */
	char pod_id[65];	 /* "" when not in a pod */
	uint64_t seq;		 /* its create line's */
	unsigned long image_gen; /* image events before its create line */
};

struct pl_pod {
	char *name;	 /* NULL until the pod's create line */
	uint64_t seq;	 /* its create line's; 0 until then */
	unsigned before; /* its containers whose create line came before the pod's */
};

static bool ctr_evict(void *value, void *ctx)
{
	(void)ctx;
	meta__clear(&((struct pl_ctr *)value)->m);
	return true;
}

static bool pod_evict(void *value, void *ctx)
{
	(void)ctx;
	free(((struct pl_pod *)value)->name);
	return true;
}

struct podlog *podlog__new(void)
{
	struct podlog *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->fd = -1;
	buf__init(&pl->line, PODLOG_LINE_MAX);
	buf__init(&pl->last, PODLOG_LINE_MAX);
	pl->ctrs = htab__new(PODLOG_CONTAINERS, sizeof(struct pl_ctr), ctr_evict, NULL);
	pl->pods = htab__new(PODLOG_PODS, sizeof(struct pl_pod), pod_evict, NULL);
	if (!pl->ctrs || !pl->pods) {
		podlog__free(pl);
		errno = ENOMEM;
		return NULL;
	}
	return pl;
}

/* Free table t, and what each of its values owns (evict). */
static void table_free(struct htab *t, htab_evict_fn *evict)
{
	void *v;

	while (t && (v = htab__oldest(t))) {
		evict(v, NULL);
		htab__del(t, v);
	}
	htab__free(t);
}

void podlog__free(struct podlog *pl)
{
	if (!pl)
		return;
	table_free(pl->ctrs, ctr_evict);
	table_free(pl->pods, pod_evict);
	jp__free(&pl->doc);
	buf__free(&pl->line);
	buf__free(&pl->last);
	free(pl->chunk);
	if (pl->fd >= 0)
		close(pl->fd);
	free(pl);
}

static bool too_long(const struct meta *m)
{
	for (int f = 0; f < M_NSTR; f++)
		if (m->s[f] && strlen(m->s[f]) > PODLOG_STR_MAX)
			return true;
	return false;
}

/* A container's create line: what it says replaces what was known of it. */
static void on_create(struct podlog *pl, const struct podevent *ev)
{
	const struct jp *d = &pl->doc;
	struct pl_ctr *c;
	bool added;

	c = htab__put(pl->ctrs, ev->id, 64, &added);
	if (!c)
		return;
	htab__touch(pl->ctrs, c);
	if (added) {
		c->seq = pl->seq;
		c->image_gen = pl->image_gen;
		if (be_id_hex64(ev->pod_id, strlen(ev->pod_id))) {
			struct pl_pod *p = htab__put(pl->pods, ev->pod_id, 64, &added);

			if (p && !p->seq)
				p->before++;
			memcpy(c->pod_id, ev->pod_id, sizeof(c->pod_id));
		}
		memcpy(pl->fresh[(pl->fresh_at + pl->nfresh) % PODLOG_NEW], ev->id, 65);
		if (pl->nfresh < PODLOG_NEW)
			pl->nfresh++;
		else
			pl->fresh_at = (pl->fresh_at + 1) % PODLOG_NEW;
	}
	meta__clear(&c->m);
	if (be_json_str(d, ev->name, &c->m, M_NAME) < 0 ||
	    be_json_str(d, ev->image, &c->m, M_IMAGE) < 0 || be_json_pod(d, ev->attrs, &c->m) < 0 ||
	    too_long(&c->m)) {
		/* Not kept: its create lookup asks the API. */
		ctr_evict(c, NULL);
		htab__del(pl->ctrs, c);
	}
}

/* Any other line of a container already known: its current name (after a rename). */
static void on_container(struct podlog *pl, const struct podevent *ev)
{
	struct pl_ctr *c = htab__get(pl->ctrs, ev->id, 64);
	const char *name;

	if (!c || ev->name < 0)
		return;
	name = c->m.s[M_NAME] ? c->m.s[M_NAME] : "";
	if (jp__str_eq(&pl->doc, ev->name, name))
		return;
	if (be_json_str(&pl->doc, ev->name, &c->m, M_NAME) < 0 || too_long(&c->m)) {
		ctr_evict(c, NULL);
		htab__del(pl->ctrs, c);
	}
}

static void on_pod(struct podlog *pl, const struct podevent *ev)
{
	struct pl_pod *p;
	char *name = NULL;
	size_t len;
	bool added;

	if (strcmp(ev->status, "create") || !be_id_hex64(ev->id, strlen(ev->id)) ||
	    jp__strdup(&pl->doc, ev->name, &name, &len) < 0)
		return;
	p = htab__put(pl->pods, ev->id, 64, &added);
	if (!p || p->seq || !len || len > PODLOG_STR_MAX) {
		free(name); /* a pod's create seen twice keeps the first */
		return;
	}
	htab__touch(pl->pods, p);
	p->name = name;
	p->seq = pl->seq;
}

/* One whole line. */
static void on_line(struct podlog *pl, const char *s, size_t len)
{
	struct podevent ev;

	pl->seq++;
	if (buf__set(&pl->last, s, len) < 0)
		buf__reset(&pl->last);
	if (podevent__parse(&ev, &pl->doc, s, len) < 0) {
		pl->nbad++;
		return;
	}
	switch (ev.type) {
	case PE_CONTAINER:
		if (!be_id_hex64(ev.id, strlen(ev.id)))
			pl->nbad++;
		else if (!strcmp(ev.status, "create"))
			on_create(pl, &ev);
		else
			on_container(pl, &ev);
		break;
	case PE_POD:
		on_pod(pl, &ev);
		break;
	case PE_IMAGE:
		pl->image_gen++;
		break;
	default:
		break;
	}
}

void podlog__feed(struct podlog *pl, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (!pl->skipping && k > PODLOG_LINE_MAX - pl->line.len) {
			pl->nlong++;
			pl->skipping = true;
		}
		if (!pl->skipping && nl && !pl->line.len) {
			on_line(pl, p, k); /* whole in this read: no copy */
		} else if (!pl->skipping && buf__put(&pl->line, p, k) < 0) {
			pl->skipping = true;
		} else if (!pl->skipping && nl) {
			on_line(pl, pl->line.data, pl->line.len);
		}
		if (!nl)
			return;
		pl->skipping = false;
		buf__reset(&pl->line);
		p += k + 1;
		n -= k + 1;
	}
}

void podlog__restart(struct podlog *pl, bool mid_line)
{
	buf__reset(&pl->line);
	pl->skipping = mid_line;
}

bool podlog__next_new(struct podlog *pl, char id[65])
{
	if (!pl->nfresh)
		return false;
	memcpy(id, pl->fresh[pl->fresh_at], 65);
	pl->fresh_at = (pl->fresh_at + 1) % PODLOG_NEW;
	pl->nfresh--;
	return true;
}

size_t podlog__resume(const struct podlog *pl, const char *data, size_t len)
{
	const char *last = pl->last.data;
	size_t n = pl->last.len;

	if (!n)
		return 0;
	/* From the end: the newest copy of that line (each has its own time, to the ns). */
	for (size_t at = len; at-- > n;)
		if (data[at] == '\n' && (at == n || data[at - n - 1] == '\n') &&
		    !memcmp(data + at - n, last, n))
			return at + 1;
	return 0;
}

enum podlog_find podlog__find(struct podlog *pl, const char *id, struct podlog_answer *a)
{
	struct pl_ctr *c = htab__get(pl->ctrs, id, strlen(id));
	struct pl_pod *p;

	memset(a, 0, sizeof(*a));
	if (!c)
		return PODLOG_UNKNOWN;
	htab__touch(pl->ctrs, c);
	a->m = &c->m;
	a->image = c->m.s[M_IMAGE] ? c->m.s[M_IMAGE] : "";
	a->pod_id = c->pod_id;
	a->image_gen = c->image_gen;
	if (!c->pod_id[0])
		return PODLOG_FOUND;
	p = htab__get(pl->pods, c->pod_id, 64);
	if (!p || !p->seq)
		return PODLOG_NEED_POD;
	a->sandbox = c->seq < p->seq;
	if (a->sandbox && p->before != 1)
		return PODLOG_NEED_POD;
	a->pod_name = p->name;
	return PODLOG_FOUND;
}
