/* triggers: an autopilot's webhook triggers (SPEC 4.2, 4.3): CRUD, token rotation, signing secrets. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "api/api.h"
#include "api/fields.h"
#include "webhook/filters.h"
#include "api/handlers.h"
#include "db/model.h"
#include "webhook/provider.h"
#include "lib/util.h"

#define LABEL_MAX_CHARS		200
#define SECRET_MIN_CHARS	16
#define SECRET_MAX_CHARS	4096
#define KEEP_PREVIOUS_MAX_S	2592000L	/* 30 days */

#define SQLSTATE_UNIQUE_VIOLATION "23505"

/*
 * Every trigger statement is scoped in SQL: $1 is the key's workspace, $2
 * the autopilot in the path, $3 (when there is one) the trigger in the
 * path. The single answer row holds the trigger's columns (all NULL when
 * nothing matched) and then autopilot_found, which tells a missing
 * autopilot from a missing trigger.
 */
#define AP_SCOPE \
	"WITH ap AS (SELECT a.id FROM autopilot a" \
	"             WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid)"
#define SCOPED_ANSWER \
	" SELECT x.*, EXISTS (SELECT 1 FROM ap) AS autopilot_found" \
	"   FROM (VALUES (1)) AS one LEFT JOIN x ON true"

/* No row: no such autopilot; one row with a NULL id: no triggers. */
static struct statement st_list = { "triggers_list",
	AP_SCOPE
	" SELECT " MODEL_TRIGGER_COLUMNS
	"  FROM ap LEFT JOIN autopilot_trigger t ON t.autopilot_id = ap.id"
	" ORDER BY t.created_at, t.id", 2, 0, false };

/* No row: no such autopilot. */
static struct statement st_create = { "triggers_create",
	"INSERT INTO autopilot_trigger AS t"
	" (autopilot_id, kind, provider, label, enabled, event_filters, webhook_token)"
	" SELECT a.id, $3, $4, coalesce($5, ''), coalesce($6::boolean, true), $7::jsonb, $8"
	"   FROM autopilot a WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" RETURNING " MODEL_TRIGGER_COLUMNS, 8, 0, false };

/* $4, $5 NULL keep; $6 says whether event_filters is set to $7 (NULL clears). */
static struct statement st_update = { "triggers_update",
	AP_SCOPE
	", x AS (UPDATE autopilot_trigger AS t SET"
	"        enabled = coalesce($4::boolean, t.enabled),"
	"        label = coalesce($5, t.label),"
	"        event_filters = CASE WHEN $6::boolean THEN $7::jsonb ELSE t.event_filters END,"
	"        updated_at = now()"
	"       FROM ap WHERE t.autopilot_id = ap.id AND t.id = $3::uuid"
	"       RETURNING " MODEL_TRIGGER_COLUMNS ")"
	SCOPED_ANSWER, 7, 0, false };

static struct statement st_delete = { "triggers_delete",
	AP_SCOPE
	", x AS (DELETE FROM autopilot_trigger AS t USING ap"
	"       WHERE t.autopilot_id = ap.id AND t.id = $3::uuid RETURNING t.id)"
	SCOPED_ANSWER, 3, 0, false };

static struct statement st_rotate = { "triggers_rotate",
	AP_SCOPE
	", x AS (UPDATE autopilot_trigger AS t SET webhook_token = $4, updated_at = now()"
	"       FROM ap WHERE t.autopilot_id = ap.id AND t.id = $3::uuid"
	"       RETURNING " MODEL_TRIGGER_COLUMNS ")"
	SCOPED_ANSWER, 4, 0, false };

/*
 * $4 NULL clears both secrets. With $5 > 0 the old secret (the right-hand
 * sides see the row before the update) stays valid for $5 seconds;
 * otherwise the previous one is dropped.
 */
static struct statement st_set_secret = { "triggers_set_secret",
	AP_SCOPE
	", x AS (UPDATE autopilot_trigger AS t SET"
	"        previous_signing_secret = CASE WHEN $4::text IS NOT NULL AND $5::integer > 0"
	"          THEN t.signing_secret END,"
	"        previous_secret_expires_at = CASE WHEN $4::text IS NOT NULL AND $5::integer > 0"
	"          AND t.signing_secret IS NOT NULL"
	"          THEN now() + make_interval(secs => $5::integer) END,"
	"        signing_secret = $4::text,"
	"        updated_at = now()"
	"       FROM ap WHERE t.autopilot_id = ap.id AND t.id = $3::uuid"
	"       RETURNING " MODEL_TRIGGER_COLUMNS ")"
	SCOPED_ANSWER, 5, 0, false };

/* The trigger's provider, to check a new secret against it (a trigger's provider never changes). */
static struct statement st_provider = { "triggers_provider",
	AP_SCOPE
	", x AS (SELECT t.provider FROM autopilot_trigger t, ap"
	"       WHERE t.autopilot_id = ap.id AND t.id = $3::uuid)"
	SCOPED_ANSWER, 3, 0, true };

/*
 * After a scoped statement (rc and res as store_exec gave them): true when
 * row 0 names a trigger; otherwise a 503/500 for the store or a 404 for
 * the autopilot or the trigger has been sent.
 */
static bool found(struct hg_request *r, enum store_rc rc, const PGresult *res)
{
	int col;

	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		return false;
	}
	col = PQfnumber(res, "autopilot_found");
	if (PQntuples(res) != 1 || col < 0 || PQgetvalue(res, 0, col)[0] != 't') {
		api_not_found(r, "autopilot");
		return false;
	}
	if (PQgetisnull(res, 0, 0)) {
		api_not_found(r, "trigger");
		return false;
	}
	return true;
}

