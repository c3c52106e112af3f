/*
 * --format json and --format tracee: one event a line in Tracee's legacy JSON schema, the object
 * Tracee v0.24.1 writes with json.Marshal(trace.Event) (types/trace/trace.go), so that what was
 * built for Tracee's container events reads ours unchanged. Every key Tracee always writes comes
 * out, in its order and with its JSON type; eventId is a string, as Tracee writes it
 * (`json:"eventId,string"`). matchedPolicies and metadata are left out, as Go leaves them out
 * when empty. ctrfmt(1) documents the object field by field.
 *
 * Context: the task that made the change (pid, comm), and the cgroup the record is about
 * (cgroup_id; Tracee has the task's own cgroup there, which we do not know); the other process
 * fields are Tracee's zero values. For the container lifecycle and cgroup events the container
 * context is empty, as in Tracee: the task that creates or removes a container's cgroup (runc,
 * containerd-shim, conmon) runs on the host, and the container's data travels in args. Any other
 * event that carries container fields happened inside that container, so they fill the context
 * (empty strings left out, like Go's omitempty).
 *
 * Args: Tracee's arguments first, in its order and types (defaults where a field is missing, as
 * Tracee sends ""/0/false without enrichment). --format json then adds every other field of the
 * record in its order, typed from its value: nothing in a record is dropped, and a pid, comm or
 * cgroup_id of the wrong type is kept that way too (the context gets Tracee's zero value).
 * --format tracee writes exactly Tracee's events: its arguments only, its event and runtime
 * names only, its existing_container context; a record that cannot be written so (a field of
 * the wrong type) is reported as bad input.
 *
 * Strings are copied from the record with their escapes, through jsonw's terminal-safe mode: the
 * same JSON values, with what a terminal could act on escaped too.
 */
#include <stdlib.h>
#include <string.h>

#include "ctrfmt.h"
#include "jsonw.h"
#include "log.h"
#include "rec_schema.h"

/* The JSON types of a value, and their names in Tracee's "type" by version. */
enum vtype { T_STRING, T_BOOL, T_U64, T_U32, T_I64, T_I32, T_F64, T_NULL, T_N };

static const char *const type_names[TRACEE_NVERSIONS][T_N] = {
    [TRACEE_V024] = {"string", "bool", "uint64", "uint32", "int64", "int32", "float64", "unknown"},
    /* v0.23 used C type names; its reader rejects a number whose type it does not know. */
    [TRACEE_V023] = {"const char*", "bool", "unsigned long", "u32", "long", "int", "float64",
		     "unknown"},
};

struct arg {
	const char *name;  /* the arg's name */
	const char *field; /* the record field it comes from */
	enum vtype type;   /* Tracee's declared type */
	const char *v023;  /* Tracee v0.23's name for that type, when not type_names' */
	bool dflt;	   /* sent with Tracee's zero value when the record lacks the field */
};

/* container_create and existing_container: Tracee's ten (pkg/events/core.go). */
static const struct arg create_args[] = {
    {"runtime", REC_F_RUNTIME, T_STRING, NULL, true},
    {"container_id", REC_F_CONTAINER_ID, T_STRING, NULL, true},
    {"ctime", REC_F_CTIME, T_U64, NULL, true},
    {"container_image", REC_F_CONTAINER_IMAGE, T_STRING, NULL, true},
    {"container_image_digest", REC_F_CONTAINER_IMAGE_DIGEST, T_STRING, NULL, true},
    {"container_name", REC_F_CONTAINER_NAME, T_STRING, NULL, true},
    {"pod_name", REC_F_POD_NAME, T_STRING, NULL, true},
    {"pod_namespace", REC_F_POD_NAMESPACE, T_STRING, NULL, true},
    {"pod_uid", REC_F_POD_UID, T_STRING, NULL, true},
    {"pod_sandbox", REC_F_POD_SANDBOX, T_BOOL, NULL, true},
    {NULL, NULL, T_NULL, NULL, false},
};

