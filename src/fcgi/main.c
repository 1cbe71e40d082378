/* main: hookgate-fcgi, the responder: FastCGI on fd 0, its own pool, or CGI. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcgiapp.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "fcgi/pool.h"
#include "lib/settings.h"
#include "fcgi/serve.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hookgate-fcgi [-c FILE] [--listen unix:PATH|tcp:HOST:PORT] [--workers N]\n"
		"                     [--socket-mode MODE] [--grace SECONDS]\n"
		"\n"
		"  started on a listening socket (fd 0)  serve FastCGI on it (--workers N to pre-fork)\n"
		"  --listen SPEC --workers N             run its own pool of N workers on SPEC\n"
		"  started as a CGI program              answer one request and exit\n"
		"\n"
		"  -c, --config FILE   configuration (default $HOOKGATE_CONFIG, else %s)\n"
		"  --socket-mode MODE  permissions of a unix socket (default 0660)\n"
		"  --grace SECONDS     how long SIGTERM waits for requests in flight (default 30)\n"
		"  -V, --version       print the version\n",
		HG_DEFAULT_CONFIG);
}

static bool parse_int(const char *s, long min, long max, int base, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

/* Whether fd 0 is a listening socket (what web servers hand a FastCGI program). */
static bool stdin_is_socket(void)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	/* a CGI server may hand over a connected socket pair: only a listening one counts */
	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

/* Whether the process was started as a CGI program. */
static bool started_as_cgi(void)
{
	return getenv("GATEWAY_INTERFACE") || getenv("REQUEST_METHOD");
}

/* One numeric option's value into *out, or false after saying what was expected. */
static bool option_int(const char *name, const char *value, long min, long max, int base,
		       const char *expected, int *out)
{
	if (parse_int(value, min, max, base, out))
		return true;
	fprintf(stderr, "hookgate-fcgi: --%s: expected %s, got '%s'\n", name, expected, value);
	return false;
}

/*
 * The command line into opts and *config. Returns -1 to go on, else the
 * exit status (0 after --help or --version, 2 after a usage error).
 */
static int parse_args(int argc, char **argv, struct pool_options *opts, const char **config)
{
	static const struct option longopts[] = {
		{ "listen",      required_argument, NULL, 'l' },
		{ "workers",     required_argument, NULL, 'w' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "grace",       required_argument, NULL, 'g' },
		CLI_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opts->listen = optarg;
			break;
		case 'w':
			if (!option_int("workers", optarg, 1, 256, 10, "1 to 256", &opts->workers))
				return 2;
			break;
		case 'm':
			if (!option_int("socket-mode", optarg, 0, 0777, 8, "an octal mode", &opts->socket_mode))
				return 2;
			break;
		case 'g':
			if (!option_int("grace", optarg, 0, 3600, 10, "0 to 3600 seconds", &opts->grace_s))
				return 2;
			break;
		default:
			rc = cli_option(c, "hookgate-fcgi", usage, config);
			if (rc >= 0)
				return rc;
		}
	}
	return cli_no_arguments(argc, usage);
}

/* Serve in the mode the options and the way we were started ask for; an exit status. */
static int serve(struct pool_options *opts, struct hg_settings *settings)
{
	if (opts->listen || opts->workers > 0) {
		if (!opts->listen && !stdin_is_socket()) {
			fprintf(stderr, "hookgate-fcgi: --workers needs --listen or a listening socket on fd 0\n");
			return 2;
		}
		if (opts->workers == 0)
			opts->workers = 1;
		opts->listen_fd = 0;
		return pool_run(opts, settings);
	}
	if (stdin_is_socket()) {
		serve_signals();
		return serve_fastcgi(0, settings);
	}
	if (started_as_cgi())
		return serve_cgi(settings);
	fprintf(stderr, "hookgate-fcgi: not started by a web server: give --listen and --workers, "
		"or run it under a FastCGI or CGI server\n");
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct pool_options opts = { .workers = 0, .socket_mode = 0660, .grace_s = 30 };
	struct hg_settings settings;
	const char *config = NULL;
	int rc;

	log_set_program("hookgate-fcgi");
	/*
	 * Started as a CGI program, the command line is not ours: Apache turns
	 * a query string without '=' into arguments. Options must never come
	 * from a URL, so a CGI request ignores them all.
	 */
	if (!stdin_is_socket() && started_as_cgi())
		argc = 1;
	rc = parse_args(argc, argv, &opts, &config);
	if (rc >= 0)
		return rc;
	if (!cli_settings(&settings, config, "hookgate-fcgi"))
		return 1;
	opts.config_path = config;
	rc = serve(&opts, &settings);
	settings_free(&settings);
	return rc;
}
