/*
 * Podman's event log, read to answer a Podman create before its API can.
 *
 * Every libpod API answer about a container waits for the container's lock, which init and
 * start hold until the start completes (~60-125 ms after the cgroup mkdir; REPORT.md section 9).
 * With events_logger = "file", Podman appends one JSON line per event to its event log
 * (codec/podevent.h), and a container's "create" line is there before its cgroup's mkdir.
 * ctrenrich follows that file and keeps what the lines say:
 *
 *	containers	by id, from their create line: name (renames followed), image,
 *			Kubernetes labels, pod; at most PODLOG_CONTAINERS, the least
 *			recently seen evicted first
 *	pods		by id, from their create line: name, and which of their
 *			containers was created before it: the infra container, the pod's
 *			sandbox; at most PODLOG_PODS
 *	image events	counted: an image digest asked by name is reused only while no
 *			image event (pull, tag, untag, load, build, remove) was logged since
 *	new creates	the last PODLOG_NEW containers whose create line was read since
 *			asked (not those the first open reads back): their image's digest
 *			is asked before their record comes (lookup_podlog.c)
 *
 * Two files, one struct: podlog.c reads lines into those maps and answers (no I/O, unit
 * tested on recorded lines); podlog_file.c finds the file (--podman-events, containers.conf,
 * the default paths) and reads what was appended since the last read, bounded, following
 * rotation and truncation. The lookup that uses it is lookup_podlog.c.
 */
#ifndef CTRENRICH_PODLOG_H
#define CTRENRICH_PODLOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"
#include "buf.h"
#include "codec/jp.h"

#define PODLOG_CONTAINERS 2048	    /* containers remembered */
#define PODLOG_PODS 512		    /* pods remembered */
#define PODLOG_STR_MAX 512	    /* a longer name, image or label: that container is not kept */
#define PODLOG_LINE_MAX (64 * 1024) /* a longer line is skipped */
/* The most read at once: read back on open or rotation, and kept of what was appended. */
#define PODLOG_WINDOW (256 * 1024)
#define PODLOG_TAIL 64 /* bytes before the offset checked at each poll */
/* Containers whose create line was read and not yet taken (podlog__next_new). */
#define PODLOG_NEW 8

struct podlog {
	/* What the lines said (podlog.c). */
	struct htab *ctrs, *pods;
	struct jp doc;
	struct buf line;	   /* a line cut by the end of a read, kept for the next */
	struct buf last;	   /* the last line read: where to go on in a rotated file */
	bool skipping;		   /* dropping bytes up to the next '\n' (a long or partial line) */
	uint64_t seq;		   /* lines read, ever */
	unsigned long image_gen;   /* image events read, ever */
	unsigned long nbad, nlong; /* lines that are not events; lines over PODLOG_LINE_MAX */
	/* Containers whose first create line was read since the last podlog__next_new: a ring. */
	char fresh[PODLOG_NEW][65];
	unsigned fresh_at, nfresh;
	/* The file (podlog_file.c). */
	char path[PATH_MAX];
	int fd; /* -1: not open */
	dev_t dev;
	ino_t ino;
	off_t off;		/* read up to here */
	char tail[PODLOG_TAIL]; /* the last bytes read, up to off: the file cut and written again */
	unsigned tail_len;	/* past off is told by them no longer being there */
	uint64_t next_open;	/* ms: when to try opening again */
	uint64_t polled;	/* ms: the last poll */
	bool warned;		/* a bad line was reported (once per file) */
	bool history;		/* the first open is still to come: what it reads back is not new */
	dev_t watched_dev;	/* lookup_podlog.c: the file watched for writes (ino 0: none) */
	ino_t watched_ino;
	char *chunk;		/* the read buffer, PODLOG_WINDOW bytes */
};

/* ---- podlog.c: the lines ---- */

/* Empty maps, no file. NULL with errno on failure. */
struct podlog *podlog__new(void);
void podlog__free(struct podlog *pl);

/* Bytes of the log, in order: cut into lines; a last line without its '\n' waits for the rest. */
void podlog__feed(struct podlog *pl, const char *data, size_t len);

/*
 * The bytes fed next do not follow those fed before (a new file, a read that skipped ahead):
 * a cut line kept is dropped; with mid_line, so is everything up to the first '\n' fed.
 */
void podlog__restart(struct podlog *pl, bool mid_line);

enum podlog_find {
	PODLOG_UNKNOWN,	 /* no create line read for this id (or it is not kept) */
	PODLOG_NEED_POD, /* known, in a pod the log cannot name, or whose sandbox it cannot tell */
	PODLOG_FOUND,	 /* everything but the image digest */
};

/* What the log says about a container. Pointers stay valid until the next podlog__* call. */
struct podlog_answer {
	const struct meta *m;	 /* name, image; pod_name, pod_namespace, pod_uid from its labels */
	const char *image;	 /* m's image, "" when none (a --rootfs container) */
	const char *pod_id;	 /* its pod, "" when none */
	const char *pod_name;	 /* PODLOG_FOUND in a pod: the Podman pod's name */
	bool sandbox;		 /* PODLOG_FOUND: the pod's infra container */
	unsigned long image_gen; /* image events read before its create line */
};

/* What the log says about container id (64 hex), into *a. */
enum podlog_find podlog__find(struct podlog *pl, const char *id, struct podlog_answer *a);

/*
 * The id (64 hex) of a container whose first create line was read since, into id: the oldest
 * of the last PODLOG_NEW (older ones are dropped). false when there is none. What the first open
 * of the file reads back is history, not new.
 */
bool podlog__next_new(struct podlog *pl, char id[65]);

/*
 * Where to go on in data[0, len), the start of a file that replaced the one read so far (Podman
 * rotates its log by copying its second half into a new file): just after the last line read,
 * when data holds it; else 0 (all of it is new).
 */
size_t podlog__resume(const struct podlog *pl, const char *data, size_t len);

/* ---- podlog_file.c: the file ---- */

/*
 * Where the event log of the Podman behind socket is, into path (cap bytes): explicit when
 * given ("none": -1, no log), else from containers.conf ($CONTAINERS_CONF, or the system's files,
 * and the user's own for a rootless socket /run/user/<uid>/podman/podman.sock):
 * events_logfile_path, or tmp_dir/events/events.log, or the default tmp_dir (/run/libpod; rootless:
 * /run/user/<uid>/libpod/tmp). 0; or -1 when the logger is not "file" (*why says what it is).
 */
int podlog_path(const char *explicit, const char *socket, char *path, size_t cap, const char **why);

/* Follow the file at path (from its last PODLOG_WINDOW bytes on). -1 when path is too long. */
int podlog__follow(struct podlog *pl, const char *path);

/*
 * Read what was appended since the last poll (at most once a millisecond; of more than
 * PODLOG_WINDOW bytes, the last PODLOG_WINDOW), opening the file first when needed (at most
 * once a second while it is missing), going on where it left off in a file that replaced it,
 * from the start of one that was cut. Never blocks but on the read of a regular file. True
 * when the file is open.
 */
bool podlog__poll(struct podlog *pl, uint64_t now_ms);

#endif
