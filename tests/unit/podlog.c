/*
 * Unit tests for Podman's event log (cmd/ctrenrich/podlog.c, podlog_file.c, codec/podevent.c):
 * recorded lines from Podman 4.3.1 (tests/fixtures/ctrenrich/podlog/), fed whole and cut at
 * every byte; hostile input (huge lines, bad JSON, wrong types, cut writes, NUL bytes); the
 * bounds; a real file followed through appends, rotation (Podman's: the second half copied to
 * a new file renamed over the old), truncation, a FIFO and a missing file; and where the log is
 * found (containers.conf).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/podevent.h"
#include "htab.h"
#include "log.h"
#include "podlog.h"
#include "unit.h"

/* Ids of the recorded log (podman-4.3.1.log). */
#define WEB "ecad22515dd9e0c347988f00d6770c0e1335412a0c99d3faa5bf15e3672ac7bb"
#define INFRA "cd86857a899e57a60587de88a746950416ad41378b0bd340e4041f266d8403e5"
#define MEMBER "8f7abe399f26695bf0cfceed187b9c246a4c8815dc12801a2524234ce4154574"
#define INF3 "607fad195731c8e703722e4bbafbeb03c84048cc5498b8b5bb21d1368f6cd3a1"
#define ROOTFS "a444df6269074ab60e0be8f5128352e964127bc3b370bd817f3b040778454a5a"
#define POD "6eb7437a269e844ad7cc7d7bab3abdbf52bc96d007e698c6cee390c50ced4801"
#define NOBODY "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[] = "/tmp/podlog-unit.XXXXXX";

static bool str_is(const char *got, const char *want)
{
	if (!want)
		return !got;
	if (got && !strcmp(got, want))
		return true;
	fprintf(stderr, "  got '%s', want '%s'\n", got ? got : "(null)", want);
	return false;
}

/* What the recorded log says, checked on pl (fed it all, however cut). */
static void check_recorded(struct podlog *pl)
{
	struct podlog_answer a;

	CHECK_INT(podlog__find(pl, WEB, &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "web2")); /* renamed after its create */
	CHECK(str_is(a.image, "docker.io/library/ctrwatch-test:1"));
	CHECK(str_is(a.m->s[M_POD_NAME], "kp"));
	CHECK(str_is(a.m->s[M_POD_NAMESPACE], "kns"));
	CHECK(str_is(a.m->s[M_POD_UID], "0b5f-77"));
	CHECK(str_is(a.pod_id, ""));
	CHECK(!a.sandbox && !a.pod_name);
	CHECK_INT(a.image_gen, 1); /* the pull before it */

	CHECK_INT(podlog__find(pl, INFRA, &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "6eb7437a269e-infra"));
	CHECK(str_is(a.image, "docker.io/library/ctrwatch-pause:1"));
	CHECK(str_is(a.pod_id, POD));
	CHECK(str_is(a.pod_name, "pp"));
	CHECK(a.sandbox);
	CHECK(!a.m->s[M_POD_NAME]);

	/* Removed since: still known, for a create record that comes late. */
	CHECK_INT(podlog__find(pl, MEMBER, &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "member"));
	CHECK(str_is(a.pod_name, "pp"));
	CHECK(!a.sandbox);
	CHECK_INT(a.image_gen, 3);

	/* --infra-name: known by its place before the pod's line, not by its name. */
	CHECK_INT(podlog__find(pl, INF3, &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "inf3"));
	CHECK(str_is(a.pod_name, "pp3"));
	CHECK(a.sandbox);

	CHECK_INT(podlog__find(pl, ROOTFS, &a), PODLOG_FOUND);
	CHECK(str_is(a.image, ""));
	CHECK(!a.m->s[M_IMAGE]);

	CHECK_INT(podlog__find(pl, NOBODY, &a), PODLOG_UNKNOWN);
	CHECK_INT(podlog__find(pl, POD, &a), PODLOG_UNKNOWN); /* a pod is no container */
	CHECK_INT(pl->nbad, 0);
	CHECK_INT(pl->nlong, 0);
	CHECK_INT(pl->image_gen, 4);
}

