/* delivery: the webhook_delivery resource: its columns, its statements (list, detail, replay) and its JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/delivery.h"
#include "db/run.h"
#include "lib/util.h"
#include "webhook/envelope.h"

const char *const delivery_statuses[] = {
	"queued", "dispatched", "rejected", "ignored", "failed", NULL
};

const char *const delivery_bulk_statuses[] = {
	"queued", "dispatched", "rejected", "ignored", "failed",
	"pending", "running", "completed", "skipped", NULL
};

const char *const delivery_signature_statuses[] = {
	"not_required", "valid", "invalid", "missing", "stale", NULL
};

_Static_assert(HG_ARRAY_LEN(delivery_statuses) == DELIVERY_STATUS_COUNT + 1,
	       "DELIVERY_STATUS_COUNT counts delivery_statuses");

/*
 * The slim delivery of a list (SPEC 4.4), alias d, named as the API's
 * fields. Never raw_body, selected_headers or response_body: a list does
 * not even read them. id is its first column, created_at its last
 * (DELIVERY_COL_ID, DELIVERY_COL_CREATED).
 */
#define DELIVERY_COLUMNS \
	"d.id, d.autopilot_id, d.trigger_id, d.provider, d.event, d.dedupe_key, " \
	"d.dedupe_source, d.signature_status, d.status, d.attempt_count, d.content_type, " \
	"d.response_status, d.autopilot_run_id, d.replayed_from_delivery_id, d.error, " \
	"to_json(d.received_at)#>>'{}' AS received_at, " \
	"to_json(d.last_attempt_at)#>>'{}' AS last_attempt_at, " \
	"to_json(d.body_pruned_at)#>>'{}' AS body_pruned_at, " \
	"to_json(d.created_at)#>>'{}' AS created_at"

/* The detail: the slim columns, then these, raw_body (bytea) last. */
#define DELIVERY_DETAIL_COLUMNS DELIVERY_COLUMNS ", " \
	"d.selected_headers, d.response_body, d.replay_idempotency_key, d.raw_body"

static struct statement st_list[MODEL_PAGE_SHAPES] =
	MODEL_PAGE_STATEMENTS("delivery_list", "d", DELIVERY_COLUMNS, "webhook_delivery");

static struct statement st_cursor = { "delivery_cursor", MODEL_CURSOR_SQL("webhook_delivery"), 2,
	0, true };

/* The detail. */
static struct statement st_get = { "delivery_get",
	MODEL_GET_SQL("d", DELIVERY_DETAIL_COLUMNS, "webhook_delivery"), 3, 0, true };

/*
 * The replay itself, one transaction in one round trip (sql/005_replay.sql),
 * with the payload built here: $6 event, $7 trigger_payload, or NULL and $8
 * why not, $9 receivedAt.
 */
static struct statement st_replay = { "delivery_replay",
	"SELECT http_status, error, delivery_id, run_id"
	"  FROM hookgate_replay($1::uuid, $2::uuid, $3::uuid, $4, $5::integer,"
	"                       $6, $7::jsonb, $8, $9::timestamptz)", 9, 0, false };

/* The 400 of a stored body that no longer parses; the reason follows. */
#define REPLAY_UNPARSABLE "the stored body cannot be turned into a run payload: "
#define REPLAY_PRUNED "delivery body has been pruned"

const struct model_list delivery_rows = {
	"delivery", delivery_statuses, DELIVERY_COL_ID, model_row_json, st_list, &st_cursor,
};

/*
 * The detail of row (DELIVERY_DETAIL_COLUMNS): every column as
 * model_row_json gives it, with raw_body replaced in place by the bytes as
 * text when they are UTF-8, else as base64, then raw_body_encoding.
 */
static struct json_object *detail_json(const PGresult *res, int row)
{
	struct json_object *o = model_row_json(res, row), *v = NULL;
	int col = res ? PQfnumber(res, "raw_body") : -1;
	unsigned char *bytes = NULL;
	const char *encoding = "utf-8";
	char *b64 = NULL;
	size_t len;

	if (!o || col < 0)
		goto fail;
	if (PQgetisnull(res, row, col)) {
		/* pruned: raw_body stays null */
		if (!model_add(o, "raw_body_encoding", NULL))
			goto fail;
		return o;
	}
	bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &len);
	if (!bytes)
		goto fail;
	if (utf8_valid(bytes, len)) {
		v = json_object_new_string_len((const char *)bytes, (int)len);
	} else {
		encoding = "base64";
		b64 = base64_encode(bytes, len);
		if (!b64)
			goto fail;
		v = json_object_new_string(b64);
	}
	/* replaces the escaped bytea text in place, keeping the field order */
	if (!v || !model_add(o, "raw_body", v) ||
	    !model_add(o, "raw_body_encoding", json_object_new_string(encoding)))
		goto fail;
	free(b64);
	PQfreemem(bytes);
	return o;
