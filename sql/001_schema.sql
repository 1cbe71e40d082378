-- 001: the whole data model of SPEC section 2.

CREATE TABLE workspace (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	name		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_key (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	workspace_id	uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
	name		text NOT NULL DEFAULT '',
	scope		text NOT NULL DEFAULT 'write' CHECK (scope IN ('read', 'write')),
	key_hash	text NOT NULL UNIQUE,
	last_used_at	timestamptz,
	revoked_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_key_workspace_idx ON api_key (workspace_id);

CREATE TABLE runtime (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	workspace_id	uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
	name		text NOT NULL,
	last_seen_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runtime_workspace_idx ON runtime (workspace_id);

CREATE TABLE autopilot (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	workspace_id	uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
	title		text NOT NULL,
	description	text NOT NULL DEFAULT '',
	status		text NOT NULL DEFAULT 'active'
			CHECK (status IN ('active', 'paused', 'archived')),
	runtime_id	uuid REFERENCES runtime(id) ON DELETE SET NULL,
	last_run_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilot_workspace_idx ON autopilot (workspace_id, created_at DESC, id DESC);

CREATE TABLE autopilot_trigger (
	id				uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	autopilot_id			uuid NOT NULL REFERENCES autopilot(id) ON DELETE CASCADE,
	kind				text NOT NULL DEFAULT 'webhook' CHECK (kind IN ('webhook')),
	enabled				boolean NOT NULL DEFAULT true,
	webhook_token			text NOT NULL UNIQUE,
	provider			text NOT NULL DEFAULT 'generic',
	signing_secret			text,
	previous_signing_secret		text,
	previous_secret_expires_at	timestamptz,
	event_filters			jsonb CHECK (event_filters IS NULL
						     OR jsonb_typeof(event_filters) = 'array'),
	label				text NOT NULL DEFAULT '',
	last_fired_at			timestamptz,
	created_at			timestamptz NOT NULL DEFAULT now(),
	updated_at			timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilot_trigger_autopilot_idx ON autopilot_trigger (autopilot_id);

CREATE TABLE webhook_delivery (
	id				uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	workspace_id			uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
	autopilot_id			uuid NOT NULL REFERENCES autopilot(id) ON DELETE CASCADE,
	trigger_id			uuid NOT NULL REFERENCES autopilot_trigger(id) ON DELETE CASCADE,
	provider			text NOT NULL,
	event				text NOT NULL,
	dedupe_key			text,
	dedupe_source			text,
	signature_status		text NOT NULL CHECK (signature_status IN
					  ('not_required', 'valid', 'invalid', 'missing', 'stale')),
	status				text NOT NULL CHECK (status IN
					  ('queued', 'dispatched', 'rejected', 'ignored', 'failed')),
	attempt_count			integer NOT NULL DEFAULT 1,
	selected_headers		jsonb NOT NULL DEFAULT '{}',
	content_type			text,
	raw_body			bytea NOT NULL,
	response_status			integer,
	response_body			text,
	autopilot_run_id		uuid,
	replayed_from_delivery_id	uuid REFERENCES webhook_delivery(id) ON DELETE SET NULL,
	replay_idempotency_key		text,
	error				text,
	received_at			timestamptz NOT NULL DEFAULT now(),
	last_attempt_at			timestamptz NOT NULL DEFAULT now(),
	created_at			timestamptz NOT NULL DEFAULT now()
);
-- The unique index decides duplicates: a rejected or failed delivery never
-- holds its key, so the sender's next retry is not blocked.
CREATE UNIQUE INDEX webhook_delivery_dedupe_idx ON webhook_delivery (trigger_id, dedupe_key)
	WHERE dedupe_key IS NOT NULL AND status NOT IN ('rejected', 'failed');
CREATE INDEX webhook_delivery_list_idx ON webhook_delivery (autopilot_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX webhook_delivery_replay_idx
	ON webhook_delivery (replayed_from_delivery_id, replay_idempotency_key)
	WHERE replay_idempotency_key IS NOT NULL;
CREATE INDEX webhook_delivery_trigger_idx ON webhook_delivery (trigger_id);

CREATE TABLE autopilot_run (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	autopilot_id		uuid NOT NULL REFERENCES autopilot(id) ON DELETE CASCADE,
	trigger_id		uuid REFERENCES autopilot_trigger(id) ON DELETE CASCADE,
	webhook_delivery_id	uuid UNIQUE REFERENCES webhook_delivery(id) ON DELETE SET NULL,
	source			text NOT NULL CHECK (source IN ('webhook', 'replay', 'manual')),
	status			text NOT NULL DEFAULT 'pending' CHECK (status IN
				  ('pending', 'running', 'completed', 'failed', 'skipped')),
	trigger_payload		jsonb NOT NULL,
	failure_reason		text,
	result			jsonb,
	claimed_by		uuid REFERENCES runtime(id) ON DELETE SET NULL,
	lease_expires_at	timestamptz,
	completed_at		timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilot_run_list_idx ON autopilot_run (autopilot_id, created_at DESC, id DESC);
CREATE INDEX autopilot_run_pending_idx ON autopilot_run (created_at, id)
	WHERE status IN ('pending', 'running');

ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_run_fk
	FOREIGN KEY (autopilot_run_id) REFERENCES autopilot_run(id) ON DELETE SET NULL;
