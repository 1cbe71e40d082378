/* test_provider: the provider table, its signature checks, dedupe keys, event rules and handshakes (SPEC 3.4, 3.5, 7). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/normalize.h"
#include "lib/util.h"
#include "webhook/provider.h"
#include "tap.h"

/* The top-level members of body (JSON text) as the ingress reads them; false when it is not a body. */
static bool members_of(const char *body, struct json_members *m)
{
	struct json_text t;

	return body_text((const unsigned char *)body, strlen(body), NULL, &t, m) == NORM_OK;
}

/* Run p's dedupe rule on env and body (JSON text or NULL) into d, which starts out full of junk. */
static void dedupe_body(const char *provider, char **env, const char *body, struct dedupe *d)
{
	const struct provider *p = provider_find(provider);
	struct hg_hdrs h = { .envp = env };
	struct json_members m;

	memset(d->key, 'J', sizeof(d->key));
	d->source = "junk";
	if (body && !members_of(body, &m))
		return;
	if (p && !p->dedupe(&h, body ? &m : NULL, d))
		ok(0, "%s: dedupe ran out of memory", provider);
}

static void dedupe(const char *provider, char **env, struct dedupe *d)
{
	dedupe_body(provider, env, NULL, d);
}

static void key_body_is(const char *provider, char **env, const char *body, const char *key,
			const char *source, const char *name)
{
	struct dedupe d;

	dedupe_body(provider, env, body, &d);
	is_str(d.key, key, "%s: key: %s", provider, name);
	is_str(d.source, source, "%s: source: %s", provider, name);
}

static void key_is(const char *provider, char **env, const char *key, const char *source,
		   const char *name)
{
	key_body_is(provider, env, NULL, key, source, name);
}

static void test_table(void)
{
	static const struct {
		const char *name;
		enum sig_status (*verify)(const struct sig_input *);
	} want[] = {
		{ "generic", sig_check_hub256 },
		{ "github", sig_check_hub256 },
		{ "standard", sig_check_standard },
		{ "stripe", sig_check_stripe },
		{ "slack", sig_check_slack },
		{ "shopify", sig_check_shopify },
		{ "gitlab", sig_check_gitlab },
	};
	const struct provider *gh = provider_find("github"), *gen = provider_find("generic");
	const char *const *names = provider_names();
	bool all_found = true, all_complete = true;
	int n = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct provider *p = provider_find(want[i].name);

		ok(p && strcmp(p->name, want[i].name) == 0, "provider_find(\"%s\")", want[i].name);
		ok(p && p->verify == want[i].verify, "%s: its signature scheme", want[i].name);
	}
	ok(gh && gh->dedupe && gen && gen->dedupe && gh->dedupe != gen->dedupe,
	   "github and generic have their own dedupe rules");
	ok(provider_find("GitHub") == NULL, "provider names are exact (lower case)");
	ok(provider_find("svix") == NULL, "svix is spelled standard");
	ok(provider_find("paypal") == NULL, "an unknown provider");
	ok(provider_find("") == NULL, "an empty name");
	ok(provider_find(NULL) == NULL, "NULL");

	for (; names && names[n]; n++) {
		const struct provider *p = provider_find(names[n]);

		all_found &= p != NULL;
		all_complete &= p && p->verify && p->dedupe && p->event;
	}
	ok(all_found, "every listed name is found");
	ok(all_complete, "every provider has a signature check, a dedupe rule and an event rule");
	is_int(n, 7, "seven providers, in the order of the table");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]) && names && (int)i < n; i++)
		is_str(names[i], want[i].name, "provider_names()[%zu]", i);
}

/* One valid request per provider, from the vectors of test_signature.c. */
struct vector {
	const char *provider;
	char *env[4];
	const char *body;
	const char *secret;
	time_t now;
};

