/* signature: verify X-Hub-Signature-256 (GitHub and generic) in constant time (SPEC 3.4). */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "signature.h"
#include "util.h"

#define HUB256_PREFIX "sha256="
#define SHA256_LEN 32

const char *sig_status_name(enum sig_status s)
{
	switch (s) {
	case SIG_NOT_REQUIRED:
		return "not_required";
	case SIG_VALID:
		return "valid";
	case SIG_INVALID:
		return "invalid";
	case SIG_MISSING:
		return "missing";
	case SIG_STALE:
		return "stale";
	}
	return "invalid";
}

int sig_rejects(enum sig_status s)
{
	return s == SIG_INVALID || s == SIG_MISSING || s == SIG_STALE;
}

/*
 * "sha256=" followed by exactly 64 hex digits (either case) and nothing
 * else; the decoded digest goes to out. The value is the sender's, so how
 * long this takes tells nothing about a secret.
 */
static bool hub256_parse(const char *value, size_t len, unsigned char out[SHA256_LEN])
{
	size_t plen = sizeof(HUB256_PREFIX) - 1;

	if (len != plen + 2 * SHA256_LEN || memcmp(value, HUB256_PREFIX, plen) != 0)
		return false;
	return hex_decode(value + plen, 2 * SHA256_LEN, out, SHA256_LEN);
}

/* Whether HMAC-SHA256(key, data) equals want, compared in constant time. */
static bool hmac_sha256_equals(const char *key, const unsigned char *data, size_t len,
			       const unsigned char want[SHA256_LEN])
{
	static const unsigned char empty[1];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t klen;
	bool same;

	if (!key)
		return false;
	klen = strlen(key);
	if (klen > INT_MAX)
		return false;
	if (!HMAC(EVP_sha256(), key, (int)klen, len ? data : empty, len, mac, &maclen) ||
	    maclen != SHA256_LEN)
		return false;
	same = CRYPTO_memcmp(mac, want, SHA256_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return same;
}

int sig_hub256_matches(const char *header_value, const char *key,
		       const unsigned char *data, size_t len)
{
	unsigned char want[SHA256_LEN];

	if (!header_value || !hub256_parse(header_value, strlen(header_value), want))
		return 0;
	return hmac_sha256_equals(key, data, len, want);
}

enum sig_status sig_check_hub256(const struct sig_input *in)
{
	unsigned char want[SHA256_LEN];
	const char *value;
	size_t len;
	bool current, previous = false;

	if (!in->secret || !in->secret[0])
		return SIG_NOT_REQUIRED;
	value = hdrs_get_span(in->hdrs, "X-Hub-Signature-256", &len);
	if (!value)
		return SIG_MISSING;
	if (!hub256_parse(value, len, want))
		return SIG_INVALID;
	/* Both secrets are always tried, so the timing does not say which one matched. */
	current = hmac_sha256_equals(in->secret, in->body, in->body_len, want);
	if (in->previous_secret && in->previous_secret[0])
		previous = hmac_sha256_equals(in->previous_secret, in->body, in->body_len, want);
	return (current | previous) ? SIG_VALID : SIG_INVALID;
}
