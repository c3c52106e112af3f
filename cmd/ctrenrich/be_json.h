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

/*
 * Call fn(ctx, v, n) for each value of the JSON array s[0, len) ("[v, v, ...]"), or, when s does
 * not begin with '[', of the values one after another in s (Docker's event stream: one object a
 * line). Values are only delimited here (strings, nesting), not validated: fn parses each one
 * alone, so a list of thousands of containers never needs tokens for more than one of them.
 * Returns the first non-zero value fn returned, 0 at the end, -1 when s is not such text.
 */
int be_json_each(const char *s, size_t len, int (*fn)(void *ctx, const char *v, size_t n),
		 void *ctx);

/*
 * %-encode s into out (cap bytes, NUL-terminated): every byte but ASCII letters, digits and
 * "-._" becomes %XX, so that a name a user typed stays one path segment. -1 when it does not fit.
 */
int be_json_pct(char *out, size_t cap, const char *s);

/* True for "sha256:" followed by 64 lowercase hex digits (safe in a URL path). */
bool be_json_image_id_ok(const char *s);

/*
 * Removal details from a State object (Status, FinishedAt, ExitCode, OOMKilled) into lk->m:
 * BE_DONE when the container has finished, BE_NOTYET when it still runs, BE_ERROR when the
 * object is not as expected.
 */
enum be_result be_json_state(struct be_lookup *lk, const struct jp *d, int st);

#endif
