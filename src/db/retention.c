/* retention: hookgatectl prune's statements: old deliveries with their finished runs deleted, old bodies emptied, in batches (SPEC 12). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/model.h"
#include "db/retention.h"

const char *const retention_kinds[RETENTION_KINDS] = { "bodies", "deliveries", "runs" };

/* Below every id: where a walk by (received_at, id) starts. */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/*
 * Delivery d is free to prune: its run is not pending or running. A
 * delivery's run is the one its autopilot_run_id names: the ingress and
 * the replays write the run's webhook_delivery_id and the delivery's
 * autopilot_run_id together, in one statement (sql/006, 008), and each
 * link goes only with its row.
 */
#define PRUNE_FREE(d) \
	"NOT EXISTS (SELECT 1 FROM autopilot_run pr WHERE pr.id = " d ".autopilot_run_id" \
	"            AND pr.status IN ('pending', 'running'))"

/*
 * The runs of the deliveries of batch, and the rows of batch itself, as
 * arrays: each row is then found by one probe of the primary key, or by
 * its place (ctid, which the batch's lock keeps), never by a join that
 * may read a whole table.
 */
#define PRUNE_RUNS_OF(batch) \
	"ARRAY(SELECT s.autopilot_run_id FROM " batch " s WHERE s.autopilot_run_id IS NOT NULL)"
#define PRUNE_ROWS_OF(batch) "ARRAY(SELECT s.tid FROM " batch " s)"
#define PRUNE_FINISHED(r) r ".status IN ('completed', 'failed', 'skipped')"

/*
 * The batches: a walk by (received_at, id) after ($after_ts, $after_id),
 * $size rows at most, locked (the prune; rows another transaction holds
 * are left for the next one) or not (the dry run). A dry run and a prune
 * take the same rows by the same conditions.
 */
#define PRUNE_LOCKED	" FOR UPDATE OF d SKIP LOCKED"
#define PRUNE_READ	""
#define PRUNE_WALK(after_ts, after_id, size, lock) \
	" AND (d.received_at, d.id) > (" after_ts "::timestamptz, " after_id "::uuid)" \
	" ORDER BY d.received_at, d.id LIMIT " size "::integer" lock

/* Deliveries received before $1 (the delete cut), free, after ($2, $3), $4 of them. */
#define PRUNE_DELETE_BATCH(lock) \
	"batch AS (SELECT d.id, d.autopilot_run_id, d.received_at, d.ctid AS tid" \
	"            FROM webhook_delivery d" \
	"           WHERE d.received_at < $1::timestamptz AND " PRUNE_FREE("d") \
	PRUNE_WALK("$2", "$3", "$4", lock) ")"

/*
 * Bodies to empty: received before $1 (the body cut) but not before $2
 * (the delete cut: older ones are deleted instead), not emptied yet, free,
 * after ($3, $4), $5 of them.
 */
#define PRUNE_BODY_BATCH(lock) \
	"batch AS (SELECT d.id, d.received_at, d.ctid AS tid FROM webhook_delivery d" \
	"           WHERE d.received_at < $1::timestamptz AND d.received_at >= $2::timestamptz" \
	"             AND d.body_pruned_at IS NULL AND " PRUNE_FREE("d") \
	PRUNE_WALK("$3", "$4", "$5", lock) ")"

/* The last row of batch, where the next batch starts: its received_at and id. */
#define PRUNE_LAST \
	"last AS (SELECT b.received_at, b.id FROM batch b" \
	"          ORDER BY b.received_at DESC, b.id DESC LIMIT 1)"

/*
 * What each batch's statement returns, in one row: the rows it took, the
 * rows it changed (or would), the runs it deleted (or would), and its
 * last row. Data-modifying parts of a WITH always run to their end, read
 * or not: the prune_total update among them.
 */
#define PRUNE_RESULT(changed, runs) \
	" SELECT (SELECT count(*) FROM batch), " changed ", " runs "," \
	"        (SELECT to_json(l.received_at)#>>'{}' FROM last l), (SELECT l.id FROM last l)"

/* The times of the limits, once per prune: $1 and $2 days (0: NULL, kept). */
static struct statement st_cuts = { "retention_cuts",
	"SELECT CASE WHEN $1::integer > 0"
	"            THEN to_json(now() - make_interval(days => $1::integer))#>>'{}' END,"
	"       CASE WHEN $2::integer > 0"
	"            THEN to_json(now() - make_interval(days => $2::integer))#>>'{}' END",
	2, 0, true };

