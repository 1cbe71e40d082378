/* trigger: the autopilot_trigger resource: token hashing and rotation, signing secrets, columns, statements, JSON. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/autopilot.h"
#include "db/model.h"
#include "db/trigger.h"
#include "lib/util.h"
#include "webhook/provider.h"

/*
 * The trigger JSON of SPEC 4.2, by column name. webhook_path, webhook_url
 * and webhook_token are placeholders: only create and rotate, which know
 * the token, fill them in.
 */
#define TR_COLUMNS \
	"t.id, t.autopilot_id, t.kind, t.enabled, t.provider, t.label, t.event_filters, " \
	"NULL::text AS webhook_path, NULL::text AS webhook_url, NULL::text AS webhook_token, " \
	"t.webhook_token_hint, " \
	"(t.signing_secret IS NOT NULL) AS has_signing_secret, " \
	"right(t.signing_secret, 4) AS signing_secret_hint, " \
	"coalesce(t.previous_signing_secret IS NOT NULL" \
	"         AND t.previous_secret_expires_at > now(), false) AS has_previous_signing_secret, " \
	MODEL_TRIGGER_LAST_FIRED_AT ", " MODEL_TS("t", "created_at") ", " \
	MODEL_TS("t", "updated_at")

/* $1 the key's workspace, $2 the autopilot, $3 the trigger: the scope of every statement. */
#define SCOPE \
	" FROM autopilot a WHERE a.id = t.autopilot_id" \
	"   AND a.id = $2::uuid AND a.workspace_id = $1::uuid AND t.id = $3::uuid"

static struct statement st_list = { "trigger_list",
	"SELECT " TR_COLUMNS
	"  FROM autopilot a JOIN autopilot_trigger t ON t.autopilot_id = a.id"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" ORDER BY t.created_at, t.id", 2, 0, true };

static struct statement st_show = { "trigger_show",
	"SELECT " TR_COLUMNS
	"  FROM autopilot a JOIN autopilot_trigger t ON t.autopilot_id = a.id"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid AND t.id = $3::uuid", 3, 0, true };

/* No row: no such autopilot. $7 and $8: the token's hash and hint. */
static struct statement st_create = { "trigger_create",
	"INSERT INTO autopilot_trigger AS t"
	" (autopilot_id, provider, label, enabled, event_filters,"
	"  webhook_token_hash, webhook_token_hint)"
	" SELECT a.id, coalesce($3, 'generic'), coalesce($4, ''), coalesce($5::boolean, true),"
	"        $6::jsonb, $7, $8"
	"   FROM autopilot a WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid"
	" RETURNING " TR_COLUMNS, 8, 0, false };

/* $4, $5 NULL keep; $6 says whether event_filters is set to $7 (NULL clears). */
static struct statement st_update = { "trigger_update",
	"UPDATE autopilot_trigger AS t SET"
	"  enabled = coalesce($4::boolean, t.enabled),"
	"  label = coalesce($5, t.label),"
	"  event_filters = CASE WHEN $6::boolean THEN $7::jsonb ELSE t.event_filters END,"
	"  updated_at = now()"
	SCOPE
	" RETURNING " TR_COLUMNS, 7, 0, false };

static struct statement st_delete = { "trigger_delete",
	"DELETE FROM autopilot_trigger AS t USING autopilot a"
	" WHERE a.id = t.autopilot_id"
	"   AND a.id = $2::uuid AND a.workspace_id = $1::uuid AND t.id = $3::uuid"
	" RETURNING t.id", 3, 0, false };

/* the old token is refused from the commit on: the ingress looks tokens up in the table */
static struct statement st_rotate = { "trigger_rotate",
	"UPDATE autopilot_trigger AS t SET"
	"  webhook_token_hash = $4, webhook_token_hint = $5, updated_at = now()"
	SCOPE
	" RETURNING " TR_COLUMNS, 5, 0, false };

/*
 * $4 NULL clears both secrets. With $5 > 0 the old secret (the right-hand
 * sides see the row before the update) stays valid for $5 seconds;
 * otherwise the previous one is dropped.
 */
static struct statement st_set_secret = { "trigger_set_secret",
	"UPDATE autopilot_trigger AS t SET"
	"  previous_signing_secret = CASE WHEN $4::text IS NOT NULL AND $5::integer > 0"
	"    THEN t.signing_secret END,"
	"  previous_secret_expires_at = CASE WHEN $4::text IS NOT NULL AND $5::integer > 0"
	"    AND t.signing_secret IS NOT NULL"
	"    THEN now() + make_interval(secs => $5::integer) END,"
	"  signing_secret = $4::text,"
	"  updated_at = now()"
	SCOPE
	" RETURNING " TR_COLUMNS, 5, 0, false };

static struct statement st_owner = { "trigger_owner",
	"SELECT a.workspace_id, t.autopilot_id"
	"  FROM autopilot_trigger t JOIN autopilot a ON a.id = t.autopilot_id"
	" WHERE t.id = $1::uuid", 1, 0, true };

void trigger_token_hash(const char *token, char out[65])
{
	sha256_hex(token, strlen(token), out);
}

/* Whether secret (trimmed) is empty or within the rule's characters. */
static bool secret_acceptable(const char *secret)
{
	size_t chars = 0, len = strlen(secret);

	if (!utf8_valid((const unsigned char *)secret, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)secret[i] & 0xC0) != 0x80)
			chars++;
	return len == 0 || (chars >= TRIGGER_SECRET_MIN_CHARS && chars <= TRIGGER_SECRET_MAX_CHARS);
}

