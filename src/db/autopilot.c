/* autopilot: the autopilot resource: its columns, statements and JSON, scoped by workspace. */
#include "config.h"

#include <string.h>

#include "db/autopilot.h"

/* The autopilot JSON, by column name; created_at and id are the cursor columns. */
#define AP_COLUMNS \
	"a.id, a.workspace_id, a.title, a.description, a.status, a.runtime_id, " \
	MODEL_AUTOPILOT_LAST_RUN_AT ", " MODEL_TS("a", "created_at") ", " \
	MODEL_TS("a", "updated_at")

const char *const autopilot_statuses[] = { "active", "paused", "archived", NULL };

/* $2 NULL: every row */
static struct statement st_page = { "autopilot_page",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.workspace_id = $1::uuid"
	" ORDER BY a.created_at DESC, a.id DESC LIMIT $2::integer", 2, 0, true };

static struct statement st_page_before = { "autopilot_page_before",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.workspace_id = $1::uuid"
	"   AND (a.created_at, a.id) < ($3::timestamptz, $4::uuid)"
	" ORDER BY a.created_at DESC, a.id DESC LIMIT $2::integer", 4, 0, true };

static struct statement st_show = { "autopilot_show",
	"SELECT " AP_COLUMNS " FROM autopilot a"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid", 2, 0, true };

/* No row: $5 names no runtime of the workspace. */
static struct statement st_create = { "autopilot_create",
	"WITH rt AS (SELECT r.id FROM runtime r"
	"             WHERE r.id = $5::uuid AND r.workspace_id = $1::uuid)"
	" INSERT INTO autopilot AS a (workspace_id, title, description, status, runtime_id)"
	" SELECT $1::uuid, $2, coalesce($3, ''), coalesce($4, 'active'), (SELECT id FROM rt)"
	"  WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM rt)"
	" RETURNING " AP_COLUMNS, 5, 0, false };

/*
 * No row: no such autopilot, or $7 names no runtime of the workspace.
 * $3..$5 NULL keep the value; $6 says whether runtime_id is set ($7 NULL unbinds).
 */
static struct statement st_update = { "autopilot_update",
	"WITH rt AS (SELECT r.id FROM runtime r"
	"             WHERE r.id = $7::uuid AND r.workspace_id = $1::uuid)"
	" UPDATE autopilot AS a SET"
	"   title = coalesce($3, a.title),"
	"   description = coalesce($4, a.description),"
	"   status = coalesce($5, a.status),"
	"   runtime_id = CASE WHEN $6::boolean THEN (SELECT id FROM rt) ELSE a.runtime_id END,"
	"   updated_at = now()"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	"   AND (NOT $6::boolean OR $7::uuid IS NULL OR EXISTS (SELECT 1 FROM rt))"
	" RETURNING " AP_COLUMNS, 7, 0, false };

static struct statement st_delete = { "autopilot_delete",
	"DELETE FROM autopilot a WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" RETURNING a.id", 2, 0, false };

static struct statement st_exists = { "autopilot_exists",
	"SELECT 1 FROM autopilot a WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid",
	2, 0, true };

static struct statement st_owner = { "autopilot_owner",
	"SELECT a.workspace_id FROM autopilot a WHERE a.id = $1::uuid", 1, 0, true };

bool autopilot_status_valid(const char *status)
{
	for (size_t i = 0; autopilot_statuses[i]; i++)
		if (strcmp(status, autopilot_statuses[i]) == 0)
			return true;
	return false;
}

struct json_object *autopilot_json(const PGresult *res, int row)
{
	return model_row_json(res, row);
}

enum store_rc autopilot_page(const char *workspace_id, const struct model_page *page,
			     PGresult **res)
{
	const char *values[4] = { workspace_id, page->limit, page->before_ts, page->before_id };

	return store_exec(page->before_ts ? &st_page_before : &st_page, values, res);
}

enum store_rc autopilot_list(const char *workspace_id, struct json_object **out)
{
	const char *values[2] = { workspace_id, NULL };	/* no limit */

	return model_exec_list(&st_page, values, autopilot_json, out);
}

enum store_rc autopilot_show(const char *workspace_id, const char *id, struct json_object **out)
{
	const char *values[2] = { workspace_id, id };

	return model_exec_one(&st_show, values, autopilot_json, out);
}

/* Run st on autopilot $2 of workspace $1: STORE_OK when it returned a row, else STORE_NOT_FOUND. */
static enum store_rc autopilot_found(struct statement *st, const char *workspace_id,
				     const char *id)
{
	const char *values[2] = { workspace_id, id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	PQclear(res);
	return rc;
}

enum store_rc autopilot_exists(const char *workspace_id, const char *id)
{
	return autopilot_found(&st_exists, workspace_id, id);
}

/* A runtime deleted between the check and the write fails the foreign key: not found too. */
static enum store_rc runtime_gone(enum store_rc rc)
{
	if (rc == STORE_ERROR && store_failed_with(SQLSTATE_FOREIGN_KEY_VIOLATION))
		return STORE_NOT_FOUND;
	return rc;
}

enum store_rc autopilot_create(const char *workspace_id, const struct autopilot_fields *f,
			       struct json_object **out)
{
	const char *values[5] = { workspace_id, f->title, f->description, f->status, f->runtime_id };

	return runtime_gone(model_exec_one(&st_create, values, autopilot_json, out));
}

enum store_rc autopilot_update(const char *workspace_id, const char *id,
			       const struct autopilot_fields *f, struct json_object **out,
			       const char **missing)
{
	const char *values[7] = {
		workspace_id, id, f->title, f->description, f->status,
		f->runtime_set ? "true" : "false", f->runtime_set ? f->runtime_id : NULL,
	};
	enum store_rc rc = runtime_gone(model_exec_one(&st_update, values, autopilot_json, out));

	*missing = NULL;
	if (rc == STORE_NOT_FOUND) {
		/* which one: only an answer that changes nothing pays for this */
		rc = autopilot_exists(workspace_id, id);
		*missing = rc == STORE_OK ? "runtime" : "autopilot";
		if (rc == STORE_OK)
			rc = STORE_NOT_FOUND;
	}
	return rc;
}

enum store_rc autopilot_delete(const char *workspace_id, const char *id)
{
	return autopilot_found(&st_delete, workspace_id, id);
}

enum store_rc autopilot_owner(const char *id, char workspace_id[STORE_ID_LEN])
{
	return store_find_ids(&st_owner, id, workspace_id, NULL);
}
