/* signature: verify the signature schemes of every provider (SPEC 3.4 and 7) in constant time. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "webhook/signature.h"
#include "lib/util.h"

#define SHA256_LEN SIG_HMAC_LEN
#define SHA256_HEX_LEN (2 * SHA256_LEN)
/* The length of standard, padded base64 of n bytes. */
#define B64_LEN(n) (4 * (((n) + 2) / 3))

#define HUB256_PREFIX "sha256="
#define SLACK_PREFIX "v0="
#define STANDARD_V1 "v1,"
#define STANDARD_V1A "v1a,"
#define WHSEC_PREFIX "whsec_"

/* A Unix time of at most this many digits cannot overflow long long arithmetic with now. */
#define TS_MAX_DIGITS 18

/* One piece of an HMAC message, hashed in order without being copied. */
struct part {
	const void *data;
	size_t len;
};

/* The number of parts of an array of them. */
#define NPARTS(a) (sizeof(a) / sizeof((a)[0]))

/* How a scheme turns the stored secret into the HMAC key. */
enum keyform {
	KEY_RAW,	/* the secret's bytes as given */
	KEY_WHSEC,	/* sig_standard_key */
};

/* The MACs a valid signature may equal: one per secret in use, current first. */
struct expected {
	unsigned char mac[2][SHA256_LEN];
	size_t n;
};

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

static bool has_text(const char *s)
{
	return s && s[0];
}

/*
 * The HMAC-SHA256 context every computation is duplicated from: the
 * EVP_MAC fetched and its digest set once per process, on first use (a
 * hookgate process has one thread). Fetching and setting the digest cost
 * more than the HMAC of a small body; a copy of a ready context does not.
 * Kept for the life of the process; NULL when OpenSSL fails (tried again
 * on the next call).
 */
static EVP_MAC_CTX *hmac_template(void)
{
	static EVP_MAC_CTX *tmpl;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	if (tmpl)
		return tmpl;
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!mac)
		return NULL;
	tmpl = EVP_MAC_CTX_new(mac);	/* holds its own reference to mac */
	EVP_MAC_free(mac);
	if (tmpl && EVP_MAC_CTX_set_params(tmpl, params) != 1) {
		EVP_MAC_CTX_free(tmpl);
		tmpl = NULL;
	}
	return tmpl;
}

/* HMAC-SHA256 under key of the concatenated parts, into out. */
static bool hmac_parts(const unsigned char *key, size_t klen, const struct part *parts,
		       size_t nparts, unsigned char out[SHA256_LEN]) HG_MUSTCHECK;
static bool hmac_parts(const unsigned char *key, size_t klen, const struct part *parts,
		       size_t nparts, unsigned char out[SHA256_LEN])
{
	EVP_MAC_CTX *tmpl = hmac_template(), *ctx = NULL;
	size_t outlen = 0;
	bool ok = false;

	if (!key || klen == 0 || !tmpl)
		goto fail;
	ctx = EVP_MAC_CTX_dup(tmpl);
	if (!ctx || EVP_MAC_init(ctx, key, klen, NULL) != 1)
		goto fail;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].len > 0 && EVP_MAC_update(ctx, parts[i].data, parts[i].len) != 1)
			goto fail;
	if (EVP_MAC_final(ctx, out, &outlen, SHA256_LEN) != 1 || outlen != SHA256_LEN)
		goto fail;
	ok = true;
fail:
	EVP_MAC_CTX_free(ctx);	/* cleanses the key schedule */
	return ok;
}

bool sig_hmac_sha256(const unsigned char *key, size_t klen, const unsigned char *data, size_t len,
		     unsigned char out[SIG_HMAC_LEN])
{
	struct part body = { data, len };

	return hmac_parts(key, klen, &body, 1, out);
}

/*
 * Decode base64 text whose '=' padding may be missing (as Standard
 * Webhooks' reference libraries accept) into out: the number of bytes, or
 * -1 when text is not base64 or out (outlen bytes) is too small.
 */
