-- setup.sql: bench/run's own objects, in schema bench, beside hookgate's: the
-- templates copied from one real accepted webhook, R_commit's table, and a
-- time-ordered uuid for builds whose ids are time-ordered.
CREATE SCHEMA bench;
-- R_commit writes one row of this per transaction
CREATE TABLE bench.one_row (n integer NOT NULL);
-- UUID version 7: 48 bits of Unix milliseconds, then random bits; the version
-- nibble 0100 of a random uuid becomes 0111 by setting its bits 52 and 53
CREATE FUNCTION bench.uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
	SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
		PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
		FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;
-- How the build makes the ids of table tbl, judged by the template row's id:
-- version 7 -> bench.uuid7(), else the column's default (gen_random_uuid()).
CREATE FUNCTION bench.id_expr(tbl regclass, sample uuid) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN substr(sample::text, 15, 1) = '7' THEN 'bench.uuid7()'
		ELSE coalesce((SELECT pg_get_expr(d.adbin, d.adrelid)
				 FROM pg_attrdef d
				 JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
				WHERE d.adrelid = tbl AND a.attname = 'id'), 'gen_random_uuid()') END
$$;
-- The template: the delivery of one accepted webhook (:'delivery') and its run.
CREATE TABLE bench.tmpl_delivery AS SELECT * FROM webhook_delivery WHERE id = :'delivery';
CREATE TABLE bench.tmpl_run AS SELECT * FROM autopilot_run WHERE webhook_delivery_id = :'delivery';
SELECT bench.id_expr('webhook_delivery', (SELECT id FROM bench.tmpl_delivery)) AS did_expr,
       bench.id_expr('autopilot_run', (SELECT id FROM bench.tmpl_run)) AS rid_expr \gset
