/* model: JSON of stored rows, with the same field names in the API and hookgatectl. */
#ifndef HG_MODEL_H
#define HG_MODEL_H

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

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
	"to_json(" MODEL_TRIGGER_LAST_FIRED_AT ")#>>'{}', to_json(t.created_at)#>>'{}', " \
	"to_json(t.updated_at)#>>'{}'"

/*
 * last_fired_at and last_run_at (SPEC 2) are derived at read time, never
 * written by each delivery (every webhook to one trigger would queue on
 * its row lock): when the trigger (alias t), the autopilot (alias a) last
 * made a run. Each is one probe of an index (autopilot_run_trigger_idx,
 * autopilot_run_list_idx).
 */
#define MODEL_TRIGGER_LAST_FIRED_AT \
	"(SELECT lr.created_at FROM autopilot_run lr WHERE lr.trigger_id = t.id" \
	" ORDER BY lr.created_at DESC LIMIT 1)"
#define MODEL_AUTOPILOT_LAST_RUN_AT \
	"to_json((SELECT lr.created_at FROM autopilot_run lr WHERE lr.autopilot_id = a.id" \
	" ORDER BY lr.created_at DESC, lr.id DESC LIMIT 1))#>>'{}' AS last_run_at"

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