static long b64_decode_lenient(const char *text, unsigned char *out, size_t outlen)
{
	size_t tlen = strlen(text), pad = (4 - tlen % 4) % 4;
	char *b64;
	long n;

	/* One missing character can never be padding: such a text is not base64. */
	if (tlen == 0 || pad == 3 || !(b64 = malloc(tlen + pad + 1)))
		return -1;
	memcpy(b64, text, tlen);
	memset(b64 + tlen, '=', pad);
	b64[tlen + pad] = '\0';
	n = base64_decode(b64, out, outlen);
	OPENSSL_cleanse(b64, tlen + pad);
	free(b64);
	return n;
}

size_t sig_standard_key(const char *secret, unsigned char *out, size_t outlen)
{
	const char *text = secret;
	size_t len;
	long n;

	if (!has_text(secret) || !out)
		return 0;
	len = strlen(secret);
	if (strncmp(secret, WHSEC_PREFIX, sizeof(WHSEC_PREFIX) - 1) == 0)
		text += sizeof(WHSEC_PREFIX) - 1;
	n = b64_decode_lenient(text, out, outlen);
	if (n > 0)
		return (size_t)n;
	if (len > outlen)
		return 0;
	memcpy(out, secret, len);
	return len;
}

bool sig_is_public_key(const char *secret)
{
	return secret && strncmp(secret, SIG_WHPK_PREFIX, sizeof(SIG_WHPK_PREFIX) - 1) == 0;
}

bool sig_standard_public_key(const char *secret, unsigned char out[SIG_ED25519_KEY_LEN])
{
	return sig_is_public_key(secret) &&
	       b64_decode_lenient(secret + sizeof(SIG_WHPK_PREFIX) - 1, out, SIG_ED25519_KEY_LEN) ==
		       SIG_ED25519_KEY_LEN;
}

