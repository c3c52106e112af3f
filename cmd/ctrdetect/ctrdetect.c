/*
 * ctrdetect: keep the cgroup records that are container roots, as container records.
 *
 *   cgtap --scan | ctrdetect | ctrenrich | ctrfmt
 *
 * A pure function of its input: cgroup_mkdir -> container_create, cgroup_exists ->
 * existing_container, cgroup_rmdir -> container_remove, once per container lifetime however
 * many hierarchies report it; lost records pass through; everything else is dropped.
 * Fields it does not write pass through unchanged and in order; no line it writes is longer
 * than the line limit it reads (a record that would grow past it passes on as it came, reported).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "filter.h"
#include "jsonw.h"
#include "line.h"
#include "log.h"
#include "out.h"
#include "rec.h"
#include "rec_schema.h"
#include "table.h"

#define MAX_CONTAINERS_DEFAULT 16384

static const char usage[] =
	"Usage: ctrdetect [OPTION]... [FILE]...\n"
	"Keep the cgroup records that are container roots (from cgtap), as container records.\n"
	"With no FILE, or when FILE is -, read standard input.\n"
	"\n"
	"  -a, --all               pass every record through; mark the ones inside containers\n"
	"                          with runtime, container_id and container_root\n"
	"  -n, --max-containers N  remember at most N containers (default 16384)\n"
	"      --strict            stop at the first bad line, with exit status 65\n"
	"  -h, --help              display this help and exit\n"
	"      --version           output version information and exit\n"
	"\n"
	"Exit status: 0 done, 1 failure, 2 usage error, 65 bad input under --strict.\n"
	"Full documentation: man ctrdetect; the record contract: man 7 ctr-records.\n";

struct detect {
	bool all;
	struct ctr_table *table;
	unsigned long evictions; /* live containers forgotten because the table was full */
	char *path; /* unescaped path of the current record */
	size_t path_cap;
};

/* Fields ctrdetect writes itself; an upstream copy of them is replaced, not repeated. */
static const char *const own_fields[] = {
	REC_F_EVENT, REC_F_RUNTIME, REC_F_CONTAINER_ID, REC_F_CTIME, NULL,
};

/* The same with --all, which converts nothing: it keeps the event and the scan's ctime. */
static const char *const own_fields_all[] = {
	REC_F_RUNTIME, REC_F_CONTAINER_ID, REC_F_CONTAINER_ROOT, NULL,
};

/* Bytes a record can grow by in ctrdetect: its own members, the id escaped at worst 6 to 1. */
#define GROWTH(id_len) (160 + 6 * (id_len))

static void pass_through(const struct rec *r)
{
	fwrite_unlocked(r->line, 1, r->len, stdout);
	putc_unlocked('\n', stdout);
}

/* One record to write: the input and what ctrdetect adds (event NULL: --all's marking). */
struct out {
	const struct rec *r;
	const char *event;
	const struct cgroup_class *c;
	bool has_ctime;
	int64_t ctime;
};

static void write_out(struct jsonw *w, void *ctx)
{
	const struct out *o = ctx;

	jsonw_obj_open(w, NULL);
	if (o->event)
		jsonw_str(w, REC_F_EVENT, o->event);
	rec_copy_fields(o->r, w, o->event ? own_fields : own_fields_all);
	jsonw_str(w, REC_F_RUNTIME, o->c->runtime);
	jsonw_strn(w, REC_F_CONTAINER_ID, o->c->id, o->c->id_len);
	if (o->event && o->has_ctime)
		jsonw_i64(w, REC_F_CTIME, o->ctime);
	if (!o->event)
		jsonw_bool(w, REC_F_CONTAINER_ROOT, o->c->root);
	jsonw_obj_close(w);
}

/*
 * Write o; a record that would be longer than the line limit passes on as it came instead, and
 * is reported as bad input (so --strict stops there): nothing is lost, nothing too long written.
 */
static int emit(const struct out *o, const char **err)
{
	if (out_record(o->r->len + GROWTH(o->c->id_len), write_out, (void *)o) == 0)
		return 0;
	pass_through(o->r);
	*err = "record would grow past the line limit: passed on unchanged";
	return -1;
}

static struct ctr_entry *remember(struct detect *d, const struct cgroup_class *c)
{
	const char *evicted;
	struct ctr_entry *e = ctr_table__put(d->table, c->id, c->id_len, &evicted);

