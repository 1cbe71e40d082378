/*
 * ingress: the public webhook endpoint, in the order of work of SPEC 3.1:
 * cheap refusals first, then the token lookup (round trip 1), then body,
 * signature and dedupe key in memory, then one transaction (round trip 2).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "api/handlers.h"
#include "webhook/filters.h"
#include "lib/log.h"
#include "http/metrics.h"
#include "http/limits.h"
#include "webhook/envelope.h"
#include "webhook/normalize.h"
#include "webhook/provider.h"
#include "webhook/signature.h"
#include "db/ingest.h"
#include "lib/json.h"
#include "lib/util.h"

void ingress_not_found(struct hg_request *r)
{
	limit_charge_bad_credentials(r);
	req_send_error(r, 404, "webhook not found");
}

/*
 * The trigger's stored event_filters parsed; NULL when none. Text that does
 * not parse (written outside the API) gives an object that matches nothing
 * (a string), so that filters_admit refuses and the log says why.
 */
static struct json_object *stored_filters(const char *text)
{
	struct json_tokener *tok;
	struct json_object *f = NULL;

	if (!text)
		return NULL;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH * 4);
	if (tok) {
		f = json_tokener_parse_ex(tok, text, -1);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(f);
			f = NULL;
		}
		json_tokener_free(tok);
	}
	return f ? f : json_object_new_string("unreadable");
}

/* Whether filters admit the delivery; a malformed stored filter is logged once per request. */
static bool admitted(const struct trigger_info *ti, struct json_object *filters, const char *event,
		     struct json_object *payload)
{
	char why[200];
	bool ok = filters_admit(filters, event, payload, why, sizeof(why));

	if (why[0])
		log_warn("trigger %s: a malformed stored event filter matches nothing: %s",
			 ti->trigger_id, why);
	return ok;
}

/* token_rate (SPEC 3.6): how long the run waits, in milliseconds; 0 at once. */
static long long deferral_ms(const struct hg_request *r, const char *trigger_id)
{
	uint64_t delay_ns;

	limit_defer(LIMIT_TOKEN_RATE, trigger_id, r->settings->token_rate, &delay_ns);
	/* whole milliseconds, rounded up: never before the schedule says */
	return (long long)((delay_ns + 999999u) / 1000000u);
}

