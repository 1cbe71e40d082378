/* auth: API keys in the Authorization header (SPEC 4). */
#ifndef HG_AUTH_H
#define HG_AUTH_H

#include "lib/common.h"

#include <stdbool.h>

#include "http/request.h"

/*
 * Identify the caller from "Authorization: Bearer hgk_...": fills
 * r->key_id, r->workspace_id and r->can_write. On failure the answer (401,
 * or 503/500 when the database fails) has been sent and false is returned.
 * last_used_at is updated at most once a minute per key.
 */
bool auth_check(struct hg_request *r) HG_MUSTCHECK;

#endif
