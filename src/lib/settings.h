/* settings: the configuration shared by hookgate-fcgi and hookgatectl. */
#ifndef HG_SETTINGS_H
#define HG_SETTINGS_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#define HG_DEFAULT_CONFIG "/etc/hookgate/hookgate.conf"

/* The largest retention_days and body_retention_days (and prune's --older-than): 100 years. */
#define RETENTION_DAYS_MAX 36500

struct hg_settings {
	char *database_url;		/* libpq conninfo; "" means libpq defaults */
	bool db_prepared_statements;	/* false: every statement unnamed (pgbouncer transaction mode) */
	char *public_url;		/* "" when unset */
	char *base_path;		/* "" or "/prefix" without trailing slash */
	long max_body_bytes;
	long ip_ceiling;
	long ip_bad_credentials;
	long token_rate;		/* runs per minute per trigger before runs are deferred */
	long token_ceiling;		/* requests per minute per trigger before 429; 0 off */
	char *trusted_proxies;		/* CIDR list, comma or space separated */
	char *metrics_allow;
	long runtime_offline_after;	/* seconds */
	long max_run_attempts;		/* claims of a run whose leases all expired; 0: no limit */
	long retention_days;		/* deliveries older than this are pruned; 0: kept forever */
	long body_retention_days;	/* raw bodies older than this are emptied; 0: kept */
	long signature_tolerance_s;
	long statement_timeout_ms;
	long db_timeout_ms;		/* client-side deadline of every database call; 0 none */
	bool console;			/* the HTML console's routes (SPEC 11) */
	char *shm_name;
	char *log_level;		/* error, warn, info, debug */
	char *worker_runtime;		/* hookgate-worker: runtime name or id; "" unset */
	char *worker_command;		/* the command and its arguments, split on blanks; "" unset */
	char *worker_autopilot;		/* claim only this autopilot's runs; "" all */
	long worker_concurrency;	/* commands at once, 1..64 */
	long worker_timeout_s;
	long worker_lease_s;
	long worker_output_max_bytes;
};

/*
 * Load defaults, then the file (path, else $HOOKGATE_CONFIG, else the
 * default path, which alone may be missing), then HOOKGATE_<KEY> variables.
 * On failure, err names the key and, for the file, the line.
 * The strings in s are owned by s; settings_free releases them.
 */
bool settings_load(struct hg_settings *s, const char *path,
		   char *err, size_t errlen) HG_MUSTCHECK;
void settings_free(struct hg_settings *s);

/*
 * The file settings_load reads for path: path, else $HOOKGATE_CONFIG, else
 * HG_DEFAULT_CONFIG. *named says whether it was named (then it must exist).
 */
const char *settings_file(const char *path, bool *named);

/* The path that settings_load read, or NULL when no file was read. */
const char *settings_path(void);

/* Names of every key, NULL-terminated: the man page and sample are checked against it. */
const char *const *settings_keys(void);

#endif
