/*
 * The ctrenrich engine: one event loop over the input and the runtimes' sockets. Records are read
 * into a bounded queue; container records start lookups (many in flight, each with a deadline,
 * "not found" retried with backoff); records leave in input order (or as soon as ready).
 *
 * One struct engine holds the state; each file has one job:
 *
 *	engine.c	the loop: take input (common/filter.c), drive lookups and transfers, write
 *			what is ready, flush before waiting, wait
 *	queue.c		the records held, in input order, and writing them out
 *	lookup.c	a container record's lookup: which runtime instances to ask, retries,
 *			deadlines
 *	sockets.c	where each runtime instance's socket is
 *	cache.c		what create lookups leave for removals (bounded)
 *	lookup_podlog.c	a Podman create answered from Podman's event log (podlog.h), and
 *			its image's digest asked as soon as its create line is there
 *	list.c		one request for many records: a runtime's list for the start-up scan's
 *			burst of existing containers
 *	transport.c	requests in flight: libcurl's multi interface over Unix sockets
 *
 * Every input record takes a slot, in input order. Records that are not container records are
 * done at once. A container record's lookup goes through these states:
 *
 *	WAIT	in the wait list: to be (re)started at start_at, when a transfer is free
 *	RUN	a request is in flight (a transfer of transport.c)
 *	BLOCKED	a removal waiting for the pending create lookup of the same id (cache.c)
 *	DONE	ready to leave
 *
 * An existing_container record may also wait (BLOCKED) for its runtime's list (list.c): a list is
 * a lookup of its own (a slot outside the queue, its group set), with the deadline of the first
 * record it answers, so no record outlives its own. A Podman create may wait (BLOCKED) for its
 * image's digest, asked when its create line appeared in Podman's event log (lookup_podlog.c):
 * also a slot outside the queue (its fetch set), whose deadline is no later than that of any
 * record that waits for it.
 *
 * Deadlines: a record's deadline is fixed when it is read (now + timeout). A waiting record
 * whose deadline passes is done with "timeout"; a transfer gets the time left as its timeout, so
 * it cannot outlive the deadline either. No record is held longer than its deadline.
 *
 * A stop (SIGINT, SIGTERM not ignored at entry) ends the input: the whole lines already read
 * are still taken (as slots free), with no deadline later than the stop's plus the timeout;
 * then the engine ends as at end of input, once every record held is out.
 */
#ifndef CTRENRICH_ENGINE_H
#define CTRENRICH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "jsonw.h"
#include "rec.h"
#include "sockets.h"

struct filter_input;

struct engine_opts {
	bool strict;	       /* first bad line: stop reading, finish, exit 65 */
	bool unordered;	       /* records leave as soon as they are ready */
	unsigned timeout_ms;   /* per-record deadline, from when it was read */
	unsigned max_inflight; /* requests in flight at once */
	unsigned queue_size;   /* records held at once; input is not read while full */
	unsigned cache_size;   /* container cache entries */
	size_t max_response;   /* bytes; a bigger answer is "response too large" */

	/* Podman's event log (--podman-events): a file, "none", or NULL: found (podlog.h). */
	const char *podman_events;
};

#define ENGINE_TIMEOUT_MS 2000
#define ENGINE_MAX_INFLIGHT 64
#define ENGINE_QUEUE_SIZE 4096
#define ENGINE_CACHE_SIZE 16384
#define ENGINE_MAX_RESPONSE (4u << 20)
/* A list's answers (list.c) may be this many times max_response: 64 MiB by default. */
#define ENGINE_LIST_RESPONSE_FACTOR 16

/*
 * Run over the files argv[0, argc) ("-" or none: stdin), asking the runtimes whose sockets
 * sk knows. Returns the exit status.
 */
int engine_run(const struct engine_opts *o, struct sockets *sk, int argc, char **argv);

/* ---- inside the engine ---- */

enum slot_state { S_FREE, S_WAIT, S_RUN, S_BLOCKED, S_DONE };

