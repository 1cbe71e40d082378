/* store: the responder's PostgreSQL connection and its prepared statements. */
#ifndef HG_STORE_H
#define HG_STORE_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "lib/settings.h"

enum store_rc {
	STORE_OK,
	STORE_NOT_FOUND,
	STORE_UNAVAILABLE,	/* cannot reach the database: answer 503 */
	STORE_ERROR,		/* anything else: answer 500 */
};

/* What the token lookup returns: one trigger with its autopilot. */
struct trigger_info {
	char trigger_id[37];
	char autopilot_id[37];
	char workspace_id[37];
	char provider[32];
	char *secret;			/* NULL when none; cleansed on free */
	char *previous_secret;		/* NULL unless still within its expiry */
	char *event_filters;		/* JSON text, NULL when none */
};

struct ingest_args {
	const char *trigger_id;
	const char *event;
	const char *dedupe_key;		/* NULL when none */
	const char *dedupe_source;
	const char *signature_status;
	const char *selected_headers;	/* JSON text */
	const char *content_type;	/* NULL when none */
	const unsigned char *raw_body;
	size_t raw_body_len;
	const char *trigger_payload;	/* JSON text */
	bool event_filtered;
	long offline_after_s;
	const char *received_at;	/* RFC 3339 */
	const char *handshake_body;	/* Slack url_verification answer, or NULL */
};

struct ingest_result {
	int http_status;
	char *response_body;		/* owned: free() it */
	char delivery_id[37];		/* "" when none */
	char outcome[16];		/* accepted, skipped, ignored, duplicate, rejected, failed, not_found */
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
 * is re-opened on the next call.
 */
enum store_rc store_exec(struct statement *st, const char *const *values, PGresult **res)
	HG_MUSTCHECK;

/* BEGIN, COMMIT and ROLLBACK on the process's connection. */
enum store_rc store_begin(void) HG_MUSTCHECK;
enum store_rc store_commit(void) HG_MUSTCHECK;
void store_rollback(void);

/* The SQLSTATE of the last failed statement ("" when none), e.g. "23505". */
const char *store_last_sqlstate(void);

/* Remember the settings (not copied); the connection opens on first use. */
void store_init(const struct hg_settings *s);
/*
 * Have hook called on every database error (the responder's metrics count
 * them: the store cannot include them, being a lower room). NULL: none.
 */
void store_set_error_hook(void (*hook)(void));

/* Close the connection (before exit, or after fork in a parent). */
void store_close(void);

enum store_rc store_lookup_token(const char *token, struct trigger_info *out)
	HG_MUSTCHECK;
void trigger_info_free(struct trigger_info *t);

enum store_rc store_ingest(const struct ingest_args *a, struct ingest_result *out)
	HG_MUSTCHECK;

/* OK when reachable and migrated; NOT_FOUND when migrations are pending. */
enum store_rc store_check_ready(void) HG_MUSTCHECK;

#endif
