/*
 * --format json: one event a line in Tracee's legacy JSON schema (tracee.md 8.3), so that what
 * was built for Tracee's container events reads ours unchanged.
 *
 * Context: the task that made the change (pid, comm) and the cgroup it concerns (cgroup_id;
 * Tracee has the task's own cgroup there, which we do not know). For the container lifecycle
 * and cgroup events the container context is empty, as in Tracee: the task that creates or
 * removes a container's cgroup (runc, containerd-shim, conmon) runs on the host, and the
 * container's own data travels in args. Any other event that carries container fields happened
 * inside that container, so they fill the context (empty strings left out, like Go's omitempty).
 *
 * Strings are copied from the record with their escapes, through safe_json_body(): the same
 * JSON values, with what a terminal could act on (DEL, C1, bidi and other format characters)
 * escaped too, which jsonw leaves raw. Each event is built in one buffer and written at once.
 *
 * Args: Tracee's arguments first, in its order and types (for container_create and
 * existing_container all ten, defaults where a field is missing, as Tracee sends ""/0/false
 * without enrichment); then every other field of the record in its order, typed from its value.
 * Nothing in a record is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "ctrfmt.h"
#include "log.h"

enum kind { K_CREATE, K_REMOVE, K_CGROUP, K_OTHER, K_NKINDS };
enum dflt { D_NONE, D_STR, D_U64, D_BOOL };

struct arg {
	const char *name;  /* the arg's name */
	const char *field; /* the record field it comes from */
	const char *type;  /* Tracee's declared type */
	enum dflt dflt;	   /* what to send when the field is missing; D_NONE: leave the arg out */
};

static const struct arg create_args[] = {
    {"runtime", "runtime", "string", D_STR},
    {"container_id", "container_id", "string", D_STR},
    {"ctime", "ctime", "uint64", D_U64},
    {"container_image", "container_image", "string", D_STR},
    {"container_image_digest", "container_image_digest", "string", D_STR},
    {"container_name", "container_name", "string", D_STR},
    {"pod_name", "pod_name", "string", D_STR},
    {"pod_namespace", "pod_namespace", "string", D_STR},
    {"pod_uid", "pod_uid", "string", D_STR},
    {"pod_sandbox", "pod_sandbox", "bool", D_BOOL},
    {NULL, NULL, NULL, D_NONE},
};

/* Tracee sends runtime and container_id only; what ctrenrich adds follows, when present. */
static const struct arg remove_args[] = {
    {"runtime", "runtime", "string", D_STR},
    {"container_id", "container_id", "string", D_STR},
    {"ctime", "ctime", "uint64", D_NONE},
    {"container_image", "container_image", "string", D_NONE},
    {"container_image_digest", "container_image_digest", "string", D_NONE},
    {"container_name", "container_name", "string", D_NONE},
    {"pod_name", "pod_name", "string", D_NONE},
    {"pod_namespace", "pod_namespace", "string", D_NONE},
    {"pod_uid", "pod_uid", "string", D_NONE},
    {"pod_sandbox", "pod_sandbox", "bool", D_NONE},
    {"exit_code", "exit_code", "int32", D_NONE},
    {"finished_at", "finished_at", "string", D_NONE},
    {"oom_killed", "oom_killed", "bool", D_NONE},
    {NULL, NULL, NULL, D_NONE},
};

static const struct arg cgroup_args[] = {
    {"cgroup_id", "cgroup_id", "uint64", D_U64},
    {"cgroup_path", "path", "string", D_STR},
    {"hierarchy_id", "hierarchy_id", "uint32", D_U64},
    {NULL, NULL, NULL, D_NONE},
};

static const struct arg no_args[] = {
    {NULL, NULL, NULL, D_NONE},
};

static const struct arg *const kind_args[K_NKINDS] = {create_args, remove_args, cgroup_args,
						      no_args};

/* Declared types of the other fields we know; the rest are typed from their values. */
static const struct {
	const char *field, *type;
} known_types[] = {
    {"level", "uint32"},
    {"count", "uint64"},
    {"pid", "int32"},
    {"exit_code", "int32"},
};

