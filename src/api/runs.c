/* runs: runs (list, detail) and the worker protocol: claim, heartbeat, complete, fail (SPEC 4.1, 4.5), over db/run. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/run.h"

#define RUNS_DEFAULT_LIMIT	20
#define RUNS_MAX_LIMIT		100

#define NOT_CLAIMED "run is not claimed by this runtime"

/* ---- small helpers ---- */

/* body.runtime_id: a required UUID string. */
static HG_MUSTCHECK bool runtime_id_member(struct hg_request *r, struct json_object *body, const char **out)
{
	enum field_state state;

	return field_uuid(r, body, "runtime_id", FIELD_REQUIRED, &state, out);
}

/* body.lease_s: 1 to RUN_LEASE_MAX_S, RUN_LEASE_DEFAULT_S when absent or null. */
static HG_MUSTCHECK bool lease_member(struct hg_request *r, struct json_object *body, long *out)
{
	enum field_state state;

	if (!field_int(r, body, "lease_s", FIELD_NULLABLE, 1, RUN_LEASE_MAX_S, &state, out))
		return false;
	if (state != FIELD_VALUE)
		*out = RUN_LEASE_DEFAULT_S;
	return true;
}

/* Answer a call of the worker protocol; run is consumed. */
static void send_outcome(struct hg_request *r, enum store_rc rc, enum run_outcome outcome,
			 struct json_object *run)
{
	if (rc != STORE_OK) {
		json_object_put(run);
		req_send_store_failed(r, rc);
		return;
	}
	switch (outcome) {
	case RUN_OK:
		api_send_member(r, 200, "run", run);
		return;
	case RUN_NOTHING:
		req_send_raw(r, 204, NULL);
		break;
	case RUN_NOT_FOUND:
		api_not_found(r, "run");
		break;
	case RUN_NOT_HOLDER:
		req_send_error(r, 409, NOT_CLAIMED);
		break;
	case RUN_NO_RUNTIME:
		api_not_found(r, "runtime");
		break;
	case RUN_NO_AUTOPILOT:
		api_not_found(r, "autopilot");
		break;
	}
	json_object_put(run);
}

/* ---- GET /api/autopilots/{autopilot}/runs ---- */

void runs_list(struct hg_request *r)
{
	struct api_page p;
	PGresult *res = NULL;

	if (!api_page_args(r, RUNS_DEFAULT_LIMIT, RUNS_MAX_LIMIT, &p))
		return;
	if (api_store_ok(r, model_list_page(&run_rows, r->workspace_id, r->params[0], NULL, &p.model,
					    &res), "autopilot"))
		api_send_page_of(r, res, "runs", p.limit, RUN_COL_CREATED, RUN_COL_ID, run_rows.to_json);
	PQclear(res);
}

/* ---- GET /api/autopilots/{autopilot}/runs/{run} and GET /api/runs/{run} ---- */

/* The run of autopilot_id (NULL: of any) of the key's workspace. */
static void send_run(struct hg_request *r, const char *autopilot_id, const char *run_id)
{
	struct json_object *run = NULL;
	const char *missing = NULL;
	enum store_rc rc = run_show(r->workspace_id, autopilot_id, run_id, &run, &missing);

	/* missing is set by the call: not an argument beside it */
	if (api_store_ok(r, rc, missing))
		api_send_member(r, 200, "run", run);
}

void runs_show(struct hg_request *r)
{
	send_run(r, r->params[0], r->params[1]);
}

void runs_get(struct hg_request *r)
{
	send_run(r, NULL, r->params[0]);
}

/* ---- POST /api/runs/claim, /api/runs/{run}/heartbeat, /complete and /fail ---- */

/* body.result: any JSON value as text; absent or null: NULL (no result). */
static const char *result_member(struct json_object *body)
{
	struct json_object *v;

	/* api_body_object applied json_storable: result is storable as jsonb */
	if (!json_object_object_get_ex(body, "result", &v) || !v)
		return NULL;
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* The calls of the worker protocol. */
enum worker_call { CALL_CLAIM, CALL_HEARTBEAT, CALL_COMPLETE, CALL_FAIL };

/*
 * A call of the worker protocol: its body (the members of the call, the
 * runtime_id first), the module's call, the answer (send_outcome).
 */
static void worker_call(struct hg_request *r, enum worker_call call)
{
	static const char *const allowed[][4] = {
		[CALL_CLAIM] = { "runtime_id", "lease_s", "autopilot_id", NULL },
		[CALL_HEARTBEAT] = { "runtime_id", "lease_s", NULL },
		[CALL_COMPLETE] = { "runtime_id", "result", NULL },
		[CALL_FAIL] = { "runtime_id", "reason", NULL },
	};
	struct json_object *body = NULL, *run = NULL;
	enum run_outcome outcome = call == CALL_CLAIM ? RUN_NOTHING : RUN_NOT_FOUND;
	const char *runtime_id, *reason;
	enum field_state state;
	enum store_rc rc = STORE_ERROR;
	long lease;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed[call]) || !runtime_id_member(r, body, &runtime_id))
		goto out;
	switch (call) {
	case CALL_CLAIM: {
		struct run_claim_args a = {
			.workspace_id = r->workspace_id,
			.runtime_id = runtime_id,
			.max_attempts = r->settings->max_run_attempts,
		};

		if (!lease_member(r, body, &a.lease_s) ||
		    !field_uuid(r, body, "autopilot_id", FIELD_NULLABLE, &state, &a.autopilot_id))
			goto out;
		rc = run_claim(&a, &outcome, &run);
		break;
	}
	case CALL_HEARTBEAT:
		if (!lease_member(r, body, &lease))
			goto out;
		rc = run_heartbeat(r->workspace_id, r->params[0], runtime_id, lease, &outcome, &run);
		break;
	case CALL_COMPLETE:
		rc = run_complete(r->workspace_id, r->params[0], runtime_id, result_member(body),
				  &outcome, &run);
		break;
	case CALL_FAIL:
		if (!field_text(r, body, "reason", FIELD_REQUIRED | FIELD_NONBLANK,
				RUN_REASON_MAX_CHARS, &state, &reason))
			goto out;
		/* SPEC 4.5: a reason only; the worker also keeps its output as the result */
		rc = run_fail(r->workspace_id, r->params[0], runtime_id, reason, NULL, &outcome, &run);
		break;
	}
	send_outcome(r, rc, outcome, run);
out:
	json_object_put(body);
}

void runs_claim(struct hg_request *r)
{
	worker_call(r, CALL_CLAIM);
}

void runs_heartbeat(struct hg_request *r)
{
	worker_call(r, CALL_HEARTBEAT);
}

void runs_complete(struct hg_request *r)
{
	worker_call(r, CALL_COMPLETE);
}

void runs_fail(struct hg_request *r)
{
	worker_call(r, CALL_FAIL);
}
