/* filters: which events a trigger admits, by name and action (SPEC 4.3). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "webhook/filters.h"

static bool nonempty_string(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0;
}

bool filters_valid(struct json_object *v, char *err, size_t errlen)
{
	size_t n;

	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen, "event_filters must be null or an array");
		return false;
	}
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(v, i), *ev, *acts;

		if (!json_object_is_type(f, json_type_object)) {
			snprintf(err, errlen, "event_filters[%zu] must be an object", i);
			return false;
		}
		json_object_object_foreach(f, key, val) {
			(void)val;
			if (strcmp(key, "event") != 0 && strcmp(key, "actions") != 0) {
				snprintf(err, errlen, "event_filters[%zu]: unknown member '%.32s'", i, key);
				return false;
			}
		}
		if (!json_object_object_get_ex(f, "event", &ev) || !nonempty_string(ev)) {
			snprintf(err, errlen, "event_filters[%zu].event must be a non-empty string", i);
			return false;
		}
		if (!json_object_object_get_ex(f, "actions", &acts) || !acts)
			continue;
		if (!json_object_is_type(acts, json_type_array)) {
			snprintf(err, errlen, "event_filters[%zu].actions must be an array", i);
			return false;
		}
		for (size_t j = 0; j < json_object_array_length(acts); j++) {
			if (!nonempty_string(json_object_array_get_idx(acts, j))) {
				snprintf(err, errlen,
					 "event_filters[%zu].actions[%zu] must be a non-empty string", i, j);
				return false;
			}
		}
	}
	return true;
}

static const char *const provider_segments[] = {
	"github", "gitlab", "stripe", "shopify", "slack", NULL,
};

/* Split event into name and action (both into buffers), dropping a known provider segment. */
static void split_event(const char *event, char *name, size_t nlen, char *action, size_t alen)
{
	const char *dot = strchr(event, '.');
	size_t len;

	for (int i = 0; dot && provider_segments[i]; i++) {
		if ((size_t)(dot - event) == strlen(provider_segments[i]) &&
		    strncmp(event, provider_segments[i], (size_t)(dot - event)) == 0) {
			event = dot + 1;
			break;
		}
	}
	len = strcspn(event, ".");
	snprintf(name, nlen, "%.*s", (int)len, event);
	snprintf(action, alen, "%s", event[len] ? event + len + 1 : "");
}

static bool actions_contain(struct json_object *acts, const char *value)
{
	for (size_t j = 0; value && *value && j < json_object_array_length(acts); j++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(acts, j)), value) == 0)
			return true;
	return false;
}

static const char *payload_string(struct json_object *payload, const char *key)
{
	struct json_object *v;

	if (payload && json_object_is_type(payload, json_type_object) &&
	    json_object_object_get_ex(payload, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

bool filters_admit(struct json_object *filters, const char *event, struct json_object *payload)
{
	static const char *const fields[] = { "action", "state", "conclusion", "status", NULL };
	char name[256], action[256];
	size_t n;

	char err[64];

	if (!filters)
		return true;
	/* a row written outside the API that the API would refuse matches nothing (SPEC 4.3) */
	if (!filters_valid(filters, err, sizeof(err)))
		return false;
	n = json_object_array_length(filters);
	if (n == 0)
		return true;
	split_event(event, name, sizeof(name), action, sizeof(action));
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(filters, i), *ev, *acts;

		if (!json_object_object_get_ex(f, "event", &ev) ||
		    strcmp(json_object_get_string(ev), name) != 0)
			continue;
		if (!json_object_object_get_ex(f, "actions", &acts) || !acts ||
		    json_object_array_length(acts) == 0)
			return true;
		if (actions_contain(acts, action))
			return true;
		for (int k = 0; fields[k]; k++)
			if (actions_contain(acts, payload_string(payload, fields[k])))
				return true;
	}
	return false;
}