bool sig_ed25519_verify(const unsigned char pub[SIG_ED25519_KEY_LEN], const unsigned char *msg,
			size_t len, const unsigned char sig[SIG_ED25519_SIG_LEN])
{
	static const unsigned char empty[1];
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *ctx = NULL;
	bool ok = false;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SIG_ED25519_KEY_LEN);
	ctx = EVP_MD_CTX_new();
	/* Ed25519 hashes the message itself: no digest, one call over the whole message. */
	if (!pkey || !ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
		goto fail;
	ok = EVP_DigestVerify(ctx, sig, SIG_ED25519_SIG_LEN, len ? msg : empty, len) == 1;
fail:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* The HMAC of parts under secret, its key made as kf says, into out. */
static bool mac_under(const char *secret, enum keyform kf, const struct part *parts,
		      size_t nparts, unsigned char out[SHA256_LEN]) HG_MUSTCHECK;
static bool mac_under(const char *secret, enum keyform kf, const struct part *parts,
		      size_t nparts, unsigned char out[SHA256_LEN])
{
	size_t len = strlen(secret), klen;
	unsigned char *key;
	bool ok;

	if (kf == KEY_RAW)
		return hmac_parts((const unsigned char *)secret, len, parts, nparts, out);
	/* The decoded key is never longer than the secret itself. */
	key = malloc(len + 1);
	if (!key)
		return false;
	klen = sig_standard_key(secret, key, len + 1);
	ok = klen > 0 && hmac_parts(key, klen, parts, nparts, out);
	OPENSSL_cleanse(key, len + 1);
	free(key);
	return ok;
}

/*
 * The MACs of parts under the current and (when given) previous secret.
 * Both are always computed, so the time taken does not say which one a
 * signature will match. With KEY_WHSEC a public key secret (whpk_) has no
 * MAC, so e->n may be 0. False when a MAC could not be computed.
 */
static bool expected_compute(const struct sig_input *in, enum keyform kf, const struct part *parts,
			     size_t nparts, struct expected *e) HG_MUSTCHECK;
static bool expected_compute(const struct sig_input *in, enum keyform kf, const struct part *parts,
			     size_t nparts, struct expected *e)
{
	const char *secrets[2] = { in->secret, in->previous_secret };

	e->n = 0;
	for (size_t i = 0; i < 2; i++) {
		if (!has_text(secrets[i]) || (kf == KEY_WHSEC && sig_is_public_key(secrets[i])))
			continue;
		if (!mac_under(secrets[i], kf, parts, nparts, e->mac[e->n])) {
			OPENSSL_cleanse(e, sizeof(*e));
			e->n = 0;
			return false;
		}
		e->n++;
	}
	return true;
}

/* Whether cand (len bytes) equals one of the expected MACs; every one is compared. */
static bool expected_match(const struct expected *e, const unsigned char *cand, size_t len)
{
	bool any = false;

	if (len != SHA256_LEN)
		return false;
	for (size_t i = 0; i < e->n; i++)
		any |= CRYPTO_memcmp(e->mac[i], cand, SHA256_LEN) == 0;
	return any;
}

/*
 * Whether cand (SHA256_LEN bytes) is the MAC of parts under the current or
 * the previous secret (both computed, as expected_compute does). False too
 * when a MAC could not be computed.
 */
static bool expected_matches(const struct sig_input *in, enum keyform kf, const struct part *parts,
			     size_t nparts, const unsigned char cand[SHA256_LEN])
{
	struct expected e;
	bool match;

	if (!expected_compute(in, kf, parts, nparts, &e))
		return false;
	match = expected_match(&e, cand, SHA256_LEN);
	OPENSSL_cleanse(&e, sizeof(e));
	return match;
}

/* Exactly SHA256_HEX_LEN hex digits (either case) into out. */
static bool hex_digest(const char *s, size_t len, unsigned char out[SHA256_LEN])
{
	return len == SHA256_HEX_LEN && hex_decode(s, len, out, SHA256_LEN);
}

/* s[0..len) is prefix then exactly SHA256_HEX_LEN hex digits, decoded into out. */
static bool prefixed_hex_digest(const char *s, size_t len, const char *prefix,
				unsigned char out[SHA256_LEN])
{
	size_t plen = strlen(prefix);

	return len >= plen && memcmp(s, prefix, plen) == 0 &&
	       hex_digest(s + plen, len - plen, out);
}

/*
 * s[0..len) is exactly the standard, padded base64 of n bytes (n at most
 * SIG_ED25519_SIG_LEN), decoded into out. The text must be canonical (the
 * unused low bits of its last character zero, as every encoder writes
 * them): then one signature has one spelling, and no changed character
 * of it still decodes to the same bytes.
 */
static bool b64_exact(const char *s, size_t len, unsigned char *out, size_t n)
{
	char text[B64_LEN(SIG_ED25519_SIG_LEN) + 1], again[B64_LEN(SIG_ED25519_SIG_LEN) + 1];

	if (n > SIG_ED25519_SIG_LEN || len != B64_LEN(n))
		return false;
	memcpy(text, s, len);
	text[len] = '\0';
	if (base64_decode(text, out, n) != (long)n)
		return false;
	EVP_EncodeBlock((unsigned char *)again, out, (int)n);
	return memcmp(again, text, len) == 0;
}

/* A Unix time: 1 to TS_MAX_DIGITS decimal digits, nothing else. */
static bool ts_parse(const char *s, size_t len, long long *ts)
{
	long long v = 0;

	if (len == 0 || len > TS_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ts = v;
	return true;
}

/* More than tolerance_s from now, either way. A tolerance of 0 or less turns the window off. */
static bool ts_stale(const struct sig_input *in, long long ts)
{
	long long diff = (long long)in->now - ts;

	if (in->tolerance_s <= 0)
		return false;
	return diff > in->tolerance_s || diff < -(long long)in->tolerance_s;
}

/*
 * The value of a scheme's signature header name (or, when that is absent
 * and alt is not NULL, of header alt), its length in *len; or NULL with
 * *status SIG_NOT_REQUIRED when no secret is set (whatever the headers
 * say), SIG_MISSING when the header is absent or blank.
 */
static const char *signature_header(const struct sig_input *in, const char *name, const char *alt,
				    size_t *len, enum sig_status *status)
{
	const char *v;

	if (!has_text(in->secret)) {
		*status = SIG_NOT_REQUIRED;
		return NULL;
	}
	v = hdrs_get_span(in->hdrs, name, len);
	if (!v && alt)
		v = hdrs_get_span(in->hdrs, alt, len);
	if (!v)
		*status = SIG_MISSING;
	return v;
}

/* The result for a timestamped scheme once its signatures have been compared. */
static enum sig_status timed_result(const struct sig_input *in, bool match, long long ts)
{
	if (!match)
		return SIG_INVALID;
	return ts_stale(in, ts) ? SIG_STALE : SIG_VALID;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next item of s[0..len) separated by sep (blanks around an item are
 * dropped): *item and *ilen, *pos moved past it. False at the end.
 */
static bool next_item(const char *s, size_t len, size_t *pos, char sep, const char **item, size_t *ilen)
{
	size_t start, end;

	while (*pos < len && (s[*pos] == sep || is_blank(s[*pos])))
		(*pos)++;
	if (*pos >= len)
		return false;
	start = *pos;
	while (*pos < len && s[*pos] != sep)
		(*pos)++;
	end = *pos;
	while (end > start && is_blank(s[end - 1]))
		end--;
	*item = s + start;
	*ilen = end - start;
	return true;
}

/* ---- GitHub and generic: X-Hub-Signature-256 ---- */

enum sig_status sig_check_hub256(const struct sig_input *in)
{
	struct part body = { in->body, in->body_len };
	unsigned char want[SHA256_LEN];
	enum sig_status status;
	const char *value;
	size_t len;

	value = signature_header(in, "X-Hub-Signature-256", NULL, &len, &status);
	if (!value)
		return status;
	if (!prefixed_hex_digest(value, len, HUB256_PREFIX, want))
		return SIG_INVALID;
	return expected_matches(in, KEY_RAW, &body, 1, want) ? SIG_VALID : SIG_INVALID;
}

/* ---- Standard Webhooks (and Svix) ---- */

/* The Ed25519 keys of the whpk_ secrets in use, current first; a malformed one is left out. */
struct public_keys {
	unsigned char key[2][SIG_ED25519_KEY_LEN];
	size_t n;
};

static void public_keys_load(const struct sig_input *in, struct public_keys *k)
{
	const char *secrets[2] = { in->secret, in->previous_secret };

	k->n = 0;
	for (size_t i = 0; i < 2; i++)
		if (sig_standard_public_key(secrets[i], k->key[k->n]))
			k->n++;
}

/* The parts concatenated into one malloc'd buffer (the caller frees it), *len its length. */
static unsigned char *parts_join(const struct part *parts, size_t nparts, size_t *len)
{
	unsigned char *buf;
	size_t total = 0, at = 0;

	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].len > SIZE_MAX - 1 - total)
			return NULL;
		total += parts[i].len;
	}
	buf = malloc(total + 1);	/* + 1: never malloc(0) */
	if (!buf)
		return NULL;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].len > 0)
			memcpy(buf + at, parts[i].data, parts[i].len);
		at += parts[i].len;
	}
	*len = total;
	return buf;
}

