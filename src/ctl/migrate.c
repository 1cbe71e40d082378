/* ctl: hookgatectl migrate: the migrations of sql/ that are missing, each in its own transaction, recorded in hookgate_migration. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/conn.h"
#include "db/migrations.h"

/* The advisory lock that serialises migrators: "hookgate" in ASCII. */
#define MIGRATE_LOCK_KEY "7525473348489278565"

/*
 * The bookkeeping of migrations: not a resource, and a migration holds many
 * statements, so these run on the store's connection as plain queries.
 */
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
};

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

enum ctl_rc ctl_migrate(struct ctl *c, int argc, char **argv)
{
	const struct ctl_arg args[] = { { NULL, CTL_FLAG, NULL, NULL } };
	struct json_object *applied = NULL, *out = NULL, *v;
	PGresult *recorded = NULL;
	int current;

	ctl_parse_args(argc, argv, args);
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
