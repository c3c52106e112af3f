/* Where each runtime instance's socket is: see sockets.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "log.h"
#include "sockets.h"

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
	struct rt_sock host[RT_N]; /* as the options named them */
	bool discover;
};

struct sockets *sockets__new(void)
{
	return calloc(1, sizeof(struct sockets));
}

void sockets__free(struct sockets *sk)
{
	free(sk);
}

int sockets__set(struct sockets *sk, enum rt kind, const char *path)
{
	if (strlen(path) > SOCK_PATH_MAX || !*path)
		return -1;
	strcpy(sk->host[kind].path, path);
	sk->host[kind].explicit = true;
	sk->host[kind].found = true;
	return 0;
}

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* First candidate that is a socket, into w->path. */
static bool discover(enum rt kind, struct rt_sock *w)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	for (int i = 0; i < 6 && candidates[kind][i]; i++) {
		const char *c = candidates[kind][i];
		char p[SOCK_PATH_MAX + 1];
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
		strcpy(w->path, p);
		return true;
	}
	return false;
}

void sockets__discover(struct sockets *sk, bool disc)
{
	sk->discover = disc;
}

void sockets__host(struct sockets *sk, enum rt kind, struct rt_sock *w)
{
	*w = sk->host[kind];
	if (w->explicit) {
		if (!is_socket(w->path))
			warn("%s: no socket at '%s' (yet)", rt_name(kind), w->path);
		else
			verbose("%s: %s", rt_name(kind), w->path);
		return;
	}
	w->discover = sk->discover;
	if (sk->discover && discover(kind, w)) {
		w->found = true;
		verbose("%s: found %s", rt_name(kind), w->path);
	} else if (sk->discover) {
		verbose("%s: no socket found", rt_name(kind));
	}
}

const char *sockets__path(struct sockets *sk, enum rt kind, struct rt_sock *w, uint64_t now)
{
	(void)sk;
	if (kind >= RT_N)
		return NULL;
	if (w->found)
		return w->path;
	if (!w->discover || now < w->next_try)
		return NULL;
	w->next_try = now + 1000;
	if (discover(kind, w)) {
		w->found = true;
		verbose("%s: found %s", rt_name(kind), w->path);
		return w->path;
	}
	return NULL;
}
