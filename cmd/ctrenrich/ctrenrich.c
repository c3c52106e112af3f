/*
 * ctrenrich: add who a container is (name, image, digest, Kubernetes pod) to ctrdetect's
 * container records, by asking the runtime that owns it over its Unix socket. Other records
 * pass through untouched, in their place. See man/ctrenrich.1.
 *
 *   cgtap --scan | ctrdetect | ctrenrich | ctrfmt
 *
 * Where things are: this file, the options; sockets.c, where each runtime's socket is; the
 * engine (engine.h says which file has which job: the loop, the queue, lookups, the cache,
 * transport); backend.h, the interface every runtime's backend_<runtime>.c implements, with
 * what backends share in be_json.c and be_grpc.c; codec/, the wire formats alone (protobuf,
 * gRPC, containerd's and CRI's messages, JSON by path), which the tests link without the rest.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "engine.h"
#include "log.h"
#include "out.h"
#include "sockets.h"

static const char usage[] =
    "Usage: ctrenrich [OPTION]... [FILE]...\n"
    "Add runtime metadata (container_name, container_image, container_image_digest, pod_name,\n"
    "pod_namespace, pod_uid, pod_sandbox; exit_code, finished_at, oom_killed on removal) to\n"
    "container records read from FILEs or standard input. Other records pass through.\n"
    "\n"
    "  -s, --socket RUNTIME=PATH  use PATH for RUNTIME (docker, podman, containerd, crio);\n"
    "                             repeatable; turns discovery off for RUNTIME\n"
    "      --no-discover          use only the sockets named with --socket\n"
    "      --podman-events FILE   Podman's event log (events_logger = \"file\"), read to\n"
    "                             answer creates at once; none: do not read it\n"
    "                             (default: from containers.conf)\n"
    "  -t, --timeout DURATION     deadline per record (default 2s)\n"
    "  -j, --max-inflight N       requests in flight at once (default 64)\n"
    "      --queue-size N         records held at once (default 4096)\n"
    "      --cache-size N         containers remembered for removal (default 16384)\n"
    "      --max-response BYTES   largest runtime answer read (default 4194304)\n"
    "  -u, --unordered            write each record as soon as it is ready\n"
    "      --strict               stop at the first malformed line (exit 65)\n"
    "  -v, --verbose              say which runtimes were found, and count lookups;\n"
    "                             twice: a line for each lookup\n"
    "  -h, --help                 show this help and exit\n"
    "      --version              show the version and exit\n";

enum {
	OPT_NO_DISCOVER = CLI_OPT_BASE,
	OPT_PODMAN_EVENTS,
	OPT_QUEUE,
	OPT_CACHE,
	OPT_MAX_RESPONSE,
	OPT_STRICT,
	OPT_VERSION,
};

static const struct option options[] = {
    {"socket", required_argument, NULL, 's'},
    {"no-discover", no_argument, NULL, OPT_NO_DISCOVER},
    {"podman-events", required_argument, NULL, OPT_PODMAN_EVENTS},
    {"timeout", required_argument, NULL, 't'},
    {"max-inflight", required_argument, NULL, 'j'},
    {"queue-size", required_argument, NULL, OPT_QUEUE},
    {"cache-size", required_argument, NULL, OPT_CACHE},
    {"max-response", required_argument, NULL, OPT_MAX_RESPONSE},
    {"unordered", no_argument, NULL, 'u'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void socket_opt(struct sockets *sk, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[16];
	enum rt rt;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name))
		cli_usage_error("--socket wants RUNTIME=PATH, not '%s'", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	rt = rt_parse(name);
	if (rt >= RT_N)
		cli_usage_error("unknown runtime '%s' (docker, podman, containerd, crio)", name);
	if (sockets__set(sk, rt, eq + 1) < 0)
		cli_usage_error("socket path for %s is empty or too long", name);
}

int main(int argc, char **argv)
{
	struct engine_opts o = {
	    .timeout_ms = ENGINE_TIMEOUT_MS,
	    .max_inflight = ENGINE_MAX_INFLIGHT,
	    .queue_size = ENGINE_QUEUE_SIZE,
	    .cache_size = ENGINE_CACHE_SIZE,
	    .max_response = ENGINE_MAX_RESPONSE,
	};
	struct sockets *sk;
	bool discover = true;
	int c, status;

	/* 1. Options. */
	prog_name = "ctrenrich";
	cli_check_std_fds();
	sk = sockets__new();
	if (!sk)
		die("out of memory");
	opterr = 0; /* cli_option_error says what is wrong, escaped */
	while ((c = getopt_long(argc, argv, ":s:t:j:uvh", options, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_opt(sk, optarg);
			break;
		case OPT_NO_DISCOVER:
			discover = false;
			break;
		case OPT_PODMAN_EVENTS:
			if (!*optarg || strlen(optarg) >= PATH_MAX)
				cli_usage_error("--podman-events wants a file, or none");
			o.podman_events = optarg;
			break;
		case 't':
			o.timeout_ms = (unsigned)cli_duration_ms("--timeout", optarg);
			if (!o.timeout_ms || o.timeout_ms > 3600 * 1000)
				cli_usage_error("--timeout must be between 1ms and 1h");
			break;
		case 'j':
			o.max_inflight = (unsigned)cli_number("--max-inflight", optarg, 1, 4096);
			break;
		case OPT_QUEUE:
			o.queue_size = (unsigned)cli_number("--queue-size", optarg, 1, 1u << 20);
			break;
		case OPT_CACHE:
			o.cache_size = (unsigned)cli_number("--cache-size", optarg, 1, 1u << 24);
			break;
		case OPT_MAX_RESPONSE:
			o.max_response =
			    (size_t)cli_number("--max-response", optarg, 1024, 1ull << 30);
			break;
		case 'u':
			o.unordered = true;
			break;
		case OPT_STRICT:
			o.strict = true;
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

	/* 2. Sockets: explicit ones, then the usual places. */
	sockets__discover(sk, discover);

	/* 3. Run, then close stdout with a check. */
	out_init();
	status = engine_run(&o, sk, argc - optind, argv + optind);
	sockets__free(sk);
	return out_close(status);
}
