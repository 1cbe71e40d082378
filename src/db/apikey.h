/* apikey: the api_key resource: authentication by hash, create, list, revoke, JSON. */
#ifndef HG_DB_APIKEY_H
#define HG_DB_APIKEY_H

#include <stdbool.h>

#include "db/store.h"

/* Who a key is: its id, its workspace, whether it may write. */
struct apikey_identity {
	char key_id[37];
	char workspace_id[37];
	bool can_write;
};

/*
 * Find the live (not revoked) key whose SHA-256 is hash_hex and, when stale,
 * touch its last_used_at (at most once a minute), in one round trip.
 * STORE_NOT_FOUND for an unknown or revoked key.
 */
enum store_rc apikey_authenticate(const char *hash_hex, struct apikey_identity *out) HG_MUSTCHECK;

#endif
