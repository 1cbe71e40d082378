/* run: the autopilot_run resource: its columns, its statements (list, get, the worker protocol) and its JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/run.h"

const char *const run_statuses[] = {
	"pending", "running", "completed", "failed", "skipped", NULL
};

/*
 * The run object (SPEC 4.5), alias r, in the API's order; a detail adds
 * r.trigger_payload. id is its first column, created_at its last
 * (RUN_COL_ID, RUN_COL_CREATED).
 */
#define RUN_COLUMNS \
	"r.id, r.autopilot_id, r.trigger_id, r.webhook_delivery_id, r.source, r.status, " \
	"r.failure_reason, r.result, r.claimed_by, r.attempts, " \
	"to_json(r.available_at)#>>'{}' AS available_at, " \
	"to_json(r.lease_expires_at)#>>'{}' AS lease_expires_at, " \
	"to_json(r.completed_at)#>>'{}' AS completed_at, " \
	"to_json(r.created_at)#>>'{}' AS created_at"

static struct statement st_list[MODEL_PAGE_SHAPES] =
	MODEL_PAGE_STATEMENTS("run_list", "r", RUN_COLUMNS, "autopilot_run");

static struct statement st_cursor = { "run_cursor", MODEL_CURSOR_SQL("autopilot_run"), 2, 0, true };

/* The run with its trigger_payload. */
static struct statement st_get = { "run_get",
	MODEL_GET_SQL("r", RUN_COLUMNS ", r.trigger_payload", "autopilot_run"), 3, 0, true };

/* The runs a claim by runtime rt may take: its workspace's, for it or for any runtime, of autopilot ap (NULL: any). */
#define CLAIMABLE_RUNS_OF(ap) \
	" FROM autopilot_run r JOIN autopilot a ON a.id = r.autopilot_id" \
	"  JOIN rt ON rt.workspace_id = a.workspace_id" \
	" WHERE r.status IN ('pending', 'running')" \
	"   AND (a.runtime_id IS NULL OR a.runtime_id = rt.id)" \
	"   AND (" ap "::uuid IS NULL OR r.autopilot_id = " ap "::uuid)"
#define CLAIMABLE_RUNS CLAIMABLE_RUNS_OF("$4")

/*
 * The claim, one statement. $1 workspace (NULL: the runtime's), $2
 * runtime, $3 lease in seconds, $4 autopilot (NULL: any), $5
 * max_run_attempts (0: no limit). No row: no such runtime. Column 0 false:
 * no such autopilot. A NULL id: nothing to claim. The spent runs are failed
 * whether or not one is claimed; the claim reads the rows as they were
 * before, so it leaves them out itself.
 */
static struct statement st_claim = { "run_claim",
	"WITH rt AS ("
	"  UPDATE runtime SET last_seen_at = now()"
	"   WHERE id = $2::uuid AND ($1::uuid IS NULL OR workspace_id = $1::uuid)"
	"  RETURNING id, workspace_id),"
	" spent AS ("
	"  UPDATE autopilot_run s SET status = 'failed', completed_at = now(),"
	"         failure_reason = 'lease expired ' || s.attempts || ' times'"
	"   WHERE s.id IN (SELECT r.id" CLAIMABLE_RUNS
	"                     AND r.status = 'running' AND r.lease_expires_at <= now()"
	"                     AND $5::integer > 0 AND r.attempts >= $5::integer"
	"                     FOR UPDATE OF r SKIP LOCKED)),"
	" pick AS ("
	"  SELECT r.id" CLAIMABLE_RUNS
	"     AND ((r.status = 'pending' AND r.available_at <= now())"
	"          OR (r.status = 'running' AND r.lease_expires_at <= now()"
	"              AND ($5::integer = 0 OR r.attempts < $5::integer)))"
	"   ORDER BY r.created_at, r.id"
	"   LIMIT 1"
	"   FOR UPDATE OF r SKIP LOCKED),"
	" claimed AS ("
	"  UPDATE autopilot_run r SET status = 'running', claimed_by = $2::uuid,"
	"         attempts = r.attempts + 1,"
	"         lease_expires_at = now() + make_interval(secs => $3::integer)"
	"    FROM pick WHERE r.id = pick.id"
	"  RETURNING r.*)"
	" SELECT ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM autopilot x"
	"          WHERE x.id = $4::uuid AND x.workspace_id = rt.workspace_id)),"
	"        " RUN_COLUMNS ", r.trigger_payload"
	"   FROM rt LEFT JOIN claimed r ON true", 5, 0, false };

