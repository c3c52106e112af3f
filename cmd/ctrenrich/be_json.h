/*
 * What the JSON backends (Docker, Podman) share on top of backend.h: reading their
 * Docker-shaped answers (codec/jp.h) into struct meta: strings, Kubernetes labels, and a
 * container's State as removal details.
 */
#ifndef CTRENRICH_BE_JSON_H
#define CTRENRICH_BE_JSON_H

#include <stdbool.h>

#include "backend.h"
#include "codec/jp.h"

/* A JSON backend's state begins with its tokenizer, reused: this frees it (struct backend). */
void be_json_state_free(void *state);

/* Set field f from string token t (nothing when t < 0; "" clears). 0, or -1 (not a string, ENOMEM).
 */
int be_json_str(const struct jp *d, int t, struct meta *m, enum meta_str f);

/* pod_name, pod_namespace, pod_uid from the Kubernetes keys (k8s.h) of labels object token. */
int be_json_pod(const struct jp *d, int labels, struct meta *m);

/* True for "sha256:" followed by 64 lowercase hex digits (safe in a URL path). */
bool be_json_image_id_ok(const char *s);

/*
 * Removal details from a State object (Status, FinishedAt, ExitCode, OOMKilled) into lk->m:
 * BE_DONE when the container has finished, BE_NOTYET when it still runs, BE_ERROR when the
 * object is not as expected.
 */
enum be_result be_json_state(struct be_lookup *lk, const struct jp *d, int st);

#endif
