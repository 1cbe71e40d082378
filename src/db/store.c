/*
 * store: one PostgreSQL connection per process, opened on first use after
 * fork, kept open, re-opened after failure; each named statement prepared
 * once per connection (or sent unnamed: db_prepared_statements = off, for a
 * pgbouncer in transaction mode). Every call has a client-side deadline (db_timeout_ms,
 * SPEC 3.1 step 10): libpq's asynchronous API and poll(), so a database that
 * stops answering (frozen, partitioned, on a unix socket as well as TCP) is
 * a 503 in bounded time and the connection is dropped, to be re-opened.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

bool store_failed_with(const char *state)
{
	return strcmp(last_sqlstate, state) == 0;
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

/* The deadline of a call that starts now; tv_sec 0 when db_timeout_ms is 0 (none). */
static struct timespec deadline_from_now(void)
{
	struct timespec t = { 0, 0 };
	long ms = settings ? settings->db_timeout_ms : 0;

	if (ms <= 0)
		return t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Drop the connection after its deadline passed: it may be mid-statement. */
static void timed_out(const char *what)
{
	db_error_seen();
	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", "");
	snprintf(last_error, sizeof(last_error),
		 "the database did not answer within db_timeout_ms (%ld ms)", settings->db_timeout_ms);
	log_warn("%s: database unavailable: %s; connection dropped", what, last_error);
	store_close();
}

/*
 * Flush what is queued and wait until a whole result can be read without
 * blocking. False when the deadline passed (*late set) or the connection
 * broke (then PQgetResult reports it).
 */
static bool await_result(const struct timespec *deadline, bool *late)
{
	*late = false;
	for (;;) {
		int flushed = PQflush(conn);
		short events;

		if (flushed < 0)
			return false;
		if (flushed == 0 && !PQisBusy(conn))
			return true;
		events = POLLIN | (flushed == 1 ? POLLOUT : 0);
		switch (db_wait(conn, events, deadline)) {
		case DB_WAIT_READY:
			break;
		case DB_WAIT_TIMEOUT:
			*late = true;
			return false;
		default:
			return false;
		}
		if (!PQconsumeInput(conn))
			return false;
	}
}

/*
 * The next result of the call in progress, or NULL at its end. On a
 * deadline passed *late is set and NULL returned; a broken connection
 * gives libpq's error result.
 */
static PGresult *next_result(const struct timespec *deadline, bool *late)
{
	if (!await_result(deadline, late) && *late)
		return NULL;
	return PQgetResult(conn);
}

/* Read and drop the results up to the end of the call (NULL). False when late. */
static bool drain(const struct timespec *deadline)
{
	PGresult *res;
	bool late;

	while ((res = next_result(deadline, &late)))
		PQclear(res);
	return !late;
}

/* An open connection, or NULL. */
static PGconn *connection(const struct timespec *deadline)
{
	char err[512];

	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	store_close();
	conn = db_connect(settings, app_name, deadline, err, sizeof(err));
	if (!conn) {
		db_error_seen();
		snprintf(last_error, sizeof(last_error), "%s", err);
		log_warn("database unavailable: %s", err);
		return NULL;
	}
	if (PQsetnonblocking(conn, 1) != 0) {
		snprintf(last_error, sizeof(last_error), "cannot make the connection non-blocking");
		log_warn("database unavailable: %s", last_error);
		store_close();
		return NULL;
	}
	if (++generation == 0)
		generation = 1;
	return conn;
}

/* Whether state says a table or function is missing: the schema is not migrated (503). */
static bool schema_not_migrated(const char *state)
{
	schema_missing = state && (strcmp(state, SQLSTATE_UNDEFINED_TABLE) == 0 ||
				   strcmp(state, SQLSTATE_UNDEFINED_FUNCTION) == 0);
	if (schema_missing)
		log_error("the schema is not migrated: run hookgatectl migrate");
	return schema_missing;
}

/*
 * Prepare st on the open connection unless it already is (or statements
 * go unnamed). *late: the deadline passed.
 */
static bool prepare(struct statement *st, const struct timespec *deadline, bool *late)
{
	PGresult *res;
	const char *state;
	bool ok;

	*late = false;
	if (!settings->db_prepared_statements || st->prepared_on == generation)
		return true;
	if (!PQsendPrepare(conn, st->name, st->sql, st->nparams, NULL))
		return false;
	res = next_result(deadline, late);
	if (*late)
		return false;
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (ok) {
		st->prepared_on = generation;
		schema_missing = false;
	} else {
		log_result(true, st->name, res);
		schema_not_migrated(state);
	}
	PQclear(res);
	if (!drain(deadline)) {
		*late = true;
		return false;
	}
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
	       strcmp(state, SQLSTATE_READ_ONLY) == 0 ||	/* a standby after failover */
	       strcmp(state, "53100") == 0 ||		/* disk full */
	       strcmp(state, "53200") == 0 ||		/* out of memory */
	       strcmp(state, "53300") == 0;		/* too many connections */
}

/* One statement of a call: its parameters as PQsendQueryPrepared takes them. */
struct call {
	struct statement *st;
	const char *const *values;
	const int *lengths;
	const int *formats;
};

/* Send c: by its prepared name, or unnamed (db_prepared_statements = off), the same round trip. */
static bool send_call(const struct call *c)
{
	if (!settings->db_prepared_statements)
		return PQsendQueryParams(conn, c->st->sql, c->st->nparams, NULL, c->values,
					 c->lengths, c->formats, 0) == 1;
	return PQsendQueryPrepared(conn, c->st->name, c->st->nparams, c->values, c->lengths,
				   c->formats, 0) == 1;
}

/*
 * The result of a statement whose answer decides: STORE_OK with *res, or
 * the error logged and classified. *res is NULL unless STORE_OK.
 */
static enum store_rc classify(struct statement *st, PGresult **res)
{
	ExecStatusType status = PQresultStatus(*res);
	const char *state;

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		if (!settings->db_prepared_statements)
			schema_missing = false;
		return STORE_OK;
	}
	state = PQresultErrorField(*res, PG_DIAG_SQLSTATE);
	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state ? state : "");
	db_error_seen();
	if (!unreachable(*res)) {
		log_result(true, st->name, *res);
		PQclear(*res);
		*res = NULL;
		/* unnamed statements meet a missing table when they run, not when prepared */
		if (!settings->db_prepared_statements && schema_not_migrated(last_sqlstate))
			return STORE_UNAVAILABLE;
		return STORE_ERROR;
	}
	log_result(false, st->name, *res);
	PQclear(*res);
	*res = NULL;
	return STORE_UNAVAILABLE;
}

