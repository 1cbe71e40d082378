/* jobs: what hookgate-worker asks of the database, through the db modules' statements (runtime, run). */
#ifndef HG_WORKER_JOBS_H
#define HG_WORKER_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "db/runtime.h"
#include "db/store.h"

/* A claimed run, as the command needs it. */
struct job {
	char run_id[37];
	char delivery_id[37];		/* "" for a manual run */
	char autopilot_id[37];
	char trigger_id[37];
	char event[512];		/* trigger_payload's event, "" when none */
	long attempt;			/* 1 for the first claim */
	char *payload;			/* the trigger_payload as JSON text; owned */
	size_t payload_len;
};

/*
 * The runtime named by name_or_id (an id, else a name that must be unique
 * across workspaces). STORE_NOT_FOUND when there is none or the name is
 * ambiguous (why says which).
 */
enum store_rc jobs_runtime(const char *name_or_id, struct runtime_ref *out, char *why,
			   size_t whylen) HG_MUSTCHECK;

/* Mark the runtime seen now (admission then counts it online). */
enum store_rc jobs_runtime_seen(const struct runtime_ref *rt) HG_MUSTCHECK;

/*
 * Claim the oldest claimable run (the one claim statement of the API), for
 * autopilot_id only unless it is NULL; a run whose lease expired
 * max_attempts times is failed instead (max_run_attempts). STORE_NOT_FOUND when there is none;
 * then *next_in_ms is how long until the earliest deferred run may start
 * (-1 when none is waiting).
 */
enum store_rc jobs_claim(const struct runtime_ref *rt, const char *autopilot_id, long lease_s,
			 long max_attempts, struct job *out, long *next_in_ms) HG_MUSTCHECK;

/* Extend the lease of a run this runtime holds. STORE_NOT_FOUND: it holds it no more. */
enum store_rc jobs_extend(const struct runtime_ref *rt, const struct job *j, long lease_s) HG_MUSTCHECK;

/*
 * Complete (reason NULL) or fail the run with result (not taken).
 * STORE_NOT_FOUND: the run is no longer this runtime's (its lease expired
 * and another worker took it).
 */
enum store_rc jobs_finish(const struct runtime_ref *rt, const struct job *j,
			  struct json_object *result, const char *reason) HG_MUSTCHECK;

/* Hand the run back: pending again, lease cleared (a second stop signal). */
enum store_rc jobs_release(const struct runtime_ref *rt, const struct job *j) HG_MUSTCHECK;

void job_free(struct job *j);

#endif
