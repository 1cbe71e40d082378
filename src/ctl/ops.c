/* ctl_ops: hookgatectl's side of the management API (API keys, triggers); its SQL at the top. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl/ctl.h"
#include "db/model.h"
#include "lib/util.h"

/* ---- SQL: every statement of these commands, always with parameters ---- */

/* A timestamp of alias a as ISO 8601 text (2026-11-30T01:02:03.456789+00:00), named as its column. */
#define TS(a, col) "to_json(" a "." col ")#>>'{}' AS " col

/* An API key as listed: never its hash. */
#define APIKEY_COLUMNS \
	"k.id, k.workspace_id, k.name, k.scope, " TS("k", "last_used_at") ", " \
	TS("k", "revoked_at") ", " TS("k", "created_at")

enum query {
	Q_APIKEY_LIST,
	Q_APIKEY_REVOKE,
	Q_TRIGGER_LIST,
	Q_TRIGGER_ROTATE,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	/* no row: no such workspace; one row with a NULL id: it has no keys */
	[Q_APIKEY_LIST] =
		"SELECT " APIKEY_COLUMNS
		"  FROM workspace w LEFT JOIN api_key k ON k.workspace_id = w.id"
		" WHERE w.slug = $1"
		" ORDER BY k.created_at, k.id",
	/* idempotent: a revoked key keeps its first revoked_at */
	[Q_APIKEY_REVOKE] =
		"UPDATE api_key AS k SET revoked_at = coalesce(k.revoked_at, now())"
		" WHERE k.id = $1::uuid"
		" RETURNING " APIKEY_COLUMNS,

	/* no row: no such autopilot; one row with a NULL id: no triggers */
	[Q_TRIGGER_LIST] =
		"SELECT " MODEL_TRIGGER_COLUMNS
		"  FROM autopilot a LEFT JOIN autopilot_trigger t ON t.autopilot_id = a.id"
		" WHERE a.id = $1::uuid"
		" ORDER BY t.created_at, t.id",
	/* the old token is gone at commit: the ingress looks tokens up in the table */
	[Q_TRIGGER_ROTATE] =
		"UPDATE autopilot_trigger AS t SET webhook_token = $2, updated_at = now()"
		" WHERE t.id = $1::uuid"
		" RETURNING " MODEL_TRIGGER_COLUMNS,
};

#define SQLSTATE_UNIQUE_VIOLATION "23505"

/* Run query q with n text parameters. The result is the caller's to PQclear, also on failure. */
static PGresult *query(struct ctl *c, enum query q, int n, const char *const *params)
{
	return PQexecParams(c->conn, queries[q], n, NULL, params, NULL, NULL, 0);
}

/*
 * Print the rows of res as one JSON array. res comes from a list scoped by
 * its owner: no row means the owner (<thing> '<id>') does not exist, and a
 * single row whose first column is NULL means an empty list. Clears res.
 */
static enum ctl_rc print_list(struct ctl *c, PGresult *res, ctl_row_json_fn to_json,
			      const char *what, const char *thing, const char *id)
{
	struct json_object *arr = NULL;
	enum ctl_rc rc = CTL_FAIL;
	int n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_db_error(c, res, "%s", what);
		goto out;
	}
	if (PQntuples(res) == 0) {
		ctl_error("%s '%s' not found", thing, id);
		goto out;
	}
	arr = json_object_new_array();
	if (!arr) {
		ctl_error("out of memory");
		goto out;
	}
	n = PQgetisnull(res, 0, 0) ? 0 : PQntuples(res);
	for (int i = 0; i < n; i++) {
		struct json_object *row = to_json(c, res, i);

		if (!row || json_object_array_add(arr, row) != 0) {
			json_object_put(row);
			json_object_put(arr);
			ctl_error("out of memory");
			goto out;
		}
	}
	if (ctl_print(arr))
		rc = CTL_OK;
out:
	PQclear(res);
	return rc;
}

/*
 * apikey list and trigger list: every row of q for the owner given as
 * --<owner> (an id to check when owner_is_id), through to_json.
 */
static enum ctl_rc owner_list(struct ctl *c, int argc, char **argv, const char *owner,
			      bool owner_is_id, enum query q, ctl_row_json_fn to_json,
			      const char *what)
{
	const char *value = NULL;
	const struct ctl_arg args[] = {
		{ owner, CTL_REQUIRED, &value, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	const char *params[1];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if ((owner_is_id && !ctl_id_valid(owner, value)) || !ctl_connect(c))
		return CTL_FAIL;
	params[0] = value;
	return print_list(c, query(c, q, 1, params), to_json, what, owner, value);
}

/* ---- apikey ---- */

enum ctl_rc ctl_apikey_list(struct ctl *c, int argc, char **argv)
{
	/* a workspace is named by its slug */
	return owner_list(c, argc, argv, "workspace", false, Q_APIKEY_LIST, ctl_row_json,
			  "cannot list API keys");
}

enum ctl_rc ctl_apikey_revoke(struct ctl *c, int argc, char **argv)
{
	return ctl_id_command(c, argc, argv, "APIKEY_ID", "API key", queries[Q_APIKEY_REVOKE],
			      ctl_row_json, "cannot revoke API key");
}

/* ---- trigger ---- */

enum ctl_rc ctl_trigger_list(struct ctl *c, int argc, char **argv)
{
	return owner_list(c, argc, argv, "autopilot", true, Q_TRIGGER_LIST, ctl_trigger_json,
			  "cannot list triggers");
}

enum ctl_rc ctl_trigger_rotate(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL;
	const struct ctl_arg args[] = {
		{ "TRIGGER_ID", CTL_POSITIONAL, &id, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char token[HG_TOKEN_LEN + 1];
	const char *params[2];
	PGresult *res = NULL;
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!ctl_id_valid("trigger", id) || !ctl_connect(c))
		return CTL_FAIL;
	params[0] = id;
	params[1] = token;
	/* a second try when the new token collides with another trigger's (2^-256) */
	for (int attempt = 0; attempt < 2; attempt++) {
		PQclear(res);
		res = NULL;
		if (!token_generate("awt_", token, sizeof(token))) {
			ctl_error("cannot generate a random webhook token");
			OPENSSL_cleanse(token, sizeof(token));
			return CTL_FAIL;
		}
		res = query(c, Q_TRIGGER_ROTATE, 2, params);
		if (!ctl_sqlstate_is(res, SQLSTATE_UNIQUE_VIOLATION))
			break;
	}
	/* the new token is printed: it is the trigger's address, shown as trigger show does */
	rc = ctl_print_one(c, res, ctl_trigger_json, "cannot rotate the webhook token", "trigger", id);
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}
