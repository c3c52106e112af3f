/* Unit tests for common/rec_schema.c: event names and the classifier, the stages' fields. */
#include "rec.h"
#include "rec_schema.h"
#include "unit.h"

/* The event of a record line. */
static enum rec_event event_of(const char *line)
{
	static struct rec r;
	const char *err;

	if (rec_parse(&r, line, strlen(line), &err) < 0) {
		fprintf(stderr, "cannot parse %s: %s\n", line, err);
		return (enum rec_event)-1;
	}
	return rec_event_of(&r);
}

static void test_events(void)
{
	static const char *const want[] = {
	    "cgroup_mkdir",	"cgroup_rmdir",	      "cgroup_exists",	  "lost",
	    "container_create", "existing_container", "container_remove",
	};
	char line[128];

	for (int ev = 0; ev < REC_EV_OTHER; ev++) {
		CHECK(!strcmp(rec_event_name((enum rec_event)ev), want[ev]));
		CHECK_INT(rec_event_parse(want[ev], strlen(want[ev])), ev);
		snprintf(line, sizeof(line), "{\"event\":\"%s\",\"ts\":1}", want[ev]);
		CHECK_INT(event_of(line), ev);
	}
	CHECK(!strcmp(rec_event_name(REC_EV_OTHER), ""));
	CHECK(!strcmp(rec_event_name((enum rec_event)99), ""));
	CHECK_INT(rec_event_parse("", 0), REC_EV_OTHER);
	CHECK_INT(rec_event_parse("lost", 3), REC_EV_OTHER); /* a prefix is another name */
	CHECK_INT(rec_event_parse("lostx", 5), REC_EV_OTHER);
	/* Names are compared decoded: an escaped letter is the letter. */
	CHECK_INT(event_of("{\"event\":\"container_r\\u0065move\",\"ts\":1}"),
		  REC_EV_CONTAINER_REMOVE);
	CHECK_INT(event_of("{\"event\":\"Lost\",\"ts\":1}"), REC_EV_OTHER);
	CHECK_INT(event_of("{\"event\":\"lost\\u0000\",\"ts\":1}"), REC_EV_OTHER);
	CHECK_INT(event_of("{\"event\":\"container_create_and_a_very_long_tail_after_it\","
			   "\"ts\":1}"),
		  REC_EV_OTHER);
	CHECK(rec_event_is_cgroup(REC_EV_CGROUP_EXISTS) && !rec_event_is_cgroup(REC_EV_LOST));
	CHECK(rec_event_is_container(REC_EV_EXISTING_CONTAINER));
	CHECK(!rec_event_is_container(REC_EV_OTHER) && !rec_event_is_container(REC_EV_LOST));
}

static int count(const char *const *fields, const char *name)
{
	int n = 0;

	for (int i = 0; fields[i]; i++)
		n += !strcmp(fields[i], name);
	return n;
}

/* Each stage's fields are named once; only ctime is both cgtap's and ctrdetect's. */
static void test_fields(void)
{
	const char *const *stages[] = {rec_fields_cgtap, rec_fields_ctrdetect, rec_fields_ctrenrich};

	for (int s = 0; s < 3; s++)
		for (int i = 0; stages[s][i]; i++) {
			int total = 0;

			for (int t = 0; t < 3; t++)
				total += count(stages[t], stages[s][i]);
			CHECK_INT(count(stages[s], stages[s][i]), 1);
			CHECK(total == 1 || !strcmp(stages[s][i], REC_F_CTIME));
			CHECK(strcmp(stages[s][i], REC_F_EVENT) && strcmp(stages[s][i], REC_F_TS));
		}
	CHECK_INT(count(rec_fields_ctrenrich, REC_F_ENRICH_ERROR), 1);
	CHECK_INT(count(rec_fields_ctrdetect, REC_F_CONTAINER_ID), 1);
	CHECK_INT(count(rec_fields_cgtap, REC_F_PATH), 1);
}

int main(void)
{
	test_events();
	test_fields();
	return t_done("rec_schema");
}
