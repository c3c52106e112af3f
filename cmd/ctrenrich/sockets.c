/* Where each runtime instance's socket is: see sockets.h. */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hier.h"
#include "log.h"
#include "sockets.h"

#define NCAND 6

/* The usual places on the host, first found wins. "$XDG" stands for $XDG_RUNTIME_DIR (rootless
 * Podman, when ctrenrich runs as that user). */
static const char *const host_cands[RT_N][NCAND] = {
    [RT_DOCKER] = {"/var/run/docker.sock", "/run/docker.sock"},
    [RT_PODMAN] = {"/run/podman/podman.sock", "$XDG/podman/podman.sock"},
    [RT_CONTAINERD] = {"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
		       "/run/k3s/containerd/containerd.sock",
		       "/var/snap/microk8s/common/run/containerd.sock",
		       "/var/run/docker/containerd/containerd.sock"},
    [RT_CRIO] = {"/var/run/crio/crio.sock", "/run/crio/crio.sock"},
};

/* A user's sockets ("%u": the uid), owned by that user. Rootless containerd (nerdctl's
 * containerd-rootless.sh) is not among them: its socket is in RootlessKit's mount namespace. */
static const char *const user_cands[RT_N][NCAND] = {
    [RT_DOCKER] = {"/run/user/%u/docker.sock"},
    [RT_PODMAN] = {"/run/user/%u/podman/podman.sock"},
};

/* Inside an outer container, resolved in its root (symbolic links too): /run, not /var/run. */
static const char *const nested_cands[RT_N][NCAND] = {
    [RT_DOCKER] = {"run/docker.sock"},
    [RT_PODMAN] = {"run/podman/podman.sock"},
    [RT_CONTAINERD] = {"run/containerd/containerd.sock", "run/docker/containerd/containerd.sock",
		       "run/k3s/containerd/containerd.sock"},
    [RT_CRIO] = {"run/crio/crio.sock"},
};

struct place {
	bool used;
	enum place_kind kind;
	unsigned uid;
	int hier;
	char outer[PLACE_PATH_MAX + 1];
	char where[48];	    /* sockets__where */
	int rootfd;	    /* PLACE_NESTED: the outer container's root, held open (> 2) */
	uint64_t used_at;   /* ms: last needed */
	uint64_t next_root; /* ms: when to look for the root again */
	char why[128];	    /* sockets__why */
};

struct sockets {
	struct rt_sock host[RT_N]; /* as the options named them */
	bool discover;
	struct place places[PLACE_MAX];
	struct hiers hs; /* the hierarchies' mounts, read when a nested place first needs them */
	bool hs_loaded;
};

struct sockets *sockets__new(void)
{
	struct sockets *sk = calloc(1, sizeof(struct sockets));

	if (sk)
		sk->places[0].used = true;
	return sk;
}

static void close_fd(int *fd)
{
	if (*fd > 2)
		close(*fd);
	*fd = 0;
}

