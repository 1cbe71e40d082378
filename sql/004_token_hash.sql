-- 004: webhook tokens are stored as SHA-256 only, as API keys are (SPEC 2).
-- Existing tokens are hashed here, so their URLs keep working; the plain
-- token column is dropped. webhook_token_hint is "awt_" and the next 4
-- characters: enough to tell triggers apart, never enough to call one.

ALTER TABLE autopilot_trigger
	ALTER COLUMN webhook_token DROP NOT NULL,
	ADD COLUMN webhook_token_hash text,
	ADD COLUMN webhook_token_hint text;

-- sha256(bytea) is built in since PostgreSQL 11: no pgcrypto needed. The
-- token is nulled in the same update: DROP COLUMN only hides a column, and
-- the live rows must not keep the plain token on disk (the old row versions
-- go with the next VACUUM).
UPDATE autopilot_trigger
   SET webhook_token_hash = encode(sha256(convert_to(webhook_token, 'UTF8')), 'hex'),
       webhook_token_hint = left(webhook_token, 8),
       webhook_token = NULL;

ALTER TABLE autopilot_trigger
	ALTER COLUMN webhook_token_hash SET NOT NULL,
	ALTER COLUMN webhook_token_hint SET NOT NULL,
	ADD CONSTRAINT autopilot_trigger_webhook_token_hash_key UNIQUE (webhook_token_hash),
	DROP COLUMN webhook_token;
