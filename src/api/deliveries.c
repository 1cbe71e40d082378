/* deliveries: an autopilot's stored webhook deliveries: list, detail, replay and bulk replay (SPEC 4.4), over db/delivery. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/delivery.h"

#define DELIVERIES_DEFAULT_LIMIT	20
#define DELIVERIES_MAX_LIMIT		100

/* ?status=: NULL (all) when absent; false after a 400 when not a delivery status. */
static HG_MUSTCHECK bool status_filter(struct hg_request *r, char *buf, size_t len, const char **out)
{
	*out = NULL;
	if (!req_query_has(r, "status"))
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

/* ---- GET /api/autopilots/{autopilot}/deliveries ---- */

void deliveries_list(struct hg_request *r)
{
	struct api_page p;
	char status_buf[32];
	const char *status;
	PGresult *res = NULL;

	if (!api_page_args(r, DELIVERIES_DEFAULT_LIMIT, DELIVERIES_MAX_LIMIT, &p) ||
	    !status_filter(r, status_buf, sizeof(status_buf), &status))
		return;
	if (api_store_ok(r, model_list_page(&delivery_rows, r->workspace_id, r->params[0], status,
					    &p.model, &res), "autopilot"))
		api_send_page_of(r, res, "deliveries", p.limit, DELIVERY_COL_CREATED,
				 DELIVERY_COL_ID, delivery_rows.to_json);
	PQclear(res);
}

/* ---- GET /api/autopilots/{autopilot}/deliveries/{delivery} ---- */

void deliveries_show(struct hg_request *r)
{
	struct json_object *d = NULL;
	const char *missing = NULL;
	enum store_rc rc = delivery_show(r->workspace_id, r->params[0], r->params[1], &d, &missing);

	/* missing is set by the call: not an argument beside it */
	if (api_store_ok(r, rc, missing))
		api_send_member(r, 200, "delivery", d);
}

/* ---- POST /api/autopilots/{autopilot}/deliveries/{delivery}/replay ---- */

/*
 * The Idempotency-Key header, trimmed, into key (DELIVERY_IDEMPOTENCY_KEY_MAX
 * + 1 bytes): *out NULL when absent or blank. False after a 400 when too
 * long or not UTF-8.
 */
static HG_MUSTCHECK bool idempotency_key(struct hg_request *r, char *key, const char **out)
{
	const char *v = hdrs_get(&r->hdrs, "Idempotency-Key");
	char msg[64];

	*out = NULL;
	if (!v)
		return true;
	switch (delivery_idempotency_key(v, strlen(v), key)) {
	case DELIVERY_KEY_OK:
		*out = key;
		return true;
	case DELIVERY_KEY_EMPTY:
		return true;
	case DELIVERY_KEY_TOO_LONG:
		snprintf(msg, sizeof(msg), "Idempotency-Key must be at most %d bytes",
			 DELIVERY_IDEMPOTENCY_KEY_MAX);
		api_bad_request(r, msg);
		return false;
	case DELIVERY_KEY_NOT_UTF8:
		break;
	}
	api_bad_request(r, "Idempotency-Key must be UTF-8 text");
	return false;
}

void deliveries_replay(struct hg_request *r)
{
	static const char *const no_members[] = { NULL };
	char key_buf[DELIVERY_IDEMPOTENCY_KEY_MAX + 1];
	struct delivery_replay_args a = {
		.workspace_id = r->workspace_id,
		.autopilot_id = r->params[0],
		.delivery_id = r->params[1],
		.offline_after_s = r->settings->runtime_offline_after,
	};
	struct delivery_replay_result out = { .answer = NULL };
	struct json_object *body = NULL;

	if (!idempotency_key(r, key_buf, &a.idempotency_key) || !api_body_object(r, &body))
		return;
	/* no body members are defined: any is a mistake worth reporting */
	if (!field_known(r, body, no_members))
		goto out;
	if (!api_store_ok(r, delivery_replay(&a, &out), NULL))
		goto out;
	switch (out.outcome) {
	case REPLAY_CREATED:
	case REPLAY_REPEATED:
		snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", out.delivery_id);
		api_send(r, out.outcome == REPLAY_CREATED ? 201 : 200, out.answer);
		out.answer = NULL;	/* api_send put it */
		break;
	case REPLAY_NOT_FOUND:
		req_send_error(r, 404, out.message);
		break;
	case REPLAY_REFUSED:
		api_bad_request(r, out.message);
		break;
	}
out:
	json_object_put(out.answer);
	json_object_put(body);
}

/* ---- POST /api/autopilots/{autopilot}/deliveries/replay ---- */

void deliveries_bulk_replay(struct hg_request *r)
{
	static const char *const members[] = { "since", "until", "status", "event", "limit", NULL };
	char key_buf[DELIVERY_IDEMPOTENCY_KEY_MAX + 1], msg[256];
	struct delivery_bulk_args a = {
		.workspace_id = r->workspace_id,
		.autopilot_id = r->params[0],
		.limit = DELIVERY_BULK_DEFAULT_LIMIT,
		.offline_after_s = r->settings->runtime_offline_after,
	};
	struct delivery_bulk_result out = { .answer = NULL };
	struct json_object *body = NULL;
	enum field_state state, limit_state;
	long limit;

	if (!idempotency_key(r, key_buf, &a.idempotency_key) || !api_body_object(r, &body))
		return;
	if (!field_known(r, body, members) ||
	    !field_text(r, body, "since", FIELD_REQUIRED | FIELD_NONBLANK, 64, &state, &a.since) ||
	    !field_text(r, body, "until", FIELD_REQUIRED | FIELD_NONBLANK, 64, &state, &a.until) ||
	    !field_strings(r, body, "status", FIELD_NULLABLE, DELIVERY_BULK_MAX_STATUSES, 32,
			   &state, a.statuses) ||
	    !field_text(r, body, "event", FIELD_NULLABLE | FIELD_NONBLANK,
			DELIVERY_BULK_EVENT_MAX_CHARS, &state, &a.event) ||
	    !field_int(r, body, "limit", FIELD_NULLABLE, 1, DELIVERY_BULK_MAX_LIMIT, &limit_state,
		       &limit))
		goto out;
	if (limit_state == FIELD_VALUE)
		a.limit = limit;
	if (!delivery_bulk_check(&a, msg, sizeof(msg))) {
		api_bad_request(r, msg);
		goto out;
	}
	if (!api_store_ok(r, delivery_bulk_replay(&a, &out), NULL))
		goto out;
	switch (out.outcome) {
	case BULK_DONE:
		api_send(r, 200, out.answer);
		out.answer = NULL;	/* api_send put it */
		break;
	case BULK_NOT_FOUND:
		api_not_found(r, "autopilot");
		break;
	case BULK_KEY_REUSED:
		req_send_error(r, 409, "Idempotency-Key was used for another bulk replay of this autopilot");
		break;
	}
out:
	json_object_put(out.answer);
	json_object_put(body);
}
