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

static struct statement st_lookup = { "hg_lookup_token",
	"SELECT t.id, t.autopilot_id, a.workspace_id, t.provider, t.signing_secret,"
	"       CASE WHEN t.previous_secret_expires_at > now()"
	"            THEN t.previous_signing_secret END,"
	"       t.event_filters::text"
	"  FROM autopilot_trigger t JOIN autopilot a ON a.id = t.autopilot_id"
	" WHERE t.webhook_token = $1 AND t.kind = 'webhook'", 1, 0, false };

static struct statement st_ingest = { "hg_ingest",
	"SELECT http_status, response_body, delivery_id, outcome"
	"  FROM hookgate_ingest($1::uuid, $2, $3, $4, $5, $6::jsonb, $7, $8::bytea,"
	"                       $9::jsonb, $10::boolean, $11::integer, $12::timestamptz, $13)", 13, 0, false };

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

void store_init(const struct hg_settings *s)
{
	settings = s;
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
	conn = db_connect(settings, "hookgate-fcgi", err, sizeof(err));
	if (!conn) {
		db_error_seen();
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

enum store_rc store_exec(struct statement *st, const char *const *values, PGresult **res)
{
	/* only outside a transaction, and only what may safely run twice */
	bool idle = !conn || PQtransactionStatus(conn) == PQTRANS_IDLE;

	return run(st, values, NULL, NULL, idle && st->retry_safe, res);
}

static enum store_rc simple(const char *sql)
{
	PGresult *res;
	enum store_rc rc = STORE_OK;

	if (!connection())
		return STORE_UNAVAILABLE;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = unreachable(res) ? STORE_UNAVAILABLE : STORE_ERROR;
		log_result(true, sql, res);
	}
	PQclear(res);
	return rc;
}

enum store_rc store_begin(void)
{
	return simple("BEGIN");
}

enum store_rc store_commit(void)
{
	return simple("COMMIT");
}

void store_rollback(void)
{
	if (conn && PQtransactionStatus(conn) != PQTRANS_IDLE)
		(void)simple("ROLLBACK");
}

static char *dup_or_null(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

static void copy_field(char *dst, size_t size, const PGresult *res, int col)
{
	snprintf(dst, size, "%s", PQgetvalue(res, 0, col));
}

enum store_rc store_lookup_token(const char *token, struct trigger_info *out)
{
	const char *values[1] = { token };
	PGresult *res;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	rc = run(&st_lookup, values, NULL, NULL, true, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1) {
		rc = STORE_NOT_FOUND;
		goto done;
	}
	copy_field(out->trigger_id, sizeof(out->trigger_id), res, 0);
	copy_field(out->autopilot_id, sizeof(out->autopilot_id), res, 1);
	copy_field(out->workspace_id, sizeof(out->workspace_id), res, 2);
	copy_field(out->provider, sizeof(out->provider), res, 3);
	out->secret = dup_or_null(res, 4);
	out->previous_secret = dup_or_null(res, 5);
	out->event_filters = dup_or_null(res, 6);
	if ((!out->secret && !PQgetisnull(res, 0, 4)) ||
	    (!out->previous_secret && !PQgetisnull(res, 0, 5)) ||
	    (!out->event_filters && !PQgetisnull(res, 0, 6))) {
		trigger_info_free(out);
		rc = STORE_ERROR;
	}
	/* the result held the secrets too */
	for (int col = 4; col <= 5; col++) {
		char *v = PQgetvalue(res, 0, col);
		OPENSSL_cleanse(v, strlen(v));
	}
done:
	PQclear(res);
	return rc;
}

static void free_secret(char **s)
{
	if (*s) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void trigger_info_free(struct trigger_info *t)
{
	free_secret(&t->secret);
	free_secret(&t->previous_secret);
	free(t->event_filters);
	t->event_filters = NULL;
}

enum store_rc store_ingest(const struct ingest_args *a, struct ingest_result *out)
{
	char offline[24];
	const char *values[13];
	int lengths[13] = { 0 }, formats[13] = { 0 };
	PGresult *res;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	snprintf(offline, sizeof(offline), "%ld", a->offline_after_s);
	values[0] = a->trigger_id;
	values[1] = a->event;
	values[2] = a->dedupe_key;
	values[3] = a->dedupe_source;
	values[4] = a->signature_status;
	values[5] = a->selected_headers;
	values[6] = a->content_type;
	values[7] = (const char *)a->raw_body;
	lengths[7] = (int)a->raw_body_len;
	formats[7] = 1;			/* bytea sent as binary: the exact bytes */
	values[8] = a->trigger_payload;
	values[9] = a->event_filtered ? "true" : "false";
	values[10] = offline;
	values[11] = a->received_at;
	values[12] = a->handshake_body;

	/* never retried: a dropped connection may have committed */
	rc = run(&st_ingest, values, lengths, formats, false, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1)) {
		log_error("hookgate_ingest returned no answer");
		rc = STORE_ERROR;
		goto done;
	}
	out->http_status = atoi(PQgetvalue(res, 0, 0));
	out->response_body = strdup(PQgetvalue(res, 0, 1));
	if (!out->response_body) {
		rc = STORE_ERROR;
		goto done;
	}
	if (!PQgetisnull(res, 0, 2))
		copy_field(out->delivery_id, sizeof(out->delivery_id), res, 2);
	copy_field(out->outcome, sizeof(out->outcome), res, 3);
done:
	PQclear(res);
	return rc;
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
