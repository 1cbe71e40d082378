-- 005: replays take the trigger_payload built in C (SPEC 4.4), and runs gain
-- available_at and attempts (SPEC 2, 4.5).
--
-- The envelope of a replayed run is rebuilt from the stored raw body,
-- content type and selected headers by the same C code as at ingress
-- (src/webhook/envelope.c), so the SQL copy of that rule is dropped:
-- hookgate_replay_payload and hookgate_form_value had drifted from it.

DROP FUNCTION hookgate_replay(uuid, uuid, uuid, text, integer);
DROP FUNCTION hookgate_replay_payload(webhook_delivery);
DROP FUNCTION hookgate_form_value(text, text);

-- When a run may first be claimed (deferral sets it in the future), and how
-- many times it was claimed. IF NOT EXISTS: another migration may add them.
ALTER TABLE autopilot_run ADD COLUMN IF NOT EXISTS available_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE autopilot_run ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
-- a run claimed before attempts were counted was claimed at least once
UPDATE autopilot_run SET attempts = 1 WHERE claimed_by IS NOT NULL AND attempts = 0;

-- Replay a stored delivery as one function, so that the new delivery, its
-- run and the NOTIFY commit together in one round trip.
--
-- Scoped by the API key's workspace (p_workspace_id NULL: hookgatectl, the
-- operator's, any): a delivery of another workspace or of another autopilot
-- is "not found", exactly like an unknown id. Idempotency: the unique index
-- webhook_delivery_replay_idx decides (ON CONFLICT DO NOTHING, then the row
-- that won is returned), never a read-then-insert.
--
-- p_event and p_payload are the event and trigger_payload that the caller
-- built from the stored delivery; when it could not (the body no longer
-- parses, or was pruned), p_payload is NULL and p_payload_error says why:
-- the answer is then that 400, after the checks that come first.
-- p_received_at is the replay's receivedAt, also its delivery's received_at.
--
-- http_status: 201 a new replay; 200 the earlier replay with this
-- idempotency key; 404 and 400 with error set. delivery_id and run_id are
-- the replay's (new or earlier).
CREATE FUNCTION hookgate_replay(
	p_workspace_id		uuid,
	p_autopilot_id		uuid,
	p_delivery_id		uuid,
	p_idempotency_key	text,
	p_offline_after_s	integer,
	p_event			text,
	p_payload		jsonb,
	p_payload_error		text,
	p_received_at		timestamptz,
	OUT http_status		integer,
	OUT error		text,
	OUT delivery_id		uuid,
	OUT run_id		uuid)
LANGUAGE plpgsql AS $$
DECLARE
	a		record;
	d		webhook_delivery;
	v_id		uuid := gen_random_uuid();
	v_enabled	boolean;
BEGIN
	SELECT ap.id, ap.status INTO a
	  FROM autopilot ap
	 WHERE ap.id = p_autopilot_id
	   AND (p_workspace_id IS NULL OR ap.workspace_id = p_workspace_id);
	IF NOT FOUND THEN
		http_status := 404;
		error := 'autopilot not found';
		RETURN;
	END IF;

	SELECT * INTO d FROM webhook_delivery wd
	 WHERE wd.id = p_delivery_id AND wd.autopilot_id = a.id;
	IF NOT FOUND THEN
		http_status := 404;
		error := 'delivery not found';
		RETURN;
	END IF;

	-- a repeated request with the same key: the first replay, whatever changed since
	IF p_idempotency_key IS NOT NULL THEN
		SELECT wd.id, wd.autopilot_run_id INTO delivery_id, run_id
		  FROM webhook_delivery wd
		 WHERE wd.replayed_from_delivery_id = d.id
		   AND wd.replay_idempotency_key = p_idempotency_key;
		IF FOUND THEN
			http_status := 200;
			RETURN;
		END IF;
	END IF;

	SELECT tr.enabled INTO v_enabled FROM autopilot_trigger tr WHERE tr.id = d.trigger_id;
	http_status := 400;
	IF d.status = 'rejected' THEN
		error := 'a rejected delivery cannot be replayed';
		RETURN;
	ELSIF d.signature_status = 'invalid' THEN
		error := 'a delivery with an invalid signature cannot be replayed';
		RETURN;
	ELSIF a.status <> 'active' THEN
		error := 'autopilot is ' || a.status || ': only an active autopilot''s deliveries can be replayed';
		RETURN;
	ELSIF NOT coalesce(v_enabled, false) THEN
		error := 'trigger is disabled: enable it to replay its deliveries';
		RETURN;
	ELSIF p_payload IS NULL OR p_event IS NULL THEN
		error := coalesce(p_payload_error, 'the stored body cannot be turned into a run payload');
		RETURN;
	END IF;

	INSERT INTO webhook_delivery AS wd (id, workspace_id, autopilot_id, trigger_id,
		provider, event, signature_status, status, selected_headers, content_type,
		raw_body, replayed_from_delivery_id, replay_idempotency_key, received_at,
		last_attempt_at)
	VALUES (v_id, d.workspace_id, d.autopilot_id, d.trigger_id, d.provider, p_event,
		'not_required', 'dispatched', d.selected_headers, d.content_type,
		d.raw_body, d.id, p_idempotency_key, p_received_at, p_received_at)
	ON CONFLICT (replayed_from_delivery_id, replay_idempotency_key)
		WHERE replay_idempotency_key IS NOT NULL
	DO NOTHING;
	IF NOT FOUND THEN
		-- a concurrent replay with the same key won; it has committed by now
		SELECT wd.id, wd.autopilot_run_id INTO delivery_id, run_id
		  FROM webhook_delivery wd
		 WHERE wd.replayed_from_delivery_id = d.id
		   AND wd.replay_idempotency_key = p_idempotency_key;
		http_status := 200;
		error := NULL;
		RETURN;
	END IF;

	-- dispatch and admission, as at ingress (002)
	SELECT x.run_id INTO run_id
	  FROM hookgate_dispatch(v_id, d.autopilot_id, d.trigger_id, 'replay', p_payload,
				 p_offline_after_s, 201) x;
	http_status := 201;
	error := NULL;
	delivery_id := v_id;
END;
$$;
