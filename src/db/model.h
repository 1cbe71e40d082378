/* model: JSON of stored rows, with the same field names in the API and hookgatectl. */
#ifndef HG_MODEL_H
#define HG_MODEL_H

#include "lib/common.h"

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
