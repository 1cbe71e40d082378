/* model: JSON of stored rows by column name and type, and the lists of an autopilot's rows (struct model_list), the same for the API, the console and hookgatectl. */
#ifndef HG_MODEL_H
#define HG_MODEL_H

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/store.h"


/* A timestamp column of alias a as ISO 8601 text (2026-11-30T01:02:03.456789+00:00), named as the column. */
#define MODEL_TS(a, col) "to_json(" a "." col ")#>>'{}' AS " col

/*
 * last_fired_at and last_run_at (SPEC 2) are derived at read time, never
 * written by each delivery (every webhook to one trigger would queue on
 * its row lock): when the trigger (alias t), the autopilot (alias a) last
 * made a run. Each is one probe of an index (autopilot_run_trigger_idx,
 * autopilot_run_list_idx).
 */
#define MODEL_TRIGGER_LAST_FIRED_AT \
	"to_json((SELECT lr.created_at FROM autopilot_run lr WHERE lr.trigger_id = t.id" \
	" ORDER BY lr.created_at DESC LIMIT 1))#>>'{}' AS last_fired_at"
#define MODEL_AUTOPILOT_LAST_RUN_AT \
	"to_json((SELECT lr.created_at FROM autopilot_run lr WHERE lr.autopilot_id = a.id" \
	" ORDER BY lr.created_at DESC, lr.id DESC LIMIT 1))#>>'{}' AS last_run_at"

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
 * The list statements of a resource of an autopilot (deliveries, runs):
 * table with alias (a string literal: "r"), cols selected with that alias,
 * the row's id and created_at columns named so.
 *
 * A page, newest first, optionally of one status ($3), before the cursor
 * ($4 created_at, $5 id), $6 rows: one row per row; one row of NULLs when
 * the autopilot has none on this page; no row when it is not there (or not
 * workspace $1's, unless $1 is NULL). $6 NULL: every row.
 *
 * One statement per shape (status or not, cursor or not), so that even a
 * generic plan keeps each condition in the index (the table's list index,
 * webhook_delivery_status_idx) rather than filtering rows one by one: an
 * "$3 IS NULL OR ..." cannot be an index condition. A parameter a shape
 * does not use is only asked to be NULL, once per execution.
 */
#define MODEL_PAGE_SQL(alias, cols, table, status_cond, cursor_cond) \
	"SELECT " alias ".* FROM autopilot a" \
	"  LEFT JOIN LATERAL (SELECT " cols \
	"                       FROM " table " " alias \
	"                      WHERE " alias ".autopilot_id = a.id" \
	"                        AND " status_cond \
	"                        AND " cursor_cond \
	"                      ORDER BY " alias ".created_at DESC, " alias ".id DESC" \
	"                      LIMIT $6::integer) " alias " ON true" \
	" WHERE a.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)" \
	" ORDER BY " alias ".created_at DESC, " alias ".id DESC"
#define MODEL_ANY_STATUS		"$3::text IS NULL"
#define MODEL_ONE_STATUS(alias)		alias ".status = $3::text"
#define MODEL_FIRST_PAGE		"$4::timestamptz IS NULL AND $5::uuid IS NULL"
#define MODEL_AFTER_CURSOR(alias) \
	"(" alias ".created_at, " alias ".id) < ($4::timestamptz, $5::uuid)"

/* The shapes of a list, in this order: model_list_page picks one. */
#define MODEL_PAGE_SHAPES 4
#define MODEL_PAGE_STATEMENTS(name, alias, cols, table) { \
	{ name, MODEL_PAGE_SQL(alias, cols, table, MODEL_ANY_STATUS, MODEL_FIRST_PAGE), 6, 0, true }, \
	{ name "_before", MODEL_PAGE_SQL(alias, cols, table, MODEL_ANY_STATUS, \
					 MODEL_AFTER_CURSOR(alias)), 6, 0, true }, \
	{ name "_status", MODEL_PAGE_SQL(alias, cols, table, MODEL_ONE_STATUS(alias), \
					 MODEL_FIRST_PAGE), 6, 0, true }, \
	{ name "_status_before", MODEL_PAGE_SQL(alias, cols, table, MODEL_ONE_STATUS(alias), \
						MODEL_AFTER_CURSOR(alias)), 6, 0, true }, \
}

/* The cursor of row $2 of autopilot $1, for model_list_cursor. */
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
 * Run st and give its one row as to_json makes it in *out (the caller's);
 * STORE_NOT_FOUND when it returned no row. Other failures as store_exec's
 * (store_failed_with tells them apart).
 */
enum store_rc model_exec_one(struct statement *st, const char *const *values,
			     model_row_fn to_json, struct json_object **out) HG_MUSTCHECK;

/* Run st and give an array of every row as to_json makes it in *out (the caller's). */
enum store_rc model_exec_list(struct statement *st, const char *const *values,
			      model_row_fn to_json, struct json_object **out) HG_MUSTCHECK;

/*
 * The rows an autopilot holds that are listed a page at a time, newest
 * first (deliveries, runs): what their module tells once, for the API, the
 * console and hookgatectl alike.
 */
struct model_list {
	const char *thing;		/* "delivery" */
	const char *const *statuses;	/* what a page may be of, NULL-terminated */
	int id_col;			/* the id column of a page's rows */
	model_row_fn to_json;		/* a page's row as JSON */
	struct statement *pages;	/* its MODEL_PAGE_SHAPES statements (MODEL_PAGE_STATEMENTS) */
	struct statement *cursor;	/* its MODEL_CURSOR_SQL statement */
};

/*
 * A page of l's rows of owner_id (an autopilot) in workspace_id (NULL:
 * any), of one status (one of l->statuses; NULL: any): the shape of
 * l->pages that fits. *res is the caller's to PQclear; one row whose
 * l->id_col is NULL when none is on this page; STORE_NOT_FOUND (res NULL)
 * when the owner is not there.
 */
enum store_rc model_list_page(const struct model_list *l, const char *workspace_id,
			      const char *owner_id, const char *status,
			      const struct model_page *page, PGresult **res) HG_MUSTCHECK;

/*
 * The created_at of l's row id of owner_id into ts (64 bytes), as a
 * page's before_ts takes it (hookgatectl's --before ID, the console's
 * ?before=). STORE_NOT_FOUND with *missing "autopilot", or l->thing when
 * the row is not the autopilot's.
 */
enum store_rc model_list_cursor(const struct model_list *l, const char *owner_id, const char *id,
				char *ts, const char **missing) HG_MUSTCHECK;

/*
 * Run st, a MODEL_GET_SQL statement, into *res: STORE_NOT_FOUND (res NULL)
 * with *missing "autopilot" or thing (always thing when owner_id is NULL).
 */
enum store_rc model_get_exec(struct statement *st, const char *thing, const char *workspace_id,
			     const char *owner_id, const char *id, PGresult **res,
			     const char **missing) HG_MUSTCHECK;

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