/* One batch of deletions: the deliveries with their finished runs, counted in prune_total. */
static struct statement st_delete = { "retention_delete",
	"WITH " PRUNE_DELETE_BATCH(PRUNE_LOCKED) ","
	" runs AS (DELETE FROM autopilot_run r WHERE r.id = ANY (" PRUNE_RUNS_OF("batch") ")"
	"             AND " PRUNE_FINISHED("r") " RETURNING r.id),"
	" gone AS (DELETE FROM webhook_delivery d WHERE d.ctid = ANY (" PRUNE_ROWS_OF("batch") ")"
	"           RETURNING d.id),"
	" " PRUNE_LAST ","
	" counted AS ("
	"  UPDATE prune_total t SET total = t.total + c.n, updated_at = now()"
	"    FROM (SELECT 'deliveries' AS kind, count(*) AS n FROM gone"
	"          UNION ALL SELECT 'runs', count(*) FROM runs) c"
	"   WHERE t.kind = c.kind AND c.n > 0 RETURNING t.kind)"
	PRUNE_RESULT("(SELECT count(*) FROM gone)", "(SELECT count(*) FROM runs)"),
	4, 0, false };

/* The same batch, only counted. */
static struct statement st_delete_dry = { "retention_delete_dry",
	"WITH " PRUNE_DELETE_BATCH(PRUNE_READ) ", " PRUNE_LAST
	PRUNE_RESULT("(SELECT count(*) FROM batch)",
		     "(SELECT count(*) FROM autopilot_run r"
		     "  WHERE r.id = ANY (" PRUNE_RUNS_OF("batch") ") AND " PRUNE_FINISHED("r") ")"),
	4, 0, true };

/* One batch of bodies emptied, counted in prune_total. */
static struct statement st_bodies = { "retention_bodies",
	"WITH " PRUNE_BODY_BATCH(PRUNE_LOCKED) ","
	" emptied AS ("
	"  UPDATE webhook_delivery d SET raw_body = NULL, body_pruned_at = now()"
	"   WHERE d.ctid = ANY (" PRUNE_ROWS_OF("batch") ") RETURNING d.id),"
	" " PRUNE_LAST ","
	" counted AS ("
	"  UPDATE prune_total t SET total = t.total + (SELECT count(*) FROM emptied),"
	"         updated_at = now()"
	"   WHERE t.kind = 'bodies' AND EXISTS (SELECT 1 FROM emptied) RETURNING t.kind)"
	PRUNE_RESULT("(SELECT count(*) FROM emptied)", "0"),
	5, 0, false };

/* The same batch, only counted. */
static struct statement st_bodies_dry = { "retention_bodies_dry",
	"WITH " PRUNE_BODY_BATCH(PRUNE_READ) ", " PRUNE_LAST
	PRUNE_RESULT("(SELECT count(*) FROM batch)", "0"),
	5, 0, true };

/* One batch of bulk replays' idempotency records made before $1, after ($2, $3), $4 at most. */
static struct statement st_bulk = { "retention_bulk",
	"WITH batch AS ("
	"  SELECT x.id, x.created_at AS received_at FROM bulk_replay x"
	"   WHERE x.created_at < $1::timestamptz"
	"     AND (x.created_at, x.id) > ($2::timestamptz, $3::uuid)"
	"   ORDER BY x.created_at, x.id LIMIT $4::integer FOR UPDATE SKIP LOCKED),"
	" gone AS (DELETE FROM bulk_replay x USING batch b WHERE x.id = b.id RETURNING x.id),"
	" " PRUNE_LAST
	PRUNE_RESULT("(SELECT count(*) FROM gone)", "0"),
	4, 0, false };

static struct statement st_totals = { "retention_totals",
	"SELECT kind, total FROM prune_total ORDER BY kind", 0, 0, true };

/* The delete and body cuts of l into del and body (64 bytes each; "" when kept forever). */
static enum store_rc cuts(const struct retention_limits *l, char *del, char *body)
{
	char d[24], b[24];
	const char *values[2] = { d, b };
	PGresult *res = NULL;
	enum store_rc rc;