/* Context fields of events that happen inside a container (K_OTHER). */
enum ctx_field {
	X_ID,
	X_NAME,
	X_IMAGE,
	X_DIGEST,
	X_POD_NAME,
	X_POD_NS,
	X_POD_UID,
	X_SANDBOX,
	X_N,
};

static const char *const ctx_fields[X_N] = {
    "container_id", "container_name", "container_image", "container_image_digest",
    "pod_name",	    "pod_namespace",  "pod_uid",	 "pod_sandbox",
};

struct tracee {
	struct fields fs;
	struct buf out; /* the event being written: one fwrite a record */
	int s_pid, s_comm, s_cgroup_id;
	int s_ctx[X_N];
	int s_arg[K_NKINDS][16];	 /* slot of each entry of kind_args[k] */
	bool used[K_NKINDS][FIELDS_MAX]; /* slots that are context or Tracee args, by kind */
	const char *type_of[FIELDS_MAX]; /* declared type by slot, or NULL */
	int *extra;			 /* value indexes of the other fields, reused */
	unsigned extra_cap;
};

struct tracee *tracee__new(void)
{
	struct tracee *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	fields_init(&t->fs);
	t->s_pid = fields_add(&t->fs, "pid");
	t->s_comm = fields_add(&t->fs, "comm");
	t->s_cgroup_id = fields_add(&t->fs, "cgroup_id");
	for (int x = 0; x < X_N; x++)
		t->s_ctx[x] = fields_add(&t->fs, ctx_fields[x]);
	for (int k = 0; k < K_NKINDS; k++) {
		t->used[k][fields_add(&t->fs, "event")] = true;
		t->used[k][fields_add(&t->fs, "ts")] = true;
		t->used[k][t->s_pid] = t->used[k][t->s_comm] = t->used[k][t->s_cgroup_id] = true;
		for (int a = 0; kind_args[k][a].name; a++) {
			int s = fields_add(&t->fs, kind_args[k][a].field);

			t->s_arg[k][a] = s;
			t->used[k][s] = true;
			t->type_of[s] = kind_args[k][a].type;
		}
	}
	for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		t->type_of[fields_add(&t->fs, known_types[i].field)] = known_types[i].type;
	return t;
}

void tracee__free(struct tracee *t)
{
	if (!t)
		return;
	fields_free(&t->fs);
	buf_free(&t->out);
	free(t->extra);
	free(t);
}

static enum kind kind_of(const struct rec *r)
{
	if (rec_str_eq(r, r->event, "container_create") ||
	    rec_str_eq(r, r->event, "existing_container"))
		return K_CREATE;
	if (rec_str_eq(r, r->event, "container_remove"))
		return K_REMOVE;
	if (rec_str_eq(r, r->event, "cgroup_mkdir") || rec_str_eq(r, r->event, "cgroup_rmdir") ||
	    rec_str_eq(r, r->event, "cgroup_exists"))
		return K_CGROUP;
	return K_OTHER;
}

static void put_cstr(struct buf *o, const char *s)
{
	buf_put(o, s, strlen(s));
}

static void put_u64(struct buf *o, uint64_t v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(o, d + i, sizeof(d) - i);
}

/* A record's value i: strings made terminal-safe, numbers and booleans copied as written. */
static void put_value(struct buf *o, const struct rec *r, int i)
{
	size_t n;
	const char *raw = rec_raw(r, i, &n);

	if (rec_type(r, i) == REC_STRING)
		safe_json_body(o, raw + 1, n - 2);
	else
		buf_put(o, raw, n);
}

static bool fits(const char *type, const struct rec *r, int i)
{
	uint64_t u;
	int64_t s;

	if (!strcmp(type, "uint64"))
		return rec_u64(r, i, &u) == 0;
	if (!strcmp(type, "uint32"))
		return rec_u64(r, i, &u) == 0 && u <= UINT32_MAX;
	if (!strcmp(type, "int32"))
		return rec_i64(r, i, &s) == 0 && s >= INT32_MIN && s <= INT32_MAX;
	return false;
}