/*
 * Whether sig is an Ed25519 signature by one of keys over the parts.
 * Ed25519 signs a whole message, not a stream: the parts are joined into
 * *msg on the first call (the caller frees it); no memory is a mismatch.
 */
static bool v1a_matches(const struct public_keys *keys, const struct part *parts, size_t nparts,
			unsigned char **msg, size_t *mlen, const unsigned char sig[SIG_ED25519_SIG_LEN])
{
	bool match = false;

	if (!*msg && !(*msg = parts_join(parts, nparts, mlen)))
		return false;
	for (size_t i = 0; i < keys->n && !match; i++)
		match = sig_ed25519_verify(keys->key[i], *msg, *mlen, sig);
	return match;
}

/* Whether item is version (e.g. "v1,") then something: *value and *vlen hold that. */
static bool entry_is(const char *item, size_t ilen, const char *version, const char **value,
		     size_t *vlen)
{
	size_t n = strlen(version);

	if (ilen <= n || memcmp(item, version, n) != 0)
		return false;
	*value = item + n;
	*vlen = ilen - n;
	return true;
}

enum sig_status sig_check_standard(const struct sig_input *in)
{
	const char *sig, *id, *ts, *item, *v;
	size_t siglen, idlen, tslen, ilen, vlen, pos = 0, mlen = 0, v1a_left = SIG_V1A_MAX_ENTRIES;
	unsigned char cand[SHA256_LEN], edsig[SIG_ED25519_SIG_LEN], *msg = NULL;
	struct public_keys keys;
	struct expected e;
	long long t;
	bool match = false;

