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

/* What a lookup scoped by an owner (an autopilot, say) found. */
enum model_found {
	MODEL_FOUND,
	MODEL_NO_OWNER,		/* the owner is not there (or not the workspace's) */
	MODEL_NO_ROW,		/* the owner is, the row is not (or not the owner's) */
};

/*
 * One page of a list scoped by its owner, newest first: the rows before
 * the cursor (before_ts, before_id), at most limit of them.
 */
struct model_page {
	const char *workspace_id;	/* NULL: any workspace (hookgatectl) */
	const char *owner_id;		/* the autopilot */
	const char *status;		/* NULL: any */
	const char *before_ts;		/* NULL: from the newest */
	const char *before_id;
	int limit;
};

/*
 * The statements of a resource of an autopilot (deliveries, runs): table
 * with alias (a string literal: "r"), cols selected with that alias, the
 * row's id and created_at columns named so.
 *
 * A page, newest first, optionally of one status ($3), before the cursor
 * ($4 created_at, $5 id), $6 rows: one row per row; one row of NULLs when
 * the autopilot has none on this page; no row when it is not there (or not
 * workspace $1's, unless $1 is NULL). For model_page_exec.
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
 * Run st, a page statement of a resource module taking ($1 workspace_id,
 * $2 owner_id, $3 status, $4 before_ts, $5 before_id, $6 limit), for q.
 * *res is the caller's to PQclear (NULL unless STORE_OK).
 */
enum store_rc model_page_exec(struct statement *st, const struct model_page *q, PGresult **res)
	HG_MUSTCHECK;

/*
 * Run st, a cursor statement taking ($1 owner_id, $2 id) and returning no
 * row (no owner), or (id NULL: not the owner's; else id, created_at text):
 * the created_at into ts (64 bytes, "" unless found), as model_page's
 * before_ts takes it (hookgatectl's --before ID).
 */
enum store_rc model_cursor_exec(struct statement *st, const char *owner_id, const char *id,
				char *ts, enum model_found *found) HG_MUSTCHECK;

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
