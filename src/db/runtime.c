/* runtime: the runtime resource: its columns (with online), statements and JSON, for the API and hookgatectl. */
#include "config.h"

#include <stdio.h>

#include "db/runtime.h"

/* The runtime JSON by column name; $2 is runtime_offline_after in seconds. */
#define RT_COLUMNS \
	"r.id, r.workspace_id, r.name, " MODEL_TS("r", "last_seen_at") ", " \
	"coalesce(r.last_seen_at > now() - make_interval(secs => $2::integer), false) AS online, " \
	MODEL_TS("r", "created_at")

/* $3 NULL: every row */
static struct statement st_page = { "runtime_page",
	"SELECT " RT_COLUMNS " FROM runtime r WHERE r.workspace_id = $1::uuid"
	" ORDER BY r.created_at DESC, r.id DESC LIMIT $3::integer", 3, 0, true };

static struct statement st_page_before = { "runtime_page_before",
	"SELECT " RT_COLUMNS " FROM runtime r WHERE r.workspace_id = $1::uuid"
	"   AND (r.created_at, r.id) < ($4::timestamptz, $5::uuid)"
	" ORDER BY r.created_at DESC, r.id DESC LIMIT $3::integer", 5, 0, true };

static struct statement st_create = { "runtime_create",
	"INSERT INTO runtime AS r (workspace_id, name) VALUES ($1::uuid, $3)"
	" RETURNING " RT_COLUMNS, 3, 0, false };

/* idempotent enough to retry: a second heartbeat only moves last_seen_at */
static struct statement st_heartbeat = { "runtime_heartbeat",
	"UPDATE runtime AS r SET last_seen_at = now()"
	" WHERE r.id = $3::uuid AND r.workspace_id = $1::uuid"
	" RETURNING " RT_COLUMNS, 3, 0, true };

static struct statement st_owner = { "runtime_owner",
	"SELECT r.workspace_id FROM runtime r WHERE r.id = $1::uuid", 1, 0, true };

struct json_object *runtime_json(const PGresult *res, int row)
{
	return model_row_json(res, row);
}

/* Run st, whose $1 is a workspace, $2 the offline setting, $3 the third value, more after. */
static enum store_rc run(struct statement *st, const char *workspace_id, long offline_after_s,
			 const char *third, const char *fourth, const char *fifth, PGresult **res)
{
	char offline[24];
	const char *values[5] = { workspace_id, offline, third, fourth, fifth };

	snprintf(offline, sizeof(offline), "%ld", offline_after_s);
	return store_exec(st, values, res);
}

/* The runtime of the one row of a statement as *out; STORE_NOT_FOUND when none. */
static enum store_rc one(enum store_rc rc, PGresult *res, struct json_object **out)
{
	*out = NULL;
	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK && !(*out = runtime_json(res, 0)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

enum store_rc runtime_page(const char *workspace_id, long offline_after_s,
			   const struct model_page *page, PGresult **res)
{
	if (page->before_ts)
		return run(&st_page_before, workspace_id, offline_after_s, page->limit,
			   page->before_ts, page->before_id, res);
	return run(&st_page, workspace_id, offline_after_s, page->limit, NULL, NULL, res);
}

enum store_rc runtime_list(const char *workspace_id, long offline_after_s, struct json_object **out)
{
	const struct model_page all = { NULL, NULL, NULL };
	PGresult *res = NULL;
	enum store_rc rc = runtime_page(workspace_id, offline_after_s, &all, &res);

	*out = NULL;
	if (rc == STORE_OK && !(*out = model_rows_json(res, runtime_json)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

enum store_rc runtime_create(const char *workspace_id, const char *name, long offline_after_s,
			     struct json_object **out)
{
	PGresult *res = NULL;
	enum store_rc rc = run(&st_create, workspace_id, offline_after_s, name, NULL, NULL, &res);

	return one(rc, res, out);
}

enum store_rc runtime_heartbeat(const char *workspace_id, const char *id, long offline_after_s,
				struct json_object **out)
{
	PGresult *res = NULL;
	enum store_rc rc = run(&st_heartbeat, workspace_id, offline_after_s, id, NULL, NULL, &res);

	return one(rc, res, out);
}

enum store_rc runtime_owner(const char *id, char workspace_id[STORE_ID_LEN])
{
	return store_find_ids(&st_owner, id, workspace_id, NULL);
}
