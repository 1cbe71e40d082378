-- 002: the ingress transaction (SPEC 3.1 step 9) as one function, so that an
-- accepted webhook costs one round trip after the token lookup.
--
-- The caller has already checked the token, the body and the signature.
-- Order inside: the delivery row first; rejected rows never collapse onto
-- another; the partial unique index decides duplicates (ON CONFLICT, never
-- read-then-insert); dispatch runs inside a sub-transaction (a savepoint)
-- so that its failure still commits the delivery as 'failed'.

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
	v_run		uuid := gen_random_uuid();
	v_got		uuid;
	v_got_run	uuid;
	v_reason	text;
	v_status	text;
	v_body		text;
BEGIN
	SELECT tr.id, tr.enabled, tr.provider, tr.autopilot_id, a.workspace_id,
	       a.status AS autopilot_status, a.runtime_id,
	       (a.runtime_id IS NULL OR rt.last_seen_at >
		now() - make_interval(secs => p_offline_after_s)) AS runtime_online
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
		IF t.runtime_online THEN
			v_status := 'pending';
			v_body := json_build_object('status', 'accepted', 'delivery_id', v_id,
				'run_id', v_run, 'autopilot_id', t.autopilot_id,
				'trigger_id', t.id)::text;
			outcome := 'accepted';
		ELSE
			v_status := 'skipped';
			v_body := json_build_object('status', 'skipped', 'delivery_id', v_id,
				'run_id', v_run,
				'reason', 'agent runtime is offline at dispatch time')::text;
			outcome := 'skipped';
		END IF;
		INSERT INTO autopilot_run (id, autopilot_id, trigger_id, webhook_delivery_id,
			source, status, trigger_payload, failure_reason, completed_at)
		VALUES (v_run, t.autopilot_id, t.id, v_id, 'webhook', v_status,
			p_trigger_payload,
			CASE WHEN v_status = 'skipped'
			     THEN 'agent runtime is offline at dispatch time' END,
			CASE WHEN v_status = 'skipped' THEN now() END);
		UPDATE autopilot_trigger SET last_fired_at = now() WHERE id = t.id;
		UPDATE autopilot SET last_run_at = now() WHERE id = t.autopilot_id;
		UPDATE webhook_delivery SET status = 'dispatched', autopilot_run_id = v_run,
			response_status = 200, response_body = v_body
		 WHERE id = v_id;
		IF v_status = 'pending' THEN
			PERFORM pg_notify('hookgate_run', v_run::text);
		END IF;
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
