/*
 * Where each runtime instance's socket is.
 *
 * Places: a record's cgroup path says where its runtime runs, and so which sockets to ask.
 *
 *	host	the usual places (below), or the socket named with --socket RUNTIME=PATH
 *	user	a path below user@<uid>.service (rootless Docker and Podman, their containers in
 *		that user's slice): /run/user/<uid>/docker.sock, /run/user/<uid>/podman/podman.sock,
 *		owned by that user
 *	nested	a container cgroup below another container's (Docker-in-Docker, a kind node):
 *		the runtime inside the outer container, its socket in the outer container's mount
 *		namespace, reached through /proc/<pid>/root of one of its processes (nested.c)
 *
 * A place other than the host's is made when a record first needs it, so the sockets of a user
 * who logs in later, or of a container started later, are found when their first container
 * appears. At most PLACE_MAX places are known at once, the host's included; when all are taken,
 * the least recently used one that no record is waiting on makes room (a record that finds none
 * waits for one: lookup.c).
 *
 * A socket that was not found is looked for again, at most once a second, when a record needs
 * it, so a daemon started (or restarted) later is used.
 */
#ifndef CTRENRICH_SOCKETS_H
#define CTRENRICH_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "backend.h"

/* The longest socket path (sun_path, less its NUL). */
#define SOCK_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Places known at once, the host's (place 0) included. */
#define PLACE_MAX 16
/* The longest outer container cgroup path kept; a longer one's records are asked of the host. */
#define PLACE_PATH_MAX 1023

/* Where one runtime instance's socket is (struct runtime's sock). */
struct rt_sock {
	char path[SOCK_PATH_MAX + 1];
	bool explicit;	   /* named with --socket: never looked for */
	bool discover;	   /* looked for at the usual places while not found */
	bool found;	   /* path holds the socket */
	int fd;		   /* found inside an outer container: the socket, held open (> 2) */
	uint64_t next_try; /* ms: when to look again */
};

enum place_kind { PLACE_HOST, PLACE_USER, PLACE_NESTED };

/* A record's place, as its cgroup path says (place_of). Pointers are into that path. */
struct place_key {
	enum place_kind kind;
	unsigned uid; /* PLACE_USER */
	int hier;     /* PLACE_NESTED: the record's hierarchy */
	const char *outer; /* PLACE_NESTED: the outer container's cgroup path, outer_len bytes */
	size_t outer_len;
	const char *outer_id; /* PLACE_NESTED: its id, for messages */
	size_t outer_id_len;
};

struct sockets;
struct hiers;

/* No socket known yet. NULL on ENOMEM. */
struct sockets *sockets__new(void);
void sockets__free(struct sockets *sk);

/* Name kind's host socket explicitly (discovery is then off for it). -1 when path is too long. */
int sockets__set(struct sockets *sk, enum rt kind, const char *path);

/* Look for the sockets not named explicitly, or (discover false) only use the named ones. */
void sockets__discover(struct sockets *sk, bool discover);

/* The host's instance of kind: its socket as named, or as found now; -v says which. */
void sockets__host(struct sockets *sk, enum rt kind, struct rt_sock *where);

/*
 * The place for k (0: the host's): known, or made now in the place of the least recently used
 * one for which busy(ctx, place) is false (*fresh then: its instances start anew). -1 when
 * every place is busy.
 */
int sockets__place(struct sockets *sk, const struct place_key *k, uint64_t now,
		   bool (*busy)(void *ctx, unsigned place), void *ctx, bool *fresh);

/* Place p for messages: "" (the host), " of user 1000", " in container 7232fa5b7fe3". */
const char *sockets__where(const struct sockets *sk, unsigned p);

/* Why place p's sockets cannot be reached now ("" when nothing is known against them). */
const char *sockets__why(const struct sockets *sk, unsigned p);

/* The socket path of place p's instance of kind, or NULL when none is known (looked for again
 * at most once a second). */
const char *sockets__path(struct sockets *sk, unsigned p, enum rt kind, struct rt_sock *where,
			  uint64_t now);

/* Connecting to where failed: forget it, to look for it anew (not a socket named explicitly). */
void sockets__lost(struct sockets *sk, unsigned p, struct rt_sock *where);

/* Close what where holds (an instance that leaves). */
void sockets__close(struct rt_sock *where);

/* nested.c: the place the cgroup path[0, len) of hierarchy hier says (PLACE_HOST when no other). */
void place_of(const char *path, size_t len, int hier, struct place_key *k);

/*
 * nested.c: the root directory (an O_PATH descriptor) of a process of the outer container whose
 * cgroup is outer in hierarchy hier, or -1 with why (a short reason) filled.
 */
int nested_root(struct hiers *hs, int hier, const char *outer, char *why, size_t whycap);

#endif
