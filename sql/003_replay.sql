-- 003: replaying a stored delivery (SPEC 4.4) as one function, so that the
-- new delivery, its run and the NOTIFY commit together in one round trip.
--
-- Scoped by the API key's workspace: a delivery of another workspace or of
-- another autopilot is "not found", exactly like an unknown id. Idempotency:
-- the unique index webhook_delivery_replay_idx decides (ON CONFLICT DO
-- NOTHING, then the row that won is returned), never a read-then-insert.

-- The value of the first field called p_name of an
-- application/x-www-form-urlencoded body, percent-decoded ('+' is a blank);
-- NULL when absent. Raises when the decoded bytes are not UTF-8.
CREATE FUNCTION hookgate_form_value(p_body text, p_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT convert_from(coalesce((
		SELECT string_agg(CASE WHEN m.tok[1] ~ '^(%[0-9A-Fa-f]{2})+$'
				       THEN decode(replace(m.tok[1], '%', ''), 'hex')
				       ELSE convert_to(m.tok[1], 'UTF8') END,
				  ''::bytea ORDER BY m.n)
		  FROM regexp_matches(replace(f.v, '+', ' '), '(?:%[0-9A-Fa-f]{2})+|[^%]+|%', 'g')
		       WITH ORDINALITY AS m(tok, n)), ''::bytea), 'UTF8')
	  FROM (SELECT substr(u.part, length(p_name) + 2) AS v
		  FROM unnest(string_to_array(p_body, '&')) WITH ORDINALITY AS u(part, n)
		 WHERE split_part(u.part, '=', 1) = p_name AND strpos(u.part, '=') > 0
		 ORDER BY u.n
		 LIMIT 1) f
$$;

-- The run's trigger_payload (SPEC 3.3) rebuilt from a stored delivery whose
-- own run is gone or never existed: {"event","eventPayload","request"}.
-- The event is the one stored at ingress; receivedAt is the original's.
-- Raises when the stored body is not JSON that PostgreSQL can hold.
CREATE FUNCTION hookgate_replay_payload(d webhook_delivery) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_text	text := convert_from(d.raw_body, 'UTF8');
	v_body	jsonb;
	v_req	jsonb;
BEGIN
	IF d.content_type = 'application/x-www-form-urlencoded' THEN
		v_text := hookgate_form_value(v_text, 'payload');
	END IF;
	IF left(v_text, 1) = chr(65279) THEN
		v_text := substr(v_text, 2);	-- a leading byte-order mark
	END IF;
	v_body := v_text::jsonb;
	IF v_body IS NULL OR jsonb_typeof(v_body) NOT IN ('object', 'array') THEN
		RAISE EXCEPTION 'stored body is not a JSON object or array';
	END IF;
	v_req := jsonb_build_object('receivedAt',
		to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
	IF d.content_type IS NOT NULL AND d.content_type <> '' THEN
		v_req := v_req || jsonb_build_object('contentType', d.content_type);
	END IF;
	RETURN jsonb_build_object(
		'event', d.event,
		'eventPayload', CASE
			WHEN jsonb_typeof(v_body) = 'object'
			     AND jsonb_typeof(v_body -> 'event') = 'string'
			     AND v_body ->> 'event' <> ''
			     AND v_body ? 'eventPayload'
			THEN v_body -> 'eventPayload'
			ELSE v_body END,
		'request', v_req);
END;
$$;

-- http_status: 201 a new replay; 200 the earlier replay with this
-- idempotency key; 404 and 400 with error set. delivery_id and run_id are
-- the replay's (new or earlier).
CREATE FUNCTION hookgate_replay(
	p_workspace_id		uuid,
	p_autopilot_id		uuid,
	p_delivery_id		uuid,
	p_idempotency_key	text,
	p_offline_after_s	integer,
	OUT http_status		integer,
	OUT error		text,
	OUT delivery_id		uuid,
	OUT run_id		uuid)
LANGUAGE plpgsql AS $$
DECLARE
	a		record;
	d		webhook_delivery;
	v_id		uuid := gen_random_uuid();
	v_payload	jsonb;
	v_enabled	boolean;
BEGIN
	SELECT ap.id, ap.status INTO a
	  FROM autopilot ap
	 WHERE ap.id = p_autopilot_id AND ap.workspace_id = p_workspace_id;
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
	END IF;

	-- the original's payload when its run still exists, else rebuilt from the body
	SELECT r.trigger_payload INTO v_payload FROM autopilot_run r WHERE r.id = d.autopilot_run_id;
	IF v_payload IS NULL THEN
		BEGIN
			v_payload := hookgate_replay_payload(d);
		EXCEPTION WHEN OTHERS THEN
			error := 'the stored body cannot be turned into a run payload';
			RETURN;
		END;
	END IF;

	INSERT INTO webhook_delivery AS wd (id, workspace_id, autopilot_id, trigger_id,
		provider, event, signature_status, status, selected_headers, content_type,
		raw_body, replayed_from_delivery_id, replay_idempotency_key)
	VALUES (v_id, d.workspace_id, d.autopilot_id, d.trigger_id, d.provider, d.event,
		'not_required', 'dispatched', d.selected_headers, d.content_type,
		d.raw_body, d.id, p_idempotency_key)
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
	  FROM hookgate_dispatch(v_id, d.autopilot_id, d.trigger_id, 'replay', v_payload,
				 p_offline_after_s, 201) x;
	http_status := 201;
	error := NULL;
	delivery_id := v_id;
END;
$$;
