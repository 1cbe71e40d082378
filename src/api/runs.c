/* runs: an autopilot's runs (list, detail) and the worker protocol: claim, complete, fail (SPEC 4.1, 4.5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/model.h"
#include "lib/util.h"


#define RUNS_DEFAULT_LIMIT	20
#define RUNS_MAX_LIMIT		100
#define LEASE_DEFAULT_S		300
#define LEASE_MAX_S		86400
#define REASON_MAX_CHARS	4000

/*
 * One page, newest first. One row per run; when the autopilot exists but has
 * no run on this page, one row of NULLs; no row when the autopilot is not
 * the workspace's. $5 is the page size + 1, to tell whether a next page exists.
 * One statement per shape (first page, after a cursor), so that a generic
 * plan keeps the keyset condition in autopilot_run_list_idx.
 */
#define RUNS_LIST(name, cursor_cond) { name, \
	"SELECT r.* FROM autopilot a" \
	"  LEFT JOIN LATERAL (SELECT " MODEL_RUN_COLUMNS \
	"                       FROM autopilot_run r" \
	"                      WHERE r.autopilot_id = a.id AND " cursor_cond \
	"                      ORDER BY r.created_at DESC, r.id DESC" \
	"                      LIMIT $5::integer) r ON true" \
	" WHERE a.id = $2 AND a.workspace_id = $1" \
	" ORDER BY r.created_at DESC, r.id DESC", 5, 0, false }

static struct statement st_list[] = {
	RUNS_LIST("runs_list", "$3::timestamptz IS NULL AND $4::uuid IS NULL"),
	RUNS_LIST("runs_list_before", "(r.created_at, r.id) < ($3::timestamptz, $4::uuid)"),
};

/* No row: autopilot not found; id NULL: run not found. */
static struct statement st_show = { "runs_show",
	"SELECT " MODEL_RUN_COLUMNS ", r.trigger_payload"
	"  FROM autopilot a"
	"  LEFT JOIN autopilot_run r ON r.autopilot_id = a.id AND r.id = $3"
	" WHERE a.id = $2 AND a.workspace_id = $1", 3, 0, false };

/*
 * The claim, one statement: the runtime must be the workspace's (no row:
 * runtime not found) and is marked seen; the oldest eligible run, skipping
 * rows another claim holds, becomes running under a lease. A row with id
 * NULL: nothing to claim. An eligible run is pending and available (a run
 * that token_rate deferred is not handed out before its available_at), or
 * running with an expired lease, and its autopilot names this runtime or none.
 */
static struct statement st_claim = { "runs_claim",
	"WITH rt AS ("
	"  UPDATE runtime SET last_seen_at = now()"
	"   WHERE id = $2 AND workspace_id = $1"
	"  RETURNING id, workspace_id),"
	" pick AS ("
	"  SELECT r.id FROM autopilot_run r"
	"    JOIN autopilot a ON a.id = r.autopilot_id"
	"    JOIN rt ON rt.workspace_id = a.workspace_id"
	"   WHERE r.status IN ('pending', 'running')"
	"     AND (r.status = 'pending' AND r.available_at <= now()"
	"          OR r.status = 'running' AND r.lease_expires_at <= now())"
	"     AND (a.runtime_id IS NULL OR a.runtime_id = rt.id)"
	"   ORDER BY r.created_at, r.id"
	"   LIMIT 1"
	"   FOR UPDATE OF r SKIP LOCKED),"
	" claimed AS ("
	"  UPDATE autopilot_run r SET status = 'running', claimed_by = $2,"
	"         lease_expires_at = now() + make_interval(secs => $3::integer)"
	"    FROM pick WHERE r.id = pick.id"
	"  RETURNING r.*)"
	" SELECT " MODEL_RUN_COLUMNS ", r.trigger_payload"
	"   FROM rt LEFT JOIN claimed r ON true", 3, 0, false };

/*
 * complete and fail: only the runtime holding the claim, while the run is
 * running, even after its lease expired as long as nobody claimed it since.
 * No row: run not found; id NULL: not claimed by this runtime. $3 is the
 * runtime; $4 the result (complete) or the reason (fail).
 */
#define FINISH_SQL(set_clause) \
	"WITH target AS (" \
	"  SELECT r.id FROM autopilot_run r JOIN autopilot a ON a.id = r.autopilot_id" \
	"   WHERE r.id = $2 AND a.workspace_id = $1)," \
	" done AS (" \
	"  UPDATE autopilot_run r SET " set_clause ", completed_at = now()" \
	"    FROM target t" \
	"   WHERE r.id = t.id AND r.status = 'running' AND r.claimed_by = $3" \
	"  RETURNING r.*)," \
	" seen AS (" \
	"  UPDATE runtime SET last_seen_at = now()" \
	"   WHERE id = $3 AND workspace_id = $1 AND EXISTS (SELECT 1 FROM done))" \
	" SELECT " MODEL_RUN_COLUMNS " FROM target LEFT JOIN done r ON true"

static struct statement st_complete = { "runs_complete",
	FINISH_SQL("status = 'completed', result = $4::jsonb"), 4, 0, false };

