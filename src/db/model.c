/* model: JSON of stored rows (any row by column type, lists) and the shared list, cursor and get statements of an autopilot's rows, from text-format PGresults. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/model.h"
#include "lib/json.h"
#include "lib/util.h"

/* Type OIDs of pg_type (stable across PostgreSQL versions). */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_JSON	114
#define OID_JSONB	3802

/* Stored payloads nest an envelope around the body; allow more than json-c's default 32. */
#define MODEL_JSON_DEPTH 256

/* Add v (may be NULL: JSON null) to o under key; v is put when that fails. */
static HG_MUSTCHECK bool add(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* The text of a json/jsonb value parsed; the text as a string if it does not parse. */
static HG_MUSTCHECK bool parse_json(const char *text, struct json_object **out)
{
	struct json_tokener *tok = json_tokener_new_ex(MODEL_JSON_DEPTH);

	*out = NULL;
	if (!tok)
		return false;
	/* -1: the terminating NUL is part of the input, so a bare number ends */
	*out = json_tokener_parse_ex(tok, text, -1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(*out);
		*out = json_object_new_string(text);
		if (!*out)
			goto fail;
	} else if (!json_keep_numbers(text, strlen(text), out)) {
		/* jsonb keeps integers beyond 64 bits, json-c would clamp them */
		json_object_put(*out);
		*out = NULL;
		goto fail;
	}
	json_tokener_free(tok);
	return true;
fail:
	json_tokener_free(tok);
	return false;
}

/*
 * A column's value as JSON by its type into *v: a boolean, a whole number,
 * json/jsonb parsed, anything else a string; NULL (JSON null) when SQL
 * NULL. False when out of memory.
 */
static HG_MUSTCHECK bool column_json(const PGresult *res, int row, int col,
				     struct json_object **v)
{
	const char *text = PQgetvalue(res, row, col);

	*v = NULL;
	if (PQgetisnull(res, row, col))
		return true;
	switch (PQftype(res, col)) {
	case OID_BOOL:
		*v = json_object_new_boolean(text[0] == 't');
		break;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		*v = json_object_new_int64(strtoll(text, NULL, 10));
		break;
	case OID_JSON:
	case OID_JSONB:
		return parse_json(text, v);
	default:
		*v = json_object_new_string_len(text, PQgetlength(res, row, col));
		break;
	}
	return *v != NULL;
}

struct json_object *model_rows_json(const PGresult *res, model_row_fn to_json)
{
	struct json_object *arr = json_object_new_array();
	int n = PQntuples(res);

	if (!arr)
		return NULL;
	if (n == 1 && PQnfields(res) > 0 && PQgetisnull(res, 0, 0))
		n = 0;	/* a list joined from its owner, which has none */
	for (int i = 0; i < n; i++) {
		struct json_object *o = to_json(res, i);

		if (!o || json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

enum store_rc model_exec_one(struct statement *st, const char *const *values,
			     model_row_fn to_json, struct json_object **out)
{
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	*out = NULL;
	if (rc == STORE_OK && PQntuples(res) != 1)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK && !(*out = to_json(res, 0)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

enum store_rc model_exec_list(struct statement *st, const char *const *values,
			      model_row_fn to_json, struct json_object **out)
{
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	*out = NULL;
	if (rc == STORE_OK && !(*out = model_rows_json(res, to_json)))
		rc = STORE_ERROR;
	PQclear(res);
	return rc;
}

bool model_add(struct json_object *o, const char *key, struct json_object *v)
{
	return add(o, key, v);
}

struct json_object *model_row_json(const PGresult *res, int row)
{
	return model_row_json_from(res, row, 0);
}

struct json_object *model_row_json_from(const PGresult *res, int row, int first)
{
	struct json_object *o = NULL;
	int ncols = res ? PQnfields(res) : 0;

	if (!res || row < 0 || row >= PQntuples(res) || first < 0)
		goto fail;
	o = json_object_new_object();
	if (!o)
		goto fail;
	for (int col = first; col < ncols; col++) {
		struct json_object *v;

		if (!column_json(res, row, col, &v) || !add(o, PQfname(res, col), v))
			goto fail;
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

enum store_rc model_list_page(const struct model_list *l, const char *workspace_id,
			      const char *owner_id, const char *status,
			      const struct model_page *page, PGresult **res)
{
	const char *values[6] = { workspace_id, owner_id, status, page->before_ts,
				  page->before_ts ? page->before_id : NULL, page->limit };
	enum store_rc rc = store_exec(&l->pages[(status ? 2 : 0) + (page->before_ts ? 1 : 0)],
				      values, res);

	if (rc == STORE_OK && PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		rc = STORE_NOT_FOUND;
	}
	return rc;
}

enum store_rc model_list_cursor(const struct model_list *l, const char *owner_id, const char *id,
				char *ts, const char **missing)
{
	const char *values[2] = { owner_id, id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(l->cursor, values, &res);

	ts[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		*missing = PQntuples(res) == 0 ? "autopilot" : l->thing;
		rc = STORE_NOT_FOUND;
	} else {
		snprintf(ts, 64, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

enum store_rc model_get_exec(struct statement *st, const char *thing, const char *workspace_id,
			     const char *owner_id, const char *id, PGresult **res,
			     const char **missing)
{
	const char *values[3] = { workspace_id, owner_id, id };
	enum store_rc rc = store_exec(st, values, res);

	if (rc != STORE_OK)
		return rc;
	if (PQntuples(*res) == 0 || PQgetisnull(*res, 0, 0)) {
		/* without an owner, no row means no such row */
		*missing = PQntuples(*res) == 0 && owner_id ? "autopilot" : thing;
		PQclear(*res);
		*res = NULL;
		return STORE_NOT_FOUND;
	}
	return STORE_OK;
}
