/* model: JSON of stored rows, with the same field names in the API and hookgatectl. */
#ifndef HG_MODEL_H
#define HG_MODEL_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/store.h"
#include "lib/settings.h"

/*
 * The columns a trigger query must select, in this order, for
 * model_trigger_json (prefix with the table alias "t.").
 */
#define MODEL_TRIGGER_COLUMNS \
	"t.id, t.autopilot_id, t.kind, t.enabled, t.provider, t.label, " \
	"t.event_filters::text, t.webhook_token, " \
	"(t.signing_secret IS NOT NULL), right(t.signing_secret, 4), " \
	"(t.previous_signing_secret IS NOT NULL AND t.previous_secret_expires_at > now()), " \
	"to_json(t.last_fired_at)#>>'{}', to_json(t.created_at)#>>'{}', " \
	"to_json(t.updated_at)#>>'{}'"

/* Turns row of res into a new JSON object; NULL when out of memory. */
typedef struct json_object *(*model_row_fn)(const PGresult *res, int row);

/*
 * A keyset page of a list, newest first: the API asks for its ?limit= plus
 * one (an extra row says there is a next page), hookgatectl for all rows.
 */
struct model_page {
	const char *limit;		/* rows to fetch, as text; NULL: all */
	const char *before_ts;		/* created_at and id of the last row seen, or NULL */
	const char *before_id;
};

/*
 * The statements of a resource of an autopilot (deliveries, runs): table
 * with alias (a string literal: "r"), cols selected with that alias, the
 * row's id and created_at columns named so.
 *
 * A page, newest first, optionally of one status ($3), before the cursor
 * ($4 created_at, $5 id), $6 rows: one row per row; one row of NULLs when
 * the autopilot has none on this page; no row when it is not there (or not
 * workspace $1's, unless $1 is NULL). $6 NULL: every row. For model_page_exec.
 */
#define MODEL_PAGE_SQL(alias, cols, table) \
	"SELECT " alias ".* FROM autopilot a" \
	"  LEFT JOIN LATERAL (SELECT " cols \
	"                       FROM " table " " alias \
	"                      WHERE " alias ".autopilot_id = a.id" \
	"                        AND ($3::text IS NULL OR " alias ".status = $3::text)" \
	"                        AND ($4::timestamptz IS NULL" \
	"                             OR (" alias ".created_at, " alias ".id) < ($4::timestamptz, $5::uuid))" \
	"                      ORDER BY " alias ".created_at DESC, " alias ".id DESC" \
	"                      LIMIT $6::integer) " alias " ON true" \
	" WHERE a.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)" \
	" ORDER BY " alias ".created_at DESC, " alias ".id DESC"

/* The cursor of row $2 of autopilot $1, for model_cursor_exec. */
#define MODEL_CURSOR_SQL(table) \
	"SELECT x.id, to_json(x.created_at)#>>'{}' FROM autopilot a" \
	"  LEFT JOIN " table " x ON x.autopilot_id = a.id AND x.id = $2::uuid" \
	" WHERE a.id = $1::uuid"

/*
 * One row $3 of autopilot $2 in workspace $1 ($1 NULL: any). No row: no
 * such autopilot (with $2 NULL: the row's own autopilot, so no row means no
 * such row); the first column NULL: the autopilot has no such row.
 */
#define MODEL_GET_SQL(alias, cols, table) \
	"SELECT " cols \
	"  FROM autopilot a" \
	"  LEFT JOIN " table " " alias " ON " alias ".autopilot_id = a.id AND " alias ".id = $3::uuid" \
	" WHERE a.id = coalesce($2::uuid, (SELECT x.autopilot_id FROM " table " x" \
	"                                   WHERE x.id = $3::uuid))" \
	"   AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)"

/*
 * An array of to_json of every row of res, but a single row whose first
 * column is NULL (a list joined from its owner, which has none) gives [].
 * Returns a new array; NULL when out of memory.
 */
struct json_object *model_rows_json(const PGresult *res, model_row_fn to_json);

/*
 * Run st, a MODEL_PAGE_SQL statement, for the rows of owner_id (an
 * autopilot) in workspace_id (NULL: any), of one status (NULL: any), of
 * page. *res is the caller's to PQclear; STORE_NOT_FOUND (res NULL) when
 * the owner is not there.
 */
enum store_rc model_page_exec(struct statement *st, const char *workspace_id,
			      const char *owner_id, const char *status,
			      const struct model_page *page, PGresult **res) HG_MUSTCHECK;

/*
 * Run st, a MODEL_CURSOR_SQL statement: the created_at of row id of
 * owner_id into ts (64 bytes), as a page's before_ts takes it
 * (hookgatectl's --before ID). STORE_NOT_FOUND with *missing "autopilot",
 * or thing when the row is not the autopilot's.
 */
enum store_rc model_cursor_exec(struct statement *st, const char *thing, const char *owner_id,
				const char *id, char *ts, const char **missing) HG_MUSTCHECK;

/*
 * Run st, a MODEL_GET_SQL statement, into *res: STORE_NOT_FOUND (res NULL)
 * with *missing "autopilot" or thing (always thing when owner_id is NULL).
 */
enum store_rc model_get_exec(struct statement *st, const char *thing, const char *workspace_id,
			     const char *owner_id, const char *id, PGresult **res,
			     const char **missing) HG_MUSTCHECK;

/*
 * The trigger JSON of SPEC 4.2 from row of res (selected with
 * MODEL_TRIGGER_COLUMNS). show_token false nulls webhook_token,
 * webhook_path and webhook_url (read keys). Returns a new object.
 */
struct json_object *model_trigger_json(const PGresult *res, int row,
				       const struct hg_settings *s, bool show_token);

/*
 * An array of the trigger JSON of every row of res, as model_trigger_json;
 * a row whose id is NULL (a list joined from an autopilot without
 * triggers) is skipped. Returns a new array; NULL when out of memory.
 */
struct json_object *model_trigger_list(const PGresult *res, const struct hg_settings *s,
				       bool show_token);

/*
 * A JSON object of every column of row, named as the columns are: text as
 * strings, NULL as null, bool ('t'/'f' of type bool) as booleans, integer
 * types as numbers, json/jsonb parsed. Returns a new object.
 */
struct json_object *model_row_json(const PGresult *res, int row);

/* model_row_json of the columns from first on (those before it say how the row was found). */
struct json_object *model_row_json_from(const PGresult *res, int row, int first);

/*
 * Add v (may be NULL: JSON null) to o under key; v is put when that fails.
 * For the resource modules that build their JSON from model_row_json's.
 */
bool model_add(struct json_object *o, const char *key, struct json_object *v) HG_MUSTCHECK;

#endif
