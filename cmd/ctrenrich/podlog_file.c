/*
 * Podman's event log, the file: where it is (containers.conf), and reading what was appended
 * since the last read. See podlog.h.
 *
 * How Podman writes it (libpod's file eventer, measured on 4.3.1): each event is one write(2)
 * of one line with O_APPEND. Past events_logfile_max_size (containers.conf; "1m" in Debian's
 * commented defaults, 0: never) it rotates the file: the second half of its lines is copied
 * into a new file, which is renamed over the old one, and a "log-rotation" event appended.
 * So a new inode at the path is a rotation, and reading goes on in the new file just after the
 * last line read (podlog__resume); a file shorter than what was read, or whose last bytes
 * before where reading stopped are no longer those read (cut, then written again past that
 * point between two polls), was cut (an operator's truncation, logrotate's copytruncate) and is
 * read again from its start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "podlog.h"

#define CONF_MAX (256 * 1024) /* a longer containers.conf is read this far */
#define REOPEN_MS 1000

/* What containers.conf says about the event log ("" when nothing). */
struct conf {
	char logger[16];
	char logfile[PATH_MAX];
	char tmpdir[PATH_MAX];
};

/*
 * A TOML string value at s ("..." or '...', then only a comment), into out (cap bytes). false
 * for anything else: other types, escapes other than \" and \\, too long.
 */