static const struct vector vectors[] = {
	{ "generic", { "HTTP_X_HUB_SIGNATURE_256=sha256="
		       "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", NULL },
	  "Hello, World!", "It's a Secret to Everybody", 0 },
	{ "github", { "HTTP_X_HUB_SIGNATURE_256=sha256="
		      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", NULL },
	  "Hello, World!", "It's a Secret to Everybody", 0 },
	{ "standard", { "HTTP_WEBHOOK_ID=msg_p5jXN8AQM9LWM0D4loKWxJek", "HTTP_WEBHOOK_TIMESTAMP=1614265330",
			"HTTP_WEBHOOK_SIGNATURE=v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", NULL },
	  "{\"test\": 2432232314}", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1614265330 },
	{ "stripe", { "HTTP_STRIPE_SIGNATURE=t=1700000000,"
		      "v1=9e6fa9f0fead9c3ee711bc261f255c4592d1568a511165745281a6d8be767a27", NULL },
	  "{\"id\":\"evt_1Nabc\",\"object\":\"event\",\"type\":\"invoice.paid\"}",
	  "whsec_stripeTestSecret0123456789", 1700000000 },
	{ "slack", { "HTTP_X_SLACK_REQUEST_TIMESTAMP=1531420618", "HTTP_X_SLACK_SIGNATURE="
		     "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", NULL },
	  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
	  "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
	  "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
	  "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
	  "8f742231b10e8888abcd99yyyzzz85a5", 1531420618 },
	{ "shopify", { "HTTP_X_SHOPIFY_HMAC_SHA256=cKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM=", NULL },
	  "{\"id\":820982911946154508,\"email\":\"jon@doe.ca\"}", "shpss_shopifyTestSecret0123456789", 0 },
	/* Shopify's event webhooks: no X- */
	{ "shopify", { "HTTP_SHOPIFY_HMAC_SHA256=cKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM=", NULL },
	  "{\"id\":820982911946154508,\"email\":\"jon@doe.ca\"}", "shpss_shopifyTestSecret0123456789", 0 },
	/* Standard Webhooks' v1a: Ed25519, the OpenSSL-signed vector of test_signature.c */
	{ "standard", { "HTTP_WEBHOOK_ID=msg_2Lh9fAcZ0qk3Ed25519vector", "HTTP_WEBHOOK_TIMESTAMP=1700000000",
			"HTTP_WEBHOOK_SIGNATURE=v1a,0M7rSfohR3aZn2Bp1jHw/UE/oiIUsXlJy3Wn8H3UOQBmRKFBcdXYKXk"
			"UovFzcStntR7IQt9xBJdfMZGzYWFnBg==", NULL },
	  "{\"type\":\"invoice.paid\",\"data\":{\"id\":\"in_1\"}}",
	  "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC86k=", 1700000000 },
	{ "gitlab", { "HTTP_X_GITLAB_TOKEN=gitlab-secret-token-0123", NULL },
	  "{}", "gitlab-secret-token-0123", 0 },
};

static void test_verify(void)
{
	char *no_env[] = { NULL };

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		const struct provider *p = provider_find(v->provider);
		struct hg_hdrs h = { .envp = (char **)v->env }, none = { .envp = no_env };
		struct sig_input in = {
			.hdrs = &h,
			.body = (const unsigned char *)v->body,
			.body_len = strlen(v->body),
			.secret = v->secret,
			.now = v->now,
			.tolerance_s = 300,
		};

		if (!p) {
			ok(0, "%s: in the table", v->provider);
			continue;
		}
		is_int(p->verify(&in), SIG_VALID, "%s: a good signature through the table", v->provider);
		in.previous_secret = v->secret;
		in.secret = "another secret, rotated in";
		is_int(p->verify(&in), SIG_VALID, "%s: the previous secret through the table", v->provider);
		in.previous_secret = NULL;
		is_int(p->verify(&in), SIG_INVALID, "%s: a bad signature through the table", v->provider);
		in.secret = NULL;
		is_int(p->verify(&in), SIG_NOT_REQUIRED, "%s: no secret through the table", v->provider);
		in.secret = v->secret;
		in.hdrs = &none;
		is_int(p->verify(&in), SIG_MISSING, "%s: no headers through the table", v->provider);
		in.hdrs = &h;
		in.body_len--;
		is_int(p->verify(&in), strcmp(v->provider, "gitlab") == 0 ? SIG_VALID : SIG_INVALID,
		       "%s: a body cut by one byte (gitlab signs no body)", v->provider);
	}
}

