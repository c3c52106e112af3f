/*
 * cgtap: cgroup mkdir/rmdir from the kernel as NDJSON records, plus (--scan) the cgroups that
 * already exist. The BPF side is bpf/cgtap.bpf.c; the record contract is ctr-records(7).
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/types.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "caps.h"
#include "cgtap.h"
#include "cgtap.skel.h"
#include "cli.h"
#include "hier.h"
#include "jsonw.h"
#include "log.h"
#include "out.h"
#include "rec_schema.h"
#include "scan.h"
#include "stop.h"
#include "utf8.h"

#define DEFAULT_RINGBUF_SIZE (4u << 20)
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
/* After records, the pause before looking again: at most this much latency for a burst. */
#define COALESCE_NS 1000000

static const char usage[] =
    "Usage: cgtap [OPTION]...\n"
    "Print the kernel's cgroup mkdir and rmdir events as NDJSON records on standard output.\n"
    "\n"
    "  -s, --scan                 first list the cgroups that exist (cgroup_exists records),\n"
    "                             after the tracepoints are attached, so nothing is missed\n"
    "  -H, --hierarchy WHICH      auto (default), all, a hierarchy id, or a controller name\n"
    "                             (cpuset, memory, systemd, unified, ...)\n"
    "  -C, --cgroupfs PATH        walk PATH for --scan instead of the mount found in\n"
    "                             /proc/self/mountinfo (one hierarchy only)\n"
    "  -c, --count N              exit after N records\n"
    "  -d, --duration TIME        exit after TIME (seconds, or 250ms, 2s, 1m)\n"
    "  -b, --ringbuf-size BYTES   BPF ring buffer size: a power of two, 4096 or more; K, M and G\n"
    "                             suffixes allowed (default 4M)\n"
    "  -v, --verbose              say what cgtap chose and did on stderr; twice: libbpf debug\n"
    "  -h, --help                 show this help and exit\n"
    "      --version              show the version and exit\n"
    "\n"
    "Needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN). See cgtap(8).\n";

enum { OPT_VERSION = CLI_OPT_BASE };

