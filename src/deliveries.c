/* deliveries: an autopilot's stored webhook deliveries: list, detail and replay (SPEC 4.4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fields.h"
#include "handlers.h"
#include "model.h"
#include "util.h"

#define WUR __attribute__((warn_unused_result))

#define DELIVERIES_DEFAULT_LIMIT	20
#define DELIVERIES_MAX_LIMIT		100
#define IDEMPOTENCY_KEY_MAX		255	/* bytes */

/*
 * The slim delivery of the list (alias d). Never raw_body, selected_headers
 * or response_body: the list does not even read them.
 */
#define DELIVERY_COLUMNS \
	"d.id, d.autopilot_id, d.trigger_id, d.provider, d.event, d.dedupe_key, " \
	"d.dedupe_source, d.signature_status, d.status, d.attempt_count, d.content_type, " \
	"d.response_status, d.autopilot_run_id, d.replayed_from_delivery_id, d.error, " \
	"to_json(d.received_at)#>>'{}' AS received_at, " \
	"to_json(d.last_attempt_at)#>>'{}' AS last_attempt_at, " \
	"to_json(d.created_at)#>>'{}' AS created_at"
#define DEL_COL_ID	0
#define DEL_COL_CREATED	17

/* The detail: the slim columns, then these; raw_body last (DEL_COL_RAW). */
#define DELIVERY_DETAIL_COLUMNS DELIVERY_COLUMNS ", " \
	"d.selected_headers, d.response_body, d.replay_idempotency_key, d.raw_body"
#define DEL_COL_RAW	21

/* The run JSON of runs.c (RUN_COLUMNS there) with trigger_payload, as one jsonb value. */
#define REPLAY_RUN_JSON \
	"(SELECT to_jsonb(x) FROM (SELECT r.id, r.autopilot_id, r.trigger_id," \
	"        r.webhook_delivery_id, r.source, r.status, r.failure_reason, r.result," \
	"        r.claimed_by, to_json(r.lease_expires_at)#>>'{}' AS lease_expires_at," \
	"        to_json(r.completed_at)#>>'{}' AS completed_at," \
	"        to_json(r.created_at)#>>'{}' AS created_at, r.trigger_payload" \
	"   FROM autopilot_run r WHERE r.id = d.autopilot_run_id) x) AS run"
#define DEL_COL_RUN	22

static const char *const delivery_statuses[] = {
	"queued", "dispatched", "rejected", "ignored", "failed", NULL
};

/*
 * One page, newest first, optionally of one status ($3). One row per
 * delivery; one row of NULLs when the autopilot has none on this page; no
 * row when the autopilot is not the workspace's. $6 is the page size + 1.
 */
static struct statement st_list = { "deliveries_list",
	"SELECT d.* FROM autopilot a"
	"  LEFT JOIN LATERAL (SELECT " DELIVERY_COLUMNS
	"                       FROM webhook_delivery d"
	"                      WHERE d.autopilot_id = a.id"
	"                        AND ($3::text IS NULL OR d.status = $3::text)"
	"                        AND ($4::timestamptz IS NULL"
	"                             OR (d.created_at, d.id) < ($4::timestamptz, $5::uuid))"
	"                      ORDER BY d.created_at DESC, d.id DESC"
	"                      LIMIT $6::integer) d ON true"
	" WHERE a.id = $2 AND a.workspace_id = $1"
	" ORDER BY d.created_at DESC, d.id DESC", 6, 0, false };

/* No row: autopilot not found; id NULL: delivery not found. */
static struct statement st_show = { "deliveries_show",
	"SELECT " DELIVERY_DETAIL_COLUMNS
	"  FROM autopilot a"
	"  LEFT JOIN webhook_delivery d ON d.autopilot_id = a.id AND d.id = $3"
	" WHERE a.id = $2 AND a.workspace_id = $1", 3, 0, false };

