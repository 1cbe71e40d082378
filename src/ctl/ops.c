/* ctl_ops: hookgatectl's deliveries and runs (list, show, replay); its SQL at the top. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/model.h"
#include "lib/util.h"

/* ---- SQL: every statement of these commands, always with parameters ---- */

enum query {
	Q_DELIVERY_CURSOR,
	Q_DELIVERY_LIST,
	Q_DELIVERY_SHOW,
	Q_DELIVERY_SCOPE,
	Q_DELIVERY_REPLAY,
	Q_RUN_SHOW,
	Q_RUN_CURSOR,
	Q_RUN_LIST,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	/* --before: no row: no such autopilot; a NULL id: the delivery is not the autopilot's */
	[Q_DELIVERY_CURSOR] =
		"SELECT d.id FROM autopilot a"
		"  LEFT JOIN webhook_delivery d ON d.autopilot_id = a.id AND d.id = $2::uuid"
		" WHERE a.id = $1::uuid",
	/*
	 * Newest first, optionally of one status ($2), older than delivery $3
	 * (checked beforehand to be the autopilot's). One row per delivery;
	 * one row of NULLs when there is none; no row when there is no such
	 * autopilot. $4 is the page size.
	 */
	[Q_DELIVERY_LIST] =
		"SELECT d.* FROM autopilot a"
		"  LEFT JOIN LATERAL (SELECT " MODEL_DELIVERY_COLUMNS
		"                       FROM webhook_delivery d"
		"                      WHERE d.autopilot_id = a.id"
		"                        AND ($2::text IS NULL OR d.status = $2::text)"
		"                        AND ($3::uuid IS NULL OR (d.created_at, d.id) <"
		"                             (SELECT b.created_at, b.id FROM webhook_delivery b"
		"                               WHERE b.id = $3::uuid))"
		"                      ORDER BY d.created_at DESC, d.id DESC"
		"                      LIMIT $4::integer) d ON true"
		" WHERE a.id = $1::uuid"
		" ORDER BY d.created_at DESC, d.id DESC",
	[Q_DELIVERY_SHOW] =
		"SELECT " MODEL_DELIVERY_DETAIL_COLUMNS " FROM webhook_delivery d WHERE d.id = $1::uuid",
	/* the replay is scoped by workspace and autopilot: the operator has no key, so the delivery's own */
	[Q_DELIVERY_SCOPE] =
		"SELECT d.workspace_id, d.autopilot_id FROM webhook_delivery d WHERE d.id = $1::uuid",
	/* sql/003_replay.sql: the new delivery, its run and the NOTIFY in one transaction */
	[Q_DELIVERY_REPLAY] =
		"SELECT http_status, error, delivery_id, run_id"
		"  FROM hookgate_replay($1::uuid, $2::uuid, $3::uuid, $4, $5::integer)",

	/* the run as the API's detail and replay show it: with trigger_payload */
	[Q_RUN_SHOW] =
		"SELECT " MODEL_RUN_COLUMNS ", r.trigger_payload FROM autopilot_run r WHERE r.id = $1::uuid",
	[Q_RUN_CURSOR] =
		"SELECT r.id FROM autopilot a"
		"  LEFT JOIN autopilot_run r ON r.autopilot_id = a.id AND r.id = $2::uuid"
		" WHERE a.id = $1::uuid",
	/* as Q_DELIVERY_LIST; no trigger_payload in a list, as in the API's */
	[Q_RUN_LIST] =
		"SELECT r.* FROM autopilot a"
		"  LEFT JOIN LATERAL (SELECT " MODEL_RUN_COLUMNS
		"                       FROM autopilot_run r"
		"                      WHERE r.autopilot_id = a.id"
		"                        AND ($2::text IS NULL OR r.status = $2::text)"
		"                        AND ($3::uuid IS NULL OR (r.created_at, r.id) <"
		"                             (SELECT b.created_at, b.id FROM autopilot_run b"
		"                               WHERE b.id = $3::uuid))"
		"                      ORDER BY r.created_at DESC, r.id DESC"
		"                      LIMIT $4::integer) r ON true"
		" WHERE a.id = $1::uuid"
		" ORDER BY r.created_at DESC, r.id DESC",
};