/* Send {"trigger": row 0 of res} with status. */
static void send_trigger(struct hg_request *r, int status, const PGresult *res)
{
	api_send_member(r, status, "trigger", model_trigger_json(res, 0, r->settings, r->can_write));
}

/*
 * Run st with a fresh webhook token in token (HG_TOKEN_LEN + 1 bytes, which
 * values points at); a collision with another trigger's token is next to
 * impossible, and one more fresh token settles it. *rc and *res as
 * store_exec gives them. False after a 500 when no token could be made.
 */
static bool exec_new_token(struct hg_request *r, struct statement *st, const char *const *values,
			   char *token, enum store_rc *rc, PGresult **res)
{
	*rc = STORE_ERROR;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!token_generate("awt_", token, HG_TOKEN_LEN + 1)) {
			req_send_error(r, 500, "internal error");
			return false;
		}
		*rc = store_exec(st, values, res);
		if (*rc != STORE_ERROR || strcmp(store_last_sqlstate(), SQLSTATE_UNIQUE_VIOLATION) != 0)
			break;
	}
	return true;
}

/*
 * body.event_filters, validated (SPEC 4.3): *set says whether the member is
 * present; *text is its JSON text to store, or NULL for null and [] (both
 * accept every event). text points into body. False after a 400.
 */
