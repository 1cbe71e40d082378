/* test_filters: event filters (SPEC 4.3): matching, and rows written outside the API that must never crash. */
#include "config.h"

#include <json-c/json.h>

#include "../fuzz/filters_compat.h"
#include "tap.h"

static bool admits(const char *filters, const char *event, const char *payload)
{
	struct json_object *f = json_tokener_parse(filters), *p = json_tokener_parse(payload);
	bool r = ADMIT(f, event, p);

	json_object_put(f);
	json_object_put(p);
	return r;
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
	return done_testing();
}
