/* autopilots: the autopilot resource of the management API (SPEC 4.1), scoped by the key's workspace. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/model.h"

#define TITLE_MAX_CHARS		200
#define DESCRIPTION_MAX_CHARS	10000
#define LIST_DEFAULT		100
#define LIST_MAX		100

/* The autopilot JSON, by column name; created_at and id are the cursor columns. */
#define AP_COLUMNS \
	"a.id, a.workspace_id, a.title, a.description, a.status, a.runtime_id, " \
	MODEL_AUTOPILOT_LAST_RUN_AT ", " \
	"to_json(a.created_at)#>>'{}' AS created_at, " \
	"to_json(a.updated_at)#>>'{}' AS updated_at"
#define AP_COL_ID		0
#define AP_COL_CREATED_AT	7

static struct statement st_list = { "autopilots_list",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.workspace_id = $1::uuid"
	" ORDER BY a.created_at DESC, a.id DESC LIMIT $2::integer", 2, 0, false };

static struct statement st_list_before = { "autopilots_list_before",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.workspace_id = $1::uuid"
	"   AND (a.created_at, a.id) < ($3::timestamptz, $4::uuid)"
	" ORDER BY a.created_at DESC, a.id DESC LIMIT $2::integer", 4, 0, false };

static struct statement st_show = { "autopilots_show",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid", 2, 0, false };

static struct statement st_show_triggers = { "autopilots_show_triggers",
	"SELECT " MODEL_TRIGGER_COLUMNS
	"  FROM autopilot a JOIN autopilot_trigger t ON t.autopilot_id = a.id"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" ORDER BY t.created_at, t.id", 2, 0, false };

/* No row: $5 names no runtime of the workspace. */
static struct statement st_create = { "autopilots_create",
	"WITH rt AS (SELECT r.id FROM runtime r"
	"             WHERE r.id = $5::uuid AND r.workspace_id = $1::uuid)"
	" INSERT INTO autopilot AS a (workspace_id, title, description, status, runtime_id)"
	" SELECT $1::uuid, $2, coalesce($3, ''), coalesce($4, 'active'), (SELECT id FROM rt)"
	"  WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM rt)"
	" RETURNING " AP_COLUMNS, 5, 0, false };

/*
 * One row always: autopilot_found, then the updated autopilot (all NULL
 * when nothing was updated: not found, or $7 names no runtime of the
 * workspace). $3..$5 NULL keep the value; $6 says whether runtime_id is
 * set ($7 NULL unbinds).
 */
static struct statement st_update = { "autopilots_update",
	"WITH rt AS (SELECT r.id FROM runtime r"
	"             WHERE r.id = $7::uuid AND r.workspace_id = $1::uuid),"
	"     cur AS (SELECT a.id FROM autopilot a"
	"              WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid),"
	"     upd AS (UPDATE autopilot a SET"
	"               title = coalesce($3, a.title),"
	"               description = coalesce($4, a.description),"
	"               status = coalesce($5, a.status),"
	"               runtime_id = CASE WHEN $6::boolean THEN (SELECT id FROM rt)"
	"                            ELSE a.runtime_id END,"
	"               updated_at = now()"
	"              FROM cur WHERE a.id = cur.id"
	"               AND (NOT $6::boolean OR $7::uuid IS NULL OR EXISTS (SELECT 1 FROM rt))"
	"             RETURNING " AP_COLUMNS ")"
	" SELECT EXISTS (SELECT 1 FROM cur) AS autopilot_found, upd.*"
	"   FROM (VALUES (1)) AS one LEFT JOIN upd ON true", 7, 0, false };

static struct statement st_delete = { "autopilots_delete",
	"DELETE FROM autopilot a WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" RETURNING a.id", 2, 0, false };

static const char *const statuses[] = { "active", "paused", "archived", NULL };

#define SQLSTATE_FOREIGN_KEY "23503"

/* A store failure; a runtime deleted meanwhile (foreign key) is the runtime_id 400. */
static void store_failed(struct hg_request *r, enum store_rc rc)
{
	if (rc == STORE_ERROR && strcmp(store_last_sqlstate(), SQLSTATE_FOREIGN_KEY) == 0)
		api_bad_request(r, "runtime_id: runtime not found");
	else
		api_store_failed(r, rc);
}

/* {"autopilot": row 0 of res}, by column name. */
static struct json_object *autopilot_answer(const PGresult *res)
{
	struct json_object *o = json_object_new_object(), *ap = model_row_json(res, 0);

