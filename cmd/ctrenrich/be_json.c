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
