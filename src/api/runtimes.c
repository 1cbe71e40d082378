/* runtimes: the workers of a workspace (SPEC 4.5): list, register, heartbeat. */
#include "config.h"

#include <stdio.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/model.h"

#define NAME_MAX_CHARS	200
#define LIST_DEFAULT	100
#define LIST_MAX	100

/*
 * The runtime JSON by column name; $2 is runtime_offline_after in seconds.
 * created_at and id are the cursor columns.
 */
#define RT_COLUMNS \
	"r.id, r.workspace_id, r.name, " \
	"to_json(r.last_seen_at)#>>'{}' AS last_seen_at, " \
	"coalesce(r.last_seen_at > now() - make_interval(secs => $2::integer), false) AS online, " \
	"to_json(r.created_at)#>>'{}' AS created_at"
#define RT_COL_ID		0
#define RT_COL_CREATED_AT	5

static struct statement st_list = { "runtimes_list",
	"SELECT " RT_COLUMNS " FROM runtime r WHERE r.workspace_id = $1::uuid"
	" ORDER BY r.created_at DESC, r.id DESC LIMIT $3::integer", 3, 0, false };

static struct statement st_list_before = { "runtimes_list_before",
	"SELECT " RT_COLUMNS " FROM runtime r WHERE r.workspace_id = $1::uuid"
	"   AND (r.created_at, r.id) < ($4::timestamptz, $5::uuid)"
	" ORDER BY r.created_at DESC, r.id DESC LIMIT $3::integer", 5, 0, false };

static struct statement st_create = { "runtimes_create",
	"INSERT INTO runtime AS r (workspace_id, name) VALUES ($1::uuid, $3)"
	" RETURNING " RT_COLUMNS, 3, 0, false };

static struct statement st_heartbeat = { "runtimes_heartbeat",
	"UPDATE runtime AS r SET last_seen_at = now()"
	" WHERE r.id = $3::uuid AND r.workspace_id = $1::uuid"
	" RETURNING " RT_COLUMNS, 3, 0, false };

/* Send {"runtime": row 0 of res} with status. */
static void send_runtime(struct hg_request *r, int status, const PGresult *res)
{
	api_send_member(r, status, "runtime", model_row_json(res, 0));
}

void runtimes_list(struct hg_request *r)
{
	char offline[24];
	struct api_page p;
	const char *values[5] = { r->workspace_id, offline, p.limit_txt, p.ts, p.id };

	if (!api_page_args(r, LIST_DEFAULT, LIST_MAX, &p))
		return;
	snprintf(offline, sizeof(offline), "%ld", r->settings->runtime_offline_after);
	api_exec_page(r, p.before ? &st_list_before : &st_list, values, NULL, "runtimes",
		      p.limit, RT_COL_CREATED_AT, RT_COL_ID);
}

void runtimes_create(struct hg_request *r)
{
	static const char *const allowed[] = { "name", NULL };
	char offline[24];
	const char *name;
	enum field_state st_name;
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "name", FIELD_REQUIRED | FIELD_NONBLANK, NAME_MAX_CHARS,
			&st_name, &name))
		goto done;
	snprintf(offline, sizeof(offline), "%ld", r->settings->runtime_offline_after);
	{
		const char *values[3] = { r->workspace_id, offline, name };

		rc = store_exec(&st_create, values, &res);
	}
	if (rc != STORE_OK)
		api_store_failed(r, rc);
	else
		send_runtime(r, 201, res);
done:
	PQclear(res);
	json_object_put(body);
}

void runtimes_heartbeat(struct hg_request *r)
{
	static const char *const allowed[] = { NULL };
	char offline[24];
	const char *values[3] = { r->workspace_id, offline, r->params[0] };
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;

	/* the body is optional; when given it is an object with no members */
	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed))
		goto done;
	snprintf(offline, sizeof(offline), "%ld", r->settings->runtime_offline_after);
	rc = store_exec(&st_heartbeat, values, &res);
	if (rc != STORE_OK)
		api_store_failed(r, rc);
	else if (PQntuples(res) != 1)
		api_not_found(r, "runtime");
	else
		send_runtime(r, 200, res);
done:
	PQclear(res);
	json_object_put(body);
}
