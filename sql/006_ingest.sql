-- 006: an ingest that groups commits (SPEC 2, 3.1 step 9, 3.6).
--
-- Every accepted webhook used to queue on two row locks (the trigger's
-- last_fired_at, the autopilot's last_run_at), to write its delivery twice
-- (queued, then dispatched), to run a sub-transaction, and to hold
-- PostgreSQL's global NOTIFY lock until its commit record was flushed: each
-- commit waited alone for its own fsync. Here each row is written once, in
-- its final state, by one statement; nothing is shared between the
-- deliveries of one trigger but KEY SHARE locks of the one foreign key
-- the contract needs; and the NOTIFY is sent by the client after the commit
-- (src/db/ingest.c), in a transaction that does not wait for a flush.

-- Deferral (SPEC 3.6): when the run may first be claimed. Migration 005
-- (replays) adds the same columns; either order leaves one definition.
ALTER TABLE autopilot_run ADD COLUMN IF NOT EXISTS available_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE autopilot_run ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;

-- Only the foreign keys the contract needs (SPEC 2: deleting a workspace,
-- autopilot or trigger cascades to its deliveries and runs). A delivery's
-- trigger cascades from its autopilot, which cascades from its workspace,
-- so the delivery needs the trigger's key alone; checking the other two
-- locked two more rows shared by every delivery.
ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_workspace_id_fkey;
ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_autopilot_id_fkey;

-- last_fired_at and last_run_at are derived at read time (SPEC 2): the
-- newest run of the trigger, of the autopilot. This index serves the
-- first, the cascade from a trigger to its runs, and nothing else.
CREATE INDEX autopilot_run_trigger_idx ON autopilot_run (trigger_id, created_at DESC);

-- The deliveries list filtered by status, keyset-paginated (SPEC 4.4).
CREATE INDEX webhook_delivery_status_idx
	ON webhook_delivery (autopilot_id, status, created_at DESC, id DESC);

-- The ingress transaction, one statement. Ids come from the caller
-- (UUIDv7, time-ordered), so the caller can pipeline the NOTIFY for the run
-- after this transaction's commit. p_trigger_payload is the envelope text,
-- parsed here once by PostgreSQL: numbers keep their digits. p_defer_ms is
-- how long token_rate defers the run (0: not deferred).
--
-- No sub-transaction: a statement that fails rolls the whole transaction
-- back, and the caller then records the delivery as failed with
-- hookgate_ingest_failed (a third round trip on that path only).
DROP FUNCTION hookgate_ingest(uuid, text, text, text, text, jsonb, text, bytea, jsonb,
	boolean, integer, timestamptz, text);

CREATE FUNCTION hookgate_ingest(
	p_delivery_id		uuid,
	p_run_id		uuid,
	p_trigger_id		uuid,
	p_event			text,
	p_dedupe_key		text,
	p_dedupe_source		text,
	p_signature_status	text,
	p_selected_headers	jsonb,
	p_content_type		text,
	p_raw_body		bytea,
	p_trigger_payload	jsonb,
	p_event_filtered	boolean,
	p_offline_after_s	integer,
	p_received_at		timestamptz,
	p_handshake_body	text,
	p_defer_ms		bigint,
	OUT http_status		integer,
	OUT response_body	text,
	OUT delivery_id		uuid,
	OUT outcome		text)
LANGUAGE plpgsql AS $$
DECLARE
	t		record;
	v_got		uuid;
	v_got_run	uuid;
	v_reason	text;
	v_body		text;
	v_available	timestamptz;
BEGIN
	SELECT tr.id, tr.enabled, tr.provider, tr.autopilot_id, a.workspace_id,
	       a.status AS autopilot_status,
	       a.runtime_id IS NULL OR coalesce(rt.last_seen_at >
		now() - make_interval(secs => p_offline_after_s), false) AS online
	  INTO t
	  FROM autopilot_trigger tr
	  JOIN autopilot a ON a.id = tr.autopilot_id
	  LEFT JOIN runtime rt ON rt.id = a.runtime_id
	 WHERE tr.id = p_trigger_id;
	IF NOT FOUND THEN
		-- deleted since the token lookup
		http_status := 404;
		response_body := json_build_object('error', 'webhook not found')::text;
		outcome := 'not_found';
		RETURN;
	END IF;

	IF p_signature_status IN ('invalid', 'missing', 'stale') THEN
		-- never in the dedupe index: never collapses onto another delivery
		v_body := json_build_object('status', 'rejected', 'delivery_id', p_delivery_id,
			'reason', CASE p_signature_status
				WHEN 'invalid' THEN 'invalid_signature'
				WHEN 'missing' THEN 'missing_signature'
				ELSE 'stale_timestamp' END)::text;
		INSERT INTO webhook_delivery (id, workspace_id, autopilot_id, trigger_id,
			provider, event, dedupe_key, dedupe_source, signature_status, status,
			selected_headers, content_type, raw_body, response_status,
			response_body, received_at, last_attempt_at)
		VALUES (p_delivery_id, t.workspace_id, t.autopilot_id, t.id, t.provider, p_event,
			p_dedupe_key, p_dedupe_source, p_signature_status, 'rejected',
			p_selected_headers, p_content_type, p_raw_body, 401, v_body,
			p_received_at, p_received_at);
		http_status := 401;
		response_body := v_body;
		delivery_id := p_delivery_id;
		outcome := 'rejected';
		RETURN;
	END IF;

	v_reason := CASE
		WHEN p_handshake_body IS NOT NULL THEN 'url_verification'
		WHEN NOT t.enabled THEN 'trigger_disabled'
		WHEN t.autopilot_status = 'paused' THEN 'autopilot_paused'
		WHEN t.autopilot_status = 'archived' THEN 'autopilot_archived'
		WHEN p_event_filtered THEN 'event_filtered'
	END;
	IF v_reason = 'url_verification' THEN
		v_body := p_handshake_body;
	ELSIF v_reason = 'event_filtered' THEN
		v_body := json_build_object('status', 'ignored', 'delivery_id', p_delivery_id,
			'reason', v_reason, 'event', p_event)::text;
	ELSIF v_reason IS NOT NULL THEN
		v_body := json_build_object('status', 'ignored', 'delivery_id', p_delivery_id,
			'reason', v_reason)::text;
	END IF;

	IF v_reason IS NOT NULL THEN
		INSERT INTO webhook_delivery AS d (id, workspace_id, autopilot_id, trigger_id,
			provider, event, dedupe_key, dedupe_source, signature_status, status,
			selected_headers, content_type, raw_body, response_status, response_body,
			received_at, last_attempt_at)
		VALUES (p_delivery_id, t.workspace_id, t.autopilot_id, t.id, t.provider, p_event,
			p_dedupe_key, p_dedupe_source, p_signature_status, 'ignored',
			p_selected_headers, p_content_type, p_raw_body, 200, v_body,
			p_received_at, p_received_at)
		ON CONFLICT (trigger_id, dedupe_key)
			WHERE dedupe_key IS NOT NULL AND status NOT IN ('rejected', 'failed')
		DO UPDATE SET attempt_count = d.attempt_count + 1, last_attempt_at = now()
		RETURNING d.id, d.autopilot_run_id INTO v_got, v_got_run;
		outcome := 'ignored';
	ELSE
		-- dispatch and admission (SPEC 3.6): the delivery and its run, each
		-- written once in its final state, in one statement (the two point
		-- at each other; both exist when the keys are checked at its end)
		v_available := now() + make_interval(secs => p_defer_ms / 1000.0);
		IF t.online THEN
			outcome := 'accepted';
			IF p_defer_ms > 0 THEN
				v_body := json_build_object('status', 'accepted',
					'delivery_id', p_delivery_id, 'run_id', p_run_id,
					'autopilot_id', t.autopilot_id, 'trigger_id', t.id,
					'available_at', v_available)::text;
			ELSE
				v_body := json_build_object('status', 'accepted',
					'delivery_id', p_delivery_id, 'run_id', p_run_id,
					'autopilot_id', t.autopilot_id, 'trigger_id', t.id)::text;
			END IF;
		ELSE
			outcome := 'skipped';
			v_reason := 'agent runtime is offline at dispatch time';
			v_body := json_build_object('status', 'skipped', 'delivery_id', p_delivery_id,
				'run_id', p_run_id, 'reason', v_reason)::text;
		END IF;
		WITH d AS (
			INSERT INTO webhook_delivery AS d (id, workspace_id, autopilot_id, trigger_id,
				provider, event, dedupe_key, dedupe_source, signature_status, status,
				selected_headers, content_type, raw_body, response_status,
				response_body, autopilot_run_id, received_at, last_attempt_at)
			VALUES (p_delivery_id, t.workspace_id, t.autopilot_id, t.id, t.provider,
				p_event, p_dedupe_key, p_dedupe_source, p_signature_status,
				'dispatched', p_selected_headers, p_content_type, p_raw_body, 200,
				v_body, p_run_id, p_received_at, p_received_at)
			ON CONFLICT (trigger_id, dedupe_key)
				WHERE dedupe_key IS NOT NULL AND status NOT IN ('rejected', 'failed')
			DO UPDATE SET attempt_count = d.attempt_count + 1, last_attempt_at = now()
			RETURNING d.id, d.autopilot_run_id),
		r AS (
			INSERT INTO autopilot_run (id, autopilot_id, trigger_id, webhook_delivery_id,
				source, status, trigger_payload, failure_reason, completed_at,
				available_at)
			SELECT p_run_id, t.autopilot_id, t.id, p_delivery_id, 'webhook',
				CASE WHEN t.online THEN 'pending' ELSE 'skipped' END,
				p_trigger_payload,
				CASE WHEN t.online THEN NULL ELSE v_reason END,
				CASE WHEN t.online THEN NULL ELSE now() END,
				CASE WHEN t.online THEN v_available ELSE now() END
			  FROM d WHERE d.id = p_delivery_id)
		SELECT d.id, d.autopilot_run_id INTO v_got, v_got_run FROM d;
	END IF;

	IF v_got <> p_delivery_id THEN
		-- the partial unique index decided: an earlier live delivery holds the key
		http_status := 200;
		response_body := json_build_object('status', 'duplicate',
			'delivery_id', v_got, 'run_id', v_got_run)::text;
		delivery_id := v_got;
		outcome := 'duplicate';
		RETURN;
	END IF;
	http_status := 200;
	response_body := v_body;
	delivery_id := p_delivery_id;
END;
$$;

-- A dispatch that failed (its transaction rolled back): the delivery
-- committed as failed with its error and the answer sent (SPEC 3.1 step 9).
-- A failed delivery holds no dedupe key, so the sender's retry goes through.
CREATE FUNCTION hookgate_ingest_failed(
	p_delivery_id		uuid,
	p_trigger_id		uuid,
	p_event			text,
	p_dedupe_key		text,
	p_dedupe_source		text,
	p_signature_status	text,
	p_selected_headers	jsonb,
	p_content_type		text,
	p_raw_body		bytea,
	p_received_at		timestamptz,
	p_error			text,
	OUT http_status		integer,
	OUT response_body	text,
	OUT delivery_id		uuid)
LANGUAGE sql AS $$
	INSERT INTO webhook_delivery (id, workspace_id, autopilot_id, trigger_id, provider,
		event, dedupe_key, dedupe_source, signature_status, status, selected_headers,
		content_type, raw_body, response_status, response_body, error, received_at,
		last_attempt_at)
	SELECT p_delivery_id, a.workspace_id, a.id, tr.id, tr.provider, p_event, p_dedupe_key,
		p_dedupe_source, p_signature_status, 'failed', p_selected_headers, p_content_type,
		p_raw_body, 500, json_build_object('error', 'failed to dispatch autopilot')::text,
		p_error, p_received_at, p_received_at
	  FROM autopilot_trigger tr JOIN autopilot a ON a.id = tr.autopilot_id
	 WHERE tr.id = p_trigger_id
	RETURNING response_status, response_body, id
$$;