/* Tracee sends runtime and container_id only; what ctrenrich adds follows, when present. */
static const struct arg remove_args[] = {
    {"runtime", REC_F_RUNTIME, T_STRING, NULL, true},
    {"container_id", REC_F_CONTAINER_ID, T_STRING, NULL, true},
    {"ctime", REC_F_CTIME, T_U64, NULL, false},
    {"container_image", REC_F_CONTAINER_IMAGE, T_STRING, NULL, false},
    {"container_image_digest", REC_F_CONTAINER_IMAGE_DIGEST, T_STRING, NULL, false},
    {"container_name", REC_F_CONTAINER_NAME, T_STRING, NULL, false},
    {"pod_name", REC_F_POD_NAME, T_STRING, NULL, false},
    {"pod_namespace", REC_F_POD_NAMESPACE, T_STRING, NULL, false},
    {"pod_uid", REC_F_POD_UID, T_STRING, NULL, false},
    {"pod_sandbox", REC_F_POD_SANDBOX, T_BOOL, NULL, false},
    {"exit_code", REC_F_EXIT_CODE, T_I32, NULL, false},
    {"finished_at", REC_F_FINISHED_AT, T_STRING, NULL, false},
    {"oom_killed", REC_F_OOM_KILLED, T_BOOL, NULL, false},
    {NULL, NULL, T_NULL, NULL, false},
};

static const struct arg cgroup_args[] = {
    {"cgroup_id", REC_F_CGROUP_ID, T_U64, "u64", true},
    {"cgroup_path", REC_F_PATH, T_STRING, NULL, true},
    {"hierarchy_id", REC_F_HIERARCHY_ID, T_U32, NULL, true},
    {NULL, NULL, T_NULL, NULL, false},
};

static const struct arg no_args[] = {
    {NULL, NULL, T_NULL, NULL, false},
};

/* Tracee's events.Undefined: the id of events Tracee has no definition for. */
#define UNDEFINED_ID "268435453"

/* The events we know; Tracee's ids are those of v0.24.1 (and v0.23). */
static const struct event {
	enum rec_event ev;
	const char *id;
	const struct arg *args;
	unsigned ntracee; /* how many of args are Tracee's; 0: Tracee has no such event */
	bool derived;	  /* derived from a kernel event: stackAddresses [0] */
	bool scan;	  /* made at start-up: Tracee's context is its own (tracee-ebpf) */
	bool host;	  /* the container context is empty: the container's data is in args */
} events[] = {
    {REC_EV_CONTAINER_CREATE, "2018", create_args, 10, true, false, true},
    {REC_EV_EXISTING_CONTAINER, "2020", create_args, 10, false, true, true},
    {REC_EV_CONTAINER_REMOVE, "2019", remove_args, 2, true, false, true},
    {REC_EV_CGROUP_MKDIR, "729", cgroup_args, 3, false, false, true},
    {REC_EV_CGROUP_RMDIR, "730", cgroup_args, 3, false, false, true},
    {REC_EV_CGROUP_EXISTS, UNDEFINED_ID, cgroup_args, 0, false, false, true},
    {REC_EV_LOST, UNDEFINED_ID, no_args, 0, false, false, false},
    {REC_EV_OTHER, UNDEFINED_ID, no_args, 0, false, false, false}, /* any other event */
};

#define NEVENTS (sizeof(events) / sizeof(events[0]))
#define MAX_ARGS 16
#define HEAD_MAX 64

/* Members that are the same in every event, spelled out here. */
#define MEMBERS(w, lit) jsonw_members((w), (lit), sizeof(lit) - 1)

/* Runtime names Tracee knows; --format tracee writes any other as "unknown". */
static const char *const tracee_runtimes[] = {
    "docker", "containerd", "crio", "podman", "garden", "unknown", NULL,
};

/* Declared types of the other fields we know; the rest are typed from their values. */
static const struct {
	const char *field;
	enum vtype type;
} known_types[] = {
    {REC_F_LEVEL, T_U32},
    {REC_F_COUNT, T_U64},
    {REC_F_PID, T_I32},
    {REC_F_EXIT_CODE, T_I32},
};

/*
 * Record fields with a place in the event's context: the task's (every event), and the
 * container's (events that are not the host's).
 */
enum role {
	R_PID,
	R_COMM,
	R_CGROUP_ID,
	R_ID,
	R_NAME,
	R_IMAGE,
	R_DIGEST,
	R_POD_NAME,
	R_POD_NS,
	R_POD_UID,
	R_SANDBOX,
	R_N,
};

