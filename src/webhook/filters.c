/* filters: which events a trigger admits, by name and action (SPEC 4.3): validation and matching. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "webhook/filters.h"

/* Whether v is a string the contract allows in a filter: non-empty, UTF-8, no NUL, short enough. */
static bool filter_string(struct json_object *v)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	return s && len > 0 && len <= FILTER_STRING_MAX && !memchr(s, '\0', len) &&
	       utf8_valid((const unsigned char *)s, len);
}

/*
 * Whether f is one well-formed filter: {"event": string, "actions"?: null
 * or [string...]} and nothing else. On failure err names what is wrong.
 */
static bool filter_valid(struct json_object *f, size_t i, char *err, size_t errlen)
{
	struct json_object *ev, *acts;

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
	if (!json_object_object_get_ex(f, "event", &ev) || !filter_string(ev)) {
		snprintf(err, errlen, "event_filters[%zu].event must be a non-empty UTF-8 string"
			 " of at most %d bytes without NUL", i, FILTER_STRING_MAX);
		return false;
	}
	if (!json_object_object_get_ex(f, "actions", &acts) || !acts)
		return true;
	if (!json_object_is_type(acts, json_type_array)) {
		snprintf(err, errlen, "event_filters[%zu].actions must be an array", i);
		return false;
	}
	for (size_t j = 0; j < json_object_array_length(acts); j++) {
		if (!filter_string(json_object_array_get_idx(acts, j))) {
			snprintf(err, errlen, "event_filters[%zu].actions[%zu] must be a non-empty UTF-8"
				 " string of at most %d bytes without NUL", i, j, FILTER_STRING_MAX);
			return false;
		}
	}
	return true;
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
	if (n > FILTERS_MAX) {
		snprintf(err, errlen, "event_filters may hold at most %d filters", FILTERS_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!filter_valid(json_object_array_get_idx(v, i), i, err, errlen))
			return false;
	return true;
}

static const char *const provider_segments[] = {
	"github", "gitlab", "stripe", "shopify", "slack", NULL,
};

/* A piece of the delivery's event: not NUL-terminated. */
struct span {
	const char *s;
	size_t len;
};

/* Split event into name and action, dropping a known provider segment; no length limit. */
static void split_event(const char *event, struct span *name, struct span *action)
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
	name->s = event;
	name->len = len;
	action->s = event[len] ? event + len + 1 : "";
	action->len = strlen(action->s);
}

static bool span_equal(struct json_object *v, struct span sp)
{
	return (size_t)json_object_get_string_len(v) == sp.len &&
	       memcmp(json_object_get_string(v), sp.s, sp.len) == 0;
}

static bool actions_contain(struct json_object *acts, struct span value)
{
	for (size_t j = 0; value.len > 0 && j < json_object_array_length(acts); j++)
		if (span_equal(json_object_array_get_idx(acts, j), value))
			return true;
	return false;
}

/* Whether the payload's member key is a non-empty string that acts holds (as written: decoded as compared). */
static bool actions_contain_member(struct json_object *acts, const struct json_members *payload,
				   const char *key)
{
	struct json_span v;

	/* "" (the text of an empty string) is no action */
	if (!payload || !json_member(payload, key, &v) || v.len <= 2)
		return false;
	for (size_t j = 0; j < json_object_array_length(acts); j++) {
		struct json_object *a = json_object_array_get_idx(acts, j);

		if (json_string_equal(v, json_object_get_string(a), (size_t)json_object_get_string_len(a)))
			return true;
	}
	return false;
}

/* Whether the well-formed filter f admits the delivery. */
static bool filter_admits(struct json_object *f, struct span name, struct span action,
			  const struct json_members *payload)
{
	static const char *const fields[] = { "action", "state", "conclusion", "status", NULL };
	struct json_object *ev, *acts;

	if (!json_object_object_get_ex(f, "event", &ev) || !span_equal(ev, name))
		return false;
	if (!json_object_object_get_ex(f, "actions", &acts) || !acts ||
	    json_object_array_length(acts) == 0)
		return true;
	if (actions_contain(acts, action))
		return true;
	for (int k = 0; fields[k]; k++)
		if (actions_contain_member(acts, payload, fields[k]))
			return true;
	return false;
}

bool filters_admit(struct json_object *filters, const char *event, const struct json_members *payload,
		   char *err, size_t errlen)
{
	struct span name, action;
	size_t n;

	if (err && errlen)
		err[0] = '\0';
	if (!filters)
		return true;
	if (!json_object_is_type(filters, json_type_array)) {
		if (err && errlen)
			snprintf(err, errlen, "event_filters is not an array");
		return false;
	}
	n = json_object_array_length(filters);
	if (n == 0)
		return true;
	split_event(event, &name, &action);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(filters, i);
		char why[200];

		/* a filter written outside the API that the API would refuse matches nothing */
		if (!filter_valid(f, i, why, sizeof(why))) {
			if (err && errlen && !err[0])
				snprintf(err, errlen, "%s", why);
			continue;
		}
		if (filter_admits(f, name, action, payload))
			return true;
	}
	return false;
}
