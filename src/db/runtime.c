/* runtime: the runtime resource: its columns (with online), statements and JSON, for the API and hookgatectl. */
#include "config.h"

#include <stdio.h>
#include <string.h>

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

/* By id when $1 is one, else by name: at most two rows, to tell a name of several apart. */
static struct statement st_find = { "runtime_find",
	"SELECT r.id, r.workspace_id FROM runtime r"
	" WHERE CASE WHEN $1 ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"
	"            THEN r.id = $1::uuid ELSE r.name = $1 END"
	" ORDER BY r.created_at, r.id LIMIT 2", 1, 0, true };

struct json_object *runtime_json(const PGresult *res, int row)
{
	return model_row_json(res, row);
}

/* runtime_offline_after as the text of $2: offline holds 24 bytes. */
static const char *offline_text(long offline_after_s, char *offline)
{
	snprintf(offline, 24, "%ld", offline_after_s);
	return offline;
}

enum store_rc runtime_page(const char *workspace_id, long offline_after_s,
			   const struct model_page *page, PGresult **res)
{
	char offline[24];
	const char *values[5] = {
		workspace_id, offline_text(offline_after_s, offline), page->limit,
		page->before_ts, page->before_id,
	};

	return store_exec(page->before_ts ? &st_page_before : &st_page, values, res);
}

enum store_rc runtime_list(const char *workspace_id, long offline_after_s, struct json_object **out)
{
	char offline[24];
	const char *values[3] = { workspace_id, offline_text(offline_after_s, offline), NULL };

	return model_exec_list(&st_page, values, runtime_json, out);	/* no limit */
}

enum store_rc runtime_create(const char *workspace_id, const char *name, long offline_after_s,
			     struct json_object **out)
{
	char offline[24];
	const char *values[3] = { workspace_id, offline_text(offline_after_s, offline), name };

	return model_exec_one(&st_create, values, runtime_json, out);
}

enum store_rc runtime_heartbeat(const char *workspace_id, const char *id, long offline_after_s,
				struct json_object **out)
{
	char offline[24];
	const char *values[3] = { workspace_id, offline_text(offline_after_s, offline), id };

	return model_exec_one(&st_heartbeat, values, runtime_json, out);
}

enum store_rc runtime_owner(const char *id, char workspace_id[STORE_ID_LEN])
{
	return store_find_ids(&st_owner, id, workspace_id, NULL);
}

enum store_rc runtime_find(const char *name_or_id, struct runtime_ref *out, bool *ambiguous)
{
	const char *values[1] = { name_or_id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_find, values, &res);

	*ambiguous = false;
	memset(out, 0, sizeof(*out));
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1) {
		*ambiguous = PQntuples(res) > 1;
		rc = STORE_NOT_FOUND;
	} else {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->workspace_id, sizeof(out->workspace_id), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}
