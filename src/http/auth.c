/* auth: the API key of a request's Authorization header, looked up by its SHA-256. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>

#include "http/auth.h"
#include "db/apikey.h"
#include "lib/util.h"

bool auth_check(struct hg_request *r)
{
	const char *h = hdrs_get(&r->hdrs, "Authorization");
	char hash[65];
	struct apikey_identity id;
	enum store_rc rc;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		goto unauthorized;
	h += 7;
	while (*h == ' ')
		h++;
	if (!token_well_formed("hgk_", h))
		goto unauthorized;
	sha256_hex(h, strlen(h), hash);
	rc = apikey_authenticate(hash, &id);
	if (rc == STORE_NOT_FOUND)
		goto unauthorized;
	if (rc != STORE_OK) {
		req_send_store_failed(r, rc);
		return false;
	}
	snprintf(r->key_id, sizeof(r->key_id), "%s", id.key_id);
	snprintf(r->workspace_id, sizeof(r->workspace_id), "%s", id.workspace_id);
	r->can_write = id.can_write;
	return true;
unauthorized:
	req_send_error(r, 401, "unauthorized");
	return false;
}
