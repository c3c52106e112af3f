/* What the JSON backends (Docker, Podman) share to read runtime answers into struct meta. */
#ifndef CTRENRICH_LABELS_H
#define CTRENRICH_LABELS_H

#include <stdbool.h>

#include "backend.h"
#include "jp.h"

/* Set field f from string token t (nothing when t < 0; "" clears). 0, or -1 (not a string, ENOMEM).
 */
int labels_str(const struct jp *d, int t, struct meta *m, enum meta_str f);

/* pod_name, pod_namespace, pod_uid from the io.kubernetes.pod.* keys of labels object token. */
int labels_pod(const struct jp *d, int labels, struct meta *m);

/* True for "sha256:" followed by 64 lowercase hex digits (safe in a URL path). */
bool labels_image_id_ok(const char *s);

/*
 * Removal details from a State object (Status, FinishedAt, ExitCode, OOMKilled) into lk->m:
 * BE_DONE when the container has finished, BE_NOTYET when it still runs, BE_ERROR when the
 * object is not as expected.
 */
enum be_result labels_state(struct be_lookup *lk, const struct jp *d, int st);

#endif
