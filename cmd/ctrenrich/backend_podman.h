/*
 * What the Podman backend offers the lookups that Podman's event log answers
 * (lookup_podlog.c): the one request they still make, and what earlier answers left. No I/O,
 * like every backend (backend.h). state is the backend's state (struct be_lookup's state).
 */
#ifndef CTRENRICH_BACKEND_PODMAN_H
#define CTRENRICH_BACKEND_PODMAN_H

#include <stdbool.h>

#include "backend.h"

/*
 * The digest of image (a name, as the event log gives it) that an earlier lookup was told
 * while image_gen image events had been logged, or NULL: one told under another count may
 * name another image since.
 */
const char *podman_digest(void *state, const char *image, unsigned long image_gen);

/* A pod's name and its infra container's id ("" when it has none), as a pod lookup said. */
bool podman_pod(void *state, const char *pod_id, const char **name, const char **infra_id);

/*
 * Make lk, whose create-time fields the event log gave (lk->m, lk->got_meta), ask only
 * image's digest, by name: lk->step is set, the engine sends it. -1 when the name is not one to
 * put in a URL as it is (the API is then asked from step 0). With lk->id "" (asked ahead of any
 * record: lookup_podlog.c), an answer other than the digest is an error, not an inspect.
 */
int podman_ask_digest(struct be_lookup *lk, const char *image, unsigned long image_gen);

#endif