void sockets__free(struct sockets *sk)
{
	if (!sk)
		return;
	for (int p = 0; p < PLACE_MAX; p++)
		close_fd(&sk->places[p].rootfd);
	if (sk->hs_loaded)
		hiers__free(&sk->hs);
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

/* First host candidate that is a socket, into w->path. */
static bool discover_host(enum rt kind, struct rt_sock *w)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	for (int i = 0; i < NCAND && host_cands[kind][i]; i++) {
		const char *c = host_cands[kind][i];
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

/* First socket of kind of user uid, owned by that user (not a link to another's socket). */
static bool discover_user(unsigned uid, enum rt kind, struct rt_sock *w)
{
	for (int i = 0; i < NCAND && user_cands[kind][i]; i++) {
		char p[SOCK_PATH_MAX + 1];
		struct stat st;

		snprintf(p, sizeof(p), user_cands[kind][i], uid);
		if (stat(p, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == uid) {
			strcpy(w->path, p);
			return true;
		}
	}
	return false;
}

/* First socket of kind in the outer container's root, held open: connected to through
 * /proc/self/fd/N, which the kernel follows to the socket. */
static bool discover_nested(struct place *pl, enum rt kind, struct rt_sock *w)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0; i < NCAND && nested_cands[kind][i]; i++) {
		int fd = (int)syscall(SYS_openat2, pl->rootfd, nested_cands[kind][i], &how,
				      sizeof(how));
		struct stat st;

		if (fd < 0)
			continue;
		if (fstat(fd, &st) || !S_ISSOCK(st.st_mode)) {
			close(fd);
			continue;
		}
		close_fd(&w->fd);
		w->fd = fd;
		snprintf(w->path, sizeof(w->path), "/proc/self/fd/%d", fd);
		return true;
	}
	return false;
}

/* The outer container's root of nested place pl, found anew at most once a second. */
static bool nested_root_of(struct sockets *sk, struct place *pl, uint64_t now)
{
	if (pl->rootfd > 2)
		return true;
	if (now < pl->next_root)
		return false;
	pl->next_root = now + 1000;
	if (!sk->hs_loaded) {
		if (hiers__load(&sk->hs) < 0) {
			snprintf(pl->why, sizeof(pl->why), "cannot read this host's cgroups");
			return false;
		}
		sk->hs_loaded = true;
	}
	pl->rootfd = nested_root(&sk->hs, pl->hier, pl->outer, pl->why, sizeof(pl->why));
	if (pl->rootfd < 0) {
		pl->rootfd = 0;
		return false;
	}
	pl->why[0] = '\0';
	verbose("runtimes%s: its root found", pl->where);
	return true;
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
	if (sk->discover && discover_host(kind, w)) {
		w->found = true;
		verbose("%s: found %s", rt_name(kind), w->path);
	} else if (sk->discover) {
		verbose("%s: no socket found", rt_name(kind));
	}
}

static bool place_is(const struct place *pl, const struct place_key *k)
{
	if (!pl->used || pl->kind != k->kind)
		return false;
	if (k->kind == PLACE_USER)
		return pl->uid == k->uid;
	return pl->hier == k->hier && strlen(pl->outer) == k->outer_len &&
	       !memcmp(pl->outer, k->outer, k->outer_len);
}

int sockets__place(struct sockets *sk, const struct place_key *k, uint64_t now,
		   bool (*busy)(void *ctx, unsigned place), void *ctx, bool *fresh)
{
	struct place *pl;
	int p, pick = -1;

	*fresh = false;
	if (k->kind == PLACE_HOST || k->outer_len > PLACE_PATH_MAX)
		return 0;
	for (p = 1; p < PLACE_MAX; p++)
		if (place_is(&sk->places[p], k)) {
			sk->places[p].used_at = now;
			return p;
		}
	for (p = 1; p < PLACE_MAX; p++) {
		pl = &sk->places[p];
		if (!pl->used) {
			pick = p;
			break;
		}
		if (!busy(ctx, (unsigned)p) &&
		    (pick < 0 || pl->used_at < sk->places[pick].used_at))
			pick = p;
	}
	if (pick < 0)
		return -1;
	pl = &sk->places[pick];
	close_fd(&pl->rootfd);
	memset(pl, 0, sizeof(*pl));
	pl->used = true;
	pl->kind = k->kind;
	pl->used_at = now;
	if (k->kind == PLACE_USER) {
		pl->uid = k->uid;
		snprintf(pl->where, sizeof(pl->where), " of user %u", k->uid);
	} else {
		pl->hier = k->hier;
		memcpy(pl->outer, k->outer, k->outer_len);
		snprintf(pl->where, sizeof(pl->where), " in container %.12s", k->outer_id);
		/* outer_id is a container id as ctrdetect's rules read it: no control bytes */
		for (char *c = pl->where; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
	}
	if (!sk->discover)
		snprintf(pl->why, sizeof(pl->why), "not looked for (--no-discover)");
	verbose("runtimes%s: asked from now on", pl->where);
	*fresh = true;
	return pick;
}

const char *sockets__where(const struct sockets *sk, unsigned p)
{
	return p < PLACE_MAX ? sk->places[p].where : "";
}

const char *sockets__why(const struct sockets *sk, unsigned p)
{
	return p < PLACE_MAX ? sk->places[p].why : "";
}

const char *sockets__path(struct sockets *sk, unsigned p, enum rt kind, struct rt_sock *w,
			  uint64_t now)
{
	struct place *pl = &sk->places[p < PLACE_MAX ? p : 0];
	bool found = false;

	if (kind >= RT_N)
		return NULL;
	if (w->found)
		return w->path;
	if (p == 0 ? !w->discover : !sk->discover)
		return NULL;
	if (now < w->next_try)
		return NULL;
	w->next_try = now + 1000;
	switch (pl->kind) {
	case PLACE_HOST:
		found = discover_host(kind, w);
		break;
	case PLACE_USER:
		found = discover_user(pl->uid, kind, w);
		break;
	case PLACE_NESTED:
		found = nested_root_of(sk, pl, now) && discover_nested(pl, kind, w);
		break;
	}
	if (!found)
		return NULL;
	w->found = true;
	verbose("%s%s: found %s", rt_name(kind), pl->where, w->path);
	return w->path;
}

void sockets__lost(struct sockets *sk, unsigned p, struct rt_sock *w)
{
	struct place *pl = &sk->places[p < PLACE_MAX ? p : 0];

	if (p == 0 || w->explicit || !w->found)
		return;
	close_fd(&w->fd);
	w->found = false;
	w->next_try = 0;
	/* The outer container may have gone, or been started anew: its root too. */
	if (pl->kind == PLACE_NESTED)
		close_fd(&pl->rootfd);
}

void sockets__close(struct rt_sock *w)
{
	close_fd(&w->fd);
	w->found = false;
}