static void test_recorded(void)
{
	size_t len = 0;
	char *log = fixture("podman-4.3.1.log", &len);
	struct podlog *pl;

	if (!log)
		return;
	pl = podlog__new();
	podlog__feed(pl, log, len);
	check_recorded(pl);
	CHECK_INT(pl->seq, 21);
	podlog__free(pl);

	/* Cut at every byte: two reads each. */
	for (size_t cut = 0; cut <= len; cut++) {
		int before = t_failed;

		pl = podlog__new();
		podlog__feed(pl, log, cut);
		podlog__feed(pl, log + cut, len - cut);
		check_recorded(pl);
		podlog__free(pl);
		if (t_failed != before) {
			fprintf(stderr, "  (cut at %zu)\n", cut);
			break;
		}
	}
	/* One byte a read. */
	pl = podlog__new();
	for (size_t i = 0; i < len; i++)
		podlog__feed(pl, log + i, 1);
	check_recorded(pl);
	podlog__free(pl);
	free(log);
}

/* A create line for id (64 chars) named name, in pod pod_id (NULL: none). */
static void create(struct podlog *pl, const char *id, const char *name, const char *pod_id)
{
	char line[2048];
	int n = snprintf(line, sizeof(line),
			 "{\"ID\":\"%s\",\"Image\":\"i:1\",\"Name\":\"%s\",\"Status\":\"create\","
			 "\"Type\":\"container\"%s%s%s,\"Attributes\":{}}\n",
			 id, name, pod_id ? ",\"PodID\":\"" : "", pod_id ? pod_id : "",
			 pod_id ? "\"" : "");

	podlog__feed(pl, line, (size_t)n);
}

static void pod_create(struct podlog *pl, const char *id, const char *name)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
			 "{\"ID\":\"%s\",\"Name\":\"%s\",\"Status\":\"create\",\"Type\":\"pod\"}\n",
			 id, name);

	podlog__feed(pl, line, (size_t)n);
}

static const char *hex(unsigned n)
{
	static char id[8][65];
	static unsigned k;
	char *p = id[k++ % 8];

	snprintf(p, 65, "%064x", n);
	return p;
}

