-- 007: the console's sessions (SPEC 11), and the index that finds a
-- delivery's replays (the console's replay chain).

-- A session of the console: the SHA-256 of a random token that the browser
-- holds in a cookie, the API key it was opened with, that key's workspace
-- and scope, and the session's own CSRF token. It ends after 12 hours
-- without a request (last_seen_at), at logout, and as soon as its key is
-- revoked (the lookup joins the live key, src/db/session.c); deleting the
-- key or the workspace deletes it.
CREATE TABLE console_session (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	token_hash	text NOT NULL UNIQUE,
	api_key_id	uuid NOT NULL REFERENCES api_key(id) ON DELETE CASCADE,
	workspace_id	uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
	scope		text NOT NULL CHECK (scope IN ('read', 'write')),
	csrf_token	text NOT NULL,
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX console_session_api_key_idx ON console_session (api_key_id);
CREATE INDEX console_session_seen_idx ON console_session (last_seen_at);

-- The replays of a delivery, newest last: the console shows the chain both
-- ways. Also what ON DELETE SET NULL of replayed_from_delivery_id looks up
-- when a delivery is deleted.
CREATE INDEX webhook_delivery_replayed_from_idx ON webhook_delivery (replayed_from_delivery_id)
	WHERE replayed_from_delivery_id IS NOT NULL;
