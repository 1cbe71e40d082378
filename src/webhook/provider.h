/* provider: the registry of webhook senders: signature scheme, dedupe rule, event rule. */
#ifndef HG_PROVIDER_H
#define HG_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/common.h"
#include "lib/json.h"
#include "webhook/hdrs.h"
#include "webhook/signature.h"

/* A longer dedupe key, or one that is not UTF-8, is stored as its SHA-256 (SPEC 3.5). */
#define DEDUPE_KEY_MAX 255

struct dedupe {
	char key[DEDUPE_KEY_MAX + 1];	/* trimmed value, or "sha256:<hex>"; "" when none */
	const char *source;		/* lower-case header name, or "body.<member>" (static), or NULL */
};

struct provider {
	const char *name;
	enum sig_status (*verify)(const struct sig_input *in);
	/*
	 * Fill d from headers (and the body's top-level members, for
	 * providers that key on it; body may be NULL). False only when out
	 * of memory (d then holds no key).
	 */
	bool (*dedupe)(const struct hg_hdrs *h, const struct json_members *body, struct dedupe *d);
	/*
	 * The provider's own event name, malloc'd (the caller frees it), or
	 * NULL when it has none for this delivery (or out of memory): then the
	 * generic inference of SPEC 3.3 (event_infer) applies. Never NULL itself.
	 */
	char *(*event)(const struct json_members *body, const struct hg_hdrs *h);
	/* Slack-style handshake: see provider_url_verification. NULL when the provider has none. */
	bool (*challenge)(const struct json_members *body, struct json_span *challenge);
	/*
	 * The provider's own rule for a non-empty signing secret (see
	 * provider_secret_valid); NULL when any secret will do.
	 */
	bool (*secret_valid)(const char *secret, const char **message);
};

/* The provider called name, or NULL. */
const struct provider *provider_find(const char *name);

/* The NULL-terminated list of provider names this build knows. */
const char *const *provider_names(void);

/*
 * The event of a delivery from its body's top-level members (json_members
 * of body_text's text; NULL: none) and headers: p's own rule (p->event),
 * with the whole body as the eventPayload; when it gives none, event_infer
 * (SPEC 3.3) with its envelope rules. *payload_out is the text of P, in the
 * body's (the whole body, or its "eventPayload" member). Returns a
 * malloc'd name owned by the caller; NULL only when out of memory.
 */
char *provider_event(const struct provider *p, const struct json_members *body,
		     const struct hg_hdrs *h, struct json_span *payload_out);

/*
 * Whether body (its top-level members) is p's URL-verification handshake,
 * to be answered with 200 {"challenge": C} instead of a run: for slack, a
 * body object {"type":"url_verification","challenge": <string>}.
 * *challenge is then the string's text as written, in the body's (decode
 * it with json_string). Checking the signature first is the caller's job.
 * False for every other provider and body.
 */
bool provider_url_verification(const struct provider *p, const struct json_members *body,
			       struct json_span *challenge);

/*
 * Whether secret (trimmed, as it will be stored; NULL or "" clears the
 * secret and is always valid) can be p's signing secret. The rules common
 * to every provider (length, UTF-8) stay with the caller; this adds the
 * provider's own: for standard, a "whpk_" secret must decode to a 32-byte
 * Ed25519 public key. When not valid, *message is a static sentence for a
 * 400 or a CLI error that names the problem (never the secret). NULL p
 * is never valid ("unknown provider"). The API's PUT .../signing-secret
 * and hookgatectl trigger set-secret both call this before storing.
 */
bool provider_secret_valid(const struct provider *p, const char *secret, const char **message)
	HG_MUSTCHECK;

#endif