/* A record held, and its lookup. */
struct slot {
	struct slot *qprev, *qnext; /* the queue, in input order */
	struct slot *wprev, *wnext; /* the wait list, or the ready list (unordered) */
	enum slot_state st;
	struct buf line; /* the input line, kept to be written out */
	const char *src; /* where it came from (filter_input__where), for a diagnostic */
	unsigned long no;
	bool ctr;	     /* a container record; others leave as they came */
	bool existing;	     /* an existing_container record (the scan's) */
	struct group *group; /* list.c: this slot is that list's own lookup */
	/* lookup_podlog.c: this slot is that digest request's own lookup */
	struct podfetch *fetch;
	bool fetch_failed; /* the digest asked ahead for this record failed: it asks alone */
	enum be_kind kind;
	int place;		/* where its runtimes are (sockets.h), -1: no room for it yet */
	bool in_place;		/* counted in engine.place_busy until it is done */
	enum rt rt_in;		/* runtime named by the record */
	enum rt rt_ask;		/* the one runtime kind to ask, or RT_UNKNOWN: every one found */
	struct runtime *rt_cur; /* the instance asked now */
	enum rt rt_out;		/* the runtime that answered */
	/* Instances asked (bit: struct runtime's idx), and how they answered, this round. */
	uint64_t tried, notfound, notyet;
	const char *round_err;
	char round_errbuf[192];
	char id[ID_MAX + 1];
	size_t idlen;
	struct be_lookup lk;
	struct meta m;
	bool have_meta;	   /* create-time fields known (lookup or cache) */
	struct centry *ce; /* create: its pending cache entry */
	uint64_t read_at, deadline, start_at;
	unsigned backoff;
	const char *err; /* enrich_error, NULL when none */
	char errbuf[192];
};

struct slot_list {
	struct slot *head, *tail;
};

/* list.c: a runtime instance's list: its own lookup, and the records waiting for it. */
struct group {
	struct slot lead; /* its lookup (lead.group is this group); not in the queue */
	struct engine *e;
	struct runtime *r;
	bool busy;		  /* lead waits for a transfer, or is in flight */
	struct slot_list waiting; /* the records waiting for it (w links) */
	uint64_t done_at;	  /* when the last one ended; 0: never */
};

/*
 * lookup_podlog.c: an image's digest asked of a Podman when a container's create line appeared
 * in its event log, before the container's record came: its own lookup, and the records
 * waiting for its answer. At most PODLOG_FETCH_MAX at once, each leaving a transfer free.
 */
#define PODLOG_FETCH_MAX 4
struct podfetch {
	struct slot lead; /* its lookup (lead.fetch is this); not in the queue */
	struct runtime *r;
	bool busy;		  /* in flight */
	struct slot_list waiting; /* the records waiting for it (w links) */
	char image[256];	  /* the image's name, as the log gave it */
	unsigned long image_gen;  /* the log's image events before the create line */
};

/* Runtime instances: one of each kind at each place (sockets.h), e->rt[place * RT_N + kind]. */
#define RUNTIME_MAX (PLACE_MAX * RT_N)

/*
 * A runtime instance the engine may ask: one socket of one runtime kind at one place (the
 * host's, a user's, one inside an outer container), its backend (NULL: not supported) and the
 * backend's state. e->rt[k] for k < RT_N is the host's instance of kind k. The instances of a
 * place other than the host's start anew (runtime__reset) whenever the place is made.
 */
struct runtime {
	enum rt kind;
	unsigned place; /* sockets.h: 0 the host */
	unsigned idx;	/* its place in e->rt, and its bit in a slot's masks */
	const struct backend *be;
	void *state;	       /* the backend's: be->state_size bytes */
	struct rt_sock sock;   /* sockets.c: where its socket is */
	struct podlog *podlog; /* Podman's event log, once followed (lookup_podlog.c) */
	bool podlog_off;       /* it has none to read */
	/* list.c; runtime__reset zeroes it, which happens only while no record of its place waits */
	struct group list;
};

