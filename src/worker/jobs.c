/* jobs: hookgate-worker's view of runs and its runtime, through src/db/run.c and runtime.c (the API's statements). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/run.h"
#include "worker/jobs.h"

enum store_rc jobs_runtime(const char *name_or_id, struct runtime_ref *out, char *why, size_t whylen)
{
	bool ambiguous;
	enum store_rc rc = runtime_find(name_or_id, out, &ambiguous);

	if (rc == STORE_NOT_FOUND)
		snprintf(why, whylen, ambiguous ?
			 "runtime '%s': more than one runtime has that name; give its id" :
			 "runtime '%s' not found (create it: hookgatectl runtime create --workspace SLUG --name NAME)",
			 name_or_id);
	return rc;
}

enum store_rc jobs_runtime_seen(const struct runtime_ref *rt)
{
	struct json_object *out = NULL;
	enum store_rc rc = runtime_heartbeat(rt->workspace_id, rt->id, 0, &out);

	json_object_put(out);
	return rc;
}

/* A string member of o, or "" (absent, null). */
static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* The job of a claimed run's JSON; false when out of memory. */
static bool job_from(struct json_object *run, struct job *j)
{
	struct json_object *payload = NULL, *attempts;
	const char *text;

	memset(j, 0, sizeof(*j));
	snprintf(j->run_id, sizeof(j->run_id), "%s", member(run, "id"));
	snprintf(j->delivery_id, sizeof(j->delivery_id), "%s", member(run, "webhook_delivery_id"));
	snprintf(j->autopilot_id, sizeof(j->autopilot_id), "%s", member(run, "autopilot_id"));
	snprintf(j->trigger_id, sizeof(j->trigger_id), "%s", member(run, "trigger_id"));
	j->attempt = json_object_object_get_ex(run, "attempts", &attempts) ?
		     (long)json_object_get_int64(attempts) : 1;
	if (json_object_object_get_ex(run, "trigger_payload", &payload) && payload)
		snprintf(j->event, sizeof(j->event), "%s", member(payload, "event"));
	text = payload ? json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE) : "null";
	if (!text || !(j->payload = strdup(text)))
		return false;
	j->payload_len = strlen(j->payload);
	return true;
}

enum store_rc jobs_claim(const struct runtime_ref *rt, const char *autopilot_id, long lease_s,
			 long max_attempts, struct job *out, long *next_in_ms)
{
	const struct run_claim_args a = {
		.workspace_id = rt->workspace_id, .runtime_id = rt->id, .lease_s = lease_s,
		.autopilot_id = autopilot_id, .max_attempts = max_attempts,
	};
	struct json_object *run = NULL;
	enum run_outcome outcome;
	enum store_rc rc;

	*next_in_ms = -1;
	memset(out, 0, sizeof(*out));
	rc = run_claim(&a, &outcome, &run);
	if (rc != STORE_OK)
		return rc;
	if (outcome == RUN_OK) {
		rc = job_from(run, out) ? STORE_OK : STORE_ERROR;
		json_object_put(run);
		return rc;
	}
	json_object_put(run);
	if (outcome != RUN_NOTHING)
		return STORE_ERROR;		/* the runtime or the autopilot is gone */
	rc = run_next_available(rt->workspace_id, rt->id, autopilot_id, next_in_ms);
	return rc == STORE_OK ? STORE_NOT_FOUND : rc;
}

/* A holder's call: RUN_OK is STORE_OK, another holder or none is STORE_NOT_FOUND. */
static enum store_rc held(enum store_rc rc, enum run_outcome outcome, struct json_object *run)
{
	json_object_put(run);
	if (rc != STORE_OK)
		return rc;
	return outcome == RUN_OK ? STORE_OK : STORE_NOT_FOUND;
}

enum store_rc jobs_extend(const struct runtime_ref *rt, const struct job *j, long lease_s)
{
	struct json_object *run = NULL;
	enum run_outcome outcome = RUN_NOT_FOUND;
	enum store_rc rc = run_heartbeat(rt->workspace_id, j->run_id, rt->id, lease_s, &outcome, &run);

	return held(rc, outcome, run);
}

enum store_rc jobs_finish(const struct runtime_ref *rt, const struct job *j,
			  struct json_object *result, const char *reason)
{
	const char *text = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct json_object *run = NULL;
	enum run_outcome outcome = RUN_NOT_FOUND;
	enum store_rc rc;

	if (!text)
		return STORE_ERROR;
	if (reason)
		rc = run_fail(rt->workspace_id, j->run_id, rt->id, reason, text, &outcome, &run);
	else
		rc = run_complete(rt->workspace_id, j->run_id, rt->id, text, &outcome, &run);
	return held(rc, outcome, run);
}

enum store_rc jobs_release(const struct runtime_ref *rt, const struct job *j)
{
	return run_release(rt->workspace_id, j->run_id, rt->id);
}

void job_free(struct job *j)
{
	free(j->payload);
	j->payload = NULL;
}
