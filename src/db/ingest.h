/* ingest: the ingress's two round trips: the token lookup and the one persist-first transaction (SPEC 3.1). */
#ifndef HG_DB_INGEST_H
#define HG_DB_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "db/store.h"

/* What the token lookup returns: one trigger with its autopilot. */
struct trigger_info {
	char trigger_id[37];
	char autopilot_id[37];
	char workspace_id[37];
	char provider[32];
	char *secret;			/* NULL when none; cleansed on free */
	char *previous_secret;		/* NULL unless still within its expiry */
	char *event_filters;		/* JSON text, NULL when none */
	bool ready;			/* at the lookup: the trigger enabled, its autopilot
					   active, its runtime online (none, or seen within
					   offline_after_s) */
};

struct ingest_args {
	const char *delivery_id;	/* UUIDv7, made by the caller */
	const char *run_id;		/* UUIDv7: the run's id when one is made */
	const struct trigger_info *trigger;	/* the token lookup's */
	const char *event;
	const char *dedupe_key;		/* NULL when none */
	const char *dedupe_source;
	const char *signature_status;
	const char *selected_headers;	/* JSON text */
	const char *content_type;	/* NULL when none */
	const unsigned char *raw_body;
	size_t raw_body_len;
	const char *trigger_payload;	/* the envelope's JSON text, parsed once by PostgreSQL */
	bool event_filtered;
	long offline_after_s;
	const char *received_at;	/* RFC 3339 */
	const char *handshake_body;	/* Slack url_verification answer, or NULL */
	bool makes_run;			/* the signature not refused, no handshake, the event
					   admitted: the webhook may make a run */
	long long defer_ms;		/* token_rate's deferral of the run; 0: none */
};

struct ingest_result {
	int http_status;
	char *response_body;		/* owned: free() it */
	char delivery_id[37];		/* "" when none */
	char outcome[16];		/* accepted, skipped, ignored, duplicate, rejected, failed, not_found */
};

/* The trigger, autopilot and workspace of a webhook token, and whether it is ready, in one query. */
enum store_rc ingest_lookup_token(const char *token, long offline_after_s, struct trigger_info *out)
	HG_MUSTCHECK;
void trigger_info_free(struct trigger_info *t);

/*
 * The one transaction of SPEC 3.1 step 9; out->response_body is the answer
 * to send. An accepted webhook to a ready trigger takes one flat insert, any
 * other case hookgate_ingest (doc/decisions.md). A pending run's NOTIFY follows the commit in a transaction of
 * its own, pipelined (no extra round trip). A failed dispatch rolls back
 * and is then recorded as a failed delivery, answered 500.
 */
enum store_rc ingest_persist(const struct ingest_args *a, struct ingest_result *out) HG_MUSTCHECK;

#endif
