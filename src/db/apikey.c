/* apikey: the api_key resource: its statements and JSON, for the API, the console and hookgatectl. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db/apikey.h"

/* One round trip: find the key and, when stale, touch last_used_at. */
static struct statement st_authenticate = { "apikey_authenticate",
	"WITH k AS (SELECT id, workspace_id, scope, last_used_at FROM api_key"
	"            WHERE key_hash = $1 AND revoked_at IS NULL),"
	"     touch AS (UPDATE api_key a SET last_used_at = now() FROM k"
	"                WHERE a.id = k.id AND (k.last_used_at IS NULL"
	"                      OR k.last_used_at < now() - interval '1 minute'))"
	" SELECT id, workspace_id, scope FROM k", 1, 0, true };

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
