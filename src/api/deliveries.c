/* deliveries: an autopilot's stored webhook deliveries: list, detail and replay (SPEC 4.4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/model.h"
#include "lib/util.h"


#define DELIVERIES_DEFAULT_LIMIT	20
#define DELIVERIES_MAX_LIMIT		100
#define IDEMPOTENCY_KEY_MAX		255	/* bytes */

/* The run JSON of runs.c with trigger_payload, as one jsonb value named run. */
#define REPLAY_RUN_JSON \
	"(SELECT to_jsonb(x) FROM (SELECT " MODEL_RUN_COLUMNS ", r.trigger_payload" \
	"   FROM autopilot_run r WHERE r.id = d.autopilot_run_id) x) AS run"

/*
 * One page, newest first, optionally of one status ($3), after the cursor
 * ($4, $5) when there is one. One row per delivery; one row of NULLs when
 * the autopilot has none on this page; no row when the autopilot is not
 * the workspace's. $6 is the page size + 1.
 *
 * One statement per shape (status or not, cursor or not), so that even a
 * generic plan keeps each condition in the index (webhook_delivery_list_idx,
 * webhook_delivery_status_idx) rather than filtering rows one by one: an
 * "$3 IS NULL OR ..." cannot be an index condition. A parameter a shape does
 * not use is only asked to be NULL, once per execution.
 */
#define DELIVERIES_LIST(name, status_cond, cursor_cond) { name, \
	"SELECT d.* FROM autopilot a" \
	"  LEFT JOIN LATERAL (SELECT " MODEL_DELIVERY_COLUMNS \
	"                       FROM webhook_delivery d" \
	"                      WHERE d.autopilot_id = a.id AND " status_cond \
	"                        AND " cursor_cond \
	"                      ORDER BY d.created_at DESC, d.id DESC" \
	"                      LIMIT $6::integer) d ON true" \
	" WHERE a.id = $2 AND a.workspace_id = $1" \
	" ORDER BY d.created_at DESC, d.id DESC", 6, 0, false }
#define ANY_STATUS	"$3::text IS NULL"
#define ONE_STATUS	"d.status = $3::text"
#define FIRST_PAGE	"$4::timestamptz IS NULL AND $5::uuid IS NULL"
#define AFTER_CURSOR	"(d.created_at, d.id) < ($4::timestamptz, $5::uuid)"

/* Indexed by (status given) * 2 + (cursor given). */
static struct statement st_list[] = {
	DELIVERIES_LIST("deliveries_list", ANY_STATUS, FIRST_PAGE),
	DELIVERIES_LIST("deliveries_list_before", ANY_STATUS, AFTER_CURSOR),
	DELIVERIES_LIST("deliveries_list_status", ONE_STATUS, FIRST_PAGE),
	DELIVERIES_LIST("deliveries_list_status_before", ONE_STATUS, AFTER_CURSOR),
};

/* No row: autopilot not found; id NULL: delivery not found. */
static struct statement st_show = { "deliveries_show",
	"SELECT " MODEL_DELIVERY_DETAIL_COLUMNS
	"  FROM autopilot a"
	"  LEFT JOIN webhook_delivery d ON d.autopilot_id = a.id AND d.id = $3"
	" WHERE a.id = $2 AND a.workspace_id = $1", 3, 0, false };

/* The replay's answer: the new delivery's detail and its run. */
static struct statement st_replay_answer = { "deliveries_replay_answer",
	"SELECT " MODEL_DELIVERY_DETAIL_COLUMNS ", " REPLAY_RUN_JSON
	"  FROM autopilot a"
	"  JOIN webhook_delivery d ON d.autopilot_id = a.id AND d.id = $3"
	" WHERE a.id = $2 AND a.workspace_id = $1", 3, 0, false };

/*
 * The replay itself, one transaction in one round trip (sql/003_replay.sql).
 * Not a plain "SELECT" at the start: the store retries those after a lost
 * connection, and this one may have committed.
 */
static struct statement st_replay = { "deliveries_replay",
	"/* writes: never retried */ SELECT http_status, error, delivery_id, run_id"
	"  FROM hookgate_replay($1::uuid, $2::uuid, $3::uuid, $4, $5::integer)", 5, 0, false };

/* ---- helpers ---- */

/* ?status=: NULL (all) when absent; false after a 400 when not a delivery status. */
static HG_MUSTCHECK bool status_filter(struct hg_request *r, char *buf, size_t len, const char **out)
{
	*out = NULL;
	if (!req_query_has(r, "status"))
		return true;
	if (req_query(r, "status", buf, len)) {
		for (size_t i = 0; model_delivery_statuses[i]; i++) {
			if (strcmp(buf, model_delivery_statuses[i]) == 0) {
				*out = model_delivery_statuses[i];
				return true;
			}
		}
	}
	api_bad_request(r, "status must be one of queued, dispatched, rejected, ignored, failed");
	return false;
}

/* ---- GET /api/autopilots/{autopilot}/deliveries ---- */

