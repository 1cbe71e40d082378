/* dbconn: PostgreSQL connections with hookgate session settings, under a deadline; the schema version. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/migrations.h"
#include "db/store.h"

/*
 * Whether libpq's expand_dbname treats url as a connection string (it holds
 * '=' or starts with a URI scheme) rather than as a bare database name.
 */
static bool is_conninfo(const char *url)
{
	return strchr(url, '=') != NULL ||
	       strncmp(url, "postgresql://", 13) == 0 ||
	       strncmp(url, "postgres://", 11) == 0;
}

/*
 * The "options" the user asked for: from database_url when it sets them,
 * else from PGOPTIONS (libpq's own precedence). *out is malloc'd or NULL.
 * False when database_url does not parse; libpq's parse message is not
 * passed on because it may quote part of the string, password included.
 */
static bool user_options(const char *url, char **out, char *err, size_t errlen)
{
	PQconninfoOption *opts;
	const char *env;
	char *perr = NULL;
	bool found = false;

	*out = NULL;
	if (is_conninfo(url)) {
		opts = PQconninfoParse(url, &perr);
		PQfreemem(perr);
		if (!opts) {
			snprintf(err, errlen, "database_url: not a valid libpq connection string or URI");
			return false;
		}
		for (PQconninfoOption *o = opts; o->keyword; o++) {
			if (strcmp(o->keyword, "options") == 0 && o->val && o->val[0]) {
				found = true;
				*out = strdup(o->val);
				break;
			}
		}
		PQconninfoFree(opts);
		if (found && !*out)
			goto oom;
		if (found)
			return true;
	}
	env = getenv("PGOPTIONS");
	if (env && env[0]) {
		*out = strdup(env);
		if (!*out)
			goto oom;
	}
	return true;
oom:
	snprintf(err, errlen, "out of memory");
	return false;
}

/* Copy libpq's message into err as one line: line breaks become a space, the end is trimmed. */
static void copy_message(const char *msg, char *err, size_t errlen)
{
	size_t n = 0;

	if (errlen == 0)
		return;
	while (*msg && n + 1 < errlen) {
		if (*msg == '\n' || *msg == '\r') {
			while (*msg == '\n' || *msg == '\r' || *msg == '\t' || *msg == ' ')
				msg++;
			if (*msg && n > 0)
				err[n++] = ' ';
			continue;
		}
		err[n++] = *msg++;
	}
	while (n > 0 && (err[n - 1] == ' ' || err[n - 1] == '\t'))
		n--;
	err[n] = '\0';
	if (n == 0)
		snprintf(err, errlen, "could not connect to the database");
}

enum db_wait_rc db_wait(PGconn *c, short events, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = PQsocket(c), .events = events };
		int timeout = -1, n;

		if (pfd.fd < 0)
			return DB_WAIT_ERROR;
		if (deadline->tv_sec != 0) {
			struct timespec now;
			long long left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
			       (deadline->tv_nsec - now.tv_nsec) / 1000000;
			if (left <= 0)
				return DB_WAIT_TIMEOUT;
			timeout = left > 60000 ? 60000 : (int)left;
		}
		n = poll(&pfd, 1, timeout);
		if (n > 0)
			return DB_WAIT_READY;	/* errors and hang-ups too: libpq reads them */
		if (n < 0 && errno != EINTR)
			return DB_WAIT_ERROR;
	}
}

/* Drive PQconnectPoll to its end or to the deadline. False: err filled. */
static bool connect_wait(PGconn *conn, const struct timespec *deadline, char *err, size_t errlen)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	for (;;) {
		enum db_wait_rc w;

		switch (st) {
		case PGRES_POLLING_OK:
			return true;
		case PGRES_POLLING_FAILED:
			copy_message(PQerrorMessage(conn), err, errlen);
			return false;
		case PGRES_POLLING_READING:
			w = db_wait(conn, POLLIN, deadline);
			break;
		default:
			w = db_wait(conn, POLLOUT, deadline);
			break;
		}
		if (w == DB_WAIT_TIMEOUT) {
			snprintf(err, errlen, "the database did not answer within db_timeout_ms");
			return false;
		}
		st = PQconnectPoll(conn);
	}
}

PGconn *db_connect(const struct hg_settings *s, const char *application_name,
		   const struct timespec *deadline, char *err, size_t errlen)
{
	const char *url = s->database_url ? s->database_url : "";
	char *user = NULL, *options = NULL;
	PGconn *conn = NULL;
	int n;

	if (!user_options(url, &user, err, errlen))
		goto fail;
	/*
	 * Later -c settings win, so ours follow the user's. TimeZone=UTC makes
	 * every timestamp we render (to_json) end in +00:00.
	 */
	n = asprintf(&options, "%s%s-c statement_timeout=%ld -c TimeZone=UTC"
		     " -c log_parameter_max_length_on_error=0",
		     user ? user : "", user ? " " : "", s->statement_timeout_ms);
	if (n < 0) {
		options = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		/*
		 * Keywords are applied in order and the last one wins: the
		 * database_url may override application_name and the network
		 * timeouts, never our options or the client encoding (all our
		 * JSON is UTF-8). The keepalives find a connection that died
		 * while idle; the caller's deadline bounds everything else (an
		 * asynchronous connect ignores connect_timeout).
		 */
		const char *const keys[] = {
			"application_name", "connect_timeout", "keepalives",
			"keepalives_idle", "keepalives_interval", "keepalives_count",
			"tcp_user_timeout", "dbname", "options", "client_encoding", NULL
		};
		const char *const vals[] = {
			application_name, "5", "1", "30", "10", "3", "10000",
			url, options, "UTF8", NULL
		};

		/* asynchronous, so that a server that accepts and never answers cannot hang us */
		conn = PQconnectStartParams(keys, vals, 1);
	}
	if (!conn) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (PQstatus(conn) == CONNECTION_BAD) {
		copy_message(PQerrorMessage(conn), err, errlen);
		goto fail;
	}
	if (!connect_wait(conn, deadline, err, errlen))
		goto fail;
	free(options);
	free(user);
	return conn;
fail:
	PQfinish(conn);
	free(options);
	free(user);
	return NULL;
}

int db_schema_version(PGconn *conn)
{
	PGresult *res;
	const char *state;
	int version = -2;

	res = PQexecParams(conn, "SELECT max(version) FROM hookgate_migration",
			   0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		version = PQgetisnull(res, 0, 0) ? 0 : atoi(PQgetvalue(res, 0, 0));
	} else {
		state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (state && strcmp(state, SQLSTATE_UNDEFINED_TABLE) == 0)
			version = -1;
	}
	PQclear(res);
	return version;
}

int db_latest_migration(void)
{
	int latest = 0;

	for (int i = 0; i < hg_migrations_count; i++)
		if (hg_migrations[i].version > latest)
			latest = hg_migrations[i].version;
	return latest;
}