/*
 * The second statement of a pipeline: its own transaction after the
 * first's commit. Its outcome is logged, never returned. False when late.
 */
static bool finish_after(struct statement *st, const struct timespec *deadline)
{
	PGresult *res;
	bool late;

	res = next_result(deadline, &late);
	if (late)
		return false;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		log_result(false, st->name, res);
	PQclear(res);
	return drain(deadline);
}

/* After the last result of one pipeline segment: its sync. False when late or broken. */
static bool await_sync(const struct timespec *deadline)
{
	PGresult *res;
	bool late, ok;

	res = next_result(deadline, &late);
	if (late)
		return false;
	ok = res && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
	PQclear(res);
	return ok;
}

/*
 * Main's result: the first one, unless a later one before the end is an
 * error (a COMMIT that failed after the rows came, say): as PQexec's last
 * result, the error wins. NULL when late (*late) or broken.
 */
static PGresult *main_result(const struct timespec *deadline, bool *late)
{
	PGresult *res = next_result(deadline, late), *more;

	while (res && (more = next_result(deadline, late))) {
		if (PQresultStatus(more) == PGRES_FATAL_ERROR) {
			PQclear(res);
			res = more;
		} else {
			PQclear(more);
		}
	}
	if (*late) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Send main (and, when after is set, after in its own transaction behind
 * main's, pipelined: one round trip) and read main's result into *res.
 * In a pipeline main has committed only when its sync came back: until
 * then nothing is STORE_OK.
 */
static enum store_rc exchange(const struct call *main_call, const struct call *after,
			      const struct timespec *deadline, PGresult **res)
{
	enum store_rc rc;
	bool late = false, piped = after != NULL;

	if (piped && (!PQenterPipelineMode(conn) || !send_call(main_call) ||
		      !PQpipelineSync(conn) || !send_call(after) || !PQpipelineSync(conn)))
		goto broken;
	if (!piped && !send_call(main_call))
		goto broken;
	*res = main_result(deadline, &late);
	if (late)
		goto late;
	if (!*res)
		goto broken;
	if (piped && !await_sync(deadline)) {
		/* main's commit is not confirmed: never an answer that says it is */
		PQclear(*res);
		*res = NULL;
		if (PQstatus(conn) == CONNECTION_OK)
			goto late;
		goto broken;
	}
	rc = classify(main_call->st, res);
	if (piped && (!finish_after(after->st, deadline) || !await_sync(deadline) ||
		      !PQexitPipelineMode(conn))) {
		/* main's answer stands; the connection is not reusable */
		if (PQstatus(conn) == CONNECTION_OK)
			timed_out(after->st->name);
		else
			store_close();
	}
	return rc;
late:
	timed_out(main_call->st->name);
	return STORE_UNAVAILABLE;
broken:
	db_error_seen();
	log_result(false, main_call->st->name, NULL);
	store_close();
	return STORE_UNAVAILABLE;
}

/*
 * Run main (then after, pipelined, when set). When retry_safe and the
 * connection turned out to be dead (the server restarted since the last
 * request), reconnect and run it once more.
 */
static enum store_rc run(const struct call *main_call, const struct call *after,
			 bool retry_safe, PGresult **res)
{
	struct timespec deadline = deadline_from_now();

	last_sqlstate[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		enum store_rc rc;
		bool late;

		*res = NULL;
		if (!connection(&deadline))
			return STORE_UNAVAILABLE;
		if (!prepare(main_call->st, &deadline, &late) ||
		    (after && !prepare(after->st, &deadline, &late))) {
			if (late) {
				timed_out(main_call->st->name);
				return STORE_UNAVAILABLE;
			}
			if (PQstatus(conn) == CONNECTION_OK)
				return schema_missing ? STORE_UNAVAILABLE : STORE_ERROR;
			store_close();
			if (!retry_safe)
				return STORE_UNAVAILABLE;
			continue;
		}
		rc = exchange(main_call, after, &deadline, res);
		/*
		 * A server that has become read-only (a standby, an old primary
		 * fenced after a failover) is left like a dead one: the next
		 * connection finds the primary (target_session_attrs=read-write
		 * in a multi-host database_url).
		 */
		if (rc == STORE_UNAVAILABLE && strcmp(last_sqlstate, SQLSTATE_READ_ONLY) == 0)
			store_close();
		if (rc != STORE_UNAVAILABLE || !retry_safe || (conn && PQstatus(conn) == CONNECTION_OK))
			return rc;
		/* a dead connection: once more on a fresh one, within the same deadline */
		store_close();
	}
	return STORE_UNAVAILABLE;
}

enum store_rc store_exec_binary(struct statement *st, const char *const *values,
				const int *lengths, const int *formats, PGresult **res)
{
	const struct call c = { st, values, lengths, formats };

	/* never retried: a dropped connection may have committed */
	return run(&c, NULL, false, res);
}

enum store_rc store_exec_then(struct statement *st, const char *const *values,
			      const int *lengths, const int *formats,
			      struct statement *after, const char *const *after_values,
			      PGresult **res)
{
	const struct call c = { st, values, lengths, formats };
	const struct call a = { after, after_values, NULL, NULL };

	return run(&c, &a, false, res);
}

PGconn *store_connection(void)
{
	struct timespec deadline = deadline_from_now();

	return connection(&deadline);
}

unsigned store_generation(void)
{
	return conn && PQstatus(conn) == CONNECTION_OK ? generation : 0;
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
	const struct call c = { st, values, NULL, NULL };

	return run(&c, NULL, idle && st->retry_safe, res);
}

enum store_rc store_find_ids(struct statement *st, const char *value, char *a, char *b)
{
	const char *values[1] = { value };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK) {
		snprintf(a, STORE_ID_LEN, "%s", PQgetvalue(res, 0, 0));
		if (b)
			snprintf(b, STORE_ID_LEN, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

enum store_rc store_check_ready(void)
{
	const struct call c = { &st_version, NULL, NULL, NULL };
	PGresult *res;
	enum store_rc rc = run(&c, NULL, true, &res);

	if (rc == STORE_UNAVAILABLE && schema_missing)
		return STORE_NOT_FOUND;
	if (rc == STORE_OK && atoi(PQgetvalue(res, 0, 0)) < db_latest_migration())
		rc = STORE_NOT_FOUND;
	PQclear(res);
	return rc;
}
