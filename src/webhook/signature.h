/* signature: verify webhook signatures of every provider scheme in constant time (SPEC 3.4 and 7). */
#ifndef HG_SIGNATURE_H
#define HG_SIGNATURE_H

#include <stddef.h>
#include <time.h>

#include "webhook/hdrs.h"

enum sig_status {
	SIG_NOT_REQUIRED,
	SIG_VALID,
	SIG_INVALID,
	SIG_MISSING,
	SIG_STALE,
};

/* "not_required", "valid", "invalid", "missing", "stale". */
const char *sig_status_name(enum sig_status s);

/* Whether s makes the delivery rejected (invalid, missing or stale). */
int sig_rejects(enum sig_status s);

struct sig_input {
	const struct hg_hdrs *hdrs;
	const unsigned char *body;	/* raw bytes as received */
	size_t body_len;
	const char *secret;		/* NULL or "" when none is set */
	const char *previous_secret;	/* NULL unless still within its expiry */
	time_t now;
	long tolerance_s;		/* for timestamped schemes */
};

/*
 * Rules shared by every scheme below:
 * - no secret (NULL or ""): SIG_NOT_REQUIRED, whatever the headers say;
 * - the signature header absent or blank: SIG_MISSING;
 * - a signature by the current or the previous secret is SIG_VALID; both
 *   are always computed, so the timing does not tell which one matched;
 * - timestamped schemes (standard, stripe, slack): SIG_STALE only when a
 *   signature is valid for the timestamp sent and that timestamp is more
 *   than tolerance_s away from now, in the past or in the future; a wrong
 *   signature is SIG_INVALID whatever its timestamp, so a forger learns
 *   nothing from the answer;
 * - anything else (malformed header, missing timestamp or message id,
 *   no matching signature): SIG_INVALID. An internal failure (out of
 *   memory) is SIG_INVALID too: the check fails closed.
 */

/*
 * GitHub / generic: X-Hub-Signature-256: sha256=<64 hex digits, either case>
 * HMAC-SHA256(secret, body).
 */
enum sig_status sig_check_hub256(const struct sig_input *in);

/*
 * Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature (or
 * the svix-id, svix-timestamp, svix-signature set when webhook-signature
 * is absent; one set is never mixed with the other). The signature header
 * is a space-separated list of "v1,<base64 of 32 bytes>"; other versions
 * are skipped; any v1 match wins. HMAC-SHA256 over "<id>.<timestamp>.<body>"
 * with the key of sig_standard_key.
 */
enum sig_status sig_check_standard(const struct sig_input *in);

/*
 * The Standard Webhooks key of secret: the base64 decoding of the text after
 * an optional "whsec_" prefix (missing '=' padding tolerated); when that text
 * is not base64 (or decodes to nothing), the secret's own bytes, whole, as
 * stored. Writes at most outlen bytes to out; returns the key length, or 0
 * when out is too small or secret empty.
 */
size_t sig_standard_key(const char *secret, unsigned char *out, size_t outlen);

/*
 * Stripe: Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...][,v0=...]:
 * HMAC-SHA256(secret as given, "<t>.<body>"), any v1 match wins; exactly
 * one t. Other keys (v0, unknown ones) are skipped.
 */
enum sig_status sig_check_stripe(const struct sig_input *in);

/*
 * Slack: X-Slack-Signature: v0=<64 hex> of HMAC-SHA256(secret,
 * "v0:<X-Slack-Request-Timestamp>:<body>").
 */
enum sig_status sig_check_slack(const struct sig_input *in);

/* Shopify: X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256(secret, body). */
enum sig_status sig_check_shopify(const struct sig_input *in);

/* GitLab: X-Gitlab-Token equal to the secret (trimmed, constant time). */
enum sig_status sig_check_gitlab(const struct sig_input *in);

/*
 * Check "sha256=<hex>" against HMAC-SHA256(key, data): true when it matches.
 * Exposed for unit tests and other schemes.
 */
int sig_hub256_matches(const char *header_value, const char *key,
		       const unsigned char *data, size_t len);

#endif