void deliveries_list(struct hg_request *r)
{
	char ts[64], id[37], limit_txt[16], status_buf[32];
	const char *values[6], *status;
	int limit;
	bool bad_cursor;

	if (!api_limit(r, DELIVERIES_DEFAULT_LIMIT, DELIVERIES_MAX_LIMIT, &limit) ||
	    !status_filter(r, status_buf, sizeof(status_buf), &status))
		return;
	if (!api_before(r, ts, id, &bad_cursor) && bad_cursor)
		return;
	snprintf(limit_txt, sizeof(limit_txt), "%d", limit + 1);
	values[0] = r->workspace_id;
	values[1] = r->params[0];
	values[2] = status;
	values[3] = ts[0] ? ts : NULL;
	values[4] = ts[0] ? id : NULL;
	values[5] = limit_txt;
	api_exec_page(r, &st_list[(status ? 2 : 0) + (ts[0] ? 1 : 0)], values, "autopilot",
		      "deliveries", limit,
		      MODEL_DELIVERY_COL_CREATED, MODEL_DELIVERY_COL_ID);
}

/* ---- GET /api/autopilots/{autopilot}/deliveries/{delivery} ---- */

void deliveries_show(struct hg_request *r)
{
	const char *values[3] = { r->workspace_id, r->params[0], r->params[1] };
	PGresult *res = NULL;

	/* no row: autopilot not found; id NULL: delivery not found */
	if (api_exec_found(r, &st_show, values, "autopilot", "delivery", MODEL_DELIVERY_COL_ID, &res))
		api_send_member(r, 200, "delivery", model_delivery_json(res, 0));
	PQclear(res);
}

/* ---- POST /api/autopilots/{autopilot}/deliveries/{delivery}/replay ---- */

/*
 * The Idempotency-Key header, trimmed, into key (IDEMPOTENCY_KEY_MAX + 1
 * bytes): *out NULL when absent or blank. False after a 400 when too long
 * or not UTF-8.
 */
static HG_MUSTCHECK bool idempotency_key(struct hg_request *r, char *key, const char **out)
{
	size_t len;
	const char *v = hdrs_get_span(&r->hdrs, "Idempotency-Key", &len);

	*out = NULL;
	if (!v)
		return true;
	if (len > IDEMPOTENCY_KEY_MAX) {
		api_bad_request(r, "Idempotency-Key must be at most 255 bytes");
		return false;
	}
	if (!utf8_valid((const unsigned char *)v, len)) {
		api_bad_request(r, "Idempotency-Key must be UTF-8 text");
		return false;
	}
	memcpy(key, v, len);
	key[len] = '\0';
	*out = key;
	return true;
}

/* Answer the replay delivery_id (status 201 or 200) with its detail and its run. */
static void send_replay(struct hg_request *r, int status, const char *delivery_id)
{
	const char *values[3] = { r->workspace_id, r->params[0], delivery_id };
	struct json_object *d = NULL, *run = NULL;
	PGresult *res = NULL;
	enum store_rc rc;

	rc = store_exec(&st_replay_answer, values, &res);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		return;
	}
	if (PQntuples(res) != 1) {
		/* deleted between the replay and this read */
		api_not_found(r, "delivery");
		goto out;
	}
	d = model_delivery_json(res, 0);
	/* the run column belongs beside the delivery, not inside it */
	if (!d || !json_object_object_get_ex(d, "run", &run)) {
		json_object_put(d);
		req_send_error(r, 500, "internal error");
		goto out;
	}
	run = json_object_get(run);
	json_object_object_del(d, "run");
	/* NULL (out of memory): a 500 */
	api_send(r, status, model_replay_json(d, run));
out:
	PQclear(res);
}

void deliveries_replay(struct hg_request *r)
{
	static const char *const no_members[] = { NULL };
	char key_buf[IDEMPOTENCY_KEY_MAX + 1], offline[24];
	const char *key, *values[5];
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;
	int status;

	if (!idempotency_key(r, key_buf, &key) || !api_body_object(r, &body))
		return;
	/* no body members are defined: any is a mistake worth reporting */
	if (!field_known(r, body, no_members))
		goto out;
	snprintf(offline, sizeof(offline), "%ld", r->settings->runtime_offline_after);
	values[0] = r->workspace_id;
	values[1] = r->params[0];
	values[2] = r->params[1];
	values[3] = key;
	values[4] = offline;
	rc = store_exec(&st_replay, values, &res);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		goto out;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		req_send_error(r, 500, "internal error");
		goto out;
	}
	status = atoi(PQgetvalue(res, 0, 0));
	if (status == 200 || status == 201) {
		if (PQgetisnull(res, 0, 2)) {
			req_send_error(r, 500, "internal error");
			goto out;
		}
		snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", PQgetvalue(res, 0, 2));
		send_replay(r, status, r->delivery_id);
	} else if ((status == 400 || status == 404) && !PQgetisnull(res, 0, 1)) {
		req_send_error(r, status, PQgetvalue(res, 0, 1));
	} else {
		req_send_error(r, 500, "internal error");
	}
out:
	PQclear(res);
	json_object_put(body);
}
