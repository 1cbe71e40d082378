/* apikey: the api_key resource: authentication by hash, create, list, revoke, JSON. */
#ifndef HG_DB_APIKEY_H
#define HG_DB_APIKEY_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>

#include "db/store.h"

/* Who a key is: its id, its workspace, whether it may write. */
struct apikey_identity {
	char key_id[STORE_ID_LEN];
	char workspace_id[STORE_ID_LEN];
	bool can_write;
};

/* Keys look like this prefix + base64url of 32 random bytes (SPEC 2). */
#define APIKEY_PREFIX "hgk_"

/* A key's scopes, NULL-terminated; the first is the default of create. */
extern const char *const apikey_scopes[];

/*
 * Find the live (not revoked) key whose SHA-256 is hash_hex and, when stale,
 * touch its last_used_at (at most once a minute), in one round trip.
 * STORE_NOT_FOUND for an unknown or revoked key.
 */
enum store_rc apikey_authenticate(const char *hash_hex, struct apikey_identity *out) HG_MUSTCHECK;

/*
 * A new key of the workspace with scope (one of apikey_scopes) and name:
 * only its SHA-256 is stored. *out is the key JSON with "key", the only
 * answer that ever shows it (the caller's; cleanse what it prints).
 */
enum store_rc apikey_create(const char *workspace_id, const char *name, const char *scope,
			    struct json_object **out) HG_MUSTCHECK;

/* The workspace's keys, oldest first, as an array of key JSON (never a hash). */
enum store_rc apikey_list(const char *workspace_id, struct json_object **out) HG_MUSTCHECK;

/*
 * Revoke key id of any workspace (the operator's command: the API has no
 * such route); idempotent, a revoked key keeps its first revoked_at.
 * STORE_NOT_FOUND when there is no such key.
 */
enum store_rc apikey_revoke(const char *id, struct json_object **out) HG_MUSTCHECK;

#endif