/* The replay's answer: the new delivery's detail and its run. */
static struct statement st_replay_answer = { "deliveries_replay_answer",
	"SELECT " DELIVERY_DETAIL_COLUMNS ", " REPLAY_RUN_JSON
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

/* Whether the query string names the parameter at all (even empty or too long). */
static bool query_present(const struct hg_request *r, const char *name)
{
	const char *q = req_env(r, "QUERY_STRING");
	size_t n = strlen(name);

	while (q && *q) {
		if (strncmp(q, name, n) == 0 && (q[n] == '=' || q[n] == '&' || q[n] == '\0'))
			return true;
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return false;
}

/* ?status=: NULL (all) when absent; false after a 400 when not a delivery status. */
static WUR bool status_filter(struct hg_request *r, char *buf, size_t len, const char **out)
{
	*out = NULL;
	if (!query_present(r, "status"))
		return true;
	if (req_query(r, "status", buf, len)) {
		for (size_t i = 0; delivery_statuses[i]; i++) {
			if (strcmp(buf, delivery_statuses[i]) == 0) {
				*out = delivery_statuses[i];
				return true;
			}
		}
	}
	api_bad_request(r, "status must be one of queued, dispatched, rejected, ignored, failed");
	return false;
}

/* Add v (may be NULL: JSON null) under key; v is put when that fails. */
static WUR bool add(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/*
 * The detail JSON of row: model_row_json, with raw_body replaced by the
 * bytes as text when they are UTF-8, else base64, and raw_body_encoding.
 * NULL when out of memory.
 */
static struct json_object *delivery_detail(const PGresult *res, int row)
{
	struct json_object *o = model_row_json(res, row), *v = NULL;
	unsigned char *bytes = NULL;
	char *b64 = NULL;
	const char *encoding = "utf-8";
	size_t len;

	if (!o)
		goto fail;
	bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, DEL_COL_RAW), &len);
	if (!bytes)
		goto fail;
	if (utf8_valid(bytes, len)) {
		v = json_object_new_string_len((const char *)bytes, (int)len);
	} else {
		encoding = "base64";
		b64 = base64_encode(bytes, len);
		if (!b64)
			goto fail;
		v = json_object_new_string(b64);
	}
	/* replaces the escaped bytea text in place */
	if (!v || !add(o, "raw_body", v)) {
		v = NULL;
		goto fail;
	}
	if (!add(o, "raw_body_encoding", json_object_new_string(encoding)))
		goto fail;
	free(b64);
	PQfreemem(bytes);
	return o;
fail:
	free(b64);
	if (bytes)
		PQfreemem(bytes);
	json_object_put(o);
	return NULL;
}

/* ---- GET /api/autopilots/{autopilot}/deliveries ---- */

void deliveries_list(struct hg_request *r)
{
	char ts[64], id[37], limit_txt[16], status_buf[32];
	const char *values[6], *status;
	PGresult *res = NULL;
	enum store_rc rc;
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
	rc = store_exec(&st_list, values, &res);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		return;
	}
	if (PQntuples(res) == 0)
		api_not_found(r, "autopilot");
	else
		api_send_page(r, res, "deliveries", limit, DEL_COL_CREATED, DEL_COL_ID);
	PQclear(res);
}

/* ---- GET /api/autopilots/{autopilot}/deliveries/{delivery} ---- */

void deliveries_show(struct hg_request *r)
{
	const char *values[3] = { r->workspace_id, r->params[0], r->params[1] };
	struct json_object *out = NULL, *d = NULL;
	PGresult *res = NULL;
	enum store_rc rc;

	rc = store_exec(&st_show, values, &res);
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		return;
	}
	if (PQntuples(res) == 0) {
		api_not_found(r, "autopilot");
		goto out;
	}
	if (PQgetisnull(res, 0, DEL_COL_ID)) {
		api_not_found(r, "delivery");
		goto out;
	}
	d = delivery_detail(res, 0);
	out = json_object_new_object();
	if (!d || !out || !add(out, "delivery", d)) {
		d = NULL;
		json_object_put(out);
		req_send_error(r, 500, "internal error");
		goto out;
	}
	api_send(r, 200, out);
out:
	PQclear(res);
}

/* ---- POST /api/autopilots/{autopilot}/deliveries/{delivery}/replay ---- */

/*
 * The Idempotency-Key header, trimmed, into key (IDEMPOTENCY_KEY_MAX + 1
 * bytes): *out NULL when absent or blank. False after a 400 when too long
 * or not UTF-8.
 */
static WUR bool idempotency_key(struct hg_request *r, char *key, const char **out)
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
	struct json_object *out = NULL, *d = NULL, *run = NULL;
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
	d = delivery_detail(res, 0);
	out = json_object_new_object();
	if (!d || !out)
		goto fail;
	/* the run column belongs beside the delivery, not inside it */
	if (!json_object_object_get_ex(d, "run", &run))
		goto fail;
	run = json_object_get(run);
	json_object_object_del(d, "run");
	if (!add(out, "delivery", d)) {
		d = NULL;
		goto fail;
	}
	d = NULL;
	if (!add(out, "run", run)) {
		run = NULL;
		goto fail;
	}
	api_send(r, status, out);
	goto out;
fail:
	json_object_put(run);
	json_object_put(d);
	json_object_put(out);
	req_send_error(r, 500, "internal error");
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
