/* settings: the key = value configuration file and its HOOKGATE_<KEY> overrides. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/settings.h"
#include "lib/cidr.h"

enum kind { K_STRING, K_COUNT, K_BOOL, K_PATH_PREFIX, K_CIDRS, K_LEVEL };

struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	const char *def;
	long max;		/* K_COUNT: the largest value; 0 means INT_MAX */
};

#define STR(f) offsetof(struct hg_settings, f)

/* db_timeout_ms by default: the server's statement_timeout plus this, so the server's comes first. */
#define DB_TIMEOUT_MARGIN_MS 2000

static const struct key keys[] = {
	{ "database_url",		K_STRING,	STR(database_url),		"",	0 },
	{ "db_prepared_statements",	K_BOOL,		STR(db_prepared_statements),	"on",	0 },
	{ "public_url",			K_STRING,	STR(public_url),		"",	0 },
	{ "base_path",			K_PATH_PREFIX,	STR(base_path),			"",	0 },
	{ "max_body_bytes",		K_COUNT,	STR(max_body_bytes),		"262144",	64L << 20 },
	{ "ip_ceiling",			K_COUNT,	STR(ip_ceiling),		"600",	0 },
	{ "ip_bad_credentials",		K_COUNT,	STR(ip_bad_credentials),	"30",	0 },
	{ "token_rate",			K_COUNT,	STR(token_rate),		"60",	0 },
	{ "token_ceiling",		K_COUNT,	STR(token_ceiling),		"0",	0 },
	{ "trusted_proxies",		K_CIDRS,	STR(trusted_proxies),		"",	0 },
	{ "metrics_allow",		K_CIDRS,	STR(metrics_allow),		"127.0.0.0/8, ::1/128",	0 },
	{ "runtime_offline_after",	K_COUNT,	STR(runtime_offline_after),	"90",	0 },
	{ "max_run_attempts",		K_COUNT,	STR(max_run_attempts),		"5",	0 },
	{ "retention_days",		K_COUNT,	STR(retention_days),		"30",	RETENTION_DAYS_MAX },
	/* no default of its own: retention_days unless set (settings_load) */
	{ "body_retention_days",	K_COUNT,	STR(body_retention_days),	NULL,	RETENTION_DAYS_MAX },
	{ "signature_tolerance_s",	K_COUNT,	STR(signature_tolerance_s),	"300",	0 },
	{ "statement_timeout_ms",	K_COUNT,	STR(statement_timeout_ms),	"5000",	0 },
	/* no default of its own: statement_timeout_ms + 2000 unless set (settings_load) */
	{ "db_timeout_ms",		K_COUNT,	STR(db_timeout_ms),		NULL,	0 },
	/* the HTML console under /console/ (SPEC 11); off removes its routes */
	{ "console",			K_BOOL,		STR(console),			"on",	0 },
	{ "shm_name",			K_STRING,	STR(shm_name),			"/hookgate",	0 },
	{ "log_level",			K_LEVEL,	STR(log_level),			"info",	0 },
	/* hookgate-worker's own keys (SPEC 10); the responder reads and ignores them */
	{ "worker_runtime",		K_STRING,	STR(worker_runtime),		"",	0 },
	{ "worker_command",		K_STRING,	STR(worker_command),		"",	0 },
	{ "worker_autopilot",		K_STRING,	STR(worker_autopilot),		"",	0 },
	{ "worker_concurrency",		K_COUNT,	STR(worker_concurrency),	"1",	64 },
	{ "worker_timeout_s",		K_COUNT,	STR(worker_timeout_s),		"600",	7L * 86400 },
	{ "worker_lease_s",		K_COUNT,	STR(worker_lease_s),		"60",	86400 },
	{ "worker_output_max_bytes",	K_COUNT,	STR(worker_output_max_bytes),	"65536",	16L << 20 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *key_names[NKEYS + 1];
static char loaded_path[4096];

const char *const *settings_keys(void)
{
	for (size_t i = 0; i < NKEYS; i++)
		key_names[i] = keys[i].name;
	key_names[NKEYS] = NULL;
	return key_names;
}

const char *settings_path(void)
{
	return loaded_path[0] ? loaded_path : NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Check value for k and store it; on failure, return a short reason. */
static const char *set_value(struct hg_settings *s, const struct key *k, const char *value)
{
	void *field = (char *)s + k->offset;
	char *copy;

	switch (k->kind) {
	case K_COUNT: {
		char *end;
		long v;

		static char why[64];
		long max = k->max ? k->max : INT_MAX;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0' || v < 0 || v > max) {
			snprintf(why, sizeof(why), "expected a whole number from 0 to %ld", max);
			return why;
		}
		*(long *)field = v;
		return NULL;
	}
	case K_BOOL:
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
			return "expected on or off";
		*(bool *)field = strcmp(value, "on") == 0;
		return NULL;
	case K_PATH_PREFIX:
		if (value[0] != '\0' && value[0] != '/')
			return "expected a path starting with /";
		/* a form feed or another control character can never be in a URL path
		   (found by tests/fuzz/fuzz_settings) */
		for (const char *c = value; *c; c++)
			if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c) || *c == '?' || *c == '#')
				return "path must not contain blanks, control characters, ? or #";
		break;
	case K_CIDRS:
		if (!cidr_list_valid(value))
			return "expected a list of CIDRs (e.g. 10.0.0.0/8, ::1/128)";
		break;
	case K_LEVEL:
		if (strcmp(value, "error") && strcmp(value, "warn") &&
		    strcmp(value, "info") && strcmp(value, "debug"))
			return "expected error, warn, info or debug";
		break;
	case K_STRING:
		break;
	}
	copy = strdup(value);
	if (!copy)
		return "out of memory";
	if (k->kind == K_PATH_PREFIX) {
		size_t n = strlen(copy);
		while (n > 0 && copy[n - 1] == '/')
			copy[--n] = '\0';
	}
	free(*(char **)field);
	*(char **)field = copy;
	return NULL;
}