bool trigger_secret_trim(char *secret)
{
	size_t n = strlen(secret), start = 0;

	while (n > 0 && isspace((unsigned char)secret[n - 1]))
		secret[--n] = '\0';
	while (start < n && isspace((unsigned char)secret[start]))
		start++;
	memmove(secret, secret + start, n - start + 1);
	OPENSSL_cleanse(secret + n - start, start);	/* the tail the move left behind */
	return secret_acceptable(secret);
}

struct json_object *trigger_json(const PGresult *res, int row)
{
	return model_row_json(res, row);
}

/* Set key of o to the string fmt gives (replacing its placeholder in place). */
static HG_MUSTCHECK __attribute__((format(printf, 3, 4)))
bool set_text(struct json_object *o, const char *key, const char *fmt, ...)
{
	struct json_object *v;
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	v = json_object_new_string_len(text, n);
	free(text);
	if (!v || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* The trigger JSON of row 0 of res with token, its path and (with a public_url) its URL. */
static struct json_object *json_with_token(const PGresult *res, const struct hg_settings *s,
					   const char *token)
{
	struct json_object *o = trigger_json(res, 0);
	const char *public_url = s->public_url ? s->public_url : "";
	const char *base_path = s->base_path ? s->base_path : "";
	size_t url_len = strlen(public_url);

	while (url_len > 0 && public_url[url_len - 1] == '/')
		url_len--;
	if (!o || !set_text(o, "webhook_path", TRIGGER_WEBHOOK_PATH_PREFIX "%s", token) ||
	    !set_text(o, "webhook_token", "%s", token))
		goto fail;
	if (url_len > 0 && !set_text(o, "webhook_url", "%.*s%s" TRIGGER_WEBHOOK_PATH_PREFIX "%s",
				     (int)url_len, public_url, base_path, token))
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/*
 * Run st with a fresh token, whose hash and hint go to values[at] and
 * values[at + 1]; *out is the trigger JSON with the token. A collision with
 * another trigger's token is next to impossible, and one more fresh token
 * settles it. STORE_NOT_FOUND when st returned no row.
 */
static enum store_rc exec_new_token(struct statement *st, const char **values, int at,
				    const struct hg_settings *s, struct json_object **out)
{
	char token[HG_TOKEN_LEN + 1], hash[65], hint[TRIGGER_TOKEN_HINT_LEN + 1];
	PGresult *res = NULL;
	enum store_rc rc = STORE_ERROR;

	*out = NULL;
	values[at] = hash;
	values[at + 1] = hint;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!token_generate(TRIGGER_TOKEN_PREFIX, token, sizeof(token))) {
			rc = STORE_ERROR;
			goto out;
		}
		trigger_token_hash(token, hash);
		snprintf(hint, sizeof(hint), "%.*s", TRIGGER_TOKEN_HINT_LEN, token);
		rc = store_exec(st, values, &res);
		if (rc != STORE_ERROR || !store_failed_with(SQLSTATE_UNIQUE_VIOLATION))
			break;
	}
	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK && !(*out = json_with_token(res, s, token)))
		rc = STORE_ERROR;
out:
	OPENSSL_cleanse(token, sizeof(token));
	PQclear(res);
	return rc;
}

/*
 * After a scoped statement found no trigger: STORE_NOT_FOUND with *missing
 * saying whether the autopilot or only the trigger is missing (an answer
 * that changed nothing pays for this round trip, no other).
 */
static enum store_rc not_found(const char *workspace_id, const char *autopilot_id,
			       const char **missing)
{
	enum store_rc rc = autopilot_exists(workspace_id, autopilot_id);

	*missing = rc == STORE_OK ? "trigger" : "autopilot";
	return rc == STORE_OK ? STORE_NOT_FOUND : rc;
}

/*
 * Run st, a statement on one trigger scoped by $1 and $2: its row as *out
 * (when out is not NULL), else STORE_NOT_FOUND with *missing.
 */
