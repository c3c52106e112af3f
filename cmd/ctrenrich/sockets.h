/*
 * Where each runtime instance's socket is: named on the command line (--socket RUNTIME=PATH), or
 * found at the usual places. A socket that was not found is looked for again, at most once a
 * second, when a record needs it, so a daemon started (or restarted) later is used.
 */
#ifndef CTRENRICH_SOCKETS_H
#define CTRENRICH_SOCKETS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "backend.h"

/* The longest socket path (sun_path, less its NUL). */
#define SOCK_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Where one runtime instance's socket is (struct runtime's sock). */
struct rt_sock {
	char path[SOCK_PATH_MAX + 1];
	bool explicit;	   /* named with --socket: never looked for */
	bool discover;	   /* looked for at the usual places while not found */
	bool found;	   /* path holds the socket */
	uint64_t next_try; /* ms: when to look again */
};

struct sockets;

/* No socket known yet. NULL on ENOMEM. */
struct sockets *sockets__new(void);
void sockets__free(struct sockets *sk);

/* Name kind's host socket explicitly (discovery is then off for it). -1 when path is too long. */
int sockets__set(struct sockets *sk, enum rt kind, const char *path);

/* Look for the sockets not named explicitly, or (discover false) only use the named ones. */
void sockets__discover(struct sockets *sk, bool discover);

/* The host's instance of kind: its socket as named, or as found now; -v says which. */
void sockets__host(struct sockets *sk, enum rt kind, struct rt_sock *where);

/* The socket path of an instance of kind, or NULL when none is known (looked for again at most
 * once a second). */
const char *sockets__path(struct sockets *sk, enum rt kind, struct rt_sock *where, uint64_t now);

#endif
