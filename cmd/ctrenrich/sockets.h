/*
 * Where each runtime's socket is: named on the command line (--socket RUNTIME=PATH), or found
 * at the usual places. A runtime whose socket was not found is looked for again, at most once a
 * second, when a record needs it, so a daemon started (or restarted) later is used.
 */
#ifndef CTRENRICH_SOCKETS_H
#define CTRENRICH_SOCKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

struct sockets;

/* No socket known yet. NULL on ENOMEM. */
struct sockets *sockets__new(void);
void sockets__free(struct sockets *sk);

/* Name rt's socket explicitly (discovery is then off for rt). -1 when path is too long. */
int sockets__set(struct sockets *sk, enum rt rt, const char *path);

/* Look for the sockets not named explicitly (unless discover is false); -v says what was found. */
void sockets__discover(struct sockets *sk, bool discover);

/* rt's socket path, or NULL when none is known (re-discovered at most once a second). */
const char *sockets__path(struct sockets *sk, enum rt rt, uint64_t now_ms);

#endif