static const struct option options[] = {
    {"scan", no_argument, NULL, 's'},
    {"hierarchy", required_argument, NULL, 'H'},
    {"cgroupfs", required_argument, NULL, 'C'},
    {"count", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, 'd'},
    {"ringbuf-size", required_argument, NULL, 'b'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {0},
};

static struct env {
	bool scan;
	const char *hierarchy;
	const char *cgroupfs;
	unsigned long long count;
	long long duration_ms; /* -1: no --duration */
	unsigned long ringbuf_size;
} env = {.hierarchy = "auto", .duration_ms = -1, .ringbuf_size = DEFAULT_RINGBUF_SIZE};

static struct jsonw jw;
static unsigned long long records; /* written so far, for --count */
static bool done;		   /* --count reached */
static int64_t clock_off;	   /* realtime - boottime, ns */
static int64_t clock_err;	   /* half the bracket of the best sample, ns */
static uint64_t lost_seen;	   /* the BPF lost counter at the last lost record */

static int64_t ns_of(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * realtime - boottime, from the sample whose two realtime reads bracket the boottime read most
 * tightly: the error is at most half that bracket (plus any later step of the wall clock).
 */
static void clock_measure(void)
{
	int64_t best = INT64_MAX;

	for (int i = 0; i < 16; i++) {
		int64_t a = ns_of(CLOCK_REALTIME), b = ns_of(CLOCK_BOOTTIME),
			c = ns_of(CLOCK_REALTIME);

		if (c - a < best) {
			best = c - a;
			clock_off = a + (c - a) / 2 - b;
		}
	}
	clock_err = best / 2 + 1;
}

static unsigned long parse_size(const char *arg)
{
	char num[32], q[128];
	size_t n = strspn(arg, "0123456789");
	unsigned long long v, mul = 1;

	if (n == 0 || n >= sizeof(num))
		cli_usage_error("--ringbuf-size: '%s' is not a size",
				log_quote(q, sizeof(q), arg, strlen(arg)));
	switch (arg[n]) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ull << 10;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		break;
	default:
		goto bad_suffix;
	}
	if (arg[n] && arg[n + 1])
		goto bad_suffix;
	memcpy(num, arg, n);
	num[n] = '\0';
	v = cli_number("--ringbuf-size", num, 1, 1ull << 30) * mul;
	if (v < 4096 || v > (1ull << 30) || (v & (v - 1)))
		cli_usage_error("--ringbuf-size: %llu is not a power of two from 4096 to 1G", v);
	return (unsigned long)v;
bad_suffix:
	cli_usage_error("--ringbuf-size: '%s' is not a size (use K, M or G)",
			log_quote(q, sizeof(q), arg, strlen(arg)));
}

static void parse_args(int argc, char **argv)
{
	char q[128];
	int c;

	opterr = 0; /* cli_option_error() names a bad option, quoted */
	while ((c = getopt_long(argc, argv, ":sH:C:c:d:b:vh", options, NULL)) != -1) {
		switch (c) {
		case 's':
			env.scan = true;
			break;
		case 'H':
			env.hierarchy = optarg;
			break;
		case 'C':
			env.cgroupfs = optarg;
			break;
		case 'c':
			env.count = cli_number("--count", optarg, 1, ULLONG_MAX);
			break;
		case 'd':
			env.duration_ms = (long long)cli_duration_ms("--duration", optarg);
			break;
		case 'b':
			env.ringbuf_size = parse_size(optarg);
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			cli_help(usage);
		case OPT_VERSION:
			cli_version();
		default:
			cli_option_error(c, argv);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'",
				log_quote(q, sizeof(q), argv[optind], strlen(argv[optind])));
	if (env.cgroupfs && !env.scan)
		cli_usage_error("--cgroupfs is only used with --scan");
	if (env.cgroupfs && !strcmp(env.hierarchy, "all"))
		cli_usage_error(
		    "--cgroupfs names one hierarchy's mount; it cannot go with --hierarchy all");
}

/*
 * libbpf's messages, warnings and information with -v, everything with -vv: a line at a time
 * through warn(), so each has the prefix and is as terminal-safe as any diagnostic (libbpf
 * quotes paths, names and the verifier's log as they are).
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *text = NULL;
	int n;

	if (!log_verbose || (level == LIBBPF_DEBUG && log_verbose < 2))
		return 0;
	n = vasprintf(&text, fmt, ap);
	if (n < 0)
		return 0;
	for (const char *line = text; *line;) {
		int len = (int)strcspn(line, "\n");

		if (len)
			warn("%.*s", len, line);
		line += len + (line[len] == '\n');
	}
	free(text);
	return n;
}

/* True when the path is not valid UTF-8, so the record needs path_hex to keep its bytes. */
static bool needs_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = 1;

		if ((unsigned char)s[i] >= 0x80 && !(n = utf8_valid_len(s + i, len - i)))
			return true;
		i += n;
	}
	return false;
}

/* One cgroup record to write: from the ring buffer or from the --scan walk. */
struct cgrec {
	enum rec_event event;
	uint64_t ts, cgroup_id;
	uint32_t hierarchy_id, level, pid;
	const char *path, *comm;
	size_t path_len, comm_len;
	bool truncated, has_ctime;
	uint64_t ctime;
};

/* "path_hex": the raw bytes of a path that is not valid UTF-8 (rare: the buffer is kept). */
static void write_path_hex(const char *path, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	static char *buf;
	static size_t cap;

	if (2 * len + 2 > cap) {
		char *p = realloc(buf, 2 * len + 2);

		if (!p)
			die("out of memory");
		buf = p;
		cap = 2 * len + 2;
	}
	buf[0] = '"';
	for (size_t i = 0; i < len; i++) {
		buf[1 + 2 * i] = digits[(unsigned char)path[i] >> 4];
		buf[2 + 2 * i] = digits[(unsigned char)path[i] & 15];
	}
	buf[2 * len + 1] = '"';
	jsonw_raw(&jw, REC_F_PATH_HEX, buf, 2 * len + 2);
}