struct engine {
	const struct engine_opts *o;
	struct sockets *sockets;
	struct runtime rt[RUNTIME_MAX];
	/* queue.c */
	struct slot *slots, *free_slots;
	unsigned nslots_used;
	struct slot_list queue, ready;
	struct rec out;
	bool unflushed; /* written since the last flush */
	struct filter_input *in; /* the input: files or stdin (common/filter.h) */
	uint64_t deadline_max; /* after a stop signal: no record is held past it (0: none) */
	/* lookup.c */
	struct slot_list wait;
	unsigned place_busy[PLACE_MAX]; /* records of each place not done yet */
	/* cache.c */
	struct cache *cache;
	/* transport.c */
	struct transport *tr;
	/* lookup_podlog.c: digests asked ahead; inotify on the event logs followed (-1: none) */
	struct podfetch fetch[PODLOG_FETCH_MAX];
	int podlog_fd;
	/* counters for -v */
	unsigned long lookups, requests, cache_hits, errors;
};

/* Lists: q links for the queue, w links for the wait and ready lists. */
#define LIST_PUSH(l, s, P, N)                                                                      \
	do {                                                                                       \
		(s)->P = (l)->tail;                                                                \
		(s)->N = NULL;                                                                     \
		if ((l)->tail)                                                                     \
			(l)->tail->N = (s);                                                        \
		else                                                                               \
			(l)->head = (s);                                                           \
		(l)->tail = (s);                                                                   \
	} while (0)
#define LIST_DEL(l, s, P, N)                                                                       \
	do {                                                                                       \
		if ((s)->P)                                                                        \
			(s)->P->N = (s)->N;                                                        \
		else                                                                               \
			(l)->head = (s)->N;                                                        \
		if ((s)->N)                                                                        \
			(s)->N->P = (s)->P;                                                        \
		else                                                                               \
			(l)->tail = (s)->P;                                                        \
		(s)->P = (s)->N = NULL;                                                            \
	} while (0)

/* Monotonic milliseconds. */
uint64_t engine_now_ms(void);
/* engine.c: r starts anew (its place was made again): backend state zeroed, socket unknown.
 * -1 on ENOMEM. */
int runtime__reset(struct engine *e, struct runtime *r);

/* queue.c: slots in input order. */
int queue__init(struct engine *e);
void queue__free(struct engine *e);
/* True when no slot is free: input waits. */
bool queue_full(const struct engine *e);
/*
 * A record, read from src at line no: a pass-through one with nothing ahead of it goes out at
 * once. 0, or -1 with *err.
 */
int queue_take(struct engine *e, const struct rec *r, const char *src, unsigned long no,
	       uint64_t now, const char **err);
/* s is ready to leave. */
void slot_done(struct engine *e, struct slot *s);
/*
 * Write the records that may leave now, and free their slots. A record that would grow past
 * the line limit goes out as it came, reported as bad input at its line (e->in).
 */
void queue_emit_ready(struct engine *e);

/* lookup.c: a container record's lookup. */
/* Where s's runtimes are, from r's path (before lookup_create or lookup_remove). */
void lookup_where(struct engine *e, struct slot *s, const struct rec *r, uint64_t now);
void lookup_create(struct engine *e, struct slot *s, uint64_t now);
void lookup_remove(struct engine *e, struct slot *s, uint64_t now);
/* "no socket for KIND" (RT_UNKNOWN: "no runtime socket"), where s's place is, and why, in buf. */
const char *lookup_no_socket(struct engine *e, struct slot *s, enum rt kind, char *buf,
			     size_t cap);
/* s waits (S_WAIT) for a transfer, to start its next attempt at at. */
void lookup_wait(struct engine *e, struct slot *s, uint64_t at);
/*
 * l, a slot outside the queue (a list's, a digest asked ahead), made ready for a lookup of
 * kind asked of instance r, due by deadline; the caller sets what makes it its own (group,
 * fetch).
 */
void lookup_lead(struct slot *l, struct runtime *r, enum be_kind kind, uint64_t deadline,
		 uint64_t now);