static void test_hostile(void)
{
	struct podlog *pl = podlog__new();
	struct podlog_answer a;
	char *big = malloc(PODLOG_LINE_MAX + 100);
	char name[PODLOG_STR_MAX + 2];

	/* A line over the limit is skipped whole, in one read or cut into many. */
	memset(big, 'x', PODLOG_LINE_MAX + 99);
	big[PODLOG_LINE_MAX + 99] = '\n';
	podlog__feed(pl, big, PODLOG_LINE_MAX + 100);
	podlog__feed(pl, big, 1000);
	podlog__feed(pl, big, PODLOG_LINE_MAX);
	podlog__feed(pl, "\n", 1);
	CHECK_INT(pl->nlong, 2);
	create(pl, hex(1), "after-long", NULL);
	CHECK_INT(podlog__find(pl, hex(1), &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "after-long"));
	/* A line of exactly the limit is read. */
	memset(big, ' ', PODLOG_LINE_MAX);
	memcpy(big, "{\"Type\":\"image\"}", 16);
	big[PODLOG_LINE_MAX] = '\n';
	podlog__feed(pl, big, PODLOG_LINE_MAX + 1);
	CHECK_INT(pl->nlong, 2);
	CHECK_INT(pl->image_gen, 1);

	/* Not events: each skipped, counted, nothing else lost. */
	static const char *const bad[] = {
	    "not json\n",
	    "{\"ID\":\n",
	    "[1,2,3]\n",
	    "\"container\"\n",
	    "{}\n",
	    "{\"Type\":5}\n",
	    "{\"Type\":\"container\",\"ID\":5,\"Status\":\"create\"}\n",
	    "{\"Type\":\"container\",\"ID\":\"" NOBODY "\",\"Name\":[],\"Status\":\"create\"}\n",
	    "{\"Type\":\"container\",\"ID\":\"xyz\",\"Status\":\"create\"}\n",
	    "{\"Type\":\"container\",\"ID\":\"" NOBODY "\",\"Status\":\"create\"} trailing\n",
	    "{\"Type\":\"container\",\"ID\":\"" NOBODY "\",\"Status\":\"create\"}{}\n",
	    "\n",
	};
	unsigned long nbad = pl->nbad;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		podlog__feed(pl, bad[i], strlen(bad[i]));
	CHECK_INT(pl->nbad - nbad, sizeof(bad) / sizeof(bad[0]));
	CHECK_INT(podlog__find(pl, NOBODY, &a), PODLOG_UNKNOWN);
	/* A NUL inside a line, an id in capitals: not taken for anything. */
	podlog__feed(pl, "{\"Type\":\"container\",\"ID\":\"\0\"}\n", 31);
	create(pl, "ABCDEF0000000000000000000000000000000000000000000000000000000000", "caps",
	       NULL);
	CHECK_INT(htab__count(pl->ctrs), 1);

	/* A write cut short: the line waits for the rest. */
	podlog__feed(pl, "{\"ID\":\"", 7);
	CHECK_INT(podlog__find(pl, hex(2), &a), PODLOG_UNKNOWN);
	podlog__feed(pl, hex(2), 64);
	podlog__feed(pl, "\",\"Name\":\"cut\",\"Status\":\"create\",\"Type\":\"container\"}", 52);
	CHECK_INT(podlog__find(pl, hex(2), &a), PODLOG_UNKNOWN);
	podlog__feed(pl, "\n", 1);
	CHECK_INT(podlog__find(pl, hex(2), &a), PODLOG_FOUND);
	CHECK(str_is(a.m->s[M_NAME], "cut"));
	/* ... unless the file changed under it: then it is dropped. */
	podlog__feed(pl, "{\"ID\":\"", 7);
	podlog__restart(pl, false);
	create(pl, hex(3), "fresh", NULL);
	CHECK_INT(podlog__find(pl, hex(3), &a), PODLOG_FOUND);
	/* From the middle of a line: up to its end is dropped. */
	podlog__restart(pl, true);
	podlog__feed(pl, "\"Type\":\"container\"}\n", 20);
	create(pl, hex(4), "whole", NULL);
	CHECK_INT(podlog__find(pl, hex(4), &a), PODLOG_FOUND);

	/* Escapes are read; a name longer than PODLOG_STR_MAX: not kept (the API answers). */
	{
		const char *esc = "{\"ID\":\""
				  "0000000000000000000000000000000000000000000000000000000000000005"
				  "\",\"Name\":\"a\\\"b\\u00e9\\u0000\",\"Status\":\"create\","
				  "\"Type\":\"container\"}\n";

		podlog__feed(pl, esc, strlen(esc));
	}
	CHECK_INT(podlog__find(pl, hex(5), &a), PODLOG_FOUND);
	CHECK(a.m && str_is(a.m->s[M_NAME], "a\"b\xc3\xa9\xef\xbf\xbd"));
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	create(pl, hex(6), name, NULL);
	CHECK_INT(podlog__find(pl, hex(6), &a), PODLOG_UNKNOWN);
	name[PODLOG_STR_MAX] = '\0';
	create(pl, hex(6), name, NULL);
	CHECK_INT(podlog__find(pl, hex(6), &a), PODLOG_FOUND);
	free(big);
	podlog__free(pl);
}

