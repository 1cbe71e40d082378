/* cli: what the daemons (hookgate-fcgi, hookgate-worker) share at start: -c FILE, -h, -V, loading and reloading the configuration. */
#ifndef HG_CLI_H
#define HG_CLI_H

#include "lib/common.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/settings.h"

/* The short options every daemon takes, for getopt_long's optstring. */
#define CLI_SHORT_OPTIONS "c:hV"

/* The long options every daemon takes, for its getopt_long table. */
#define CLI_LONG_OPTIONS \
	{ "config",  required_argument, NULL, 'c' }, \
	{ "help",    no_argument,       NULL, 'h' }, \
	{ "version", no_argument,       NULL, 'V' }

/*
 * getopt_long's answer c when it is none of the program's own options:
 * -c FILE into *config, then -1 (go on); -h prints usage on stdout, -V
 * "<program> <version>", then 0 (the exit status); anything else (getopt's
 * '?') prints usage on stderr, then 2.
 */
int cli_option(int c, const char *program, void (*usage)(FILE *), const char **config) HG_MUSTCHECK;

/* After the options: -1 (go on) when no argument is left, else usage on stderr and 2. */
int cli_no_arguments(int argc, void (*usage)(FILE *)) HG_MUSTCHECK;

/*
 * The configuration (path, or the default) into s (the caller's to
 * settings_free) and the log level it names; false after "<program>:
 * <why>" on stderr.
 */
bool cli_settings(struct hg_settings *s, const char *path, const char *program) HG_MUSTCHECK;

/*
 * SIGHUP's reading of the configuration (path, or the default) into fresh
 * (the caller's to settings_free); false after logging that the reload is
 * refused, and why.
 */
bool cli_reload(struct hg_settings *fresh, const char *path) HG_MUSTCHECK;

#endif