fail:
	free(b64);
	if (bytes)
		PQfreemem(bytes);
	json_object_put(o);
	return NULL;
}

enum store_rc delivery_show(const char *workspace_id, const char *autopilot_id,
			    const char *delivery_id, struct json_object **out,
			    const char **missing)
{
	PGresult *res = NULL;
	enum store_rc rc = model_get_exec(&st_get, "delivery", workspace_id, autopilot_id,
					  delivery_id, &res, missing);

	*out = NULL;
	if (rc == STORE_OK && !(*out = detail_json(res, 0)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

/* ---- the console's reads: filtered pages, the last day's counts, the replay chain ---- */

/*
 * A filtered page (delivery_find_page): the list's columns and the status
 * of the delivery's run. $7 signature status, $8 event (or its prefix up to
 * a dot), each NULL for any; $3 status as in MODEL_PAGE_SQL, whose shapes
 * keep status and cursor in the index.
 */
#define DELIVERY_FIND_COLUMNS DELIVERY_COLUMNS ", " \
	"(SELECT r.status FROM autopilot_run r WHERE r.id = d.autopilot_run_id) AS run_status"
#define DELIVERY_FIND_FILTERS \
	" ($7::text IS NULL OR d.signature_status = $7::text)" \
	" AND ($8::text IS NULL OR d.event = $8::text" \
	"      OR left(d.event, length($8::text) + 1) = $8::text || '.')"
#define DELIVERY_FIND_SQL(status_cond, cursor_cond) \
	MODEL_PAGE_SQL("d", DELIVERY_FIND_COLUMNS, "webhook_delivery", \
		       status_cond " AND " DELIVERY_FIND_FILTERS, cursor_cond)

static struct statement st_find[MODEL_PAGE_SHAPES] = {
	{ "delivery_find", DELIVERY_FIND_SQL(MODEL_ANY_STATUS, MODEL_FIRST_PAGE), 8, 0, true },
	{ "delivery_find_before", DELIVERY_FIND_SQL(MODEL_ANY_STATUS, MODEL_AFTER_CURSOR("d")),
	  8, 0, true },
	{ "delivery_find_status", DELIVERY_FIND_SQL(MODEL_ONE_STATUS("d"), MODEL_FIRST_PAGE),
	  8, 0, true },
	{ "delivery_find_status_before",
	  DELIVERY_FIND_SQL(MODEL_ONE_STATUS("d"), MODEL_AFTER_CURSOR("d")), 8, 0, true },
};

/*
 * The deliveries of the last DELIVERY_DAY_HOURS hours of autopilot $2 of
 * workspace $1 by hour (0: the hour up to now) and status; no row when
 * there is no such autopilot; one row of NULLs when it had none.
 */
static struct statement st_day = { "delivery_day",
	"SELECT h.ago, h.status, h.n FROM autopilot a"
	"  LEFT JOIN LATERAL (SELECT floor(extract(epoch FROM now() - d.created_at) / 3600)::integer AS ago,"
	"                            d.status, count(*) AS n"
	"                       FROM webhook_delivery d"
	"                      WHERE d.autopilot_id = a.id"
	"                        AND d.created_at > now() - make_interval(hours => $3::integer)"
	"                      GROUP BY 1, 2) h ON true"
	" WHERE a.id = $2::uuid AND a.workspace_id = $1::uuid", 3, 0, true };

/*
 * The replay chain of delivery $3 of autopilot $2 of workspace $1: the
 * deliveries it was replayed from, nearest first (direction "from",
 * depth 1, 2, ...; at most 50), then those replayed from it, oldest first
 * (direction "to"; at most 100).
 */
static struct statement st_chain = { "delivery_chain",
	"WITH RECURSIVE ok AS (SELECT 1 FROM autopilot a WHERE a.id = $2::uuid"
	"                         AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)),"
	" up(id, depth) AS ("
	"  SELECT d.replayed_from_delivery_id, 1 FROM webhook_delivery d, ok"
	"   WHERE d.id = $3::uuid AND d.autopilot_id = $2::uuid"
	"     AND d.replayed_from_delivery_id IS NOT NULL"
	"  UNION ALL"
	"  SELECT p.replayed_from_delivery_id, up.depth + 1 FROM up"
	"    JOIN webhook_delivery p ON p.id = up.id"
	"   WHERE p.replayed_from_delivery_id IS NOT NULL AND up.depth < 50)"
	" SELECT * FROM ("
	"  SELECT 'from' AS direction, up.depth, d.id, d.status,"
	"         to_json(d.received_at)#>>'{}' AS received_at"
	"    FROM up JOIN webhook_delivery d ON d.id = up.id AND d.autopilot_id = $2::uuid"
	"   ORDER BY up.depth) f"
	" UNION ALL"
	" SELECT * FROM ("
	"  SELECT 'to', 1, c.id, c.status, to_json(c.received_at)#>>'{}'"
	"    FROM webhook_delivery c, ok"
	"   WHERE c.replayed_from_delivery_id = $3::uuid AND c.autopilot_id = $2::uuid"
	"   ORDER BY c.created_at, c.id LIMIT 100) t", 3, 0, true };

/* The index of s in list (NULL-terminated), or -1. */
static int index_of(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

enum store_rc delivery_find_page(const char *workspace_id, const char *autopilot_id,
				 const struct delivery_filter *f, const struct model_page *page,
				 PGresult **res)
{
	const char *values[8] = { workspace_id, autopilot_id, f->status, page->before_ts,
				  page->before_ts ? page->before_id : NULL, page->limit,
				  f->signature_status, f->event };
	enum store_rc rc = store_exec(&st_find[(f->status ? 2 : 0) + (page->before_ts ? 1 : 0)],
				      values, res);

	if (rc == STORE_OK && PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		rc = STORE_NOT_FOUND;
	}
	return rc;
}

enum store_rc delivery_day(const char *workspace_id, const char *autopilot_id,
			   struct delivery_day *out)
{
	char hours[8];
	const char *values[3] = { workspace_id, autopilot_id, hours };
	PGresult *res = NULL;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	snprintf(hours, sizeof(hours), "%d", DELIVERY_DAY_HOURS);
	rc = store_exec(&st_day, values, &res);
	if (rc == STORE_OK && PQntuples(res) == 0)
		rc = STORE_NOT_FOUND;
	for (int i = 0; rc == STORE_OK && i < PQntuples(res); i++) {
		int ago, status;

		if (PQgetisnull(res, i, 0))
			continue;	/* none in the last day */
		ago = atoi(PQgetvalue(res, i, 0));
		status = index_of(delivery_statuses, PQgetvalue(res, i, 1));
		if (ago < 0 || ago >= DELIVERY_DAY_HOURS || status < 0)
			continue;	/* a clock step: not this day's */
		out->count[ago][status] += atol(PQgetvalue(res, i, 2));
		out->total += atol(PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return rc;
}

enum store_rc delivery_chain(const char *workspace_id, const char *autopilot_id,
			     const char *delivery_id, struct json_object **out)
{
	const char *values[3] = { workspace_id, autopilot_id, delivery_id };

	return model_exec_list(&st_chain, values, model_row_json, out);
}

enum delivery_key delivery_idempotency_key(const char *s, size_t len, char *key)
{
	static const char blanks[] = " \t\r\n\v\f";

	while (len > 0 && strchr(blanks, s[len - 1]))
		len--;
	while (len > 0 && strchr(blanks, *s)) {
		s++;
		len--;
	}
	if (len == 0)
		return DELIVERY_KEY_EMPTY;
	if (len > DELIVERY_IDEMPOTENCY_KEY_MAX)
		return DELIVERY_KEY_TOO_LONG;
	if (memchr(s, '\0', len) || !utf8_valid((const unsigned char *)s, len))
		return DELIVERY_KEY_NOT_UTF8;
	memcpy(key, s, len);
	key[len] = '\0';
	return DELIVERY_KEY_OK;
}

/* ---- replay ---- */

/* What a replay rebuilds from the stored row, for hookgate_replay. */
struct rebuilt {
	struct envelope env;
	const char *payload;		/* env.json as text; NULL when it could not be built */
	char error[128];		/* why not */
	char received_at[ENVELOPE_TIME_MAX];
};

/*
 * The replay's trigger_payload from row 0 of res (DELIVERY_DETAIL_COLUMNS),
 * with the ingress's code. A body that no longer parses (or was pruned) is
 * b->payload NULL with b->error set; false only when out of memory.
 */
static HG_MUSTCHECK bool rebuild(const PGresult *res, struct rebuilt *b)
{
	int body_col = PQfnumber(res, "raw_body"), hdrs_col = PQfnumber(res, "selected_headers");
	int ctype_col = PQfnumber(res, "content_type"), prov_col = PQfnumber(res, "provider");
	int pruned_col = PQfnumber(res, "body_pruned_at");
	struct json_object *selected = NULL;
	struct hg_hdrs hdrs = { .envp = NULL };
	unsigned char *raw = NULL;
	enum norm_result parse;
	size_t len;
	bool ok = false;

	envelope_now(b->received_at);
	if (body_col < 0 || hdrs_col < 0 || ctype_col < 0 || prov_col < 0 || pruned_col < 0)
		return false;
	if (!PQgetisnull(res, 0, pruned_col) || PQgetisnull(res, 0, body_col)) {
		snprintf(b->error, sizeof(b->error), REPLAY_PRUNED);
		return true;
	}
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, body_col), &len);
	/* selected_headers is a jsonb object: what the ingress kept */
	selected = json_tokener_parse(PQgetvalue(res, 0, hdrs_col));
	if (!raw || !hdrs_from_selected(selected, &hdrs))
		goto out;
	if (envelope_make(provider_find(PQgetvalue(res, 0, prov_col)), raw, len,
			  PQgetisnull(res, 0, ctype_col) ? NULL : PQgetvalue(res, 0, ctype_col),
			  &hdrs, b->received_at, &b->env, &parse)) {
		b->payload = b->env.text;
		ok = true;
	} else if (parse != NORM_OK) {
		snprintf(b->error, sizeof(b->error), REPLAY_UNPARSABLE "%s", norm_error(parse));
		ok = true;
	}
out:
	hdrs_free_selected(&hdrs);
	json_object_put(selected);
	if (raw)
		PQfreemem(raw);
	return ok;
}

/*
 * {"delivery": the detail of delivery_id, "run": run_id's run or null}
 * into *answer; STORE_NOT_FOUND when the delivery was deleted since.
 */
static enum store_rc replay_answer(const char *workspace_id, const char *autopilot_id,
				   const char *delivery_id, const char *run_id,
				   struct json_object **answer)
{
	struct json_object *d = NULL, *run = NULL;
	const char *missing;
	enum store_rc rc;

	*answer = NULL;
	/* STORE_NOT_FOUND: deleted between the replay and this read */
	rc = delivery_show(workspace_id, autopilot_id, delivery_id, &d, &missing);
	if (rc == STORE_OK && run_id) {
		rc = run_show(workspace_id, NULL, run_id, &run, &missing);
		if (rc == STORE_NOT_FOUND)
			rc = STORE_OK;		/* the run went: null */
	}
	if (rc != STORE_OK)
		goto fail;
	*answer = json_object_new_object();
	if (!*answer)
		goto fail;
	/* model_add puts what it cannot add */
	if (!model_add(*answer, "delivery", d)) {
		d = NULL;
		goto fail;
	}
	d = NULL;
	if (!model_add(*answer, "run", run)) {
		run = NULL;
		goto fail;
	}
	return STORE_OK;
fail:
	json_object_put(run);
	json_object_put(d);
	json_object_put(*answer);
	*answer = NULL;
	return rc == STORE_OK ? STORE_ERROR : rc;
}

/* Fill out from hookgate_replay's row (http_status, error, delivery_id, run_id). */
static enum store_rc replay_outcome(const PGresult *res, const struct delivery_replay_args *a,
				    const char *autopilot_id, struct delivery_replay_result *out)
{
	enum store_rc rc;
	int status;

	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return STORE_ERROR;
	status = atoi(PQgetvalue(res, 0, 0));
	if (status == 200 || status == 201) {
		if (PQgetisnull(res, 0, 2))
			return STORE_ERROR;
		out->outcome = status == 201 ? REPLAY_CREATED : REPLAY_REPEATED;
		snprintf(out->delivery_id, sizeof(out->delivery_id), "%s", PQgetvalue(res, 0, 2));
		rc = replay_answer(a->workspace_id, autopilot_id, out->delivery_id,
				   PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3), &out->answer);
		if (rc == STORE_NOT_FOUND) {
			out->outcome = REPLAY_NOT_FOUND;
			snprintf(out->message, sizeof(out->message), "delivery not found");
			rc = STORE_OK;
		}
		return rc;
	}
	if ((status != 400 && status != 404) || PQgetisnull(res, 0, 1))
		return STORE_ERROR;
	out->outcome = status == 404 ? REPLAY_NOT_FOUND : REPLAY_REFUSED;
	snprintf(out->message, sizeof(out->message), "%s", PQgetvalue(res, 0, 1));
	return STORE_OK;
}

/*
 * One replay up to hookgate_replay's row (http_status, error, delivery_id,
 * run_id) in *res, the caller's to PQclear: the stored delivery read, its
 * payload rebuilt, the replay's transaction. autopilot_id (STORE_ID_LEN)
 * gets the delivery's. *res NULL with *missing set ("autopilot" or
 * "delivery") when there is no such delivery.
 */
static enum store_rc replay_one(const struct delivery_replay_args *a, char *autopilot_id,
				PGresult **res, const char **missing)
{
	struct rebuilt b = { .payload = NULL };
	char offline[24];
	const char *values[9];
	PGresult *row = NULL;
	enum store_rc rc;

	*res = NULL;
	*missing = "delivery";
	rc = model_get_exec(&st_get, "delivery", a->workspace_id, a->autopilot_id, a->delivery_id,
			    &row, missing);
	if (rc != STORE_OK)
		goto out;
	snprintf(autopilot_id, STORE_ID_LEN, "%s", PQgetvalue(row, 0, 1));
	if (!rebuild(row, &b)) {
		rc = STORE_ERROR;
		goto out;
	}
	snprintf(offline, sizeof(offline), "%ld", a->offline_after_s);
	values[0] = a->workspace_id;
	values[1] = autopilot_id;
	values[2] = a->delivery_id;
	values[3] = a->idempotency_key;
	values[4] = offline;
	values[5] = b.payload ? b.env.event : NULL;
	values[6] = b.payload;
	values[7] = b.payload ? NULL : b.error;
	values[8] = b.received_at;
	rc = store_exec(&st_replay, values, res);
	if (rc == STORE_OK && (PQntuples(*res) != 1 || PQgetisnull(*res, 0, 0))) {
		PQclear(*res);
		*res = NULL;
		rc = STORE_ERROR;
	}
out:
	PQclear(row);
	envelope_free(&b.env);
	return rc;
}

enum store_rc delivery_replay(const struct delivery_replay_args *a,
			      struct delivery_replay_result *out)
{
	char autopilot_id[STORE_ID_LEN];
	const char *missing;
	PGresult *res = NULL;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	rc = replay_one(a, autopilot_id, &res, &missing);
	if (rc == STORE_NOT_FOUND) {
		out->outcome = REPLAY_NOT_FOUND;
		snprintf(out->message, sizeof(out->message), "%s not found", missing);
		return STORE_OK;
	}
	if (rc == STORE_OK)
		rc = replay_outcome(res, a, autopilot_id, out);
	PQclear(res);
	return rc;
}

/* ---- bulk replay ---- */

/* One transaction around a bulk replay's statements. */
static struct statement st_begin = { "delivery_bulk_begin", "BEGIN", 0, 0, true };
static struct statement st_commit = { "delivery_bulk_commit", "COMMIT", 0, 0, false };
static struct statement st_rollback = { "delivery_bulk_rollback", "ROLLBACK", 0, 0, false };

/*
 * The request as PostgreSQL reads it, from $4 since, $5 until, $6 the
 * statuses (a sorted JSON array, or NULL), $7 event, $8 limit: the same
 * window written two ways is the same request.
 */
#define BULK_REQUEST \
	"jsonb_build_object('since', $4::timestamptz, 'until', $5::timestamptz," \
	" 'status', $6::jsonb, 'event', $7::text, 'limit', $8::integer)"

/* Claim idempotency key $3 for autopilot $2 (of workspace $1, unless NULL): a row when it was free. */
static struct statement st_bulk_claim = { "delivery_bulk_claim",
	"INSERT INTO bulk_replay (autopilot_id, idempotency_key, request)"
	" SELECT a.id, $3, " BULK_REQUEST " FROM autopilot a"
	"  WHERE a.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)"
	" ON CONFLICT (autopilot_id, idempotency_key) DO NOTHING RETURNING id",
	8, 0, false };

/* The first answer of key $3, and whether it answered this same request; no row: no autopilot. */
static struct statement st_bulk_first = { "delivery_bulk_first",
	"SELECT b.answer, b.request = " BULK_REQUEST " FROM autopilot a"
	"  LEFT JOIN bulk_replay b ON b.autopilot_id = a.id AND b.idempotency_key = $3"
	" WHERE a.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)",
	8, 0, false };

static struct statement st_bulk_answer = { "delivery_bulk_answer",
	"UPDATE bulk_replay SET answer = $2::json WHERE id = $1::uuid", 2, 0, false };

/*
 * The candidates, oldest first, one more than $7 (a page and the first
 * row past it): the original deliveries (a replay is replayed through its
 * original) of autopilot $2 (of workspace $1, unless NULL) received in
 * [$3, $4), whose status or whose run's status is in the JSON array $5
 * (NULL: any), of event $6 (NULL: any). Each row: id, received_at and the
 * instant just after it. One row of NULLs when there is none; no row when
 * there is no such autopilot. webhook_delivery_autopilot_received_idx
 * walks the window in order.
 */
static struct statement st_bulk_page = { "delivery_bulk_page",
	"SELECT p.id, p.received_at, p.just_after FROM autopilot a"
	"  LEFT JOIN LATERAL ("
	"    SELECT d.id, d.received_at AS at, to_json(d.received_at)#>>'{}' AS received_at,"
	"           to_json(d.received_at + interval '1 microsecond')#>>'{}' AS just_after"
	"      FROM webhook_delivery d"
	"     WHERE d.autopilot_id = a.id"
	"       AND d.received_at >= $3::timestamptz AND d.received_at < $4::timestamptz"
	"       AND d.replayed_from_delivery_id IS NULL"
	"       AND ($5::jsonb IS NULL OR $5::jsonb ? d.status"
	"            OR EXISTS (SELECT 1 FROM autopilot_run r"
	"                        WHERE r.id = d.autopilot_run_id AND $5::jsonb ? r.status))"
	"       AND ($6::text IS NULL OR d.event = $6::text)"
	"     ORDER BY d.received_at, d.id"
	"     LIMIT $7::integer + 1) p ON true"
	" WHERE a.id = $2::uuid AND ($1::uuid IS NULL OR a.workspace_id = $1::uuid)"
	" ORDER BY p.at, p.id",
	7, 0, true };

/* Whether s is one of list (NULL-terminated). */
static bool listed(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool delivery_bulk_check(const struct delivery_bulk_args *a, char *msg, size_t len)
{
	long long since_s, until_s;
	long since_ns, until_ns;

	if (!rfc3339_parse(a->since, &since_s, &since_ns)) {
		snprintf(msg, len, "since must be an RFC 3339 time, e.g. 2026-01-31T22:00:00Z");
		return false;
	}
	if (!rfc3339_parse(a->until, &until_s, &until_ns)) {
		snprintf(msg, len, "until must be an RFC 3339 time, e.g. 2026-02-01T06:00:00Z");
		return false;
	}
	if (since_s > until_s || (since_s == until_s && since_ns >= until_ns)) {
		snprintf(msg, len, "since must be before until");
		return false;
	}
	for (size_t i = 0; a->statuses[i]; i++) {
		if (!listed(a->statuses[i], delivery_bulk_statuses)) {
			snprintf(msg, len, "status must list delivery statuses (queued, dispatched, "
				 "rejected, ignored, failed) or run statuses (pending, running, "
				 "completed, failed, skipped)");
			return false;
		}
	}
	if (a->event && (!*a->event || !utf8_valid((const unsigned char *)a->event, strlen(a->event)) ||
			 utf8_chars((const unsigned char *)a->event, strlen(a->event)) >
			 DELIVERY_BULK_EVENT_MAX_CHARS)) {
		snprintf(msg, len, "event must be UTF-8 text of 1 to %d characters",
			 DELIVERY_BULK_EVENT_MAX_CHARS);
		return false;
	}
	if (a->limit < 1 || a->limit > DELIVERY_BULK_MAX_LIMIT) {
		snprintf(msg, len, "limit must be a whole number from 1 to %d", DELIVERY_BULK_MAX_LIMIT);
		return false;
	}
	return true;
}

static int compare_text(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* a's statuses as a sorted JSON array without repeats into *out (malloc'd), NULL when none. */
static HG_MUSTCHECK bool statuses_json(const struct delivery_bulk_args *a, char **out)
{
	const char *sorted[DELIVERY_BULK_MAX_STATUSES];
	struct json_object *arr;
	size_t n = 0;
	const char *text;

	*out = NULL;
	while (n < DELIVERY_BULK_MAX_STATUSES && a->statuses[n]) {
		sorted[n] = a->statuses[n];
		n++;
	}
	if (n == 0)
		return true;
	qsort(sorted, n, sizeof(sorted[0]), compare_text);
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		if (json_object_array_add(arr, json_object_new_string(sorted[i])) != 0)
			goto fail;
	}
	text = arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN) : NULL;
	if (!text || !(*out = strdup(text)))
		goto fail;
	json_object_put(arr);
	return true;
fail:
	json_object_put(arr);
	return false;
}

/* Add {"from": from, k1: v1, k2: v2} (v NULL: JSON null) to list; false when out of memory. */
static HG_MUSTCHECK bool add_entry(struct json_object *list, const char *from, const char *k1,
				   const char *v1, const char *k2, const char *v2)
{
	struct json_object *e = json_object_new_object();

	if (!e || !model_add(e, "from", json_object_new_string(from)) ||
	    !model_add(e, k1, v1 ? json_object_new_string(v1) : NULL) ||
	    (k2 && !model_add(e, k2, v2 ? json_object_new_string(v2) : NULL)) ||
	    json_object_array_add(list, e) != 0) {
		json_object_put(e);
		return false;
	}
	return true;
}

/* Replay delivery id of the bulk a, listing it in replayed or skipped. */
static enum store_rc bulk_one(const struct delivery_bulk_args *a, const char *id,
			      struct json_object *replayed, struct json_object *skipped)
{
	const struct delivery_replay_args one = {
		.workspace_id = a->workspace_id,
		.autopilot_id = a->autopilot_id,
		.delivery_id = id,
		.idempotency_key = NULL,
		.offline_after_s = a->offline_after_s,
	};
	char autopilot_id[STORE_ID_LEN], reason[64];
	const char *missing;
	PGresult *res = NULL;
	enum store_rc rc = replay_one(&one, autopilot_id, &res, &missing);
	int status;
	bool ok;

	if (rc == STORE_NOT_FOUND) {
		/* deleted since the page was read (a prune) */
		snprintf(reason, sizeof(reason), "%s not found", missing);
		return add_entry(skipped, id, "reason", reason, NULL, NULL) ? STORE_OK : STORE_ERROR;
	}
	if (rc != STORE_OK)
		return rc;
	status = atoi(PQgetvalue(res, 0, 0));
	if ((status == 200 || status == 201) && !PQgetisnull(res, 0, 2))
		ok = add_entry(replayed, id, "delivery_id", PQgetvalue(res, 0, 2), "run_id",
			       PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3));
	else if ((status == 400 || status == 404) && !PQgetisnull(res, 0, 1))
		ok = add_entry(skipped, id, "reason", PQgetvalue(res, 0, 1), NULL, NULL);
	else
		ok = false;
	PQclear(res);
	return ok ? STORE_OK : STORE_ERROR;
}

/*
 * How much of page (st_bulk_page's rows) to replay now, and where the next
 * page starts (*next_since, or NULL when this is the last). A page never
 * ends between two deliveries received at the same instant: the row past
 * the limit starts the next page, and its instant goes whole to it. When
 * the whole page shares that instant, *group is its first row: that
 * instant is to be replayed whole (page_group).
 */
static int page_take(const PGresult *page, int limit, const char **next_since, int *group)
{
	int n = PQntuples(page), take;

	*next_since = NULL;
	*group = -1;
	if (n == 1 && PQgetisnull(page, 0, 0))
		return 0;
	if (n <= limit)
		return n;
	take = limit;
	while (take > 0 && strcmp(PQgetvalue(page, take - 1, 1), PQgetvalue(page, limit, 1)) == 0)
		take--;
	if (take == 0)
		*group = 0;
	else
		*next_since = PQgetvalue(page, limit, 1);
	return take;
}

/*
 * The deliveries received at the instant of row of page, all of them (up
 * to DELIVERY_BULK_MAX_LIMIT), into *out; the next page starts just after
 * that instant (received_at has microseconds: nothing is between).
 */
static enum store_rc page_group(const PGresult *page, int row, const char *const *values,
				PGresult **out, int *take, const char **next_since)
{
	char max[16];
	const char *group_values[7] = { values[0], values[1], PQgetvalue(page, row, 1),
					PQgetvalue(page, row, 2), values[5], values[6], max };
	enum store_rc rc;

	snprintf(max, sizeof(max), "%d", DELIVERY_BULK_MAX_LIMIT);
	rc = store_exec(&st_bulk_page, group_values, out);
	if (rc != STORE_OK)
		return rc;
	*take = PQntuples(*out);
	if (*take == 1 && PQgetisnull(*out, 0, 0))
		*take = 0;
	if (*take > DELIVERY_BULK_MAX_LIMIT)
		*take = DELIVERY_BULK_MAX_LIMIT;
	*next_since = PQgetvalue(page, row, 2);
	return STORE_OK;
}

/* The first answer of a's key, into out; STORE_OK also when not found or reused (out says). */
static enum store_rc bulk_first(const char *const *values, struct delivery_bulk_result *out)
{
	PGresult *res = NULL;
	enum store_rc rc = store_exec(&st_bulk_first, values, &res);

	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0) {
		out->outcome = BULK_NOT_FOUND;
	} else if (PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1)) {
		rc = STORE_ERROR;
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		out->outcome = BULK_KEY_REUSED;
	} else {
		out->outcome = BULK_DONE;
		out->answer = json_tokener_parse(PQgetvalue(res, 0, 0));
		if (!out->answer)
			rc = STORE_ERROR;
	}
	PQclear(res);
	return rc;
}

