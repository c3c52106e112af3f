/*
 * The records ctrenrich holds, in input order, and writing them out: in that order, or as soon
 * as each is ready (--unordered). A record's slot is taken when it is read and freed when it is
 * written; at most queue_size are held, and input waits while they are all taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "filter.h"
#include "log.h"
#include "out.h"
#include "rec_schema.h"

int queue__init(struct engine *e)
{
	e->slots = calloc(e->o->queue_size, sizeof(*e->slots));
	if (!e->slots)
		return -1;
	for (unsigned i = e->o->queue_size; i-- > 0;) {
		e->slots[i].qnext = e->free_slots;
		e->free_slots = &e->slots[i];
	}
	rec_init(&e->out);
	return 0;
}

void queue__free(struct engine *e)
{
	if (e->slots)
		for (unsigned i = 0; i < e->o->queue_size; i++) {
			buf__free(&e->slots[i].line);
			meta__clear(&e->slots[i].m);
		}
	free(e->slots);
	e->slots = NULL;
	rec_free(&e->out);
}

bool queue_full(const struct engine *e)
{
	return e->nslots_used >= e->o->queue_size;
}

static struct slot *slot_get(struct engine *e)
{
	struct slot *s = e->free_slots;

	e->free_slots = s->qnext;
	s->qnext = NULL;
	s->st = S_WAIT;
	s->ctr = false;
	s->in_place = false;
	s->err = NULL;
	s->have_meta = false;
	s->ce = NULL;
	s->tried = s->notfound = s->notyet = 0;
	s->round_err = NULL;
	memset(&s->lk, 0, sizeof(s->lk));
	meta__clear(&s->m);
	e->nslots_used++;
	LIST_PUSH(&e->queue, s, qprev, qnext);
	return s;
}

static void slot_put(struct engine *e, struct slot *s)
{
	LIST_DEL(&e->queue, s, qprev, qnext);
	meta__clear(&s->m);
	s->st = S_FREE;
	s->qnext = e->free_slots;
	e->free_slots = s;
	e->nslots_used--;
}

void slot_done(struct engine *e, struct slot *s)
{
	s->st = S_DONE;
	if (s->in_place) {
		e->place_busy[s->place]--;
		s->in_place = false;
	}
	if (e->o->unordered)
		LIST_PUSH(&e->ready, s, wprev, wnext);
}

static void write_line(struct engine *e, const char *line, size_t len)
{
	fwrite(line, 1, len, stdout);
	putchar('\n');
	e->unflushed = true;
}

/* A slot holding a copy of r's line, read from src at line no. */
static struct slot *slot_keep(struct engine *e, const struct rec *r, const char *src,
			      unsigned long no)
{
	struct slot *s = slot_get(e);

	if (buf__set(&s->line, r->line, r->len) < 0)
		die("out of memory");
	s->src = src;
	s->no = no;
	return s;
}

int queue_take(struct engine *e, const struct rec *r, const char *src, unsigned long no,
	       uint64_t now, const char **err)
{
	enum rec_event ev = rec_event_of(r);
	struct slot *s;
	char rt[32];
	long n;
	int id;

	if (!rec_event_is_container(ev)) {
		/* Pass-through: straight out when nothing is ahead of it. */
		if (!e->queue.head) {
			write_line(e, r->line, r->len);
			return 0;
		}
		slot_done(e, slot_keep(e, r, src, no));
		return 0;
	}
	n = rec_get_str(r, REC_F_RUNTIME, rt, sizeof(rt));
	if (n < 0) {
		*err = "missing or mistyped \"runtime\"";
		return -1;
	}
	id = rec_find(r, REC_F_CONTAINER_ID);
	if (id < 0 || rec_type(r, id) != REC_STRING) {
		*err = "missing or mistyped \"container_id\"";
		return -1;
	}
	s = slot_keep(e, r, src, no);
	s->ctr = true;
	s->kind = ev == REC_EV_CONTAINER_REMOVE ? BE_REMOVE : BE_CREATE;
	s->existing = ev == REC_EV_EXISTING_CONTAINER;
	s->rt_in = (size_t)n < sizeof(rt) ? rt_parse(rt) : RT_OTHER;
	s->rt_ask = s->rt_in;
	s->rt_out = s->rt_in;
	s->read_at = now;
	s->deadline = now + e->o->timeout_ms;
	if (e->deadline_max && s->deadline > e->deadline_max)
		s->deadline = e->deadline_max; /* read before a stop: out by the stop's deadline */
	n = rec_str(r, id, s->id, sizeof(s->id));
	s->idlen = (size_t)n;
	if (n < 0 || (size_t)n > ID_MAX || strlen(s->id) != (size_t)n) {
		s->id[0] = '\0';
		s->idlen = 0;
		s->lk.kind = s->kind;
		lookup_finish(e, s, "invalid container id", now);
		return 0;
	}
	lookup_where(e, s, r, now);
	if (s->kind == BE_CREATE)
		lookup_create(e, s, now);
	else
		lookup_remove(e, s, now);
	return 0;
}