static bool toml_str(const char *s, char *out, size_t cap)
{
	char q = *s++;
	size_t n = 0;

	if (q != '"' && q != '\'')
		return false;
	for (; *s && *s != q; s++) {
		if (q == '"' && *s == '\\') {
			if (s[1] != '"' && s[1] != '\\')
				return false;
			s++;
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = *s;
	}
	if (*s != q)
		return false;
	out[n] = '\0';
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	return !*s || *s == '#';
}

/* The keys of [engine] that place the event log, from one containers.conf (later files win). */
static void conf_read(struct conf *c, const char *file)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} keys[] = {
	    {"events_logger", offsetof(struct conf, logger), sizeof(c->logger)},
	    {"events_logfile_path", offsetof(struct conf, logfile), sizeof(c->logfile)},
	    {"tmp_dir", offsetof(struct conf, tmpdir), sizeof(c->tmpdir)},
	};
	char line[PATH_MAX + 64];
	bool engine = false;
	size_t total = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (total < CONF_MAX && fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		total += strlen(line);
		line[strcspn(line, "\r\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			engine = !strncmp(s, "[engine]", 8);
			continue;
		}
		if (!engine)
			continue;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t kl = strlen(keys[i].key);
			char val[PATH_MAX];

			if (strncmp(s, keys[i].key, kl))
				continue;
			for (e = s + kl; *e == ' ' || *e == '\t'; e++)
				;
			if (*e++ != '=')
				continue;
			while (*e == ' ' || *e == '\t')
				e++;
			if (toml_str(e, val, keys[i].cap))
				strcpy((char *)c + keys[i].off, val);
		}
	}
	fclose(f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* dir/containers.conf, then dir/containers.conf.d/ *.conf in name order. */
static void conf_read_dir(struct conf *c, const char *dir)
{
	char p[PATH_MAX];
	struct dirent **names;
	int n;

	if (snprintf(p, sizeof(p), "%s/containers.conf", dir) < (int)sizeof(p))
		conf_read(c, p);
	if (snprintf(p, sizeof(p), "%s/containers.conf.d", dir) >= (int)sizeof(p))
		return;
	n = scandir(p, &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		char f[PATH_MAX];

		if (len > 5 && !strcmp(names[i]->d_name + len - 5, ".conf") &&
		    snprintf(f, sizeof(f), "%s/%s", p, names[i]->d_name) < (int)sizeof(f))
			conf_read(c, f);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

/* The uid of a rootless Podman socket, /run/user/<uid>/podman/podman.sock; -1 for others. */
static long rootless_uid(const char *socket)
{
	unsigned long uid;
	int end = 0;

	if (!socket || sscanf(socket, "/run/user/%lu/podman/podman.sock%n", &uid, &end) != 1 ||
	    socket[end] || uid > 0x7fffffff)
		return -1;
	return (long)uid;
}

int podlog_path(const char *explicit, const char *socket, char *path, size_t cap, const char **why)
{
	struct conf c = {"", "", ""};
	long uid = rootless_uid(socket);
	const char *env = getenv("CONTAINERS_CONF");
	int n;

	*why = NULL;
	if (explicit) {
		if (!strcmp(explicit, "none")) {
			*why = "turned off (--podman-events none)";
			return -1;
		}
		n = snprintf(path, cap, "%s", explicit);
		return n < 0 || (size_t)n >= cap ? -1 : 0;
	}
	/* Podman's order: $CONTAINERS_CONF alone, or the system's files then the user's own. */
	if (env && *env && uid < 0) {
		conf_read(&c, env);
	} else {
		conf_read(&c, "/usr/share/containers/containers.conf");
		conf_read_dir(&c, "/etc/containers");
		if (uid >= 0) {
			struct passwd *pw = getpwuid((uid_t)uid);
			char home[PATH_MAX];

			if (pw && snprintf(home, sizeof(home), "%s/.config/containers",
					   pw->pw_dir) < (int)sizeof(home))
				conf_read_dir(&c, home);
		}
	}
	if (c.logger[0] && strcmp(c.logger, "file")) {
		*why = !strcmp(c.logger, "journald") ? "events_logger is \"journald\""
		       : !strcmp(c.logger, "none")   ? "events_logger is \"none\""
						     : "events_logger is not \"file\"";
		return -1;
	}
	if (c.logfile[0])
		n = snprintf(path, cap, "%s", c.logfile);
	else if (c.tmpdir[0])
		n = snprintf(path, cap, "%s/events/events.log", c.tmpdir);
	else if (uid >= 0)
		n = snprintf(path, cap, "/run/user/%ld/libpod/tmp/events/events.log", uid);
	else
		n = snprintf(path, cap, "/run/libpod/events/events.log");
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int podlog__follow(struct podlog *pl, const char *path)
{
	if (strlen(path) >= sizeof(pl->path) || !*path)
		return -1;
	strcpy(pl->path, path);
	pl->history = true;
	return 0;
}

static void quoted_path(const struct podlog *pl, char *q, size_t cap)
{
	log_quote(q, cap, pl->path, strlen(pl->path));
}

/* Feed data[0, len), and say once per file when a line was no Podman event. */
static void feed(struct podlog *pl, const char *data, size_t len)
{
	unsigned long bad = pl->nbad + pl->nlong;
	char q[256];

	podlog__feed(pl, data, len);
	if (!pl->warned && pl->nbad + pl->nlong != bad) {
		pl->warned = true;
		quoted_path(pl, q, sizeof(q));
		warn("podman: skipped a line of the event log '%s' that is not a Podman event%s", q,
		     pl->nlong ? " (or is longer than 64 KiB)" : "");
	}
}

/* Read [from, to) into pl->chunk (to - from <= PODLOG_WINDOW). Bytes read, -1 on error. */
static ssize_t read_at(struct podlog *pl, off_t from, off_t to)
{
	size_t got = 0, want = (size_t)(to - from);

	while (got < want) {
		ssize_t n = pread(pl->fd, pl->chunk + got, want - got, from + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Note data[0, n), just read up to pl->off: the last PODLOG_TAIL bytes before the offset. */
static void tail_note(struct podlog *pl, const char *data, size_t n)
{
	if (n >= PODLOG_TAIL) {
		memcpy(pl->tail, data + n - PODLOG_TAIL, PODLOG_TAIL);
		pl->tail_len = PODLOG_TAIL;
		return;
	}
	if (pl->tail_len + n > PODLOG_TAIL) {
		size_t drop = pl->tail_len + n - PODLOG_TAIL;

		memmove(pl->tail, pl->tail + drop, pl->tail_len - drop);
		pl->tail_len -= (unsigned)drop;
	}
	memcpy(pl->tail + pl->tail_len, data, n);
	pl->tail_len += (unsigned)n;
}

/* The bytes before pl->off are still those read there (the file was not cut and rewritten). */
static bool tail_same(struct podlog *pl)
{
	char b[PODLOG_TAIL];
	ssize_t n;

	if (!pl->tail_len || (off_t)pl->tail_len > pl->off)
		return true;
	do
		n = pread(pl->fd, b, pl->tail_len, pl->off - (off_t)pl->tail_len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)pl->tail_len && !memcmp(b, pl->tail, pl->tail_len);
}

static void close_log(struct podlog *pl)
{
	if (pl->fd >= 0)
		close(pl->fd);
	pl->fd = -1;
}

/*
 * Read the last PODLOG_WINDOW bytes of the file just opened (its size: size), going on after
 * the last line read before when they hold it (a rotated file).
 */
static void read_back(struct podlog *pl, off_t size)
{
	off_t from = size > PODLOG_WINDOW ? size - PODLOG_WINDOW : 0;
	ssize_t n = read_at(pl, from, size);
	size_t skip = 0, resume;

	pl->off = from + (n > 0 ? n : 0);
	pl->tail_len = 0;
	if (n <= 0)
		return;
	tail_note(pl, pl->chunk, (size_t)n);
	/* From the middle of a line: begin with the next one. */
	if (from > 0) {
		const char *nl = memchr(pl->chunk, '\n', (size_t)n);

		skip = nl ? (size_t)(nl - pl->chunk) + 1 : (size_t)n;
	}
	resume = podlog__resume(pl, pl->chunk + skip, (size_t)n - skip);
	podlog__restart(pl, false);
	feed(pl, pl->chunk + skip + resume, (size_t)n - skip - resume);
}

/* Open the file (at most once a second while it cannot be). */
static bool open_log(struct podlog *pl, uint64_t now)
{
	struct stat st;
	char q[256];
	bool history = pl->history;
	int fd;

	if (now < pl->next_open)
		return false;
	pl->next_open = now + REOPEN_MS;
	pl->history = false; /* a file made after the first try is all new */
	if (!pl->chunk && !(pl->chunk = malloc(PODLOG_WINDOW)))
		return false;
	/* O_NONBLOCK: a FIFO put there must not block the open. */
	fd = open(pl->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	quoted_path(pl, q, sizeof(q));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (!pl->warned)
			warn("podman: the event log '%s' is not a regular file: not read", q);
		pl->warned = true;
		close(fd);
		return false;
	}
	pl->fd = fd;
	pl->dev = st.st_dev;
	pl->ino = st.st_ino;
	pl->warned = false;
	verbose("podman: reading the event log %s", q);
	read_back(pl, st.st_size);
	if (history)
		pl->nfresh = 0; /* created before we looked: not new */
	return true;
}

/* Read the open file from pl->off to its end (the last PODLOG_WINDOW bytes of it, at most). */
static void read_new(struct podlog *pl, off_t size)
{
	if (size < pl->off || !tail_same(pl)) {
		/* Cut (and maybe written again past where it was read): what is there now is new.
		 */
		verbose("podman: the event log was cut: reading it from its start");
		pl->off = 0;
		pl->tail_len = 0;
		podlog__restart(pl, false);
	}
	if (size - pl->off > PODLOG_WINDOW) {
		/* Far behind: the last window, from its first whole line. */
		pl->off = size - PODLOG_WINDOW - 1;
		podlog__restart(pl, true);
	}
	while (pl->off < size) {
		off_t to = size - pl->off > PODLOG_WINDOW ? pl->off + PODLOG_WINDOW : size;
		ssize_t n = read_at(pl, pl->off, to);

		if (n <= 0)
			break;
		feed(pl, pl->chunk, (size_t)n);
		tail_note(pl, pl->chunk, (size_t)n);
		pl->off += n;
	}
}

bool podlog__poll(struct podlog *pl, uint64_t now)
{
	struct stat st, at;

	if (pl->fd >= 0 && pl->polled == now)
		return true;
	pl->polled = now;
	if (pl->fd < 0)
		return open_log(pl, now);
	if (fstat(pl->fd, &st) < 0) {
		close_log(pl);
		return open_log(pl, now);
	}
	read_new(pl, st.st_size);
	/* Replaced (rotated, or removed and made again): what the old file still had is read. */
	if (stat(pl->path, &at) < 0 || at.st_ino != pl->ino || at.st_dev != pl->dev) {
		if (fstat(pl->fd, &st) == 0)
			read_new(pl, st.st_size);
		close_log(pl);
		pl->next_open = 0;
		return open_log(pl, now);
	}
	return true;
}
