-- 002: the ingress transaction (SPEC 3.1 step 9) as one function, so that an
-- accepted webhook costs one round trip after the token lookup.
--
-- The caller has already checked the token, the body and the signature.
-- Order inside: the delivery row first; rejected rows never collapse onto
-- another; the partial unique index decides duplicates (ON CONFLICT, never
-- read-then-insert); dispatch runs inside a sub-transaction (a savepoint)
-- so that its failure still commits the delivery as 'failed'.

-- Dispatch and admission (SPEC 3.6), shared by the ingress and replays: a
-- new run (pending, or skipped when the autopilot names a runtime that is
-- not online), the delivery linked to it and given its answer, the trigger's
-- last_fired_at and the autopilot's last_run_at, and NOTIFY hookgate_run
-- (delivered at commit) for a pending run. Returns the answer's body.
CREATE FUNCTION hookgate_dispatch(
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
	UPDATE autopilot_trigger SET last_fired_at = now() WHERE id = p_trigger_id;
	UPDATE autopilot SET last_run_at = now() WHERE id = p_autopilot_id;
	IF v_online THEN
		PERFORM pg_notify('hookgate_run', run_id::text);
	END IF;
END;
$$;

CREATE FUNCTION hookgate_ingest(
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
	OUT http_status		integer,
	OUT response_body	text,
	OUT delivery_id		uuid,
	OUT outcome		text)
LANGUAGE plpgsql AS $$
DECLARE
	t		record;
	v_id		uuid := gen_random_uuid();
	v_got		uuid;
	v_got_run	uuid;
	v_reason	text;
	v_body		text;
BEGIN
	SELECT tr.id, tr.enabled, tr.provider, tr.autopilot_id, a.workspace_id,
	       a.status AS autopilot_status
	  INTO t
	  FROM autopilot_trigger tr
	  JOIN autopilot a ON a.id = tr.autopilot_id
	 WHERE tr.id = p_trigger_id;
	IF NOT FOUND THEN
		-- deleted since the token lookup
		http_status := 404;
		response_body := json_build_object('error', 'webhook not found')::text;
		outcome := 'not_found';
		RETURN;
	END IF;

	IF p_signature_status IN ('invalid', 'missing', 'stale') THEN
		v_body := json_build_object('status', 'rejected', 'delivery_id', v_id,
			'reason', CASE p_signature_status
				WHEN 'invalid' THEN 'invalid_signature'
				WHEN 'missing' THEN 'missing_signature'
				ELSE 'stale_timestamp' END)::text;
		INSERT INTO webhook_delivery (id, workspace_id, autopilot_id, trigger_id,
			provider, event, dedupe_key, dedupe_source, signature_status, status,
			selected_headers, content_type, raw_body, response_status,
			response_body, received_at, last_attempt_at)
		VALUES (v_id, t.workspace_id, t.autopilot_id, t.id, t.provider, p_event,
			p_dedupe_key, p_dedupe_source, p_signature_status, 'rejected',
			p_selected_headers, p_content_type, p_raw_body, 401, v_body,
			p_received_at, p_received_at);
		http_status := 401;
		response_body := v_body;
		delivery_id := v_id;
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
		v_body := json_build_object('status', 'ignored', 'delivery_id', v_id,
			'reason', v_reason, 'event', p_event)::text;
	ELSIF v_reason IS NOT NULL THEN
		v_body := json_build_object('status', 'ignored', 'delivery_id', v_id,
			'reason', v_reason)::text;
	END IF;

	INSERT INTO webhook_delivery AS d (id, workspace_id, autopilot_id, trigger_id,
		provider, event, dedupe_key, dedupe_source, signature_status, status,
		selected_headers, content_type, raw_body, response_status, response_body,
		received_at, last_attempt_at)
	VALUES (v_id, t.workspace_id, t.autopilot_id, t.id, t.provider, p_event,
		p_dedupe_key, p_dedupe_source, p_signature_status,
		CASE WHEN v_reason IS NULL THEN 'queued' ELSE 'ignored' END,
		p_selected_headers, p_content_type, p_raw_body,
		CASE WHEN v_reason IS NULL THEN NULL ELSE 200 END, v_body,
		p_received_at, p_received_at)
	ON CONFLICT (trigger_id, dedupe_key)
		WHERE dedupe_key IS NOT NULL AND status NOT IN ('rejected', 'failed')
	DO UPDATE SET attempt_count = d.attempt_count + 1, last_attempt_at = now()
	RETURNING d.id, d.autopilot_run_id INTO v_got, v_got_run;

	IF v_got <> v_id THEN
		http_status := 200;
		response_body := json_build_object('status', 'duplicate',
			'delivery_id', v_got, 'run_id', v_got_run)::text;
		delivery_id := v_got;
		outcome := 'duplicate';
		RETURN;
	END IF;

	IF v_reason IS NOT NULL THEN
		http_status := 200;
		response_body := v_body;
		delivery_id := v_id;
		outcome := 'ignored';
		RETURN;
	END IF;

	BEGIN
		SELECT x.outcome, x.body INTO outcome, v_body
		  FROM hookgate_dispatch(v_id, t.autopilot_id, t.id, 'webhook', p_trigger_payload,
					 p_offline_after_s, 200) x;
		http_status := 200;
		response_body := v_body;
	EXCEPTION WHEN OTHERS THEN
		v_body := json_build_object('error', 'failed to dispatch autopilot')::text;
		UPDATE webhook_delivery SET status = 'failed', error = SQLERRM,
			response_status = 500, response_body = v_body
		 WHERE id = v_id;
		http_status := 500;
		response_body := v_body;
		outcome := 'failed';
	END;
	delivery_id := v_id;
END;
$$;