static struct statement st_fail = { "runs_fail",
	FINISH_SQL("status = 'failed', failure_reason = $4"), 4, 0, false };

/* ---- small helpers ---- */

/* body.runtime_id: a required UUID string. */
static HG_MUSTCHECK bool runtime_id_member(struct hg_request *r, struct json_object *body, const char **out)
{
	enum field_state state;

	return field_uuid(r, body, "runtime_id", FIELD_REQUIRED, &state, out);
}

/* The run object of row 0 with every column (trigger_payload too when selected). */
static void send_run(struct hg_request *r, int status, const PGresult *res)
{
	api_send_member(r, status, "run", model_row_json(res, 0));
}

/* ---- GET /api/autopilots/{autopilot}/runs ---- */

void runs_list(struct hg_request *r)
{
	struct api_page p;
	const char *values[5];

	if (!api_page_args(r, RUNS_DEFAULT_LIMIT, RUNS_MAX_LIMIT, &p))
		return;
	values[0] = r->workspace_id;
	values[1] = r->params[0];
	values[2] = p.before ? p.ts : NULL;
	values[3] = p.before ? p.id : NULL;
	values[4] = p.limit_txt;
	api_exec_page(r, &st_list[p.before ? 1 : 0], values, "autopilot", "runs", p.limit,
		      MODEL_RUN_COL_CREATED,
		      MODEL_RUN_COL_ID);
}

/* ---- GET /api/autopilots/{autopilot}/runs/{run} ---- */

void runs_show(struct hg_request *r)
{
	const char *values[3] = { r->workspace_id, r->params[0], r->params[1] };
	PGresult *res = NULL;

	if (api_exec_found(r, &st_show, values, "autopilot", "run", MODEL_RUN_COL_ID, &res))
		send_run(r, 200, res);
	PQclear(res);
}

/* ---- POST /api/runs/claim ---- */

void runs_claim(struct hg_request *r)
{
	static const char *const allowed[] = { "runtime_id", "lease_s", NULL };
	struct json_object *body = NULL;
	const char *runtime_id, *values[3];
	char lease_txt[16];
	enum field_state state;
	long lease;
	PGresult *res = NULL;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !runtime_id_member(r, body, &runtime_id) ||
	    !field_int(r, body, "lease_s", FIELD_NULLABLE, 1, LEASE_MAX_S, &state, &lease))
		goto out;
	if (state != FIELD_VALUE)
		lease = LEASE_DEFAULT_S;
	snprintf(lease_txt, sizeof(lease_txt), "%ld", lease);
	values[0] = r->workspace_id;
	values[1] = runtime_id;
	values[2] = lease_txt;
	if (!api_exec_found(r, &st_claim, values, "runtime", NULL, 0, &res))
		goto out;
	if (PQgetisnull(res, 0, MODEL_RUN_COL_ID))
		req_send_raw(r, 204, NULL);	/* nothing to claim */
	else
		send_run(r, 200, res);
out:
	PQclear(res);
	json_object_put(body);
}

/* ---- POST /api/runs/{run}/complete and /fail ---- */

/*
 * The shared part of complete and fail: value is the result as JSON text
 * (complete, may be NULL) or the reason (fail).
 */
static void finish(struct hg_request *r, struct statement *st, const char *runtime_id,
		   const char *value)
{
	const char *values[4] = { r->workspace_id, r->params[0], runtime_id, value };
	PGresult *res = NULL;
	enum store_rc rc;

	rc = store_exec(st, values, &res);
	if (rc != STORE_OK) {
		const char *state = store_last_sqlstate();

		/* JSON that jsonb refuses and json_storable missed */
		if (rc == STORE_ERROR && (strcmp(state, "22P02") == 0 || strcmp(state, "22P05") == 0 ||
					  strcmp(state, "22021") == 0))
			api_bad_request(r, API_UNSTORABLE_JSON);
		else
			api_store_failed(r, rc);
		return;
	}
	if (PQntuples(res) == 0)
		api_not_found(r, "run");
	else if (PQgetisnull(res, 0, MODEL_RUN_COL_ID))
		req_send_error(r, 409, "run is not claimed by this runtime");
	else
		send_run(r, 200, res);
	PQclear(res);
}

void runs_complete(struct hg_request *r)
{
	static const char *const allowed[] = { "runtime_id", "result", NULL };
	struct json_object *body = NULL, *v;
	const char *runtime_id, *result = NULL;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !runtime_id_member(r, body, &runtime_id))
		goto out;
	/* any JSON value; absent or null: no result */
	if (json_object_object_get_ex(body, "result", &v) && v)
		result = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	finish(r, &st_complete, runtime_id, result);
out:
	json_object_put(body);
}

void runs_fail(struct hg_request *r)
{
	static const char *const allowed[] = { "runtime_id", "reason", NULL };
	struct json_object *body = NULL;
	const char *runtime_id, *reason;
	enum field_state state;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !runtime_id_member(r, body, &runtime_id) ||
	    !field_text(r, body, "reason", FIELD_REQUIRED | FIELD_NONBLANK, REASON_MAX_CHARS,
			&state, &reason))
		goto out;
	finish(r, &st_fail, runtime_id, reason);
out:
	json_object_put(body);
}