	if (!o || !ap || json_object_object_add(o, "autopilot", ap) != 0) {
		json_object_put(ap);
		json_object_put(o);
		return NULL;
	}
	return o;
}

void autopilots_list(struct hg_request *r)
{
	struct api_page p;
	const char *values[4] = { r->workspace_id, p.limit_txt, p.ts, p.id };

	if (!api_page_args(r, LIST_DEFAULT, LIST_MAX, &p))
		return;
	api_exec_page(r, p.before ? &st_list_before : &st_list, values, NULL, "autopilots",
		      p.limit, AP_COL_CREATED_AT, AP_COL_ID);
}

void autopilots_show(struct hg_request *r)
{
	const char *values[2] = { r->workspace_id, r->params[0] };
	struct json_object *out = NULL, *arr;
	PGresult *res = NULL, *tres = NULL;
	enum store_rc rc;

	rc = store_exec(&st_show, values, &res);
	if (rc == STORE_OK && PQntuples(res) == 1)
		rc = store_exec(&st_show_triggers, values, &tres);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		goto done;
	}
	if (PQntuples(res) != 1) {
		api_not_found(r, "autopilot");
		goto done;
	}
	out = autopilot_answer(res);
	arr = model_trigger_list(tres, r->settings, r->can_write);
	if (!out || !arr || json_object_object_add(out, "triggers", arr) != 0) {
		json_object_put(arr);
		goto done;
	}
	api_send(r, 200, out);
	out = NULL;
done:
	/* out of memory above: the dispatcher answers 500 when nothing was sent */
	json_object_put(out);
	PQclear(tres);
	PQclear(res);
}

void autopilots_create(struct hg_request *r)
{
	static const char *const allowed[] = {
		"title", "description", "status", "runtime_id", NULL,
	};
	const char *title, *description, *status, *runtime_id;
	enum field_state st_title, st_desc, st_status, st_runtime;
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "title", FIELD_REQUIRED | FIELD_NONBLANK, TITLE_MAX_CHARS,
			&st_title, &title) ||
	    !field_text(r, body, "description", FIELD_NULLABLE, DESCRIPTION_MAX_CHARS,
			&st_desc, &description) ||
	    !field_choice(r, body, "status", 0, statuses, &st_status, &status) ||
	    !field_uuid(r, body, "runtime_id", FIELD_NULLABLE, &st_runtime, &runtime_id))
		goto done;
	{
		const char *values[5] = { r->workspace_id, title, description, status, runtime_id };

		rc = store_exec(&st_create, values, &res);
	}
	if (rc != STORE_OK) {
		store_failed(r, rc);
		goto done;
	}
	if (PQntuples(res) != 1) {
		api_bad_request(r, "runtime_id: runtime not found");
		goto done;
	}
	api_send(r, 201, autopilot_answer(res));
done:
	PQclear(res);
	json_object_put(body);
}

void autopilots_update(struct hg_request *r)
{
	static const char *const allowed[] = {
		"title", "description", "status", "runtime_id", NULL,
	};
	const char *title, *description, *status, *runtime_id;
	enum field_state st_title, st_desc, st_status, st_runtime;
	struct json_object *body = NULL, *out = NULL, *ap;
	PGresult *res = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "title", FIELD_NONBLANK, TITLE_MAX_CHARS, &st_title, &title) ||
	    !field_text(r, body, "description", FIELD_NULLABLE, DESCRIPTION_MAX_CHARS,
			&st_desc, &description) ||
	    !field_choice(r, body, "status", 0, statuses, &st_status, &status) ||
	    !field_uuid(r, body, "runtime_id", FIELD_NULLABLE, &st_runtime, &runtime_id))
		goto done;
	if (st_desc == FIELD_NULL)
		description = "";
	{
		const char *values[7] = {
			r->workspace_id, r->params[0], title, description, status,
			st_runtime == FIELD_ABSENT ? "false" : "true", runtime_id,
		};

		rc = store_exec(&st_update, values, &res);
	}
	if (rc != STORE_OK) {
		store_failed(r, rc);
		goto done;
	}
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 't') {
		api_not_found(r, "autopilot");
		goto done;
	}
	if (PQgetisnull(res, 0, 1)) {
		api_bad_request(r, "runtime_id: runtime not found");
		goto done;
	}
	out = autopilot_answer(res);
	if (!out || !json_object_object_get_ex(out, "autopilot", &ap)) {
		req_send_error(r, 500, "internal error");
		goto done;
	}
	json_object_object_del(ap, "autopilot_found");
	api_send(r, 200, out);
	out = NULL;
done:
	json_object_put(out);
	PQclear(res);
	json_object_put(body);
}

void autopilots_delete(struct hg_request *r)
{
	const char *values[2] = { r->workspace_id, r->params[0] };
	PGresult *res = NULL;
	enum store_rc rc;

	rc = store_exec(&st_delete, values, &res);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		return;
	}
	if (PQntuples(res) != 1)
		api_not_found(r, "autopilot");
	else
		req_send_raw(r, 204, NULL);
	PQclear(res);
}
