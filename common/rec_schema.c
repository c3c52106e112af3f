/* The record contract's events and fields: see rec_schema.h. */
#include <string.h>

#include "rec_schema.h"

#define NAME(s) {s, sizeof(s) - 1}
static const struct {
	const char *s;
	size_t len;
} names[] = {
    [REC_EV_CGROUP_MKDIR] = NAME("cgroup_mkdir"),
    [REC_EV_CGROUP_RMDIR] = NAME("cgroup_rmdir"),
    [REC_EV_CGROUP_EXISTS] = NAME("cgroup_exists"),
    [REC_EV_LOST] = NAME("lost"),
    [REC_EV_CONTAINER_CREATE] = NAME("container_create"),
    [REC_EV_EXISTING_CONTAINER] = NAME("existing_container"),
    [REC_EV_CONTAINER_REMOVE] = NAME("container_remove"),
    [REC_EV_OTHER] = NAME(""),
};

const char *const rec_fields_cgtap[] = {
    REC_F_CGROUP_ID, REC_F_HIERARCHY_ID, REC_F_LEVEL, REC_F_PATH,  REC_F_PATH_TRUNCATED,
    REC_F_PATH_HEX,  REC_F_PID,		 REC_F_COMM,  REC_F_CTIME, REC_F_COUNT,
    NULL,
};

const char *const rec_fields_ctrdetect[] = {
    REC_F_RUNTIME, REC_F_CONTAINER_ID, REC_F_CTIME, REC_F_CONTAINER_ROOT, NULL,
};

const char *const rec_fields_ctrenrich[] = {
    REC_F_CONTAINER_NAME, REC_F_CONTAINER_IMAGE, REC_F_CONTAINER_IMAGE_DIGEST,
    REC_F_POD_NAME,	  REC_F_POD_NAMESPACE,	 REC_F_POD_UID,
    REC_F_POD_SANDBOX,	  REC_F_EXIT_CODE,	 REC_F_FINISHED_AT,
    REC_F_OOM_KILLED,	  REC_F_ENRICH_ERROR,	 NULL,
};

const char *rec_event_name(enum rec_event ev)
{
	return names[ev < REC_EV_OTHER ? ev : REC_EV_OTHER].s;
}

enum rec_event rec_event_parse(const char *s, size_t len)
{
	for (int ev = 0; ev < REC_EV_OTHER; ev++)
		if (names[ev].len == len && !memcmp(names[ev].s, s, len))
			return (enum rec_event)ev;
	return REC_EV_OTHER;
}

enum rec_event rec_event_of(const struct rec *r)
{
	char buf[32]; /* longer than any event name */
	long n = rec_str(r, r->event, buf, sizeof(buf));

	if (n < 0 || (size_t)n >= sizeof(buf))
		return REC_EV_OTHER;
	return rec_event_parse(buf, (size_t)n);
}