	if (!e)
		die("out of memory");
	/* Say it at the first eviction, then at every power of two: never a flood. */
	if (evicted)
		d->evictions++;
	if (evicted && !(d->evictions & (d->evictions - 1))) {
		char q[300];

		warn("container table full (%zu entries): forgetting live container '%s' "
		     "(%lu forgotten so far)",
		     ctr_table__count(d->table), log_quote(q, sizeof(q), evicted, strlen(evicted)),
		     d->evictions);
	}
	return e;
}

static int on_record(struct rec *r, void *ctx, const char **err)
{
	struct detect *d = ctx;
	enum rec_event k = rec_event_of(r);
	struct cgroup_class c;
	struct ctr_entry *e;
	int64_t ctime = 0;
	long plen;
	int i;

	if (k == REC_EV_LOST || (!rec_event_is_cgroup(k) && d->all)) {
		pass_through(r);
		return 0;
	}
	if (!rec_event_is_cgroup(k))
		return 0;

	i = rec_find(r, REC_F_PATH);
	if (i < 0) {
		*err = "missing field \"path\"";
		return -1;
	}
	plen = rec_str(r, i, d->path, d->path_cap);
	if (plen < 0) {
		*err = "field \"path\" is not a string";
		return -1;
	}
	if (k == REC_EV_CGROUP_EXISTS) {
		i = rec_find(r, REC_F_CTIME);
		if (i < 0) {
			*err = "missing field \"ctime\"";
			return -1;
		}
		if (rec_i64(r, i, &ctime) < 0) {
			*err = "field \"ctime\" is not an integer";
			return -1;
		}
	} else if (k == REC_EV_CGROUP_MKDIR) {
		rec_i64(r, r->ts, &ctime); /* checked by rec_parse */
	}

	if (!cgroup_classify(d->path, (size_t)plen, &c)) {
		if (d->all)
			pass_through(r);
		return 0;
	}
	if (d->all)
		return emit(&(struct out){.r = r, .c = &c}, err);
	if (!c.root)
		return 0; /* a sub-cgroup inside a container: not a lifetime event */

	e = ctr_table__get(d->table, c.id, c.id_len);
	if (k == REC_EV_CGROUP_RMDIR) {
		bool known = e && e->state == CTR_LIVE;

		if (e && e->state == CTR_GONE)
			return 0; /* already reported from another hierarchy */
		if (!e)
			e = remember(d, &c);
		e->state = CTR_GONE;
		ctr_table__touch(d->table, e);
		return emit(&(struct out){r, rec_event_name(REC_EV_CONTAINER_REMOVE), &c, known, e->ctime},
			    err);
	}
	if (e && e->state == CTR_LIVE)
		return 0; /* seen already: another hierarchy, or both the scan and the mkdir */
	if (!e)
		e = remember(d, &c);
	e->state = CTR_LIVE;
	e->ctime = ctime;
	ctr_table__touch(d->table, e);
	return emit(&(struct out){r,
				  rec_event_name(k == REC_EV_CGROUP_MKDIR ? REC_EV_CONTAINER_CREATE
								  : REC_EV_EXISTING_CONTAINER),
				  &c, true, ctime},
		    err);
}

int main(int argc, char **argv)
{
	enum { OPT_STRICT = CLI_OPT_BASE, OPT_VERSION };
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"max-containers", required_argument, NULL, 'n'},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{0},
	};
	struct detect d = {0};
	struct filter f = {.on_record = on_record, .ctx = &d};
	size_t max_containers = MAX_CONTAINERS_DEFAULT;
	int opt, status;

	/* 1. Standard descriptors, then arguments. */
	prog_name = "ctrdetect";
	cli_check_std_fds();
	out_init();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":an:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			d.all = true;
			break;
		case 'n':
			max_containers = cli_number("--max-containers", optarg, 1, 1u << 24);
			break;
		case OPT_STRICT:
			f.strict = true;
			break;
		case 'h':
			cli_help(usage);
		case OPT_VERSION:
			cli_version();
		default:
			cli_option_error(opt, argv);
		}
	}

	/* 2. State: the container table and a path buffer as long as the longest line. */
	d.table = ctr_table__new(max_containers);
	d.path_cap = LINE_MAX_RECORD + 1;
	d.path = malloc(d.path_cap);
	if (!d.table || !d.path)
		die("out of memory");

	/* 3. Filter every input. */
	status = filter_run(&f, argc - optind, argv + optind);

	ctr_table__free(d.table);
	free(d.path);
	return out_close(status);
}
