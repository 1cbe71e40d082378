/*
 * sign: the test side of every signature scheme (SPEC 3.4 and 7): builds
 * the headers a sender would send, with OpenSSL's one-shot HMAC() and
 * EVP_EncodeBlock, never with hookgate's own code (the unit tests and the
 * signature fuzzer check hookgate, sign_verify, against it).
 */
#ifndef HG_TEST_SIGN_H
#define HG_TEST_SIGN_H

#define SIGN_FLIP(mac, flip) do { if ((flip) >= 0) (mac)[((flip) / 8) % 32] ^= (unsigned char)(1u << ((flip) % 8)); } while (0)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook/signature.h"

enum sign_scheme {
	SIGN_HUB256,		/* generic, github: X-Hub-Signature-256 */
	SIGN_STANDARD,		/* Standard Webhooks: webhook-id/timestamp/signature */
	SIGN_SVIX,		/* the same under svix-* names */
	SIGN_STRIPE,
	SIGN_SLACK,
	SIGN_SHOPIFY,
	SIGN_GITLAB,
	SIGN_SCHEMES,
};

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

/*
 * The envp of a request that signs body with secret under scheme, with
 * timestamp ts and message id msgid where the scheme has them. For the
 * Standard Webhooks schemes secret must be "whsec_" + base64 of key (klen
 * bytes), which is what is signed with. flip >= 0 flips that bit of the
 * MAC (of the token for GitLab, whose length is then kept) before it is
 * written: a forgery one bit away from the right answer.
 */
static inline char **sign_request(struct signed_env *e, enum sign_scheme scheme,
				  const char *secret, const unsigned char *key, size_t klen,
				  const unsigned char *body, size_t blen, long long ts,
				  const char *msgid, int flip)
{
	unsigned char mac[32];
	char hex[65], b64[64], tss[32], *msg;
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
		sign_hmac3(secret, strlen(secret), body, blen, "", 0, "", 0, mac);
		SIGN_FLIP(mac, flip);
		EVP_EncodeBlock((unsigned char *)b64, mac, 32);
		snprintf(e->vars[n++], sizeof(e->vars[0]), "HTTP_X_SHOPIFY_HMAC_SHA256=%s", b64);
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
		return sig_check_standard(in);
	case SIGN_STRIPE:
		return sig_check_stripe(in);
	case SIGN_SLACK:
		return sig_check_slack(in);
	case SIGN_SHOPIFY:
		return sig_check_shopify(in);
	case SIGN_GITLAB:
	case SIGN_SCHEMES:
		break;
	}
	return sig_check_gitlab(in);
}

#endif
