/* filters: a trigger's event_filters (SPEC 4.3): validation and matching. */
#ifndef HG_FILTERS_H
#define HG_FILTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/*
 * Check v as event_filters: null, or an array of objects
 * {"event": non-empty string, "actions"?: array of non-empty strings}
 * with no other members. On failure err holds a message for a 400.
 */
bool filters_valid(struct json_object *v, char *err, size_t errlen);

/*
 * Whether a delivery with event (e.g. "github.pull_request.opened") and
 * payload passes filters (parsed event_filters; NULL or [] admits all).
 * Filters that filters_valid refuses (a row written outside the API)
 * admit nothing, and never crash.
 */
bool filters_admit(struct json_object *filters, const char *event, struct json_object *payload);

#endif
