/* runtime: the runtime resource (SPEC 2, 4.5): the workers of a workspace, their statements and JSON. */
#ifndef HG_DB_RUNTIME_H
#define HG_DB_RUNTIME_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/model.h"
#include "db/store.h"

#define RUNTIME_NAME_MAX_CHARS	200

/*
 * The runtime JSON: id, workspace_id, name, last_seen_at, online (last_seen_at
 * within offline_after_s, the setting runtime_offline_after), created_at.
 * Every function here takes that setting.
 */

/* Columns of runtime_page's rows: the cursor's. */
#define RUNTIME_COL_ID		0
#define RUNTIME_COL_CREATED_AT	5

/* The runtime JSON of row of a runtime_page result. */
struct json_object *runtime_json(const PGresult *res, int row);

/* A page of the workspace's runtimes, newest first; *res is the caller's to PQclear. */
enum store_rc runtime_page(const char *workspace_id, long offline_after_s,
			   const struct model_page *page, PGresult **res) HG_MUSTCHECK;

/* Every runtime of the workspace, newest first, as an array of runtime JSON. */
enum store_rc runtime_list(const char *workspace_id, long offline_after_s,
			   struct json_object **out) HG_MUSTCHECK;

/* A new runtime of the workspace; *out is its JSON. */
enum store_rc runtime_create(const char *workspace_id, const char *name, long offline_after_s,
			     struct json_object **out) HG_MUSTCHECK;

/* Record a heartbeat of runtime id of the workspace; STORE_NOT_FOUND when it has none such. */
enum store_rc runtime_heartbeat(const char *workspace_id, const char *id, long offline_after_s,
				struct json_object **out) HG_MUSTCHECK;

/* A runtime as a worker names it: its id and its workspace. */
struct runtime_ref {
	char id[STORE_ID_LEN];
	char workspace_id[STORE_ID_LEN];
};

/*
 * The runtime called name_or_id: a runtime id, else a name, which must be
 * the name of one runtime only (across workspaces: a worker has no API
 * key). STORE_NOT_FOUND when there is none, *ambiguous then true when the
 * name is more than one runtime's.
 */
enum store_rc runtime_find(const char *name_or_id, struct runtime_ref *out, bool *ambiguous)
	HG_MUSTCHECK;

/* The workspace of runtime id (for the operator, who has no key); STORE_NOT_FOUND when none. */
enum store_rc runtime_owner(const char *id, char workspace_id[STORE_ID_LEN]) HG_MUSTCHECK;

#endif
