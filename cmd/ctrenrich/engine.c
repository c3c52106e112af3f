/*
 * The engine's loop: take the input that is ready (common/filter.c) while the queue has room,
 * start and time the lookups, drive the transfers, write what is ready, flush before waiting,
 * and wait for input, an answer, a stop signal or the next deadline. Never blocks on the input.
 * engine.h says how the engine is divided.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "filter.h"
#include "log.h"
#include "out.h"
#include "podlog.h"
#include "stop.h"

uint64_t engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* What take_input() stopped at. */
enum input_wait {
	IN_FULL, /* the queue: lines may be buffered still */
	IN_READ, /* every whole line read is taken: read more */
	IN_DONE, /* every input is done */
};

/* Take the records already read while the queue has room. */
static enum input_wait take_input(struct engine *e, struct filter_input *in, uint64_t now)
{
	struct rec *r;

	while (!queue_full(e)) {
		const char *err = NULL, *src;
		unsigned long no;
		int rc = filter_input__next(in, &r);

		if (rc <= 0)
			return rc == 0 ? IN_READ : IN_DONE;
		no = filter_input__where(in, &src);
		if (queue_take(e, r, src, no, now, &err) < 0)
			filter_input__bad(in, err);
	}
	return IN_FULL;
}

/*
 * SIGINT and SIGTERM, unless ignored at entry (stop_catch keeps them ignored: ctrwatch starts
 * ctrenrich so), as a descriptor the loop waits on with the rest: curl_multi_poll takes no
 * signal mask, so a flag set by a handler could come just before it sleeps and be missed. They
 * are blocked before libcurl is set up, so that no thread of it takes them; one that came
 * before is in stop_signal. -1: none caught.
 */
static int stop_fd_open(void)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	sigset_t set;
	int fd, n = 0;

	stop_catch();
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;

		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			n += !sigaddset(&set, sigs[i]);
	}
	if (!n)
		return -1;
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		die("cannot catch SIGINT and SIGTERM: signalfd:");
	return fd;
}

/*
 * A stop signal came (fd is readable, or stop_signal set): read nothing more; what was read is
 * still taken, each record due by the deadline a record read now would have.
 */
static void stop_input(struct engine *e, int fd, uint64_t now)
{
	struct signalfd_siginfo si;

	while (fd >= 0 && read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (!stop_signal)
			stop_signal = (sig_atomic_t)si.ssi_signo;
	if (e->deadline_max)
		return; /* a second signal changes nothing */
	verbose("stopped by SIG%s: writing what was read", stop_signal == SIGINT ? "INT" : "TERM");
	filter_input__stop(e->in);
	e->deadline_max = now + e->o->timeout_ms;
}

/* Backends (weak: NULL when not built in), by runtime kind. */
static const struct backend *backend_of(enum rt kind)
{
	switch (kind) {
	case RT_DOCKER:
		return &backend_docker;
	case RT_PODMAN:
		return &backend_podman;
	case RT_CONTAINERD:
		return &backend_containerd;
	case RT_CRIO:
		return &backend_crio;
	default:
		return NULL;
	}
}

static void runtime_free(struct runtime *r)
{
	if (r->state && r->be->state_free)
		r->be->state_free(r->state);
	free(r->state);
	r->state = NULL;
	sockets__close(&r->sock);
	podlog__free(r->podlog);
	r->podlog = NULL;
}

int runtime__reset(struct engine *e, struct runtime *r)
{
	unsigned idx = r->idx;

	transport_unwatch(e, r);
	runtime_free(r);
	memset(r, 0, sizeof(*r));
	r->idx = idx;
	r->kind = (enum rt)(idx % RT_N);
	r->place = idx / RT_N;
	r->be = backend_of(r->kind);
	if (r->be && r->be->state_size && !(r->state = calloc(1, r->be->state_size)))
		return -1;
	return 0;
}

/* Every instance; the host's ready, at e->rt[kind]. -1 on ENOMEM. */
static int runtimes_init(struct engine *e)
{
	for (unsigned i = 0; i < RUNTIME_MAX; i++) {
		struct runtime *r = &e->rt[i];

		r->idx = i;
		if (i >= RT_N) {
			r->kind = (enum rt)(i % RT_N);
			r->place = i / RT_N;
			continue; /* made when its place is */
		}
		if (runtime__reset(e, r) < 0)
			return -1;
		if (r->be)
			verbose("%s: backend %s", rt_name(r->kind), r->be->name);
		sockets__host(e->sockets, r->kind, &r->sock);
	}
	return 0;
}

static void runtimes_free(struct engine *e)
{
	for (unsigned i = 0; i < RUNTIME_MAX; i++)
		runtime_free(&e->rt[i]);
}

int engine_run(const struct engine_opts *o, struct sockets *sk, int argc, char **argv)
{
	struct engine e = {.o = o, .sockets = sk, .podlog_fd = -1};
	struct filter f = {.strict = o->strict};
	int status, sfd;

	/* 1. The stop signals, then engine state: backends, transfers, slots, cache, input. */
	sfd = stop_fd_open();
	if (runtimes_init(&e) < 0 || transport__new(&e) < 0 || queue__init(&e) < 0 ||
	    !(e.cache = cache__new(o->cache_size)))
		die("out of memory");
	e.in = filter_input__new(&f, argc, argv);
	if (!e.in)
		die("out of memory");
	if (stop_signal) /* before the signals were blocked */
		stop_input(&e, sfd, engine_now_ms());
	podlog_start(&e, engine_now_ms());

	/* 2. The loop: take input, start lookups, drive transfers, write what is ready, wait. */
	for (;;) {
		uint64_t now = engine_now_ms();
		enum input_wait iw = take_input(&e, e.in, now);
		int fds[3] = {-1, sfd, e.podlog_fd};
		bool ready[3] = {false, false, false};
		int nfd = 0;
		long due;

		lookup_run_waiting(&e, now);
		transport_drain(&e, engine_now_ms());
		/* Completions may have queued retries and freed transfers: start and time them. */
		due = lookup_run_waiting(&e, engine_now_ms());
		queue_emit_ready(&e);
		/* Slots freed while lines wait in the buffer: take them now, not after a wait. */
		if (iw == IN_FULL && !queue_full(&e))
			continue;
		if (filter_input__fd(e.in) < 0 && !e.queue.head && !transport_inflight(&e))
			break;
		if (iw == IN_READ)
			fds[0] = filter_input__fd(e.in);
		/* Flush before blocking (DESIGN.md): only when nothing is ready at once. */
		if (e.unflushed) {
			nfd = transport_wait(&e, fds, ready, 3, 0);
			if (!nfd && !ready[0] && !ready[1] && !ready[2]) {
				out_flush();
				e.unflushed = false;
			}
		}
		if (!nfd && !ready[0] && !ready[1] && !ready[2])
			transport_wait(&e, fds, ready, 3, (int)(due < 0 ? 0 : due));
		if (ready[1])
			stop_input(&e, sfd, engine_now_ms());
		else if (ready[0])
			filter_input__read(e.in);
		if (ready[2]) /* Podman's event log grew: its new creates' digests asked now */
			podlog_watch(&e, engine_now_ms());
	}

	/* 3. Clean up. */
	verbose("%lu lookups, %lu requests, %lu cache hits, %lu errors", e.lookups, e.requests,
		e.cache_hits, e.errors);
	status = filter_input__status(e.in);
	filter_input__free(e.in);
	if (sfd >= 0)
		close(sfd);
	podlog_stop(&e);
	transport__free(&e);
	queue__free(&e);
	cache__free(e.cache);
	runtimes_free(&e);
	return status;
}
