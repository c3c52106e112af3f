/*
 * A Podman create answered from Podman's event log (podlog.h) rather than its API, whose every
 * answer about a starting container waits for the container's lock until the start completes.
 * lookup.c asks here first whenever a create lookup is about to ask Podman:
 *
 *	the log has the container's create line	name, image, Kubernetes labels, pod and
 *						sandbox from the log; the digest from the
 *						backend's cache, or the digest request
 *						asked ahead (below) when one is in flight,
 *						or one image request
 *	it has not, PODLOG_WAIT_MS after the record	the API, as without a log
 *	was read, or there is no log to read
 *
 * The host's Podman's log is followed from start-up when its socket is there (so that its first
 * create gains too); a user's Podman's, from its first create (its socket is found then). Each
 * log followed is watched with inotify (the file for writes, its directory for a new or rotated
 * file): the loop reads the lines as they are written, and a new container's create line, which
 * comes ~60 ms before its cgroup's mkdir, starts the request for its image's digest at once
 * (asked ahead: a fetch, a slot outside the queue, like list.c's lists). Its answer is in the
 * backend's cache by the time the record comes, or the record waits for it (BLOCKED), never
 * asking twice. Asking ahead is bounded: one fetch per image, PODLOG_FETCH_MAX in all, none
 * started unless a transfer stays free for the records, none after the input ended.
 */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_podman.h"
#include "engine.h"
#include "filter.h"
#include "log.h"
#include "podlog.h"
#include "sockets.h"

/*
 * A create line is in the log ~50 ms before the cgroup mkdir (REPORT.md section 9), so one
 * missing at mkdir time is looked for only briefly, then the API is asked.
 */
#define PODLOG_WAIT_MS 10
#define PODLOG_RETRY_MS 2

/* e->podlog_fd, made on first use; -1 when inotify cannot be had (logs are then read when a
 * record looks: the digest is asked then, as without a watch). */