	snprintf(d, sizeof(d), "%ld", l->delete_days);
	snprintf(b, sizeof(b), "%ld", l->body_days);
	rc = store_exec(&st_cuts, values, &res);
	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_ERROR;
	if (rc == STORE_OK) {
		snprintf(del, 64, "%s", PQgetvalue(res, 0, 0));
		snprintf(body, 64, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The walk of one phase: the statement, its leading parameters, where it is. */
struct walk {
	struct statement *st;
	const char *phase;
	const char *values[5];
	int fixed;			/* parameters before after_ts, after_id, the batch size */
	char after_ts[64];
	char after_id[STORE_ID_LEN];
};

/*
 * Run w's batches until one takes fewer than a full batch; add what each
 * deleted to *rows and *runs.
 */
static enum store_rc walk(struct walk *w, retention_batch_fn on_batch, void *ctx,
			  long long *rows, long long *runs)
{
	char size[16];
	int number = 0;

	snprintf(size, sizeof(size), "%d", RETENTION_BATCH_ROWS);
	w->values[w->fixed] = w->after_ts;
	w->values[w->fixed + 1] = w->after_id;
	w->values[w->fixed + 2] = size;
	for (;;) {
		struct retention_batch b = { .phase = w->phase, .number = ++number };
		struct timespec t0;
		PGresult *res = NULL;
		enum store_rc rc;
		long taken;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = store_exec(w->st, w->values, &res);
		b.seconds = seconds_since(&t0);
		if (rc == STORE_OK && PQntuples(res) != 1)
			rc = STORE_ERROR;
		if (rc != STORE_OK) {
			PQclear(res);
			return rc;
		}
		taken = atol(PQgetvalue(res, 0, 0));
		b.rows = atol(PQgetvalue(res, 0, 1));
		b.runs = atol(PQgetvalue(res, 0, 2));
		if (taken > 0) {
			snprintf(w->after_ts, sizeof(w->after_ts), "%s", PQgetvalue(res, 0, 3));
			snprintf(w->after_id, sizeof(w->after_id), "%s", PQgetvalue(res, 0, 4));
		}
		PQclear(res);
		*rows += b.rows;
		*runs += b.runs;
		if (on_batch && taken > 0)
			on_batch(ctx, &b);
		if (taken < RETENTION_BATCH_ROWS)
			return STORE_OK;
	}
}

enum store_rc retention_prune(const struct retention_limits *l, bool dry_run,
			      retention_batch_fn on_batch, void *ctx, struct retention_counts *out)
{
	char del[64], body[64];
	long long none = 0;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	rc = cuts(l, del, body);
	if (rc != STORE_OK)
		return rc;
	if (del[0]) {
		struct walk w = { .st = dry_run ? &st_delete_dry : &st_delete, .phase = "deliveries",
				  .fixed = 1, .values = { del }, .after_ts = "-infinity",
				  .after_id = NIL_UUID };

		rc = walk(&w, on_batch, ctx, &out->deliveries, &out->runs);
		if (rc != STORE_OK)
			return rc;
	}
	if (body[0]) {
		/* the bodies of the deliveries not deleted: from the delete cut on */
		struct walk w = { .st = dry_run ? &st_bodies_dry : &st_bodies, .phase = "bodies",
				  .fixed = 2, .values = { body, del[0] ? del : "-infinity" },
				  .after_id = NIL_UUID };

		snprintf(w.after_ts, sizeof(w.after_ts), "%s", w.values[1]);
		rc = walk(&w, on_batch, ctx, &out->bodies, &none);
		if (rc != STORE_OK)
			return rc;
	}
	if (del[0] && !dry_run) {
		struct walk w = { .st = &st_bulk, .phase = "bulk replays", .fixed = 1,
				  .values = { del }, .after_ts = "-infinity", .after_id = NIL_UUID };
		long long forgotten = 0;

		rc = walk(&w, on_batch, ctx, &forgotten, &none);
	}
	return rc;
}

struct json_object *retention_summary_json(const struct retention_counts *c, bool dry_run)
{
	struct json_object *o = json_object_new_object();

	if (!o || !model_add(o, "deliveries_deleted", json_object_new_int64(c->deliveries)) ||
	    !model_add(o, "runs_deleted", json_object_new_int64(c->runs)) ||
	    !model_add(o, "bodies_pruned", json_object_new_int64(c->bodies)) ||
	    !model_add(o, "dry_run", json_object_new_boolean(dry_run))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum store_rc retention_totals(long long totals[RETENTION_KINDS])
{
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_totals, NULL, &res);

	for (int k = 0; k < RETENTION_KINDS; k++)
		totals[k] = 0;
	for (int i = 0; rc == STORE_OK && i < PQntuples(res); i++)
		for (int k = 0; k < RETENTION_KINDS; k++)
			if (strcmp(PQgetvalue(res, i, 0), retention_kinds[k]) == 0)
				totals[k] = atoll(PQgetvalue(res, i, 1));
	PQclear(res);
	return rc;
}
