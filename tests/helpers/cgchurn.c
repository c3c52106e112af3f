/*
 * Test helper for cgtap: make cgroups faster than a shell can.
 *
 *   cgchurn burst DIR PREFIX N     mkdir and rmdir DIR/PREFIX-0 .. N-1, one after the other;
 *                                  prints "N mkdir+rmdir in S s: R events/s" on stdout
 *   cgchurn deep DIR NAME LEVELS   make DIR/NAME/NAME/... LEVELS deep, each relative to the
 *                                  last (so the whole path may pass PATH_MAX)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int burst(const char *dir, const char *prefix, long n)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char name[256];
	double t0;

	if (dfd < 0) {
		perror(dir);
		return 1;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%ld", prefix, i);
		if (mkdirat(dfd, name, 0755) || unlinkat(dfd, name, AT_REMOVEDIR)) {
			fprintf(stderr, "cgchurn: %s/%s: %s\n", dir, name, strerror(errno));
			return 1;
		}
	}
	t0 = now() - t0;
	printf("%ld mkdir+rmdir in %.3f s: %.0f events/s\n", n, t0, 2 * n / t0);
	return 0;
}

static int deep(const char *dir, const char *name, long levels)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	for (long i = 0; i < levels && fd >= 0; i++) {
		int next;

		if (mkdirat(fd, name, 0755) && errno != EEXIST) {
			close(fd);
			fd = -1;
			break;
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd < 0) {
		perror("cgchurn: deep");
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "burst"))
		return burst(argv[2], argv[3], atol(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "deep"))
		return deep(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: cgchurn burst DIR PREFIX N | cgchurn deep DIR NAME LEVELS\n");
	return 2;
}
