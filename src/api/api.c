/* api: body parsing, paging, cursors and error answers shared by the API handlers. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/model.h"
#include "lib/json.h"
#include "lib/util.h"

bool api_body_object(struct hg_request *r, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t used;

	*out = NULL;
	if (!req_take_body(r))
		return false;
	used = strspn((const char *)r->body, " \t\r\n");
	if (used == r->body_len) {
		*out = json_object_new_object();
		return *out != NULL;
	}
	switch (json_storable(r->body, r->body_len)) {
	case JSON_STORABLE:
		break;
	case JSON_UNSTORABLE:
		api_bad_request(r, API_UNSTORABLE_JSON);
		return false;
	default:
		api_bad_request(r, "invalid JSON");
		return false;
	}
	tok = json_tokener_new();
	if (!tok) {
		req_send_error(r, 500, "internal error");
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, (const char *)r->body, (int)r->body_len);
	used = json_tokener_get_parse_end(tok);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn((const char *)r->body + used, " \t\r\n") != r->body_len - used) {
		json_tokener_free(tok);
		json_object_put(obj);
		api_bad_request(r, "invalid JSON");
		return false;
	}
	json_tokener_free(tok);
	/* a result's integers beyond 64 bits are stored exact */
	if (!json_keep_numbers((const char *)r->body, r->body_len, &obj)) {
		json_object_put(obj);
		req_send_error(r, 500, "internal error");
		return false;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		api_bad_request(r, "request body must be a JSON object");
		return false;
	}
	*out = obj;
	return true;
}

bool api_store_ok(struct hg_request *r, enum store_rc rc, const char *missing)
{
	if (rc == STORE_OK)
		return true;
	if (rc == STORE_NOT_FOUND && missing)
		api_not_found(r, missing);
	else
		req_send_store_failed(r, rc);
	return false;
}

void api_not_found(struct hg_request *r, const char *thing)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "%s not found", thing);
	req_send_error(r, 404, msg);
}

void api_bad_request(struct hg_request *r, const char *message)
{
	req_send_error(r, 400, message);
}

bool api_limit(struct hg_request *r, int def, int max, int *out)
{
	char buf[16], msg[64], *end;
	long v;

	*out = def;
	if (!req_query_has(r, "limit"))
		return true;
	if (req_query(r, "limit", buf, sizeof(buf))) {
		v = strtol(buf, &end, 10);
		if (end != buf && *end == '\0' && v >= 1 && v <= max) {
			*out = (int)v;
			return true;
		}
	}
	snprintf(msg, sizeof(msg), "limit must be a whole number from 1 to %d", max);
	api_bad_request(r, msg);
	return false;
}

void api_cursor(const PGresult *res, int row, int created_at_col, int id_col, char *out)
{
	char raw[96];
	int n = snprintf(raw, sizeof(raw), "%s|%s", PQgetvalue(res, row, created_at_col),
			 PQgetvalue(res, row, id_col));

	if (n < 0 || (size_t)n >= sizeof(raw)) {
		out[0] = '\0';
		return;
	}
	base64url_encode((const unsigned char *)raw, (size_t)n, out);
}

/* base64url without padding back to bytes; -1 when malformed. */
static long base64url_decode(const char *in, unsigned char *out, size_t outlen)
{
	char buf[140];
	size_t n = strlen(in), i;

	if (n == 0 || n + 3 >= sizeof(buf) || n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=')
			return -1;
		buf[i] = c;
	}
	while (i % 4)
		buf[i++] = '=';
	buf[i] = '\0';
	return base64_decode(buf, out, outlen);
}

/*
 * Whether ts is a timestamp as the lists render them (to_json of a
 * timestamptz in UTC): 2026-11-30T02:13:35[.123456]+00:00, with a date
 * and time PostgreSQL accepts, so a forged cursor is a 400, never a 500.
 */
static bool cursor_time_valid(const char *ts)
{
	int y, mo, d, h, mi, sec, n = 0;
	const char *p;

	/* the shape first: sscanf's %d would also take signs and blanks */
	for (int i = 0; i < 19; i++) {
		char want = "dddd-dd-ddTdd:dd:dd"[i];

		if (want == 'd' ? !isdigit((unsigned char)ts[i]) : ts[i] != want)
			return false;
	}
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 ||
	    h < 0 || mi < 0 || sec < 0)
		return false;
	if (d > 28) {
		static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		if (d > days[mo - 1] || (mo == 2 && d == 29 && !leap))
			return false;
	}
	p = ts + 19;
	if (*p == '.') {
		size_t digits = strspn(p + 1, "0123456789");

		if (digits < 1 || digits > 6)
			return false;
		p += 1 + digits;
	}
	return strcmp(p, "+00:00") == 0;
}

