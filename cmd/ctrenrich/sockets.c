/* Where each runtime's socket is: see sockets.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "sockets.h"

#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* The usual places, first found wins. "$XDG" stands for $XDG_RUNTIME_DIR (rootless Podman). */
static const char *const candidates[RT_N][6] = {
    [RT_DOCKER] = {"/var/run/docker.sock", "/run/docker.sock"},
    [RT_PODMAN] = {"/run/podman/podman.sock", "$XDG/podman/podman.sock"},
    [RT_CONTAINERD] = {"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
		       "/run/k3s/containerd/containerd.sock",
		       "/var/snap/microk8s/common/run/containerd.sock",
		       "/var/run/docker/containerd/containerd.sock"},
    [RT_CRIO] = {"/var/run/crio/crio.sock", "/run/crio/crio.sock"},
};

struct sockets {
	struct {
		char path[SUN_PATH_MAX + 1];
		bool explicit, discover, found;
		uint64_t next_try; /* ms: when to look again */
	} rt[RT_N];
};

struct sockets *sockets__new(void)
{
	return calloc(1, sizeof(struct sockets));
}

void sockets__free(struct sockets *sk)
{
	free(sk);
}

int sockets__set(struct sockets *sk, enum rt rt, const char *path)
{
	if (strlen(path) > SUN_PATH_MAX || !*path)
		return -1;
	strcpy(sk->rt[rt].path, path);
	sk->rt[rt].explicit = true;
	sk->rt[rt].found = true;
	return 0;
}

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* First candidate that is a socket, into sk->rt[rt].path. */
static bool discover(struct sockets *sk, enum rt rt)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	for (int i = 0; i < 6 && candidates[rt][i]; i++) {
		const char *c = candidates[rt][i];
		char p[SUN_PATH_MAX + 1];
		int n;

		if (!strncmp(c, "$XDG", 4)) {
			if (!xdg || !*xdg)
				continue;
			n = snprintf(p, sizeof(p), "%s%s", xdg, c + 4);
		} else {
			n = snprintf(p, sizeof(p), "%s", c);
		}
		if (n < 0 || (size_t)n >= sizeof(p) || !is_socket(p))
			continue;
		strcpy(sk->rt[rt].path, p);
		return true;
	}
	return false;
}

void sockets__discover(struct sockets *sk, bool disc)
{
	for (int rt = 0; rt < RT_N; rt++) {
		if (sk->rt[rt].explicit) {
			if (!is_socket(sk->rt[rt].path))
				warn("%s: no socket at '%s' (yet)", rt_name(rt), sk->rt[rt].path);
			else
				verbose("%s: %s", rt_name(rt), sk->rt[rt].path);
			continue;
		}
		sk->rt[rt].discover = disc;
		if (disc && discover(sk, rt)) {
			sk->rt[rt].found = true;
			verbose("%s: found %s", rt_name(rt), sk->rt[rt].path);
		} else if (disc) {
			verbose("%s: no socket found", rt_name(rt));
		}
	}
}

const char *sockets__path(struct sockets *sk, enum rt rt, uint64_t now)
{
	if (rt >= RT_N)
		return NULL;
	if (sk->rt[rt].found)
		return sk->rt[rt].path;
	if (!sk->rt[rt].discover || now < sk->rt[rt].next_try)
		return NULL;
	sk->rt[rt].next_try = now + 1000;
	if (discover(sk, rt)) {
		sk->rt[rt].found = true;
		verbose("%s: found %s", rt_name(rt), sk->rt[rt].path);
		return sk->rt[rt].path;
	}
	return NULL;
}
