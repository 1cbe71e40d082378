/* ingest: the ingress's two round trips: the token lookup and the one persist-first transaction. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "db/ingest.h"
#include "db/trigger.h"
#include "lib/log.h"

static struct statement st_lookup = { "hg_lookup_token",
	"SELECT t.id, t.autopilot_id, a.workspace_id, t.provider, t.signing_secret,"
	"       CASE WHEN t.previous_secret_expires_at > now()"
	"            THEN t.previous_signing_secret END,"
	"       t.event_filters::text"
	"  FROM autopilot_trigger t JOIN autopilot a ON a.id = t.autopilot_id"
	" WHERE t.webhook_token_hash = $1 AND t.kind = 'webhook'", 1, 0, true };

static struct statement st_ingest = { "hg_ingest",
	"SELECT http_status, response_body, delivery_id, outcome"
	"  FROM hookgate_ingest($1::uuid, $2, $3, $4, $5, $6::jsonb, $7, $8::bytea,"
	"                       $9::jsonb, $10::boolean, $11::integer, $12::timestamptz, $13)", 13, 0, false };


static char *dup_or_null(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

static void copy_field(char *dst, size_t size, const PGresult *res, int col)
{
	snprintf(dst, size, "%s", PQgetvalue(res, 0, col));
}

enum store_rc ingest_lookup_token(const char *token, struct trigger_info *out)
{
	char hash[65];
	const char *values[1] = { hash };
	PGresult *res;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	/* only the token's SHA-256 is stored (SPEC 2) */
	trigger_token_hash(token, hash);
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

enum store_rc ingest_persist(const struct ingest_args *a, struct ingest_result *out)
{
	char offline[24];
	const char *values[13];
	int lengths[13] = { 0 }, formats[13] = { 0 };
	PGresult *res;
	enum store_rc rc;

	memset(out, 0, sizeof(*out));
	snprintf(offline, sizeof(offline), "%ld", a->offline_after_s);
	values[0] = a->trigger_id;
	values[1] = a->event;
	values[2] = a->dedupe_key;
	values[3] = a->dedupe_source;
	values[4] = a->signature_status;
	values[5] = a->selected_headers;
	values[6] = a->content_type;
	values[7] = (const char *)a->raw_body;
	lengths[7] = (int)a->raw_body_len;
	formats[7] = 1;			/* bytea sent as binary: the exact bytes */
	values[8] = a->trigger_payload;
	values[9] = a->event_filtered ? "true" : "false";
	values[10] = offline;
	values[11] = a->received_at;
	values[12] = a->handshake_body;

	rc = store_exec_binary(&st_ingest, values, lengths, formats, &res);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1)) {
		log_error("hookgate_ingest returned no answer");
		rc = STORE_ERROR;
		goto done;
	}
	out->http_status = atoi(PQgetvalue(res, 0, 0));
	out->response_body = strdup(PQgetvalue(res, 0, 1));
	if (!out->response_body) {
		rc = STORE_ERROR;
		goto done;
	}
	if (!PQgetisnull(res, 0, 2))
		copy_field(out->delivery_id, sizeof(out->delivery_id), res, 2);
	copy_field(out->outcome, sizeof(out->outcome), res, 3);
done:
	PQclear(res);
	return rc;
}

