/*
 * A Podman create answered from Podman's event log (podlog.h) rather than its API, whose every
 * answer about a starting container waits for the container's lock until the start completes.
 * lookup.c asks here first whenever a create lookup is about to ask Podman:
 *
 *	the log has the container's create line	name, image, Kubernetes labels, pod and
 *						sandbox from the log; the digest from the
 *						backend's cache, or one image request
 *	it has not, PODLOG_WAIT_MS after the record	the API, as without a log
 *	was read, or there is no log to read
 *
 * The log of each Podman (one struct runtime each) is found and opened on its first create.
 */
#include <string.h>

#include "backend_podman.h"
#include "engine.h"
#include "log.h"
#include "podlog.h"
#include "sockets.h"

/*
 * A create line is in the log ~50 ms before the cgroup mkdir (REPORT.md section 9), so one
 * missing at mkdir time is looked for only briefly, then the API is asked.
 */
#define PODLOG_WAIT_MS 10
#define PODLOG_RETRY_MS 2

/*
 * The event log of Podman instance r, followed from its first use; NULL when it has none to
 * read. --podman-events names the host's; a user's Podman has its own, found from the user's
 * socket (--podman-events none turns every one off); one inside another container is not read
 * (its files are in that container's mount namespace).
 */
static struct podlog *log_of(struct engine *e, struct runtime *r, uint64_t now)
{
	const char *why = NULL, *opt = e->o->podman_events, *where;
	const char *sock = sockets__path(e->sockets, r->place, r->kind, &r->sock, now);
	char path[PATH_MAX], q[256];

	if (r->podlog || r->podlog_off)
		return r->podlog;
	r->podlog_off = true;
	where = sockets__where(e->sockets, r->place);
	if (r->place != 0 && opt && strcmp(opt, "none"))
		opt = NULL;
	if (r->sock.fd > 2) {
		why = "a Podman inside another container";
	} else if (podlog_path(opt, sock, path, sizeof(path), &why) == 0 &&
		   (r->podlog = podlog__new()) && podlog__follow(r->podlog, path) == 0) {
		r->podlog_off = false;
		verbose("%s%s: creates looked up first in the event log %s", rt_name(r->kind),
			where, log_quote(q, sizeof(q), path, strlen(path)));
		return r->podlog;
	}
	podlog__free(r->podlog);
	r->podlog = NULL;
	verbose("%s%s: no event log to read (%s): creates are asked of the API, which answers "
		"once the container has started",
		rt_name(r->kind), where, why ? why : "path too long, or out of memory");
	return NULL;
}

long podlog_lookup(struct engine *e, struct slot *s, uint64_t now)
{
	struct podlog_answer a;
	const char *digest, *infra;
	struct podlog *pl;
	struct meta *m = &s->m;

	if (s->kind != BE_CREATE || s->lk.got_meta || !(pl = log_of(e, s->rt_cur, now)) ||
	    !podlog__poll(pl, now))
		return -1;
	switch (podlog__find(pl, s->id, &a)) {
	case PODLOG_UNKNOWN:
		return now + PODLOG_RETRY_MS <= s->read_at + PODLOG_WAIT_MS ? PODLOG_RETRY_MS : -1;
	case PODLOG_NEED_POD:
		/* A pod the log cannot name: what an earlier pod lookup said, or the API. */
		if (!podman_pod(s->lk.state, a.pod_id, &a.pod_name, &infra))
			return -1;
		a.sandbox = !strcmp(infra, s->id);
		break;
	case PODLOG_FOUND:
		break;
	}
	/* Kubernetes labels on the container win over the Podman pod's name (as from the API). */
	if (meta__copy(m, a.m) < 0 ||
	    (a.pod_name && !m->s[M_POD_NAME] &&
	     meta__set(m, M_POD_NAME, a.pod_name, strlen(a.pod_name)) < 0)) {
		meta__clear(m);
		return -1;
	}
	m->sandbox = a.sandbox;
	s->lk.got_meta = true;
	if (log_verbose > 1)
		verbose("%s %.12s: from the event log", rt_name(s->rt_cur->kind), s->id);
	digest = podman_digest(s->lk.state, a.image, a.image_gen);
	if (!*a.image || digest) {
		if (digest && meta__set(m, M_DIGEST, digest, strlen(digest)) < 0) {
			lookup_finish(e, s, "out of memory", now);
			return 0;
		}
		lookup_finish(e, s, NULL, now);
		return 0;
	}
	if (podman_ask_digest(&s->lk, a.image, a.image_gen) < 0) {
		meta__clear(m);
		s->lk.got_meta = false;
		return -1;
	}
	transport_start(e, s, now);
	return 0;
}