/* The declared type when the value has it; otherwise the value's own. */
static const char *type_of(const char *declared, const struct rec *r, int i)
{
	uint64_t u;
	int64_t s;

	switch (rec_type(r, i)) {
	case REC_STRING:
		return "string";
	case REC_BOOL:
		return "bool";
	case REC_NULL:
		return "unknown";
	case REC_NUMBER:
		break;
	}
	if (declared && fits(declared, r, i))
		return declared;
	if (rec_u64(r, i, &u) == 0)
		return "uint64";
	if (rec_i64(r, i, &s) == 0)
		return "int64";
	return "float64";
}

/* {"name":NAME,"type":TYPE,"value":  (name is a JSON string body) */
static void arg_open(struct buf *o, bool first, const char *name, size_t n, const char *type)
{
	if (!first)
		BUF_LIT(o, ",");
	BUF_LIT(o, "{\"name\":");
	safe_json_body(o, name, n);
	BUF_LIT(o, ",\"type\":\"");
	put_cstr(o, type);
	BUF_LIT(o, "\",\"value\":");
}

static void put_arg(struct buf *o, bool first, const char *name, size_t name_len, const char *type,
		    const struct rec *r, int i)
{
	arg_open(o, first, name, name_len, type_of(type, r, i));
	put_value(o, r, i);
	BUF_LIT(o, "}");
}

static void put_default(struct buf *o, bool first, const struct arg *a)
{
	arg_open(o, first, a->name, strlen(a->name), a->type);
	if (a->dflt == D_STR)
		BUF_LIT(o, "\"\"}");
	else if (a->dflt == D_BOOL)
		BUF_LIT(o, "false}");
	else
		BUF_LIT(o, "0}");
}

static int ctx_at(const struct tracee *t, const struct rec *r, enum ctx_field x)
{
	int i = t->fs.at[t->s_ctx[x]];
	enum rec_type want = x == X_SANDBOX ? REC_BOOL : REC_STRING;

	return i >= 0 && rec_type(r, i) == want ? i : -1;
}

/* A context string: omitted when missing or empty (Go's omitempty). */
static void put_ctx_str(struct buf *o, bool *first, const char *key, const struct rec *r, int i)
{
	size_t n;
	const char *raw;

	if (i < 0)
		return;
	raw = rec_raw(r, i, &n);
	if (n <= 2)
		return;
	if (!*first)
		BUF_LIT(o, ",");
	*first = false;
	put_cstr(o, key);
	safe_json_body(o, raw + 1, n - 2);
}

static void put_context(struct tracee *t, const struct rec *r, enum kind k)
{
	struct buf *o = &t->out;
	int x[X_N];
	bool sandbox = false, first;

	if (k != K_OTHER) {
		BUF_LIT(o, ",\"containerId\":\"\",\"container\":{},\"kubernetes\":{}");
		return;
	}
	for (int j = 0; j < X_N; j++)
		x[j] = ctx_at(t, r, (enum ctx_field)j);
	BUF_LIT(o, ",\"containerId\":");
	if (x[X_ID] >= 0)
		put_value(o, r, x[X_ID]);
	else
		BUF_LIT(o, "\"\"");
	BUF_LIT(o, ",\"container\":{");
	first = true;
	put_ctx_str(o, &first, "\"id\":", r, x[X_ID]);
	put_ctx_str(o, &first, "\"name\":", r, x[X_NAME]);
	put_ctx_str(o, &first, "\"image\":", r, x[X_IMAGE]);
	put_ctx_str(o, &first, "\"imageDigest\":", r, x[X_DIGEST]);
	BUF_LIT(o, "},\"kubernetes\":{");
	first = true;
	put_ctx_str(o, &first, "\"podName\":", r, x[X_POD_NAME]);
	put_ctx_str(o, &first, "\"podNamespace\":", r, x[X_POD_NS]);
	put_ctx_str(o, &first, "\"podUID\":", r, x[X_POD_UID]);
	if (x[X_SANDBOX] >= 0 && rec_bool(r, x[X_SANDBOX], &sandbox) == 0 && sandbox)
		put_cstr(o, first ? "\"podSandbox\":true" : ",\"podSandbox\":true");
	BUF_LIT(o, "}");
}

