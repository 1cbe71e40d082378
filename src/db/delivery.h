/* delivery: the webhook_delivery resource: its columns, statements and JSON, and the single and bulk replays (SPEC 2, 4.4), for the API and hookgatectl. */
#ifndef HG_DB_DELIVERY_H
#define HG_DB_DELIVERY_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/model.h"
#include "db/store.h"

/* A replay's idempotency key, at most this many bytes (trimmed). */
#define DELIVERY_IDEMPOTENCY_KEY_MAX 255

/* A delivery's statuses, NULL-terminated. */
extern const char *const delivery_statuses[];
#define DELIVERY_STATUS_COUNT 5

/* A delivery's signature statuses, NULL-terminated. */
extern const char *const delivery_signature_statuses[];

/* The columns of a page of delivery_rows: the delivery's id first, its created_at last. */
#define DELIVERY_COL_ID		0
#define DELIVERY_COL_CREATED	18

/*
 * Every function taking workspace_id and autopilot_id is scoped by both
 * (workspace_id NULL: any workspace, hookgatectl's): a delivery of another
 * autopilot or workspace is not found, exactly as one that does not
 * exist. On STORE_NOT_FOUND, *missing says what ("autopilot" or "delivery").
 */

/*
 * An autopilot's deliveries a page at a time (model_list_page,
 * model_list_cursor), of one of delivery_statuses, slim: never raw_body,
 * selected_headers or response_body.
 */
extern const struct model_list delivery_rows;

/*
 * The delivery detail (SPEC 4.4: every column, raw_body as text when it
 * is UTF-8, else base64 with raw_body_encoding "base64") of delivery_id;
 * autopilot_id NULL: of any autopilot.
 */
enum store_rc delivery_show(const char *workspace_id, const char *autopilot_id,
			    const char *delivery_id, struct json_object **out,
			    const char **missing) HG_MUSTCHECK;

/* What a filtered page holds (each NULL: any). */
struct delivery_filter {
	const char *status;		/* one of delivery_statuses */
	const char *signature_status;	/* one of delivery_signature_statuses */
	const char *event;		/* the event, or its start up to a dot ("github.issues") */
};

/*
 * A page of an autopilot's deliveries as delivery_rows gives it (the same
 * columns, its to_json for each row) plus run_status, the status of
 * its run (NULL: none), of the deliveries that f lets through (the
 * console's list). STORE_NOT_FOUND: no such autopilot.
 */
enum store_rc delivery_find_page(const char *workspace_id, const char *autopilot_id,
				 const struct delivery_filter *f, const struct model_page *page,
				 PGresult **res) HG_MUSTCHECK;

/* The hours that delivery_day counts. */
#define DELIVERY_DAY_HOURS 24

/* An autopilot's deliveries of the last DELIVERY_DAY_HOURS hours. */
struct delivery_day {
	/* [0]: the hour up to now, [1] the one before...; by delivery_statuses index */
	long count[DELIVERY_DAY_HOURS][DELIVERY_STATUS_COUNT];
	long total;
};

/* Count the deliveries of the last day of the autopilot, by hour and status. */
enum store_rc delivery_day(const char *workspace_id, const char *autopilot_id,
			   struct delivery_day *out) HG_MUSTCHECK;

/*
 * The replay chain of delivery_id: an array of {direction, depth, id,
 * status, received_at}, first the deliveries it was replayed from
 * ("from", nearest first), then those replayed from it ("to", oldest
 * first). [] for an unknown delivery.
 */
enum store_rc delivery_chain(const char *workspace_id, const char *autopilot_id,
			     const char *delivery_id, struct json_object **out) HG_MUSTCHECK;

/* How an idempotency key (a header, an option) is wrong. */
enum delivery_key {
	DELIVERY_KEY_OK,
	DELIVERY_KEY_EMPTY,		/* blank */
	DELIVERY_KEY_TOO_LONG,		/* over DELIVERY_IDEMPOTENCY_KEY_MAX bytes once trimmed */
	DELIVERY_KEY_NOT_UTF8,
};

/*
 * s[0..len) trimmed of blanks into key (DELIVERY_IDEMPOTENCY_KEY_MAX + 1
 * bytes) when it is a usable idempotency key.
 */
enum delivery_key delivery_idempotency_key(const char *s, size_t len, char *key);

/* What a replay asks for. */
struct delivery_replay_args {
	const char *workspace_id;	/* NULL: the delivery's own (hookgatectl) */
	const char *autopilot_id;	/* NULL: the delivery's own */
	const char *delivery_id;
	const char *idempotency_key;	/* NULL: none */
	long offline_after_s;		/* runtime_offline_after */
};