static void test_pods(void)
{
	struct podlog *pl = podlog__new();
	struct podlog_answer a;
	const char *p1 = hex(0x100), *p2 = hex(0x200), *p3 = hex(0x300), *p4 = hex(0x400);

	/* The pod's line never read (before the part of the log read): the log cannot tell. */
	create(pl, hex(1), "old-pod-member", p1);
	CHECK_INT(podlog__find(pl, hex(1), &a), PODLOG_NEED_POD);
	CHECK(str_is(a.pod_id, p1));
	CHECK(str_is(a.m->s[M_NAME], "old-pod-member"));

	/* Two of a pod's containers before its line: which is the infra one? Ask. */
	create(pl, hex(2), "a", p2);
	create(pl, hex(3), "b", p2);
	pod_create(pl, p2, "race");
	create(pl, hex(4), "c", p2);
	CHECK_INT(podlog__find(pl, hex(2), &a), PODLOG_NEED_POD);
	CHECK_INT(podlog__find(pl, hex(3), &a), PODLOG_NEED_POD);
	CHECK_INT(podlog__find(pl, hex(4), &a), PODLOG_FOUND);
	CHECK(!a.sandbox && str_is(a.pod_name, "race"));

	/* A pod without infra container (--infra=false): every container is a member. */
	pod_create(pl, p3, "noinfra");
	create(pl, hex(5), "d", p3);
	CHECK_INT(podlog__find(pl, hex(5), &a), PODLOG_FOUND);
	CHECK(!a.sandbox && str_is(a.pod_name, "noinfra"));

	/* A pod's create read twice (the same file read again): the first stays. */
	create(pl, hex(6), "infra", p4);
	pod_create(pl, p4, "p4");
	pod_create(pl, p4, "p4-again");
	create(pl, hex(6), "infra", p4); /* its create again: still the one before the pod */
	CHECK_INT(podlog__find(pl, hex(6), &a), PODLOG_FOUND);
	CHECK(a.sandbox && str_is(a.pod_name, "p4"));
	podlog__free(pl);
}

static void test_bounds(void)
{
	struct podlog *pl = podlog__new();
	struct podlog_answer a;

	for (unsigned i = 1; i <= PODLOG_CONTAINERS + 10; i++)
		create(pl, hex(i), "c", NULL);
	CHECK_INT(htab__count(pl->ctrs), PODLOG_CONTAINERS);
	CHECK_INT(podlog__find(pl, hex(1), &a), PODLOG_UNKNOWN); /* the oldest went */
	CHECK_INT(podlog__find(pl, hex(PODLOG_CONTAINERS + 10), &a), PODLOG_FOUND);
	for (unsigned i = 1; i <= PODLOG_PODS + 10; i++)
		pod_create(pl, hex(0x10000 + i), "p");
	CHECK_INT(htab__count(pl->pods), PODLOG_PODS);
	podlog__free(pl);
}

/* Podman's rotation: the second half of the lines copied into a new file, then its own line. */
static void test_resume(void)
{
	struct podlog *pl = podlog__new();
	const size_t n = strlen("{\"Type\":\"image\",\"Time\":\"1\"}\n");
	const char *lines = "{\"Type\":\"image\",\"Time\":\"1\"}\n"
			    "{\"Type\":\"image\",\"Time\":\"2\"}\n"
			    "{\"Type\":\"image\",\"Time\":\"3\"}\n";
	const char *copy = "{\"Type\":\"image\",\"Time\":\"2\"}\n"
			   "{\"Type\":\"image\",\"Time\":\"3\"}\n"
			   "{\"Type\":\"image\",\"Time\":\"4\"}\n";

	CHECK_INT(podlog__resume(pl, copy, strlen(copy)), 0); /* nothing read yet */
	podlog__feed(pl, lines, strlen(lines));
	CHECK_INT(podlog__resume(pl, copy, strlen(copy)), 2 * n);
	CHECK_INT(podlog__resume(pl, copy + n, strlen(copy) - n), n); /* the first line */
	CHECK_INT(podlog__resume(pl, "xx", 2), 0);
	/* Only a whole line counts: not a line that ends with it. */
	CHECK_INT(podlog__resume(pl, "x{\"Type\":\"image\",\"Time\":\"3\"}\n", n + 1), 0);
	/* A line not yet ended is no match either. */
	CHECK_INT(podlog__resume(pl, "{\"Type\":\"image\",\"Time\":\"3\"}", n - 1), 0);
	podlog__free(pl);
}

