/* dbconn: open PostgreSQL connections with hookgate's session settings. */
#ifndef HG_DBCONN_H
#define HG_DBCONN_H

#include <stddef.h>
#include <time.h>
#include <libpq-fe.h>

#include "lib/settings.h"

/*
 * Connect with s->database_url, application_name and statement_timeout set,
 * giving up at deadline (CLOCK_MONOTONIC; tv_sec 0: none). Returns an open
 * connection (owned by the caller, PQfinish it), or NULL with err filled
 * (libpq's message, which never holds the password).
 */
PGconn *db_connect(const struct hg_settings *s, const char *application_name,
		   const struct timespec *deadline, char *err, size_t errlen);

enum db_wait_rc { DB_WAIT_READY, DB_WAIT_TIMEOUT, DB_WAIT_ERROR };

/*
 * Wait until c's socket is ready for events (POLLIN, POLLOUT) or deadline
 * (CLOCK_MONOTONIC; tv_sec 0: none) passes. Signals do not shorten it.
 */
enum db_wait_rc db_wait(PGconn *c, short events, const struct timespec *deadline);

/*
 * The latest migration version recorded in hookgate_migration, 0 when the
 * table is empty, -1 when it does not exist, -2 on another error.
 */
int db_schema_version(PGconn *conn);

/* The highest migration version this build knows. */
int db_latest_migration(void);

#endif
