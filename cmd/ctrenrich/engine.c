/*
 * The engine's loop: take the input that is ready (common/filter.c) while the queue has room,
 * start and time the lookups, drive the transfers, write what is ready, flush before waiting,
 * and wait for input, an answer or the next deadline. Never blocks on the input. engine.h says
 * how the engine is divided.
 */
#include <stdlib.h>
#include <time.h>

#include "engine.h"
#include "filter.h"
#include "log.h"
#include "out.h"
#include "podlog.h"

uint64_t engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Take buffered records while the queue has room. True when a read is needed. */
static bool take_input(struct engine *e, struct filter_input *in, uint64_t now)
{
	struct rec *r;

	while (!queue_full(e)) {
		const char *err = NULL;
		int rc = filter_input__next(in, &r);

		if (rc <= 0)
			return rc == 0;
		if (queue_take(e, r, now, &err) < 0)
			filter_input__bad(in, err);
	}
	return false;
}

/* Backends, and their state: one each runtime. -1 on ENOMEM. */
static int runtimes_init(struct engine *e)
{
	e->rt[RT_DOCKER].be = &backend_docker;
	e->rt[RT_PODMAN].be = &backend_podman;
	e->rt[RT_CONTAINERD].be = &backend_containerd;
	e->rt[RT_CRIO].be = &backend_crio;
	for (int i = 0; i < RT_N; i++) {
		const struct backend *be = e->rt[i].be;

		if (!be)
			continue;
		verbose("%s: backend %s", rt_name(i), be->name);
		if (be->state_size && !(e->rt[i].state = calloc(1, be->state_size)))
			return -1;
	}
	return 0;
}

static void runtimes_free(struct engine *e)
{
	for (int i = 0; i < RT_N; i++) {
		if (e->rt[i].state && e->rt[i].be->state_free)
			e->rt[i].be->state_free(e->rt[i].state);
		free(e->rt[i].state);
		podlog__free(e->rt[i].podlog);
	}
}

int engine_run(const struct engine_opts *o, struct sockets *sk, int argc, char **argv)
{
	struct engine e = {.o = o, .sockets = sk};
	struct filter f = {.strict = o->strict};
	struct filter_input *in;
	int status;

	/* 1. Engine state: backends, transfers, slots, cache, input. */
	if (runtimes_init(&e) < 0 || transport__new(&e) < 0 || queue__init(&e) < 0 ||
	    !(e.cache = cache__new(o->cache_size)))
		die("out of memory");
	in = filter_input__new(&f, argc, argv);
	if (!in)
		die("out of memory");

	/* 2. The loop: take input, start lookups, drive transfers, write what is ready, wait. */
	for (;;) {
		uint64_t now = engine_now_ms();
		bool need_read = take_input(&e, in, now), ready = false;
		int fd, nfd = 0;
		long due;

		lookup_run_waiting(&e, now);
		transport_drain(&e, engine_now_ms());
		/* Completions may have queued retries and freed transfers: start and time them. */
		due = lookup_run_waiting(&e, engine_now_ms());
		queue_emit_ready(&e);
		fd = filter_input__fd(in);
		if (fd < 0 && !e.queue.head && !transport_inflight(&e))
			break;
		if (!(need_read && fd >= 0 && !queue_full(&e)))
			fd = -1;
		/* Flush before blocking (DESIGN.md): only when nothing is ready at once. */
		if (e.unflushed) {
			nfd = transport_wait(&e, fd, 0, &ready);
			if (!nfd && !ready) {
				out_flush();
				e.unflushed = false;
			}
		}
		if (!nfd)
			nfd = transport_wait(&e, fd, (int)(due < 0 ? 0 : due), &ready);
		if (ready)
			filter_input__read(in);
	}

	/* 3. Clean up. */
	verbose("%lu lookups, %lu requests, %lu cache hits, %lu errors", e.lookups, e.requests,
		e.cache_hits, e.errors);
	status = filter_input__status(in);
	filter_input__free(in);
	transport__free(&e);
	queue__free(&e);
	cache__free(e.cache);
	runtimes_free(&e);
	return status;
}
