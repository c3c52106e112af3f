/*
 * The ctrenrich engine: one event loop over the input and a curl multi handle. Records are read
 * into a bounded queue; container records start lookups (many in flight, each with a deadline,
 * "not found" retried with backoff); records leave in input order (or as soon as ready).
 */
#ifndef CTRENRICH_ENGINE_H
#define CTRENRICH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

struct engine_opts {
	bool strict;	       /* first bad line: stop reading, finish, exit 65 */
	bool unordered;	       /* records leave as soon as they are ready */
	unsigned timeout_ms;   /* per-record deadline, from when it was read */
	unsigned max_inflight; /* requests in flight at once */
	unsigned queue_size;   /* records held at once; input is not read while full */
	unsigned cache_size;   /* container cache entries */
	size_t max_response;   /* bytes; a bigger answer is "response too large" */
};

#define ENGINE_TIMEOUT_MS 2000
#define ENGINE_MAX_INFLIGHT 64
#define ENGINE_QUEUE_SIZE 4096
#define ENGINE_CACHE_SIZE 16384
#define ENGINE_MAX_RESPONSE (4u << 20)

/* Run over the files argv[0, argc) ("-" or none: stdin). Returns the exit status. */
int engine_run(const struct engine_opts *o, int argc, char **argv);

#endif
