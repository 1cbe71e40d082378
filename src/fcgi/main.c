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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",      required_argument, NULL, 'c' },
		{ "listen",      required_argument, NULL, 'l' },
		{ "workers",     required_argument, NULL, 'w' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "grace",       required_argument, NULL, 'g' },
		{ "help",        no_argument,       NULL, 'h' },
		{ "version",     no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct pool_options opts = { .workers = 0, .socket_mode = 0660, .grace_s = 30 };
	struct hg_settings settings;
	const char *config = NULL;
	char err[512];
	int c, rc;

	log_set_program("hookgate-fcgi");
	/*
	 * Started as a CGI program, the command line is not ours: Apache turns
	 * a query string without '=' into arguments. Options must never come
	 * from a URL, so a CGI request ignores them all.
	 */
	if (!stdin_is_socket() && (getenv("GATEWAY_INTERFACE") || getenv("REQUEST_METHOD")))
		argc = 1;
	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			opts.listen = optarg;
			break;
		case 'w':
			if (!parse_int(optarg, 1, 256, 10, &opts.workers)) {
				fprintf(stderr, "hookgate-fcgi: --workers: expected 1 to 256, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (!parse_int(optarg, 0, 0777, 8, &opts.socket_mode)) {
				fprintf(stderr, "hookgate-fcgi: --socket-mode: expected an octal mode, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'g':
			if (!parse_int(optarg, 0, 3600, 10, &opts.grace_s)) {
				fprintf(stderr, "hookgate-fcgi: --grace: expected 0 to 3600 seconds, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hookgate-fcgi %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	if (!settings_load(&settings, config, err, sizeof(err))) {
		fprintf(stderr, "hookgate-fcgi: %s\n", err);
		return 1;
	}
	log_set_level(settings.log_level);
	opts.config_path = config;

	if (opts.listen || opts.workers > 0) {
		if (!opts.listen && !stdin_is_socket()) {
			fprintf(stderr, "hookgate-fcgi: --workers needs --listen or a listening socket on fd 0\n");
			settings_free(&settings);
			return 2;
		}
		if (opts.workers == 0)
			opts.workers = 1;
		opts.listen_fd = 0;
		rc = pool_run(&opts, &settings);
	} else if (stdin_is_socket()) {
		serve_signals();
		rc = serve_fastcgi(0, &settings);
	} else if (getenv("GATEWAY_INTERFACE") || getenv("REQUEST_METHOD")) {
		rc = serve_cgi(&settings);
	} else {
		fprintf(stderr, "hookgate-fcgi: not started by a web server: give --listen and --workers, "
			"or run it under a FastCGI or CGI server\n");
		usage(stderr);
		rc = 2;
	}
	settings_free(&settings);
	return rc;
}
