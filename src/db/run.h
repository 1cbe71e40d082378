/* run: the autopilot_run resource: its columns, statements and JSON (SPEC 2, 4.1, 4.5), for the API, hookgatectl and the worker. */
#ifndef HG_DB_RUN_H
#define HG_DB_RUN_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/model.h"
#include "db/store.h"

/* A claim's or a heartbeat's lease, in seconds: the default and the largest. */
#define RUN_LEASE_DEFAULT_S	300
#define RUN_LEASE_MAX_S		86400
/* A fail call's reason, at most this many characters. */
#define RUN_REASON_MAX_CHARS	4000

/* A run's statuses, NULL-terminated. */
extern const char *const run_statuses[];

/* The columns of a page of run_rows: the run's id first, its created_at last. */
#define RUN_COL_ID	0
#define RUN_COL_CREATED	13

/* What a call of the worker protocol found. */
enum run_outcome {
	RUN_OK,			/* done (or the same call done before): *run is the run */
	RUN_NOTHING,		/* claim: no run to hand out */
	RUN_NOT_FOUND,		/* no such run (in the workspace) */
	RUN_NOT_HOLDER,		/* the run is not running under this runtime's claim */
	RUN_NO_RUNTIME,		/* claim: no such runtime (in the workspace) */
	RUN_NO_AUTOPILOT,	/* claim: no such autopilot (in the runtime's workspace) */
};

/*
 * Every function taking workspace_id and autopilot_id is scoped by both
 * (workspace_id NULL: any workspace, hookgatectl's): a run of another
 * autopilot or workspace is not found, exactly as one that does not
 * exist. On STORE_NOT_FOUND, *missing says what ("autopilot" or "run").
 */

/*
 * An autopilot's runs a page at a time (model_list_page,
 * model_list_cursor), of one of run_statuses, without trigger_payload;
 * each row as the run JSON of SPEC 4.5.
 */
extern const struct model_list run_rows;

/* Run run_id with its trigger_payload; autopilot_id NULL: of any autopilot. */
enum store_rc run_show(const char *workspace_id, const char *autopilot_id, const char *run_id,
		       struct json_object **out, const char **missing) HG_MUSTCHECK;

/* What a claim asks for (SPEC 4.5). */
struct run_claim_args {
	const char *workspace_id;	/* NULL: the runtime's own */
	const char *runtime_id;
	long lease_s;
	const char *autopilot_id;	/* NULL: any autopilot */
	long max_attempts;		/* max_run_attempts; 0: no limit */
};

/*
 * The claim, one statement (the API's and the worker's): the runtime is
 * marked seen; runs whose lease expired after max_attempts claims become
 * failed ("lease expired N times"); the oldest claimable run (pending and
 * available, or running with an expired lease) whose autopilot names this
 * runtime or none becomes running under a new lease, attempts + 1, skipping
 * rows another claim holds. RUN_OK with *run (with trigger_payload),
 * RUN_NOTHING, RUN_NO_RUNTIME or RUN_NO_AUTOPILOT.
 */
enum store_rc run_claim(const struct run_claim_args *a, enum run_outcome *outcome,
			struct json_object **run) HG_MUSTCHECK;

/*
 * The holder runtime_id extends its lease on run_id to now + lease_s
 * (also after it expired, while nobody claimed the run since). RUN_OK with
 * *run, RUN_NOT_FOUND or RUN_NOT_HOLDER. workspace_id NULL: any.
 */
enum store_rc run_heartbeat(const char *workspace_id, const char *run_id,
			    const char *runtime_id, long lease_s, enum run_outcome *outcome,
			    struct json_object **run) HG_MUSTCHECK;

/*
 * The holder runtime_id finishes run_id: completed with result, or failed
 * with reason and result (result: JSON text that json_storable passed;
 * NULL: none). The same call repeated by the same runtime once it
 * succeeded (the same result or reason: a retry after a lost answer) is
 * RUN_OK with the run as it is. Else RUN_NOT_FOUND, or RUN_NOT_HOLDER (not
 * running under this runtime's claim). workspace_id NULL: any.
 */
enum store_rc run_complete(const char *workspace_id, const char *run_id,
			   const char *runtime_id, const char *result,
			   enum run_outcome *outcome, struct json_object **run) HG_MUSTCHECK;
enum store_rc run_fail(const char *workspace_id, const char *run_id, const char *runtime_id,
		       const char *reason, const char *result, enum run_outcome *outcome,
		       struct json_object **run) HG_MUSTCHECK;

/*
 * The holder runtime_id hands run_id back: pending again, claim and lease
 * cleared (a worker stopping at once). STORE_NOT_FOUND when the run is not
 * running under its claim (any more).
 */
enum store_rc run_release(const char *workspace_id, const char *run_id, const char *runtime_id)
	HG_MUSTCHECK;

/*
 * When a claim by runtime_id (for autopilot_id; NULL: any) may next find
 * something: the milliseconds until the earliest available_at of a
 * deferred run or lease_expires_at of a running one, 0 when already
 * passed, -1 when none is waiting.
 */
enum store_rc run_next_available(const char *workspace_id, const char *runtime_id,
				 const char *autopilot_id, long *next_in_ms) HG_MUSTCHECK;

#endif
