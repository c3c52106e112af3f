/*
 * The record contract (ctr-records(7)) in one place: the events, their names, and the fields
 * each stage owns. Every program names events and fields through this header, never by
 * literals, so a change to the contract is a change here, to the man page and to its tests.
 *
 *   stage      reads                        writes (and owns the fields it adds)
 *   cgtap      the kernel, cgroupfs         cgroup_mkdir, cgroup_rmdir, cgroup_exists, lost
 *   ctrdetect  cgroup records               container_create, existing_container,
 *                                           container_remove; lost passes through
 *   ctrenrich  container records            the same, with the runtime's fields added
 *   ctrfmt     any record                   text (a table, Tracee-style JSON, columns)
 *
 * A stage keeps every field it does not own, unchanged and in order; one it owns that is already
 * there is replaced, never repeated.
 */
#ifndef CTRWATCH_REC_SCHEMA_H
#define CTRWATCH_REC_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"

/* Every event a record can name; REC_EV_OTHER for any other name (a user's own records). */
enum rec_event {
	REC_EV_CGROUP_MKDIR,	   /* cgtap: a cgroup directory made */
	REC_EV_CGROUP_RMDIR,	   /* cgtap: one removed */
	REC_EV_CGROUP_EXISTS,	   /* cgtap --scan: one there at start */
	REC_EV_LOST,		   /* cgtap: records the kernel could not hand over */
	REC_EV_CONTAINER_CREATE,   /* ctrdetect, from cgroup_mkdir of a container's root */
	REC_EV_EXISTING_CONTAINER, /* ctrdetect, from cgroup_exists */
	REC_EV_CONTAINER_REMOVE,   /* ctrdetect, from cgroup_rmdir */
	REC_EV_OTHER,
};

/* The event's name as records spell it ("cgroup_mkdir"); "" for REC_EV_OTHER. */
const char *rec_event_name(enum rec_event ev);

/* The event named by s[0, len), or REC_EV_OTHER. */
enum rec_event rec_event_parse(const char *s, size_t len);

/* The event of a parsed record (its "event" value, decoded), or REC_EV_OTHER. */
enum rec_event rec_event_of(const struct rec *r);

/* True for the three cgroup events, which cgtap makes and ctrdetect reads. */
static inline bool rec_event_is_cgroup(enum rec_event ev)
{
	return ev == REC_EV_CGROUP_MKDIR || ev == REC_EV_CGROUP_RMDIR || ev == REC_EV_CGROUP_EXISTS;
}

/* True for the three container events, which ctrdetect makes and ctrenrich enriches. */
static inline bool rec_event_is_container(enum rec_event ev)
{
	return ev == REC_EV_CONTAINER_CREATE || ev == REC_EV_EXISTING_CONTAINER ||
	       ev == REC_EV_CONTAINER_REMOVE;
}

/* Every record. */
#define REC_F_EVENT "event" /* string: the event name */
#define REC_F_TS "ts"	    /* integer: ns since the epoch */

/* cgtap: cgroup_mkdir, cgroup_rmdir, cgroup_exists (ctime), lost (count). */
#define REC_F_CGROUP_ID "cgroup_id"		/* integer: the directory's inode */
#define REC_F_HIERARCHY_ID "hierarchy_id"	/* integer: 0 on cgroup v2 */
#define REC_F_LEVEL "level"			/* integer: depth, the root is 0 */
#define REC_F_PATH "path"			/* string: from the hierarchy's root, leading '/' */
#define REC_F_PATH_TRUNCATED "path_truncated" /* true when path was cut */
#define REC_F_PATH_HEX "path_hex"		/* string: path's bytes when not valid UTF-8 */
#define REC_F_PID "pid"				/* integer: the task that made the change */
#define REC_F_COMM "comm"			/* string: its command name */
#define REC_F_CTIME "ctime"			/* integer: ns; cgtap: st_ctime; ctrdetect: creation */
#define REC_F_COUNT "count"			/* integer: lost records */

/* ctrdetect: the container events (and, with --all, any record it marks). */
#define REC_F_RUNTIME "runtime"		      /* string: docker, containerd, crio, ... */
#define REC_F_CONTAINER_ID "container_id"     /* string */
#define REC_F_CONTAINER_ROOT "container_root" /* bool, --all only */

/* ctrenrich: what the runtime said. */
#define REC_F_CONTAINER_NAME "container_name"
#define REC_F_CONTAINER_IMAGE "container_image"
#define REC_F_CONTAINER_IMAGE_DIGEST "container_image_digest"
#define REC_F_POD_NAME "pod_name"
#define REC_F_POD_NAMESPACE "pod_namespace"
#define REC_F_POD_UID "pod_uid"
#define REC_F_POD_SANDBOX "pod_sandbox" /* bool */
#define REC_F_EXIT_CODE "exit_code"	/* container_remove, when the runtime knows */
#define REC_F_FINISHED_AT "finished_at"
#define REC_F_OOM_KILLED "oom_killed"
#define REC_F_ENRICH_ERROR "enrich_error" /* string: why the fields could not be had */

/* The fields each stage adds (NULL-terminated, in the order it writes them). */
extern const char *const rec_fields_cgtap[];
extern const char *const rec_fields_ctrdetect[];
extern const char *const rec_fields_ctrenrich[];

#endif