static bool event_filters(struct hg_request *r, struct json_object *body,
			  bool *set, const char **text)
{
	struct json_object *v;
	char err[160];

	*set = false;
	*text = NULL;
	if (!json_object_object_get_ex(body, "event_filters", &v))
		return true;
	*set = true;
	if (!filters_valid(v, err, sizeof(err))) {
		api_bad_request(r, err);
		return false;
	}
	if (v && json_object_array_length(v) > 0) {
		*text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (!*text) {
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

/* body.provider: absent or null is "generic"; else a known provider. */
static bool provider_valid(struct hg_request *r, struct json_object *body, const char **out)
{
	const char *const *names = provider_names();
	char msg[320] = "unknown provider; provider must be one of ";
	enum field_state state;

	*out = "generic";
	if (!field_text(r, body, "provider", FIELD_NULLABLE, 64, &state, out))
		return false;
	if (state != FIELD_VALUE) {
		*out = "generic";
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

void triggers_list(struct hg_request *r)
{
	const char *values[2] = { r->workspace_id, r->params[0] };
	PGresult *res = NULL;

	if (api_exec_found(r, &st_list, values, "autopilot", NULL, 0, &res))
		api_send_member(r, 200, "triggers",
				model_trigger_list(res, r->settings, r->can_write));
	PQclear(res);
}

void triggers_create(struct hg_request *r)
{
	static const char *const allowed[] = {
		"kind", "provider", "label", "enabled", "event_filters", NULL,
	};
	char token[HG_TOKEN_LEN + 1];
	const char *provider, *label, *filters;
	enum field_state st_label, st_enabled;
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;
	bool enabled, filters_set;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) || !kind_valid(r, body) ||
	    !provider_valid(r, body, &provider) ||
	    !field_text(r, body, "label", FIELD_NULLABLE, LABEL_MAX_CHARS, &st_label, &label) ||
	    !field_bool(r, body, "enabled", FIELD_NULLABLE, &st_enabled, &enabled) ||
	    !event_filters(r, body, &filters_set, &filters))
		goto done;
	{
		const char *values[8] = {
			r->workspace_id, r->params[0], "webhook", provider, label,
			st_enabled == FIELD_VALUE ? (enabled ? "true" : "false") : NULL,
			filters, token,
		};

		if (!exec_new_token(r, &st_create, values, token, &rc, &res))
			goto done;
	}
	if (rc != STORE_OK) {
		api_store_failed(r, rc);
		goto done;
	}
	if (PQntuples(res) != 1) {
		api_not_found(r, "autopilot");
		goto done;
	}
	send_trigger(r, 201, res);
done:
	OPENSSL_cleanse(token, sizeof(token));
	PQclear(res);
	json_object_put(body);
}

void triggers_update(struct hg_request *r)
{
	static const char *const allowed[] = { "enabled", "label", "event_filters", NULL };
	const char *label, *filters;
	enum field_state st_label, st_enabled;
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;
	bool enabled, filters_set;

	if (!api_body_object(r, &body))
		return;
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "label", FIELD_NULLABLE, LABEL_MAX_CHARS, &st_label, &label) ||
	    !field_bool(r, body, "enabled", 0, &st_enabled, &enabled) ||
	    !event_filters(r, body, &filters_set, &filters))
		goto done;
	if (st_label == FIELD_NULL)
		label = "";
	{
		const char *values[7] = {
			r->workspace_id, r->params[0], r->params[1],
			st_enabled == FIELD_VALUE ? (enabled ? "true" : "false") : NULL,
			label, filters_set ? "true" : "false", filters,
		};

		rc = store_exec(&st_update, values, &res);
	}
	if (found(r, rc, res))
		send_trigger(r, 200, res);
done:
	PQclear(res);
	json_object_put(body);
}

void triggers_delete(struct hg_request *r)
{
	const char *values[3] = { r->workspace_id, r->params[0], r->params[1] };
	PGresult *res = NULL;
	enum store_rc rc;

	rc = store_exec(&st_delete, values, &res);
	if (found(r, rc, res))
		req_send_raw(r, 204, NULL);
	PQclear(res);
}

void triggers_rotate_token(struct hg_request *r)
{
	char token[HG_TOKEN_LEN + 1];
	const char *values[4] = { r->workspace_id, r->params[0], r->params[1], token };
	PGresult *res = NULL;
	enum store_rc rc;

	if (exec_new_token(r, &st_rotate, values, token, &rc, &res) && found(r, rc, res))
		send_trigger(r, 200, res);
	OPENSSL_cleanse(token, sizeof(token));
	PQclear(res);
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
	const char *given;
	char *secret = NULL, seconds[24];
	enum field_state st_secret, st_keep;
	struct json_object *body = NULL;
	PGresult *res = NULL;
	enum store_rc rc;
	size_t len = 0, start = 0;
	long keep;

	if (!api_body_object(r, &body)) {
		cleanse_secret(r, NULL);
		return;
	}
	if (!field_known(r, body, allowed) ||
	    !field_text(r, body, "signing_secret", FIELD_NULLABLE, SECRET_MAX_CHARS,
			&st_secret, &given) ||
	    !field_int(r, body, "keep_previous_for_s", FIELD_NULLABLE, 0, KEEP_PREVIOUS_MAX_S,
		       &st_keep, &keep))
		goto done;
	if (given) {
		/* trimmed; a copy, so that the body can be wiped at once */
		len = strlen(given);
		while (len > 0 && isspace((unsigned char)given[len - 1]))
			len--;
		while (start < len && isspace((unsigned char)given[start]))
			start++;
		len -= start;
		secret = malloc(len + 1);
		if (!secret) {
			req_send_error(r, 500, "internal error");
			goto done;
		}
		memcpy(secret, given + start, len);
		secret[len] = '\0';
	}
	cleanse_secret(r, body);
	if (len > 0 && field_chars(secret, len) < SECRET_MIN_CHARS) {
		api_bad_request(r, "signing_secret must be at least 16 characters (or empty, to clear it)");
		goto done;
	}
	if (len > 0) {
		const char *values[3] = { r->workspace_id, r->params[0], r->params[1] }, *why;

		rc = store_exec(&st_provider, values, &res);
		if (!found(r, rc, res))
			goto done;
		if (!provider_secret_valid(provider_find(PQgetvalue(res, 0, 0)), secret, &why)) {
			api_bad_request(r, why);
			goto done;
		}
		PQclear(res);
		res = NULL;
	}
	snprintf(seconds, sizeof(seconds), "%ld", st_keep == FIELD_VALUE ? keep : 0L);
	{
		const char *values[5] = {
			r->workspace_id, r->params[0], r->params[1],
			len > 0 ? secret : NULL,	/* empty or absent clears */
			seconds,
		};

		rc = store_exec(&st_set_secret, values, &res);
	}
	if (found(r, rc, res))
		send_trigger(r, 200, res);
done:
	if (secret) {
		OPENSSL_cleanse(secret, len);
		free(secret);
	}
	cleanse_secret(r, body);
	PQclear(res);
	json_object_put(body);
}
