-- ingest.sql: prints the pgbench variables (-D NAME=VALUE, one a line) of
-- R_ingest and R_path: the values the ingress sends for the template's
-- accepted webhook, as text parameters, so that PostgreSQL reads the
-- jsonb and bytea of each transaction as it reads the ingress's (a literal
-- of a prepared statement would be read once, at its planning).
SELECT 'trig=' || d.trigger_id FROM bench.tmpl_delivery d
UNION ALL SELECT 'event=' || d.event FROM bench.tmpl_delivery d
UNION ALL SELECT 'dsrc=' || coalesce(d.dedupe_source, '') FROM bench.tmpl_delivery d
UNION ALL SELECT 'hdrs=' || d.selected_headers::text FROM bench.tmpl_delivery d
UNION ALL SELECT 'ctype=' || coalesce(d.content_type, '') FROM bench.tmpl_delivery d
UNION ALL SELECT 'body=\x' || encode(d.raw_body, 'hex') FROM bench.tmpl_delivery d
UNION ALL SELECT 'payload=' || r.trigger_payload::text FROM bench.tmpl_run r
UNION ALL SELECT 'ap=' || d.autopilot_id FROM bench.tmpl_delivery d
UNION ALL SELECT 'ws=' || d.workspace_id FROM bench.tmpl_delivery d
UNION ALL SELECT 'prov=' || d.provider FROM bench.tmpl_delivery d
UNION ALL SELECT 'resp=' || d.response_body FROM bench.tmpl_delivery d
UNION ALL SELECT 'tokhash=' || t.webhook_token_hash
	FROM bench.tmpl_delivery d JOIN autopilot_trigger t ON t.id = d.trigger_id;
