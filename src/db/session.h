/* session: the console_session resource (SPEC 11): a browser's login, its token stored as a SHA-256, its CSRF token. */
#ifndef HG_DB_SESSION_H
#define HG_DB_SESSION_H

#include "lib/common.h"

#include <stdbool.h>

#include "db/apikey.h"
#include "db/store.h"
#include "lib/util.h"

/* A session ends after this many seconds without a request (12 h). */
#define SESSION_IDLE_S		(12L * 3600)
/* Session tokens (the cookie) and CSRF tokens: a prefix + base64url of 32 random bytes. */
#define SESSION_TOKEN_PREFIX	"hgs_"
#define SESSION_CSRF_PREFIX	"hgc_"
#define SESSION_TOKEN_LEN	HG_TOKEN_LEN
/* The workspace's slug, as the schema bounds it, with its NUL. */
#define SESSION_SLUG_LEN	64

/* A live session. */
struct session {
	char id[STORE_ID_LEN];
	char key_id[STORE_ID_LEN];
	char workspace_id[STORE_ID_LEN];
	char workspace_slug[SESSION_SLUG_LEN];
	bool can_write;			/* opened with a write key */
	char csrf[SESSION_TOKEN_LEN + 1];	/* what every form of the session carries */
};

/*
 * Open a session for the live key (apikey_authenticate found it): a new
 * random token into token (SESSION_TOKEN_LEN + 1 bytes; the caller's to
 * put in the cookie and then cleanse), of which only the SHA-256 is
 * stored, with the key's workspace and scope and a new CSRF token. Some
 * sessions idle past SESSION_IDLE_S are deleted on the way.
 * STORE_NOT_FOUND when the key was revoked in between.
 */
enum store_rc session_create(const struct apikey_identity *key, char *token, struct session *out)
	HG_MUSTCHECK;

/*
 * The session whose cookie holds token, when it is live: seen within
 * SESSION_IDLE_S and its key not revoked. Its last_seen_at is moved on (at
 * most once a minute). STORE_NOT_FOUND for a malformed, unknown, idle or
 * revoked one. Looked up by the token's SHA-256, never compared as text.
 */
enum store_rc session_find(const char *token, struct session *out) HG_MUSTCHECK;

/* End the session whose cookie holds token (logout); ending an unknown one is not an error. */
enum store_rc session_end(const char *token) HG_MUSTCHECK;

/* Whether given is s's CSRF token (compared in constant time). */
bool session_csrf_ok(const struct session *s, const char *given);

#endif
