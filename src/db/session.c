/* session: the console_session resource: its statements (open, find, end) and its CSRF check. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/session.h"

/* The columns of a found or created session, in struct session's order. */
#define SESSION_RETURNING(alias) \
	alias ".id, " alias ".api_key_id, " alias ".workspace_id, " alias ".scope, " \
	alias ".csrf_token, (SELECT w.slug FROM workspace w WHERE w.id = " alias ".workspace_id)"

/*
 * $1 token hash, $2 key id, $3 CSRF token, $4 idle seconds. The key must
 * still be live; up to 100 sessions idle past $4 go on the way (the
 * index on last_seen_at finds them).
 */
static struct statement st_create = { "session_create",
	"WITH gone AS (DELETE FROM console_session WHERE id IN"
	"   (SELECT id FROM console_session"
	"     WHERE last_seen_at < now() - make_interval(secs => $4::integer) LIMIT 100))"
	" INSERT INTO console_session AS s (token_hash, api_key_id, workspace_id, scope, csrf_token)"
	" SELECT $1, k.id, k.workspace_id, k.scope, $3 FROM api_key k"
	"  WHERE k.id = $2::uuid AND k.revoked_at IS NULL"
	" RETURNING " SESSION_RETURNING("s"), 4, 0, false };

/* $1 token hash, $2 idle seconds: the live session, touched when a minute old. */
static struct statement st_find = { "session_find",
	"WITH s AS (SELECT s.* FROM console_session s"
	"             JOIN api_key k ON k.id = s.api_key_id AND k.revoked_at IS NULL"
	"            WHERE s.token_hash = $1"
	"              AND s.last_seen_at > now() - make_interval(secs => $2::integer)),"
	"     touch AS (UPDATE console_session c SET last_seen_at = now() FROM s"
	"                WHERE c.id = s.id AND s.last_seen_at < now() - interval '1 minute')"
	" SELECT " SESSION_RETURNING("s") " FROM s", 2, 0, true };

static struct statement st_end = { "session_end",
	"DELETE FROM console_session WHERE token_hash = $1", 1, 0, true };

/* Fill out from row 0 of res (SESSION_RETURNING). */
static void fill(const PGresult *res, struct session *out)
{
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(res, 0, 1));
	snprintf(out->workspace_id, sizeof(out->workspace_id), "%s", PQgetvalue(res, 0, 2));
	out->can_write = strcmp(PQgetvalue(res, 0, 3), "write") == 0;
	snprintf(out->csrf, sizeof(out->csrf), "%s", PQgetvalue(res, 0, 4));
	snprintf(out->workspace_slug, sizeof(out->workspace_slug), "%s", PQgetvalue(res, 0, 5));
}

/* Run st and fill out from its one row; STORE_NOT_FOUND without one. */
static enum store_rc exec_one(struct statement *st, const char *const *values, struct session *out)
{
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		fill(res, out);
	PQclear(res);
	return rc;
}

enum store_rc session_create(const struct apikey_identity *key, char *token, struct session *out)
{
	char hash[65], csrf[SESSION_TOKEN_LEN + 1], idle[24];
	const char *values[4] = { hash, key->key_id, csrf, idle };
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	token[0] = '\0';
	if (!token_generate(SESSION_TOKEN_PREFIX, token, SESSION_TOKEN_LEN + 1) ||
	    !token_generate(SESSION_CSRF_PREFIX, csrf, sizeof(csrf))) {
		OPENSSL_cleanse(token, SESSION_TOKEN_LEN + 1);
		return STORE_ERROR;
	}
	/* only the hash is stored: the token itself lives in the browser's cookie */
	sha256_hex(token, strlen(token), hash);
	snprintf(idle, sizeof(idle), "%ld", SESSION_IDLE_S);
	rc = exec_one(&st_create, values, out);
	if (rc != STORE_OK)
		OPENSSL_cleanse(token, SESSION_TOKEN_LEN + 1);
	return rc;
}

enum store_rc session_find(const char *token, struct session *out)
{
	char hash[65], idle[24];
	const char *values[2] = { hash, idle };

	memset(out, 0, sizeof(*out));
	if (!token || !token_well_formed(SESSION_TOKEN_PREFIX, token))
		return STORE_NOT_FOUND;
	sha256_hex(token, strlen(token), hash);
	snprintf(idle, sizeof(idle), "%ld", SESSION_IDLE_S);
	return exec_one(&st_find, values, out);
}

enum store_rc session_end(const char *token)
{
	char hash[65];
	const char *values[1] = { hash };
	PGresult *res = NULL;
	enum store_rc rc;

	if (!token || !token_well_formed(SESSION_TOKEN_PREFIX, token))
		return STORE_OK;
	sha256_hex(token, strlen(token), hash);
	rc = store_exec(&st_end, values, &res);
	PQclear(res);
	return rc;
}

bool session_csrf_ok(const struct session *s, const char *given)
{
	size_t n = strlen(s->csrf);

	return given && n > 0 && strlen(given) == n && CRYPTO_memcmp(s->csrf, given, n) == 0;
}