static void write_file(const char *path, const char *s, const char *mode)
{
	FILE *f = fopen(path, mode);

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(s, f);
	fclose(f);
}

static char *lines_of(unsigned from, unsigned to)
{
	static char buf[64 * 1024];
	size_t n = 0;

	for (unsigned i = from; i <= to; i++)
		n += (size_t)snprintf(
		    buf + n, sizeof(buf) - n,
		    "{\"ID\":\"%s\",\"Image\":\"i:1\",\"Name\":\"c%u\","
		    "\"Status\":\"create\",\"Time\":\"%u\",\"Type\":\"container\"}\n",
		    hex(i), i, i);
	return buf;
}

static bool known(struct podlog *pl, unsigned i)
{
	struct podlog_answer a;

	return podlog__find(pl, hex(i), &a) == PODLOG_FOUND;
}

/* The containers whose create line was read since last asked: new ones only, the last few. */
static void test_new(void)
{
	struct podlog *pl = podlog__new();
	char id[65], path[256];
	uint64_t now = 1;
	unsigned i;

	CHECK(!podlog__next_new(pl, id));
	create(pl, hex(1), "a", NULL);
	create(pl, hex(2), "b", NULL);
	create(pl, hex(1), "a", NULL); /* a create line seen again: not new */
	CHECK(podlog__next_new(pl, id) && str_is(id, hex(1)));
	CHECK(podlog__next_new(pl, id) && str_is(id, hex(2)));
	CHECK(!podlog__next_new(pl, id));
	/* More than PODLOG_NEW before asked: the last ones, oldest first. */
	for (i = 10; i < 10 + PODLOG_NEW + 3; i++)
		create(pl, hex(i), "c", NULL);
	for (i = 13; i < 10 + PODLOG_NEW + 3; i++)
		CHECK(podlog__next_new(pl, id) && str_is(id, hex(i)));
	CHECK(!podlog__next_new(pl, id));
	podlog__free(pl);

	/* A file: what its first open reads back is history; what is appended then is new. */
	snprintf(path, sizeof(path), "%s/new.log", dir);
	write_file(path, lines_of(30, 32), "w");
	pl = podlog__new();
	CHECK_INT(podlog__follow(pl, path), 0);
	CHECK(podlog__poll(pl, now));
	CHECK(known(pl, 30) && known(pl, 32));
	CHECK(!podlog__next_new(pl, id));
	write_file(path, lines_of(33, 33), "a");
	CHECK(podlog__poll(pl, ++now));
	CHECK(podlog__next_new(pl, id) && str_is(id, hex(33)));
	CHECK(!podlog__next_new(pl, id));
	podlog__free(pl);
	/* Missing at the first try: the file made later is all new. */
	unlink(path);
	pl = podlog__new();
	CHECK_INT(podlog__follow(pl, path), 0);
	CHECK(!podlog__poll(pl, now));
	write_file(path, lines_of(34, 34), "w");
	CHECK(podlog__poll(pl, now += 1000));
	CHECK(podlog__next_new(pl, id) && str_is(id, hex(34)));
	podlog__free(pl);
	unlink(path);
}