static void test_dedupe(void)
{
	char *both[] = { "HTTP_X_GITHUB_DELIVERY=72d3162e-cc78-11e3-81ab-4c9367dc0958",
			 "HTTP_IDEMPOTENCY_KEY=order-42", NULL };
	char *only_gh[] = { "HTTP_X_GITHUB_DELIVERY=gh-1", NULL };
	char *only_idem[] = { "HTTP_IDEMPOTENCY_KEY=idem-1", NULL };
	char *none[] = { "HTTP_USER_AGENT=curl", "HTTP_X_REQUEST_ID=r1", NULL };
	char *padded[] = { "HTTP_X_GITHUB_DELIVERY= \tgh-2 \t", "HTTP_IDEMPOTENCY_KEY=  idem 2  ", NULL };
	char *gh_blank[] = { "HTTP_X_GITHUB_DELIVERY=   ", "HTTP_IDEMPOTENCY_KEY=idem-3", NULL };
	char *idem_empty[] = { "HTTP_IDEMPOTENCY_KEY=", "HTTP_X_GITHUB_DELIVERY=gh-3", NULL };
	char *all_blank[] = { "HTTP_IDEMPOTENCY_KEY=\t", "HTTP_X_GITHUB_DELIVERY= ", NULL };
	char *empty_env[] = { NULL };

	key_is("github", both, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-delivery",
	       "X-GitHub-Delivery before Idempotency-Key");
	key_is("github", only_idem, "idem-1", "idempotency-key", "Idempotency-Key when no delivery id");
	key_is("github", only_gh, "gh-1", "x-github-delivery", "only X-GitHub-Delivery");
	key_is("github", padded, "gh-2", "x-github-delivery", "values are trimmed");
	key_is("github", gh_blank, "idem-3", "idempotency-key", "a blank delivery id counts as absent");
	key_is("github", all_blank, "", NULL, "blank values: no key");
	key_is("github", none, "", NULL, "no key headers: no key");
	key_is("github", empty_env, "", NULL, "no headers: no key");

	key_is("generic", both, "order-42", "idempotency-key", "Idempotency-Key before X-GitHub-Delivery");
	key_is("generic", only_gh, "gh-1", "x-github-delivery", "X-GitHub-Delivery when no Idempotency-Key");
	key_is("generic", only_idem, "idem-1", "idempotency-key", "only Idempotency-Key");
	key_is("generic", padded, "idem 2", "idempotency-key", "values are trimmed, inner blanks kept");
	key_is("generic", idem_empty, "gh-3", "x-github-delivery", "an empty Idempotency-Key counts as absent");
	key_is("generic", all_blank, "", NULL, "blank values: no key");
	key_is("generic", none, "", NULL, "no key headers: no key");
}

/* Longest key stored as it came (SPEC 3.5); a longer one is stored as its SHA-256. */
#define KEY_CAP ((size_t)DEDUPE_KEY_MAX)