static const struct {
	const char *field;
	enum vtype type; /* the JSON type Tracee's field takes */
	const char *key; /* the key in container{} or kubernetes{} */
} roles[R_N] = {
    [R_PID] = {"pid", T_I64, NULL},
    [R_COMM] = {"comm", T_STRING, NULL},
    [R_CGROUP_ID] = {"cgroup_id", T_U64, NULL},
    [R_ID] = {"container_id", T_STRING, "id"},
    [R_NAME] = {"container_name", T_STRING, "name"},
    [R_IMAGE] = {"container_image", T_STRING, "image"},
    [R_DIGEST] = {"container_image_digest", T_STRING, "imageDigest"},
    [R_POD_NAME] = {"pod_name", T_STRING, "podName"},
    [R_POD_NS] = {"pod_namespace", T_STRING, "podNamespace"},
    [R_POD_UID] = {"pod_uid", T_STRING, "podUID"},
    [R_SANDBOX] = {"pod_sandbox", T_BOOL, "podSandbox"},
};

struct tracee {
	struct jsonw w;
	struct fields fs;
	bool exact;
	enum tracee_version version;
	int s_role[R_N];		  /* slot of each context field */
	signed char role_of[FIELDS_MAX];  /* context role by slot, or -1 */
	int s_arg[NEVENTS][MAX_ARGS];	  /* slot of each entry of events[e].args */
	bool used[NEVENTS][FIELDS_MAX];	  /* slots that are args of Tracee's, by event */
	signed char declared[FIELDS_MAX]; /* declared type by slot, or -1 */
	/* "name":NAME,"type":TYPE of each of Tracee's args, for a value of the declared type */
	char head[NEVENTS][MAX_ARGS][HEAD_MAX];
	unsigned char head_len[NEVENTS][MAX_ARGS];
	/* "name":NAME,"type":TYPE of the other fields whose type we know, by slot */
	char xhead[FIELDS_MAX][HEAD_MAX];
	unsigned char xhead_len[FIELDS_MAX];
	char type[T_N][HEAD_MAX]; /* "type":TYPE of the other fields, by value type */
	unsigned char type_len[T_N];
	char id[NEVENTS][HEAD_MAX]; /* "eventId":ID */
	unsigned char id_len[NEVENTS];
	int *extra; /* value indexes of the other fields, reused */
	unsigned extra_cap;
};

/* Tracee's name of type vt, for arg a (NULL: a field of ours). */
static const char *type_name(const struct tracee *t, const struct arg *a, enum vtype vt)
{
	if (a && a->v023 && t->version == TRACEE_V023 && vt == a->type)
		return a->v023;
	return type_names[t->version][vt];
}

struct tracee *tracee__new(const struct tracee_opts *o)
{
	struct tracee *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	jsonw_init(&t->w, o->out);
	jsonw_terminal(&t->w, true);
	t->exact = o->exact;
	t->version = o->version;
	fields_init(&t->fs);
	memset(t->declared, -1, sizeof(t->declared));
	memset(t->role_of, -1, sizeof(t->role_of));
	for (int ro = 0; ro < R_N; ro++) {
		t->s_role[ro] = fields_add(&t->fs, roles[ro].field);
		t->role_of[t->s_role[ro]] = (signed char)ro;
	}
	for (int vt = 0; vt < T_N; vt++)
		t->type_len[vt] = (unsigned char)snprintf(t->type[vt], HEAD_MAX, "\"type\":\"%s\"",
							  type_names[t->version][vt]);
	for (size_t e = 0; e < NEVENTS; e++) {
		t->id_len[e] =
		    (unsigned char)snprintf(t->id[e], HEAD_MAX, "\"eventId\":\"%s\"", events[e].id);
		t->used[e][fields_add(&t->fs, "event")] = true;
		t->used[e][fields_add(&t->fs, "ts")] = true;
		for (int a = 0; events[e].args[a].name; a++) {
			int s = fields_add(&t->fs, events[e].args[a].field);

			t->s_arg[e][a] = s;
			t->used[e][s] = true;
			t->declared[s] = (signed char)events[e].args[a].type;
			t->head_len[e][a] = (unsigned char)snprintf(
			    t->head[e][a], HEAD_MAX, "\"name\":\"%s\",\"type\":\"%s\"",
			    events[e].args[a].name,
			    type_name(t, &events[e].args[a], events[e].args[a].type));
		}
	}
	for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		t->declared[fields_add(&t->fs, known_types[i].field)] =
		    (signed char)known_types[i].type;
	for (unsigned s = 0; s < t->fs.n; s++)
		if (t->declared[s] >= 0)
			t->xhead_len[s] = (unsigned char)snprintf(
			    t->xhead[s], HEAD_MAX, "\"name\":\"%s\",\"type\":\"%s\"", t->fs.name[s],
			    type_names[t->version][t->declared[s]]);
	return t;
}

