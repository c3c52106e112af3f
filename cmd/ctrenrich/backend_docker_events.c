/*
 * Docker's events stream, followed to keep image-by-name answers (backend_docker.c) for as long
 * as no image event says they may be stale, instead of a second.
 *
 * The stream: GET /v1.41/events?since=T0&filters={"type":["container","image"]}, asked (by
 * transport.c) once a create was asked of that dockerd, kept open, and asked again at most once a
 * second after it ended. T0 is the wall clock when it is asked for: dockerd sends every event
 * logged since T0 (from its ring of recent events), then each new one, in the order it logged
 * them (events.Log appends to the ring and publishes to every subscriber, one event after the
 * other, and the subscription is made under the ring's lock: nothing falls between the two).
 *
 * The rule (dwatch_fenced): an image answer asked after T0 (covered) is used for a container's
 * create while the stream is up, no image event and no unreadable line came since it was asked
 * (gen), and the stream has delivered that container's own create event. Why that is as safe as
 * asking again:
 * - A tag moved before a create ("docker tag B x; docker run x"): dockerd logs the tag event
 *   before `docker tag` returns, so before the container's create event, and the stream
 *   delivers them in that order. Once the create was delivered, the tag was too: gen moved, and
 *   the image is asked again. A create not yet delivered when its cgroup appears (it is logged
 *   before the start begins, so this is rare) is answered by asking, as without the stream.
 * - A tag moved after the answer was asked, or while it was in flight: its event comes after T0,
 *   so the stream delivers it, and the answer is dropped on its arrival (or not kept: its gen
 *   moved while it was asked).
 * - The stream is late to connect: an answer asked between T0 and the 200 is covered, as the
 *   events since T0 are sent first. The stream fails or ends: gen moves, every answer is dropped,
 *   and until it is up again image answers are kept for IMAGE_NAME_TTL_MS, as without it.
 * - dockerd drops events for a subscriber that lags by 1,024 of them; the stream is read at
 *   every turn of the loop and carries only container and image events, so it cannot lag so far
 *   without the loop stalling for seconds (and then every lookup has timed out anyway).
 * Container events are followed (not only image ones) for the create fence alone: the events
 * filter cannot ask for "image events, and container creates" (its keys are and-ed), and an
 * event-name filter on image events would miss any action a later dockerd adds.
 * What the name names is the image now, not the one dockerd resolved at the create: a tag moved
 * between a container's create and its start is seen as today (the replay gives no image id).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend_docker.h"

/* filters={"type":["container","image"]}, %-encoded */
#define WATCH_FILTER "%7B%22type%22%3A%5B%22container%22%2C%22image%22%5D%7D"

void dwatch__free(struct dwatch *w)
{
	buf__free(&w->line);
	jp__free(&w->doc);
}

int dwatch_request(struct dwatch *w, struct be_request *rq)
{
	struct timespec now;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	n = snprintf(rq->path, sizeof(rq->path), "/v1.41/events?since=%lld.%09ld&filters=%s",
		     (long long)now.tv_sec, now.tv_nsec, WATCH_FILTER);
	if (n < 0 || (size_t)n >= sizeof(rq->path))
		return -1;
	w->since_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	w->covered = true;
	w->up = false;
	buf__reset(&w->line);
	w->skip = false;
	return 0;
}

void dwatch_up(struct dwatch *w, bool up)
{
	if (up) {
		w->up = w->covered;
		return;
	}
	w->gen++;
	w->up = w->covered = false;
}

/* One whole line of the stream: an event. */
static void on_line(struct dwatch *w, const char *s, size_t len)
{
	struct jp *doc = &w->doc;
	char id[80];

	while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (!len)
		return;
	w->events++;
	if (jp__parse(doc, s, len) < 0 || !jp__is_obj(doc, 0)) {
		w->gen++; /* not an event: what it was is unknown, so assume the worst */
		return;
	}
	if (jp__str_eq(doc, jp__key(doc, 0, "Type"), "container")) {
		if (jp__str_eq(doc, jp__key(doc, 0, "Action"), "create") &&
		    jp__str(doc, jp__path(doc, 0, "Actor.ID"), id, sizeof(id)) == 64 &&
		    be_id_hex64(id, 64))
			memcpy(w->creates[w->ncreates++ % DWATCH_CREATES], id, 64);
		return;
	}
	/* An image event, or one of a type not asked for: any of them drops the answers. */
	w->image_events++;
	w->gen++;
}

void dwatch_data(struct dwatch *w, const char *p, size_t len)
{
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		if (w->skip) {
			w->skip = !nl;
		} else if (w->line.len + n > DWATCH_LINE_MAX || buf__put(&w->line, p, n) < 0) {
			w->gen++; /* an event too long to read: assume the worst */
			buf__reset(&w->line);
			w->skip = !nl;
		} else if (nl) {
			on_line(w, w->line.data, w->line.len);
			buf__reset(&w->line);
		}
		if (!nl)
			break;
		p = nl + 1;
		len -= n + 1;
	}
}

bool dwatch_fenced(const struct dwatch *w, const char *id)
{
	unsigned n = w->ncreates < DWATCH_CREATES ? w->ncreates : DWATCH_CREATES;

	if (!w->up)
		return false;
	/* Newest first: the create asked about is nearly always the last one delivered. */
	for (unsigned i = 1; i <= n; i++)
		if (!memcmp(w->creates[(w->ncreates - i) % DWATCH_CREATES], id, 64))
			return true;
	return false;
}
