/* runtimes: the workers of a workspace (SPEC 4.5): list, register, heartbeat, through db/runtime. */
#include "config.h"

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/runtime.h"

#define LIST_DEFAULT	100
#define LIST_MAX	100

void runtimes_list(struct hg_request *r)
{
	struct api_page p;
	PGresult *res = NULL;
	enum store_rc rc;

	if (!api_page_args(r, LIST_DEFAULT, LIST_MAX, &p))
		return;
	rc = runtime_page(r->workspace_id, r->settings->runtime_offline_after, &p.model, &res);
	if (api_store_ok(r, rc, "runtime"))
		api_send_page_of(r, res, "runtimes", p.limit, RUNTIME_COL_CREATED_AT, RUNTIME_COL_ID,
				 runtime_json);
	PQclear(res);
}

void runtimes_create(struct hg_request *r)
{
	static const char *const allowed[] = { "name", NULL };
	const char *name;
	enum field_state st_name;
	struct json_object *body = NULL, *rt = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "name", FIELD_REQUIRED | FIELD_NONBLANK, RUNTIME_NAME_MAX_CHARS,
			&st_name, &name))
		goto done;
	rc = runtime_create(r->workspace_id, name, r->settings->runtime_offline_after, &rt);
	if (api_store_ok(r, rc, "runtime"))
		api_send_member(r, 201, "runtime", rt);
done:
	json_object_put(body);
}

void runtimes_heartbeat(struct hg_request *r)
{
	static const char *const allowed[] = { NULL };
	struct json_object *body = NULL, *rt = NULL;
	enum store_rc rc;

	/* the body is optional; when given it is an object with no members */
	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed))
		goto done;
	rc = runtime_heartbeat(r->workspace_id, r->params[0], r->settings->runtime_offline_after,
			       &rt);
	if (api_store_ok(r, rc, "runtime"))
		api_send_member(r, 200, "runtime", rt);
done:
	json_object_put(body);
}