enum delivery_replay_outcome {
	REPLAY_CREATED,		/* a new delivery and run: 201 */
	REPLAY_REPEATED,	/* the first replay with this idempotency key: 200 */
	REPLAY_NOT_FOUND,	/* message: "autopilot not found" or "delivery not found" */
	REPLAY_REFUSED,		/* message says why: 400 */
};

struct delivery_replay_result {
	enum delivery_replay_outcome outcome;
	char message[256];		/* NOT_FOUND, REFUSED */
	char delivery_id[STORE_ID_LEN];	/* CREATED, REPEATED: the replay's */
	/* CREATED, REPEATED: {"delivery": its detail, "run": its run or null}, owned */
	struct json_object *answer;
};

/*
 * Replay a stored delivery (SPEC 4.4): its trigger_payload rebuilt from
 * the stored raw body, content type and selected headers by envelope_make
 * (the ingress's code) with a new receivedAt, then the new delivery and
 * its run in one transaction (sql hookgate_replay). out->answer is the
 * caller's to put.
 */
enum store_rc delivery_replay(const struct delivery_replay_args *a,
			      struct delivery_replay_result *out) HG_MUSTCHECK;

/* ---- bulk replay (SPEC 4.4) ---- */

/* A bulk replay's limit: by default and at most; its status list; its event. */
#define DELIVERY_BULK_DEFAULT_LIMIT	100
#define DELIVERY_BULK_MAX_LIMIT		1000
#define DELIVERY_BULK_MAX_STATUSES	16
#define DELIVERY_BULK_EVENT_MAX_CHARS	1024

/* The statuses a bulk replay may name: a delivery's (delivery_statuses) and a run's (run_statuses), NULL-terminated. */
extern const char *const delivery_bulk_statuses[];

/* What a bulk replay asks for. */
struct delivery_bulk_args {
	const char *workspace_id;	/* NULL: any (hookgatectl) */
	const char *autopilot_id;
	const char *since;		/* RFC 3339: received_at from since on, */
	const char *until;		/* and before until */
	/* delivery or run statuses, NULL-terminated; none: any */
	const char *statuses[DELIVERY_BULK_MAX_STATUSES + 1];
	const char *event;		/* NULL: any */
	long limit;			/* 1 to DELIVERY_BULK_MAX_LIMIT */
	const char *idempotency_key;	/* NULL: none */
	long offline_after_s;		/* runtime_offline_after */
};

/*
 * Whether a asks for something that can be done: since and until RFC
 * 3339 times, since before until, each status one of a delivery's or a
 * run's, the event UTF-8 of 1 to DELIVERY_BULK_EVENT_MAX_CHARS characters,
 * the limit in range. Else false with why (a 400's message, naming
 * the member as the API does) in msg.
 */
bool delivery_bulk_check(const struct delivery_bulk_args *a, char *msg, size_t len)
	HG_MUSTCHECK;

enum delivery_bulk_outcome {
	BULK_DONE,		/* answer: the replays made now, or the first answer of this key */
	BULK_NOT_FOUND,		/* no such autopilot (in the workspace) */
	BULK_KEY_REUSED,	/* the idempotency key was used for another request: 409 */
};

struct delivery_bulk_result {
	enum delivery_bulk_outcome outcome;
	/*
	 * BULK_DONE: {"replayed":[{"from","delivery_id","run_id"}],
	 * "skipped":[{"from","reason"}],"next_since": ts or null}, owned.
	 */
	struct json_object *answer;
};

/*
 * Replay, oldest first, the original deliveries (not replays) of the
 * autopilot received in [since, until) whose own status or whose run's is
 * one of the statuses, at most limit of them, each with the single
 * replay's rules (delivery_replay: one that is refused is listed in
 * skipped with why), in one transaction. next_since, when more are left,
 * is the received_at to ask from next: a page never ends inside a group of
 * deliveries received at the same instant (a group that alone outnumbers
 * the limit is replayed whole, up to DELIVERY_BULK_MAX_LIMIT, and the next
 * page starts just after it). With an idempotency key, a request already made
 * with it gets its first answer and replays nothing. Check a with
 * delivery_bulk_check first.
 */
enum store_rc delivery_bulk_replay(const struct delivery_bulk_args *a,
				   struct delivery_bulk_result *out) HG_MUSTCHECK;

#endif
