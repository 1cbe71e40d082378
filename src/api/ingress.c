/*
 * ingress: the public webhook endpoint, in the order of work of SPEC 3.1:
 * cheap refusals first, then the token lookup (round trip 1), then body,
 * signature and dedupe key in memory, then one transaction (round trip 2).
 */
#include "config.h"

#include <limits.h>
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
		     const struct json_members *payload)
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

/* What one webhook request gathers between its steps; intake_free releases it. */
struct intake {
	struct trigger_info ti;
	struct envelope env;
	struct json_object *hdrs, *filters, *handshake;
	struct dedupe dd;
	enum sig_status status;
	bool admit;
	char *mtype;
	char received_at[ENVELOPE_TIME_MAX], delivery_id[37], run_id[37];
};

static void intake_free(struct intake *in)
{
	free(in->mtype);
	json_object_put(in->handshake);
	json_object_put(in->filters);
	json_object_put(in->hdrs);
	envelope_free(&in->env);
	trigger_info_free(&in->ti);
}

/* Steps 3 to 6: the cheap refusals and the token lookup (round trip 1). False: answered. */
static HG_MUSTCHECK bool find_trigger(struct hg_request *r, struct intake *in)
{
	const char *token = r->params[0];
	enum store_rc rc;
	long retry;

	log_redact_token(token, r->token_hint, sizeof(r->token_hint));
	/* 1. the method is checked by the router (405 with Allow: POST) */
	/* 2. per-IP ceiling: charged by the router for every request */
	/* 3. bad-credential budget already spent: only asked here, charged by 404 and 401 */
	if (limit_bad_credentials_spent(r))
		return false;

	/* 4. a declared body over the cap is refused before reading anything */
	if (req_content_length(r) > r->settings->max_body_bytes) {
		req_send_error(r, 413, "payload too large");
		return false;
	}

	/* 5. token lookup */
	if (!token_well_formed("awt_", token)) {
		ingress_not_found(r);
		return false;
	}
	switch ((rc = ingest_lookup_token(token, r->settings->runtime_offline_after, &in->ti))) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		ingress_not_found(r);
		return false;
	default:
		req_send_store_failed(r, rc);
		return false;
	}

	/* 6. per-token ceiling (abuse protection); token_rate defers at step 9, never refuses */
	if (!limit_take(LIMIT_TOKEN_CEILING, in->ti.trigger_id, r->settings->token_ceiling, true,
			&retry)) {
		limit_refuse(r, LIMIT_TOKEN_CEILING, retry);
		return false;
	}
	return true;
}

/* Step 7: the body, its envelope and what is stored of the request; nothing is persisted for a 400. */
static HG_MUSTCHECK bool read_webhook(struct hg_request *r, const struct provider *prov,
				      struct intake *in)
{
	const char *raw_ctype;
	enum norm_result nr;

	if (!req_take_body(r))
		return false;
	raw_ctype = hdrs_get(&r->hdrs, "Content-Type");
	envelope_now(in->received_at);
	/* the one definition of the run's payload, shared with replays */
	if (!envelope_make(prov, r->body, r->body_len, raw_ctype, &r->hdrs, in->received_at,
			   &in->env, &nr)) {
		if (nr != NORM_OK)
			req_send_error(r, 400, norm_error(nr));
		else
			req_send_error(r, 500, "internal error");
		return false;
	}
	/* stored with bytes that are not UTF-8 escaped, as headers are */
	in->mtype = media_type_text(raw_ctype);
	in->hdrs = hdrs_selected(&r->hdrs);
	if (!in->hdrs || !uuid7_generate(in->delivery_id) || !uuid7_generate(in->run_id)) {
		req_send_error(r, 500, "internal error");
		return false;
	}
	return true;
}

/* The answer to a URL-verification handshake, {"challenge": C}; NULL when out of memory. */
static struct json_object *handshake_answer(struct json_span challenge)
{
	struct json_object *o = NULL, *c = NULL;
	struct json_str text;

