/* model: JSON of stored rows, with the same field names in the API and hookgatectl. */
#ifndef HG_MODEL_H
#define HG_MODEL_H

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "settings.h"

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

/*
 * The trigger JSON of SPEC 4.2 from row of res (selected with
 * MODEL_TRIGGER_COLUMNS). show_token false nulls webhook_token,
 * webhook_path and webhook_url (read keys). Returns a new object.
 */
struct json_object *model_trigger_json(const PGresult *res, int row,
				       const struct hg_settings *s, bool show_token);

/*
 * A JSON object of every column of row, named as the columns are: text as
 * strings, NULL as null, bool ('t'/'f' of type bool) as booleans, integer
 * types as numbers, json/jsonb parsed. Returns a new object.
 */
struct json_object *model_row_json(const PGresult *res, int row);

#endif
