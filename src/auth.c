/* auth: look API keys up by the SHA-256 of the key; revoked keys are refused. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "store.h"
#include "util.h"

/* One round trip: find the key and, when stale, touch last_used_at. */
static struct statement st_auth = { "auth_key",
	"WITH k AS (SELECT id, workspace_id, scope, last_used_at FROM api_key"
	"            WHERE key_hash = $1 AND revoked_at IS NULL),"
	"     touch AS (UPDATE api_key a SET last_used_at = now() FROM k"
	"                WHERE a.id = k.id AND (k.last_used_at IS NULL"
	"                      OR k.last_used_at < now() - interval '1 minute'))"
	" SELECT id, workspace_id, scope FROM k", 1, 0, true };

bool auth_check(struct hg_request *r)
{
	const char *h = hdrs_get(&r->hdrs, "Authorization");
	char hash[65];
	const char *values[1] = { hash };
	PGresult *res = NULL;
	bool ok = false;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		goto unauthorized;
	h += 7;
	while (*h == ' ')
		h++;
	if (!token_well_formed("hgk_", h))
		goto unauthorized;
	sha256_hex(h, strlen(h), hash);
	switch (store_exec(&st_auth, values, &res)) {
	case STORE_OK:
		break;
	case STORE_UNAVAILABLE:
		req_send_unavailable(r);
		return false;
	default:
		req_send_error(r, 500, "internal error");
		return false;
	}
	if (PQntuples(res) != 1)
		goto unauthorized;
	snprintf(r->key_id, sizeof(r->key_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(r->workspace_id, sizeof(r->workspace_id), "%s", PQgetvalue(res, 0, 1));
	r->can_write = strcmp(PQgetvalue(res, 0, 2), "write") == 0;
	ok = true;
unauthorized:
	PQclear(res);
	if (!ok)
		req_send_error(r, 401, "unauthorized");
	return ok;
}
