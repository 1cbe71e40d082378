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
#include "lib/util.h"

/*
 * A dedupe key from a header that is not UTF-8: escaped the same way every
 * time, so the sender's retries still collapse; too long once escaped
 * means no key, as for any over-long key.
 */
static void escape_dedupe_key(struct dedupe *d)
{
	char *safe = utf8_escape(d->key, SIZE_MAX);

	if (safe && strlen(safe) < sizeof(d->key)) {
		snprintf(d->key, sizeof(d->key), "%s", safe);
	} else {
		d->key[0] = '\0';
		d->source = NULL;
	}
	free(safe);
}

void ingress_not_found(struct hg_request *r)
{
	limit_charge_bad_credentials(r);
	req_send_error(r, 404, "webhook not found");
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
	char received_at[ENVELOPE_TIME_MAX], ctype[128];
	const char *raw_ctype, *mtype = NULL;
	struct timespec now;
	long retry;

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

	/* 6. per-token limit */
	if (!limit_take(LIMIT_TOKEN_RATE, ti.trigger_id, s->token_rate, true, &retry)) {
		limit_refuse(r, LIMIT_TOKEN_RATE, retry);
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
	if (!envelope_make(prov, r->body, r->body_len, raw_ctype, &r->hdrs, received_at, &env, &nr)) {
		if (nr != NORM_OK)
			req_send_error(r, 400, norm_error(nr));
		else
			req_send_error(r, 500, "internal error");
		goto out;
	}
	if (raw_ctype && *media_type(raw_ctype, ctype, sizeof(ctype)))
		mtype = ctype;
	hdrs = hdrs_selected(&r->hdrs);
	if (!hdrs) {
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
	if (dd.key[0] && !utf8_valid((const unsigned char *)dd.key, strlen(dd.key)))
		escape_dedupe_key(&dd);
	if (!sig_rejects(status) && provider_url_verification(prov, env.body, &challenge)) {
		handshake = json_object_new_object();
		json_object_object_add(handshake, "challenge", json_object_new_string(challenge));
	}
	if (ti.event_filters)
		filters = json_tokener_parse(ti.event_filters);

	/* 9. one transaction, persist first; the answer is what was committed */
	{
		struct ingest_args a = {
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
			.event_filtered = !filters_admit(filters, env.event, env.payload),
			.offline_after_s = s->runtime_offline_after,
			.received_at = received_at,
			.handshake_body = handshake ? json_object_to_json_string_ext(handshake,
					  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL,
		};

		switch (ingest_persist(&a, &res)) {
		case STORE_OK:
			break;
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
	json_object_put(handshake);
	json_object_put(filters);
	json_object_put(hdrs);
	envelope_free(&env);
	trigger_info_free(&ti);
}
