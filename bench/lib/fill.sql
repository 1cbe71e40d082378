-- fill.sql: adds :n deliveries (from number :off + 1 on) copied from the
-- template, and the runs of the dispatched ones, for the lists at scale. Rows
-- are dated in 2020, 10 ms apart, in number order; statuses are mixed so that
-- every list filter finds rows: deliveries 1% rejected, 1% ignored, 0.1%
-- failed, the rest dispatched; runs 2% failed, 0.5% skipped, 0.1% pending,
-- 0.1% running, the rest completed. Ids the way the build makes them.
-- Foreign keys are not checked (session_replication_role): the rows are
-- consistent by construction, and this is a bulk load.
SET session_replication_role = replica;
WITH g AS (
	SELECT i, :did_expr AS did, :rid_expr AS rid,
	       timestamptz '2020-01-01 00:00:00+00' + make_interval(secs => i * 0.01) AS at,
	       CASE WHEN i % 100 = 0 THEN 'rejected' WHEN i % 100 = 1 THEN 'ignored'
		    WHEN i % 1000 = 2 THEN 'failed' ELSE 'dispatched' END AS st,
	       CASE WHEN i % 50 = 3 THEN 'failed' WHEN i % 200 = 4 THEN 'skipped'
		    WHEN i % 1000 = 5 THEN 'pending' WHEN i % 1000 = 6 THEN 'running'
		    ELSE 'completed' END AS rst
	  FROM generate_series(:off + 1, :off + :n) i
), d AS (
	INSERT INTO webhook_delivery
	SELECT (jsonb_populate_record(NULL::webhook_delivery, to_jsonb(t) || jsonb_build_object(
		'id', g.did, 'status', g.st, 'dedupe_key', 'fill-' || g.i,
		'autopilot_run_id', CASE WHEN g.st = 'dispatched' THEN g.rid END,
		'received_at', g.at, 'last_attempt_at', g.at, 'created_at', g.at))).*
	  FROM bench.tmpl_delivery t, g
)
INSERT INTO autopilot_run
SELECT (jsonb_populate_record(NULL::autopilot_run, to_jsonb(t) || jsonb_build_object(
	'id', g.rid, 'webhook_delivery_id', g.did, 'status', g.rst, 'created_at', g.at,
	'completed_at', CASE WHEN g.rst IN ('completed', 'failed', 'skipped') THEN g.at END))).*
  FROM bench.tmpl_run t, g
 WHERE g.st = 'dispatched';
