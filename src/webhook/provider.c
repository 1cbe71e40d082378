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
 */
static enum pick take_member(struct json_object *body, const char *member, const char *source,
			     struct dedupe *d)
{
	struct json_object *v;
	const char *s;
	size_t len;

	if (!json_object_is_type(body, json_type_object) ||
	    !json_object_object_get_ex(body, member, &v) || !json_object_is_type(v, json_type_string))
		return PICK_ABSENT;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	while (len > 0 && blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && blank(s[len - 1]))
		len--;
	return take_value(s, len, source, d);
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

static void dedupe_github(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "X-GitHub-Delivery", "x-github-delivery",
			"Idempotency-Key", "idempotency-key");
}

static void dedupe_generic(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "Idempotency-Key", "idempotency-key",
			"X-GitHub-Delivery", "x-github-delivery");
}

/* Standard Webhooks: webhook-id, else the Svix alias svix-id. */
static void dedupe_standard(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "webhook-id", "webhook-id", "svix-id", "svix-id");
}

/* Stripe: the event's body "id" (evt_...), the same on every retry. */
static void dedupe_stripe(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)h;
	dedupe_clear(d);
	(void)take_member(body, "id", "body.id", d);
}

/* Slack: the Events API body "event_id"; slash commands and interactivity have none. */
static void dedupe_slack(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)h;
	dedupe_clear(d);
	(void)take_member(body, "event_id", "body.event_id", d);
}

/* Shopify: X-Shopify-Webhook-Id, else the event webhooks' unprefixed shopify-webhook-id. */
static void dedupe_shopify(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "X-Shopify-Webhook-Id", "x-shopify-webhook-id",
			"shopify-webhook-id", "shopify-webhook-id");
}

static void dedupe_gitlab(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "Idempotency-Key", "idempotency-key",
			"X-Gitlab-Event-UUID", "x-gitlab-event-uuid");
}

/* ---- event rules ---- */

/* The member key of obj when it is a non-empty string, else NULL. */
static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return s && s[0] ? s : NULL;
}

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

/* generic, github: no rule of their own (SPEC 3.3 already knows X-GitHub-Event). */
static char *event_none(struct json_object *body, const struct hg_hdrs *h)
{
	(void)body;
	(void)h;
	return NULL;
}

/* standard, stripe: the body's "type" (e.g. "invoice.paid"). */
static char *event_body_type(struct json_object *body, const struct hg_hdrs *h)
{
	const char *t = member_string(body, "type");

	(void)h;
	return t ? strdup(t) : NULL;
}

/* slack: "slack.<event.type>" for Events API callbacks. */
static char *event_slack(struct json_object *body, const struct hg_hdrs *h)
{
	struct json_object *ev;
	const char *t;

	(void)h;
	if (!json_object_is_type(body, json_type_object) ||
	    !json_object_object_get_ex(body, "event", &ev) || !(t = member_string(ev, "type")))
		return NULL;
	return prefixed("slack.", t, strlen(t));
}

/* shopify: "shopify.<X-Shopify-Topic>", else the event webhooks' unprefixed shopify-topic. */
static char *event_shopify(struct json_object *body, const struct hg_hdrs *h)
{
	size_t len;
	const char *v = hdrs_get_span(h, "X-Shopify-Topic", &len);

	(void)body;
	if (!v)
		v = hdrs_get_span(h, "shopify-topic", &len);
	return prefixed("shopify.", v, len);
}

static char *event_gitlab(struct json_object *body, const struct hg_hdrs *h)
{
	size_t len;
	const char *v = hdrs_get_span(h, "X-Gitlab-Event", &len);

	(void)body;
	return prefixed("gitlab.", v, len);
}

/* slack: {"type":"url_verification","challenge": <string>}. */
static bool challenge_slack(struct json_object *body, const char **challenge)
{
	struct json_object *c;
	const char *t = member_string(body, "type");

	if (!t || strcmp(t, "url_verification") != 0 ||
	    !json_object_object_get_ex(body, "challenge", &c) || !json_object_is_type(c, json_type_string))
		return false;
	*challenge = json_object_get_string(c);
	return *challenge != NULL;
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

char *provider_event(const struct provider *p, struct json_object *body, const struct hg_hdrs *h,
		     struct json_object **payload_out)
{
	char *e = p && p->event ? p->event(body, h) : NULL;

	if (e) {
		*payload_out = body;
		return e;
	}
	return event_infer(body, h, payload_out);
}

bool provider_url_verification(const struct provider *p, struct json_object *body,
			       const char **challenge)
{
	const char *c = NULL;

	if (!p || !p->challenge || !challenge || !p->challenge(body, &c))
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