static void cgrec_write(const struct cgrec *r)
{
	jsonw_obj_open(&jw, NULL);
	jsonw_str(&jw, REC_F_EVENT, rec_event_name(r->event));
	jsonw_u64(&jw, REC_F_TS, r->ts);
	jsonw_u64(&jw, REC_F_CGROUP_ID, r->cgroup_id);
	jsonw_u64(&jw, REC_F_HIERARCHY_ID, r->hierarchy_id);
	jsonw_u64(&jw, REC_F_LEVEL, r->level);
	jsonw_strn(&jw, REC_F_PATH, r->path, r->path_len);
	jsonw_u64(&jw, REC_F_PID, r->pid);
	jsonw_strn(&jw, REC_F_COMM, r->comm, r->comm_len);
	if (r->has_ctime)
		jsonw_u64(&jw, REC_F_CTIME, r->ctime);
	if (r->truncated)
		jsonw_bool(&jw, REC_F_PATH_TRUNCATED, true);
	if (needs_hex(r->path, r->path_len))
		write_path_hex(r->path, r->path_len);
	jsonw_obj_close(&jw);
	if (env.count && ++records >= env.count)
		done = true;
}

/* A lost record when the BPF side counted records it could not hand over since the last one. */
static void check_lost(const struct cgtap_bpf *skel)
{
	uint64_t now = __atomic_load_n(&skel->bss->lost, __ATOMIC_RELAXED);

	if (now == lost_seen || done)
		return;
	jsonw_obj_open(&jw, NULL);
	jsonw_str(&jw, REC_F_EVENT, rec_event_name(REC_EV_LOST));
	jsonw_u64(&jw, REC_F_TS, (uint64_t)ns_of(CLOCK_REALTIME));
	jsonw_u64(&jw, REC_F_COUNT, now - lost_seen);
	jsonw_obj_close(&jw);
	lost_seen = now;
	if (env.count && ++records >= env.count)
		done = true;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct cgtap_event *e = data;
	size_t hdr = offsetof(struct cgtap_event, path);
	struct cgrec r;

	(void)ctx;
	if (done)
		return -ECANCELED;
	if (size < hdr)
		return 0;
	r = (struct cgrec){
	    .event = e->kind == CGTAP_RMDIR ? REC_EV_CGROUP_RMDIR : REC_EV_CGROUP_MKDIR,
	    .ts = e->ts_boot + clock_off,
	    .cgroup_id = e->cgroup_id,
	    .hierarchy_id = e->hierarchy_id,
	    .level = e->level,
	    .pid = e->pid,
	    .path = e->path,
	    .path_len = e->path_len < size - hdr ? e->path_len : size - hdr,
	    .comm = e->comm,
	    .comm_len = strnlen(e->comm, sizeof(e->comm)),
	    .truncated = e->flags & CGTAP_F_TRUNCATED,
	};
	cgrec_write(&r);
	return done ? -ECANCELED : 0;
}

struct scan_ctx {
	struct cgtap_bpf *skel;
	struct ring_buffer *rb;
	int hierarchy_id;
	unsigned long long dirs;
};

/* What main() sets up, for its steps and its one cleanup. */
struct tap {
	struct cgtap_bpf *skel;
	struct ring_buffer *rb;
	struct hiers hs;
	int target; /* the hierarchy id, or CGTAP_ALL_HIERARCHIES */
	int scan_fd[HIER_MAX], scan_hid[HIER_MAX], nscan; /* the --scan roots, open */
	const char *scan_prefix[HIER_MAX];		  /* their paths from the hierarchy root */
	int64_t deadline;				  /* --duration, CLOCK_MONOTONIC ns; -1 */
	int64_t last_clock;				  /* when clock_measure() last ran */
};

