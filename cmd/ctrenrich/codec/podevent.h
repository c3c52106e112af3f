/*
 * One line of Podman's event log (events_logger = "file"): a JSON object per event, written by
 * libpod's file eventer in one write(2), ended by '\n':
 *
 *   {"ID":"<64 hex>","Image":"docker.io/library/x:1","Name":"web","Status":"create",
 *    "Time":"...","Type":"container","PodID":"<64 hex>","Attributes":{"<label>":"<value>",...}}
 *
 * Every container event carries the container's current Name, Image (absent for --rootfs
 * containers), PodID (pod members only) and labels (Attributes: the image's and the
 * container's). A pod's own events: {"ID":"<pod id>","Name":"pp","Status":"create","Type":"pod"}.
 * Images, volumes, networks and the system have their own Type. Measured on Podman 4.3.1.
 */
#ifndef CTRENRICH_PODEVENT_H
#define CTRENRICH_PODEVENT_H

#include <stddef.h>

#include "jp.h"

enum podevent_type {
	PE_OTHER, /* volume, network, system, or a Type this program does not know */
	PE_CONTAINER,
	PE_POD,
	PE_IMAGE,
};

struct podevent {
	enum podevent_type type;
	char status[32]; /* "create", "remove", ...; cut to fit */
	char id[65];	 /* ID when it has 64 characters (the caller checks them), else "" */
	char pod_id[65]; /* PodID alike: a pod member's pod, or "" */
	int name, image; /* string tokens of Name and Image in the document, or -1 */
	int attrs;	 /* the Attributes object's token, or -1 (absent or null) */
};

/*
 * Read line[0, len) (no '\n') into *ev, tokenized by doc (ev's tokens index doc, which points
 * into line). 0, or -1 when the line is no event: invalid JSON, not an object, no string Type,
 * or an ID, PodID, Name or Image of the wrong type.
 */
int podevent__parse(struct podevent *ev, struct jp *doc, const char *line, size_t len);

#endif
