/* signature: verify webhook signatures of every provider scheme in constant time (SPEC 3.4 and 7). */
#ifndef HG_SIGNATURE_H
#define HG_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/common.h"
#include "webhook/hdrs.h"

/* Sizes of an Ed25519 public key and signature (RFC 8032). */
#define SIG_ED25519_KEY_LEN 32
#define SIG_ED25519_SIG_LEN 64

/* The prefix of a Standard Webhooks public key secret ("whpk_<base64>"). */
#define SIG_WHPK_PREFIX "whpk_"

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
 * Every sig_check_* below is a pure function of its input (headers, body,
 * secrets, now), so a fuzz target can call it directly: build an envp of
 * "HTTP_..." variables for hg_hdrs, point body at the bytes, and compare
 * the result for a correctly signed input (SIG_VALID) with the same input
 * with a bit flipped (never SIG_VALID). The only process state is the
 * HMAC context fetched from OpenSSL on first use (see sig_hmac_sha256);
 * call these from one thread, as hookgate's processes do.
 *
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
 * is a space-separated list of entries; any match wins, and what a secret
 * can match depends on its kind:
 * - a "whpk_" secret (sig_standard_public_key) verifies "v1a,<base64 of a
 *   64-byte Ed25519 signature>" entries over "<id>.<timestamp>.<body>";
 *   a whpk_ secret that is not a 32-byte key verifies nothing;
 * - any other secret verifies "v1,<base64 of 32 bytes>" entries, the
 *   HMAC-SHA256 over "<id>.<timestamp>.<body>" with the key of
 *   sig_standard_key.
 * An entry of the other kind, or of another version, is skipped (not an
 * error), so a trigger rotating from a whsec_ secret to a whpk_ key (or
 * back) accepts both kinds while the previous secret is kept. Base64 must
 * be canonical and padded. At most SIG_V1A_MAX_ENTRIES v1a entries are
 * verified per request (each costs an Ed25519 verification); later ones
 * are skipped.
 */
enum sig_status sig_check_standard(const struct sig_input *in);

#define SIG_V1A_MAX_ENTRIES 8

/*
 * The Ed25519 public key of a Standard Webhooks secret "whpk_<base64>"
 * (missing '=' padding tolerated) into out: true when secret has the
 * prefix and its text decodes to exactly SIG_ED25519_KEY_LEN bytes.
 */
bool sig_standard_public_key(const char *secret, unsigned char out[SIG_ED25519_KEY_LEN]);

/* Whether secret is meant as a Standard Webhooks public key: it starts with "whpk_". */
bool sig_is_public_key(const char *secret);

/*
 * Whether sig is a valid Ed25519 signature (RFC 8032, OpenSSL's
 * EVP_DigestVerify) by the public key pub over msg[0..len). msg may be
 * NULL when len is 0. False too when OpenSSL fails (out of memory).
 */
bool sig_ed25519_verify(const unsigned char pub[SIG_ED25519_KEY_LEN], const unsigned char *msg,
			size_t len, const unsigned char sig[SIG_ED25519_SIG_LEN]);

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

/*
 * Shopify: X-Shopify-Hmac-Sha256 (or, when it is absent, the event
 * webhooks' unprefixed shopify-hmac-sha256): base64 of
 * HMAC-SHA256(secret, body).
 */
enum sig_status sig_check_shopify(const struct sig_input *in);

/* GitLab: X-Gitlab-Token equal to the secret (trimmed, constant time). */
enum sig_status sig_check_gitlab(const struct sig_input *in);

#define SIG_HMAC_LEN 32

/*
 * HMAC-SHA256 of data[0..len) (data may be NULL when len is 0) under key
 * (klen > 0 bytes) into out. Through an EVP_MAC context fetched and set up
 * once per process on first use and duplicated for each computation.
 * False when OpenSSL fails.
 */
bool sig_hmac_sha256(const unsigned char *key, size_t klen, const unsigned char *data, size_t len,
		     unsigned char out[SIG_HMAC_LEN]) HG_MUSTCHECK;

#endif
