/* test_envelope: the one trigger_payload of ingress and replays: envelope_make from a request, and again from the stored selected headers (SPEC 3.3, 4.4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/envelope.h"
#include "webhook/hdrs.h"
#include "tap.h"

#define AT "2026-11-30T02:13:35.123Z"

/*
 * The trigger_payload text of body for provider, from the request headers
 * env, into *at_ingress; then the same from the selected_headers the
 * ingress stores, as a replay rebuilds it, into *at_replay. Both malloc'd.
 */
static void both(const char *provider, const char *ctype, const char *body, char **env,
		 char **at_ingress, char **at_replay, char **event)
{
	struct hg_hdrs h = { .envp = env }, back = { .envp = NULL };
	struct json_object *selected, *stored;
	struct envelope e1, e2;
	unsigned char *raw;
	enum norm_result nr;
	const struct provider *p = provider_find(provider);

	*at_ingress = *at_replay = *event = NULL;
	if (!envelope_make(p, (const unsigned char *)body, strlen(body), ctype, &h, AT, &e1, &nr)) {
		diag("envelope_make: %s", norm_error(nr));
		return;
	}
	*at_ingress = strdup(e1.text);
	*event = strdup(e1.event);
	/* what the delivery row keeps, through its jsonb text */
	selected = hdrs_selected(&h);
	stored = json_tokener_parse(json_object_to_json_string(selected));
	/* the body as PQunescapeBytea gives it back: exactly its bytes, no NUL after them */
	raw = malloc(strlen(body) ? strlen(body) : 1);
	if (raw)
		memcpy(raw, body, strlen(body));
	if (raw && stored && hdrs_from_selected(stored, &back) &&
	    envelope_make(p, raw, strlen(body), ctype, &back, AT, &e2, &nr)) {
		*at_replay = strdup(e2.text);
		envelope_free(&e2);
	}
	free(raw);
	hdrs_free_selected(&back);
	json_object_put(stored);
	json_object_put(selected);
	envelope_free(&e1);
}

static void same(const char *what, const char *provider, const char *ctype, const char *body,
		 char **env, const char *want_event, const char *want_text)
{
	char *a, *b, *ev;

	both(provider, ctype, body, env, &a, &b, &ev);
	ok(a && b && strcmp(a, b) == 0, "%s: the replay's payload is the ingress's (%s)", what,
	   b ? b : "none");
	ok(ev && strcmp(ev, want_event) == 0, "%s: event %s", what, ev ? ev : "none");
	if (want_text)
		ok(a && strcmp(a, want_text) == 0, "%s: %s", what, a ? a : "none");
	free(a);
	free(b);
	free(ev);
}

int main(void)
{
	char *none[] = { NULL };
	char *github[] = { "HTTP_X_GITHUB_EVENT=pull_request", "HTTP_X_GITHUB_DELIVERY=d-1",
			   "HTTP_USER_AGENT=GitHub-Hookshot/1", "HTTP_X_HUB_SIGNATURE_256=sha256=00",
			   "HTTP_AUTHORIZATION=Bearer secret", NULL };
	char *gitlab[] = { "HTTP_X_GITLAB_EVENT=Push Hook", NULL };
	char *shopify[] = { "HTTP_X_SHOPIFY_TOPIC=orders/create", NULL };
	char *typed[] = { "HTTP_X_EVENT_TYPE=  bb.typed  ", NULL };
	char *latin1[] = { "HTTP_X_EVENT_TYPE=caf\xe9", NULL };
	struct hg_hdrs h = { .envp = github }, back = { .envp = NULL };
	struct json_object *sel;
	const char *text;

	same("a form body without payload", "generic", "application/x-www-form-urlencoded",
	     "a=1&b=caf%C3%A9&b=2&flag", none, "webhook.received",
	     "{\"event\":\"webhook.received\",\"eventPayload\":{\"a\":\"1\",\"b\":[\"caf\xc3\xa9\",\"2\"],"
	     "\"flag\":\"\"},\"request\":{\"receivedAt\":\"" AT "\","
	     "\"contentType\":\"application/x-www-form-urlencoded\"}}");
	same("a form body's payload field", "github", "application/x-www-form-urlencoded; charset=utf-8",
	     "payload=%7B%22action%22%3A%22opened%22%7D", github, "github.pull_request.opened", NULL);
	same("stripe: type, the whole body", "stripe", "application/json",
	     "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"event\":\"x\",\"eventPayload\":{\"y\":1}}",
	     none, "invoice.paid",
	     "{\"event\":\"invoice.paid\",\"eventPayload\":{\"id\":\"evt_1\",\"type\":\"invoice.paid\","
	     "\"event\":\"x\",\"eventPayload\":{\"y\":1}},\"request\":{\"receivedAt\":\"" AT "\","
	     "\"contentType\":\"application/json\"}}");
	same("generic: an envelope body", "generic", "application/json",
	     "{\"event\":\"x\",\"eventPayload\":{\"y\":1}}", none, "x", NULL);
	same("github's event header", "github", "application/json", "{\"action\":\"closed\"}", github,
	     "github.pull_request.closed", NULL);
	same("gitlab's", "gitlab", "application/json", "{}", gitlab, "gitlab.Push Hook", NULL);
	same("shopify's", "shopify", NULL, "[]", shopify, "shopify.orders/create",
	     "{\"event\":\"shopify.orders/create\",\"eventPayload\":[],\"request\":{\"receivedAt\":\""
	     AT "\"}}");
	same("X-Event-Type, trimmed", "generic", "application/json", "{}", typed, "bb.typed", NULL);
	same("an event header that is not UTF-8", "generic", "application/json", "{}", latin1,
	     "caf\\xE9", NULL);
	same("integers beyond 64 bits", "generic", "application/json",
	     "\xEF\xBB\xBF{\"n\":123456789012345678901234567890,\"f\":2e1000}", none,
	     "webhook.received",
	     "{\"event\":\"webhook.received\",\"eventPayload\":{\"n\":123456789012345678901234567890,"
	     "\"f\":2e1000},\"request\":{\"receivedAt\":\"" AT "\",\"contentType\":\"application/json\"}}");

	/* what the delivery row keeps: never a signature's value, never an auth header */
	sel = hdrs_selected(&h);
	text = json_object_to_json_string_ext(sel, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	is_str(text, "{\"user-agent\":\"GitHub-Hookshot/1\",\"x-github-event\":\"pull_request\","
	       "\"x-github-delivery\":\"d-1\",\"signature_present\":true}", "selected headers");
	ok(hdrs_from_selected(sel, &back), "back from the selected headers");
	is_str(hdrs_get(&back, "X-GitHub-Delivery"), "d-1", "a header read back");
	ok(hdrs_get(&back, "X-Hub-Signature-256") == NULL, "no signature comes back");
	ok(hdrs_get(&back, "signature_present") == NULL, "signature_present is not a header");
	hdrs_free_selected(&back);
	json_object_put(sel);
	return done_testing();
}
