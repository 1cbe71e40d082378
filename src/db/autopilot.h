/* autopilot: the autopilot resource (SPEC 2, 4.1): its rules, statements and JSON, for the API and hookgatectl. */
#ifndef HG_DB_AUTOPILOT_H
#define HG_DB_AUTOPILOT_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/model.h"
#include "db/store.h"

#define AUTOPILOT_TITLE_MAX_CHARS	200
#define AUTOPILOT_DESCRIPTION_MAX_CHARS	10000

/* The statuses, NULL-terminated; the first is the default of create. */
extern const char *const autopilot_statuses[];

/* Whether status is one of autopilot_statuses. */
bool autopilot_status_valid(const char *status);

/*
 * What create and update write. NULL keeps the stored value (update) or
 * takes the default (create: description "", status "active", no runtime).
 */
struct autopilot_fields {
	const char *title;
	const char *description;
	const char *status;
	bool runtime_set;		/* update: whether runtime_id is given (NULL unbinds) */
	const char *runtime_id;		/* a runtime of the same workspace, or NULL */
};

/* Columns of autopilot_page's rows: the cursor's. */
#define AUTOPILOT_COL_ID		0
#define AUTOPILOT_COL_CREATED_AT	7

/* The autopilot JSON of row of an autopilot_page result. */
struct json_object *autopilot_json(const PGresult *res, int row);

/* A page of the workspace's autopilots, newest first; *res is the caller's to PQclear. */
enum store_rc autopilot_page(const char *workspace_id, const struct model_page *page,
			     PGresult **res) HG_MUSTCHECK;

/* Every autopilot of the workspace, newest first, as an array of autopilot JSON. */
enum store_rc autopilot_list(const char *workspace_id, struct json_object **out) HG_MUSTCHECK;

/* Autopilot id of the workspace; STORE_NOT_FOUND when it has none such. */
enum store_rc autopilot_show(const char *workspace_id, const char *id, struct json_object **out)
	HG_MUSTCHECK;

/* Whether the workspace has autopilot id: STORE_OK or STORE_NOT_FOUND. */
enum store_rc autopilot_exists(const char *workspace_id, const char *id) HG_MUSTCHECK;

/*
 * A new autopilot of the workspace; *out is its JSON. STORE_NOT_FOUND:
 * f->runtime_id names no runtime of the workspace.
 */
enum store_rc autopilot_create(const char *workspace_id, const struct autopilot_fields *f,
			       struct json_object **out) HG_MUSTCHECK;

/*
 * Change autopilot id of the workspace (updated_at too); *out is its new
 * JSON. STORE_NOT_FOUND with *missing "autopilot", or "runtime" when
 * f->runtime_id names no runtime of the workspace.
 */
enum store_rc autopilot_update(const char *workspace_id, const char *id,
			       const struct autopilot_fields *f, struct json_object **out,
			       const char **missing) HG_MUSTCHECK;

/* Delete autopilot id of the workspace, and with it its triggers, deliveries and runs. */
enum store_rc autopilot_delete(const char *workspace_id, const char *id) HG_MUSTCHECK;

/* The workspace of autopilot id (for the operator, who has no key); STORE_NOT_FOUND when none. */
enum store_rc autopilot_owner(const char *id, char workspace_id[STORE_ID_LEN]) HG_MUSTCHECK;

#endif