void tracee__free(struct tracee *t)
{
	if (!t)
		return;
	fields_free(&t->fs);
	free(t->extra);
	free(t);
}

static size_t event_of(const struct rec *r)
{
	enum rec_event k = rec_event_of(r);
	size_t e;

	for (e = 0; events[e].ev != REC_EV_OTHER; e++)
		if (events[e].ev == k)
			break;
	return e;
}

/* ---- values and their types ---- */

static bool fits(enum vtype type, const struct rec *r, int i)
{
	uint64_t u;
	int64_t s;

	switch (type) {
	case T_STRING:
		return rec_type(r, i) == REC_STRING;
	case T_BOOL:
		return rec_type(r, i) == REC_BOOL;
	case T_U64:
		return rec_u64(r, i, &u) == 0;
	case T_U32:
		return rec_u64(r, i, &u) == 0 && u <= UINT32_MAX;
	case T_I64:
		return rec_i64(r, i, &s) == 0;
	case T_I32:
		return rec_i64(r, i, &s) == 0 && s >= INT32_MIN && s <= INT32_MAX;
	case T_F64:
		return rec_type(r, i) == REC_NUMBER;
	case T_NULL:
	case T_N:
		break;
	}
	return rec_type(r, i) == REC_NULL;
}

/* The declared type when the value has it; otherwise the value's own. */
static enum vtype type_of(int declared, const struct rec *r, int i)
{
	switch (rec_type(r, i)) {
	case REC_STRING:
		return T_STRING;
	case REC_BOOL:
		return T_BOOL;
	case REC_NULL:
		return T_NULL;
	case REC_NUMBER:
		break;
	}
	if (declared >= 0 && fits((enum vtype)declared, r, i))
		return (enum vtype)declared;
	if (fits(T_U64, r, i))
		return T_U64;
	if (fits(T_I64, r, i))
		return T_I64;
	return T_F64;
}

/* A record's value i, as it was written (strings made terminal-safe). */
static void value(struct jsonw *w, const char *key, const struct rec *r, int i)
{
	size_t n;
	const char *raw = rec_raw(r, i, &n);

	if (raw[0] == '"') /* a string: its body, escapes and all */
		jsonw_str_json(w, key, raw + 1, n - 2);
	else
		jsonw_raw(w, key, raw, n);
}

/* Tracee's zero value of a type. */
static void zero(struct jsonw *w, const char *key, enum vtype type)
{
	if (type == T_STRING)
		jsonw_str(w, key, "");
	else if (type == T_BOOL)
		jsonw_bool(w, key, false);
	else
		jsonw_u64(w, key, 0);
}

/* ---- the record's parts ---- */

struct ctx {
	int at[R_N];   /* value index of each context field, or -1: missing or of the wrong type */
	bool bad[R_N]; /* present, but of the wrong type */
};

static void find_ctx(const struct tracee *t, const struct rec *r, const struct event *ev,
		     struct ctx *c)
{
	for (int ro = 0; ro < R_N; ro++) {
		int i = ro >= R_ID && ev->host ? -1 : t->fs.at[t->s_role[ro]];

		c->bad[ro] = i >= 0 && !fits(roles[ro].type, r, i);
		c->at[ro] = c->bad[ro] ? -1 : i;
	}
}

/* True when value index i (slot s) has a place in the event's context. */
static bool in_ctx(const struct tracee *t, const struct ctx *c, int s, int i)
{
	int ro = t->role_of[s];

	return ro >= 0 && c->at[ro] == i;
}

/* --format json: the fields that go to args after Tracee's, in record order. */
static unsigned find_extra(struct tracee *t, const struct rec *r, size_t e, const struct ctx *c)
{
	unsigned nf = rec_nfields(r), n = 0;

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

		if (s >= 0 && (t->used[e][s] || in_ctx(t, c, s, (int)i)))
			continue;
		t->extra[n++] = (int)i;
	}
	return n;
}