static enum store_rc one(struct statement *st, const char *const *values, const char *workspace_id,
			 const char *autopilot_id, struct json_object **out, const char **missing)
{
	struct json_object *o = NULL;
	enum store_rc rc = model_exec_one(st, values, trigger_json, &o);

	*missing = NULL;
	if (out)
		*out = o;
	else
		json_object_put(o);
	if (rc == STORE_NOT_FOUND)
		return not_found(workspace_id, autopilot_id, missing);
	return rc;
}

enum store_rc trigger_list(const char *workspace_id, const char *autopilot_id,
			   struct json_object **out)
{
	const char *values[2] = { workspace_id, autopilot_id };
	enum store_rc rc = model_exec_list(&st_list, values, trigger_json, out);

	/* no trigger, or no such autopilot */
	if (rc == STORE_OK && json_object_array_length(*out) == 0)
		rc = autopilot_exists(workspace_id, autopilot_id);
	if (rc != STORE_OK) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

enum store_rc trigger_show(const char *workspace_id, const char *autopilot_id, const char *id,
			   struct json_object **out, const char **missing)
{
	const char *values[3] = { workspace_id, autopilot_id, id };

	return one(&st_show, values, workspace_id, autopilot_id, out, missing);
}

enum store_rc trigger_create(const char *workspace_id, const char *autopilot_id,
			     const struct trigger_fields *f, const struct hg_settings *s,
			     struct json_object **out)
{
	const char *values[8] = {
		workspace_id, autopilot_id, f->provider, f->label,
		f->enabled_set ? (f->enabled ? "true" : "false") : NULL, f->event_filters,
		NULL, NULL,	/* the token's hash and hint */
	};

	return exec_new_token(&st_create, values, 6, s, out);
}

enum store_rc trigger_update(const char *workspace_id, const char *autopilot_id, const char *id,
			     const struct trigger_fields *f, struct json_object **out,
			     const char **missing)
{
	const char *values[7] = {
		workspace_id, autopilot_id, id,
		f->enabled_set ? (f->enabled ? "true" : "false") : NULL, f->label,
		f->filters_set ? "true" : "false", f->event_filters,
	};

	return one(&st_update, values, workspace_id, autopilot_id, out, missing);
}

enum store_rc trigger_delete(const char *workspace_id, const char *autopilot_id, const char *id,
			     const char **missing)
{
	const char *values[3] = { workspace_id, autopilot_id, id };

	return one(&st_delete, values, workspace_id, autopilot_id, NULL, missing);
}

enum store_rc trigger_rotate(const char *workspace_id, const char *autopilot_id, const char *id,
			     const struct hg_settings *s, struct json_object **out,
			     const char **missing)
{
	const char *values[5] = { workspace_id, autopilot_id, id, NULL, NULL };
	enum store_rc rc = exec_new_token(&st_rotate, values, 3, s, out);

	*missing = NULL;
	if (rc == STORE_NOT_FOUND)
		rc = not_found(workspace_id, autopilot_id, missing);
	return rc;
}

enum store_rc trigger_set_secret(const char *workspace_id, const char *autopilot_id,
				 const char *id, const char *secret, long keep_s,
				 struct json_object **out, const char **missing)
{
	char seconds[24];
	const char *values[5] = {
		workspace_id, autopilot_id, id,
		secret && secret[0] ? secret : NULL,	/* empty or absent clears */
		seconds,
	};

	*out = NULL;
	*missing = NULL;
	if ((secret && !secret_acceptable(secret)) || keep_s < 0 || keep_s > TRIGGER_KEEP_PREVIOUS_MAX_S)
		return STORE_ERROR;	/* the caller skipped the checks */
	snprintf(seconds, sizeof(seconds), "%ld", keep_s);
	return one(&st_set_secret, values, workspace_id, autopilot_id, out, missing);
}

enum store_rc trigger_secret_fits(const char *workspace_id, const char *autopilot_id,
				  const char *id, const char *secret, const char **why,
				  const char **missing)
{
	struct json_object *t = NULL, *provider;
	enum store_rc rc = trigger_show(workspace_id, autopilot_id, id, &t, missing);

	*why = NULL;
	if (rc != STORE_OK)
		return rc;
	if (!json_object_object_get_ex(t, "provider", &provider) ||
	    !provider_secret_valid(provider_find(json_object_get_string(provider)), secret, why))
		*why = *why ? *why : "signing_secret does not fit the trigger's provider";
	json_object_put(t);
	return STORE_OK;
}

enum store_rc trigger_owner(const char *id, char workspace_id[STORE_ID_LEN],
			    char autopilot_id[STORE_ID_LEN])
{
	return store_find_ids(&st_owner, id, workspace_id, autopilot_id);
}
