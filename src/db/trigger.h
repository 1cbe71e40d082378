/* trigger: the autopilot_trigger resource (SPEC 2, 4.2): tokens, signing secrets, statements and JSON, for the API and hookgatectl. */
#ifndef HG_DB_TRIGGER_H
#define HG_DB_TRIGGER_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/store.h"
#include "lib/settings.h"

#define TRIGGER_LABEL_MAX_CHARS		200

/* Tokens look like this prefix + base64url of 32 random bytes (HG_TOKEN_LEN characters). */
#define TRIGGER_TOKEN_PREFIX		"awt_"
/* webhook_token_hint: the prefix and the next 4 characters of the token */
#define TRIGGER_TOKEN_HINT_LEN		8
#define TRIGGER_WEBHOOK_PATH_PREFIX	"/api/webhooks/autopilots/"

/* The rule of a signing secret (SPEC 4.2), as trigger_secret_trim checks it. */
#define TRIGGER_SECRET_MIN_CHARS	16
#define TRIGGER_SECRET_MAX_CHARS	4096
#define TRIGGER_SECRET_RULE \
	"at least 16 and at most 4096 characters after trimming (or empty, to clear it)"
/* keep_previous_for_s: the old secret stays valid at most this long (30 days) */
#define TRIGGER_KEEP_PREVIOUS_MAX_S	2592000L

/*
 * Every function taking workspace_id and autopilot_id is scoped by both: a
 * trigger of another autopilot or workspace is not found, exactly as one
 * that does not exist. On STORE_NOT_FOUND, *missing says what ("autopilot"
 * or "trigger"), for the 404 or the message.
 *
 * The trigger JSON (SPEC 4.2) never holds a secret, and holds the webhook
 * token only in the answers of create and rotate: the token is not stored,
 * only its SHA-256 and webhook_token_hint.
 */

/* What create and update write. */
struct trigger_fields {
	const char *provider;		/* create: a known provider, NULL is "generic" */
	const char *label;		/* NULL keeps (update) or is "" (create) */
	bool enabled_set;		/* false keeps (update) or is true (create) */
	bool enabled;
	bool filters_set;		/* update: whether event_filters is given */
	const char *event_filters;	/* JSON text of a valid, non-empty list; NULL: none */
};

/* The SHA-256 of a webhook token as stored and looked up: 64 hex digits and a NUL. */
void trigger_token_hash(const char *token, char out[65]);

/*
 * Trim secret in place (leading and trailing white space) and say whether
 * it keeps TRIGGER_SECRET_RULE: empty (which clears), or from
 * TRIGGER_SECRET_MIN_CHARS to TRIGGER_SECRET_MAX_CHARS characters of UTF-8.
 */
bool trigger_secret_trim(char *secret) HG_MUSTCHECK;

/* The trigger JSON (no token) of row of a trigger result. */
struct json_object *trigger_json(const PGresult *res, int row);

/* The autopilot's triggers, oldest first, as an array of trigger JSON. */
enum store_rc trigger_list(const char *workspace_id, const char *autopilot_id,
			   struct json_object **out) HG_MUSTCHECK;

/* Trigger id of the autopilot. */
enum store_rc trigger_show(const char *workspace_id, const char *autopilot_id, const char *id,
			   struct json_object **out, const char **missing) HG_MUSTCHECK;

/*
 * A new trigger with a new random token; *out is its JSON with the token
 * (its webhook_url from s). STORE_NOT_FOUND: no such autopilot.
 */
enum store_rc trigger_create(const char *workspace_id, const char *autopilot_id,
			     const struct trigger_fields *f, const struct hg_settings *s,
			     struct json_object **out) HG_MUSTCHECK;

/* Change enabled, label, event_filters (and updated_at) of trigger id. */
enum store_rc trigger_update(const char *workspace_id, const char *autopilot_id, const char *id,
			     const struct trigger_fields *f, struct json_object **out,
			     const char **missing) HG_MUSTCHECK;

/* Delete trigger id, and with it its deliveries and runs. */
enum store_rc trigger_delete(const char *workspace_id, const char *autopilot_id, const char *id,
			     const char **missing) HG_MUSTCHECK;

/*
 * A new random token for trigger id: the old one is refused from the
 * commit on. *out is the trigger JSON with the new token.
 */
enum store_rc trigger_rotate(const char *workspace_id, const char *autopilot_id, const char *id,
			     const struct hg_settings *s, struct json_object **out,
			     const char **missing) HG_MUSTCHECK;

/*
 * Set the signing secret of trigger id to secret, as trigger_secret_trim
 * left it (NULL or "" clears it and the previous one). With keep_s > 0
 * (up to TRIGGER_KEEP_PREVIOUS_MAX_S) the old secret stays valid for keep_s
 * seconds; otherwise it is dropped at once. A secret that breaks the rule
 * is STORE_ERROR: check it first.
 */
enum store_rc trigger_set_secret(const char *workspace_id, const char *autopilot_id,
				 const char *id, const char *secret, long keep_s,
				 struct json_object **out, const char **missing) HG_MUSTCHECK;

/*
 * Whether secret (trimmed, not empty) fits the provider of trigger id: a
 * standard trigger's whpk_ key must be a 32-byte Ed25519 key (SPEC 7).
 * STORE_OK with *why NULL when it fits, else *why says what is wrong.
 */
enum store_rc trigger_secret_fits(const char *workspace_id, const char *autopilot_id,
				  const char *id, const char *secret, const char **why,
				  const char **missing) HG_MUSTCHECK;

/*
 * The workspace and autopilot of trigger id (for the operator, who has no
 * key and names a trigger by its id alone); STORE_NOT_FOUND when none.
 */
enum store_rc trigger_owner(const char *id, char workspace_id[STORE_ID_LEN],
			    char autopilot_id[STORE_ID_LEN]) HG_MUSTCHECK;

#endif