/* One cgroup_exists record; live records that arrived meanwhile go out between them. */
static int scan_visit(void *ctx, const char *path, size_t len, unsigned level,
		      const struct stat *st)
{
	struct scan_ctx *sc = ctx;
	struct cgrec r = {
	    .event = REC_EV_CGROUP_EXISTS,
	    .ts = (uint64_t)ns_of(CLOCK_REALTIME),
	    .cgroup_id = st->st_ino,
	    .hierarchy_id = (uint32_t)sc->hierarchy_id,
	    .level = level,
	    .path = path,
	    .path_len = len,
	    .comm = "",
	    .has_ctime = true,
	    .ctime = (uint64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
	};

	cgrec_write(&r);
	sc->dirs++;
	if (!done) {
		ring_buffer__consume(sc->rb);
		check_lost(sc->skel);
	}
	return done || stop_signal;
}

/* Refuse early, in words, what libbpf would refuse later in its own. */
static int preflight(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (!caps_can_bpf()) {
		warn("permission denied: cgtap loads BPF programs and needs root (CAP_BPF and "
		     "CAP_PERFMON, or CAP_SYS_ADMIN); run it as root or with sudo");
		return -1;
	}
	if (!uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
	    (maj < 5 || (maj == 5 && min < 8))) {
		warn("kernel %s is too old: cgtap needs Linux 5.8 or later (BPF ring buffer, BTF "
		     "tracepoints); upgrade the kernel",
		     u.release);
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		warn(
		    "no kernel BTF: /sys/kernel/btf/vmlinux is missing; cgtap needs a kernel built "
		    "with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	return 0;
}

/* Explain a failed load or attach by its cause. */
static void explain(const char *what, int err)
{
	if (err == -ENOSYS)
		warn("cannot %s: this kernel has no BPF system call (CONFIG_BPF_SYSCALL=y is "
		     "needed)",
		     what);
	else if (err == -EPERM || err == -EACCES)
		warn("cannot %s: permission denied (root with CAP_BPF and CAP_PERFMON is needed; "
		     "kernel lockdown or a security module may forbid BPF)",
		     what);
	else if (err == -ENOENT || err == -ESRCH)
		warn("cannot %s: the kernel has no cgroup_mkdir/cgroup_rmdir BTF tracepoints "
		     "(Linux 5.8 or later with CONFIG_DEBUG_INFO_BTF=y is needed)",
		     what);
	else
		warn("cannot %s: %s (run with -v for libbpf's messages)", what, strerror(-err));
}

/*
 * Open the directory to walk for hierarchy h, check that it is a cgroupfs, and set *prefix to its
 * path from the hierarchy's root, which the BPF side's paths start from whatever the mount or
 * the cgroup namespace; -1 on failure.
 */
static int open_scan_root(const struct hier *h, const char *override, const char **prefix)
{
	const char *dir = override ? override : h->mount;
	struct statfs sf;
	struct stat st;
	char q[256], r[256];
	int fd;

	if (!dir) {
		warn(
		    "cgroupfs not mounted: hierarchy %d (%s) has no mount in /proc/self/mountinfo; "
		    "mount it or pass --cgroupfs PATH",
		    h->id, h->id ? h->controllers : "cgroup2");
		return -1;
	}
	log_quote(q, sizeof(q), dir, strlen(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		warn("cannot open cgroupfs '%s':", q);
		return -1;
	}
	if (fstatfs(fd, &sf) ||
	    (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC)) {
		warn("'%s' is not a cgroup filesystem: cgroupfs not mounted there; pass the mount "
		     "point of the hierarchy with --cgroupfs",
		     q);
		close(fd);
		return -1;
	}
	*prefix = !fstat(fd, &st) && hier__is_root(&st) ? "/" : override ? NULL : h->mount_root;
	if (*prefix)
		return fd;
	if (override)
		warn("'%s' is not the root of its cgroup hierarchy: --cgroupfs takes the mount "
		     "point of the whole hierarchy",
		     q);
	else
		warn("cgroupfs '%s' holds only part of hierarchy %d, from '%s' of this cgroup "
		     "namespace, whose place in the hierarchy cannot be seen from here; mount the "
		     "host's cgroupfs (e.g. /sys/fs/cgroup) and pass it with --cgroupfs",
		     q, h->id,
		     log_quote(r, sizeof(r), h->mount_info_root, strlen(h->mount_info_root)));
	close(fd);
	return -1;
}

/* 4. The hierarchy to watch and, for --scan, its cgroupfs opened. Returns an exit status. */
static int hierarchy_choose(struct tap *t)
{
	char why[256];

	if (hiers__load(&t->hs)) {
		warn("cannot read /proc/self/cgroup (is /proc mounted?):");
		return EXIT_FAIL;
	}
	if (hiers__select(&t->hs, env.hierarchy, &t->target, why, sizeof(why))) {
		char q[128];

		log_quote(q, sizeof(q), env.hierarchy, strlen(env.hierarchy));
		warn("--hierarchy: no cgroup hierarchy '%s' on this host (see /proc/self/cgroup)",
		     q);
		return EXIT_USAGE;
	}
	if (t->target == CGTAP_ALL_HIERARCHIES)
		verbose("hierarchy all: %s", why);
	else
		verbose("hierarchy %d: %s", t->target, why);
	if (!env.scan)
		return EXIT_OK;
	for (int i = 0; i < t->hs.n; i++) {
		const struct hier *h = &t->hs.h[i];

		if (t->target != CGTAP_ALL_HIERARCHIES && h->id != t->target)
			continue;
		if (t->target == CGTAP_ALL_HIERARCHIES && !h->mount) {
			/* e.g. "0::" on a v1 host without cgroup2 mounted: nothing to walk */
			verbose("--scan: hierarchy %d is not mounted; skipped", h->id);
			continue;
		}
		t->scan_fd[t->nscan] = open_scan_root(h, env.cgroupfs, &t->scan_prefix[t->nscan]);
		if (t->scan_fd[t->nscan] < 0)
			return EXIT_FAIL;
		t->scan_hid[t->nscan++] = h->id;
	}
	if (!t->nscan) {
		warn("cgroupfs not mounted: no cgroup hierarchy is mounted (see "
		     "/proc/self/mountinfo); mount one, e.g. mount -t cgroup2 none /sys/fs/cgroup");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* 6. Open the BPF object, set the filter and the ring buffer size, load, attach. */
static int bpf_start(struct tap *t)
{
	int err;

	t->skel = cgtap_bpf__open();
	if (!t->skel) {
		explain("open the BPF object", -errno);
		return -1;
	}
	t->skel->rodata->target_hierarchy = t->target;
	err = bpf_map__set_max_entries(t->skel->maps.events, env.ringbuf_size);
	if (!err)
		err = cgtap_bpf__load(t->skel);
	if (err) {
		explain("load the BPF programs", err);
		return -1;
	}
	err = cgtap_bpf__attach(t->skel);
	if (err) {
		explain("attach to the cgroup tracepoints", err);
		return -1;
	}
	return 0;
}

/* 9. --scan: one cgroup_exists record a directory of each hierarchy chosen. */
static int scan_all(struct tap *t)
{
	for (int i = 0; i < t->nscan; i++) {
		struct scan_ctx sc = {.skel = t->skel, .rb = t->rb, .hierarchy_id = t->scan_hid[i]};
		int fd = t->scan_fd[i];

		t->scan_fd[i] = -1;
		if (scan_tree(fd, t->scan_prefix[i], scan_visit, &sc) < 0) {
			warn("--scan: out of memory");
			return -1;
		}
		verbose("scan of hierarchy %d done: %llu directories", t->scan_hid[i], sc.dirs);
		if (done || stop_signal)
			break;
	}
	return 0;
}

/*
 * 10. Hand records over until --count, --duration or a stop signal; flush whenever the ring
 * buffer has nothing ready. -1 on failure.
 */
static int poll_loop(struct tap *t)
{
	bool busy = false;

	while (!done && !stop_signal) {
		struct pollfd pfd[2] = {
		    {.fd = ring_buffer__epoll_fd(t->rb), .events = POLLIN},
		    {.fd = STDOUT_FILENO, .events = 0}, /* POLLERR: the reader is gone */
		};
		int64_t now, timeout = 1000;
		int err = ring_buffer__consume(t->rb);

		if (err < 0 && err != -EINTR && err != -ECANCELED) {
			warn("reading the ring buffer failed: %s", strerror(-err));
			return -1;
		}
		check_lost(t->skel);
		if (done)
			break;
		if (err > 0) {
			busy = true;
			continue;
		}
		out_flush();
		if (busy) {
			/*
			 * Records came: a burst may be under way. Let it fill the ring for a moment
			 * instead of being woken for each record (a wakeup a record cost the
			 * cgroup makers 35% in time, measured); then look again before sleeping.
			 */
			busy = false;
			nanosleep(&(struct timespec){.tv_nsec = COALESCE_NS}, NULL);
			continue;
		}
		now = ns_of(CLOCK_MONOTONIC);
		if (t->deadline >= 0) {
			if (now >= t->deadline)
				break;
			if ((t->deadline - now) / 1000000 + 1 < timeout)
				timeout = (t->deadline - now) / 1000000 + 1;
		}
		if (now - t->last_clock >= 1000000000) {
			clock_measure(); /* follow a step of the wall clock while idle */
			t->last_clock = now;
		}
		if (stop_poll(pfd, 2, (int)timeout) < 0 && errno != EINTR) {
			warn("poll:");
			return -1;
		}
		if (pfd[1].revents & (POLLERR | POLLHUP))
			_exit(EXIT_OK); /* | head: the reader left; nothing more to say */
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tap t = {.deadline = -1};
	int status = EXIT_FAIL;

	/*
	 * 1. SIGINT and SIGTERM end the run from now on, unless ignored at entry (stop.h): a write
	 * to a full pipe goes on (SA_RESTART), so every record already taken is written. Then parse
	 * the command line; stdout carries only records.
	 */
	stop_catch();
	prog_name = "cgtap";
	cli_check_std_fds();
	out_init();
	parse_args(argc, argv);
	jsonw_init(&jw, stdout);

	/* 2. libbpf speaks only with -v. */
	libbpf_set_print(libbpf_print);

	/* 3. Say plainly what is missing before libbpf tries. */
	if (preflight())
		goto cleanup;

	/* 4. Choose the hierarchy, and find its cgroupfs for --scan. */
	status = hierarchy_choose(&t);
	if (status != EXIT_OK)
		goto cleanup;
	status = EXIT_FAIL;

	/* 5. Stopped already: nothing was read, so nothing to load. */
	if (stop_signal) {
		status = EXIT_OK;
		goto cleanup;
	}

	/* 6. Open the BPF object, set the filter and the ring buffer size, load, attach. */
	if (bpf_start(&t))
		goto cleanup;

	/* 7. The ring buffer, and the clock offset for its timestamps. */
	t.rb = ring_buffer__new(bpf_map__fd(t.skel->maps.events), handle_event, NULL, NULL);
	if (!t.rb) {
		explain("set up the ring buffer", -errno);
		goto cleanup;
	}
	clock_measure();
	t.last_clock = ns_of(CLOCK_MONOTONIC);
	if (env.duration_ms >= 0)
		t.deadline = t.last_clock + (int64_t)env.duration_ms * 1000000;

	/* 8. Everything is open: keep only what the walk needs, and no new privileges. */
	if (caps_drop(t.nscan > 0)) {
		warn("cannot drop capabilities:");
		goto cleanup;
	}
	verbose("attached to cgroup:cgroup_mkdir and cgroup:cgroup_rmdir; ring buffer %lu bytes; "
		"clock offset %lld ns +/- %lld ns",
		env.ringbuf_size, (long long)clock_off, (long long)clock_err);

	/* 9. --scan: after attaching, so a cgroup made during the walk is still seen. */
	if (scan_all(&t))
		goto cleanup;
	if (t.nscan && caps_drop(false)) {
		warn("cannot drop capabilities:");
		goto cleanup;
	}

	/* 10. Hand records over; flush whenever the ring buffer has nothing ready. */
	if (poll_loop(&t))
		goto cleanup;

	/* 11. Hand over what is still in the ring buffer, unless --count is reached. */
	if (!done) {
		ring_buffer__consume(t.rb);
		check_lost(t.skel);
	}
	status = EXIT_OK;

cleanup:
	/* Output first: detaching takes the kernel a while; the next stage waits for the end. */
	status = out_close(status);
	for (int i = 0; i < t.nscan; i++)
		if (t.scan_fd[i] >= 0)
			close(t.scan_fd[i]);
	ring_buffer__free(t.rb);
	cgtap_bpf__destroy(t.skel);
	hiers__free(&t.hs);
	return status;
}