/* A context number: the value when it is an integer of the right kind, else 0. */
static void put_ctx_int(struct buf *o, const struct rec *r, int i, bool sign)
{
	uint64_t u;
	int64_t s;

	if (i >= 0 && (sign ? rec_i64(r, i, &s) : rec_u64(r, i, &u)) == 0)
		put_value(o, r, i);
	else
		BUF_LIT(o, "0");
}

int tracee__record(struct rec *r, void *ctx, const char **err)
{
	struct tracee *t = ctx;
	struct buf *o = &t->out;
	enum kind k = kind_of(r);
	const struct arg *args = kind_args[k];
	unsigned nf = rec_nfields(r), nextra = 0, nargs = 0;
	bool first = true;
	int pid, comm;

	(void)err;
	fields_scan(&t->fs, r);
	pid = t->fs.at[t->s_pid];
	comm = t->fs.at[t->s_comm];

	/* Which fields go to args after Tracee's own. */
	if (nf > t->extra_cap) {
		unsigned cap = nf < 64 ? 64 : nf * 2;
		int *p = realloc(t->extra, cap * sizeof(*p));

		if (!p)
			die("out of memory");
		t->extra = p;
		t->extra_cap = cap;
	}
	for (unsigned i = 0; i < nf; i++) {
		int s = t->fs.slot_of[i];

		if (s >= 0 && t->used[k][s])
			continue;
		if (k == K_OTHER && s >= 0) {
			bool in_ctx = false;

			for (int x = 0; x < X_N && !in_ctx; x++)
				in_ctx = s == t->s_ctx[x] && ctx_at(t, r, (enum ctx_field)x) >= 0;
			if (in_ctx)
				continue;
		}
		t->extra[nextra++] = (int)i;
	}
	for (int a = 0; args[a].name; a++)
		if (args[a].dflt != D_NONE || t->fs.at[t->s_arg[k][a]] >= 0)
			nargs++;

	o->len = 0;
	BUF_LIT(o, "{\"timestamp\":");
	put_value(o, r, r->ts);
	BUF_LIT(o, ",\"processId\":");
	put_ctx_int(o, r, pid, true);
	BUF_LIT(o, ",\"cgroupId\":");
	put_ctx_int(o, r, t->fs.at[t->s_cgroup_id], false);
	BUF_LIT(o, ",\"hostProcessId\":");
	put_ctx_int(o, r, pid, true);
	BUF_LIT(o, ",\"processName\":");
	if (comm >= 0 && rec_type(r, comm) == REC_STRING)
		put_value(o, r, comm);
	else
		BUF_LIT(o, "\"\"");
	put_context(t, r, k);
	BUF_LIT(o, ",\"eventName\":");
	put_value(o, r, r->event);
	BUF_LIT(o, ",\"argsNum\":");
	put_u64(o, nargs + nextra);
	BUF_LIT(o, ",\"args\":[");
	for (int a = 0; args[a].name; a++) {
		int i = t->fs.at[t->s_arg[k][a]];

		if (i >= 0)
			put_arg(o, first, args[a].name, strlen(args[a].name), args[a].type, r, i);
		else if (args[a].dflt != D_NONE)
			put_default(o, first, &args[a]);
		else
			continue;
		first = false;
	}
	for (unsigned e = 0; e < nextra; e++) {
		int i = t->extra[e], s = t->fs.slot_of[i];
		size_t n;
		const char *key = rec_key(r, i, &n);

		put_arg(o, first, key, n, s >= 0 ? t->type_of[s] : NULL, r, i);
		first = false;
	}
	BUF_LIT(o, "]}\n");
	fwrite_unlocked(o->p, 1, o->len, stdout);
	return 0;
}
