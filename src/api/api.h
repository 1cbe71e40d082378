/* api: helpers shared by the management API's handlers (SPEC 4). */
#ifndef HG_API_H
#define HG_API_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "http/request.h"
#include "db/model.h"
#include "db/store.h"

/* The 400 message for a body that is JSON but that jsonb cannot store. */
#define API_UNSTORABLE_JSON \
	"JSON that cannot be stored (\\u0000, an unpaired surrogate, or a number beyond PostgreSQL's numeric)"

/*
 * The request body as a JSON object (an empty body is an empty object),
 * owned by the caller: strict RFC 8259 and storable as jsonb (json_storable). On failure a 400 has been sent and false returned.
 */
bool api_body_object(struct hg_request *r, struct json_object **out) HG_MUSTCHECK;

/*
 * Whether a resource module's call succeeded (rc STORE_OK). Otherwise the
 * answer has been sent: 404 "<missing> not found" for STORE_NOT_FOUND, else
 * as req_send_store_failed. missing NULL: the call has no not-found of its
 * own (its outcome tells), every failure is as req_send_store_failed.
 */
bool api_store_ok(struct hg_request *r, enum store_rc rc, const char *missing) HG_MUSTCHECK;

/* 404 {"error":"<thing> not found"}. */
void api_not_found(struct hg_request *r, const char *thing);

/* 400 {"error": message}. */
void api_bad_request(struct hg_request *r, const char *message);

/*
 * ?limit=: def when absent; 1..max, else a 400 has been sent and false
 * returned.
 */
bool api_limit(struct hg_request *r, int def, int max, int *out) HG_MUSTCHECK;

/*
 * Keyset cursors: an opaque base64url of "<created_at>|<id>". api_cursor
 * writes the cursor of row (columns created_at_col and id_col) to out
 * (at least 128 bytes). api_before reads ?before= into ts (64) and id (37):
 * false with no cursor given (ts and id ""), or with a 400 sent when it is
 * malformed (then *bad is true).
 */
void api_cursor(const PGresult *res, int row, int created_at_col, int id_col, char *out);
bool api_before(struct hg_request *r, char *ts, char *id, bool *bad);

/* The query of a page: ?limit= and ?before=. */
struct api_page {
	int limit;			/* rows to answer */
	char limit_txt[16];		/* limit + 1, the rows to ask for: one more says there is a next page */
	bool before;			/* whether ?before= was given */
	char ts[64], id[37];		/* its cursor (api_before); "" when not given */
	struct model_page model;	/* the page as a module's list takes it: points into this struct */
};

/* api_limit (def when absent, 1..max), then api_before, into p (p->model too); false after a 400. */
bool api_page_args(struct hg_request *r, int def, int max, struct api_page *p)
	HG_MUSTCHECK;

/*
 * Send 200 {name: [rows], "next_cursor": cursor or null} from res, which was
 * asked for limit + 1 rows (an extra row means there is a next page). A
 * first row whose id_col is NULL (the LEFT JOIN from an autopilot without
 * rows) counts as none.
 */
void api_send_page(struct hg_request *r, const PGresult *res, const char *name, int limit,
		   int created_col, int id_col);

/* api_send_page with each row's JSON from to_json (a resource module's). */
void api_send_page_of(struct hg_request *r, const PGresult *res, const char *name, int limit,
		      int created_col, int id_col, model_row_fn to_json);

/*
 * Run st, a statement scoped by an owner (e.g. "autopilot"). True when it
 * found what it was asked for; otherwise the answer has been sent: 503/500
 * when the store failed; with owner, a 404 "<owner> not found" when no row
 * came back; with thing as well (e.g. "run", the owner's), a 404 "<thing>
 * not found" when row 0 has a NULL id_col. *res is the caller's to PQclear in
 * every case (NULL when the store failed).
 */
bool api_exec_found(struct hg_request *r, struct statement *st, const char *const *values,
		    const char *owner, const char *thing, int id_col, PGresult **res)
	HG_MUSTCHECK;

/*
 * Run st, a page asked for limit + 1 rows, and answer it as api_send_page
 * does. With owner (a list joined from its owner, which gives a row even
 * when empty), no row at all is a 404 "<owner> not found".
 */
void api_exec_page(struct hg_request *r, struct statement *st, const char *const *values,
		   const char *owner, const char *name, int limit, int created_col, int id_col);

/* Send 200/201 with obj and put it (obj is consumed). */
void api_send(struct hg_request *r, int status, struct json_object *obj);

/*
 * Send status with {name: obj} (obj is consumed); a 500 when obj is NULL
 * (out of memory) or cannot be wrapped.
 */
void api_send_member(struct hg_request *r, int status, const char *name, struct json_object *obj);

#endif
