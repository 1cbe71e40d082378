/* signature: verify webhook signatures in constant time (SPEC 3.4 and 7). */
#ifndef HG_SIGNATURE_H
#define HG_SIGNATURE_H

#include <stddef.h>
#include <time.h>

#include "hdrs.h"

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
 * GitHub / generic: X-Hub-Signature-256: sha256=<64 hex digits, either case>
 * HMAC-SHA256(secret, body). No secret: SIG_NOT_REQUIRED. Header absent or
 * empty: SIG_MISSING. Anything else that does not match either secret: SIG_INVALID.
 */
enum sig_status sig_check_hub256(const struct sig_input *in);

/*
 * Check "sha256=<hex>" against HMAC-SHA256(key, data): true when it matches.
 * Exposed for unit tests and other schemes.
 */
int sig_hub256_matches(const char *header_value, const char *key,
		       const unsigned char *data, size_t len);

#endif
