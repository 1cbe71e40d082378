/*
 * sign: the test side of every signature scheme (SPEC 3.4 and 7): builds
 * the headers a sender would send, with OpenSSL's one-shot HMAC(),
 * EVP_DigestSign (Ed25519) and EVP_EncodeBlock, never with hookgate's own
 * code (the unit tests and the signature fuzzer check hookgate,
 * sign_verify, against it).
 */
#ifndef HG_TEST_SIGN_H
#define HG_TEST_SIGN_H

#define SIGN_FLIP(mac, flip) do { if ((flip) >= 0) (mac)[((flip) / 8) % 32] ^= (unsigned char)(1u << ((flip) % 8)); } while (0)

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "webhook/signature.h"

enum sign_scheme {
	SIGN_HUB256,		/* generic, github: X-Hub-Signature-256 */
	SIGN_STANDARD,		/* Standard Webhooks: webhook-id/timestamp/signature */
	SIGN_SVIX,		/* the same under svix-* names */
	SIGN_STRIPE,
	SIGN_SLACK,
	SIGN_SHOPIFY,
	SIGN_GITLAB,
	SIGN_SHOPIFY_EVENT,	/* Shopify's event webhooks: the unprefixed shopify-hmac-sha256 */
	SIGN_STANDARD_V1A,	/* Standard Webhooks asymmetric: v1a Ed25519 entries, whpk_ keys */
	SIGN_SCHEMES,
};

/* Whether scheme s compares a MAC or token with a secret (all but v1a, which verifies a signature). */
static inline bool sign_compares_secret(enum sign_scheme s)
{
	return s != SIGN_STANDARD_V1A;
}

/* Room for the CGI variables of one signed request. */
struct signed_env {
	char vars[4][1024];
	char *envp[6];
};

static inline void sign_hex(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
	out[2 * len] = '\0';
}

/* HMAC-SHA256 of a . b . c (parts may be empty) under key; 32 bytes into mac. */
static inline void sign_hmac3(const void *key, size_t klen, const void *a, size_t alen,
			      const void *b, size_t blen, const void *c, size_t clen,
			      unsigned char mac[32])
{
	size_t n = alen + blen + clen;
	unsigned char *msg = malloc(n ? n : 1);
	unsigned int mlen = 32;

	if (!msg)
		abort();
	memcpy(msg, a, alen);
	memcpy(msg + alen, b, blen);
	memcpy(msg + alen + blen, c, clen);
	if (!HMAC(EVP_sha256(), key, (int)klen, msg, n, mac, &mlen) || mlen != 32)
		abort();
	free(msg);
}

/* The Ed25519 key pair of the seed SHA-256(key[0..klen)); aborts when OpenSSL cannot make it. */
static inline EVP_PKEY *sign_ed25519_key(const unsigned char *key, size_t klen)
{
	unsigned char seed[SHA256_DIGEST_LENGTH];
	EVP_PKEY *pk;

	SHA256(key, klen, seed);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (!pk)
		abort();
	return pk;
}

/* The whpk_ secret of the Ed25519 key pair of key (sign_ed25519_key) into out. */
static inline void sign_whpk(const unsigned char *key, size_t klen, char *out, size_t outlen)
{
	EVP_PKEY *pk = sign_ed25519_key(key, klen);
	unsigned char pub[32], b64[48];
	size_t plen = sizeof(pub);

	if (EVP_PKEY_get_raw_public_key(pk, pub, &plen) != 1 || plen != sizeof(pub))
		abort();
	EVP_PKEY_free(pk);
	EVP_EncodeBlock(b64, pub, (int)plen);
	snprintf(out, outlen, "whpk_%s", b64);
}

/* The 64-byte Ed25519 signature of msg[0..len) by the key pair of key into sig. */
static inline void sign_ed25519(const unsigned char *key, size_t klen, const unsigned char *msg,
				size_t len, unsigned char sig[64])
{
	EVP_PKEY *pk = sign_ed25519_key(key, klen);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = 64;

	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) != 1 ||
	    EVP_DigestSign(ctx, sig, &slen, msg, len) != 1 || slen != 64)
		abort();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
}

/*
 * The envp of a request that signs body with secret under scheme, with
 * timestamp ts and message id msgid where the scheme has them. For the
 * Standard Webhooks HMAC schemes secret must be "whsec_" + base64 of key
 * (klen bytes), which is what is signed with; for v1a secret is the
 * whpk_ of key (sign_whpk), and key's Ed25519 pair signs. flip >= 0 flips
 * that bit of the MAC or signature (of the token for GitLab, whose length
 * is then kept) before it is written: a forgery one bit away from the
 * right answer.
 */
