-- rows.sql: prints R_rows' pgbench script: the rows one accepted webhook writes
-- (its delivery, dispatched, and its run, as the templates in schema bench show
-- them), in one INSERT ... CTE, with no NOTIFY and no write to a shared row.
-- Every column the template has a value for is written: ids the way the build
-- makes them (:did_expr, :rid_expr from setup.sql), timestamps now(), a new
-- dedupe key; the rest as the template's literal values.
WITH cols AS (
	SELECT 'd' AS t, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS typ, e.value
	  FROM bench.tmpl_delivery x, jsonb_each_text(to_jsonb(x)) e
	  JOIN pg_attribute a ON a.attrelid = 'webhook_delivery'::regclass AND a.attname = e.key
	 WHERE e.value IS NOT NULL AND NOT a.attisdropped AND a.attgenerated = ''
	UNION ALL
	SELECT 'r', a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), e.value
	  FROM bench.tmpl_run x, jsonb_each_text(to_jsonb(x)) e
	  JOIN pg_attribute a ON a.attrelid = 'autopilot_run'::regclass AND a.attname = e.key
	 WHERE e.value IS NOT NULL AND NOT a.attisdropped AND a.attgenerated = ''
), vals AS (
	SELECT t, attnum, quote_ident(attname) AS col, CASE
		WHEN attname = 'id' AND t = 'd' THEN 'ids.did'
		WHEN attname = 'id' THEN 'ids.rid'
		WHEN attname = 'autopilot_run_id' AND t = 'd' THEN 'ids.rid'
		WHEN attname = 'webhook_delivery_id' AND t = 'r' THEN 'ids.did'
		WHEN attname = 'dedupe_key' THEN 'gen_random_uuid()::text'
		WHEN typ = 'timestamp with time zone' THEN 'now()'
		ELSE quote_literal(value) || '::' || typ END AS val
	  FROM cols
)
SELECT format('WITH ids AS (SELECT %s AS did, %s AS rid), '
	'd AS (INSERT INTO webhook_delivery (%s) SELECT %s FROM ids) '
	'INSERT INTO autopilot_run (%s) SELECT %s FROM ids;',
	:'did_expr', :'rid_expr',
	(SELECT string_agg(col, ', ' ORDER BY attnum) FROM vals WHERE t = 'd'),
	(SELECT string_agg(val, ', ' ORDER BY attnum) FROM vals WHERE t = 'd'),
	(SELECT string_agg(col, ', ' ORDER BY attnum) FROM vals WHERE t = 'r'),
	(SELECT string_agg(val, ', ' ORDER BY attnum) FROM vals WHERE t = 'r'));
