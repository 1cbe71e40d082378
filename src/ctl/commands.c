/* ctl_cmds: hookgatectl's setup commands (migrate, create, set-status, set-secret) and the command table; their SQL at the top. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl/ctl.h"
#include "db/conn.h"
#include "db/migrations.h"
#include "db/model.h"
#include "webhook/provider.h"
#include "lib/util.h"

/* ---- SQL: every statement of hookgatectl, always with parameters ---- */

/* A timestamp as ISO 8601 text (2026-11-30T01:02:03.456789+00:00), named as its column. */
#define TS(col) "to_json(" col ")#>>'{}' AS " col

#define WORKSPACE_COLUMNS "id, slug, name, " TS("created_at")
/* key is filled in by the program: the plain key never travels to the server */
#define APIKEY_COLUMNS "id, workspace_id, name, scope, NULL::text AS key, " TS("created_at")
#define RUNTIME_COLUMNS "id, workspace_id, name, " TS("last_seen_at") ", " TS("created_at")
#define AUTOPILOT_COLUMNS \
	"id, workspace_id, title, description, status, runtime_id, " \
	TS("last_run_at") ", " TS("created_at") ", " TS("updated_at")

/* The advisory lock that serialises migrators: "hookgate" in ASCII. */
#define MIGRATE_LOCK_KEY "7525473348489278565"

enum query {
	Q_MIGRATE_SESSION,
	Q_MIGRATE_LOCK,
	Q_MIGRATE_UNLOCK,
	Q_MIGRATE_TABLE,
	Q_MIGRATE_APPLIED,
	Q_MIGRATE_RECORD,
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_WORKSPACE_ID,
	Q_WORKSPACE_INSERT,
	Q_APIKEY_INSERT,
	Q_RUNTIME_INSERT,
	Q_RUNTIME_IN_WORKSPACE,
	Q_RUNTIME_HEARTBEAT,
	Q_AUTOPILOT_INSERT,
	Q_AUTOPILOT_SET_STATUS,
	Q_TRIGGER_INSERT,
	Q_TRIGGER_SHOW,
	Q_TRIGGER_SET_SECRET,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	/* a migration may run long and must not be cut by statement_timeout; no NOTICE noise */
	[Q_MIGRATE_SESSION] =
		"SELECT set_config('statement_timeout', '0', false),"
		" set_config('client_min_messages', 'warning', false)",
	[Q_MIGRATE_LOCK] = "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	[Q_MIGRATE_UNLOCK] = "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	[Q_MIGRATE_TABLE] =
		"CREATE TABLE IF NOT EXISTS hookgate_migration ("
		" version integer PRIMARY KEY,"
		" name text NOT NULL,"
		" applied_at timestamptz NOT NULL DEFAULT now())",
	[Q_MIGRATE_APPLIED] = "SELECT version FROM hookgate_migration ORDER BY version",
	[Q_MIGRATE_RECORD] =
		"INSERT INTO hookgate_migration (version, name) VALUES ($1::integer, $2)",
	[Q_BEGIN] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",

	[Q_WORKSPACE_ID] = "SELECT id FROM workspace WHERE slug = $1",
	[Q_WORKSPACE_INSERT] =
		"INSERT INTO workspace (slug, name) VALUES ($1, $2)"
		" RETURNING " WORKSPACE_COLUMNS,

	[Q_APIKEY_INSERT] =
		"INSERT INTO api_key (workspace_id, name, scope, key_hash)"
		" VALUES ($1::uuid, $2, $3, $4)"
		" RETURNING " APIKEY_COLUMNS,

	[Q_RUNTIME_INSERT] =
		"INSERT INTO runtime (workspace_id, name) VALUES ($1::uuid, $2)"
		" RETURNING " RUNTIME_COLUMNS,
	[Q_RUNTIME_IN_WORKSPACE] =
		"SELECT 1 FROM runtime WHERE id = $1::uuid AND workspace_id = $2::uuid",
	[Q_RUNTIME_HEARTBEAT] =
		"UPDATE runtime SET last_seen_at = now() WHERE id = $1::uuid"
		" RETURNING " RUNTIME_COLUMNS,

