/* ingest: the ingress's two round trips: the token lookup and the one persist-first transaction. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/ingest.h"
#include "db/trigger.h"
#include "lib/log.h"

/*
 * The trigger of a token, and whether an accepted webhook may dispatch to
 * it now (SPEC 3.6's admission: hookgate_ingest's own checks, read here once
 * so that the accepted path need not read the three rows again).
 */
static struct statement st_lookup = { "hg_lookup_token",
	"SELECT t.id, t.autopilot_id, a.workspace_id, t.provider, t.signing_secret,"
	"       CASE WHEN t.previous_secret_expires_at > now()"
	"            THEN t.previous_signing_secret END AS previous_secret,"
	"       t.event_filters::text AS event_filters,"
	"       t.enabled AND a.status = 'active' AND (a.runtime_id IS NULL OR coalesce("
	"           (SELECT rt.last_seen_at > now() - make_interval(secs => $2::integer)"
	"              FROM runtime rt WHERE rt.id = a.runtime_id), false)) AS ready"
	"  FROM autopilot_trigger t JOIN autopilot a ON a.id = t.autopilot_id"
	" WHERE t.webhook_token_hash = $1 AND t.kind = 'webhook'", 2, 0, true };

/*
 * The accepted path (a valid or unneeded signature, no handshake, the event
 * admitted, no deferral, and the trigger ready at the lookup): the delivery,
 * dispatched, and its pending run, each written once, in one statement, with
 * the values the responder already has. The partial unique index decides a
 * duplicate, as in hookgate_ingest; a trigger deleted since the lookup fails
 * the foreign key, and the failed path answers 404. Every other case takes
 * hookgate_ingest, which reads the trigger's state again and says why.
 */
static struct statement st_accept = { "hg_ingest_accept",
	"WITH d AS ("
	"  INSERT INTO webhook_delivery AS d (id, workspace_id, autopilot_id, trigger_id, provider,"
	"         event, dedupe_key, dedupe_source, signature_status, status, selected_headers,"
	"         content_type, raw_body, response_status, response_body, autopilot_run_id,"
	"         received_at, last_attempt_at)"
	"  VALUES ($1::uuid, $13::uuid, $12::uuid, $3::uuid, $14, $4, $5, $6, $7, 'dispatched',"
	"          $8::jsonb, $9, $10::bytea, 200, $15, $2::uuid, $16::timestamptz,"
	"          $16::timestamptz)"
	"  ON CONFLICT (trigger_id, dedupe_key)"
	"     WHERE dedupe_key IS NOT NULL AND status NOT IN ('rejected', 'failed')"
	"  DO UPDATE SET attempt_count = d.attempt_count + 1, last_attempt_at = now()"
	"  RETURNING d.id, d.autopilot_run_id),"
	" r AS ("
	"  INSERT INTO autopilot_run (id, autopilot_id, trigger_id, webhook_delivery_id, source,"
	"         status, trigger_payload, available_at)"
	"  SELECT $2::uuid, $12::uuid, $3::uuid, $1::uuid, 'webhook', 'pending', $11::jsonb, now()"
	"    FROM d WHERE d.id = $1::uuid)"
	"SELECT d.id, d.autopilot_run_id FROM d", 16, 0, false };

static struct statement st_ingest = { "hg_ingest",
	"SELECT http_status, response_body, delivery_id, outcome"
	"  FROM hookgate_ingest($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8::jsonb, $9,"
	"                       $10::bytea, $11::jsonb, $12::boolean, $13::integer,"
	"                       $14::timestamptz, $15, $16::bigint)", 16, 0, false };

/*
 * After the ingest's commit, in a transaction of its own that does not wait
 * for its commit record to be flushed: PostgreSQL holds a global lock for
 * a NOTIFY from its commit until that flush, which would make every
 * webhook commit alone (SPEC 3.6). Only for a run that is pending: a
 * duplicate, an ignored delivery or a skipped run wakes nobody.
 */
static struct statement st_notify = { "hg_ingest_notify",
	"SELECT set_config('synchronous_commit', 'off', true),"
	"       pg_notify('hookgate_run', r.id::text)"
	"  FROM autopilot_run r WHERE r.id = $1::uuid AND r.status = 'pending'", 1, 0, false };

/* The dispatch failed and rolled back: the delivery committed as failed. */
static struct statement st_failed = { "hg_ingest_failed",
	"SELECT http_status, response_body, delivery_id"
	"  FROM hookgate_ingest_failed($1::uuid, $2::uuid, $3, $4, $5, $6, $7::jsonb, $8,"
	"                              $9::bytea, $10::timestamptz, $11)", 11, 0, false };


