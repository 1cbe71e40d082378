/*
 * fuzz_signature: every signature scheme (src/webhook/signature.c) as a
 * property, Standard Webhooks' v1a (Ed25519, whpk_ keys) and Shopify's
 * unprefixed header included. Requests are signed here by tests/sign.h
 * (OpenSSL's one-shot HMAC and EVP_DigestSign, not hookgate's code), over
 * a secret, message id, timestamp and body taken from the input:
 *  - correctly signed, by the current or (while it is valid) the previous
 *    secret: SIG_VALID; for Standard Webhooks the previous secret may be
 *    of the other kind (whsec_ and whpk_, a rotation between them);
 *  - the MAC or signature (GitLab: the token) one bit off, or the body one
 *    bit off (every scheme but GitLab's, which does not sign the body):
 *    SIG_INVALID;
 *  - Shopify: X-Shopify-Hmac-Sha256 is read before shopify-hmac-sha256,
 *    which counts only when the other is absent or blank;
 *  - a right signature over a timestamp beyond the tolerance: SIG_STALE
 *    for the timestamped schemes, still SIG_VALID for the others;
 *  - no secret: SIG_NOT_REQUIRED; no signature header: SIG_MISSING;
 *  - any header value at all (the input's last bytes): never SIG_VALID.
 * Input: scheme, flags, bit position, key bytes, message id, body.
 */
#include "config.h"

#include <openssl/evp.h>

#include "fuzz.h"
#include "sign.h"
#include "webhook/signature.h"

#define NOW 1700000000LL
#define TOLERANCE 300

static bool timestamped(enum sign_scheme s)
{
	return s == SIGN_STANDARD || s == SIGN_SVIX || s == SIGN_STANDARD_V1A || s == SIGN_STRIPE ||
	       s == SIGN_SLACK;
}

/*
 * A secret the API could hold: printable, no blank, from raw key bytes
 * (whsec_ form for Standard Webhooks, whpk_ of the key's Ed25519 pair for v1a).
 */
static void make_secret(enum sign_scheme s, const uint8_t *k, size_t klen, char *out, size_t outlen)
{
	if (s == SIGN_STANDARD_V1A) {
		sign_whpk(k, klen, out, outlen);
		return;
	}
	if (s == SIGN_STANDARD || s == SIGN_SVIX) {
		unsigned char b64[128];

		EVP_EncodeBlock(b64, k, (int)klen);
		snprintf(out, outlen, "whsec_%s", b64);
		return;
	}
	for (size_t i = 0; i < klen && i + 1 < outlen; i++)
		out[i] = (char)(0x21 + k[i] % 94);
	out[klen < outlen ? klen : outlen - 1] = '\0';
}

/* Whether v, without the blanks hookgate trims from header values, is s. */
static bool trimmed_equal(const char *v, const char *s)
{
	size_t n;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	return n == strlen(s) && memcmp(v, s, n) == 0;
}

/* Whether v is empty but for those blanks: a header that counts as absent. */
static bool blank_only(const char *v)
{
	return trimmed_equal(v, "");
}

/* The GitLab token the last run() sent (its first header's value). */
static char last_token[1024];

static enum sig_status run(enum sign_scheme s, const char *secret, const char *previous,
			   const char *signer, const unsigned char *key, size_t klen,
			   const unsigned char *body, size_t blen, long long ts, const char *id,
			   int flip)
{
	struct signed_env e;
	struct hg_hdrs h = { .envp = sign_request(&e, s, signer, key, klen, body, blen, ts, id, flip) };
	struct sig_input in = { .hdrs = &h, .body = body, .body_len = blen, .secret = secret,
				.previous_secret = previous, .now = NOW, .tolerance_s = TOLERANCE };

	snprintf(last_token, sizeof(last_token), "%s", strchr(e.envp[0], '=') + 1);
	return sign_verify(s, &in);
}

/*
 * What a signature one bit off gives: SIG_INVALID, but for GitLab, whose
 * token is a secret: a flipped token that is the other secret is right.
 */
static enum sig_status flipped_want(enum sign_scheme s, const char *secret, const char *previous)
{
	if (s == SIGN_GITLAB && (trimmed_equal(last_token, secret) ||
				 (previous && trimmed_equal(last_token, previous))))
		return SIG_VALID;
	return SIG_INVALID;
}

/*
 * Shopify with both spellings: X-Shopify-Hmac-Sha256 is the one read; the
 * unprefixed one counts only when it is absent or blank. other is any value.
 */
