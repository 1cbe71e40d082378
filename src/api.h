/* api: helpers shared by the management API's handlers (SPEC 4). */
#ifndef HG_API_H
#define HG_API_H

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "request.h"
#include "store.h"

/*
 * The request body as a JSON object (an empty body is an empty object),
 * owned by the caller. On failure a 400 has been sent and false returned.
 */
bool api_body_object(struct hg_request *r, struct json_object **out) __attribute__((warn_unused_result));

/* Answer a failed store call: 503 when unavailable, else 500. */
void api_store_failed(struct hg_request *r, enum store_rc rc);

/* 404 {"error":"<thing> not found"}. */
void api_not_found(struct hg_request *r, const char *thing);

/* 400 {"error": message}. */
void api_bad_request(struct hg_request *r, const char *message);

/*
 * ?limit=: def when absent; 1..max, else a 400 has been sent and false
 * returned.
 */
bool api_limit(struct hg_request *r, int def, int max, int *out) __attribute__((warn_unused_result));

/*
 * Keyset cursors: an opaque base64url of "<created_at>|<id>". api_cursor
 * writes the cursor of row (columns created_at_col and id_col) to out
 * (at least 128 bytes). api_before reads ?before= into ts (64) and id (37):
 * false with no cursor given (ts and id ""), or with a 400 sent when it is
 * malformed (then *bad is true).
 */
void api_cursor(const PGresult *res, int row, int created_at_col, int id_col, char *out);
bool api_before(struct hg_request *r, char *ts, char *id, bool *bad);

/* An object {name: array} from every row of res through model_row_json. */
struct json_object *api_rows(const PGresult *res, const char *name);

/*
 * Send 200 {name: [rows], "next_cursor": cursor or null} from res, which was
 * asked for limit + 1 rows (an extra row means there is a next page). A
 * first row whose id_col is NULL (the LEFT JOIN from an autopilot without
 * rows) counts as none.
 */
void api_send_page(struct hg_request *r, const PGresult *res, const char *name, int limit,
		   int created_col, int id_col);

/* Send 200/201 with obj and put it (obj is consumed). */
void api_send(struct hg_request *r, int status, struct json_object *obj);

/*
 * The request's value for key as a string: *out is NULL when absent or
 * null. False (after a 400 naming the key) when present but not a string.
 */
bool api_opt_string(struct hg_request *r, struct json_object *body, const char *key,
		    const char **out) __attribute__((warn_unused_result));

#endif