/* Run $2 when it is workspace $1's ($1 NULL: any). */
#define RUN_TARGET \
	"WITH target AS (" \
	"  SELECT r.id FROM autopilot_run r JOIN autopilot a ON a.id = r.autopilot_id" \
	"   WHERE r.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid))"

/* The holder $3 extends its lease to now + $4 s. No row: not found; id NULL: not the holder. */
static struct statement st_heartbeat = { "run_heartbeat",
	RUN_TARGET ","
	" ext AS ("
	"  UPDATE autopilot_run r SET lease_expires_at = now() + make_interval(secs => $4::integer)"
	"    FROM target t"
	"   WHERE r.id = t.id AND r.status = 'running' AND r.claimed_by = $3::uuid"
	"  RETURNING r.*),"
	" seen AS ("
	"  UPDATE runtime SET last_seen_at = now()"
	"   WHERE id = $3::uuid AND EXISTS (SELECT 1 FROM ext))"
	" SELECT " RUN_COLUMNS " FROM target LEFT JOIN ext r ON true", 4, 0, false };

/*
 * complete and fail: only the runtime $3 holding the claim, while the run
 * is running, even after its lease expired as long as nobody claimed it
 * since; or, unchanged, the same call ($4 the same result or reason) that
 * already finished it. No row: run not found; id NULL: not claimed by this
 * runtime.
 */
#define FINISH_SQL(set_clause, same_call) \
	RUN_TARGET "," \
	" done AS (" \
	"  UPDATE autopilot_run r SET " set_clause ", completed_at = now()" \
	"    FROM target t" \
	"   WHERE r.id = t.id AND r.status = 'running' AND r.claimed_by = $3::uuid" \
	"  RETURNING r.*)," \
	" seen AS (" \
	"  UPDATE runtime SET last_seen_at = now()" \
	"   WHERE id = $3::uuid AND EXISTS (SELECT 1 FROM done))," \
	" answer AS (" \
	"  SELECT * FROM done" \
	"  UNION ALL" \
	"  SELECT r.* FROM autopilot_run r JOIN target t ON t.id = r.id" \
	"   WHERE NOT EXISTS (SELECT 1 FROM done) AND r.claimed_by = $3::uuid AND " same_call ")" \
	" SELECT " RUN_COLUMNS " FROM target LEFT JOIN answer r ON true"

static struct statement st_complete = { "run_complete",
	FINISH_SQL("status = 'completed', result = $4::jsonb",
		   "r.status = 'completed' AND r.result IS NOT DISTINCT FROM $4::jsonb"), 4, 0, false };

static struct statement st_fail = { "run_fail",
	FINISH_SQL("status = 'failed', failure_reason = $4::text, result = $5::jsonb",
		   "r.status = 'failed' AND r.failure_reason = $4::text"
		   " AND r.result IS NOT DISTINCT FROM $5::jsonb"), 5, 0, false };

/* The holder $3 hands run $2 back. No row: not running under its claim. */
static struct statement st_release = { "run_release",
	RUN_TARGET
	" UPDATE autopilot_run r SET status = 'pending', claimed_by = NULL, lease_expires_at = NULL"
	"   FROM target t"
	"  WHERE r.id = t.id AND r.status = 'running' AND r.claimed_by = $3::uuid"
	" RETURNING r.id", 3, 0, false };

/* Milliseconds until a claim by runtime $2 (of workspace $1, NULL: any) for autopilot $3 may find a run; NULL: never. */
static struct statement st_next = { "run_next_available",
	"WITH rt AS ("
	"  SELECT id, workspace_id FROM runtime"
	"   WHERE id = $2::uuid AND ($1::uuid IS NULL OR workspace_id = $1::uuid))"
	" SELECT greatest(0, ceil(extract(epoch FROM min(CASE WHEN r.status = 'pending'"
	"        THEN r.available_at ELSE r.lease_expires_at END) - now()) * 1000))::bigint"
	CLAIMABLE_RUNS_OF("$3"), 3, 0, true };

const struct model_list run_rows = {
	"run", run_statuses, RUN_COL_ID, model_row_json, st_list, &st_cursor,
};

