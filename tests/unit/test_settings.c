/* test_settings: defaults, the configuration file, HOOKGATE_CONFIG and HOOKGATE_<KEY> overrides. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/settings.h"
#include "tap.h"

static char dir[] = "/tmp/hookgate-test-settings.XXXXXX";

/* Write text to dir/name; path (PATH_LEN bytes) receives its name. */
#define PATH_LEN 256
static bool write_file(const char *name, const char *text, char *path)
{
	FILE *f;

	snprintf(path, PATH_LEN, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		diag("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static void remove_file(const char *name)
{
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Unset every HOOKGATE_* variable so the caller's environment cannot leak in. */
static void clear_env(void)
{
	extern char **environ;
	char name[256];

	for (;;) {
		char **e;

		for (e = environ; *e; e++)
			if (strncmp(*e, "HOOKGATE_", 9) == 0)
				break;
		if (!*e)
			return;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
		unsetenv(name);
	}
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle) != NULL;
}

static void test_defaults(void)
{
	char empty[PATH_LEN];
	struct hg_settings s;
	char err[512] = "";

	if (!ok(write_file("empty.conf", "", empty) && settings_load(&s, empty, err, sizeof(err)),
		"an empty file loads: %s", err))
		return;
	is_str(s.database_url, "", "default database_url");
	ok(s.db_prepared_statements, "default db_prepared_statements: on");
	ok(s.console, "default console: on");
	is_str(s.public_url, "", "default public_url");
	is_str(s.base_path, "", "default base_path");
	is_int(s.max_body_bytes, 262144, "default max_body_bytes");
	is_int(s.ip_ceiling, 600, "default ip_ceiling");
	is_int(s.ip_bad_credentials, 30, "default ip_bad_credentials");
	is_int(s.token_rate, 60, "default token_rate");
	is_str(s.trusted_proxies, "", "default trusted_proxies");
	is_str(s.metrics_allow, "127.0.0.0/8, ::1/128", "default metrics_allow: loopback");
	is_int(s.runtime_offline_after, 90, "default runtime_offline_after");
	is_int(s.max_run_attempts, 5, "default max_run_attempts");
	is_int(s.retention_days, 30, "default retention_days");
	is_int(s.body_retention_days, 30, "default body_retention_days: retention_days");
	is_int(s.signature_tolerance_s, 300, "default signature_tolerance_s");
	is_int(s.statement_timeout_ms, 5000, "default statement_timeout_ms");
	is_int(s.token_ceiling, 0, "default token_ceiling: off");
	is_int(s.db_timeout_ms, 7000, "default db_timeout_ms: statement_timeout_ms + 2000");
	is_str(s.shm_name, "/hookgate", "default shm_name");
	is_str(s.log_level, "info", "default log_level");
	is_str(settings_path(), empty, "settings_path names the file read");
	settings_free(&s);
	ok(s.database_url == NULL && s.log_level == NULL, "settings_free releases and clears the strings");
}

static void test_file(void)
{
	char path[PATH_LEN];
	bool written = write_file("full.conf",
		"# hookgate test configuration\n"
		"\n"
		"   # an indented comment\n"
		"database_url = host=/tmp dbname=hg user=hg\n"
		"db_prepared_statements = off\n"
		"public_url=https://hooks.example.com\n"
		"base_path = /hookgate/\n"
		"\tmax_body_bytes\t=\t1048576\t\n"
		"ip_ceiling = 0\n"
		"ip_bad_credentials = 5\n"
		"token_rate = 7\n"
		"trusted_proxies = 10.0.0.0/8, ::1\n"
		"metrics_allow = 192.168.0.0/16\n"
		"runtime_offline_after = 120\n"
		"max_run_attempts = 0\n"
		"signature_tolerance_s = 60\n"
		"statement_timeout_ms = 2500\n"
		"console = off\n"
		"shm_name = /hookgate-test\n"
		"log_level = debug\n"
		"token_rate = 8\n", path);
	struct hg_settings s;
	char err[512] = "";

	if (!ok(written && settings_load(&s, path, err, sizeof(err)), "a full file loads: %s", err))
		return;
	is_str(s.database_url, "host=/tmp dbname=hg user=hg", "database_url keeps its inner = and blanks");
	ok(!s.db_prepared_statements, "db_prepared_statements = off");
	ok(!s.console, "console = off");
	is_str(s.public_url, "https://hooks.example.com", "public_url without blanks around =");
	is_str(s.base_path, "/hookgate", "base_path loses its trailing slash");
	is_int(s.max_body_bytes, 1048576, "tabs around key and value");
	is_int(s.ip_ceiling, 0, "0 is allowed (disables the limit)");
	is_int(s.ip_bad_credentials, 5, "ip_bad_credentials");
	is_int(s.token_rate, 8, "a later line wins");
	is_str(s.trusted_proxies, "10.0.0.0/8, ::1", "trusted_proxies");
	is_str(s.metrics_allow, "192.168.0.0/16", "metrics_allow");
	is_int(s.runtime_offline_after, 120, "runtime_offline_after");
	is_int(s.max_run_attempts, 0, "max_run_attempts 0: no limit");
	is_int(s.signature_tolerance_s, 60, "signature_tolerance_s");
	is_int(s.statement_timeout_ms, 2500, "statement_timeout_ms");
	is_str(s.shm_name, "/hookgate-test", "shm_name");
	is_str(s.log_level, "debug", "log_level");
	settings_free(&s);

	written = write_file("crlf.conf", "# windows\r\ntoken_rate = 9\r\n", path);
	if (ok(written && settings_load(&s, path, err, sizeof(err)), "CRLF line ends load: %s", err)) {
		is_int(s.token_rate, 9, "a value before CRLF");
		settings_free(&s);
	}
}

/* settings_load on text must fail with an error holding every one of want[]. */
static void load_fails(const char *name, const char *text, const char *const *want, const char *what)
{
	char path[PATH_LEN];
	bool written = write_file(name, text, path);
	struct hg_settings s;
	char err[512] = "";
	bool all = true;

	if (!ok(written && !settings_load(&s, path, err, sizeof(err)), "%s: an error", what)) {
		if (written)
			settings_free(&s);
		return;
	}
	for (; *want; want++)
		all = all && contains(err, *want);
	ok(all, "%s: the error names it: %s", what, err);
}

static void test_errors(void)
{
	load_fails("unknown.conf", "# c\ntoken_rate = 5\nbogus_key = 1\n",
		   (const char *const[]){ "bogus_key", ":3:", NULL }, "unknown key on line 3");
	load_fails("badcount.conf", "\nmax_body_bytes = lots\n",
		   (const char *const[]){ "max_body_bytes", ":2:", NULL }, "bad number on line 2");
	load_fails("negative.conf", "ip_ceiling = -1\n",
		   (const char *const[]){ "ip_ceiling", ":1:", NULL }, "negative number");
	load_fails("trailing.conf", "token_rate = 10x\n",
		   (const char *const[]){ "token_rate", ":1:", NULL }, "number with trailing text");
	load_fails("huge.conf", "token_rate = 99999999999999999999\n",
		   (const char *const[]){ "token_rate", ":1:", NULL }, "number out of range");
	load_fails("emptycount.conf", "token_rate =\n",
		   (const char *const[]){ "token_rate", ":1:", NULL }, "empty number");
	load_fails("level.conf", "log_level = loud\n",
		   (const char *const[]){ "log_level", ":1:", NULL }, "bad log_level");
	load_fails("cidr.conf", "# proxies\n# more\n\ntrusted_proxies = 10.0.0.0/33\n",
		   (const char *const[]){ "trusted_proxies", ":4:", NULL }, "bad CIDR on line 4");
	load_fails("metrics.conf", "metrics_allow = everyone\n",
		   (const char *const[]){ "metrics_allow", ":1:", NULL }, "bad metrics_allow");
	load_fails("base.conf", "base_path = hookgate\n",
		   (const char *const[]){ "base_path", ":1:", NULL }, "base_path without a leading /");
	load_fails("bool.conf", "db_prepared_statements = yes\n",
		   (const char *const[]){ "db_prepared_statements", ":1:", "on or off", NULL },
		   "db_prepared_statements other than on or off");
	load_fails("console.conf", "console = disabled\n",
		   (const char *const[]){ "console", ":1:", "on or off", NULL },
		   "console other than on or off");
	/* found by tests/fuzz/fuzz_settings: a form feed passed and stayed at the end once '/' was dropped */
	load_fails("basecntl.conf", "base_path = /hoo\f/ \n",
		   (const char *const[]){ "base_path", ":1:", "control characters", NULL },
		   "base_path with a control character");
	load_fails("noeq.conf", "token_rate 5\n",
		   (const char *const[]){ ":1:", NULL }, "a line without =");
}

static void test_env(void)
{
	char path[PATH_LEN], other[PATH_LEN], missing[PATH_LEN], boolenv[PATH_LEN];
	struct hg_settings s;
	char err[512] = "";

	if (!ok(write_file("env.conf", "token_rate = 7\nlog_level = warn\n", path) &&
		write_file("other.conf", "token_rate = 11\n", other), "write env.conf and other.conf"))
		return;

	setenv("HOOKGATE_TOKEN_RATE", "5", 1);
	if (ok(settings_load(&s, path, err, sizeof(err)), "load with an override: %s", err)) {
		is_int(s.token_rate, 5, "HOOKGATE_TOKEN_RATE wins over the file");
		is_str(s.log_level, "warn", "keys not overridden come from the file");
		settings_free(&s);
	}
	unsetenv("HOOKGATE_TOKEN_RATE");

	setenv("HOOKGATE_DATABASE_URL", "dbname=fromenv", 1);
	setenv("HOOKGATE_BASE_PATH", "/api-root/", 1);
	if (ok(settings_load(&s, path, err, sizeof(err)), "load with string overrides: %s", err)) {
		is_str(s.database_url, "dbname=fromenv", "HOOKGATE_DATABASE_URL");
		is_str(s.base_path, "/api-root", "HOOKGATE_BASE_PATH is checked and trimmed like the file");
		settings_free(&s);
	}
	unsetenv("HOOKGATE_DATABASE_URL");
	unsetenv("HOOKGATE_BASE_PATH");

	if (ok(write_file("bool-env.conf", "db_prepared_statements = off\n", boolenv),
	       "write bool-env.conf")) {
		setenv("HOOKGATE_DB_PREPARED_STATEMENTS", "on", 1);
		if (ok(settings_load(&s, boolenv, err, sizeof(err)), "load with a boolean override: %s", err)) {
			ok(s.db_prepared_statements, "HOOKGATE_DB_PREPARED_STATEMENTS=on wins over off in the file");
			settings_free(&s);
		}
		unsetenv("HOOKGATE_DB_PREPARED_STATEMENTS");
	}

	setenv("HOOKGATE_TOKEN_RATE", "fast", 1);
	ok(!settings_load(&s, path, err, sizeof(err)) && contains(err, "HOOKGATE_TOKEN_RATE"),
	   "a bad value in the environment is an error naming the variable: %s", err);
	unsetenv("HOOKGATE_TOKEN_RATE");

	setenv("HOOKGATE_NO_SUCH_KEY", "1", 1);
	ok(!settings_load(&s, path, err, sizeof(err)) && contains(err, "HOOKGATE_NO_SUCH_KEY"),
	   "an unknown HOOKGATE_ variable is an error naming it: %s", err);
	unsetenv("HOOKGATE_NO_SUCH_KEY");

	setenv("HOOKGATE_CONFIG", other, 1);
	if (ok(settings_load(&s, NULL, err, sizeof(err)), "load through HOOKGATE_CONFIG: %s", err)) {
		is_int(s.token_rate, 11, "HOOKGATE_CONFIG names the file");
		is_str(settings_path(), other, "settings_path is HOOKGATE_CONFIG's file");
		settings_free(&s);
	}
	if (ok(settings_load(&s, path, err, sizeof(err)), "explicit path with HOOKGATE_CONFIG set: %s", err)) {
		is_int(s.token_rate, 7, "an explicit path wins over HOOKGATE_CONFIG");
		settings_free(&s);
	}

	snprintf(missing, sizeof(missing), "%s/missing.conf", dir);
	setenv("HOOKGATE_CONFIG", missing, 1);
	ok(!settings_load(&s, NULL, err, sizeof(err)) && contains(err, "missing.conf"),
	   "a missing HOOKGATE_CONFIG file is an error naming it: %s", err);
	unsetenv("HOOKGATE_CONFIG");
	ok(!settings_load(&s, missing, err, sizeof(err)) && contains(err, "missing.conf"),
	   "a missing explicit file is an error naming it: %s", err);

	if (access(HG_DEFAULT_CONFIG, F_OK) != 0 && errno == ENOENT) {
		setenv("HOOKGATE_TOKEN_RATE", "3", 1);
		if (ok(settings_load(&s, NULL, err, sizeof(err)),
		       "the default file alone may be missing: %s", err)) {
			ok(settings_path() == NULL, "settings_path is NULL when no file was read");
			is_int(s.token_rate, 3, "the environment still applies without a file");
			settings_free(&s);
		}
		unsetenv("HOOKGATE_TOKEN_RATE");
	} else {
		diag("skip: %s exists on this machine, the missing-default case is not checked",
		     HG_DEFAULT_CONFIG);
	}
}

/* db_timeout_ms follows statement_timeout_ms unless set; set, it is what it says. */
static void test_db_timeout(void)
{
	char path[PATH_LEN];
	struct hg_settings s;
	char err[512] = "";

	if (ok(write_file("st.conf", "statement_timeout_ms = 100\n", path) &&
	       settings_load(&s, path, err, sizeof(err)), "statement_timeout_ms alone: %s", err)) {
		is_int(s.db_timeout_ms, 2100, "db_timeout_ms derived from statement_timeout_ms");
		settings_free(&s);
	}
	if (ok(write_file("db.conf", "statement_timeout_ms = 100\ndb_timeout_ms = 0\n", path) &&
	       settings_load(&s, path, err, sizeof(err)), "db_timeout_ms = 0: %s", err)) {
		is_int(s.db_timeout_ms, 0, "db_timeout_ms set to 0 is kept (no deadline)");
		settings_free(&s);
	}
	load_fails("dbneg.conf", "db_timeout_ms = -5\n",
		   (const char *const[]){ "db_timeout_ms", ":1:", NULL }, "negative db_timeout_ms");
}

/* body_retention_days follows retention_days unless set (SPEC 6); 0 is a value of its own. */
static void test_retention(void)
{
	char path[PATH_LEN];
	struct hg_settings s;
	char err[512] = "";

	if (ok(write_file("ret.conf", "retention_days = 90\n", path) &&
	       settings_load(&s, path, err, sizeof(err)), "retention_days alone: %s", err)) {
		is_int(s.retention_days, 90, "retention_days read");
		is_int(s.body_retention_days, 90, "body_retention_days derived from retention_days");
		settings_free(&s);
	}
	if (ok(write_file("body.conf", "retention_days = 0\nbody_retention_days = 7\n", path) &&
	       settings_load(&s, path, err, sizeof(err)), "both set: %s", err)) {
		is_int(s.retention_days, 0, "retention_days = 0 (kept forever)");
		is_int(s.body_retention_days, 7, "body_retention_days set is what it says");
		settings_free(&s);
	}
	if (ok(write_file("body0.conf", "body_retention_days = 0\n", path) &&
	       settings_load(&s, path, err, sizeof(err)), "body 0: %s", err)) {
		is_int(s.body_retention_days, 0, "body_retention_days = 0 is kept, not derived");
		settings_free(&s);
	}
	load_fails("retbig.conf", "retention_days = 36501\n",
		   (const char *const[]){ "retention_days", ":1:", "36500", NULL },
		   "retention_days over 100 years");
	load_fails("bodyneg.conf", "body_retention_days = -1\n",
		   (const char *const[]){ "body_retention_days", ":1:", NULL },
		   "negative body_retention_days");
}

static void test_keys(void)
{
	static const char *const expected[] = {
		"db_prepared_statements",	/* SPEC 13 */
		"database_url", "public_url", "base_path", "max_body_bytes", "ip_ceiling",
		"ip_bad_credentials", "token_rate", "token_ceiling", "trusted_proxies",
		"metrics_allow", "runtime_offline_after", "signature_tolerance_s",
		"statement_timeout_ms", "db_timeout_ms", "shm_name", "log_level",
		/* SPEC 10 */
		"worker_runtime", "worker_command", "worker_autopilot", "worker_concurrency",
		"worker_timeout_s", "worker_lease_s", "worker_output_max_bytes",
		"max_run_attempts",		/* SPEC 4.5 */
		"retention_days", "body_retention_days",	/* SPEC 12 */
		"console",			/* SPEC 11 */
	};
	const char *const *keys = settings_keys();
	size_t n = 0;
	bool all = true;

	while (keys[n])
		n++;
	is_int(n, sizeof(expected) / sizeof(expected[0]), "settings_keys has every key of SPEC 6 and 10");
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		bool found = false;

		for (size_t k = 0; k < n; k++)
			found = found || strcmp(keys[k], expected[i]) == 0;
		if (!found)
			diag("missing key %s", expected[i]);
		all = all && found;
	}
	ok(all, "settings_keys names the keys of SPEC 6");
}

int main(void)
{
	static const char *const files[] = {
		"basecntl.conf",
		"empty.conf", "full.conf", "crlf.conf", "unknown.conf", "badcount.conf",
		"negative.conf", "trailing.conf", "huge.conf", "emptycount.conf", "level.conf",
		"cidr.conf", "metrics.conf", "base.conf", "bool.conf", "noeq.conf", "env.conf", "other.conf",
		"bool-env.conf", "st.conf", "db.conf", "dbneg.conf", "ret.conf", "body.conf",
		"body0.conf", "retbig.conf", "bodyneg.conf", "console.conf",
	};
	int status;

	clear_env();
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_defaults();
	test_file();
	test_errors();
	test_env();
	test_db_timeout();
	test_retention();
	test_keys();
	status = done_testing();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		remove_file(files[i]);
	if (rmdir(dir) != 0) {
		printf("# rmdir %s: %s (a file was left behind)\n", dir, strerror(errno));
		status = 1;
	}
	return status;
}