static void test_file(void)
{
	char path[256], tmp[256];
	struct podlog *pl = podlog__new();
	uint64_t now = 1;
	uint64_t seq;
	int fd;

	snprintf(path, sizeof(path), "%s/events.log", dir);
	snprintf(tmp, sizeof(tmp), "%s/rotate.tmp", dir);
	CHECK_INT(podlog__follow(pl, path), 0);

	/* Missing: tried again once a second. */
	CHECK(!podlog__poll(pl, now));
	write_file(path, lines_of(1, 3), "w");
	CHECK(!podlog__poll(pl, now += 10));
	CHECK(podlog__poll(pl, now += 1000));
	CHECK(known(pl, 1) && known(pl, 3));

	/* Appended, a line cut in two writes. */
	write_file(path, "{\"ID\":\"", "a");
	CHECK(podlog__poll(pl, ++now));
	write_file(path, lines_of(4, 4) + 7, "a");
	CHECK(!known(pl, 4));
	CHECK(podlog__poll(pl, now)); /* the same millisecond: not read again yet */
	CHECK(!known(pl, 4));
	CHECK(podlog__poll(pl, ++now));
	CHECK(known(pl, 4));

	/* Rotated: the second half in a new file, renamed over it, then a new line. */
	seq = pl->seq;
	write_file(tmp, lines_of(3, 4), "w");
	write_file(tmp, "{\"Status\":\"log-rotation\",\"Type\":\"system\"}\n", "a");
	write_file(tmp, lines_of(5, 5), "a");
	CHECK_INT(rename(tmp, path), 0);
	CHECK(podlog__poll(pl, ++now));
	CHECK(known(pl, 5));
	CHECK_INT(pl->seq - seq, 2); /* lines 3 and 4 not read twice */

	/* Rotated with lines not read yet in the old file: read from the old, then the new. */
	write_file(path, lines_of(6, 6), "a");
	seq = pl->seq;
	write_file(tmp, lines_of(5, 6), "w");
	write_file(tmp, lines_of(7, 7), "a");
	CHECK_INT(rename(tmp, path), 0);
	CHECK(podlog__poll(pl, ++now));
	CHECK(known(pl, 6) && known(pl, 7));
	CHECK_INT(pl->seq - seq, 2);

	/* Cut (truncated in place): what is there now is read from its start. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	close(fd);
	write_file(path, lines_of(8, 8), "a");
	CHECK(podlog__poll(pl, ++now));
	CHECK(known(pl, 8));

	/* Cut and written again past where reading stopped, between two polls. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	close(fd);
	write_file(path, lines_of(20, 24), "a");
	seq = pl->seq;
	CHECK(podlog__poll(pl, ++now));
	CHECK(known(pl, 20) && known(pl, 24));
	CHECK_INT(pl->seq - seq, 5);
	CHECK_INT(pl->nbad, 0);

	/* Far behind: only the last PODLOG_WINDOW bytes are read, from a whole line. */
	{
		FILE *f = fopen(path, "a");
		unsigned i;

		for (i = 100; i < 100 + 2 * PODLOG_WINDOW / 200; i++)
			fputs(lines_of(i, i), f);
		fclose(f);
		CHECK(podlog__poll(pl, ++now));
		CHECK(!known(pl, 100));
		CHECK(known(pl, i - 1));
		CHECK_INT(pl->nbad, 0);
	}

	/* Removed: the old file is done with; a new one at the path is read from its start. */
	CHECK_INT(unlink(path), 0);
	CHECK(!podlog__poll(pl, ++now));
	write_file(path, lines_of(9, 9), "w");
	CHECK(podlog__poll(pl, now += 1000));
	CHECK(known(pl, 9));

	/* A FIFO at the path: never opened for reading (it would block), never read. */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK(!podlog__poll(pl, now += 1000));
	CHECK(!podlog__poll(pl, now += 1000));
	unlink(path);
	podlog__free(pl);

	/* A huge file at the start: its last PODLOG_WINDOW bytes. */
	pl = podlog__new();
	{
		FILE *f = fopen(path, "w");

		for (unsigned i = 1000; i < 1000 + 3 * PODLOG_WINDOW / 200; i++)
			fputs(lines_of(i, i), f);
		fclose(f);
	}
	CHECK_INT(podlog__follow(pl, path), 0);
	CHECK(podlog__poll(pl, 1));
	CHECK(!known(pl, 1000));
	CHECK(known(pl, 1000 + 3 * PODLOG_WINDOW / 200 - 1));
	CHECK_INT(pl->nbad, 0);
	CHECK(pl->seq < PODLOG_WINDOW / 150);
	unlink(path);
	podlog__free(pl);
}

