/* model: JSON of stored rows by column name and type, with the same field names in the API and hookgatectl. */
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
 * The slim delivery of a list (SPEC 4.4), alias d, named as the API's
 * fields. Never raw_body, selected_headers or response_body: a list does
 * not even read them. id is its first column, created_at its last.
 */
#define MODEL_DELIVERY_COLUMNS \
	"d.id, d.autopilot_id, d.trigger_id, d.provider, d.event, d.dedupe_key, " \
	"d.dedupe_source, d.signature_status, d.status, d.attempt_count, d.content_type, " \
	"d.response_status, d.autopilot_run_id, d.replayed_from_delivery_id, d.error, " \
	"to_json(d.received_at)#>>'{}' AS received_at, " \
	"to_json(d.last_attempt_at)#>>'{}' AS last_attempt_at, " \
	"to_json(d.created_at)#>>'{}' AS created_at"
#define MODEL_DELIVERY_COL_ID		0
#define MODEL_DELIVERY_COL_CREATED	17

/*
 * The delivery detail, for model_delivery_json: the slim columns, then
 * these, raw_body (bytea) last.
 */
#define MODEL_DELIVERY_DETAIL_COLUMNS MODEL_DELIVERY_COLUMNS ", " \
	"d.selected_headers, d.response_body, d.replay_idempotency_key, d.raw_body"

/*
 * The run object (SPEC 4.5), alias r, in the API's order; a detail adds
 * r.trigger_payload. id is its first column, created_at its last.
 */
#define MODEL_RUN_COLUMNS \
	"r.id, r.autopilot_id, r.trigger_id, r.webhook_delivery_id, r.source, r.status, " \
	"r.failure_reason, r.result, r.claimed_by, " \
	"to_json(r.lease_expires_at)#>>'{}' AS lease_expires_at, " \
	"to_json(r.completed_at)#>>'{}' AS completed_at, " \
	"to_json(r.created_at)#>>'{}' AS created_at"
#define MODEL_RUN_COL_ID	0
#define MODEL_RUN_COL_CREATED	11

/* A delivery's statuses, NULL-terminated. */
extern const char *const model_delivery_statuses[];

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
 * The delivery detail of SPEC 4.4 from row of res (selected with
 * MODEL_DELIVERY_DETAIL_COLUMNS; more columns may follow): every column as
 * model_row_json gives it, with raw_body replaced in place by the bytes as
 * text when they are UTF-8, else as base64, and then raw_body_encoding
 * ("utf-8" or "base64"). Returns a new object; NULL when out of memory.
 */
struct json_object *model_delivery_json(const PGresult *res, int row);

/*
 * The answer of a replay: {"delivery": delivery, "run": run} (run NULL:
 * null). Takes both, also on failure. Returns a new object; NULL when out
 * of memory.
 */
struct json_object *model_replay_json(struct json_object *delivery, struct json_object *run);

/*
 * A JSON object of every column of row, named as the columns are: text as
 * strings, NULL as null, bool ('t'/'f' of type bool) as booleans, integer
 * types as numbers, json/jsonb parsed. Returns a new object.
 */
struct json_object *model_row_json(const PGresult *res, int row);

#endif
