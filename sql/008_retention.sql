-- 008: retention (SPEC 12) and bulk replay (SPEC 4.4).
--
-- hookgatectl prune deletes the deliveries past retention_days with their
-- finished runs and empties the bodies past body_retention_days, in
-- batches of one short transaction each (src/db/retention.c). The indexes
-- below let every batch find its rows and let every row go without a
-- scan of the whole table:
--   - the batches walk received_at in order;
--   - deleting a run sets the webhook_delivery.autopilot_run_id that points
--     at it to NULL, and deleting a delivery sets the replays'
--     replayed_from_delivery_id to NULL: PostgreSQL looks those rows up by
--     the referencing column, which had no index (each deleted row was a
--     scan of the table; deleting an autopilot with many runs was too);
--   - a bulk replay walks one autopilot's deliveries by received_at.
-- IF NOT EXISTS: on a big table an operator may build them beforehand with
-- CREATE INDEX CONCURRENTLY under the same names, so that this migration
-- (one transaction, which blocks writes while an index is built) is quick.

CREATE INDEX IF NOT EXISTS webhook_delivery_received_idx
	ON webhook_delivery (received_at, id);
CREATE INDEX IF NOT EXISTS webhook_delivery_autopilot_received_idx
	ON webhook_delivery (autopilot_id, received_at, id);
CREATE INDEX IF NOT EXISTS webhook_delivery_run_idx
	ON webhook_delivery (autopilot_run_id) WHERE autopilot_run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhook_delivery_replayed_from_idx
	ON webhook_delivery (replayed_from_delivery_id) WHERE replayed_from_delivery_id IS NOT NULL;

-- A pruned body is NULL, and body_pruned_at says when it went; a body is
-- never NULL otherwise (NOT VALID: checked for every row written from now
-- on, without reading the existing ones, which all have a body).
ALTER TABLE webhook_delivery ADD COLUMN body_pruned_at timestamptz;
ALTER TABLE webhook_delivery ALTER COLUMN raw_body DROP NOT NULL;
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_body_check
	CHECK (raw_body IS NOT NULL OR body_pruned_at IS NOT NULL) NOT VALID;

-- What prune removed since the database was made, by kind: the metric
-- hookgate_pruned_total, which every responder serves from here (prune
-- runs in hookgatectl, outside the pool whose shared memory holds the
-- other counters). Only prune writes it, once per batch.
CREATE TABLE prune_total (
	kind		text PRIMARY KEY CHECK (kind IN ('deliveries', 'runs', 'bodies')),
	total		bigint NOT NULL DEFAULT 0,
	updated_at	timestamptz
);
INSERT INTO prune_total (kind) VALUES ('deliveries'), ('runs'), ('bodies');

-- The first answer of a bulk replay made with an Idempotency-Key: a
-- repeated request gets it back and replays nothing new. request is the
-- request as PostgreSQL reads it (times as timestamptz), so that the same
-- window written two ways is the same request; answer is json, kept as
-- written, so that it comes back byte for byte. Pruned past retention_days.
CREATE TABLE bulk_replay (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	autopilot_id	uuid NOT NULL REFERENCES autopilot(id) ON DELETE CASCADE,
	idempotency_key	text NOT NULL,
	request		jsonb NOT NULL,
	answer		json,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (autopilot_id, idempotency_key)
);
CREATE INDEX bulk_replay_created_idx ON bulk_replay (created_at);

-- Replays no longer write the trigger's last_fired_at and the autopilot's
-- last_run_at (SPEC 2: both are derived at read time since 006, and
-- nothing reads the columns): a bulk replay of many deliveries in one
-- transaction would otherwise hold both rows locked until its end.
CREATE OR REPLACE FUNCTION hookgate_dispatch(
	p_delivery_id		uuid,
	p_autopilot_id		uuid,
	p_trigger_id		uuid,
	p_source		text,
	p_payload		jsonb,
	p_offline_after_s	integer,
	p_response_status	integer,
	OUT outcome		text,
	OUT run_id		uuid,
	OUT body		text)
LANGUAGE plpgsql AS $$
DECLARE
	v_online	boolean;
	v_reason	text;
BEGIN
	run_id := gen_random_uuid();
	SELECT a.runtime_id IS NULL OR coalesce(rt.last_seen_at >
		now() - make_interval(secs => p_offline_after_s), false)
	  INTO v_online
	  FROM autopilot a LEFT JOIN runtime rt ON rt.id = a.runtime_id
	 WHERE a.id = p_autopilot_id;
	IF v_online THEN
		outcome := 'accepted';
		body := json_build_object('status', 'accepted', 'delivery_id', p_delivery_id,
			'run_id', run_id, 'autopilot_id', p_autopilot_id,
			'trigger_id', p_trigger_id)::text;
	ELSE
		outcome := 'skipped';
		v_reason := 'agent runtime is offline at dispatch time';
		body := json_build_object('status', 'skipped', 'delivery_id', p_delivery_id,
			'run_id', run_id, 'reason', v_reason)::text;
	END IF;
	INSERT INTO autopilot_run (id, autopilot_id, trigger_id, webhook_delivery_id,
		source, status, trigger_payload, failure_reason, completed_at)
	VALUES (run_id, p_autopilot_id, p_trigger_id, p_delivery_id, p_source,
		CASE WHEN v_online THEN 'pending' ELSE 'skipped' END, p_payload, v_reason,
		CASE WHEN v_online THEN NULL ELSE now() END);
	UPDATE webhook_delivery SET status = 'dispatched', autopilot_run_id = run_id,
		response_status = p_response_status, response_body = body
	 WHERE id = p_delivery_id;
	IF v_online THEN
		PERFORM pg_notify('hookgate_run', run_id::text);
	END IF;
END;
$$;