bool api_before(struct hg_request *r, char *ts, char *id, bool *bad)
{
	char cursor[140];
	unsigned char raw[100];
	long n;
	char *bar;

	ts[0] = id[0] = '\0';
	*bad = false;
	if (!req_query_has(r, "before"))
		return false;
	if (!req_query(r, "before", cursor, sizeof(cursor)))
		goto bad;
	n = base64url_decode(cursor, raw, sizeof(raw) - 1);
	if (n <= 0)
		goto bad;
	raw[n] = '\0';
	bar = strchr((char *)raw, '|');
	if (!bar || bar == (char *)raw || (size_t)(bar - (char *)raw) >= 64 || !uuid_valid(bar + 1))
		goto bad;
	memcpy(ts, raw, (size_t)(bar - (char *)raw));
	ts[bar - (char *)raw] = '\0';
	if (!cursor_time_valid(ts))
		goto bad;
	snprintf(id, 37, "%s", bar + 1);
	return true;
bad:
	*bad = true;
	api_bad_request(r, "invalid cursor");
	return false;
}

bool api_page_args(struct hg_request *r, int def, int max, struct api_page *p)
{
	bool bad;

	if (!api_limit(r, def, max, &p->limit))
		return false;
	p->before = api_before(r, p->ts, p->id, &bad);
	if (bad)
		return false;
	snprintf(p->limit_txt, sizeof(p->limit_txt), "%d", p->limit + 1);
	p->model.limit = p->limit_txt;
	p->model.before_ts = p->before ? p->ts : NULL;
	p->model.before_id = p->before ? p->id : NULL;
	return true;
}

void api_send(struct hg_request *r, int status, struct json_object *obj)
{
	if (!obj) {
		req_send_error(r, 500, "internal error");
		return;
	}
	req_send_json(r, status, obj);
	json_object_put(obj);
}

void api_send_member(struct hg_request *r, int status, const char *name, struct json_object *obj)
{
	struct json_object *o = json_object_new_object();

	if (!o || !obj || json_object_object_add(o, name, obj) != 0) {
		json_object_put(obj);
		json_object_put(o);
		req_send_error(r, 500, "internal error");
		return;
	}
	api_send(r, status, o);
}

void api_send_page(struct hg_request *r, const PGresult *res, const char *name, int limit,
		   int created_col, int id_col)
{
	api_send_page_of(r, res, name, limit, created_col, id_col, model_row_json);
}

void api_send_page_of(struct hg_request *r, const PGresult *res, const char *name, int limit,
		      int created_col, int id_col, model_row_fn to_json)
{
	struct json_object *out = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *next = NULL;
	char cursor[160];
	int n = PQntuples(res);

	/* a list joined from its autopilot returns one row of NULLs when empty */
	if (n > 0 && PQgetisnull(res, 0, id_col))
		n = 0;
	if (!out || !arr || json_object_object_add(out, name, arr) != 0) {
		json_object_put(arr);
		goto fail;
	}
	for (int i = 0; i < n && i < limit; i++) {
		struct json_object *row = to_json(res, i);

		if (!row || json_object_array_add(arr, row) != 0) {
			json_object_put(row);
			goto fail;
		}
	}
	if (n > limit) {
		api_cursor(res, limit - 1, created_col, id_col, cursor);
		if (!cursor[0] || !(next = json_object_new_string(cursor)))
			goto fail;
	}
	if (json_object_object_add(out, "next_cursor", next) != 0) {
		json_object_put(next);
		goto fail;
	}
	api_send(r, 200, out);
	return;
fail:
	json_object_put(out);
	req_send_error(r, 500, "internal error");
}

bool api_exec_found(struct hg_request *r, struct statement *st, const char *const *values,
		    const char *owner, const char *thing, int id_col, PGresult **res)
{
	enum store_rc rc;

	rc = store_exec(st, values, res);
	if (rc != STORE_OK) {
		req_send_store_failed(r, rc);
		return false;
	}
	if (owner && PQntuples(*res) == 0) {
		api_not_found(r, owner);
		return false;
	}
	if (thing && PQgetisnull(*res, 0, id_col)) {
		api_not_found(r, thing);
		return false;
	}
	return true;
}

void api_exec_page(struct hg_request *r, struct statement *st, const char *const *values,
		   const char *owner, const char *name, int limit, int created_col, int id_col)
{
	PGresult *res = NULL;

	if (api_exec_found(r, st, values, owner, NULL, 0, &res))
		api_send_page(r, res, name, limit, created_col, id_col);
	PQclear(res);
}
