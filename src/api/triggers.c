/* triggers: an autopilot's webhook triggers (SPEC 4.2, 4.3) in the API: bodies read and checked, the work done by db/trigger. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "db/trigger.h"
#include "webhook/filters.h"
#include "webhook/provider.h"

/* What the module found missing, as a 404. */
static bool done_ok(struct hg_request *r, enum store_rc rc, const char *missing)
{
	return api_store_ok(r, rc, missing ? missing : "trigger");
}

/*
 * body.event_filters, validated (SPEC 4.3) into f: filters_set says whether
 * the member is present; event_filters is its JSON text to store, or NULL
 * for null and [] (both accept every event). The text points into body.
 * False after a 400.
 */
static bool event_filters(struct hg_request *r, struct json_object *body, struct trigger_fields *f)
{
	struct json_object *v;
	char err[160];

	f->filters_set = false;
	f->event_filters = NULL;
	if (!json_object_object_get_ex(body, "event_filters", &v))
		return true;
	f->filters_set = true;
	if (!filters_valid(v, err, sizeof(err))) {
		api_bad_request(r, err);
		return false;
	}
	if (v && json_object_array_length(v) > 0) {
		f->event_filters = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (!f->event_filters) {
			req_send_error(r, 500, "internal error");
			return false;
		}
	}
	return true;
}

/* body.kind: absent, null or "webhook". */
static bool kind_valid(struct hg_request *r, struct json_object *body)
{
	enum field_state state;
	const char *kind;

	if (!field_text(r, body, "kind", FIELD_NULLABLE, 64, &state, &kind))
		return false;
	if (state == FIELD_VALUE && strcmp(kind, "webhook") != 0) {
		api_bad_request(r, "unknown kind");
		return false;
	}
	return true;
}

/* body.provider: absent or null is NULL (generic); else a known provider. */
static bool provider_valid(struct hg_request *r, struct json_object *body, const char **out)
{
	const char *const *names = provider_names();
	char msg[320] = "unknown provider; provider must be one of ";
	enum field_state state;

	if (!field_text(r, body, "provider", FIELD_NULLABLE, 64, &state, out))
		return false;
	if (state != FIELD_VALUE) {
		*out = NULL;
		return true;
	}
	if (provider_find(*out))
		return true;
	for (size_t i = 0; names[i]; i++) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof(msg) - used, "%s%s", i ? ", " : "", names[i]);
	}
	api_bad_request(r, msg);
	return false;
}

/* body.label and body.enabled into f; enabled_flags FIELD_NULLABLE on create. False after a 400. */
static bool label_enabled(struct hg_request *r, struct json_object *body, unsigned enabled_flags,
			  struct trigger_fields *f)
{
	enum field_state st_label, st_enabled;

	if (!field_text(r, body, "label", FIELD_NULLABLE, TRIGGER_LABEL_MAX_CHARS, &st_label,
			&f->label) ||
	    !field_bool(r, body, "enabled", enabled_flags, &st_enabled, &f->enabled))
		return false;
	/* label null resets it */
	if (st_label == FIELD_NULL)
		f->label = "";
	f->enabled_set = st_enabled == FIELD_VALUE;
	return true;
}

void triggers_list(struct hg_request *r)
{
	struct json_object *arr = NULL;

	if (api_store_ok(r, trigger_list(r->workspace_id, r->params[0], &arr), "autopilot"))
		api_send_member(r, 200, "triggers", arr);
}

void triggers_create(struct hg_request *r)
{
	static const char *const allowed[] = {
		"kind", "provider", "label", "enabled", "event_filters", NULL,
	};
	struct trigger_fields f = { 0 };
	struct json_object *body = NULL, *t = NULL;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !kind_valid(r, body) ||
	    !provider_valid(r, body, &f.provider) || !label_enabled(r, body, FIELD_NULLABLE, &f) ||
	    !event_filters(r, body, &f))
		goto done;
	if (api_store_ok(r, trigger_create(r->workspace_id, r->params[0], &f, r->settings, &t),
			 "autopilot"))
		api_send_member(r, 201, "trigger", t);
done:
	json_object_put(body);
}

void triggers_update(struct hg_request *r)
{
	static const char *const allowed[] = { "enabled", "label", "event_filters", NULL };
	struct trigger_fields f = { 0 };
	struct json_object *body = NULL, *t = NULL;
	const char *missing = NULL;
	enum store_rc rc;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !label_enabled(r, body, 0, &f) ||
	    !event_filters(r, body, &f))
		goto done;
	rc = trigger_update(r->workspace_id, r->params[0], r->params[1], &f, &t, &missing);
	if (done_ok(r, rc, missing))
		api_send_member(r, 200, "trigger", t);
done:
	json_object_put(body);
}

void triggers_delete(struct hg_request *r)
{
	const char *missing = NULL;
	enum store_rc rc = trigger_delete(r->workspace_id, r->params[0], r->params[1], &missing);

	if (done_ok(r, rc, missing))
		req_send_raw(r, 204, NULL);
}

void triggers_rotate_token(struct hg_request *r)
{
	struct json_object *t = NULL;
	const char *missing = NULL;
	enum store_rc rc = trigger_rotate(r->workspace_id, r->params[0], r->params[1], r->settings,
					  &t, &missing);

	if (done_ok(r, rc, missing))
		api_send_member(r, 200, "trigger", t);
}

/* Wipe the secret where the request held it: the raw body and the parsed string. */
static void cleanse_secret(struct hg_request *r, struct json_object *body)
{
	struct json_object *v;

	if (r->body)
		OPENSSL_cleanse(r->body, r->body_len);
	if (body && json_object_object_get_ex(body, "signing_secret", &v) &&
	    json_object_is_type(v, json_type_string))
		OPENSSL_cleanse((char *)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
}

void triggers_set_secret(struct hg_request *r)
{
	static const char *const allowed[] = { "signing_secret", "keep_previous_for_s", NULL };
	const char *given, *missing = NULL;
	char *secret = NULL;
	enum field_state st_secret, st_keep;
	struct json_object *body = NULL, *t = NULL;
	enum store_rc rc;
	long keep;

	if (!api_body_object(r, &body)) {
		cleanse_secret(r, NULL);
		return;
	}
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "signing_secret", FIELD_NULLABLE, TRIGGER_SECRET_MAX_CHARS,
			&st_secret, &given) ||
	    !field_int(r, body, "keep_previous_for_s", FIELD_NULLABLE, 0, TRIGGER_KEEP_PREVIOUS_MAX_S,
		       &st_keep, &keep))
		goto done;
	/* a copy, so that the body can be wiped at once */
	if (given && !(secret = strdup(given))) {
		req_send_error(r, 500, "internal error");
		goto done;
	}
	cleanse_secret(r, body);
	if (secret && !trigger_secret_trim(secret)) {
		api_bad_request(r, "signing_secret must be " TRIGGER_SECRET_RULE);
		goto done;
	}
	if (secret && secret[0]) {
		const char *why = NULL;

		rc = trigger_secret_fits(r->workspace_id, r->params[0], r->params[1], secret, &why,
					 &missing);
		if (!done_ok(r, rc, missing))
			goto done;
		if (why) {
			api_bad_request(r, why);
			goto done;
		}
	}
	rc = trigger_set_secret(r->workspace_id, r->params[0], r->params[1], secret,
				st_keep == FIELD_VALUE ? keep : 0L, &t, &missing);
	if (done_ok(r, rc, missing))
		api_send_member(r, 200, "trigger", t);
done:
	if (secret) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	cleanse_secret(r, body);
	json_object_put(body);
}