/* --format tracee: a record Tracee's shape has no place for is bad input. */
static int check_exact(const struct tracee *t, const struct rec *r, size_t e, const struct ctx *c,
		       const char **err)
{
	const struct event *ev = &events[e];
	static char msg[96];

	if (!ev->scan) {
		if (c->bad[R_PID])
			*err = "field \"pid\" is not an integer (--format tracee)";
		else if (c->bad[R_COMM])
			*err = "field \"comm\" is not a string (--format tracee)";
		else if (c->bad[R_CGROUP_ID])
			*err = "field \"cgroup_id\" is not an unsigned integer (--format tracee)";
		if (*err)
			return -1;
	}
	for (unsigned a = 0; a < ev->ntracee; a++) {
		int i = t->fs.at[t->s_arg[e][a]];

		if (i < 0 || fits(ev->args[a].type, r, i))
			continue;
		snprintf(msg, sizeof(msg),
			 "field \"%s\" is not of Tracee's type %s (--format tracee)",
			 ev->args[a].field, type_names[TRACEE_V024][ev->args[a].type]);
		*err = msg;
		return -1;
	}
	return 0;
}

/* A context number: the record's value, or Tracee's zero. */
static void ctx_num(struct jsonw *w, const char *key, const struct rec *r, int i)
{
	if (i >= 0)
		value(w, key, r, i);
	else
		jsonw_u64(w, key, 0);
}

/* A container context string: left out when missing or empty (Go's omitempty). */
static void ctx_str(struct jsonw *w, const struct rec *r, const struct ctx *c, enum role ro)
{
	size_t n;

	if (c->at[ro] >= 0 && (rec_raw(r, c->at[ro], &n), n > 2))
		value(w, roles[ro].key, r, c->at[ro]);
}

static void put_context(struct tracee *t, const struct rec *r, const struct event *ev,
			const struct ctx *c)
{
	struct jsonw *w = &t->w;
	bool own = t->exact && ev->scan; /* Tracee's own context: tracee-ebpf, all zero */
	bool sandbox = false;

	value(w, "timestamp", r, r->ts);
	MEMBERS(w, "\"threadStartTime\":0,\"processorId\":0");
	ctx_num(w, "processId", r, own ? -1 : c->at[R_PID]);
	ctx_num(w, "cgroupId", r, own ? -1 : c->at[R_CGROUP_ID]);
	MEMBERS(w, "\"threadId\":0,\"parentProcessId\":0");
	ctx_num(w, "hostProcessId", r, own ? -1 : c->at[R_PID]);
	MEMBERS(w, "\"hostThreadId\":0,\"hostParentProcessId\":0,\"userId\":0,"
		   "\"mountNamespace\":0,\"pidNamespace\":0");
	if (own)
		jsonw_str(w, "processName", "tracee-ebpf");
	else if (c->at[R_COMM] >= 0)
		value(w, "processName", r, c->at[R_COMM]);
	else
		jsonw_str(w, "processName", "");
	jsonw_obj_open(w, "executable");
	MEMBERS(w, "\"path\":\"\"");
	jsonw_obj_close(w);
	MEMBERS(w, "\"hostName\":\"\"");

	if (c->at[R_ID] >= 0)
		value(w, "containerId", r, c->at[R_ID]);
	else
		MEMBERS(w, "\"containerId\":\"\"");
	jsonw_obj_open(w, "container");
	for (int ro = R_ID; ro <= R_DIGEST; ro++)
		ctx_str(w, r, c, (enum role)ro);
	jsonw_obj_close(w);
	jsonw_obj_open(w, "kubernetes");
	for (int ro = R_POD_NAME; ro <= R_POD_UID; ro++)
		ctx_str(w, r, c, (enum role)ro);
	if (c->at[R_SANDBOX] >= 0 && rec_bool(r, c->at[R_SANDBOX], &sandbox) == 0 && sandbox)
		jsonw_bool(w, roles[R_SANDBOX].key, true);
	jsonw_obj_close(w);
}

/* --format tracee: a runtime name Tracee does not know (it names those "unknown"). */
static bool runtime_unknown(const struct rec *r, int i)
{
	for (const char *const *rt = tracee_runtimes; *rt; rt++)
		if (rec_str_eq(r, i, *rt))
			return false;
	return true;
}