static bool is_owned(const struct rec *r, int i)
{
	for (int k = 0; rec_fields_ctrenrich[k]; k++)
		if (rec_key_is(r, i, rec_fields_ctrenrich[k]))
			return true;
	return false;
}

/* A container record to write: its line, parsed, and its slot. */
struct enriched {
	const struct rec *r;
	const struct slot *s;
};

/* A container record with what its lookup found, in place of the fields ctrenrich owns. */
static void write_enriched(struct jsonw *w, void *ctx)
{
	static const char *const keys[M_NSTR] = {
	    [M_NAME] = REC_F_CONTAINER_NAME,
	    [M_IMAGE] = REC_F_CONTAINER_IMAGE,
	    [M_DIGEST] = REC_F_CONTAINER_IMAGE_DIGEST,
	    [M_POD_NAME] = REC_F_POD_NAME,
	    [M_POD_NAMESPACE] = REC_F_POD_NAMESPACE,
	    [M_POD_UID] = REC_F_POD_UID,
	};
	const struct rec *r = ((const struct enriched *)ctx)->r;
	const struct slot *s = ((const struct enriched *)ctx)->s;
	bool rewrite_rt = s->rt_in == RT_UNKNOWN && s->have_meta && s->rt_out < RT_N;
	unsigned n = rec_nfields(r);

	jsonw_obj_open(w, NULL);
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		const char *mem;

		if (is_owned(r, (int)i))
			continue;
		if (rewrite_rt && rec_key_is(r, (int)i, REC_F_RUNTIME)) {
			jsonw_str(w, REC_F_RUNTIME, rt_name(s->rt_out));
			continue;
		}
		mem = rec_member(r, (int)i, &len);
		jsonw_raw_member(w, mem, len);
	}
	for (int f = 0; f < M_NSTR; f++)
		jsonw_str(w, keys[f], s->m.s[f] ? s->m.s[f] : "");
	jsonw_bool(w, REC_F_POD_SANDBOX, s->m.sandbox);
	if (s->kind == BE_REMOVE && s->m.have_exit) {
		jsonw_i64(w, REC_F_EXIT_CODE, s->m.exit_code);
		jsonw_str(w, REC_F_FINISHED_AT, s->m.finished_at ? s->m.finished_at : "");
		jsonw_bool(w, REC_F_OOM_KILLED, s->m.oom_killed);
	}
	if (s->err)
		jsonw_str(w, REC_F_ENRICH_ERROR, s->err);
	jsonw_obj_close(w);
}

/* Escaped, a string takes at most 6 bytes a byte (\u00XX). */
static size_t escaped_max(const char *str)
{
	return str ? 6 * strlen(str) : 0;
}

/*
 * An upper bound of what ctrenrich adds to s's line: the strings escaped at worst, and 400
 * bytes for the keys, quotes and commas of its 11 fields (about 200), the numbers, the booleans
 * and a runtime's name. What it drops (fields it owns) only shortens the line.
 */
static size_t growth(const struct slot *s)
{
	size_t n = 400 + escaped_max(s->m.finished_at) + escaped_max(s->err);

	for (int f = 0; f < M_NSTR; f++)
		n += escaped_max(s->m.s[f]);
	return n;
}

/*
 * Write s. A container record that would grow past the line limit goes out as it came instead,
 * reported as bad input at its line (so --strict stops there): nothing lost, nothing too long.
 */
static void emit(struct engine *e, struct slot *s)
{
	struct enriched x = {&e->out, s};
	const char *err = NULL;

	if (!s->ctr || rec_parse(&e->out, s->line.data, s->line.len, &err) < 0) {
		write_line(e, s->line.data, s->line.len); /* (a held line parsed when read) */
		return;
	}
	e->unflushed = true;
	if (out_record(s->line.len + growth(s), write_enriched, &x) == 0)
		return;
	write_line(e, s->line.data, s->line.len);
	filter_input__bad_at(e->in, s->src, s->no,
			     "record would grow past the line limit: passed on unchanged");
}

void queue_emit_ready(struct engine *e)
{
	struct slot *s;

	if (e->o->unordered) {
		while ((s = e->ready.head)) {
			LIST_DEL(&e->ready, s, wprev, wnext);
			emit(e, s);
			slot_put(e, s);
		}
		return;
	}
	while ((s = e->queue.head) && s->st == S_DONE) {
		emit(e, s);
		slot_put(e, s);
	}
}