static inline char **sign_request(struct signed_env *e, enum sign_scheme scheme,
				  const char *secret, const unsigned char *key, size_t klen,
				  const unsigned char *body, size_t blen, long long ts,
				  const char *msgid, int flip)
{
	unsigned char mac[32], edsig[64];
	char hex[65], b64[96], tss[32], *msg;
	int n = 0;

	snprintf(tss, sizeof(tss), "%lld", ts);
	memset(e, 0, sizeof(*e));
	switch (scheme) {
	case SIGN_HUB256:
		sign_hmac3(secret, strlen(secret), body, blen, "", 0, "", 0, mac);
		SIGN_FLIP(mac, flip);
		sign_hex(mac, 32, hex);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_X_HUB_SIGNATURE_256=sha256=%s", hex);
		break;
	case SIGN_STANDARD:
	case SIGN_SVIX: {
		const char *pre = scheme == SIGN_STANDARD ? "HTTP_WEBHOOK_" : "HTTP_SVIX_";
		size_t idlen = strlen(msgid), tlen = strlen(tss);

		msg = malloc(idlen + tlen + 3);
		if (!msg)
			abort();
		sprintf(msg, "%s.%s.", msgid, tss);
		sign_hmac3(key, klen, msg, idlen + tlen + 2, body, blen, "", 0, mac);
		free(msg);
		SIGN_FLIP(mac, flip);
		EVP_EncodeBlock((unsigned char *)b64, mac, 32);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "%sID=%s", pre, msgid);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "%sTIMESTAMP=%s", pre, tss);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "%sSIGNATURE=v1,%s", pre, b64);
		break;
	}
	case SIGN_STANDARD_V1A: {
		size_t idlen = strlen(msgid), tlen = strlen(tss);

		msg = malloc(idlen + tlen + 2 + blen + 1);
		if (!msg)
			abort();
		sprintf(msg, "%s.%s.", msgid, tss);
		if (blen)
			memcpy(msg + idlen + tlen + 2, body, blen);
		sign_ed25519(key, klen, (const unsigned char *)msg, idlen + tlen + 2 + blen, edsig);
		free(msg);
		if (flip >= 0)
			edsig[(flip / 8) % 64] ^= (unsigned char)(1u << (flip % 8));
		EVP_EncodeBlock((unsigned char *)b64, edsig, 64);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_WEBHOOK_ID=%s", msgid);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_WEBHOOK_TIMESTAMP=%s", tss);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_WEBHOOK_SIGNATURE=v1a,%s", b64);
		break;
	}
	case SIGN_STRIPE:
		sign_hmac3(secret, strlen(secret), tss, strlen(tss), ".", 1, body, blen, mac);
		SIGN_FLIP(mac, flip);
		sign_hex(mac, 32, hex);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_STRIPE_SIGNATURE=t=%s,v1=%s", tss, hex);
		break;
	case SIGN_SLACK: {
		char pre[48];

		snprintf(pre, sizeof(pre), "v0:%s:", tss);
		sign_hmac3(secret, strlen(secret), pre, strlen(pre), body, blen, "", 0, mac);
		SIGN_FLIP(mac, flip);
		sign_hex(mac, 32, hex);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_X_SLACK_SIGNATURE=v0=%s", hex);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_X_SLACK_REQUEST_TIMESTAMP=%s", tss);
		break;
	}
	case SIGN_SHOPIFY:
	case SIGN_SHOPIFY_EVENT:
		sign_hmac3(secret, strlen(secret), body, blen, "", 0, "", 0, mac);
		SIGN_FLIP(mac, flip);
		EVP_EncodeBlock((unsigned char *)b64, mac, 32);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "%s=%s", scheme == SIGN_SHOPIFY ?
			 "HTTP_X_SHOPIFY_HMAC_SHA256" : "HTTP_SHOPIFY_HMAC_SHA256", b64);
		break;
	case SIGN_GITLAB: {
		char tok[sizeof(e->vars[0]) - 32];
		size_t tl = strlen(secret);

		snprintf(tok, sizeof(tok), "%s", secret);
		if (flip >= 0 && tl > 0 && tl < sizeof(tok)) {
			/* one bit of one character, never making it a blank or NUL (trimmed, or the end) */
			char *c = &tok[(size_t)(flip / 8) % tl];

			for (int b = flip % 7, i = 0; i < 7; i++, b = (b + 1) % 7) {
				char x = (char)(*c ^ (1 << b));

				if (x != '\0' && x != ' ' && x != '\t' && x != '\r' && x != '\n') {
					*c = x;
					break;
				}
			}
		}
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_X_GITLAB_TOKEN=%s", tok);
		break;
	}
	case SIGN_SCHEMES:
		abort();
	}
	snprintf(e->vars[n++], sizeof(e->vars[0]), "CONTENT_TYPE=application/json");
	for (int i = 0; i < n; i++)
		e->envp[i] = e->vars[i];
	e->envp[n] = NULL;
	return e->envp;
}

/* hookgate's own check of scheme s (the code under test). */
static inline enum sig_status sign_verify(enum sign_scheme s, const struct sig_input *in)
{
	switch (s) {
	case SIGN_HUB256:
		return sig_check_hub256(in);
	case SIGN_STANDARD:
	case SIGN_SVIX:
	case SIGN_STANDARD_V1A:
		return sig_check_standard(in);
	case SIGN_STRIPE:
		return sig_check_stripe(in);
	case SIGN_SLACK:
		return sig_check_slack(in);
	case SIGN_SHOPIFY:
	case SIGN_SHOPIFY_EVENT:
		return sig_check_shopify(in);
	case SIGN_GITLAB:
	case SIGN_SCHEMES:
		break;
	}
	return sig_check_gitlab(in);
}

#endif
