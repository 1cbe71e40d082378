/* test_filters: event filters (SPEC 4.3): matching, and rows written outside the API that must never crash. */
#include "config.h"

#include <string.h>
#include <json-c/json.h>

#include "webhook/filters.h"
#include "tap.h"

/* payload: JSON text, read as the ingress reads it (json_members) */
static bool admits(const char *filters, const char *event, const char *payload)
{
	struct json_object *f = json_tokener_parse(filters);
	struct json_members p;
	bool r;

	json_members(payload, strlen(payload), &p);
	r = filters_admit(f, event, &p, NULL, 0);
	json_object_put(f);
	return r;
}

/* what the log gets: why a stored list matched nothing, or nothing for a well-formed list */
static void test_reason(void)
{
	struct json_object *bad = json_tokener_parse("[{\"event\":\"push\",\"x\":1}]");
	struct json_object *fine = json_tokener_parse("[{\"event\":\"push\"}]");
	char why[200];

	ok(!filters_admit(bad, "github.push", NULL, why, sizeof(why)) && strstr(why, "event_filters[0]"),
	   "a malformed filter is named: %s", why);
	ok(!filters_admit(fine, "github.issues", NULL, why, sizeof(why)) && why[0] == '\0',
	   "a well-formed list that does not match names nothing");
	json_object_put(fine);
	json_object_put(bad);
}

int main(void)
{
	ok(admits("null", "github.push", "{}"), "null admits everything");
	ok(admits("[]", "github.push", "{}"), "[] admits everything");
	ok(admits("[{\"event\":\"push\"}]", "github.push", "{}"), "a name without actions");
	ok(!admits("[{\"event\":\"push\"}]", "github.issues.opened", "{}"), "another name");
	ok(admits("[{\"event\":\"pull_request\",\"actions\":[\"opened\"]}]", "github.pull_request.opened",
		  "{}"), "the action from the event");
	ok(admits("[{\"event\":\"check_run\",\"actions\":[\"success\"]}]", "github.check_run",
		  "{\"conclusion\":\"success\"}"), "the action from the payload's conclusion");
	ok(!admits("[{\"event\":\"check_run\",\"actions\":[\"success\"]}]", "github.check_run",
		   "{\"conclusion\":\"failure\"}"), "no action matches");
	ok(admits("[{\"event\":\"check_run\",\"actions\":[\"caf\u00e9/x\"]}]", "github.check_run",
		  "{\"status\":\"caf\\u00e9\\/x\"}"), "a payload string with escapes, decoded");
	ok(!admits("[{\"event\":\"check_run\",\"actions\":[\"done\"]}]", "github.check_run",
		   "{\"state\":\"done\",\"state\":\"open\"}"), "a repeated payload member: the last counts");
	ok(!admits("[{\"event\":\"check_run\",\"actions\":[\"done\"]}]", "github.check_run",
		   "[{\"state\":\"done\"}]"), "an array payload has no members");
	ok(!admits("[{\"event\":\"check_run\",\"actions\":[\"1\"]}]", "github.check_run",
		   "{\"state\":1}"), "a number is no action");
	ok(!admits("[{\"event\":\"check_run\",\"actions\":[\"done\"]}]", "github.check_run", "null"),
	   "a null payload");

	/* rows written outside the API (found by tests/fuzz/fuzz_filters): nothing matches, nothing crashes */
	ok(!admits("[{\"event\":null}]", "github.push", "{}"), "[{\"event\":null}]");
	ok(!admits("[{\"event\":7}]", "github.7", "{}"), "a number as the name");
	ok(!admits("[{}]", "github.push", "{}"), "a filter without a name");
	ok(!admits("[{\"event\":\"push\",\"actions\":\"opened\"}]", "github.push.opened", "{}"),
	   "actions that are not an array");
	ok(!admits("[{\"event\":\"push\",\"actions\":[null]}]", "github.push.opened", "{}"),
	   "an action that is not a string");
	ok(!admits("[\"push\"]", "github.push", "{}"), "a filter that is not an object");
	ok(!admits("{\"event\":\"push\"}", "github.push", "{}"), "an object instead of a list");
	ok(!admits("\"push\"", "github.push", "{}"), "a string instead of a list");
	/* a malformed filter beside a good one: the good one still matches */
	ok(admits("[{\"event\":null},{\"event\":\"push\"}]", "github.push", "{}"),
	   "a good filter after a malformed one");
	ok(!admits("[{\"event\":\"push\",\"actions\":7},{\"event\":\"issues\"}]", "github.push", "{}"),
	   "a malformed filter of the right name matches nothing");
	test_reason();
	return done_testing();
}
