/* retention: pruning old deliveries, their finished runs and old bodies, in short batches, and its counters (SPEC 12). */
#ifndef HG_DB_RETENTION_H
#define HG_DB_RETENTION_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>

#include "db/store.h"

/* Rows changed by one batch, each batch one short transaction. */
#define RETENTION_BATCH_ROWS 1000

/* How old is too old, in days; 0: kept forever (retention_days, body_retention_days). */
struct retention_limits {
	long delete_days;		/* deliveries and their finished runs */
	long body_days;			/* raw bodies */
};

/* What a prune removed, or would remove (the JSON summary's counts). */
struct retention_counts {
	long long deliveries;
	long long runs;
	long long bodies;
};

/* One batch as it committed, for a log line. */
struct retention_batch {
	const char *phase;		/* "deliveries", "bodies" or "bulk replays" */
	int number;			/* from 1, within its phase */
	long rows;			/* deliveries deleted, bodies emptied, bulk replays forgotten */
	long runs;			/* runs deleted with the deliveries */
	double seconds;			/* the transaction's time, locks held included */
};

typedef void (*retention_batch_fn)(void *ctx, const struct retention_batch *b);

/*
 * Prune (SPEC 12): delete the deliveries received more than delete_days
 * ago with their completed, failed and skipped runs, then empty the raw
 * body of those received more than body_days ago (raw_body NULL,
 * body_pruned_at now), then forget the bulk replays' idempotency records
 * past delete_days. A delivery whose run is pending or running is left
 * whole. Each batch of at most RETENTION_BATCH_ROWS rows is one statement,
 * so one short transaction, which adds its counts to prune_total (the
 * metric hookgate_pruned_total); rows another transaction holds are left
 * for the next prune. The limits are turned into times once, at the
 * start. dry_run: the same batches by the same conditions, counted, and
 * nothing changed. on_batch (may be NULL) hears of every batch. *out
 * counts what committed, also when a later batch failed.
 */
enum store_rc retention_prune(const struct retention_limits *l, bool dry_run,
			      retention_batch_fn on_batch, void *ctx, struct retention_counts *out)
	HG_MUSTCHECK;

/*
 * The summary that hookgatectl prune prints (SPEC 9):
 * {"deliveries_deleted","runs_deleted","bodies_pruned","dry_run"}. A new
 * object; NULL when out of memory.
 */
struct json_object *retention_summary_json(const struct retention_counts *c, bool dry_run);

/* The kinds of prune_total, in the order of retention_totals' values. */
#define RETENTION_KINDS 3
extern const char *const retention_kinds[RETENTION_KINDS];

/* Everything pruned since the database was made, by kind (hookgate_pruned_total). */
enum store_rc retention_totals(long long totals[RETENTION_KINDS]) HG_MUSTCHECK;

#endif