	[Q_AUTOPILOT_INSERT] =
		"INSERT INTO autopilot (workspace_id, title, description, status, runtime_id)"
		" VALUES ($1::uuid, $2, $3, $4, $5::uuid)"
		" RETURNING " AUTOPILOT_COLUMNS,
	[Q_AUTOPILOT_SET_STATUS] =
		"UPDATE autopilot SET status = $2, updated_at = now() WHERE id = $1::uuid"
		" RETURNING " AUTOPILOT_COLUMNS,

	[Q_TRIGGER_INSERT] =
		"INSERT INTO autopilot_trigger AS t"
		" (autopilot_id, provider, label, enabled, webhook_token)"
		" SELECT a.id, $2, $3, $4::boolean, $5 FROM autopilot a WHERE a.id = $1::uuid"
		" RETURNING " MODEL_TRIGGER_COLUMNS,
	[Q_TRIGGER_SHOW] =
		"SELECT " MODEL_TRIGGER_COLUMNS " FROM autopilot_trigger t WHERE t.id = $1::uuid",
	/*
	 * $2 NULL clears both secrets. With $3 > 0 the old secret (the
	 * right-hand side sees the row before the update) stays valid for $3
	 * seconds; otherwise the previous one is dropped.
	 */
	[Q_TRIGGER_SET_SECRET] =
		"UPDATE autopilot_trigger AS t SET"
		" previous_signing_secret = CASE WHEN $2::text IS NOT NULL AND $3::integer > 0"
		"   THEN t.signing_secret END,"
		" previous_secret_expires_at = CASE WHEN $2::text IS NOT NULL AND $3::integer > 0"
		"   AND t.signing_secret IS NOT NULL"
		"   THEN now() + make_interval(secs => $3::integer) END,"
		" signing_secret = $2::text,"
		" updated_at = now()"
		" WHERE t.id = $1::uuid"
		" RETURNING " MODEL_TRIGGER_COLUMNS,
};

#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_CHECK_VIOLATION "23514"

/* Run query q with n text parameters. The result is the caller's to PQclear, also on failure. */
static PGresult *query(struct ctl *c, enum query q, int n, const char *const *params)
{
	return PQexecParams(c->conn, queries[q], n, NULL, params, NULL, NULL, 0);
}

/* Run a query that returns nothing or rows we do not need; false after saying why. */
static HG_MUSTCHECK bool exec_ok(struct ctl *c, enum query q, int n, const char *const *params,
			    const char *what)
{
	PGresult *res = query(c, q, n, params);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		ctl_db_error(c, res, "%s", what);
	PQclear(res);
	return ok;
}

/* ---- checks of arguments, before any query ---- */

#define UUID_BUF 37

/* The schema's CHECK: ^[a-z0-9][a-z0-9-]{0,62}$ */
static bool slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool status_valid(const char *status)
{
	if (strcmp(status, "active") == 0 || strcmp(status, "paused") == 0 ||
	    strcmp(status, "archived") == 0)
		return true;
	ctl_error("invalid status '%s' (expected active, paused or archived)", status);
	return false;
}

static bool not_empty(const char *option, const char *value)
{
	if (value[0] != '\0')
		return true;
	ctl_error("%s must not be empty", option);
	return false;
}

/* The id of the workspace called slug into id; false after saying why. */
static HG_MUSTCHECK bool workspace_find(struct ctl *c, const char *slug, char id[UUID_BUF])
{
	const char *params[] = { slug };
	PGresult *res = query(c, Q_WORKSPACE_ID, 1, params);
	bool ok = false;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		ctl_db_error(c, res, "cannot look up workspace '%s'", slug);
	else if (PQntuples(res) == 0)
		ctl_error("workspace '%s' not found", slug);
	else {
		snprintf(id, UUID_BUF, "%s", PQgetvalue(res, 0, 0));
		ok = true;
	}
	PQclear(res);
	return ok;
}

/* ---- migrate ---- */

static bool migration_recorded(const PGresult *applied, int version)
{
	for (int i = 0; i < PQntuples(applied); i++)
		if (atoi(PQgetvalue(applied, i, 0)) == version)
			return true;
	return false;
}

