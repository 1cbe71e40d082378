/* filters: a trigger's event_filters (SPEC 4.3): validation and matching. */
#ifndef HG_FILTERS_H
#define HG_FILTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "lib/json.h"

/* Limits of SPEC 4.3. */
#define FILTERS_MAX		100	/* filters in one trigger */
#define FILTER_STRING_MAX	1024	/* bytes of a name or an action */

/*
 * Check v as event_filters: null, or an array of at most FILTERS_MAX
 * objects {"event": string, "actions"?: array of strings} with no other
 * members, each string non-empty, UTF-8, without NUL and at most
 * FILTER_STRING_MAX bytes. On failure err holds a message for a 400.
 */
bool filters_valid(struct json_object *v, char *err, size_t errlen);

/*
 * Whether a delivery with event (e.g. "github.pull_request.opened") and
 * payload (the top-level members of its eventPayload's text, json_members;
 * NULL: none) passes filters (parsed event_filters; NULL or [] admits all).
 * Names and actions compare whole, whatever their length. A filter that
 * filters_valid would refuse (written outside the API) matches nothing:
 * then err (may be NULL) says why, for the log.
 */
bool filters_admit(struct json_object *filters, const char *event,
		   const struct json_members *payload, char *err, size_t errlen);

#endif