	if (!has_text(in->secret))
		return SIG_NOT_REQUIRED;
	sig = hdrs_get_span(in->hdrs, "webhook-signature", &siglen);
	if (sig) {
		id = hdrs_get_span(in->hdrs, "webhook-id", &idlen);
		ts = hdrs_get_span(in->hdrs, "webhook-timestamp", &tslen);
	} else {
		sig = hdrs_get_span(in->hdrs, "svix-signature", &siglen);
		if (!sig)
			return SIG_MISSING;
		id = hdrs_get_span(in->hdrs, "svix-id", &idlen);
		ts = hdrs_get_span(in->hdrs, "svix-timestamp", &tslen);
	}
	if (!id || !ts || !ts_parse(ts, tslen, &t))
		return SIG_INVALID;
	{
		const struct part parts[] = {
			{ id, idlen }, { ".", 1 }, { ts, tslen }, { ".", 1 }, { in->body, in->body_len },
		};

		if (!expected_compute(in, KEY_WHSEC, parts, NPARTS(parts), &e))
			return SIG_INVALID;
		public_keys_load(in, &keys);
		while (next_item(sig, siglen, &pos, ' ', &item, &ilen)) {
			if (e.n > 0 && entry_is(item, ilen, STANDARD_V1, &v, &vlen) &&
			    b64_exact(v, vlen, cand, sizeof(cand))) {
				match |= expected_match(&e, cand, sizeof(cand));
			} else if (keys.n > 0 && !match && v1a_left > 0 &&
				   entry_is(item, ilen, STANDARD_V1A, &v, &vlen) &&
				   b64_exact(v, vlen, edsig, sizeof(edsig))) {
				v1a_left--;
				match = v1a_matches(&keys, parts, NPARTS(parts), &msg, &mlen, edsig);
			}
		}
	}
	free(msg);
	OPENSSL_cleanse(&e, sizeof(e));
	return timed_result(in, match, t);
}

/* ---- Stripe ---- */

/* Whether item is "<key>=<value>" for this key; *value and *vlen then hold the value. */
static bool kv_is(const char *item, size_t ilen, const char *key, const char **value, size_t *vlen)
{
	size_t klen = strlen(key);

	if (ilen <= klen || memcmp(item, key, klen) != 0 || item[klen] != '=')
		return false;
	*value = item + klen + 1;
	*vlen = ilen - klen - 1;
	return true;
}

enum sig_status sig_check_stripe(const struct sig_input *in)
{
	const char *sig, *item, *v, *ts = NULL;
	size_t siglen, ilen, vlen, tslen = 0, pos = 0;
	unsigned char cand[SHA256_LEN];
	enum sig_status status;
	struct expected e;
	long long t;
	bool match = false;