/* The lookup of s is over: err is NULL on success. */
void lookup_finish(struct engine *e, struct slot *s, const char *err, uint64_t now);
/* The deadline ended s: "timeout", or "not found" for a create that was being asked again. */
void lookup_expire(struct engine *e, struct slot *s, uint64_t now);
/* The runtime asked answered r (not BE_MORE, nor BE_DONE), or failed with why. */
void lookup_answered(struct engine *e, struct slot *s, enum be_result r, uint64_t now);
void lookup_failed(struct engine *e, struct slot *s, const char *why, uint64_t now);
/* Start what may start, expire what waited too long. Returns ms until something is due. */
long lookup_run_waiting(struct engine *e, uint64_t now);

/* list.c: a runtime's list for the start-up scan. */
/* An existing_container record whose id a list answered: done from the cache. */
bool list_answered(struct engine *e, struct slot *s, uint64_t now);
/* s, an existing_container record about to wait for its turn, waits for its runtime's list. */
bool list_join(struct engine *e, struct slot *s, uint64_t now);
/* A list's lead got its turn (a transfer is free): send it. */
void list_start(struct engine *e, struct slot *lead, uint64_t now);
/* The list's requests ended: err is NULL when the backend read the answer (BE_DONE). */
void list_end(struct engine *e, struct slot *lead, const char *err, uint64_t now);

/*
 * lookup_podlog.c: s, a lookup about to ask Podman (s->rt_cur), answered from its event log:
 * 0 when taken (finished, or its one request started), > 0 to look again in that many ms,
 * < 0 to ask the API.
 */
long podlog_lookup(struct engine *e, struct slot *s, uint64_t now);
/*
 * At start-up: the host's Podman's event log followed when its socket is there, and watched
 * (inotify, e->podlog_fd) with the logs followed later, so that its create lines are read as
 * they are written.
 */
void podlog_start(struct engine *e, uint64_t now);
/* e->podlog_fd is readable: read the logs, and ask the digests new create lines need. */
void podlog_watch(struct engine *e, uint64_t now);
void podlog_stop(struct engine *e);
/* A digest asked ahead (lead->fetch) ended: err is NULL on success. Its records go on. */
void podlog_fetched(struct engine *e, struct slot *lead, const char *err, uint64_t now);
/* A digest asked ahead of a Podman at place p is in flight. */
bool podlog_busy(const struct engine *e, unsigned p);

/* cache.c: what create lookups leave for removals. */
struct cache *cache__new(size_t cap);
void cache__free(struct cache *c);
/* A create record: its lookup will fill a pending entry for its id (s->ce) when it may. */
void cache_create(struct engine *e, struct slot *s);
/* s's create lookup ended (ok: s->m holds the answer). A removal waiting for it starts. */
void cache_created(struct engine *e, struct slot *s, bool ok, uint64_t now);
/* A removal: true when it waits for its id's create lookup; else s->m has what was cached. */
bool cache_remove(struct engine *e, struct slot *s);
/* A list of runtime rt said this about container id (cache_put_listed takes m's strings). */
void cache_put_listed(struct engine *e, enum rt rt, const char *id, size_t len, struct meta *m,
		      uint64_t now);
/* s's id is in a list of s's runtime less than a minute old: s->m filled from it. */
bool cache_listed(struct engine *e, struct slot *s, uint64_t now);

/* transport.c: requests in flight. */
int transport__new(struct engine *e);
void transport__free(struct engine *e);
/* True when a transfer is free. */
bool transport_free(const struct engine *e);
/* Transfers in flight. */
unsigned transport_inflight(const struct engine *e);
/* Send the current step of s's lookup to s->rt_cur (a transfer must be free). */
void transport_start(struct engine *e, struct slot *s, uint64_t now);
/* Close r's watch, if it has one open (its backend state is about to go). */
void transport_unwatch(struct engine *e, struct runtime *r);
/* Hand every transfer that ended to its lookup. */
void transport_drain(struct engine *e, uint64_t now);
/*
 * Wait up to timeout_ms for a transfer, or for one of the engine's own descriptors fds[0, n)
 * (n <= TRANSPORT_WAIT_FDS; an fd of -1 is left out) to be readable (ready[i]). Returns the
 * number of descriptors with activity.
 */
#define TRANSPORT_WAIT_FDS 3
int transport_wait(struct engine *e, const int *fds, bool *ready, unsigned n, int timeout_ms);

#endif