static void shopify_both(const char *secret, const unsigned char *key, size_t klen,
			 const unsigned char *body, size_t blen, const char *other)
{
	struct signed_env e;
	char **good = sign_request(&e, SIGN_SHOPIFY, secret, key, klen, body, blen, NOW, "", -1);
	const char *mac = strchr(good[0], '=') + 1;
	size_t room = sizeof("HTTP_X_SHOPIFY_HMAC_SHA256=") + strlen(other) + strlen(mac);
	char *x = malloc(room), *plain = malloc(room);
	char *envp[] = { x, plain, NULL };
	struct hg_hdrs h = { .envp = envp };
	struct sig_input in = { .hdrs = &h, .body = body, .body_len = blen, .secret = secret,
				.now = NOW, .tolerance_s = TOLERANCE };
	enum sig_status st;

	if (!x || !plain)
		abort();
	sprintf(x, "HTTP_X_SHOPIFY_HMAC_SHA256=%s", mac);
	sprintf(plain, "HTTP_SHOPIFY_HMAC_SHA256=%s", other);
	st = sig_check_shopify(&in);
	PROPERTY(st == SIG_VALID, "shopify: a right X- header beside shopify-hmac-sha256 '%s' is %s",
		 other, sig_status_name(st));
	sprintf(x, "HTTP_X_SHOPIFY_HMAC_SHA256=%s", other);
	sprintf(plain, "HTTP_SHOPIFY_HMAC_SHA256=%s", mac);
	st = sig_check_shopify(&in);
	PROPERTY(st == (blank_only(other) || trimmed_equal(other, mac) ? SIG_VALID : SIG_INVALID),
		 "shopify: X- header '%s' beside a right shopify-hmac-sha256 is %s", other,
		 sig_status_name(st));
	free(plain);
	free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	enum sign_scheme s = (enum sign_scheme)(fz_byte(&f) % SIGN_SCHEMES), ps;
	uint8_t flags = fz_byte(&f);
	int bitpos = fz_byte(&f);
	uint8_t klen1 = (uint8_t)(1 + fz_byte(&f) % 48), klen2 = (uint8_t)(1 + fz_byte(&f) % 48);
	uint8_t k1[48], k2[48];
	char secret[128], previous[128], id[64];
	size_t idlen, blen;
	char *rawid, *raw;
	const unsigned char *body;
	unsigned char *flipped;
	long long ts;
	enum sig_status st;

	bitpos |= fz_byte(&f) << 8;
	ts = NOW - (long long)(fz_byte(&f) % 200);

	for (int i = 0; i < klen1; i++)
		k1[i] = fz_byte(&f);
	for (int i = 0; i < klen2; i++)
		k2[i] = fz_byte(&f);
	/* HMAC pads keys with zeros: keys equal but for trailing zeros are one key */
	k2[0] = (uint8_t)(k1[0] ^ 0x5a);
	/* the previous secret's scheme: for Standard Webhooks, with flag 4, the other kind of key */
	ps = s;
	if ((flags & 4) && s == SIGN_STANDARD)
		ps = SIGN_STANDARD_V1A;
	else if ((flags & 4) && s == SIGN_STANDARD_V1A)
		ps = SIGN_STANDARD;
	make_secret(s, k1, klen1, secret, sizeof(secret));
	make_secret(ps, k2, klen2, previous, sizeof(previous));
	rawid = fz_field(&f, '\n', &idlen);
	for (size_t i = 0; i < sizeof(id) - 1; i++)
		id[i] = (char)(0x21 + (i < idlen ? (uint8_t)rawid[i] : (uint8_t)i) % 94);
	id[1 + (idlen % (sizeof(id) - 2))] = '\0';
	free(rawid);
	raw = fz_field(&f, '\0', NULL);		/* a header value of the last test */
	body = f.p;
	blen = f.n;

	/* the same two secrets must differ for the bit-flip and previous-secret properties */
	if (strcmp(secret, previous) == 0)
		previous[0] = previous[0] == 'A' ? 'B' : 'A';

	st = run(s, secret, NULL, secret, k1, klen1, body, blen, ts, id, -1);
	PROPERTY(st == SIG_VALID, "scheme %d: a correct signature is %s", s, sig_status_name(st));
	/* with a previous secret still valid: either one signs */
	st = run(ps, secret, previous, previous, k2, klen2, body, blen, ts, id, -1);
	PROPERTY(st == SIG_VALID, "scheme %d: signed by the previous secret (scheme %d): %s", s, ps,
		 sig_status_name(st));
	st = run(s, secret, previous, secret, k1, klen1, body, blen, ts, id, -1);
	PROPERTY(st == SIG_VALID, "scheme %d: signed by the current secret beside a previous one: %s",
		 s, sig_status_name(st));
	/* a previous secret that expired is not passed in: its signatures are invalid */
	st = run(ps, secret, NULL, previous, k2, klen2, body, blen, ts, id, -1);
	PROPERTY(st == SIG_INVALID, "scheme %d: signed by another secret (scheme %d): %s", s, ps,
		 sig_status_name(st));
	/* the previous secret's signature one bit off, beside the current secret */
	st = run(ps, secret, previous, previous, k2, klen2, body, blen, ts, id, bitpos);
	PROPERTY(st == flipped_want(s, secret, previous), "scheme %d: the previous secret's MAC one bit "
		 "off (bit %d) is %s", s, bitpos, sig_status_name(st));

	st = run(s, secret, (flags & 1) ? previous : NULL, secret, k1, klen1, body, blen, ts, id, bitpos);
	PROPERTY(st == flipped_want(s, secret, (flags & 1) ? previous : NULL), "scheme %d: the MAC one "
		 "bit off (bit %d) is %s", s, bitpos, sig_status_name(st));

	if (blen > 0) {
		flipped = malloc(blen);
		if (!flipped)
			abort();
		memcpy(flipped, body, blen);
		flipped[(size_t)bitpos / 8 % blen] ^= (unsigned char)(1u << (bitpos % 8));
		{
			struct signed_env e;
			struct hg_hdrs h = { .envp = sign_request(&e, s, secret, k1, klen1, body, blen, ts,
								  id, -1) };
			struct sig_input in = { .hdrs = &h, .body = flipped, .body_len = blen,
						.secret = secret, .now = NOW, .tolerance_s = TOLERANCE };

			st = sign_verify(s, &in);
		}
		free(flipped);
		PROPERTY(st == (s == SIGN_GITLAB ? SIG_VALID : SIG_INVALID),
			 "scheme %d: the body one bit off is %s", s, sig_status_name(st));
	}

	/* beyond the tolerance, either way */
	st = run(s, secret, NULL, secret, k1, klen1, body, blen,
		 (flags & 2) ? NOW + TOLERANCE + 1 + (flags >> 2) : NOW - TOLERANCE - 1 - (flags >> 2), id, -1);
	PROPERTY(st == (timestamped(s) ? SIG_STALE : SIG_VALID), "scheme %d: a timestamp beyond the "
		 "tolerance gives %s", s, sig_status_name(st));

	/* no secret, no header, any header */
	st = run(s, NULL, NULL, secret, k1, klen1, body, blen, ts, id, -1);
	PROPERTY(st == SIG_NOT_REQUIRED, "scheme %d: no secret: %s", s, sig_status_name(st));
	{
		static const char *const names[SIGN_SCHEMES] = {
			"HTTP_X_HUB_SIGNATURE_256=", "HTTP_WEBHOOK_SIGNATURE=", "HTTP_SVIX_SIGNATURE=",
			"HTTP_STRIPE_SIGNATURE=", "HTTP_X_SLACK_SIGNATURE=", "HTTP_X_SHOPIFY_HMAC_SHA256=",
			"HTTP_X_GITLAB_TOKEN=", "HTTP_SHOPIFY_HMAC_SHA256=", "HTTP_WEBHOOK_SIGNATURE=",
		};
		char tsvar[64], idvar[96], *var = malloc(strlen(names[s]) + strlen(raw) + 1);
		char *none[] = { "CONTENT_TYPE=application/json", NULL };
		char *any[] = { var, tsvar, idvar, NULL };
		struct hg_hdrs h = { .envp = none };
		struct sig_input in = { .hdrs = &h, .body = body, .body_len = blen, .secret = secret,
					.now = NOW, .tolerance_s = TOLERANCE };

		if (!var)
			abort();
		st = sign_verify(s, &in);
		PROPERTY(st == SIG_MISSING, "scheme %d: no signature header: %s", s, sig_status_name(st));
		sprintf(var, "%s%s", names[s], raw);
		snprintf(tsvar, sizeof(tsvar), "%s=%lld", s == SIGN_SLACK ? "HTTP_X_SLACK_REQUEST_TIMESTAMP" :
			 s == SIGN_SVIX ? "HTTP_SVIX_TIMESTAMP" : "HTTP_WEBHOOK_TIMESTAMP", ts);
		snprintf(idvar, sizeof(idvar), "%s=%s", s == SIGN_SVIX ? "HTTP_SVIX_ID" : "HTTP_WEBHOOK_ID", id);
		h.envp = any;
		st = sign_verify(s, &in);
		/* GitLab's token is the secret itself: a header that is the secret, blanks aside, is right */
		PROPERTY(st != SIG_VALID || (s == SIGN_GITLAB && trimmed_equal(raw, secret)),
			 "scheme %d: an arbitrary header value '%s' is valid", s, raw);
		free(var);
	}
	if (s == SIGN_SHOPIFY || s == SIGN_SHOPIFY_EVENT)
		shopify_both(secret, k1, klen1, body, blen, raw);
	free(raw);
	return 0;
}
