/* apikey: the api_key resource: its statements and JSON, for the API, the console and hookgatectl. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/apikey.h"
#include "db/model.h"
#include "lib/util.h"

/*
 * The key JSON, by column name: never its hash. The created key's JSON has
 * "key" after "scope": a placeholder, filled in by the program, so that the
 * plain key never travels to the server.
 */
#define KEY_COLUMNS_WITH(key) \
	"k.id, k.workspace_id, k.name, k.scope, " key MODEL_TS("k", "last_used_at") ", " \
	MODEL_TS("k", "revoked_at") ", " MODEL_TS("k", "created_at")
#define KEY_COLUMNS KEY_COLUMNS_WITH("")

const char *const apikey_scopes[] = { "write", "read", NULL };

/* One round trip: find the key and, when stale, touch last_used_at. */
static struct statement st_authenticate = { "apikey_authenticate",
	"WITH k AS (SELECT id, workspace_id, scope, last_used_at FROM api_key"
	"            WHERE key_hash = $1 AND revoked_at IS NULL),"
	"     touch AS (UPDATE api_key a SET last_used_at = now() FROM k"
	"                WHERE a.id = k.id AND (k.last_used_at IS NULL"
	"                      OR k.last_used_at < now() - interval '1 minute'))"
	" SELECT id, workspace_id, scope FROM k", 1, 0, true };

static struct statement st_create = { "apikey_create",
	"INSERT INTO api_key AS k (workspace_id, name, scope, key_hash)"
	" VALUES ($1::uuid, $2, $3, $4) RETURNING " KEY_COLUMNS_WITH("NULL::text AS key, "), 4, 0, false };

static struct statement st_list = { "apikey_list",
	"SELECT " KEY_COLUMNS " FROM api_key k WHERE k.workspace_id = $1::uuid"
	" ORDER BY k.created_at, k.id", 1, 0, true };

/* idempotent: a revoked key keeps its first revoked_at */
static struct statement st_revoke = { "apikey_revoke",
	"UPDATE api_key AS k SET revoked_at = coalesce(k.revoked_at, now())"
	" WHERE k.id = $1::uuid RETURNING " KEY_COLUMNS, 1, 0, true };

enum store_rc apikey_authenticate(const char *hash_hex, struct apikey_identity *out)
{
	const char *values[1] = { hash_hex };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_authenticate, values, &res);

	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return STORE_NOT_FOUND;
	}
	snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->workspace_id, sizeof(out->workspace_id), "%s", PQgetvalue(res, 0, 1));
	out->can_write = strcmp(PQgetvalue(res, 0, 2), "write") == 0;
	PQclear(res);
	return STORE_OK;
}

/* The key JSON of row 0 of res with its "key" (the placeholder replaced in place). */
static struct json_object *created_json(const PGresult *res, const char *key)
{
	struct json_object *o = model_row_json(res, 0), *v = json_object_new_string(key);

	if (!o || !v || json_object_object_add(o, "key", v) != 0) {
		json_object_put(v);
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum store_rc apikey_create(const char *workspace_id, const char *name, const char *scope,
			    struct json_object **out)
{
	char key[HG_TOKEN_LEN + 1], hash[65];
	const char *values[4] = { workspace_id, name, scope, hash };
	PGresult *res = NULL;
	enum store_rc rc = STORE_ERROR;

	*out = NULL;
	if (!token_generate(APIKEY_PREFIX, key, sizeof(key)))
		goto out;
	/* only the hash is stored; the key itself is shown once, in *out */
	sha256_hex(key, strlen(key), hash);
	rc = store_exec(&st_create, values, &res);
	if (rc == STORE_OK && !(*out = created_json(res, key)))
		rc = STORE_ERROR;
out:
	OPENSSL_cleanse(key, sizeof(key));
	PQclear(res);
	return rc;
}

enum store_rc apikey_list(const char *workspace_id, struct json_object **out)
{
	const char *values[1] = { workspace_id };

	return model_exec_list(&st_list, values, model_row_json, out);
}

enum store_rc apikey_revoke(const char *id, struct json_object **out)
{
	const char *values[1] = { id };

	return model_exec_one(&st_revoke, values, model_row_json, out);
}