#define LIST_DEFAULT_LIMIT	20
#define LIST_MAX_LIMIT		1000
#define IDEMPOTENCY_KEY_MAX	255	/* bytes, as the API's Idempotency-Key */

static const char *const run_statuses[] = {
	"pending", "running", "completed", "failed", "skipped", NULL
};

/* Run query q with n text parameters. The result is the caller's to PQclear, also on failure. */
static PGresult *query(struct ctl *c, enum query q, int n, const char *const *params)
{
	return PQexecParams(c->conn, queries[q], n, NULL, params, NULL, NULL, 0);
}

/* ---- JSON of rows ---- */

/* The API's delivery detail of row (model_delivery_json). */
static struct json_object *delivery_json(struct ctl *c, const PGresult *res, int row)
{
	(void)c;
	return model_delivery_json(res, row);
}

/*
 * Print the rows of res as one JSON array. res comes from a list scoped by
 * its owner: no row means the owner (<thing> '<id>') does not exist, and a
 * single row whose first column is NULL means an empty list. Clears res.
 */
static enum ctl_rc print_list(struct ctl *c, PGresult *res, ctl_row_json_fn to_json,
			      const char *what, const char *thing, const char *id)
{
	struct json_object *arr = NULL;
	enum ctl_rc rc = CTL_FAIL;
	int n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_db_error(c, res, "%s", what);
		goto out;
	}
	if (PQntuples(res) == 0) {
		ctl_error("%s '%s' not found", thing, id);
		goto out;
	}
	arr = json_object_new_array();
	if (!arr) {
		ctl_error("out of memory");
		goto out;
	}
	n = PQgetisnull(res, 0, 0) ? 0 : PQntuples(res);
	for (int i = 0; i < n; i++) {
		struct json_object *row = to_json(c, res, i);

		if (!row || json_object_array_add(arr, row) != 0) {
			json_object_put(row);
			json_object_put(arr);
			ctl_error("out of memory");
			goto out;
		}
	}
	if (ctl_print(arr))
		rc = CTL_OK;
out:
	PQclear(res);
	return rc;
}

/* ---- checks of arguments, before any query ---- */

/* --limit: a whole number from 1 to LIST_MAX_LIMIT, as text into buf; default when absent. */
static HG_MUSTCHECK bool limit_parse(const char *s, char *buf, size_t len)
{
	long n = LIST_DEFAULT_LIMIT;
	char *end = NULL;

	if (s) {
		errno = 0;
		if (isdigit((unsigned char)s[0]))
			n = strtol(s, &end, 10);
		if (!end || errno != 0 || *end != '\0' || n < 1 || n > LIST_MAX_LIMIT) {
			ctl_error("invalid --limit '%s' (a whole number from 1 to %d)", s,
				  LIST_MAX_LIMIT);
			return false;
		}
	}
	snprintf(buf, len, "%ld", n);
	return true;
}