enum store_rc run_show(const char *workspace_id, const char *autopilot_id, const char *run_id,
		       struct json_object **out, const char **missing)
{
	PGresult *res = NULL;
	enum store_rc rc = model_get_exec(&st_get, "run", workspace_id, autopilot_id, run_id, &res,
					  missing);

	*out = NULL;
	if (rc == STORE_OK && !(*out = model_row_json(res, 0)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

/*
 * The run of row 0 of res (from column first on) into *run: RUN_OK; no
 * row: none, id NULL: null_id. STORE_ERROR when out of memory. Clears res.
 */
static enum store_rc one_run(PGresult *res, int first, enum run_outcome none,
			     enum run_outcome null_id, enum run_outcome *outcome,
			     struct json_object **run)
{
	enum store_rc rc = STORE_OK;

	*run = NULL;
	if (PQntuples(res) == 0)
		*outcome = none;
	else if (PQgetisnull(res, 0, first + RUN_COL_ID))
		*outcome = null_id;
	else if ((*run = model_row_json_from(res, 0, first)))
		*outcome = RUN_OK;
	else
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

/* The outcome of a statement whose one row is the run, its id NULL when the runtime may not. */
static enum store_rc holder_run(PGresult *res, enum run_outcome *outcome, struct json_object **run)
{
	return one_run(res, 0, RUN_NOT_FOUND, RUN_NOT_HOLDER, outcome, run);
}

enum store_rc run_claim(const struct run_claim_args *a, enum run_outcome *outcome,
			struct json_object **run)
{
	char lease[24], max[24];
	const char *values[5] = { a->workspace_id, a->runtime_id, lease, a->autopilot_id, max };
	PGresult *res = NULL;
	enum store_rc rc;

	*run = NULL;
	snprintf(lease, sizeof(lease), "%ld", a->lease_s);
	snprintf(max, sizeof(max), "%ld", a->max_attempts);
	rc = store_exec(&st_claim, values, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] != 't') {
		*outcome = RUN_NO_AUTOPILOT;
		PQclear(res);
		return STORE_OK;
	}
	return one_run(res, 1, RUN_NO_RUNTIME, RUN_NOTHING, outcome, run);
}

enum store_rc run_heartbeat(const char *workspace_id, const char *run_id,
			    const char *runtime_id, long lease_s, enum run_outcome *outcome,
			    struct json_object **run)
{
	char lease[24];
	const char *values[4] = { workspace_id, run_id, runtime_id, lease };
	PGresult *res = NULL;
	enum store_rc rc;

	*run = NULL;
	snprintf(lease, sizeof(lease), "%ld", lease_s);
	rc = store_exec(&st_heartbeat, values, &res);
	if (rc != STORE_OK)
		return rc;
	return holder_run(res, outcome, run);
}

/* complete and fail: st with the run, the runtime, value ($4) and result ($5, fail only). */
static enum store_rc finish(struct statement *st, const char *workspace_id, const char *run_id,
			    const char *runtime_id, const char *value, const char *result,
			    enum run_outcome *outcome, struct json_object **run)
{
	const char *values[5] = { workspace_id, run_id, runtime_id, value, result };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	*run = NULL;
	if (rc != STORE_OK)
		return rc;
	return holder_run(res, outcome, run);
}

enum store_rc run_complete(const char *workspace_id, const char *run_id,
			   const char *runtime_id, const char *result,
			   enum run_outcome *outcome, struct json_object **run)
{
	return finish(&st_complete, workspace_id, run_id, runtime_id, result, NULL, outcome, run);
}

enum store_rc run_fail(const char *workspace_id, const char *run_id, const char *runtime_id,
		       const char *reason, const char *result, enum run_outcome *outcome,
		       struct json_object **run)
{
	return finish(&st_fail, workspace_id, run_id, runtime_id, reason, result, outcome, run);
}

enum store_rc run_release(const char *workspace_id, const char *run_id, const char *runtime_id)
{
	const char *values[3] = { workspace_id, run_id, runtime_id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_release, values, &res);

	if (rc == STORE_OK && PQntuples(res) == 0)
		rc = STORE_NOT_FOUND;
	PQclear(res);
	return rc;
}

enum store_rc run_next_available(const char *workspace_id, const char *runtime_id,
				 const char *autopilot_id, long *next_in_ms)
{
	const char *values[3] = { workspace_id, runtime_id, autopilot_id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_next, values, &res);

	*next_in_ms = -1;
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*next_in_ms = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}