/* Apply m in its own transaction and record it; false after saying why. */
static HG_MUSTCHECK bool migration_apply(struct ctl *c, const struct migration *m)
{
	char version[16];
	const char *params[] = { version, m->name };
	PGresult *res = NULL;
	ExecStatusType st;

	snprintf(version, sizeof(version), "%d", m->version);
	if (!exec_ok(c, Q_BEGIN, 0, NULL, "cannot begin a transaction"))
		return false;
	/* a migration holds several statements: the one place for PQexec of fixed SQL */
	res = PQexec(c->conn, m->sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		ctl_db_error(c, res, "migration %s failed", m->name);
		goto fail;
	}
	PQclear(res);
	res = NULL;
	if (!exec_ok(c, Q_MIGRATE_RECORD, 2, params, "cannot record the migration"))
		goto fail;
	if (!exec_ok(c, Q_COMMIT, 0, NULL, "cannot commit the migration"))
		goto fail;
	return true;
fail:
	PQclear(res);
	PQclear(query(c, Q_ROLLBACK, 0, NULL));
	return false;
}

static enum ctl_rc cmd_migrate(struct ctl *c, int argc, char **argv)
{
	const struct ctl_arg args[] = { { NULL, CTL_FLAG, NULL, NULL } };
	struct json_object *applied = NULL, *out = NULL, *v;
	PGresult *recorded = NULL;
	enum ctl_rc rc;
	int current;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	for (int i = 1; i < hg_migrations_count; i++) {
		if (hg_migrations[i].version <= hg_migrations[i - 1].version) {
			ctl_error("migrations are not in version order (%s)", hg_migrations[i].name);
			return CTL_FAIL;
		}
	}
	if (!ctl_connect(c))
		return CTL_FAIL;
	if (!exec_ok(c, Q_MIGRATE_SESSION, 0, NULL, "cannot set up the session") ||
	    !exec_ok(c, Q_MIGRATE_LOCK, 0, NULL, "cannot take the migration lock") ||
	    !exec_ok(c, Q_MIGRATE_TABLE, 0, NULL, "cannot create hookgate_migration"))
		goto fail;
	recorded = query(c, Q_MIGRATE_APPLIED, 0, NULL);
	if (PQresultStatus(recorded) != PGRES_TUPLES_OK) {
		ctl_db_error(c, recorded, "cannot read hookgate_migration");
		goto fail;
	}
	applied = json_object_new_array();
	if (!applied)
		goto oom;
	for (int i = 0; i < hg_migrations_count; i++) {
		const struct migration *m = &hg_migrations[i];

		if (migration_recorded(recorded, m->version))
			continue;
		if (!migration_apply(c, m))
			goto fail;
		v = json_object_new_int(m->version);
		if (!v || json_object_array_add(applied, v) != 0) {
			json_object_put(v);
			goto oom;
		}
	}
	PQclear(recorded);
	recorded = NULL;
	current = db_schema_version(c->conn);
	if (current < 0) {
		ctl_error("cannot read the schema version: %.*s",
			  (int)strcspn(PQerrorMessage(c->conn), "\r\n"), PQerrorMessage(c->conn));
		goto fail;
	}
	if (!exec_ok(c, Q_MIGRATE_UNLOCK, 0, NULL, "cannot release the migration lock"))
		goto fail;
	out = json_object_new_object();
	if (!out || json_object_object_add(out, "applied", applied) != 0)
		goto oom;
	applied = NULL;
	v = json_object_new_int(current);
	if (!v || json_object_object_add(out, "current", v) != 0) {
		json_object_put(v);
		goto oom;
	}
	return ctl_print(out) ? CTL_OK : CTL_FAIL;
oom:
	ctl_error("out of memory");
fail:
	json_object_put(out);
	json_object_put(applied);
	PQclear(recorded);
	return CTL_FAIL;
}

/* ---- workspace ---- */

static enum ctl_rc cmd_workspace_create(struct ctl *c, int argc, char **argv)
{
	const char *slug = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "SLUG", CTL_POSITIONAL, &slug, NULL },
		{ "name", CTL_OPTIONAL, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	const char *params[2];
	PGresult *res;
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!slug_valid(slug)) {
		ctl_error("invalid workspace slug '%s': 1 to 63 lower-case letters, digits "
			  "and '-', not starting with '-'", slug);
		return CTL_FAIL;
	}
	if (!name)
		name = slug;
	if (!not_empty("--name", name) || !ctl_connect(c))
		return CTL_FAIL;
	params[0] = slug;
	params[1] = name;
	res = query(c, Q_WORKSPACE_INSERT, 2, params);
	if (ctl_sqlstate_is(res, SQLSTATE_UNIQUE_VIOLATION)) {
		ctl_error("workspace '%s' already exists", slug);
		PQclear(res);
		return CTL_FAIL;
	}
	return ctl_print_one(c, res, ctl_row_json, "cannot create workspace", "workspace", slug);
}