/* --status: NULL (all) or one of allowed, else says which are. */
static HG_MUSTCHECK bool status_check(const char *status, const char *const *allowed)
{
	char list[128] = "";
	size_t used = 0;

	if (!status)
		return true;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(status, allowed[i]) == 0)
			return true;
	for (size_t i = 0; allowed[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	ctl_error("invalid --status '%s' (expected %s)", status, list);
	return false;
}

/*
 * --idempotency-key, trimmed into key (IDEMPOTENCY_KEY_MAX + 1 bytes), as
 * the API trims its header: not empty, at most IDEMPOTENCY_KEY_MAX bytes of UTF-8.
 */
static HG_MUSTCHECK bool idempotency_key_parse(const char *s, char *key)
{
	size_t len = strlen(s), start = 0;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (start < len && isspace((unsigned char)s[start]))
		start++;
	len -= start;
	if (len == 0) {
		ctl_error("--idempotency-key must not be empty");
		return false;
	}
	if (len > IDEMPOTENCY_KEY_MAX) {
		ctl_error("--idempotency-key must be at most %d bytes", IDEMPOTENCY_KEY_MAX);
		return false;
	}
	if (!utf8_valid((const unsigned char *)s + start, len)) {
		ctl_error("--idempotency-key must be UTF-8 text");
		return false;
	}
	memcpy(key, s + start, len);
	key[len] = '\0';
	return true;
}

/*
 * --before ID of a list: the autopilot must exist and the delivery or run
 * (q: Q_DELIVERY_CURSOR or Q_RUN_CURSOR) be its. False after saying why.
 */
static HG_MUSTCHECK bool cursor_check(struct ctl *c, enum query q, const char *autopilot,
				 const char *before, const char *thing)
{
	const char *params[] = { autopilot, before };
	PGresult *res = query(c, q, 2, params);
	bool ok = false;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		ctl_db_error(c, res, "cannot look up %s '%s'", thing, before);
	else if (PQntuples(res) == 0)
		ctl_error("autopilot '%s' not found", autopilot);
	else if (PQgetisnull(res, 0, 0))
		ctl_error("%s '%s' not found in autopilot '%s'", thing, before, autopilot);
	else
		ok = true;
	PQclear(res);
	return ok;
}

/*
 * delivery list and run list: the things (deliveries or runs) of
 * --autopilot, newest first, optionally of one --status of statuses, at
 * most --limit, older than --before (a thing of that autopilot, checked
 * with cursor_q), listed with list_q.
 */
static enum ctl_rc autopilot_list(struct ctl *c, int argc, char **argv, const char *thing,
				  const char *const *statuses, enum query cursor_q,
				  enum query list_q, const char *what)
{
	const char *autopilot = NULL, *status = NULL, *limit = NULL, *before = NULL;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &autopilot, NULL },
		{ "status", CTL_OPTIONAL, &status, NULL },
		{ "limit", CTL_OPTIONAL, &limit, NULL },
		{ "before", CTL_OPTIONAL, &before, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char limit_txt[16];
	const char *params[4];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!ctl_id_valid("autopilot", autopilot) || !status_check(status, statuses) ||
	    !limit_parse(limit, limit_txt, sizeof(limit_txt)) ||
	    (before && !ctl_id_valid(thing, before)))
		return CTL_FAIL;
	if (!ctl_connect(c) || (before && !cursor_check(c, cursor_q, autopilot, before, thing)))
		return CTL_FAIL;
	params[0] = autopilot;
	params[1] = status;
	params[2] = before;
	params[3] = limit_txt;
	return print_list(c, query(c, list_q, 4, params), ctl_row_json, what, "autopilot",
			  autopilot);
}

/* ---- delivery ---- */

enum ctl_rc ctl_delivery_list(struct ctl *c, int argc, char **argv)
{
	return autopilot_list(c, argc, argv, "delivery", model_delivery_statuses,
			      Q_DELIVERY_CURSOR, Q_DELIVERY_LIST, "cannot list deliveries");
}

enum ctl_rc ctl_delivery_show(struct ctl *c, int argc, char **argv)
{
	return ctl_id_command(c, argc, argv, "DELIVERY_ID", "delivery", queries[Q_DELIVERY_SHOW],
			      delivery_json, "cannot read delivery");
}

/*
 * {"delivery": the detail of delivery id, "run": its run with
 * trigger_payload, or null}, as the API answers a replay. NULL after saying why.
 */
static struct json_object *replay_json(struct ctl *c, const char *id, const char *run_id)
{
	const char *params[1] = { id };
	struct json_object *out, *d = NULL, *run = NULL;
	PGresult *res = NULL;

