/*
 * Unit tests of Docker's events stream reader (cmd/ctrenrich/backend_docker_events.c): lines
 * split anywhere across reads, which events drop the image answers (gen), the create fence, and
 * what an unreadable or over-long line does.
 */
#include <stdint.h>

#include "backend_docker.h"
#include "unit.h"

#define C1 "1111111111111111111111111111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222222222222222222222222222"

#define CREATE(id)                                                                                 \
	"{\"status\":\"create\",\"id\":\"" id "\",\"Type\":\"container\",\"Action\":\"create\","   \
	"\"Actor\":{\"ID\":\"" id "\",\"Attributes\":{\"image\":\"x:1\",\"name\":\"n\"}},"         \
	"\"scope\":\"local\",\"time\":1796000000,\"timeNano\":1796000000000000000}\n"
#define START(id) "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" id "\"}}\n"
#define TAG "{\"Type\":\"image\",\"Action\":\"tag\",\"Actor\":{\"ID\":\"sha256:ab\"}}\n"

/* s fed whole; and one byte at a time (feed_bytes). */
static void feed(struct dwatch *w, const char *s)
{
	dwatch_data(w, s, strlen(s));
}

static void feed_bytes(struct dwatch *w, const char *s)
{
	for (; *s; s++)
		dwatch_data(w, s, 1);
}

int main(void)
{
	struct dwatch w;
	struct be_request rq;
	unsigned long g;
	char big[DWATCH_LINE_MAX + 100];

	memset(&w, 0, sizeof(w));

	/* The request: since now, container and image events. */
	memset(&rq, 0, sizeof(rq));
	CHECK_INT(dwatch_request(&w, &rq), 0);
	CHECK(!strncmp(rq.path, "/v1.41/events?since=", 20));
	CHECK(strstr(rq.path, "&filters=%7B%22type%22%3A%5B%22container%22%2C%22image%22%5D%7D"));
	CHECK(w.covered && !w.up && w.since_ns > 0);

	/* Not up: nothing is fenced. */
	CHECK(!dwatch_fenced(&w, C1));
	dwatch_up(&w, true);
	CHECK(w.up);

	/* A create, one byte at a time: fenced; another container is not. */
	g = w.gen;
	feed_bytes(&w, CREATE(C1));
	CHECK(dwatch_fenced(&w, C1));
	CHECK(!dwatch_fenced(&w, C2));
	CHECK_INT(w.gen, g);

	/* Container events other than create change nothing; a CRLF line end is fine. */
	feed(&w, START(C2));
	feed(&w, "\r\n");
	CHECK(!dwatch_fenced(&w, C2));
	CHECK_INT(w.gen, g);

	/* An image event, split in two reads, moves gen. */
	dwatch_data(&w, TAG, 10);
	CHECK_INT(w.gen, g);
	dwatch_data(&w, TAG + 10, strlen(TAG) - 10);
	CHECK_INT(w.gen, g + 1);
	CHECK_INT(w.image_events, 1);

	/* Two events in one read, the second one cut: only the first counts until its end comes. */
	g = w.gen;
	feed(&w, CREATE(C2) TAG);
	CHECK(dwatch_fenced(&w, C2));
	CHECK_INT(w.gen, g + 1);

	/* Garbage moves gen; so does an over-long line, once, and the next line is read again. */
	g = w.gen;
	feed(&w, "not json \x01\xff{{\n");
	CHECK_INT(w.gen, g + 1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	feed(&w, big);
	feed(&w, "yyy\n");
	CHECK_INT(w.gen, g + 2);
	feed(&w, CREATE(C1));
	CHECK_INT(w.gen, g + 2);
	CHECK(dwatch_fenced(&w, C1));

	/* The ring keeps the last DWATCH_CREATES creates: C1 is pushed out. */
	for (int i = 0; i < DWATCH_CREATES; i++) {
		char ev[sizeof(CREATE(C2))];

		snprintf(ev, sizeof(ev), CREATE("%064x"), i + 1, i + 1);
		feed(&w, ev);
	}
	CHECK(!dwatch_fenced(&w, C1));

	/* The stream ends: gen moves, nothing is fenced, no longer covered. */
	g = w.gen;
	dwatch_up(&w, false);
	CHECK_INT(w.gen, g + 1);
	CHECK(!w.up && !w.covered);
	CHECK(!dwatch_fenced(&w, C2));

	/* up without a request (a stream not asked for) is not up. */
	dwatch_up(&w, true);
	CHECK(!w.up);

	dwatch__free(&w);
	return t_done("ctrenrich_dwatch");
}