/* ---- apikey ---- */

static enum ctl_rc cmd_apikey_create(struct ctl *c, int argc, char **argv)
{
	const char *workspace = NULL, *scope = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "scope", CTL_OPTIONAL, &scope, NULL },
		{ "name", CTL_OPTIONAL, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[UUID_BUF], key[HG_TOKEN_LEN + 1], hash[65];
	const char *params[4];
	struct json_object *obj = NULL, *v;
	PGresult *res = NULL;
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!scope)
		scope = "write";
	if (strcmp(scope, "read") != 0 && strcmp(scope, "write") != 0) {
		ctl_error("invalid scope '%s' (expected read or write)", scope);
		return CTL_FAIL;
	}
	if (!name)
		name = "";
	if (!ctl_connect(c) || !workspace_find(c, workspace, workspace_id))
		return CTL_FAIL;
	if (!token_generate("hgk_", key, sizeof(key))) {
		ctl_error("cannot generate a random key");
		return CTL_FAIL;
	}
	/* only the hash is stored; the key itself is shown once, below */
	sha256_hex(key, strlen(key), hash);
	params[0] = workspace_id;
	params[1] = name;
	params[2] = scope;
	params[3] = hash;
	res = query(c, Q_APIKEY_INSERT, 4, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ctl_db_error(c, res, "cannot create API key");
		goto fail;
	}
	obj = model_row_json(res, 0);
	/* replaces the NULL placeholder in place, keeping the field order */
	v = json_object_new_string(key);
	if (!obj || !v || json_object_object_add(obj, "key", v) != 0) {
		json_object_put(v);
		ctl_error("out of memory");
		goto fail;
	}
	PQclear(res);
	rc = ctl_print(obj) ? CTL_OK : CTL_FAIL;
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
fail:
	json_object_put(obj);
	PQclear(res);
	OPENSSL_cleanse(key, sizeof(key));
	return CTL_FAIL;
}

/* ---- runtime ---- */

static enum ctl_rc cmd_runtime_create(struct ctl *c, int argc, char **argv)
{
	const char *workspace = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "name", CTL_REQUIRED, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[UUID_BUF];
	const char *params[2];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!not_empty("--name", name) || !ctl_connect(c) ||
	    !workspace_find(c, workspace, workspace_id))
		return CTL_FAIL;
	params[0] = workspace_id;
	params[1] = name;
	return ctl_print_one(c, query(c, Q_RUNTIME_INSERT, 2, params), ctl_row_json,
			     "cannot create runtime", "workspace", workspace);
}

static enum ctl_rc cmd_runtime_heartbeat(struct ctl *c, int argc, char **argv)
{
	return ctl_id_command(c, argc, argv, "RUNTIME_ID", "runtime", queries[Q_RUNTIME_HEARTBEAT],
			      ctl_row_json, "cannot record the heartbeat");
}

/* ---- autopilot ---- */

/* Whether runtime id belongs to the workspace; false after saying why. */
static HG_MUSTCHECK bool runtime_in_workspace(struct ctl *c, const char *id, const char *workspace_id,
				 const char *workspace)
{
	const char *params[] = { id, workspace_id };
	PGresult *res = query(c, Q_RUNTIME_IN_WORKSPACE, 2, params);
	bool ok = false;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		ctl_db_error(c, res, "cannot look up runtime '%s'", id);
	else if (PQntuples(res) == 0)
		ctl_error("runtime '%s' not found in workspace '%s'", id, workspace);
	else
		ok = true;
	PQclear(res);
	return ok;
}