/* One of Tracee's args: the record's value, or Tracee's zero when the record lacks it. */
static void tracee_arg(struct tracee *t, const struct rec *r, size_t e, unsigned a, int i)
{
	struct jsonw *w = &t->w;
	const struct arg *arg = &events[e].args[a];
	enum vtype vt = i < 0 ? arg->type : type_of((int)arg->type, r, i);

	jsonw_obj_open(w, NULL);
	if (vt == arg->type) {
		jsonw_members(w, t->head[e][a], t->head_len[e][a]);
	} else {
		jsonw_str(w, "name", arg->name);
		jsonw_str(w, "type", type_name(t, arg, vt));
	}
	if (t->exact && !strcmp(arg->field, "runtime") && (i < 0 || runtime_unknown(r, i)))
		jsonw_str(w, "value", "unknown");
	else if (i < 0)
		zero(w, "value", arg->type);
	else
		value(w, "value", r, i);
	jsonw_obj_close(w);
}

/* One of ours: named by its key, typed from its value. */
static void extra_arg(struct tracee *t, const struct rec *r, int i)
{
	struct jsonw *w = &t->w;
	int s = t->fs.slot_of[i];
	enum vtype vt = type_of(s >= 0 ? t->declared[s] : -1, r, i);
	size_t n;
	const char *key;

	jsonw_obj_open(w, NULL);
	if (s >= 0 && t->declared[s] == (int)vt) {
		jsonw_members(w, t->xhead[s], t->xhead_len[s]);
	} else {
		key = rec_key(r, i, &n);
		jsonw_str_json(w, "name", key, n);
		jsonw_members(w, t->type[vt], t->type_len[vt]);
	}
	value(w, "value", r, i);
	jsonw_obj_close(w);
}

int tracee__record(struct rec *r, void *ctx, const char **err)
{
	struct tracee *t = ctx;
	struct jsonw *w = &t->w;
	size_t e = event_of(r);
	const struct event *ev = &events[e];
	unsigned nargs = 0, nextra = 0, last;
	struct ctx c;
	uint64_t lost;

	if (t->exact && !ev->ntracee) {
		/* Not one of Tracee's events: left out, but a loss is never silent. */
		if (ev->ev == REC_EV_LOST) {
			if (rec_get_u64(r, REC_F_COUNT, &lost) == 0)
				warn("%llu record%s lost upstream (Tracee has no event for this)",
				     (unsigned long long)lost, lost == 1 ? "" : "s");
			else
				warn("records lost upstream (Tracee has no event for this)");
		}
		return 0;
	}
	fields_scan(&t->fs, r);
	find_ctx(t, r, ev, &c);
	if (t->exact) {
		if (check_exact(t, r, e, &c, err) < 0)
			return -1;
		last = ev->ntracee;
	} else {
		nextra = find_extra(t, r, e, &c);
		for (last = 0; ev->args[last].name; last++)
			;
	}
	for (unsigned a = 0; a < last; a++)
		if (ev->args[a].dflt || t->fs.at[t->s_arg[e][a]] >= 0)
			nargs++;

	jsonw_obj_open(w, NULL);
	put_context(t, r, ev, &c);
	jsonw_members(w, t->id[e], t->id_len[e]);
	value(w, "eventName", r, r->event);
	jsonw_u64(w, "argsNum", nargs + nextra);
	MEMBERS(w, "\"returnValue\":0,\"syscall\":\"\"");
	if (ev->derived) {
		jsonw_arr_open(w, "stackAddresses");
		jsonw_u64(w, NULL, 0);
		jsonw_arr_close(w);
	} else {
		jsonw_null(w, "stackAddresses");
	}
	jsonw_obj_open(w, "contextFlags");
	MEMBERS(w, "\"containerStarted\":false,\"isCompat\":false");
	jsonw_obj_close(w);
	MEMBERS(w, "\"threadEntityId\":0,\"processEntityId\":0,\"parentEntityId\":0");
	jsonw_arr_open(w, "args");
	for (unsigned a = 0; a < last; a++) {
		int i = t->fs.at[t->s_arg[e][a]];

		if (i >= 0 || ev->args[a].dflt)
			tracee_arg(t, r, e, a, i);
	}
	for (unsigned x = 0; x < nextra; x++)
		extra_arg(t, r, t->extra[x]);
	jsonw_arr_close(w);
	jsonw_obj_close(w);
	return 0;
}
