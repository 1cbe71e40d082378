/* provider: the table of webhook senders, each a signature check, a dedupe rule and an event rule (SPEC 3.4, 3.5, 7). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "webhook/normalize.h"
#include "webhook/provider.h"

enum pick { PICK_ABSENT, PICK_SET };

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Take v[0..len) (already trimmed) as the dedupe key, with its source
 * (SPEC 3.5). A key of any length dedupes: one longer than
 * DEDUPE_KEY_MAX bytes, or that is not UTF-8 text (a NUL included), is
 * kept as "sha256:<hex of its bytes>", the same for every retry; cutting
 * or dropping it would merge distinct deliveries or switch dedupe off.
 */
static enum pick take_value(const char *v, size_t len, const char *source, struct dedupe *d)
{
	char hex[65];

	_Static_assert(sizeof(d->key) > DEDUPE_KEY_MAX && sizeof(d->key) > sizeof("sha256:") + 64,
		       "a key or its hash fits");
	if (!v || len == 0)
		return PICK_ABSENT;
	if (len > DEDUPE_KEY_MAX || memchr(v, '\0', len) ||
	    !utf8_valid((const unsigned char *)v, len)) {
		sha256_hex(v, len, hex);
		snprintf(d->key, sizeof(d->key), "sha256:%s", hex);
	} else {
		memcpy(d->key, v, len);
		d->key[len] = '\0';
	}
	d->source = source;
	return PICK_SET;
}

/* The trimmed value of header name; absent or blank: PICK_ABSENT. */
static enum pick take_header(const struct hg_hdrs *h, const char *name, const char *source,
			     struct dedupe *d)
{
	size_t len;
	const char *v = hdrs_get_span(h, name, &len);

	return take_value(v, len, source, d);
}

/*
 * The trimmed string member of a body object (numbers and other types do
 * not count: a key is text); absent, blank or not a string: PICK_ABSENT.
 * False when out of memory (decoding an escaped key).
 */
static HG_MUSTCHECK bool take_member(const struct json_members *body, const char *member,
				     const char *source, struct dedupe *d)
{
	struct json_str v;
	const char *s;
	size_t len;
	int rc = body ? json_member_string(body, member, &v) : 0;

	if (rc <= 0)
		return rc == 0;
	s = v.s;
	len = v.len;
	while (len > 0 && blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && blank(s[len - 1]))
		len--;
	(void)take_value(s, len, source, d);
	free(v.owned);
	return true;
}

static void dedupe_clear(struct dedupe *d)
{
	d->key[0] = '\0';
	d->source = NULL;
}

/* Fill d from the first of two headers that is present. */
static void dedupe_first_of(const struct hg_hdrs *h, struct dedupe *d,
			    const char *name1, const char *source1,
			    const char *name2, const char *source2)
{
	dedupe_clear(d);
	if (take_header(h, name1, source1, d) == PICK_ABSENT && name2)
		(void)take_header(h, name2, source2, d);
}

static bool dedupe_github(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "X-GitHub-Delivery", "x-github-delivery",
			"Idempotency-Key", "idempotency-key");
	return true;
}

static bool dedupe_generic(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "Idempotency-Key", "idempotency-key",
			"X-GitHub-Delivery", "x-github-delivery");
	return true;
}

/* Standard Webhooks: webhook-id, else the Svix alias svix-id. */
static bool dedupe_standard(const struct hg_hdrs *h, const struct json_members *body,
			    struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "webhook-id", "webhook-id", "svix-id", "svix-id");
	return true;
}

/* Stripe: the event's body "id" (evt_...), the same on every retry. */
static bool dedupe_stripe(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)h;
	dedupe_clear(d);
	return take_member(body, "id", "body.id", d);
}

/* Slack: the Events API body "event_id"; slash commands and interactivity have none. */
static bool dedupe_slack(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)h;
	dedupe_clear(d);
	return take_member(body, "event_id", "body.event_id", d);
}

/* Shopify: X-Shopify-Webhook-Id, else the event webhooks' unprefixed shopify-webhook-id. */
static bool dedupe_shopify(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "X-Shopify-Webhook-Id", "x-shopify-webhook-id",
			"shopify-webhook-id", "shopify-webhook-id");
	return true;
}

static bool dedupe_gitlab(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "Idempotency-Key", "idempotency-key",
			"X-Gitlab-Event-UUID", "x-gitlab-event-uuid");
	return true;
}

/* ---- event rules ---- */

/* prefix + value[0..len), malloc'd; NULL when value is NULL or out of memory. */
static char *prefixed(const char *prefix, const char *value, size_t len)
{
	char *s = NULL;

	if (!value || len > INT_MAX)
		return NULL;
	if (asprintf(&s, "%s%.*s", prefix, (int)len, value) < 0)
		return NULL;
	return s;
}

/*
 * prefix + the member key of obj when that is a non-empty string,
 * malloc'd; NULL when it is not one (or out of memory).
 */