static enum ctl_rc cmd_autopilot_create(struct ctl *c, int argc, char **argv)
{
	const char *workspace = NULL, *title = NULL, *description = NULL;
	const char *status = NULL, *runtime = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "title", CTL_REQUIRED, &title, NULL },
		{ "description", CTL_OPTIONAL, &description, NULL },
		{ "status", CTL_OPTIONAL, &status, NULL },
		{ "runtime", CTL_OPTIONAL, &runtime, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[UUID_BUF];
	const char *params[5];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!description)
		description = "";
	if (!status)
		status = "active";
	if (!not_empty("--title", title) || !status_valid(status) ||
	    (runtime && !ctl_id_valid("runtime", runtime)))
		return CTL_FAIL;
	if (!ctl_connect(c) || !workspace_find(c, workspace, workspace_id))
		return CTL_FAIL;
	if (runtime && !runtime_in_workspace(c, runtime, workspace_id, workspace))
		return CTL_FAIL;
	params[0] = workspace_id;
	params[1] = title;
	params[2] = description;
	params[3] = status;
	params[4] = runtime;		/* NULL: no runtime */
	return ctl_print_one(c, query(c, Q_AUTOPILOT_INSERT, 5, params), ctl_row_json,
			     "cannot create autopilot", "workspace", workspace);
}