static int watch_fd(struct engine *e)
{
	if (e->podlog_fd < 0 && (e->podlog_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		verbose("podman: cannot watch the event logs (inotify: %s): read as records come",
			strerror(errno));
	return e->podlog_fd;
}

/* The directory of pl's file, for the file made or renamed over there (rotation). */
static void watch_dir(struct engine *e, const struct podlog *pl)
{
	char dir[PATH_MAX];
	int fd = watch_fd(e);

	strcpy(dir, pl->path); /* same size */
	if (fd >= 0)
		inotify_add_watch(fd, dirname(dir), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
}

/* pl's file, open now, watched for writes (again after a rotation: a new inode). */
static void watch_file(struct engine *e, struct podlog *pl)
{
	int fd = e->podlog_fd;

	if (fd < 0 || pl->fd < 0 || (pl->watched_ino == pl->ino && pl->watched_dev == pl->dev))
		return;
	if (inotify_add_watch(fd, pl->path, IN_MODIFY) >= 0) {
		pl->watched_ino = pl->ino;
		pl->watched_dev = pl->dev;
	}
}

/* Read what pl's file has new (now: whatever the last poll's time), and watch it. */
static bool log_poll(struct engine *e, struct podlog *pl, uint64_t now, bool force)
{
	bool open;

	if (force)
		pl->polled = 0; /* a write was seen: read it, even twice in one millisecond */
	open = podlog__poll(pl, now);
	watch_file(e, pl);
	return open;
}

/* The digest of image under image_gen asked ahead of Podman r, in flight; NULL when none. */
static struct podfetch *fetch_of(struct engine *e, const struct runtime *r, const char *image,
				 unsigned long image_gen)
{
	for (unsigned i = 0; i < PODLOG_FETCH_MAX; i++) {
		struct podfetch *f = &e->fetch[i];

		if (f->busy && f->r == r && f->image_gen == image_gen && !strcmp(f->image, image))
			return f;
	}
	return NULL;
}

bool podlog_busy(const struct engine *e, unsigned p)
{
	for (unsigned i = 0; i < PODLOG_FETCH_MAX; i++)
		if (e->fetch[i].busy && e->fetch[i].r->place == p)
			return true;
	return false;
}

/*
 * Ask image's digest of Podman r ahead of its record, due by deadline: NULL when it may not (no
 * fetch free, no transfer to spare, the input is over, or a name not to put in a URL).
 */
static struct podfetch *fetch_start(struct engine *e, struct runtime *r, const char *image,
				    unsigned long image_gen, uint64_t deadline, uint64_t now)
{
	struct podfetch *f = NULL;
	struct slot *l;
	char q[128];

	for (unsigned i = 0; i < PODLOG_FETCH_MAX && !f; i++)
		if (!e->fetch[i].busy)
			f = &e->fetch[i];
	/* A transfer stays free for the records; none asked once no record can come. */
	if (!f || transport_inflight(e) + 1 >= e->o->max_inflight || e->deadline_max ||
	    deadline <= now || filter_input__fd(e->in) < 0 || strlen(image) >= sizeof(f->image))
		return NULL;
	l = &f->lead;
	lookup_lead(l, r, BE_CREATE, deadline, now);
	if (podman_ask_digest(&l->lk, image, image_gen) < 0)
		return NULL;
	l->fetch = f;
	l->lk.got_meta = true;
	f->r = r;
	f->busy = true;
	strcpy(f->image, image);
	f->image_gen = image_gen;
	if (log_verbose > 1)
		verbose("%s%s: image %s: digest asked as a create line names it", rt_name(r->kind),
			sockets__where(e->sockets, r->place),
			log_quote(q, sizeof(q), image, strlen(image)));
	transport_start(e, l, now);
	return f;
}

/*
 * The create lines read since last time: ask the digests their records will need. Due by the
 * deadline of a record read PODLOG_WAIT_MS ago (one that looks for its line still may wait for
 * it), so a record that waits for the answer never waits past its own deadline.
 */
static void fetch_new(struct engine *e, struct runtime *r, uint64_t now)
{
	uint64_t deadline = now + e->o->timeout_ms - PODLOG_WAIT_MS;
	struct podlog_answer a;
	char id[65];

	while (podlog__next_new(r->podlog, id))
		if (podlog__find(r->podlog, id, &a) != PODLOG_UNKNOWN && *a.image &&
		    !podman_digest(r->state, a.image, a.image_gen) &&
		    !fetch_of(e, r, a.image, a.image_gen))
			fetch_start(e, r, a.image, a.image_gen, deadline, now);
}

void podlog_fetched(struct engine *e, struct slot *lead, const char *err, uint64_t now)
{
	struct podfetch *f = lead->fetch;
	struct runtime *r = f->r;
	const char *digest;
	struct slot *s;
	char q[128];

	f->busy = false;
	lead->st = S_FREE;
	meta__clear(&lead->m);
	if (err)
		verbose("%s%s: image %s: the digest asked ahead failed: %s", rt_name(r->kind),
			sockets__where(e->sockets, r->place),
			log_quote(q, sizeof(q), f->image, strlen(f->image)), err);
	digest = podman_digest(r->state, f->image, f->image_gen);
	while ((s = f->waiting.head)) {
		LIST_DEL(&f->waiting, s, wprev, wnext);
		if (digest) {
			if (meta__set(&s->m, M_DIGEST, digest, strlen(digest)) < 0)
				lookup_finish(e, s, "out of memory", now);
			else
				lookup_finish(e, s, NULL, now);
		} else if (now >= s->deadline) {
			lookup_expire(e, s, now);
		} else {
			/* From the log again, then its own request: as without asking ahead. */
			meta__clear(&s->m);
			s->lk.got_meta = false;
			s->fetch_failed = true;
			s->tried &= ~(UINT64_C(1) << r->idx);
			lookup_wait(e, s, now);
		}
	}
}

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
		watch_dir(e, r->podlog);
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
	struct runtime *r = s->rt_cur;
	struct podlog_answer a;
	const char *digest, *infra;
	struct podfetch *f;
	struct podlog *pl;
	struct meta *m = &s->m;

	if (s->kind != BE_CREATE || s->lk.got_meta || !(pl = log_of(e, r, now)) ||
	    !log_poll(e, pl, now, false))
		return -1;
	fetch_new(e, r, now);
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
	/* Asked ahead, or asked now as if ahead (another record may need it): wait for it. */
	f = s->fetch_failed ? NULL : fetch_of(e, r, a.image, a.image_gen);
	if (!f && !s->fetch_failed)
		f = fetch_start(e, r, a.image, a.image_gen, s->deadline, now);
	/* (not when it failed at once, nor when it could outlive this record) */
	if (f && f->busy && f->lead.deadline <= s->deadline) {
		if (log_verbose > 1)
			verbose("%s %.12s: waits for its image's digest, asked ahead",
				rt_name(r->kind), s->id);
		s->st = S_BLOCKED;
		LIST_PUSH(&f->waiting, s, wprev, wnext);
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

void podlog_start(struct engine *e, uint64_t now)
{
	struct runtime *r = &e->rt[RT_PODMAN];
	const char *sock;
	struct stat st;

	if (!r->be || !(sock = sockets__path(e->sockets, 0, r->kind, &r->sock, now)) ||
	    stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || !log_of(e, r, now))
		return;
	log_poll(e, r->podlog, now, false);
}

void podlog_watch(struct engine *e, uint64_t now)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	/* Which file changed does not matter: every log followed is read (a few at most). */
	while (read(e->podlog_fd, ev, sizeof(ev)) > 0)
		;
	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		struct runtime *r = &e->rt[i];

		if (r->podlog && log_poll(e, r->podlog, now, true))
			fetch_new(e, r, now);
	}
}

void podlog_stop(struct engine *e)
{
	if (e->podlog_fd >= 0)
		close(e->podlog_fd);
	e->podlog_fd = -1;
}