void ingress_handle(struct hg_request *r)
{
	const char *token = r->params[0];
	const struct hg_settings *s = r->settings;
	struct trigger_info ti = { .secret = NULL };
	struct ingest_result res = { .response_body = NULL };
	struct envelope env = { .body = NULL };
	struct json_object *hdrs = NULL, *filters = NULL, *handshake = NULL;
	const char *challenge = NULL;
	const struct provider *prov;
	struct sig_input sig;
	struct dedupe dd = { .source = NULL };
	enum sig_status status;
	enum norm_result nr;
	char received_at[ENVELOPE_TIME_MAX], delivery_id[37], run_id[37];
	char *mtype = NULL;
	const char *raw_ctype;
	struct timespec now;
	long retry;
	bool admit;

	log_redact_token(token, r->token_hint, sizeof(r->token_hint));

	/* 1. the method is checked by the router (405 with Allow: POST) */
	/* 2. per-IP ceiling: charged by the router for every request */
	/* 3. bad-credential budget already spent: only asked here, charged by 404 and 401 */
	if (limit_bad_credentials_spent(r))
		goto out;

	/* 4. a declared body over the cap is refused before reading anything */
	if (req_content_length(r) > s->max_body_bytes) {
		req_send_error(r, 413, "payload too large");
		goto out;
	}

	/* 5. token lookup */
	if (!token_well_formed("awt_", token)) {
		ingress_not_found(r);
		goto out;
	}
	switch (ingest_lookup_token(token, &ti)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		ingress_not_found(r);
		goto out;
	case STORE_UNAVAILABLE:
		req_send_unavailable(r);
		goto out;
	default:
		req_send_error(r, 500, "internal error");
		goto out;
	}

	/* 6. per-token ceiling (abuse protection); token_rate defers at step 9, never refuses */
	if (!limit_take(LIMIT_TOKEN_CEILING, ti.trigger_id, s->token_ceiling, true, &retry)) {
		limit_refuse(r, LIMIT_TOKEN_CEILING, retry);
		goto out;
	}

	/* 7. body and normalisation; nothing is persisted for a 400 */
	switch (req_read_body(r, s->max_body_bytes)) {
	case BODY_OK:
		break;
	case BODY_TOO_LARGE:
		req_send_error(r, 413, "payload too large");
		goto out;
	default:
		req_send_error(r, 400, "could not read request body");
		goto out;
	}
	raw_ctype = hdrs_get(&r->hdrs, "Content-Type");
	envelope_now(received_at, sizeof(received_at));
	prov = provider_find(ti.provider);
	if (!prov)
		prov = provider_find("generic");
	/* the one definition of the run's payload, shared with replays */
	if (!envelope_make(prov, r->body, r->body_len, raw_ctype, &r->hdrs, received_at, &env,
			   &nr)) {
		if (nr != NORM_OK)
			req_send_error(r, 400, norm_error(nr));
		else
			req_send_error(r, 500, "internal error");
		goto out;
	}
	/* stored with bytes that are not UTF-8 escaped, as headers are */
	mtype = media_type_text(raw_ctype);
	hdrs = hdrs_selected(&r->hdrs);
	if (!hdrs || !uuid7_generate(delivery_id) || !uuid7_generate(run_id)) {
		req_send_error(r, 500, "internal error");
		goto out;
	}

	/* 8. signature status and dedupe key; the precise clock, as senders' clocks are */
	clock_gettime(CLOCK_REALTIME, &now);
	sig = (struct sig_input){
		.hdrs = &r->hdrs,
		.body = r->body,
		.body_len = r->body_len,
		.secret = ti.secret,
		.previous_secret = ti.previous_secret,
		.now = now.tv_sec,
		.tolerance_s = s->signature_tolerance_s,
	};
	status = prov->verify(&sig);
	prov->dedupe(&r->hdrs, env.body, &dd);
	if (!sig_rejects(status) && provider_url_verification(prov, env.body, &challenge)) {
		handshake = json_object_new_object();
		json_object_object_add(handshake, "challenge", json_object_new_string(challenge));
	}
	filters = stored_filters(ti.event_filters);
	admit = admitted(&ti, filters, env.event, env.payload);

	/* 9. one transaction, persist first; the answer is what was committed */
	{
		struct ingest_args a = {
			.delivery_id = delivery_id,
			.run_id = run_id,
			.trigger_id = ti.trigger_id,
			.event = env.event,
			.dedupe_key = dd.key[0] ? dd.key : NULL,
			.dedupe_source = dd.key[0] ? dd.source : NULL,
			.signature_status = sig_status_name(status),
			.selected_headers = json_object_to_json_string_ext(hdrs, JSON_C_TO_STRING_PLAIN),
			.content_type = mtype,
			.raw_body = r->body,
			.raw_body_len = r->body_len,
			.trigger_payload = env.text,
			.event_filtered = !admit,
			.offline_after_s = s->runtime_offline_after,
			.received_at = received_at,
			.handshake_body = handshake ? json_object_to_json_string_ext(handshake,
					  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL,
			/* only what may make a run is charged to the trigger's schedule */
			.defer_ms = sig_rejects(status) || handshake || !admit ? 0 :
				    deferral_ms(r, ti.trigger_id),
		};

		switch (ingest_persist(&a, &res)) {
		case STORE_OK:
			break;
		case STORE_NOT_FOUND:
			/* the trigger was deleted while its failed dispatch was recorded */
			req_send_error(r, 404, "webhook not found");
			goto out;
		case STORE_UNAVAILABLE:
			req_send_unavailable(r);
			goto out;
		default:
			req_send_error(r, 500, "internal error");
			goto out;
		}
	}
	snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", res.delivery_id);
	if (res.http_status == 401 || res.http_status == 404)
		limit_charge_bad_credentials(r);
	metrics_delivery(res.outcome);
	req_send_raw(r, res.http_status, res.response_body);
out:
	free(res.response_body);
	free(mtype);
	json_object_put(handshake);
	json_object_put(filters);
	json_object_put(hdrs);
	envelope_free(&env);
	trigger_info_free(&ti);
}
