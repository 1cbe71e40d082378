/* autopilots: the autopilot resource of the management API (SPEC 4.1), scoped by the key's workspace, through db/autopilot. */
#include "config.h"

#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/autopilot.h"
#include "db/trigger.h"

#define LIST_DEFAULT		100
#define LIST_MAX		100

#define RUNTIME_NOT_FOUND	"runtime_id: runtime not found"

static const char *const allowed[] = { "title", "description", "status", "runtime_id", NULL };

/*
 * The members of a create (flags FIELD_REQUIRED for the title) or update
 * body into f. False after a 400.
 */
static bool read_fields(struct hg_request *r, struct json_object *body, unsigned title_flags,
			struct autopilot_fields *f)
{
	enum field_state st_title, st_desc, st_status, st_runtime;

	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "title", title_flags | FIELD_NONBLANK, AUTOPILOT_TITLE_MAX_CHARS,
			&st_title, &f->title) ||
	    !field_text(r, body, "description", FIELD_NULLABLE, AUTOPILOT_DESCRIPTION_MAX_CHARS,
			&st_desc, &f->description) ||
	    !field_choice(r, body, "status", 0, autopilot_statuses, &st_status, &f->status) ||
	    !field_uuid(r, body, "runtime_id", FIELD_NULLABLE, &st_runtime, &f->runtime_id))
		return false;
	/* description null resets it */
	if (st_desc == FIELD_NULL)
		f->description = "";
	f->runtime_set = st_runtime != FIELD_ABSENT;
	return true;
}

void autopilots_list(struct hg_request *r)
{
	struct api_page p;
	PGresult *res = NULL;

	if (!api_page_args(r, LIST_DEFAULT, LIST_MAX, &p))
		return;
	if (api_store_ok(r, autopilot_page(r->workspace_id, &p.model, &res), "autopilot"))
		api_send_page_of(r, res, "autopilots", p.limit, AUTOPILOT_COL_CREATED_AT,
				 AUTOPILOT_COL_ID, autopilot_json);
	PQclear(res);
}

void autopilots_show(struct hg_request *r)
{
	struct json_object *out = NULL, *ap = NULL, *triggers = NULL;
	enum store_rc rc;

	rc = autopilot_show(r->workspace_id, r->params[0], &ap);
	if (rc == STORE_OK)
		rc = trigger_list(r->workspace_id, r->params[0], &triggers);
	if (!api_store_ok(r, rc, "autopilot"))
		goto done;
	out = json_object_new_object();
	if (!out || json_object_object_add(out, "autopilot", ap) != 0)
		goto done;
	ap = NULL;
	if (json_object_object_add(out, "triggers", triggers) != 0)
		goto done;
	triggers = NULL;
	api_send(r, 200, out);
	out = NULL;
done:
	/* out of memory above: the dispatcher answers 500 when nothing was sent */
	json_object_put(triggers);
	json_object_put(ap);
	json_object_put(out);
}

/*
 * The answer of a create (status 201) or an update (200) that gave rc and
 * ap (consumed): a 400 when the runtime it names is not found.
 */
static void send_written(struct hg_request *r, enum store_rc rc, bool runtime_missing, int status,
			 struct json_object *ap)
{
	if (runtime_missing) {
		json_object_put(ap);
		api_bad_request(r, RUNTIME_NOT_FOUND);
	} else if (api_store_ok(r, rc, "autopilot")) {
		api_send_member(r, status, "autopilot", ap);
	}
}

void autopilots_create(struct hg_request *r)
{
	struct autopilot_fields f = { 0 };
	struct json_object *body = NULL, *ap = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (read_fields(r, body, FIELD_REQUIRED, &f)) {
		rc = autopilot_create(r->workspace_id, &f, &ap);
		send_written(r, rc, rc == STORE_NOT_FOUND, 201, ap);
	}
	json_object_put(body);
}

void autopilots_update(struct hg_request *r)
{
	struct autopilot_fields f = { 0 };
	struct json_object *body = NULL, *ap = NULL;
	const char *missing = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (read_fields(r, body, 0, &f)) {
		rc = autopilot_update(r->workspace_id, r->params[0], &f, &ap, &missing);
		send_written(r, rc, rc == STORE_NOT_FOUND && strcmp(missing, "runtime") == 0, 200, ap);
	}
	json_object_put(body);
}

void autopilots_delete(struct hg_request *r)
{
	if (api_store_ok(r, autopilot_delete(r->workspace_id, r->params[0]), "autopilot"))
		req_send_raw(r, 204, NULL);
}
