/* store: a process's one PostgreSQL connection and its named statements (responder, hookgatectl, worker). */
#ifndef HG_STORE_H
#define HG_STORE_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "lib/settings.h"

/* The SQLSTATEs (PostgreSQL's errcodes) that hookgate tells apart, named once. */
#define SQLSTATE_UNIQUE_VIOLATION	"23505"
#define SQLSTATE_FOREIGN_KEY_VIOLATION	"23503"
#define SQLSTATE_CHECK_VIOLATION	"23514"
#define SQLSTATE_UNDEFINED_TABLE	"42P01"
#define SQLSTATE_UNDEFINED_FUNCTION	"42883"
#define SQLSTATE_READ_ONLY		"25006"	/* read_only_sql_transaction: a standby, a fenced primary */

/* A UUID as text, with its NUL. */
#define STORE_ID_LEN 37

enum store_rc {
	STORE_OK,
	STORE_NOT_FOUND,
	STORE_UNAVAILABLE,	/* cannot reach the database: answer 503 */
	STORE_ERROR,		/* anything else: answer 500 */
};

/*
 * A named statement, prepared on first use on each connection. Define
 * them static (not const: the store marks them prepared) beside the code
 * that runs them; the name must be unique in the program.
 */
struct statement {
	const char *name;
	const char *sql;
	int nparams;
	unsigned prepared_on;		/* connection generation; 0: never */
	bool retry_safe;		/* may run again on a fresh connection after
					   the old one was found dead (reads, idempotent writes) */
};

/*
 * Run st with text parameters (NULL for SQL NULL). *res receives the result
 * to PQclear (NULL unless STORE_OK). Errors are logged; a dead connection
 * is re-opened on the next call. Every call, connecting included, ends
 * within db_timeout_ms: past it the connection is dropped and the answer
 * is STORE_UNAVAILABLE.
 */
enum store_rc store_exec(struct statement *st, const char *const *values, PGresult **res)
	HG_MUSTCHECK;

/*
 * Run st with the one value $1 and copy columns 0 and (when b is not NULL)
 * 1 of its one row into a and b (STORE_ID_LEN bytes each): the id of a
 * slug, the owners of a row. STORE_NOT_FOUND when there is no row.
 */
enum store_rc store_find_ids(struct statement *st, const char *value, char *a, char *b)
	HG_MUSTCHECK;

/*
 * store_exec with lengths and formats per parameter (binary bytea, say).
 * Never retried on a new connection: a dropped one may have committed.
 */
enum store_rc store_exec_binary(struct statement *st, const char *const *values,
				const int *lengths, const int *formats, PGresult **res) HG_MUSTCHECK;

/*
 * store_exec_binary of st, then after in a transaction of its own behind
 * st's commit, pipelined in the same round trip: the ingress's NOTIFY,
 * which must not hold PostgreSQL's notify lock while st's commit record is
 * flushed. *res is st's result; after's outcome is only logged (a lost
 * notification is allowed: listeners also poll). Never retried.
 */
enum store_rc store_exec_then(struct statement *st, const char *const *values,
			      const int *lengths, const int *formats,
			      struct statement *after, const char *const *after_values,
			      PGresult **res) HG_MUSTCHECK;

/*
 * The process's connection, opened when needed; NULL when the database
 * cannot be reached (store_last_error says why). For what named statements
 * cannot do: a migration's many statements (hookgatectl).
 */
PGconn *store_connection(void);

/*
 * Which connection is open: a number that changes with every new one, 0
 * when none is. A session state such as LISTEN must be set again when it
 * changes (hookgate-worker).
 */
unsigned store_generation(void);

/*
 * Why the last call failed, on one line: "SQLSTATE x: primary message" or
 * libpq's connection message; never DETAIL or CONTEXT, which quote values.
 */
const char *store_last_error(void);

/* The SQLSTATE of the last failed statement ("" when none), e.g. "23505". */
const char *store_last_sqlstate(void);

/* Whether the last statement failed with SQLSTATE state (one of the SQLSTATE_ names). */
bool store_failed_with(const char *state);

/*
 * Remember the settings and the application_name (neither copied); the
 * connection opens on first use.
 */
void store_init(const struct hg_settings *s, const char *application_name);
/*
 * Have hook called on every database error (the responder's metrics count
 * them: the store cannot include them, being a lower room). NULL: none.
 */
void store_set_error_hook(void (*hook)(void));

/* Close the connection (before exit, or after fork in a parent). */
void store_close(void);

/* OK when reachable and migrated; NOT_FOUND when migrations are pending. */
enum store_rc store_check_ready(void) HG_MUSTCHECK;

#endif