static char *member_event(const char *prefix, const struct json_members *obj, const char *key)
{
	struct json_str v;
	char *e;

	if (!obj || json_member_string(obj, key, &v) <= 0)
		return NULL;
	e = v.len ? prefixed(prefix, v.s, v.len) : NULL;
	free(v.owned);
	return e;
}

/* generic, github: no rule of their own (SPEC 3.3 already knows X-GitHub-Event). */
static char *event_none(const struct json_members *body, const struct hg_hdrs *h)
{
	(void)body;
	(void)h;
	return NULL;
}

/* standard, stripe: the body's "type" (e.g. "invoice.paid"). */
static char *event_body_type(const struct json_members *body, const struct hg_hdrs *h)
{
	(void)h;
	return member_event("", body, "type");
}

/* slack: "slack.<event.type>" for Events API callbacks. */
static char *event_slack(const struct json_members *body, const struct hg_hdrs *h)
{
	struct json_members ev;
	struct json_span v;

	(void)h;
	if (!body || !json_member(body, "event", &v))
		return NULL;
	json_members(v.text, v.len, &ev);
	return member_event("slack.", &ev, "type");
}

/* shopify: "shopify.<X-Shopify-Topic>", else the event webhooks' unprefixed shopify-topic. */
static char *event_shopify(const struct json_members *body, const struct hg_hdrs *h)
{
	size_t len;
	const char *v = hdrs_get_span(h, "X-Shopify-Topic", &len);

	(void)body;
	if (!v)
		v = hdrs_get_span(h, "shopify-topic", &len);
	return prefixed("shopify.", v, len);
}

static char *event_gitlab(const struct json_members *body, const struct hg_hdrs *h)
{
	size_t len;
	const char *v = hdrs_get_span(h, "X-Gitlab-Event", &len);

	(void)body;
	return prefixed("gitlab.", v, len);
}

/* slack: {"type":"url_verification","challenge": <string>}. */
static bool challenge_slack(const struct json_members *body, struct json_span *challenge)
{
	static const char handshake[] = "url_verification";
	struct json_span t, c;

	if (!json_member(body, "type", &t) || !json_string_equal(t, handshake, sizeof(handshake) - 1) ||
	    !json_member(body, "challenge", &c) || c.text[0] != '"')
		return false;
	*challenge = c;
	return true;
}

/* ---- secret rules ---- */

/* standard: a whpk_ secret must be an Ed25519 public key; any other is an HMAC secret. */
static bool secret_standard(const char *secret, const char **message)
{
	unsigned char key[SIG_ED25519_KEY_LEN];

	if (!sig_is_public_key(secret) || sig_standard_public_key(secret, key))
		return true;
	*message = "a whpk_ signing secret must be whpk_ followed by the base64 of a 32-byte "
		   "Ed25519 public key";
	return false;
}

/* A new provider is one entry here plus its functions. */
static const struct provider providers[] = {
	{ .name = "generic", .verify = sig_check_hub256, .dedupe = dedupe_generic,
	  .event = event_none },
	{ .name = "github", .verify = sig_check_hub256, .dedupe = dedupe_github,
	  .event = event_none },
	{ .name = "standard", .verify = sig_check_standard, .dedupe = dedupe_standard,
	  .event = event_body_type, .secret_valid = secret_standard },
	{ .name = "stripe", .verify = sig_check_stripe, .dedupe = dedupe_stripe,
	  .event = event_body_type },
	{ .name = "slack", .verify = sig_check_slack, .dedupe = dedupe_slack,
	  .event = event_slack, .challenge = challenge_slack },
	{ .name = "shopify", .verify = sig_check_shopify, .dedupe = dedupe_shopify,
	  .event = event_shopify },
	{ .name = "gitlab", .verify = sig_check_gitlab, .dedupe = dedupe_gitlab,
	  .event = event_gitlab },
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

static const char *names[NPROVIDERS + 1];

const struct provider *provider_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < NPROVIDERS; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

const char *const *provider_names(void)
{
	for (size_t i = 0; i < NPROVIDERS; i++)
		names[i] = providers[i].name;
	names[NPROVIDERS] = NULL;
	return names;
}

char *provider_event(const struct provider *p, const struct json_members *body,
		     const struct hg_hdrs *h, struct json_span *payload_out)
{
	char *e = p && p->event ? p->event(body, h) : NULL;

	if (e) {
		*payload_out = body ? body->doc : (struct json_span){ NULL, 0 };
		return e;
	}
	return event_infer(body, h, payload_out);
}

bool provider_url_verification(const struct provider *p, const struct json_members *body,
			       struct json_span *challenge)
{
	struct json_span c;

	if (!p || !p->challenge || !body || !challenge || !p->challenge(body, &c))
		return false;
	*challenge = c;
	return true;
}

bool provider_secret_valid(const struct provider *p, const char *secret, const char **message)
{
	const char *m = NULL;

	if (!p) {
		*message = "unknown provider";
		return false;
	}
	if (!secret || !secret[0] || !p->secret_valid || p->secret_valid(secret, &m))
		return true;
	*message = m;
	return false;
}