	sig = signature_header(in, "Stripe-Signature", NULL, &siglen, &status);
	if (!sig)
		return status;
	while (next_item(sig, siglen, &pos, ',', &item, &ilen)) {
		if (!kv_is(item, ilen, "t", &v, &vlen))
			continue;
		if (ts)
			return SIG_INVALID;	/* two timestamps: which one was signed? */
		ts = v;
		tslen = vlen;
	}
	if (!ts || !ts_parse(ts, tslen, &t))
		return SIG_INVALID;
	{
		const struct part parts[] = { { ts, tslen }, { ".", 1 }, { in->body, in->body_len } };

		if (!expected_compute(in, KEY_RAW, parts, NPARTS(parts), &e))
			return SIG_INVALID;
	}
	pos = 0;
	while (next_item(sig, siglen, &pos, ',', &item, &ilen)) {
		if (kv_is(item, ilen, "v1", &v, &vlen) && hex_digest(v, vlen, cand))
			match |= expected_match(&e, cand, sizeof(cand));
	}
	OPENSSL_cleanse(&e, sizeof(e));
	return timed_result(in, match, t);
}

/* ---- Slack ---- */

enum sig_status sig_check_slack(const struct sig_input *in)
{
	const char *sig, *ts;
	size_t siglen, tslen;
	unsigned char cand[SHA256_LEN];
	enum sig_status status;
	long long t;

	sig = signature_header(in, "X-Slack-Signature", NULL, &siglen, &status);
	if (!sig)
		return status;
	ts = hdrs_get_span(in->hdrs, "X-Slack-Request-Timestamp", &tslen);
	if (!ts || !ts_parse(ts, tslen, &t))
		return SIG_INVALID;
	if (!prefixed_hex_digest(sig, siglen, SLACK_PREFIX, cand))
		return SIG_INVALID;
	{
		const struct part parts[] = {
			{ "v0:", 3 }, { ts, tslen }, { ":", 1 }, { in->body, in->body_len },
		};

		return timed_result(in, expected_matches(in, KEY_RAW, parts, NPARTS(parts), cand), t);
	}
}

/* ---- Shopify ---- */

enum sig_status sig_check_shopify(const struct sig_input *in)
{
	struct part body = { in->body, in->body_len };
	unsigned char cand[SHA256_LEN];
	enum sig_status status;
	const char *sig;
	size_t siglen;

	sig = signature_header(in, "X-Shopify-Hmac-Sha256", "shopify-hmac-sha256", &siglen, &status);
	if (!sig)
		return status;
	if (!b64_exact(sig, siglen, cand, sizeof(cand)))
		return SIG_INVALID;
	return expected_matches(in, KEY_RAW, &body, 1, cand) ? SIG_VALID : SIG_INVALID;
}

/* ---- GitLab ---- */

/* SHA-256 of s[0..len) into out. */
static bool sha256_of(const void *s, size_t len, unsigned char out[SHA256_LEN]) HG_MUSTCHECK;
static bool sha256_of(const void *s, size_t len, unsigned char out[SHA256_LEN])
{
	static const unsigned char empty[1];
	unsigned int mdlen = 0;

	return EVP_Digest(len ? s : empty, len, out, &mdlen, EVP_sha256(), NULL) == 1 &&
	       mdlen == SHA256_LEN;
}

/*
 * The token and the secrets are compared as SHA-256 digests: the
 * comparison then always covers 32 bytes, so its timing tells neither the
 * secret's bytes nor its length.
 */
enum sig_status sig_check_gitlab(const struct sig_input *in)
{
	const char *secrets[2] = { in->secret, in->previous_secret };
	unsigned char tok_md[SHA256_LEN], sec_md[SHA256_LEN];
	const char *tok;
	size_t toklen;
	enum sig_status status;
	bool match = false, ok = true;

	tok = signature_header(in, "X-Gitlab-Token", NULL, &toklen, &status);
	if (!tok)
		return status;
	if (!sha256_of(tok, toklen, tok_md))
		return SIG_INVALID;
	for (size_t i = 0; i < 2; i++) {
		if (!has_text(secrets[i]))
			continue;
		if (!sha256_of(secrets[i], strlen(secrets[i]), sec_md)) {
			ok = false;
			continue;
		}
		match |= CRYPTO_memcmp(tok_md, sec_md, SHA256_LEN) == 0;
	}
	OPENSSL_cleanse(sec_md, sizeof(sec_md));
	OPENSSL_cleanse(tok_md, sizeof(tok_md));
	return ok && match ? SIG_VALID : SIG_INVALID;
}
