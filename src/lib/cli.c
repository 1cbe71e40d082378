/* cli: what the daemons (hookgate-fcgi, hookgate-worker) share at start: -c FILE, -h, -V, loading and reloading the configuration. */
#include "config.h"

#include "lib/cli.h"
#include "lib/log.h"

int cli_option(int c, const char *program, void (*usage)(FILE *), const char **config)
{
	switch (c) {
	case 'c':
		*config = optarg;
		return -1;
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		printf("%s %s\n", program, PACKAGE_VERSION);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
}

int cli_no_arguments(int argc, void (*usage)(FILE *))
{
	if (optind >= argc)
		return -1;
	usage(stderr);
	return 2;
}

bool cli_settings(struct hg_settings *s, const char *path, const char *program)
{
	char err[512];

	if (!settings_load(s, path, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", program, err);
		return false;
	}
	log_set_level(s->log_level);
	return true;
}

bool cli_reload(struct hg_settings *fresh, const char *path)
{
	char err[512];

	if (settings_load(fresh, path, err, sizeof(err)))
		return true;
	log_error("reload refused, keeping the running settings: %s", err);
	return false;
}