static void test_path(void)
{
	char path[4096], conf[256], d[256];
	const char *why;

	/* Explicit, or turned off. */
	CHECK_INT(podlog_path("/x/events.log", NULL, path, sizeof(path), &why), 0);
	CHECK(str_is(path, "/x/events.log"));
	CHECK_INT(podlog_path("none", "/run/podman/podman.sock", path, sizeof(path), &why), -1);
	CHECK(why && strstr(why, "none"));

	/* $CONTAINERS_CONF: the [engine] keys, later ones winning; other tables ignored. */
	snprintf(conf, sizeof(conf), "%s/containers.conf", dir);
	setenv("CONTAINERS_CONF", conf, 1);
	write_file(conf,
		   "[containers]\nevents_logfile_path = \"/wrong\"\n"
		   "[engine]\n  tmp_dir = \"/t\" # a comment\n"
		   "[engine.runtimes]\ntmp_dir = \"/wrong\"\n",
		   "w");
	CHECK_INT(podlog_path(NULL, "/run/podman/podman.sock", path, sizeof(path), &why), 0);
	CHECK(str_is(path, "/t/events/events.log"));
	write_file(conf, "[engine]\nevents_logfile_path='/l/e.log'\nevents_logger = \"file\"\n",
		   "a");
	CHECK_INT(podlog_path(NULL, NULL, path, sizeof(path), &why), 0);
	CHECK(str_is(path, "/l/e.log"));
	write_file(conf, "[engine]\nevents_logger = \"journald\"\n", "w");
	CHECK_INT(podlog_path(NULL, NULL, path, sizeof(path), &why), -1);
	CHECK(why && strstr(why, "journald"));
	/* Values it does not read as strings are ignored. */
	write_file(conf, "[engine]\ntmp_dir = \"/a\\tb\"\nevents_logger = 5\n", "w");
	CHECK_INT(podlog_path(NULL, NULL, path, sizeof(path), &why), 0);
	CHECK(str_is(path, "/run/libpod/events/events.log"));
	/* Unreadable or absent: the defaults. */
	snprintf(d, sizeof(d), "%s/nonexistent.conf", dir);
	setenv("CONTAINERS_CONF", d, 1);
	CHECK_INT(podlog_path(NULL, NULL, path, sizeof(path), &why), 0);
	CHECK(str_is(path, "/run/libpod/events/events.log"));
	/* A rootless Podman's socket: its user's own place (uid 4242 has no home here). */
	CHECK_INT(podlog_path(NULL, "/run/user/4242/podman/podman.sock", path, sizeof(path), &why),
		  0);
	CHECK(str_is(path, "/run/user/4242/libpod/tmp/events/events.log"));
	/* Named, it is that file whatever the socket. */
	CHECK_INT(podlog_path("/x", "/run/user/4242/podman/podman.sock", path, sizeof(path), &why),
		  0);
	CHECK(str_is(path, "/x"));
	CHECK_INT(podlog_path(NULL, "/run/user/4242/podman/podman.sockx", path, sizeof(path), &why),
		  0);
	CHECK(str_is(path, "/run/libpod/events/events.log"));
	unsetenv("CONTAINERS_CONF");
	unlink(conf);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("CTRWATCH_FIXTURES", "tests/fixtures/ctrenrich/podlog", 1);
	prog_name = "podlog";
	test_recorded();
	test_hostile();
	test_pods();
	test_bounds();
	test_resume();
	test_new();
	test_file();
	test_path();
	rmdir(dir);
	return t_done("podlog");
}