	if (json_string(challenge, &text) <= 0 || text.len > INT_MAX)
		goto out;
	o = json_object_new_object();
	c = json_object_new_string_len(text.s, (int)text.len);
	if (!o || !c || json_object_object_add(o, "challenge", c) != 0) {
		json_object_put(o);
		o = NULL;
		goto out;
	}
	c = NULL;
out:
	json_object_put(c);
	free(text.owned);
	return o;
}

/* Step 8: signature status, dedupe key, handshake and event filters, in memory. False: answered. */
static HG_MUSTCHECK bool judge_webhook(struct hg_request *r, const struct provider *prov,
				       struct intake *in)
{
	struct json_span challenge;
	struct timespec now;
	struct sig_input sig;

	/* the precise clock, as senders' clocks are */
	clock_gettime(CLOCK_REALTIME, &now);
	sig = (struct sig_input){
		.hdrs = &r->hdrs,
		.body = r->body,
		.body_len = r->body_len,
		.secret = in->ti.secret,
		.previous_secret = in->ti.previous_secret,
		.now = now.tv_sec,
		.tolerance_s = r->settings->signature_tolerance_s,
	};
	in->status = prov->verify(&sig);
	if (!prov->dedupe(&r->hdrs, &in->env.body, &in->dd))
		goto oom;
	if (!sig_rejects(in->status) && provider_url_verification(prov, &in->env.body, &challenge) &&
	    !(in->handshake = handshake_answer(challenge)))
		goto oom;
	in->filters = stored_filters(in->ti.event_filters);
	in->admit = admitted(&in->ti, in->filters, in->env.event, &in->env.payload);
	return true;
oom:
	req_send_error(r, 500, "internal error");
	return false;
}

/* Step 9: one transaction, persist first (round trip 2); the answer is what was committed. */
static void persist_webhook(struct hg_request *r, struct intake *in)
{
	struct ingest_result res = { .response_body = NULL };
	bool makes_run = !sig_rejects(in->status) && !in->handshake && in->admit;
	struct ingest_args a = {
		.delivery_id = in->delivery_id,
		.run_id = in->run_id,
		.trigger = &in->ti,
		.event = in->env.event,
		.dedupe_key = in->dd.key[0] ? in->dd.key : NULL,
		.dedupe_source = in->dd.key[0] ? in->dd.source : NULL,
		.signature_status = sig_status_name(in->status),
		.selected_headers = json_object_to_json_string_ext(in->hdrs, JSON_C_TO_STRING_PLAIN),
		.content_type = in->mtype,
		.raw_body = r->body,
		.raw_body_len = r->body_len,
		.trigger_payload = in->env.text,
		.event_filtered = !in->admit,
		.offline_after_s = r->settings->runtime_offline_after,
		.received_at = in->received_at,
		.handshake_body = in->handshake ? json_object_to_json_string_ext(in->handshake,
				  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL,
		/* only what may make a run is charged to the trigger's schedule */
		.makes_run = makes_run,
		.defer_ms = makes_run ? deferral_ms(r, in->ti.trigger_id) : 0,
	};

	enum store_rc rc = ingest_persist(&a, &res);

	if (rc == STORE_NOT_FOUND) {
		/* the trigger was deleted while its failed dispatch was recorded */
		req_send_error(r, 404, "webhook not found");
		goto out;
	}
	if (rc != STORE_OK) {
		req_send_store_failed(r, rc);
		goto out;
	}
	snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", res.delivery_id);
	if (res.http_status == 401 || res.http_status == 404)
		limit_charge_bad_credentials(r);
	metrics_delivery(res.outcome);
	req_send_raw(r, res.http_status, res.response_body);
out:
	free(res.response_body);
}

void ingress_handle(struct hg_request *r)
{
	struct intake in = { .ti = { .secret = NULL }, .dd = { .source = NULL } };
	const struct provider *prov;

	if (!find_trigger(r, &in))
		goto out;
	prov = provider_find(in.ti.provider);
	if (!prov)
		prov = provider_find("generic");
	if (!read_webhook(r, prov, &in))
		goto out;
	if (!judge_webhook(r, prov, &in))
		goto out;
	persist_webhook(r, &in);
out:
	intake_free(&in);
}
