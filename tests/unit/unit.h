/*
 * What every C unit test shares: checks that report each failure with its line and go on, the
 * summary line, and fixture loading.
 *
 * Fixtures are read from $CTRWATCH_FIXTURES (default tests/fixtures/ctrenrich/grpc, relative
 * to the repository root, where `make unit` and tests/run are started).
 */
#ifndef CTRWATCH_UNIT_H
#define CTRWATCH_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_checks, t_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		t_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

/* Integers compared, both values shown on failure. */
#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		t_checks++;                                                                        \
		if (g_ != w_) {                                                                    \
			t_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, \
				g_, w_);                                                           \
		}                                                                                  \
	} while (0)

/* The fixture name, read whole into a malloc'd buffer (NUL-terminated), or NULL after a failure. */
static inline char *fixture(const char *name, size_t *len)
{
	const char *dir = getenv("CTRWATCH_FIXTURES");
	char path[1024];
	char *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures/ctrenrich/grpc", name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read fixture '%s'\n", path);
		t_checks++;
		t_failed++;
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return buf;
}

/* The summary line and the exit status. */
static inline int t_done(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, t_checks, t_failed);
	return t_failed ? 1 : 0;
}

#endif