static enum ctl_rc cmd_autopilot_set_status(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL, *status = NULL;
	const struct ctl_arg args[] = {
		{ "AUTOPILOT_ID", CTL_POSITIONAL, &id, NULL },
		{ "STATUS", CTL_POSITIONAL, &status, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	const char *params[2];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!ctl_id_valid("autopilot", id) || !status_valid(status) || !ctl_connect(c))
		return CTL_FAIL;
	params[0] = id;
	params[1] = status;
	return ctl_print_one(c, query(c, Q_AUTOPILOT_SET_STATUS, 2, params), ctl_row_json,
			     "cannot set the status", "autopilot", id);
}

/* ---- trigger ---- */

/* "unknown provider 'x' (known: generic, github, ...)" */
static void unknown_provider(const char *name)
{
	const char *const *names = provider_names();
	char list[512] = "";
	size_t used = 0;

	for (size_t i = 0; names && names[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	ctl_error("unknown provider '%s' (known: %s)", name, list);
}

static enum ctl_rc cmd_trigger_create(struct ctl *c, int argc, char **argv)
{
	const char *autopilot = NULL, *provider = NULL, *label = NULL;
	bool disabled = false;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &autopilot, NULL },
		{ "provider", CTL_OPTIONAL, &provider, NULL },
		{ "label", CTL_OPTIONAL, &label, NULL },
		{ "disabled", CTL_FLAG, NULL, &disabled },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char token[HG_TOKEN_LEN + 1];
	const char *params[5];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!provider)
		provider = "generic";
	if (!label)
		label = "";
	if (!ctl_id_valid("autopilot", autopilot))
		return CTL_FAIL;
	if (!provider_find(provider)) {
		unknown_provider(provider);
		return CTL_FAIL;
	}
	if (!ctl_connect(c))
		return CTL_FAIL;
	if (!token_generate("awt_", token, sizeof(token))) {
		ctl_error("cannot generate a random webhook token");
		return CTL_FAIL;
	}
	params[0] = autopilot;
	params[1] = provider;
	params[2] = label;
	params[3] = disabled ? "false" : "true";
	params[4] = token;
	/* no row: the autopilot does not exist */
	return ctl_print_one(c, query(c, Q_TRIGGER_INSERT, 5, params), ctl_trigger_json,
			     "cannot create trigger", "autopilot", autopilot);
}

static enum ctl_rc cmd_trigger_show(struct ctl *c, int argc, char **argv)
{
	return ctl_id_command(c, argc, argv, "TRIGGER_ID", "trigger", queries[Q_TRIGGER_SHOW],
			      ctl_trigger_json, "cannot read trigger");
}

#define SECRET_MAX_BYTES 4096
#define SECRET_MIN_CHARS 16
#define KEEP_PREVIOUS_MAX_S 2592000L	/* 30 days, as the API's keep_previous_for_s */

/*
 * Read the signing secret: one line of standard input into buf, trimmed,
 * NUL-terminated. On a terminal, prompt on stderr and turn echo off.
 * False after saying why. The caller cleanses buf.
 */
static HG_MUSTCHECK bool secret_read(char *buf, size_t buflen)
{
	struct termios saved, quiet;
	bool tty = isatty(STDIN_FILENO), restore = false, nul = false, too_long = false;
	size_t n = 0, start = 0, chars = 0;
	int ch;

	/* unbuffered: no copy of the secret is left in stdio's buffer */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (tty) {
		fputs("Signing secret (not echoed; an empty line clears it): ", stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			quiet = saved;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while ((ch = getchar()) != EOF && ch != '\n') {
		if (ch == '\0')
			nul = true;
		if (n + 1 >= buflen) {
			too_long = true;
			break;
		}
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (tty)
		fputc('\n', stderr);
	if (ch == EOF && ferror(stdin)) {
		ctl_error("cannot read the secret from standard input: %s", strerror(errno));
		return false;
	}
	if (too_long) {
		ctl_error("the secret is longer than %d bytes", (int)buflen - 1);
		return false;
	}
	if (nul) {
		ctl_error("the secret contains a NUL byte");
		return false;
	}
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	while (start < n && isspace((unsigned char)buf[start]))
		start++;
	memmove(buf, buf + start, n - start + 1);
	n -= start;
	if (!utf8_valid((const unsigned char *)buf, n)) {
		ctl_error("the secret is not valid UTF-8");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)buf[i] & 0xC0) != 0x80)
			chars++;
	if (n > 0 && chars < SECRET_MIN_CHARS) {
		ctl_error("the secret must be at least %d characters (or empty, to clear it)",
			  SECRET_MIN_CHARS);
		return false;
	}
	return true;
}

/* A whole number of seconds from 0 to INT_MAX. */
static HG_MUSTCHECK bool seconds_parse(const char *s, long *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return false;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= INT_MAX;
}

static enum ctl_rc cmd_trigger_set_secret(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL, *keep = NULL;
	bool from_stdin = false;
	const struct ctl_arg args[] = {
		{ "TRIGGER_ID", CTL_POSITIONAL, &id, NULL },
		{ "stdin", CTL_FLAG, NULL, &from_stdin },
		{ "keep-previous", CTL_OPTIONAL, &keep, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char secret[SECRET_MAX_BYTES + 1], seconds[24];
	const char *params[3];
	long keep_s = 0;
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	/* --stdin only says what is the default (and only) source */
	if (!ctl_id_valid("trigger", id))
		return CTL_FAIL;
	if (keep && (!seconds_parse(keep, &keep_s) || keep_s > KEEP_PREVIOUS_MAX_S)) {
		ctl_error("invalid --keep-previous '%s' (a whole number of seconds from 0 to %ld)",
			  keep, KEEP_PREVIOUS_MAX_S);
		return CTL_FAIL;
	}
	snprintf(seconds, sizeof(seconds), "%ld", keep_s);
	if (!secret_read(secret, sizeof(secret)))
		goto fail;
	if (!ctl_connect(c))
		goto fail;
	params[0] = id;
	params[1] = secret[0] ? secret : NULL;	/* empty clears */
	params[2] = seconds;
	rc = ctl_print_one(c, query(c, Q_TRIGGER_SET_SECRET, 3, params), ctl_trigger_json,
			   "cannot set the signing secret", "trigger", id);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
fail:
	OPENSSL_cleanse(secret, sizeof(secret));
	return CTL_FAIL;
}

const struct ctl_command ctl_commands[] = {
	{ "migrate", NULL, cmd_migrate },
	{ "workspace", "create", cmd_workspace_create },
	{ "apikey", "create", cmd_apikey_create },
	{ "apikey", "list", ctl_apikey_list },
	{ "apikey", "revoke", ctl_apikey_revoke },
	{ "runtime", "create", cmd_runtime_create },
	{ "runtime", "heartbeat", cmd_runtime_heartbeat },
	{ "autopilot", "create", cmd_autopilot_create },
	{ "autopilot", "set-status", cmd_autopilot_set_status },
	{ "trigger", "create", cmd_trigger_create },
	{ "trigger", "show", cmd_trigger_show },
	{ "trigger", "set-secret", cmd_trigger_set_secret },
	{ "trigger", "list", ctl_trigger_list },
	{ "trigger", "rotate", ctl_trigger_rotate },
	{ "delivery", "list", ctl_delivery_list },
	{ "delivery", "show", ctl_delivery_show },
	{ "delivery", "replay", ctl_delivery_replay },
	{ "run", "list", ctl_run_list },
	{ "run", "show", ctl_run_show },
	{ NULL, NULL, NULL },
};
