/*
 * store: one PostgreSQL connection per process, opened on first use after
 * fork, kept open, re-opened after failure; each named statement prepared
 * once per connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/conn.h"
#include "lib/log.h"
#include "db/store.h"

static const struct hg_settings *settings;
static PGconn *conn;
static unsigned generation;	/* of the open connection; statements remember it */
static bool schema_missing;	/* a statement could not be prepared: not migrated */
static char last_sqlstate[6];
static char last_error[512];	/* "SQLSTATE x: primary message" or libpq's, of the last failure */
static const char *app_name = "hookgate";

static struct statement st_version = { "hg_schema_version",
	"SELECT coalesce(max(version), 0) FROM hookgate_migration", 0, 0, false };

/* Told of every database error; the responder counts them in its metrics. */
static void (*error_hook)(void);

void store_set_error_hook(void (*hook)(void))
{
	error_hook = hook;
}

static void db_error_seen(void)
{
	if (error_hook)
		error_hook();
}

void store_init(const struct hg_settings *s, const char *application_name)
{
	settings = s;
	app_name = application_name;
}

void store_close(void)
{
	if (conn)
		PQfinish(conn);
	conn = NULL;
}

const char *store_last_sqlstate(void)
{
	return last_sqlstate;
}

/*
 * Log a failed result by its SQLSTATE and primary message only: the
 * detail and context lines may quote row values or bound parameters
 * (tokens, secrets, bodies), and would break one line per event.
 */
static void log_result(bool error, const char *what, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char conn_msg[256] = "";

	if (!primary && conn) {
		/* no server message: libpq's own (connection) message, on one line */
		snprintf(conn_msg, sizeof(conn_msg), "%s", PQerrorMessage(conn));
		for (char *p = conn_msg; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		primary = conn_msg;
	}
	snprintf(last_error, sizeof(last_error), "SQLSTATE %s: %s", state ? state : "-",
		 primary ? primary : "-");
	if (error)
		log_error("%s: SQLSTATE %s: %s", what, state ? state : "-", primary ? primary : "-");
	else
		log_warn("%s: database unavailable: SQLSTATE %s: %s", what, state ? state : "-",
			 primary ? primary : "-");
}

/* An open connection, or NULL. */
static PGconn *connection(void)
{
	char err[512];

	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	store_close();
	conn = db_connect(settings, app_name, err, sizeof(err));
	if (!conn) {
		db_error_seen();
		snprintf(last_error, sizeof(last_error), "%s", err);
		log_warn("database unavailable: %s", err);
		return NULL;
	}
	if (++generation == 0)
		generation = 1;
	return conn;
}

static bool prepare(struct statement *st)
{
	PGresult *res;
	const char *state;
	bool ok;

	if (st->prepared_on == generation)
		return true;
	res = PQprepare(conn, st->name, st->sql, st->nparams, NULL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (ok) {
		st->prepared_on = generation;
		schema_missing = false;
	} else {
		schema_missing = state &&
			(strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0);
		log_result(true, st->name, res);
		if (schema_missing)
			log_error("the schema is not migrated: run hookgatectl migrate");
	}
	PQclear(res);
	return ok;
}

/* Whether a failed result means the database is out of reach (503) rather than broken (500). */
static bool unreachable(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!conn || PQstatus(conn) != CONNECTION_OK || !state)
		return true;
	return strncmp(state, "08", 2) == 0 ||		/* connection exception */
	       strcmp(state, "57P01") == 0 ||		/* admin shutdown */
	       strcmp(state, "57P02") == 0 ||		/* crash shutdown */
	       strcmp(state, "57P03") == 0 ||		/* cannot connect now */
	       strcmp(state, "57P04") == 0 ||		/* database dropped */
	       strcmp(state, "57014") == 0 ||		/* statement timeout */
	       strcmp(state, "25006") == 0 ||		/* read-only: a standby after failover */
	       strcmp(state, "53100") == 0 ||		/* disk full */
	       strcmp(state, "53200") == 0 ||		/* out of memory */
	       strcmp(state, "53300") == 0;		/* too many connections */
}

/*
 * Run a statement. When retry_safe and the connection turned out to be
 * dead (the server restarted since the last request), reconnect and run it
 * once more.
 */
static enum store_rc run(struct statement *st, const char *const *values, const int *lengths,
			 const int *formats, bool retry_safe, PGresult **res)
{
	last_sqlstate[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		ExecStatusType status;
		const char *state;

		*res = NULL;
		if (!connection())
			return STORE_UNAVAILABLE;
		if (!prepare(st)) {
			if (PQstatus(conn) == CONNECTION_OK)
				return schema_missing ? STORE_UNAVAILABLE : STORE_ERROR;
			store_close();
			if (!retry_safe)
				return STORE_UNAVAILABLE;
			continue;
		}
		*res = PQexecPrepared(conn, st->name, st->nparams, values, lengths, formats, 0);
		status = PQresultStatus(*res);
		if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
			return STORE_OK;
		state = PQresultErrorField(*res, PG_DIAG_SQLSTATE);
		snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state ? state : "");
		if (!unreachable(*res)) {
			db_error_seen();
			log_result(true, st->name, *res);
			PQclear(*res);
			*res = NULL;
			return STORE_ERROR;
		}
		db_error_seen();
		log_result(false, st->name, *res);
		PQclear(*res);
		*res = NULL;
		if (PQstatus(conn) == CONNECTION_OK || !retry_safe)
			break;
		store_close();
	}
	return STORE_UNAVAILABLE;
}

enum store_rc store_exec_binary(struct statement *st, const char *const *values,
				const int *lengths, const int *formats, PGresult **res)
{
	/* never retried: a dropped connection may have committed */
	return run(st, values, lengths, formats, false, res);
}

PGconn *store_connection(void)
{
	return connection();
}

unsigned store_generation(void)
{
	return conn && PQstatus(conn) == CONNECTION_OK ? generation : 0;
}

const char *store_last_error(void)
{
	return last_error;
}

enum store_rc store_exec(struct statement *st, const char *const *values, PGresult **res)
{
	/* only outside a transaction, and only what may safely run twice */
	bool idle = !conn || PQtransactionStatus(conn) == PQTRANS_IDLE;

	return run(st, values, NULL, NULL, idle && st->retry_safe, res);
}

enum store_rc store_check_ready(void)
{
	PGresult *res;
	enum store_rc rc = run(&st_version, NULL, NULL, NULL, true, &res);

	if (rc == STORE_UNAVAILABLE && schema_missing)
		return STORE_NOT_FOUND;
	if (rc == STORE_OK && atoi(PQgetvalue(res, 0, 0)) < db_latest_migration())
		rc = STORE_NOT_FOUND;
	PQclear(res);
	return rc;
}
