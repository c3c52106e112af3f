/*
 * ctrfmt: the last stage of the pipeline. Reads records (ctr-records(7)) and shows them as a
 * table people read at a glance (table.c, text.c), as Tracee's JSON events (tracee.c), or passes
 * them through unchanged. Every JSON it writes goes through common/jsonw.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctrfmt.h"
#include "filter.h"
#include "jsonw.h"
#include "log.h"
#include "out.h"

static const char usage[] =
    "Usage: ctrfmt [OPTION]... [FILE]...\n"
    "Show container records as a table, as Tracee's JSON events, or pass them through.\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "  -f, --format FORMAT     table (the default); json (Tracee's event object, our fields\n"
    "                          as args after Tracee's); tracee (exactly Tracee's events,\n"
    "                          nothing of ours); or ndjson (records unchanged: a validator)\n"
    "      --tracee-version V  json, tracee: argument type names for Tracee 0.24 (the\n"
    "                          default) or 0.23\n"
    "  -w, --wide              table: more columns (full id, digest, pod uid, sandbox, ctime,\n"
    "                          exit code, cgroup path, enrich_error); never cut a value\n"
    "  -c, --columns LIST      table: these columns, comma-separated: record field names\n"
    "                          (header = the name in upper case) or TIME, EVENT, RUNTIME,\n"
    "                          CONTAINER, NAME, IMAGE, POD, DIGEST, POD_UID, SANDBOX, CTIME,\n"
    "                          EXIT, PATH, ENRICH_ERROR; NAME:WIDTH sets a width\n"
    "      --no-header         table: no header line\n"
    "      --color WHEN        colour table rows: auto (the default: only on a terminal, and\n"
    "                          not when NO_COLOR is set), always, or never\n"
    "      --strict            stop at the first malformed line, with exit status 65\n"
    "  -h, --help              show this help and exit\n"
    "      --version           show the version and exit\n"
    "\n"
    "Exit status: 0 done, 1 a file could not be read, 2 usage error, 65 bad input (--strict).\n"
    "Full documentation: man ctrfmt; the record contract: man 7 ctr-records.\n";

enum {
	OPT_NO_HEADER = CLI_OPT_BASE,
	OPT_COLOR,
	OPT_TRACEE_VERSION,
	OPT_STRICT,
	OPT_VERSION,
};

static const struct option options[] = {
    {"format", required_argument, NULL, 'f'},
    {"tracee-version", required_argument, NULL, OPT_TRACEE_VERSION},
    {"wide", no_argument, NULL, 'w'},
    {"columns", required_argument, NULL, 'c'},
    {"no-header", no_argument, NULL, OPT_NO_HEADER},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

enum format { FMT_TABLE, FMT_JSON, FMT_TRACEE, FMT_NDJSON };

/* --format ndjson: each record as it came; escaped where a terminal could act on it. */
static int ndjson_record(struct rec *r, void *ctx, const char **err)
{
	(void)err;
	jsonw_line(ctx, r->line, r->len);
	return 0;
}

static enum format format_of(const char *name)
{
	static const char *const names[] = {[FMT_TABLE] = "table",
					    [FMT_JSON] = "json",
					    [FMT_TRACEE] = "tracee",
					    [FMT_NDJSON] = "ndjson"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (enum format)i;
	cli_usage_error("--format: '%s' is not table, json, tracee or ndjson", name);
}

static enum tracee_version version_of(const char *arg)
{
	const char *v = arg[0] == 'v' ? arg + 1 : arg;

	if (!strcmp(v, "0.24"))
		return TRACEE_V024;
	if (!strcmp(v, "0.23"))
		return TRACEE_V023;
	cli_usage_error("--tracee-version: '%s' is not 0.24 or 0.23", arg);
}

static bool want_color(const char *when)
{
	const char *no = getenv("NO_COLOR");

	if (!strcmp(when, "always"))
		return true;
	if (!strcmp(when, "never"))
		return false;
	if (strcmp(when, "auto"))
		cli_usage_error("--color: '%s' is not auto, always or never", when);
	return isatty(STDOUT_FILENO) && !(no && *no);
}

int main(int argc, char **argv)
{
	enum format fmt = FMT_TABLE;
	struct table_opts to = {.header = true};
	struct tracee_opts tro = {.version = TRACEE_V024};
	const char *color = "auto";
	bool table_only = false, tracee_only = false;
	struct jsonw *nd = NULL;
	struct filter f = {0};
	struct table *table = NULL;
	struct tracee *tracee = NULL;
	int c, status;

	/* 1. Options. */
	prog_name = "ctrfmt";
	cli_check_std_fds();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:wc:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = format_of(optarg);
			break;
		case OPT_TRACEE_VERSION:
			tro.version = version_of(optarg);
			tracee_only = true;
			break;
		case 'w':
			to.wide = table_only = true;
			break;
		case 'c':
			to.columns = optarg;
			table_only = true;
			break;
		case OPT_NO_HEADER:
			to.header = false;
			table_only = true;
			break;
		case OPT_COLOR:
			color = optarg;
			break;
		case OPT_STRICT:
			f.strict = true;
			break;
		case 'h':
			cli_help(usage);
		case OPT_VERSION:
			cli_version();
		default:
			cli_option_error(c, argv);
		}
	}
	if (table_only && fmt != FMT_TABLE)
		cli_usage_error("--wide, --columns and --no-header apply to --format table");
	if (tracee_only && fmt != FMT_JSON && fmt != FMT_TRACEE)
		cli_usage_error("--tracee-version applies to --format json and tracee");
	to.color = want_color(color);

	/* 2. The format. */
	out_init();
	switch (fmt) {
	case FMT_TABLE:
		table = table__new(&to);
		if (!table)
			die("out of memory");
		f.on_record = table__record;
		f.ctx = table;
		table__header(table);
		break;
	case FMT_JSON:
	case FMT_TRACEE:
		tro.out = stdout;
		tro.exact = fmt == FMT_TRACEE;
		tracee = tracee__new(&tro);
		if (!tracee)
			die("out of memory");
		f.on_record = tracee__record;
		f.ctx = tracee;
		break;
	case FMT_NDJSON:
		nd = malloc(sizeof(*nd));
		if (!nd)
			die("out of memory");
		jsonw_init(nd, stdout);
		jsonw_terminal(nd, isatty(STDOUT_FILENO));
		f.on_record = ndjson_record;
		f.ctx = nd;
		break;
	}

	/* 3. Every record, flushed whenever input stalls. */
	status = filter_run(&f, argc - optind, argv + optind);

	/* 4. Done. */
	table__free(table);
	tracee__free(tracee);
	free(nd);
	return out_close(status);
}
