/* Reading Docker-shaped JSON answers (Docker, Podman) into struct meta: see be_json.h. */
#include <stdlib.h>
#include <string.h>

#include "be_json.h"
#include "codec/k8s.h"

void be_json_state_free(void *state)
{
	jp__free(state);
}

int be_json_str(const struct jp *d, int t, struct meta *m, enum meta_str f)
{
	char *s;
	size_t n;

	if (t < 0)
		return 0;
	if (jp__strdup(d, t, &s, &n) < 0)
		return -1;
	free(m->s[f]);
	m->s[f] = n ? s : NULL;
	if (!n)
		free(s);
	return 0;
}

int be_json_pod(const struct jp *d, int labels, struct meta *m)
{
	if (!jp__is_obj(d, labels))
		return 0;
	if (be_json_str(d, jp__key(d, labels, K8S_LABEL_POD_NAME), m, M_POD_NAME) < 0 ||
	    be_json_str(d, jp__key(d, labels, K8S_LABEL_POD_NAMESPACE), m, M_POD_NAMESPACE) < 0 ||
	    be_json_str(d, jp__key(d, labels, K8S_LABEL_POD_UID), m, M_POD_UID) < 0)
		return -1;
	return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * The end of the JSON value at p, or NULL: a string, an object or an array up to its closing
 * character (strings inside followed), anything else up to a delimiter. Nothing is checked.
 */
static const char *value_end(const char *p, const char *end)
{
	size_t depth = 0;

	if (*p != '"' && *p != '{' && *p != '[') {
		while (p < end && !memchr(",]} \n\r\t", *p, 7))
			p++;
		return p;
	}
	while (p < end) {
		char c = *p++;

		if (c == '"') {
			while (p < end && *p != '"')
				p += *p == '\\' && end - p > 1 ? 2 : 1;
			if (p >= end)
				return NULL;
			p++;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
		if (!depth)
			return p;
	}
	return NULL;
}

int be_json_each(const char *s, size_t len, int (*fn)(void *ctx, const char *v, size_t n),
		 void *ctx)
{
	const char *p = s, *end = s + len, *v;
	bool array;
	int rc;

	p = skip_ws(p, end);
	array = p < end && *p == '[';
	if (array)
		p = skip_ws(p + 1, end);
	while (p < end && !(array && *p == ']')) {
		v = p;
		p = value_end(p, end);
		if (!p || p == v)
			return -1;
		if ((rc = fn(ctx, v, (size_t)(p - v))))
			return rc;
		p = skip_ws(p, end);
		if (array && p < end && *p == ',')
			p = skip_ws(p + 1, end);
		else if (array && (p >= end || *p != ']'))
			return -1;
	}
	if (array && p >= end)
		return -1; /* no closing ']' */
	if (array)
		p++;
	return skip_ws(p, end) == end ? 0 : -1;
}

int be_json_pct(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';

		if (n + (keep ? 1 : 3) >= cap)
			return -1;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (n >= cap)
		return -1;
	out[n] = '\0';
	return 0;
}

/* "sha256:" and 64 lowercase hex: safe to put in a URL path. */
bool be_json_image_id_ok(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && be_id_hex64(s + 7, strlen(s + 7));
}

static bool zero_time(const char *s)
{
	return !*s || !strncmp(s, "0001-01-01", 10);
}

enum be_result be_json_state(struct be_lookup *lk, const struct jp *d, int st)
{
	struct meta *m = lk->m;
	char status[32] = "", finished[64] = "";
	int64_t code;
	bool oom = false;

	jp__str(d, jp__key(d, st, "Status"), status, sizeof(status));
	jp__str(d, jp__key(d, st, "FinishedAt"), finished, sizeof(finished));
	/* At cgroup rmdir time the runtime may not have seen the exit yet (Docker's die comes
	 * ~50 ms after the rmdir): a zero FinishedAt or a live status means "not yet". */
	if (!strcmp(status, "running") || !strcmp(status, "paused") ||
	    !strcmp(status, "restarting") || !strcmp(status, "stopping") || zero_time(finished))
		return BE_NOTYET;
	if (jp__i64(d, jp__key(d, st, "ExitCode"), &code) < 0)
		return be_bad(lk, "invalid JSON");
	jp__bool(d, jp__key(d, st, "OOMKilled"), &oom);
	free(m->finished_at);
	m->finished_at = strdup(finished);
	if (!m->finished_at)
		return be_bad(lk, "out of memory");
	m->exit_code = code;
	m->oom_killed = oom;
	m->have_exit = true;
	return BE_DONE;
}
