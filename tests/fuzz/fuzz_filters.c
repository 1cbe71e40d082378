/*
 * fuzz_filters: event-filter validation and matching (src/webhook/filters.c,
 * SPEC 4.3). Input: the filters as JSON text, a newline, the delivery's
 * event, a newline, the payload as JSON text.
 * Properties: any JSON at all, valid filters or a row written outside the
 * API, never crashes either function; a refused list says why;
 * filters_valid checks the whole of SPEC 4.3 as written again here
 * (objects of "event" and "actions" only, strings non-empty, UTF-8, no NUL,
 * at most 1024 bytes, at most 100 filters); the answer is that of SPEC
 * 4.3's rule written again here over the well-formed filters (the event
 * split on '.', a known provider segment dropped, names compared whole,
 * actions empty or holding the action or one of the payload's action,
 * state, conclusion or status strings): a malformed filter in a stored list
 * matches nothing while the others still do, and one that decided a
 * refusal is named for the log.
 */
#include "config.h"

#include <json-c/json.h>

#include "fuzz.h"
#include "webhook/filters.h"
#include "lib/json.h"
#include "lib/util.h"

static struct json_object *parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *o;

	if (!tok)
		abort();
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static bool str_in(struct json_object *arr, const char *s, size_t len)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);

		if ((size_t)json_object_get_string_len(a) == len && memcmp(json_object_get_string(a), s, len) == 0)
			return true;
	}
	return false;
}

static bool oracle(struct json_object *filters, const char *event, struct json_object *payload)
{
	static const char *const known[] = { "github", "gitlab", "stripe", "shopify", "slack" };
	static const char *const fields[] = { "action", "state", "conclusion", "status" };
	const char *name = event, *dot = strchr(event, '.'), *action;
	size_t nlen;

	if (!filters || json_object_array_length(filters) == 0)
		return true;
	for (size_t i = 0; dot && i < HG_ARRAY_LEN(known); i++)
		if ((size_t)(dot - event) == strlen(known[i]) && !strncmp(event, known[i], strlen(known[i])))
			name = dot + 1;
	nlen = strcspn(name, ".");
	action = name[nlen] ? name + nlen + 1 : "";
	for (size_t i = 0; i < json_object_array_length(filters); i++) {
		struct json_object *f = json_object_array_get_idx(filters, i), *ev, *acts = NULL;

		json_object_object_get_ex(f, "event", &ev);
		if ((size_t)json_object_get_string_len(ev) != nlen || memcmp(json_object_get_string(ev), name, nlen))
			continue;
		if (!json_object_object_get_ex(f, "actions", &acts) || !acts ||
		    json_object_array_length(acts) == 0)
			return true;
		if (*action && str_in(acts, action, strlen(action)))
			return true;
		for (size_t k = 0; k < HG_ARRAY_LEN(fields); k++) {
			struct json_object *v;

			if (json_object_is_type(payload, json_type_object) &&
			    json_object_object_get_ex(payload, fields[k], &v) &&
			    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0 &&
			    str_in(acts, json_object_get_string(v), (size_t)json_object_get_string_len(v)))
				return true;
		}
	}
	return false;
}

/* SPEC 4.3's rule for one string: non-empty, UTF-8, no NUL, at most 1024 bytes. */
static bool spec_string(struct json_object *v)
{
	size_t len = (size_t)json_object_get_string_len(v);

	return json_object_is_type(v, json_type_string) && len > 0 && len <= 1024 &&
	       !memchr(json_object_get_string(v), '\0', len) &&
	       utf8_valid((const unsigned char *)json_object_get_string(v), len);
}

/* SPEC 4.3's rule for one filter: {"event": string, "actions"?: null or [string...]}. */
static bool spec_filter(struct json_object *f)
{
	struct json_object *ev, *acts;

	if (!json_object_is_type(f, json_type_object))
		return false;
	json_object_object_foreach(f, key, val) {
		(void)val;
		if (strcmp(key, "event") != 0 && strcmp(key, "actions") != 0)
			return false;
	}
	if (!json_object_object_get_ex(f, "event", &ev) || !spec_string(ev))
		return false;
	if (!json_object_object_get_ex(f, "actions", &acts) || !acts)
		return true;
	if (!json_object_is_type(acts, json_type_array))
		return false;
	for (size_t j = 0; j < json_object_array_length(acts); j++)
		if (!spec_string(json_object_array_get_idx(acts, j)))
			return false;
	return true;
}

/* The well-formed filters of a list (a new array, owned by the caller), NULL when it is no list. */
static struct json_object *well_formed(struct json_object *filters)
{
	struct json_object *out;

	if (!json_object_is_type(filters, json_type_array))
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; out && i < json_object_array_length(filters); i++) {
		struct json_object *f = json_object_array_get_idx(filters, i);

		if (spec_filter(f))
			json_object_array_add(out, json_object_get(f));
	}
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	char *ftext = fz_field(&f, '\n', NULL), *event = fz_field(&f, '\n', NULL);
	char *ptext = fz_field(&f, '\0', NULL), err[256], why[256];
	struct json_object *filters, *payload, *good;
	struct json_members pm;
	bool valid, admit, all, text_payload;

	/* what reaches the filters passed json_storable: an API body, or jsonb read back */
	if (json_storable((const unsigned char *)ftext, strlen(ftext)) != JSON_STORABLE) {
		free(ptext);
		free(event);
		free(ftext);
		return 0;
	}
	filters = parse(ftext);
	/* the payload reaches the filters as storable text (the body's), read by json_members */
	text_payload = json_storable((const unsigned char *)ptext, strlen(ptext)) == JSON_STORABLE;
	payload = text_payload ? parse(ptext) : NULL;
	if (text_payload)
		json_members(ptext, strlen(ptext), &pm);
	err[0] = '\0';
	valid = filters_valid(filters, err, sizeof(err));
	PROPERTY(valid || err[0], "filters refused without a reason: %s", ftext);
	why[0] = 'x';
	admit = filters_admit(filters, event, text_payload ? &pm : NULL, why, sizeof(why));

	/* the whole of SPEC 4.3 checked */
	good = well_formed(filters);
	all = !filters || (good && json_object_array_length(good) == json_object_array_length(filters));
	PROPERTY(valid == (all && (!filters || json_object_array_length(filters) <= FILTERS_MAX)),
		 "filters %s: valid %d against SPEC 4.3", ftext, valid);
	/* [] admits all; a malformed filter matches nothing, so a list of only those admits nothing */
	if (filters)
		PROPERTY(admit == (good && (json_object_array_length(filters) == 0 ||
					    (json_object_array_length(good) > 0 && oracle(good, event, payload)))),
			 "filters %s, event '%s', payload %s: admitted %d", ftext, event, ptext, admit);
	/* a malformed stored filter that decided the answer is named for the log; else nothing is */
	if (all)
		PROPERTY(!why[0], "filters %s: admit reported '%s'", ftext, why);
	else if (!admit)
		PROPERTY(why[0] && why[0] != 'x', "filters %s: admit reported nothing", ftext);

	json_object_put(good);
	json_object_put(payload);
	json_object_put(filters);
	free(ptext);
	free(event);
	free(ftext);
	return 0;
}