/* Whether key is "sha256:" + the hex SHA-256 of bytes[0..len). */
static bool is_hash_of(const char *key, const char *bytes, size_t len)
{
	char hex[65], want[80];

	sha256_hex(bytes, len, hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	return strcmp(key, want) == 0;
}

/* "NAME=" followed by n copies of c, into out (n + 64 bytes). */
static char *env_entry(char *out, const char *name, char c, size_t n)
{
	size_t len = strlen(name);

	memcpy(out, name, len);
	out[len] = '=';
	memset(out + len + 1, c, n);
	out[len + 1 + n] = '\0';
	return out;
}

/* A key of exactly the buffer's capacity, and one byte more. */
static void test_long_keys(void)
{
	static char fits[KEY_CAP + 64], too_long[KEY_CAP + 64], gh_long[KEY_CAP + 64];
	char *env_fits[] = { env_entry(fits, "HTTP_IDEMPOTENCY_KEY", 'k', KEY_CAP),
			     "HTTP_X_GITHUB_DELIVERY=gh-9", NULL };
	char *env_long[] = { env_entry(too_long, "HTTP_IDEMPOTENCY_KEY", 'k', KEY_CAP + 1),
			     "HTTP_X_GITHUB_DELIVERY=gh-9", NULL };
	char *env_gh_long[] = { "HTTP_IDEMPOTENCY_KEY=idem-9",
				env_entry(gh_long, "HTTP_X_GITHUB_DELIVERY", 'g', KEY_CAP + 1), NULL };
	struct dedupe d;

	dedupe("generic", env_fits, &d);
	ok(strlen(d.key) == KEY_CAP && d.key[0] == 'k' && d.source &&
	   strcmp(d.source, "idempotency-key") == 0, "a key of %zu bytes fits", KEY_CAP);
	dedupe("generic", env_long, &d);
	ok(is_hash_of(d.key, too_long + strlen("HTTP_IDEMPOTENCY_KEY="), KEY_CAP + 1) && d.source &&
	   strcmp(d.source, "idempotency-key") == 0,
	   "a key of %zu bytes is not cut: its SHA-256, not the next header's", KEY_CAP + 1);
	dedupe("github", env_long, &d);
	is_str(d.key, "gh-9", "github: an overlong Idempotency-Key does not matter after a delivery id");
	dedupe("github", env_gh_long, &d);
	ok(is_hash_of(d.key, gh_long + strlen("HTTP_X_GITHUB_DELIVERY="), KEY_CAP + 1) && d.source &&
	   strcmp(d.source, "x-github-delivery") == 0, "github: an overlong delivery id is hashed");
}

/* A key that is not UTF-8 is stored as the SHA-256 of its bytes, the same every time. */
static void test_non_utf8_keys(void)
{
	char *env[] = { "HTTP_IDEMPOTENCY_KEY=d\xff" "1", NULL };
	struct dedupe d;

	dedupe("generic", env, &d);
	ok(is_hash_of(d.key, "d\xff" "1", 3) && strcmp(d.source, "idempotency-key") == 0,
	   "a key that is not UTF-8: sha256:<hex of its bytes>");
}

static void test_dedupe_providers(void)
{
	char *sw[] = { "HTTP_WEBHOOK_ID= msg_1 ", "HTTP_SVIX_ID=msg_svix", "HTTP_IDEMPOTENCY_KEY=idem", NULL };
	char *svix[] = { "HTTP_SVIX_ID=msg_svix", "HTTP_IDEMPOTENCY_KEY=idem", NULL };
	char *sw_blank[] = { "HTTP_WEBHOOK_ID=  ", "HTTP_SVIX_ID=msg_svix", NULL };
	char *idem[] = { "HTTP_IDEMPOTENCY_KEY=idem", "HTTP_X_GITHUB_DELIVERY=gh", NULL };
	char *shop[] = { "HTTP_X_SHOPIFY_WEBHOOK_ID=b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
			 "HTTP_IDEMPOTENCY_KEY=idem", NULL };
	char *shop_events[] = { "HTTP_SHOPIFY_WEBHOOK_ID= 8c0c9c3e-4a6d-4b52-9b3e-2f8f3c1d9a11 ",
				"HTTP_SHOPIFY_EVENT_ID=ev-1", "HTTP_IDEMPOTENCY_KEY=idem", NULL };
	char *shop_both[] = { "HTTP_SHOPIFY_WEBHOOK_ID=plain-id", "HTTP_X_SHOPIFY_WEBHOOK_ID=x-id", NULL };
	char *shop_blank[] = { "HTTP_X_SHOPIFY_WEBHOOK_ID= ", "HTTP_SHOPIFY_WEBHOOK_ID=plain-id", NULL };
	char *gl_both[] = { "HTTP_X_GITLAB_EVENT_UUID=13792a34-cac6-4fda-95a8-c58e00a3954e",
			    "HTTP_IDEMPOTENCY_KEY=gl-idem-1", NULL };
	char *gl_uuid[] = { "HTTP_X_GITLAB_EVENT_UUID=13792a34-cac6-4fda-95a8-c58e00a3954e", NULL };
	char *none[] = { NULL };

	key_is("standard", sw, "msg_1", "webhook-id", "webhook-id, trimmed, before svix-id");
	key_is("standard", svix, "msg_svix", "svix-id", "svix-id without webhook-id");
	key_is("standard", sw_blank, "msg_svix", "svix-id", "a blank webhook-id counts as absent");
	key_is("standard", idem, "", NULL, "Idempotency-Key is not standard's key");

	key_body_is("stripe", idem, "{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}", "evt_1", "body.id",
		    "the body's id");
	key_body_is("stripe", none, "{\"id\":\"  evt_2 \"}", "evt_2", "body.id", "a body key is trimmed");
	key_body_is("stripe", idem, "{\"id\":42}", "", NULL, "a number id is no key");
	key_body_is("stripe", idem, "{\"id\":\"\"}", "", NULL, "an empty id is no key");
	key_body_is("stripe", idem, "{\"data\":{\"id\":\"x\"}}", "", NULL, "a nested id is no key");
	key_body_is("stripe", idem, "[{\"id\":\"evt_3\"}]", "", NULL, "an array body has no key");
	key_body_is("stripe", idem, NULL, "", NULL, "no body: no key");

	key_body_is("slack", none, "{\"type\":\"event_callback\",\"event_id\":\"Ev0PV52K21\",\"id\":\"x\"}",
		    "Ev0PV52K21", "body.event_id", "the body's event_id");
	key_body_is("slack", idem, "{\"command\":\"/x\"}", "", NULL, "a slash command has no key");
	key_body_is("slack", idem, "{\"event_id\":true}", "", NULL, "a boolean event_id is no key");

	key_is("shopify", shop, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "x-shopify-webhook-id",
	       "X-Shopify-Webhook-Id");
	key_is("shopify", shop_events, "8c0c9c3e-4a6d-4b52-9b3e-2f8f3c1d9a11", "shopify-webhook-id",
	       "the event webhooks' shopify-webhook-id, trimmed");
	key_is("shopify", shop_both, "x-id", "x-shopify-webhook-id",
	       "X-Shopify-Webhook-Id before shopify-webhook-id");
	key_is("shopify", shop_blank, "plain-id", "shopify-webhook-id",
	       "a blank X-Shopify-Webhook-Id counts as absent");
	key_is("shopify", idem, "", NULL, "Idempotency-Key is not shopify's key");

	key_is("gitlab", gl_both, "gl-idem-1", "idempotency-key", "Idempotency-Key before X-Gitlab-Event-UUID");
	key_is("gitlab", gl_uuid, "13792a34-cac6-4fda-95a8-c58e00a3954e", "x-gitlab-event-uuid",
	       "X-Gitlab-Event-UUID without Idempotency-Key");
	key_is("gitlab", none, "", NULL, "no headers: no key");
}

/* A body key of exactly the capacity, one byte more, and one with a NUL. */
static void test_long_body_keys(void)
{
	static char fits[KEY_CAP + 64], too_long[KEY_CAP + 64];
	char *none[] = { NULL };
	struct dedupe d;

	snprintf(fits, sizeof(fits), "{\"id\":\"%0*d\"}", (int)KEY_CAP, 7);
	snprintf(too_long, sizeof(too_long), "{\"id\":\"%0*d\"}", (int)KEY_CAP + 1, 7);
	dedupe_body("stripe", none, fits, &d);
	ok(strlen(d.key) == KEY_CAP && d.source && strcmp(d.source, "body.id") == 0,
	   "stripe: a body key of %zu bytes fits", KEY_CAP);
	dedupe_body("stripe", none, too_long, &d);
	ok(strncmp(d.key, "sha256:", 7) == 0 && strlen(d.key) == 71 && d.source &&
	   strcmp(d.source, "body.id") == 0, "stripe: a body key of %zu bytes is hashed", KEY_CAP + 1);

	dedupe_body("stripe", none, "{\"id\":\"evt\\u0001x\"}", &d);
	is_str(d.key, "evt\001x", "stripe: a control character is kept");
}

/* The event p's table entry gives for body (JSON text) and env, then through provider_event. */
static void event_is(const char *provider, const char *body, char **env, const char *own, const char *final,
		     const char *name)
{
	const struct provider *p = provider_find(provider);
	struct hg_hdrs h = { .envp = env };
	struct json_members o;
	struct json_span payload = { "unset", 5 };
	char *e = NULL, *f = NULL;

	if (!p || !members_of(body, &o)) {
		ok(0, "%s: %s: setup", provider, name);
		return;
	}
	e = p->event(&o, &h);
	is_str(e, own, "%s: own event: %s", provider, name);
	f = provider_event(p, &o, &h, &payload);
	is_str(f, final, "%s: provider_event: %s", provider, name);
	if (own)
		ok(payload.text == o.doc.text && payload.len == o.doc.len,
		   "%s: the payload is the whole body: %s", provider, name);
	free(f);
	free(e);
}

static void test_events(void)
{
	char *none[] = { NULL };
	char *gh[] = { "HTTP_X_GITHUB_EVENT=issues", NULL };
	char *shop[] = { "HTTP_X_SHOPIFY_TOPIC= orders/create ", NULL };
	char *shop_events[] = { "HTTP_SHOPIFY_TOPIC=products/update", NULL };
	char *shop_both[] = { "HTTP_SHOPIFY_TOPIC=products/update", "HTTP_X_SHOPIFY_TOPIC=orders/paid", NULL };
	char *gl[] = { "HTTP_X_GITLAB_EVENT=Merge Request Hook", NULL };
	char *evtype[] = { "HTTP_X_EVENT_TYPE=custom.thing", NULL };
	const char *envelope = "{\"event\":\"order.created\",\"eventPayload\":{\"id\":1},\"type\":\"t\"}";

	event_is("generic", "{\"type\":\"x.y\"}", none, NULL, "x.y", "no rule of its own: SPEC 3.3");
	event_is("github", "{\"action\":\"opened\"}", gh, NULL, "github.issues.opened",
		 "no rule of its own: SPEC 3.3 knows X-GitHub-Event");
	event_is("generic", envelope, none, NULL, "order.created", "an envelope passes through");

	event_is("standard", "{\"type\":\"invoice.paid\",\"data\":{}}", none, "invoice.paid", "invoice.paid",
		 "body type");
	event_is("standard", "{\"type\":\"\"}", evtype, NULL, "custom.thing", "an empty type: SPEC 3.3");
	event_is("standard", "{\"type\":5,\"action\":\"a\"}", none, NULL, "a", "a number type: SPEC 3.3");
	event_is("standard", envelope, none, "t", "t", "the provider's rule before envelope detection");
	event_is("stripe", "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\"}", none,
		 "checkout.session.completed", "checkout.session.completed", "body type");
	event_is("stripe", "[1]", none, NULL, "webhook.received", "an array body");

	event_is("slack", "{\"type\":\"event_callback\",\"event\":{\"type\":\"app_mention\",\"text\":\"hi\"}}",
		 none, "slack.app_mention", "slack.app_mention", "slack.<event.type>");
	event_is("slack", "{\"type\":\"event_callback\",\"event\":\"app_mention\"}", none, NULL, "app_mention",
		 "event is a string, not an object: SPEC 3.3's event rule");
	event_is("slack", "{\"event\":{\"type\":\"\"}}", none, NULL, "webhook.received", "an empty event.type");
	event_is("slack", "{\"event\":{\"type\":3}}", none, NULL, "webhook.received", "a number event.type");
	event_is("slack", "{\"command\":\"/deploy\",\"text\":\"now\"}", none, NULL, "webhook.received",
		 "a slash command: SPEC 3.3");
	event_is("slack", "{\"type\":\"block_actions\",\"actions\":[]}", none, NULL, "block_actions",
		 "interactivity: SPEC 3.3 takes its type");

	event_is("shopify", "{\"id\":1}", shop, "shopify.orders/create", "shopify.orders/create",
		 "shopify.<X-Shopify-Topic>, trimmed");
	event_is("shopify", "{\"id\":1}", shop_events, "shopify.products/update", "shopify.products/update",
		 "shopify.<shopify-topic> (event webhooks, no X-)");
	event_is("shopify", "{\"id\":1}", shop_both, "shopify.orders/paid", "shopify.orders/paid",
		 "X-Shopify-Topic before shopify-topic");
	event_is("shopify", "{\"type\":\"t\"}", none, NULL, "t", "no topic: SPEC 3.3");
	event_is("gitlab", "{\"object_kind\":\"merge_request\"}", gl, "gitlab.Merge Request Hook",
		 "gitlab.Merge Request Hook", "gitlab.<X-Gitlab-Event>");
	event_is("gitlab", "{\"object_kind\":\"push\"}", none, NULL, "webhook.received", "no event header");

	{
		struct json_span p;
		struct hg_hdrs h = { .envp = none };
		char *e = provider_event(NULL, NULL, &h, &p);

		is_str(e, "webhook.received", "provider_event with no provider and no body");
		free(e);
	}
}

static void handshake_is(const char *provider, const char *body, const char *want, const char *name)
{
	const struct provider *p = provider_find(provider);
	static const char unset[] = "unset";
	struct json_members o;
	struct json_span c = { unset, sizeof(unset) - 1 };
	struct json_str text = { .s = NULL };
	bool got;

	if (!members_of(body, &o)) {
		ok(0, "%s: %s: setup", provider, name);
		return;
	}
	got = provider_url_verification(p, &o, &c);
	if (want) {
		ok(got, "%s: a handshake: %s", provider, name);
		ok(json_string(c, &text) == 1 && text.len == strlen(want) &&
		   memcmp(text.s, want, text.len) == 0, "%s: the challenge: %s", provider, name);
		ok(c.text >= body && c.text + c.len <= body + strlen(body),
		   "%s: in the body's text: %s", provider, name);
		free(text.owned);
	} else {
		ok(!got, "%s: no handshake: %s", provider, name);
		ok(c.text == unset, "%s: *challenge untouched: %s", provider, name);
	}
}

static void test_url_verification(void)
{
	const char *hs = "{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":"
			 "\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}";

	handshake_is("slack", hs, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "Slack's example");
	handshake_is("slack", "{\"type\":\"url_verification\",\"challenge\":\"\"}", "", "an empty challenge");
	handshake_is("slack", "{\"type\":\"url_verific\\u0061tion\",\"challenge\":\"a\\/b\\u00e9\\ud83d\\ude00\"}",
		     "a/b\xc3\xa9\xf0\x9f\x98\x80", "escapes in the type and the challenge decode");
	handshake_is("slack", "{\"type\":\"url_verification\"}", NULL, "no challenge");
	handshake_is("slack", "{\"type\":\"url_verification\",\"challenge\":12}", NULL, "a number challenge");
	handshake_is("slack", "{\"type\":\"event_callback\",\"challenge\":\"c\"}", NULL, "another type");
	handshake_is("slack", "[{\"type\":\"url_verification\",\"challenge\":\"c\"}]", NULL, "an array");
	for (const char *const *n = provider_names(); *n; n++)
		if (strcmp(*n, "slack") != 0)
			handshake_is(*n, hs, NULL, "only slack has the handshake");
	ok(!provider_url_verification(NULL, NULL, NULL), "provider_url_verification(NULL, ...)");
}

/* provider_secret_valid for provider and secret: want, and a message naming the problem when refused. */
static void secret_is(const char *provider, const char *secret, bool want, const char *name)
{
	const char *msg = "unset";
	bool got = provider_secret_valid(provider_find(provider), secret, &msg);

	ok(got == want, "%s: secret: %s", provider, name);
	if (want)
		is_str(msg, "unset", "%s: no message when valid: %s", provider, name);
	else
		ok(msg && strstr(msg, "32-byte") && strstr(msg, "whpk_") && (!secret || !strstr(msg, secret)),
		   "%s: the message names the rule, not the secret: %s", provider, name);
}

static void test_secret_valid(void)
{
	const char *msg = NULL;

	secret_is("standard", "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC86k=", true, "a 32-byte key");
	secret_is("standard", "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC86k", true, "unpadded");
	secret_is("standard", "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC8", false, "a 31-byte key");
	secret_is("standard", "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC86kAAAA", false, "a 35-byte key");
	secret_is("standard", "whpk_Kafi2v7Zr0FycFv4BVoWZLC*372bdSFmXnFIl5pC86k=", false, "not base64");
	secret_is("standard", "whpk_0123456789abcdef", false, "too short for a key");
	secret_is("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true, "a whsec_ secret");
	secret_is("standard", "my raw standard secret!", true, "a raw secret");
	secret_is("standard", "", true, "empty clears");
	secret_is("standard", NULL, true, "NULL clears");
	for (const char *const *n = provider_names(); *n; n++)
		if (strcmp(*n, "standard") != 0)
			secret_is(*n, "whpk_0123456789abcdef", true, "whpk_ means nothing here: an HMAC secret as given");
	ok(!provider_secret_valid(NULL, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &msg) && msg &&
	   strcmp(msg, "unknown provider") == 0, "no provider: not valid, \"unknown provider\"");
}

int main(void)
{
	test_table();
	test_verify();
	test_dedupe();
	test_long_keys();
	test_non_utf8_keys();
	test_dedupe_providers();
	test_long_body_keys();
	test_events();
	test_url_verification();
	test_secret_valid();
	return done_testing();
}
