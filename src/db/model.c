/* model: JSON of stored rows (triggers; any row by column type) from text-format PGresults. */
#include "config.h"

#include <stdarg.h>
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


#define WEBHOOK_PATH_PREFIX "/api/webhooks/autopilots/"

/* Column positions of MODEL_TRIGGER_COLUMNS. */
enum {
	TC_ID,
	TC_AUTOPILOT_ID,
	TC_KIND,
	TC_ENABLED,
	TC_PROVIDER,
	TC_LABEL,
	TC_EVENT_FILTERS,
	TC_WEBHOOK_TOKEN,
	TC_HAS_SECRET,
	TC_SECRET_HINT,
	TC_HAS_PREVIOUS,
	TC_LAST_FIRED_AT,
	TC_CREATED_AT,
	TC_UPDATED_AT,
	TC_COUNT
};

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

/* A column value as a string, or JSON null when SQL NULL. */
static HG_MUSTCHECK bool add_text(struct json_object *o, const char *key,
			   const PGresult *res, int row, int col)
{
	struct json_object *v = NULL;

	if (!PQgetisnull(res, row, col)) {
		v = json_object_new_string_len(PQgetvalue(res, row, col), PQgetlength(res, row, col));
		if (!v)
			return false;
	}
	return add(o, key, v);
}

/* A bool column ('t' or 'f') as a boolean, or JSON null when SQL NULL. */
static HG_MUSTCHECK bool add_bool(struct json_object *o, const char *key,
			   const PGresult *res, int row, int col)
{
	struct json_object *v = NULL;

	if (!PQgetisnull(res, row, col)) {
		v = json_object_new_boolean(PQgetvalue(res, row, col)[0] == 't');
		if (!v)
			return false;
	}
	return add(o, key, v);
}

/* A json/jsonb column parsed, or JSON null when SQL NULL. */
static HG_MUSTCHECK bool add_json(struct json_object *o, const char *key,
			   const PGresult *res, int row, int col)
{
	struct json_object *v = NULL;

	if (!PQgetisnull(res, row, col) && !parse_json(PQgetvalue(res, row, col), &v))
		return false;
	return add(o, key, v);
}

/* A formatted string. */
static HG_MUSTCHECK __attribute__((format(printf, 3, 4)))
bool add_printf(struct json_object *o, const char *key, const char *fmt, ...)
{
	struct json_object *v;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	v = json_object_new_string_len(s, n);
	free(s);
	if (!v)
		return false;
	return add(o, key, v);
}

struct json_object *model_trigger_json(const PGresult *res, int row,
				       const struct hg_settings *s, bool show_token)
{
	struct json_object *o = NULL;
	const char *token, *public_url = s->public_url ? s->public_url : "";
	const char *base_path = s->base_path ? s->base_path : "";
	size_t url_len = strlen(public_url);

	if (!res || PQnfields(res) < TC_COUNT || row < 0 || row >= PQntuples(res))
		goto fail;
	token = PQgetvalue(res, row, TC_WEBHOOK_TOKEN);
	while (url_len > 0 && public_url[url_len - 1] == '/')
		url_len--;

	o = json_object_new_object();
	if (!o)
		goto fail;
	if (!add_text(o, "id", res, row, TC_ID) ||
	    !add_text(o, "autopilot_id", res, row, TC_AUTOPILOT_ID) ||
	    !add_text(o, "kind", res, row, TC_KIND) ||
	    !add_bool(o, "enabled", res, row, TC_ENABLED) ||
	    !add_text(o, "provider", res, row, TC_PROVIDER) ||
	    !add_text(o, "label", res, row, TC_LABEL) ||
	    !add_json(o, "event_filters", res, row, TC_EVENT_FILTERS))
		goto fail;
	if (show_token && !PQgetisnull(res, row, TC_WEBHOOK_TOKEN)) {
		if (!add_printf(o, "webhook_path", WEBHOOK_PATH_PREFIX "%s", token))
			goto fail;
		if (url_len > 0) {
			if (!add_printf(o, "webhook_url", "%.*s%s" WEBHOOK_PATH_PREFIX "%s",
					(int)url_len, public_url, base_path, token))
				goto fail;
		} else if (!add(o, "webhook_url", NULL)) {
			goto fail;
		}
		if (!add_text(o, "webhook_token", res, row, TC_WEBHOOK_TOKEN))
			goto fail;
	} else if (!add(o, "webhook_path", NULL) || !add(o, "webhook_url", NULL) ||
		   !add(o, "webhook_token", NULL)) {
		goto fail;
	}
	if (!add_bool(o, "has_signing_secret", res, row, TC_HAS_SECRET) ||
	    !add_text(o, "signing_secret_hint", res, row, TC_SECRET_HINT) ||
	    !add_bool(o, "has_previous_signing_secret", res, row, TC_HAS_PREVIOUS) ||
	    !add_text(o, "last_fired_at", res, row, TC_LAST_FIRED_AT) ||
	    !add_text(o, "created_at", res, row, TC_CREATED_AT) ||
	    !add_text(o, "updated_at", res, row, TC_UPDATED_AT))
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

struct json_object *model_trigger_list(const PGresult *res, const struct hg_settings *s,
				       bool show_token)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		return NULL;
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *t;

		if (PQgetisnull(res, i, TC_ID))
			continue;	/* the autopilot has no trigger */
		t = model_trigger_json(res, i, s, show_token);
		if (!t || json_object_array_add(arr, t) != 0) {
			json_object_put(t);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
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
	bool ok;

	if (!res || row < 0 || row >= PQntuples(res) || first < 0)
		goto fail;
	o = json_object_new_object();
	if (!o)
		goto fail;
	for (int col = first; col < ncols; col++) {
		const char *name = PQfname(res, col);
		struct json_object *v;

		if (PQgetisnull(res, row, col)) {
			ok = add(o, name, NULL);
		} else {
			switch (PQftype(res, col)) {
			case OID_BOOL:
				ok = add_bool(o, name, res, row, col);
				break;
			case OID_INT2:
			case OID_INT4:
			case OID_INT8:
				v = json_object_new_int64(strtoll(PQgetvalue(res, row, col), NULL, 10));
				ok = v && add(o, name, v);
				break;
			case OID_JSON:
			case OID_JSONB:
				ok = add_json(o, name, res, row, col);
				break;
			default:
				ok = add_text(o, name, res, row, col);
				break;
			}
		}
		if (!ok)
			goto fail;
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
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

enum store_rc model_page_exec(struct statement *st, const char *workspace_id,
			      const char *owner_id, const char *status,
			      const struct model_page *page, PGresult **res)
{
	const char *values[6] = { workspace_id, owner_id, status, page->before_ts,
				  page->before_ts ? page->before_id : NULL, page->limit };
	enum store_rc rc = store_exec(st, values, res);

	if (rc == STORE_OK && PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		rc = STORE_NOT_FOUND;
	}
	return rc;
}

enum store_rc model_cursor_exec(struct statement *st, const char *thing, const char *owner_id,
				const char *id, char *ts, const char **missing)
{
	const char *values[2] = { owner_id, id };
	PGresult *res = NULL;
	enum store_rc rc = store_exec(st, values, &res);

	ts[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		*missing = PQntuples(res) == 0 ? "autopilot" : thing;
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