	res = query(c, Q_DELIVERY_SHOW, 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_db_error(c, res, "cannot read the replay");
		goto fail;
	}
	if (PQntuples(res) != 1) {
		/* deleted between the replay and this read */
		ctl_error("delivery '%s' not found", id);
		goto fail;
	}
	d = model_delivery_json(res, 0);
	PQclear(res);
	res = NULL;
	if (!d)
		goto oom;
	if (run_id) {
		params[0] = run_id;
		res = query(c, Q_RUN_SHOW, 1, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			ctl_db_error(c, res, "cannot read the replay's run");
			goto fail;
		}
		if (PQntuples(res) == 1 && !(run = model_row_json(res, 0)))
			goto oom;
		PQclear(res);
		res = NULL;
	}
	out = model_replay_json(d, run);
	if (!out)
		ctl_error("out of memory");
	return out;
oom:
	ctl_error("out of memory");
fail:
	json_object_put(run);
	json_object_put(d);
	PQclear(res);
	return NULL;
}

enum ctl_rc ctl_delivery_replay(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL, *key_arg = NULL;
	const struct ctl_arg args[] = {
		{ "DELIVERY_ID", CTL_POSITIONAL, &id, NULL },
		{ "idempotency-key", CTL_OPTIONAL, &key_arg, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char key[IDEMPOTENCY_KEY_MAX + 1], workspace_id[37], autopilot_id[37], offline[24];
	char new_id[37], run_id[37];
	const char *params[5];
	struct json_object *out;
	PGresult *res = NULL;
	enum ctl_rc rc;
	int status;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!ctl_id_valid("delivery", id) || (key_arg && !idempotency_key_parse(key_arg, key)))
		return CTL_FAIL;
	if (!ctl_connect(c))
		return CTL_FAIL;

	/* the replay is scoped as the API's: by the delivery's own workspace and autopilot */
	params[0] = id;
	res = query(c, Q_DELIVERY_SCOPE, 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_db_error(c, res, "cannot read delivery '%s'", id);
		goto fail;
	}
	if (PQntuples(res) == 0) {
		ctl_error("delivery '%s' not found", id);
		goto fail;
	}
	snprintf(workspace_id, sizeof(workspace_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(autopilot_id, sizeof(autopilot_id), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);

	snprintf(offline, sizeof(offline), "%ld", c->settings.runtime_offline_after);
	params[0] = workspace_id;
	params[1] = autopilot_id;
	params[2] = id;
	params[3] = key_arg ? key : NULL;
	params[4] = offline;
	res = query(c, Q_DELIVERY_REPLAY, 5, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_db_error(c, res, "cannot replay delivery '%s'", id);
		goto fail;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		ctl_error("cannot replay delivery '%s': unexpected answer", id);
		goto fail;
	}
	status = atoi(PQgetvalue(res, 0, 0));
	if (status != 200 && status != 201) {
		/* 400: a refusal; 404: the delivery or its autopilot went away meanwhile */
		ctl_error("cannot replay delivery '%s': %s", id,
			  PQgetisnull(res, 0, 1) ? "unexpected answer" : PQgetvalue(res, 0, 1));
		goto fail;
	}
	if (PQgetisnull(res, 0, 2)) {
		ctl_error("cannot replay delivery '%s': no delivery was recorded", id);
		goto fail;
	}
	snprintf(new_id, sizeof(new_id), "%s", PQgetvalue(res, 0, 2));
	snprintf(run_id, sizeof(run_id), "%s", PQgetvalue(res, 0, 3));
	out = replay_json(c, new_id, PQgetisnull(res, 0, 3) ? NULL : run_id);
	PQclear(res);
	if (!out)
		return CTL_FAIL;
	return ctl_print(out) ? CTL_OK : CTL_FAIL;
fail:
	PQclear(res);
	return CTL_FAIL;
}

/* ---- run ---- */

enum ctl_rc ctl_run_list(struct ctl *c, int argc, char **argv)
{
	return autopilot_list(c, argc, argv, "run", run_statuses, Q_RUN_CURSOR, Q_RUN_LIST,
			      "cannot list runs");
}
