/* main: hookgate-worker: claims the runs of one runtime and runs a command for each (SPEC 10). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "worker/loop.h"

#define PROGRAM "hookgate-worker"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROGRAM " [-c FILE] [--runtime NAME|ID] [--exec COMMAND [ARG...]]\n"
		"\n"
		"Claims the runs of the runtime and runs COMMAND (no shell) once for each, with the\n"
		"run's trigger_payload on stdin and HOOKGATE_RUN_ID, HOOKGATE_DELIVERY_ID,\n"
		"HOOKGATE_AUTOPILOT_ID, HOOKGATE_TRIGGER_ID, HOOKGATE_EVENT and HOOKGATE_ATTEMPT in\n"
		"its environment. Exit 0 completes the run; anything else fails it.\n"
		"\n"
		"  -c, --config FILE    configuration (default $HOOKGATE_CONFIG, else %s)\n"
		"  --runtime NAME|ID    the runtime (default: worker_runtime)\n"
		"  --exec COMMAND ...   the command and its arguments: the rest of the line\n"
		"                       (default: worker_command)\n"
		"  -V, --version        print the version\n"
		"\n"
		"SIGTERM or SIGINT: claim nothing more, let running commands finish, exit;\n"
		"a second one hands the running runs back. SIGHUP reloads the configuration.\n",
		HG_DEFAULT_CONFIG);
}

/*
 * The options before --exec into o and *config; --exec takes the rest of
 * argv. Returns -1 to go on, else the exit status.
 */
static int parse_args(int argc, char **argv, struct worker_options *o)
{
	static const struct option longopts[] = {
		{ "runtime", required_argument, NULL, 'r' },
		{ "exec",    no_argument,       NULL, 'e' },
		CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	/* '+': stop at the first non-option, so the command's own options stay its own */
	while ((c = getopt_long(argc, argv, "+" CLI_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->runtime = optarg;
			break;
		case 'e':
			if (optind >= argc) {
				fprintf(stderr, PROGRAM ": --exec needs a command\n");
				return 2;
			}
			o->exec_argv = argv + optind;
			return -1;
		default:
			rc = cli_option(c, PROGRAM, usage, &o->config_path);
			if (rc >= 0)
				return rc;
		}
	}
	return cli_no_arguments(argc, usage);
}

/* Find the runtime, waiting out an unreachable database; an exit status, or -1 to go on. */
static int find_runtime(const char *name, struct runtime_ref *rt)
{
	char why[256] = "";
	long pause = 1;
	bool said = false;

	for (;;) {
		switch (jobs_runtime(name, rt, why, sizeof(why))) {
		case STORE_OK:
			return -1;
		case STORE_NOT_FOUND:
			fprintf(stderr, PROGRAM ": %s\n", why);
			return 1;
		case STORE_UNAVAILABLE:
			if (!said)
				log_warn("database unreachable (%s); retrying", store_last_error());
			said = true;
			sleep((unsigned)pause);
			if (pause < 30)
				pause *= 2;
			continue;
		default:
			fprintf(stderr, PROGRAM ": cannot look up the runtime: %s\n", store_last_error());
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	struct worker_options o = { 0 };
	struct hg_settings s;
	struct runtime_ref rt;
	const char *runtime;
	int rc;

	log_set_program(PROGRAM);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!cli_settings(&s, o.config_path, PROGRAM))
		return 1;
	runtime = o.runtime ? o.runtime : s.worker_runtime;
	rc = 2;
	if (!runtime[0]) {
		fprintf(stderr, PROGRAM ": no runtime: give --runtime NAME|ID or set worker_runtime\n");
		goto out;
	}
	if (!o.exec_argv && !s.worker_command[0]) {
		fprintf(stderr, PROGRAM ": no command: give --exec COMMAND or set worker_command\n");
		goto out;
	}
	if (s.worker_autopilot[0] && !uuid_valid(s.worker_autopilot)) {
		fprintf(stderr, PROGRAM ": worker_autopilot: expected an autopilot id (a UUID)\n");
		goto out;
	}
	if (s.worker_concurrency < 1) {
		fprintf(stderr, PROGRAM ": worker_concurrency: expected 1 to 64\n");
		goto out;
	}
	store_init(&s, PROGRAM);
	rc = find_runtime(runtime, &rt);
	if (rc < 0)
		rc = worker_loop(&o, &s, &rt);
	store_close();
out:
	settings_free(&s);
	return rc;
}