static bool load_file(struct hg_settings *s, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[8192];
	int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char *p, *eq, *name, *value;
		const struct key *k;
		const char *why;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			return false;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			return false;
		}
		*eq = '\0';
		name = trim(p);
		value = trim(eq + 1);
		k = find_key(name);
		if (!k) {
			snprintf(err, errlen, "%s:%d: unknown key '%s'", path, lineno, name);
			return false;
		}
		why = set_value(s, k, value);
		if (why) {
			snprintf(err, errlen, "%s:%d: bad value for %s: %s", path, lineno, name, why);
			return false;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		return false;
	}
	return true;
}

static bool load_env(struct hg_settings *s, char *err, size_t errlen)
{
	extern char **environ;

	for (char **e = environ; *e; e++) {
		char name[64];
		const char *eq, *v = *e;
		const struct key *k;
		const char *why;
		size_t n;

		if (strncmp(v, "HOOKGATE_", 9) != 0)
			continue;
		eq = strchr(v, '=');
		if (!eq)
			continue;
		n = (size_t)(eq - v) - 9;
		if (n == 0 || n >= sizeof(name))
			continue;
		for (size_t i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)v[9 + i]);
		name[n] = '\0';
		if (strcmp(name, "config") == 0)
			continue;
		k = find_key(name);
		if (!k) {
			snprintf(err, errlen, "environment: unknown key HOOKGATE_%.*s", (int)n, v + 9);
			return false;
		}
		why = set_value(s, k, eq + 1);
		if (why) {
			snprintf(err, errlen, "environment: bad value for HOOKGATE_%.*s: %s",
				 (int)n, v + 9, why);
			return false;
		}
	}
	return true;
}

const char *settings_file(const char *path, bool *named)
{
	*named = true;
	if (!path || !*path)
		path = getenv("HOOKGATE_CONFIG");
	if (!path || !*path) {
		path = HG_DEFAULT_CONFIG;
		*named = false;
	}
	return path;
}

bool settings_load(struct hg_settings *s, const char *path, char *err, size_t errlen)
{
	bool must_exist;
	FILE *f;

	memset(s, 0, sizeof(*s));
	loaded_path[0] = '\0';
	s->db_timeout_ms = -1;
	s->body_retention_days = -1;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].def && set_value(s, &keys[i], keys[i].def)) {
			snprintf(err, errlen, "bad default for %s", keys[i].name);
			goto fail;
		}
	}
	path = settings_file(path, &must_exist);
	f = fopen(path, "r");
	if (f) {
		bool ok = load_file(s, f, path, err, errlen);
		fclose(f);
		if (!ok)
			goto fail;
		snprintf(loaded_path, sizeof(loaded_path), "%s", path);
	} else if (must_exist || errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!load_env(s, err, errlen))
		goto fail;
	if (s->db_timeout_ms < 0)
		s->db_timeout_ms = s->statement_timeout_ms + DB_TIMEOUT_MARGIN_MS;
	if (s->body_retention_days < 0)
		s->body_retention_days = s->retention_days;
	return true;
fail:
	settings_free(s);
	return false;
}

void settings_free(struct hg_settings *s)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].kind != K_COUNT && keys[i].kind != K_BOOL) {
			char **field = (char **)((char *)s + keys[i].offset);
			free(*field);
			*field = NULL;
		}
	}
}