/*
 * Inside the transaction: claim a's key (claim gets its bulk_replay id, ""
 * without a key), or find its first answer. *done when out is the answer.
 */
static enum store_rc bulk_claim(const struct delivery_bulk_args *a, const char *const *values,
				char *claim, struct delivery_bulk_result *out, bool *done)
{
	PGresult *res = NULL;
	enum store_rc rc;

	*done = false;
	claim[0] = '\0';
	if (!a->idempotency_key)
		return STORE_OK;
	rc = store_exec(&st_bulk_claim, values, &res);
	if (rc == STORE_OK && PQntuples(res) == 1)
		snprintf(claim, STORE_ID_LEN, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (rc != STORE_OK || claim[0])
		return rc;
	/* taken (its first request has committed by now), or no such autopilot */
	*done = true;
	return bulk_first(values, out);
}

/* The answer of a page: replay its first take rows. */
static enum store_rc bulk_page(const struct delivery_bulk_args *a, const char *const *values,
			       struct delivery_bulk_result *out)
{
	struct json_object *replayed = json_object_new_array(), *skipped = json_object_new_array();
	const char *page_values[7] = { values[0], values[1], values[3], values[4], values[5],
				       values[6], values[7] };
	const char *next_since;
	PGresult *page = NULL, *group_page = NULL;
	const PGresult *rows;
	enum store_rc rc;
	int take, group;

	if (!replayed || !skipped) {
		rc = STORE_ERROR;
		goto out;
	}
	rc = store_exec(&st_bulk_page, page_values, &page);
	if (rc != STORE_OK)
		goto out;
	if (PQntuples(page) == 0) {
		out->outcome = BULK_NOT_FOUND;
		goto out;
	}
	take = page_take(page, (int)a->limit, &next_since, &group);
	rows = page;
	if (group >= 0) {
		rc = page_group(page, group, values, &group_page, &take, &next_since);
		rows = group_page;
	}
	for (int i = 0; rc == STORE_OK && i < take; i++)
		rc = bulk_one(a, PQgetvalue(rows, i, 0), replayed, skipped);
	if (rc != STORE_OK)
		goto out;
	out->answer = json_object_new_object();
	if (!out->answer) {
		rc = STORE_ERROR;
		goto out;
	}
	/* model_add puts what it cannot add */
	if (!model_add(out->answer, "replayed", replayed)) {
		replayed = NULL;
		rc = STORE_ERROR;
		goto out;
	}
	replayed = NULL;
	if (!model_add(out->answer, "skipped", skipped)) {
		skipped = NULL;
		rc = STORE_ERROR;
		goto out;
	}
	skipped = NULL;
	if (!model_add(out->answer, "next_since",
		       next_since ? json_object_new_string(next_since) : NULL)) {
		rc = STORE_ERROR;
		goto out;
	}
	out->outcome = BULK_DONE;
out:
	PQclear(group_page);
	PQclear(page);
	json_object_put(skipped);
	json_object_put(replayed);
	return rc;
}

/* Record the answer of claim (a bulk_replay id), for the requests that repeat it. */
static enum store_rc bulk_record(const char *claim, struct json_object *answer)
{
	const char *text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	const char *values[2] = { claim, text };
	PGresult *res = NULL;
	enum store_rc rc;

	if (!text)
		return STORE_ERROR;
	rc = store_exec(&st_bulk_answer, values, &res);
	PQclear(res);
	return rc;
}

enum store_rc delivery_bulk_replay(const struct delivery_bulk_args *a,
				   struct delivery_bulk_result *out)
{
	char limit[24], claim[STORE_ID_LEN], *statuses = NULL;
	const char *values[8];
	PGresult *res = NULL;
	enum store_rc rc;
	bool done;

	memset(out, 0, sizeof(*out));
	if (!statuses_json(a, &statuses))
		return STORE_ERROR;
	snprintf(limit, sizeof(limit), "%ld", a->limit);
	values[0] = a->workspace_id;
	values[1] = a->autopilot_id;
	values[2] = a->idempotency_key;
	values[3] = a->since;
	values[4] = a->until;
	values[5] = statuses;
	values[6] = a->event;
	values[7] = limit;
	rc = store_exec(&st_begin, NULL, &res);
	PQclear(res);
	if (rc != STORE_OK)
		goto out;
	rc = bulk_claim(a, values, claim, out, &done);
	if (rc == STORE_OK && !done)
		rc = bulk_page(a, values, out);
	if (rc == STORE_OK && out->outcome == BULK_DONE && claim[0])
		rc = bulk_record(claim, out->answer);
	/* what was only read ends as it began; a replay that failed undoes the others */
	res = NULL;
	if (rc == STORE_OK && out->outcome == BULK_DONE && !done)
		rc = store_exec(&st_commit, NULL, &res);
	else if (store_exec(&st_rollback, NULL, &res) != STORE_OK && rc == STORE_OK)
		rc = STORE_ERROR;
	PQclear(res);
out:
	if (rc != STORE_OK) {
		json_object_put(out->answer);
		out->answer = NULL;
	}
	free(statuses);
	return rc;
}