static char *dup_or_null(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

/* The value of column col, cut to size - 1 bytes, into dst (snprintf costs ten times more). */
static void copy_field(char *dst, size_t size, const PGresult *res, int col)
{
	const char *v = PQgetvalue(res, 0, col);
	size_t n = strnlen(v, size - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

enum store_rc ingest_lookup_token(const char *token, long offline_after_s, struct trigger_info *out)
{
	char hash[65], offline[24];
	const char *values[2] = { hash, offline };
	PGresult *res;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	/* only the token's SHA-256 is stored (SPEC 2) */
	trigger_token_hash(token, hash);
	snprintf(offline, sizeof(offline), "%ld", offline_after_s);
	rc = store_exec(&st_lookup, values, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1) {
		rc = STORE_NOT_FOUND;
		goto done;
	}
	copy_field(out->trigger_id, sizeof(out->trigger_id), res, 0);
	copy_field(out->autopilot_id, sizeof(out->autopilot_id), res, 1);
	copy_field(out->workspace_id, sizeof(out->workspace_id), res, 2);
	copy_field(out->provider, sizeof(out->provider), res, 3);
	out->secret = dup_or_null(res, 4);
	out->previous_secret = dup_or_null(res, 5);
	out->event_filters = dup_or_null(res, 6);
	out->ready = PQgetvalue(res, 0, 7)[0] == 't';
	if ((!out->secret && !PQgetisnull(res, 0, 4)) ||
	    (!out->previous_secret && !PQgetisnull(res, 0, 5)) ||
	    (!out->event_filters && !PQgetisnull(res, 0, 6))) {
		trigger_info_free(out);
		rc = STORE_ERROR;
	}
	/* the result held the secrets too */
	for (int col = 4; col <= 5; col++) {
		char *v = PQgetvalue(res, 0, col);
		OPENSSL_cleanse(v, strlen(v));
	}
done:
	PQclear(res);
	return rc;
}

static void free_secret(char **s)
{
	if (*s) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void trigger_info_free(struct trigger_info *t)
{
	free_secret(&t->secret);
	free_secret(&t->previous_secret);
	free(t->event_filters);
	t->event_filters = NULL;
}

/* out from a result whose first columns are http_status, response_body, delivery_id. */
static enum store_rc take_answer(const PGresult *res, const char *outcome, struct ingest_result *out)
{
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1)) {
		log_error("the ingest returned no answer");
		return STORE_ERROR;
	}
	out->http_status = atoi(PQgetvalue(res, 0, 0));
	out->response_body = strdup(PQgetvalue(res, 0, 1));
	if (!out->response_body)
		return STORE_ERROR;
	if (!PQgetisnull(res, 0, 2))
		copy_field(out->delivery_id, sizeof(out->delivery_id), res, 2);
	snprintf(out->outcome, sizeof(out->outcome), "%s",
		 outcome ? outcome : PQgetvalue(res, 0, 3));
	return STORE_OK;
}

/*
 * The delivery's own columns, in the order both ingest functions take them
 * after their ids: trigger, event, dedupe key and source, signature status,
 * selected headers, content type, raw body (binary: the exact bytes).
 */
#define DELIVERY_PARAMS 8
static void delivery_params(const struct ingest_args *a, const char **values, int *lengths,
			    int *formats)
{
	values[0] = a->trigger->trigger_id;
	values[1] = a->event;
	values[2] = a->dedupe_key;
	values[3] = a->dedupe_source;
	values[4] = a->signature_status;
	values[5] = a->selected_headers;
	values[6] = a->content_type;
	values[7] = (const char *)a->raw_body;
	lengths[7] = (int)a->raw_body_len;
	formats[7] = 1;
}

/*
 * The first parameters of st_accept and of hookgate_ingest alike: the two
 * ids, the delivery's own columns, the run's payload.
 */
#define INGEST_PARAMS (2 + DELIVERY_PARAMS + 1)
static void ingest_params(const struct ingest_args *a, const char **values, int *lengths, int *formats)
{
	values[0] = a->delivery_id;
	values[1] = a->run_id;
	delivery_params(a, values + 2, lengths + 2, formats + 2);
	values[2 + DELIVERY_PARAMS] = a->trigger_payload;
}

/*
 * The ingest rolled back with an error that is not the database's absence:
 * record the delivery as failed, with that error (SQLSTATE and primary
 * message: never a value), answered 500.
 */
static enum store_rc persist_failed(const struct ingest_args *a, struct ingest_result *out)
{
	const char *values[1 + DELIVERY_PARAMS + 2];
	int lengths[HG_ARRAY_LEN(values)] = { 0 }, formats[HG_ARRAY_LEN(values)] = { 0 };
	char error[512];
	PGresult *res;
	enum store_rc rc;

	_Static_assert(HG_ARRAY_LEN(values) == 11, "hookgate_ingest_failed's parameters");
	snprintf(error, sizeof(error), "%s", store_last_error());
	values[0] = a->delivery_id;
	delivery_params(a, values + 1, lengths + 1, formats + 1);
	values[1 + DELIVERY_PARAMS] = a->received_at;
	values[2 + DELIVERY_PARAMS] = error;
	rc = store_exec_binary(&st_failed, values, lengths, formats, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		/* the trigger was deleted meanwhile (a SQL function's OUT row is then all NULL) */
		PQclear(res);
		return STORE_NOT_FOUND;
	}
	rc = take_answer(res, "failed", out);
	PQclear(res);
	return rc;
}

/* Whether a webhook takes st_accept: it would be accepted, not deferred, by a trigger ready at the lookup. */
static bool takes_accept(const struct ingest_args *a)
{
	return a->makes_run && a->defer_ms == 0 && a->trigger->ready;
}

/* st_accept's answer: accepted, or the live delivery that holds the key (every value an id); takes accepted. */
static enum store_rc accept_answer(const struct ingest_args *a, const PGresult *res, char *accepted,
				   struct ingest_result *out)
{
	const char *got, *run;

	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		log_error("the ingest returned no answer");
		free(accepted);
		return STORE_ERROR;
	}
	got = PQgetvalue(res, 0, 0);
	out->http_status = 200;
	copy_field(out->delivery_id, sizeof(out->delivery_id), res, 0);
	if (strcmp(got, a->delivery_id) == 0) {
		snprintf(out->outcome, sizeof(out->outcome), "accepted");
		out->response_body = accepted;
		return STORE_OK;
	}
	free(accepted);
	run = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
	snprintf(out->outcome, sizeof(out->outcome), "duplicate");
	if (asprintf(&out->response_body, "{\"status\":\"duplicate\",\"delivery_id\":\"%s\",\"run_id\":%s%s%s}",
		     got, run ? "\"" : "", run ? run : "null", run ? "\"" : "") < 0) {
		out->response_body = NULL;
		return STORE_ERROR;
	}
	return STORE_OK;
}

static enum store_rc persist_accepted(const struct ingest_args *a, struct ingest_result *out)
{
	const struct trigger_info *t = a->trigger;
	const char *values[INGEST_PARAMS + 5], *notify[1] = { a->run_id };
	int lengths[HG_ARRAY_LEN(values)] = { 0 }, formats[HG_ARRAY_LEN(values)] = { 0 };
	const char **v = values + INGEST_PARAMS;
	char *body;
	PGresult *res;
	enum store_rc rc;

	_Static_assert(HG_ARRAY_LEN(values) == 16, "st_accept's parameters");
	if (asprintf(&body, "{\"status\":\"accepted\",\"delivery_id\":\"%s\",\"run_id\":\"%s\","
		     "\"autopilot_id\":\"%s\",\"trigger_id\":\"%s\"}",
		     a->delivery_id, a->run_id, t->autopilot_id, t->trigger_id) < 0)
		return STORE_ERROR;
	ingest_params(a, values, lengths, formats);
	v[0] = t->autopilot_id;
	v[1] = t->workspace_id;
	v[2] = t->provider;
	v[3] = body;
	v[4] = a->received_at;

	rc = store_exec_then(&st_accept, values, lengths, formats, &st_notify, notify, &res);
	if (rc != STORE_OK) {
		free(body);
		return rc == STORE_ERROR ? persist_failed(a, out) : rc;
	}
	rc = accept_answer(a, res, body, out);
	PQclear(res);
	return rc;
}

enum store_rc ingest_persist(const struct ingest_args *a, struct ingest_result *out)
{
	char offline[24], defer[24];
	const char *values[INGEST_PARAMS + 5], *notify[1] = { a->run_id };
	int lengths[HG_ARRAY_LEN(values)] = { 0 }, formats[HG_ARRAY_LEN(values)] = { 0 };
	const char **v = values + INGEST_PARAMS;
	PGresult *res;
	enum store_rc rc;

	_Static_assert(HG_ARRAY_LEN(values) == 16, "hookgate_ingest's parameters");
	memset(out, 0, sizeof(*out));
	if (takes_accept(a))
		return persist_accepted(a, out);
	snprintf(offline, sizeof(offline), "%ld", a->offline_after_s);
	snprintf(defer, sizeof(defer), "%lld", a->defer_ms);
	ingest_params(a, values, lengths, formats);
	v[0] = a->event_filtered ? "true" : "false";
	v[1] = offline;
	v[2] = a->received_at;
	v[3] = a->handshake_body;
	v[4] = defer;

	rc = store_exec_then(&st_ingest, values, lengths, formats, &st_notify, notify, &res);
	if (rc == STORE_ERROR)
		return persist_failed(a, out);
	if (rc != STORE_OK)
		return rc;
	rc = take_answer(res, NULL, out);
	PQclear(res);
	return rc;
}
