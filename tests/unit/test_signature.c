/* test_signature: every provider's signature scheme (SPEC 3.4, 7) against published and openssl-computed vectors. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/signature.h"
#include "lib/util.h"
#include "tap.h"

/* GitHub's documented example ("Validating webhook deliveries"). */
#define GH_SECRET "It's a Secret to Everybody"
#define GH_BODY "Hello, World!"
#define GH_HEX "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
#define GH_HEX_UPPER "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"

/* RFC 4231 test case 2. */
#define RFC_KEY "Jefe"
#define RFC_DATA "what do ya want for nothing?"
#define RFC_HEX "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

/* HMAC-SHA256 of an empty message under GH_SECRET, from: printf "" | openssl dgst -sha256 -hmac SECRET */
#define GH_EMPTY_HEX "66a0c074deaa0f489ead6537e0d32f9a344b90bbeda705b6ed45ecd3b413fb40"

/* The status of body under secret/previous with the header value sig (NULL: no header). */
static enum sig_status check(const char *sig, const char *secret, const char *previous,
			     const char *body, size_t body_len)
{
	char var[256];
	char *env[] = { "CONTENT_TYPE=application/json", var, NULL };
	struct hg_hdrs h = { .envp = env };
	struct sig_input in = {
		.hdrs = &h,
		.body = (const unsigned char *)body,
		.body_len = body_len,
		.secret = secret,
		.previous_secret = previous,
		.now = 0,
		.tolerance_s = 300,
	};

	if (sig)
		snprintf(var, sizeof(var), "HTTP_X_HUB_SIGNATURE_256=%s", sig);
	else
		snprintf(var, sizeof(var), "HTTP_USER_AGENT=test");
	return sig_check_hub256(&in);
}

#define CHECK(sig, secret, previous) check((sig), (secret), (previous), GH_BODY, sizeof(GH_BODY) - 1)

static void test_hub256(void)
{
	is_int(CHECK("sha256=" GH_HEX, GH_SECRET, NULL), SIG_VALID, "GitHub's published vector is valid");
	is_int(check("sha256=" RFC_HEX, RFC_KEY, NULL, RFC_DATA, sizeof(RFC_DATA) - 1), SIG_VALID,
	       "RFC 4231 case 2 is valid");
	is_int(CHECK("sha256=" GH_HEX_UPPER, GH_SECRET, NULL), SIG_VALID, "upper-case hex is valid");
	is_int(CHECK("sha256=757107EA0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
		     GH_SECRET, NULL), SIG_VALID, "mixed-case hex is valid");
	is_int(CHECK(" sha256=" GH_HEX "\t", GH_SECRET, NULL), SIG_VALID,
	       "blanks around the header value are not part of it");

	is_int(CHECK("sha1=" GH_HEX, GH_SECRET, NULL), SIG_INVALID, "sha1= prefix is invalid");
	is_int(CHECK(GH_HEX, GH_SECRET, NULL), SIG_INVALID, "missing sha256= prefix is invalid");
	is_int(CHECK("SHA256=" GH_HEX, GH_SECRET, NULL), SIG_INVALID, "upper-case prefix is invalid");
	is_int(CHECK("sha256:" GH_HEX, GH_SECRET, NULL), SIG_INVALID, "sha256: prefix is invalid");
	is_int(CHECK("sha256= " GH_HEX, GH_SECRET, NULL), SIG_INVALID, "a blank after = is invalid");
	is_int(CHECK("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
		     GH_SECRET, NULL), SIG_INVALID, "hex cut by one digit is invalid");
	is_int(CHECK("sha256=757107ea0eb2509fc211221cce984b8a", GH_SECRET, NULL), SIG_INVALID,
	       "hex cut in half is invalid");
	is_int(CHECK("sha256=" GH_HEX "0", GH_SECRET, NULL), SIG_INVALID, "an extra hex digit is invalid");
	is_int(CHECK("sha256=" GH_HEX "00", GH_SECRET, NULL), SIG_INVALID, "an extra byte is invalid");
	is_int(CHECK("sha256=" GH_HEX "x", GH_SECRET, NULL), SIG_INVALID, "an extra character is invalid");
	is_int(CHECK("sha256=" GH_HEX ",sha256=" GH_HEX, GH_SECRET, NULL), SIG_INVALID,
	       "a list of signatures is invalid");
	is_int(CHECK("sha256=g57107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
		     GH_SECRET, NULL), SIG_INVALID, "a non-hex digit is invalid");
	is_int(CHECK("sha256=857107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
		     GH_SECRET, NULL), SIG_INVALID, "one digit changed is invalid");
	is_int(CHECK("sha256=", GH_SECRET, NULL), SIG_INVALID, "only the prefix is invalid");
	is_int(CHECK("sha256=" GH_HEX, "It's a secret to everybody", NULL), SIG_INVALID,
	       "the wrong secret is invalid");
	is_int(check("sha256=" GH_HEX, GH_SECRET, NULL, "Hello, World?", 13), SIG_INVALID,
	       "a changed body is invalid");
	is_int(check("sha256=" GH_HEX, GH_SECRET, NULL, "Hello, World!\n", 14), SIG_INVALID,
	       "a body with an extra byte is invalid");

	is_int(CHECK(NULL, GH_SECRET, NULL), SIG_MISSING, "no header is missing");
	is_int(CHECK("", GH_SECRET, NULL), SIG_MISSING, "an empty header is missing");
	is_int(CHECK("   ", GH_SECRET, NULL), SIG_MISSING, "a blank header is missing");

	is_int(CHECK("sha256=" GH_HEX, NULL, NULL), SIG_NOT_REQUIRED, "no secret: not required");
	is_int(CHECK("sha256=" GH_HEX, "", NULL), SIG_NOT_REQUIRED, "empty secret: not required");
	is_int(CHECK(NULL, NULL, NULL), SIG_NOT_REQUIRED, "no secret and no header: not required");
	is_int(CHECK("garbage", NULL, NULL), SIG_NOT_REQUIRED, "no secret and a bad header: not required");
	is_int(CHECK("sha256=" GH_HEX, NULL, GH_SECRET), SIG_NOT_REQUIRED,
	       "a previous secret alone does not make a signature required");

	is_int(CHECK("sha256=" GH_HEX, "a brand new secret value", GH_SECRET), SIG_VALID,
	       "signed with the previous secret: valid while it is given");
	is_int(CHECK("sha256=" GH_HEX, GH_SECRET, "an old secret that expired"), SIG_VALID,
	       "signed with the current secret while a previous one is given");
	is_int(CHECK("sha256=" GH_HEX, "a brand new secret value", "another old secret"), SIG_INVALID,
	       "signed with neither secret: invalid");
	is_int(CHECK("sha256=" GH_HEX, "a brand new secret value", ""), SIG_INVALID,
	       "an empty previous secret is ignored");
	is_int(CHECK(NULL, "a brand new secret value", GH_SECRET), SIG_MISSING,
	       "no header with two secrets: missing");

	is_int(check("sha256=" GH_EMPTY_HEX, GH_SECRET, NULL, NULL, 0), SIG_VALID,
	       "an empty body (NULL pointer) is signed like any other");
	is_int(check("sha256=" GH_EMPTY_HEX, GH_SECRET, NULL, "", 0), SIG_VALID,
	       "an empty body (empty string)");
	is_int(check("sha256=" GH_HEX, GH_SECRET, NULL, "", 0), SIG_INVALID,
	       "an empty body with another body's signature");
	is_int(check("sha256=" GH_HEX, GH_SECRET, NULL, "Hello, World!\0tail", 18), SIG_INVALID,
	       "the body length counts, not a NUL inside it");
}

/* Whether sig_hmac_sha256 of data under key is the lower-case hex want. */
static bool hmac_is(const void *key, size_t klen, const void *data, size_t len, const char *want)
{
	unsigned char out[SIG_HMAC_LEN];
	char hex[2 * SIG_HMAC_LEN + 1];

	if (!sig_hmac_sha256(key, klen, data, len, out))
		return false;
	hex_encode(out, sizeof(out), hex);
	return strcmp(hex, want) == 0;
}

/* sig_hmac_sha256 itself: RFC 4231 cases 2 and 6 (a key longer than SHA-256's block), an empty message. */
static void test_hmac_primitive(void)
{
	static const char case6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char big_key[131], out[SIG_HMAC_LEN];

	memset(big_key, 0xaa, sizeof(big_key));
	ok(hmac_is(RFC_KEY, 4, RFC_DATA, sizeof(RFC_DATA) - 1, RFC_HEX), "sig_hmac_sha256: RFC 4231 case 2");
	ok(hmac_is(big_key, sizeof(big_key), case6, sizeof(case6) - 1,
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
	   "sig_hmac_sha256: RFC 4231 case 6 (131-byte key)");
	ok(hmac_is(GH_SECRET, sizeof(GH_SECRET) - 1, NULL, 0, GH_EMPTY_HEX),
	   "sig_hmac_sha256: an empty message (NULL)");
	for (int i = 0; i < 3; i++)
		ok(hmac_is(RFC_KEY, 4, RFC_DATA, sizeof(RFC_DATA) - 1, RFC_HEX),
		   "sig_hmac_sha256: the same again (%d), from the one process-wide context", i + 1);
	ok(!sig_hmac_sha256((const unsigned char *)"", 0, (const unsigned char *)"x", 1, out),
	   "sig_hmac_sha256: an empty key is refused");
}

static void test_names(void)
{
	is_str(sig_status_name(SIG_NOT_REQUIRED), "not_required", "name of SIG_NOT_REQUIRED");
	is_str(sig_status_name(SIG_VALID), "valid", "name of SIG_VALID");
	is_str(sig_status_name(SIG_INVALID), "invalid", "name of SIG_INVALID");
	is_str(sig_status_name(SIG_MISSING), "missing", "name of SIG_MISSING");
	is_str(sig_status_name(SIG_STALE), "stale", "name of SIG_STALE");
	ok(!sig_rejects(SIG_NOT_REQUIRED), "not_required does not reject");
	ok(!sig_rejects(SIG_VALID), "valid does not reject");
	ok(sig_rejects(SIG_INVALID), "invalid rejects");
	ok(sig_rejects(SIG_MISSING), "missing rejects");
	ok(sig_rejects(SIG_STALE), "stale rejects");
}

/* ---- helpers for the schemes of SPEC 7 ---- */

typedef enum sig_status (*scheme_fn)(const struct sig_input *);

/* Up to 8 CGI variables, each formatted into its own buffer. */
struct env {
	char buf[8][2048];
	char *vars[9];
	int n;
};

static void env_init(struct env *e)
{
	e->n = 0;
	e->vars[0] = NULL;
}

static void env_add(struct env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_add(struct env *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(e->buf[e->n], sizeof(e->buf[e->n]), fmt, ap);
	va_end(ap);
	e->vars[e->n] = e->buf[e->n];
	e->n++;
	e->vars[e->n] = NULL;
}

static enum sig_status run(scheme_fn fn, struct env *e, const char *secret, const char *previous,
			   const char *body, time_t now, long tolerance)
{
	struct hg_hdrs h = { .envp = e->vars };
	struct sig_input in = {
		.hdrs = &h,
		.body = (const unsigned char *)body,
		.body_len = body ? strlen(body) : 0,
		.secret = secret,
		.previous_secret = previous,
		.now = now,
		.tolerance_s = tolerance,
	};

	return fn(&in);
}

/* ---- Standard Webhooks ---- */

/* The test vector of the Standard Webhooks reference libraries. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_SECRET_BARE "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS 1614265330
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/*
 * A raw (not base64) secret, signed with
 * printf '%s' 'msg_raw.1700000000.{"type":"x"}' | openssl dgst -sha256 -hmac 'my raw standard secret!' -binary | base64
 */
#define SW_RAW_SECRET "my raw standard secret!"
#define SW_RAW_SIG "v1,c3FZQjShqj6zfKIDznRZmWtGNkoYAm4Hd11OT+rXpxM="

/*
 * key "rotation-key-0123456789abcdefghi" (base64 cm90YXRpb24ta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGk=) over
 * msg_rot.1700000000.{"type":"rot"}, from openssl dgst -sha256 -mac HMAC -macopt hexkey:... -binary | base64
 */
#define SW_ROT_SECRET "whsec_cm90YXRpb24ta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGk="
#define SW_ROT_SIG "v1,num9y4WWfOVSlxqmmh2WN6fl5FmPe8kAxUW7T6D4wRI="

/* The vector's headers, in the webhook-* or svix-* spelling, with sig as the signature header. */
static enum sig_status sw(const char *family, const char *sig, const char *secret, const char *previous,
			  const char *body, time_t now)
{
	struct env e;

	env_init(&e);
	env_add(&e, "HTTP_%s_ID=" SW_ID, family);
	env_add(&e, "HTTP_%s_TIMESTAMP=%d", family, SW_TS);
	if (sig)
		env_add(&e, "HTTP_%s_SIGNATURE=%s", family, sig);
	return run(sig_check_standard, &e, secret, previous, body, now, 300);
}

#define SW(sig, now) sw("WEBHOOK", (sig), SW_SECRET, NULL, SW_BODY, (now))

static void test_standard(void)
{
	struct env e;
	unsigned char key[64];
	size_t n;

	is_int(SW(SW_SIG, SW_TS), SIG_VALID, "standard: the reference vector is valid");
	is_int(sw("SVIX", SW_SIG, SW_SECRET, NULL, SW_BODY, SW_TS), SIG_VALID,
	       "standard: the svix-* headers are accepted");
	is_int(sw("WEBHOOK", SW_SIG, SW_SECRET_BARE, NULL, SW_BODY, SW_TS), SIG_VALID,
	       "standard: a secret without whsec_ is base64-decoded too");
	is_int(SW(SW_SIG, SW_TS + 300), SIG_VALID, "standard: 300 s old is within the window");
	is_int(SW(SW_SIG, SW_TS - 300), SIG_VALID, "standard: 300 s ahead is within the window");
	is_int(SW(SW_SIG, SW_TS + 301), SIG_STALE, "standard: 301 s old is stale");
	is_int(SW(SW_SIG, SW_TS - 301), SIG_STALE, "standard: 301 s in the future is stale");
	is_int(SW(SW_SIG, SW_TS + 86400 * 365), SIG_STALE, "standard: a year old is stale");
	is_int(SW("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", SW_TS + 301), SIG_INVALID,
	       "standard: a wrong signature on an old timestamp is invalid, not stale");
	is_int(SW("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", SW_TS), SIG_INVALID,
	       "standard: one byte changed is invalid");
	is_int(sw("WEBHOOK", SW_SIG, SW_SECRET, NULL, "{\"test\": 2432232315}", SW_TS), SIG_INVALID,
	       "standard: a changed body is invalid");

	is_int(SW("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SW_SIG, SW_TS), SIG_VALID,
	       "standard: several signatures, the second valid");
	is_int(SW(SW_SIG " v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", SW_TS), SIG_VALID,
	       "standard: several signatures, the first valid");
	is_int(SW("v1a,Zm9v  v2,abc   " SW_SIG "  ", SW_TS), SIG_VALID,
	       "standard: other versions and extra blanks are skipped");
	is_int(SW("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,bogus", SW_TS), SIG_INVALID,
	       "standard: several signatures, none valid");
	is_int(SW("v1a," "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_TS), SIG_INVALID,
	       "standard: the right digest under another version is invalid");
	is_int(SW("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", SW_TS), SIG_INVALID,
	       "standard: unpadded base64 in the signature is invalid");
	is_int(SW("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", SW_TS), SIG_INVALID,
	       "standard: non-canonical base64 (unused bits set) of the right digest is invalid");
	is_int(SW("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_TS), SIG_INVALID,
	       "standard: no version prefix is invalid");
	is_int(SW("v1," "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=,extra", SW_TS), SIG_INVALID,
	       "standard: trailing text after the digest is invalid");

	is_int(SW(NULL, SW_TS), SIG_MISSING, "standard: no signature header is missing");
	is_int(SW("  ", SW_TS), SIG_MISSING, "standard: a blank signature header is missing");
	is_int(sw("WEBHOOK", NULL, NULL, NULL, SW_BODY, SW_TS), SIG_NOT_REQUIRED,
	       "standard: no secret and no header: not required");
	is_int(sw("WEBHOOK", "garbage", "", NULL, SW_BODY, SW_TS + 9999), SIG_NOT_REQUIRED,
	       "standard: empty secret: not required, even stale and malformed");

	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=%d", SW_TS);
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_SIG);
	is_int(run(sig_check_standard, &e, SW_SECRET, NULL, SW_BODY, SW_TS, 300), SIG_INVALID,
	       "standard: no webhook-id is invalid");
	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=" SW_ID);
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_SIG);
	is_int(run(sig_check_standard, &e, SW_SECRET, NULL, SW_BODY, SW_TS, 300), SIG_INVALID,
	       "standard: no webhook-timestamp is invalid");
	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=" SW_ID);
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=%d.0", SW_TS);
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_SIG);
	is_int(run(sig_check_standard, &e, SW_SECRET, NULL, SW_BODY, SW_TS, 300), SIG_INVALID,
	       "standard: a non-integer timestamp is invalid");
	env_init(&e);
	env_add(&e, "HTTP_SVIX_ID=" SW_ID);
	env_add(&e, "HTTP_SVIX_TIMESTAMP=%d", SW_TS);
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_SIG);
	is_int(run(sig_check_standard, &e, SW_SECRET, NULL, SW_BODY, SW_TS, 300), SIG_INVALID,
	       "standard: webhook-signature with only svix-id/svix-timestamp: the sets are not mixed");
	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=" SW_ID);
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=%d", SW_TS);
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	env_add(&e, "HTTP_SVIX_ID=" SW_ID);
	env_add(&e, "HTTP_SVIX_TIMESTAMP=%d", SW_TS);
	env_add(&e, "HTTP_SVIX_SIGNATURE=" SW_SIG);
	is_int(run(sig_check_standard, &e, SW_SECRET, NULL, SW_BODY, SW_TS, 300), SIG_INVALID,
	       "standard: webhook-* wins over svix-* when both are sent");

	/* rotation */
	is_int(sw("WEBHOOK", SW_SIG, SW_ROT_SECRET, SW_SECRET, SW_BODY, SW_TS), SIG_VALID,
	       "standard: signed with the previous secret: valid while it is kept");
	is_int(sw("WEBHOOK", SW_SIG, SW_ROT_SECRET, NULL, SW_BODY, SW_TS), SIG_INVALID,
	       "standard: signed with the previous secret once it expired: invalid");
	is_int(sw("WEBHOOK", SW_SIG, SW_ROT_SECRET, SW_SECRET, SW_BODY, SW_TS + 301), SIG_STALE,
	       "standard: the previous secret with an old timestamp is stale");
	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=msg_rot");
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=1700000000");
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_ROT_SIG);
	is_int(run(sig_check_standard, &e, SW_ROT_SECRET, SW_SECRET, "{\"type\":\"rot\"}", 1700000000, 300),
	       SIG_VALID, "standard: signed with the current secret while a previous one is kept");

	/* raw secrets */
	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=msg_raw");
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=1700000000");
	env_add(&e, "HTTP_WEBHOOK_SIGNATURE=" SW_RAW_SIG);
	is_int(run(sig_check_standard, &e, SW_RAW_SECRET, NULL, "{\"type\":\"x\"}", 1700000000, 300),
	       SIG_VALID, "standard: a secret that is not base64 is used as raw bytes");

	/* tolerance off */
	is_int(run(sig_check_standard, &e, SW_RAW_SECRET, NULL, "{\"type\":\"x\"}", 1900000000, 0),
	       SIG_VALID, "standard: tolerance 0 turns the window off");

	/* the key */
	n = sig_standard_key(SW_SECRET, key, sizeof(key));
	/* python3 -c "import base64; print(base64.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').hex())" */
	ok(n == 24 && memcmp(key, "\x31\xf2\x90\xf6\xbf\x06\x29\x8a\xab\x4f\x08\xd4"
				"\x3c\x3f\x08\x2c\xf6\x48\xa3\x62\xda\x2d\xa4\xb0", 24) == 0,
	   "sig_standard_key: whsec_ + 32 base64 characters is 24 bytes");
	n = sig_standard_key("whsec_cm90YXRpb24ta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGk", key, sizeof(key));
	ok(n == 32 && memcmp(key, "rotation-key-0123456789abcdefghi", 32) == 0,
	   "sig_standard_key: missing padding is tolerated");
	n = sig_standard_key("whsec_not*base64", key, sizeof(key));
	ok(n == 16 && memcmp(key, "whsec_not*base64", 16) == 0,
	   "sig_standard_key: whsec_ with bad base64: the whole secret as raw bytes");
	n = sig_standard_key("abcde", key, sizeof(key));
	ok(n == 5 && memcmp(key, "abcde", 5) == 0, "sig_standard_key: 5 characters cannot be base64: raw");
	n = sig_standard_key("abc", key, sizeof(key));
	ok(n == 2 && memcmp(key, "\x69\xb7", 2) == 0, "sig_standard_key: \"abc\" is unpadded base64: decoded");
	n = sig_standard_key("abcd", key, sizeof(key));
	ok(n == 3 && memcmp(key, "\x69\xb7\x1d", 3) == 0, "sig_standard_key: \"abcd\" is base64: decoded");
	is_int((long)sig_standard_key("", key, sizeof(key)), 0, "sig_standard_key: empty");
	is_int((long)sig_standard_key(NULL, key, sizeof(key)), 0, "sig_standard_key: NULL");
	is_int((long)sig_standard_key("not base64 at all!", key, 4), 0, "sig_standard_key: out too small");
}

/* ---- Standard Webhooks, asymmetric (v1a, Ed25519) ---- */

/* RFC 8032 section 7.1, TEST 1: the empty message. */
#define RFC8032_PUB "\xd7\x5a\x98\x01\x82\xb1\x0a\xb7\xd5\x4b\xfe\xd3\xc9\x64\x07\x3a" \
	"\x0e\xe1\x72\xf3\xda\xa6\x23\x25\xaf\x02\x1a\x68\xf7\x07\x51\x1a"
#define RFC8032_SIG "\xe5\x56\x43\x00\xc3\x60\xac\x72\x90\x86\xe2\xcc\x80\x6e\x82\x8a" \
	"\x84\x87\x7f\x1e\xb8\xe5\xd9\x74\xd8\x73\xe0\x65\x22\x49\x01\x55" \
	"\x5f\xb8\x82\x15\x90\xa3\x3b\xac\xc6\x1e\x39\x70\x1c\xf9\xb4\x6b" \
	"\xd2\x5b\xf5\xf0\x59\x5b\xbe\x24\x65\x51\x41\x43\x8e\x7a\x10\x0b"
/* The same public key as a hookgate secret (base64 of RFC8032_PUB). */
#define RFC8032_WHPK "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/*
 * A real Standard Webhooks message signed by OpenSSL's command line:
 *   openssl genpkey -algorithm ed25519 -out sender.pem
 *   printf '%s' 'ED_ID.ED_TS.ED_BODY' > msg
 *   openssl pkeyutl -sign -rawin -inkey sender.pem -in msg | base64 -w0
 *   openssl pkey -in sender.pem -pubout -outform DER | tail -c 32 | base64 -w0
 * (the private key was thrown away).
 */
#define ED_WHPK "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC86k="
#define ED_ID "msg_2Lh9fAcZ0qk3Ed25519vector"
#define ED_TS 1700000000
#define ED_TS_TEXT "1700000000"
#define ED_BODY "{\"type\":\"invoice.paid\",\"data\":{\"id\":\"in_1\"}}"
#define ED_SIG_B64 "0M7rSfohR3aZn2Bp1jHw/UE/oiIUsXlJy3Wn8H3UOQBmRKFBcdXYKXkUovFzcStntR7IQt9xBJdfMZGzYWFnBg=="
#define ED_SIG "v1a," ED_SIG_B64
/* 64 zero bytes: well-formed, never a valid signature here. */
#define ED_ZERO "v1a,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

/* The check of id, ts, body (NUL-terminated) with the signature header sig under secret/previous. */
static enum sig_status ed(const char *id, const char *ts, const char *body, const char *sig,
			  const char *secret, const char *previous, time_t now)
{
	struct env e;

	env_init(&e);
	env_add(&e, "HTTP_WEBHOOK_ID=%s", id);
	env_add(&e, "HTTP_WEBHOOK_TIMESTAMP=%s", ts);
	if (sig)
		env_add(&e, "HTTP_WEBHOOK_SIGNATURE=%s", sig);
	return run(sig_check_standard, &e, secret, previous, body, now, 300);
}

#define ED(sig, secret, now) ed(ED_ID, ED_TS_TEXT, ED_BODY, (sig), (secret), NULL, (now))

/* Whether every single-bit change of text (len bytes, NUL-free results only) makes check fail. */
static bool every_flip_fails(char *text, size_t len, const char *what)
{
	bool all = true;

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum sig_status st;

			text[i] ^= (char)(1 << bit);
			if (text[i] == '\0') {	/* a NUL would only cut the C string short */
				text[i] ^= (char)(1 << bit);
				continue;
			}
			if (strcmp(what, "id") == 0)
				st = ed(text, ED_TS_TEXT, ED_BODY, ED_SIG, ED_WHPK, NULL, ED_TS);
			else if (strcmp(what, "timestamp") == 0)
				st = ed(ED_ID, text, ED_BODY, ED_SIG, ED_WHPK, NULL, ED_TS);
			else
				st = ed(ED_ID, ED_TS_TEXT, text, ED_SIG, ED_WHPK, NULL, ED_TS);
			text[i] ^= (char)(1 << bit);
			if (st != SIG_INVALID) {
				diag("%s: byte %zu bit %d flipped gives %s", what, i, bit, sig_status_name(st));
				all = false;
			}
		}
	}
	return all;
}

static void test_ed25519_primitive(void)
{
	const unsigned char *pub = (const unsigned char *)RFC8032_PUB;
	unsigned char sig[SIG_ED25519_SIG_LEN], key[SIG_ED25519_KEY_LEN];
	bool all = true;

	memcpy(sig, RFC8032_SIG, sizeof(sig));
	ok(sig_ed25519_verify(pub, NULL, 0, sig), "ed25519: RFC 8032 test 1 (empty message) verifies");
	ok(sig_ed25519_verify(pub, (const unsigned char *)"", 0, sig),
	   "ed25519: RFC 8032 test 1 with an empty, non-NULL message");
	ok(!sig_ed25519_verify(pub, (const unsigned char *)"\x72", 1, sig),
	   "ed25519: test 1's signature does not hold for a one-byte message");
	for (size_t i = 0; i < sizeof(sig) * 8; i++) {
		sig[i / 8] ^= (unsigned char)(1 << (i % 8));
		all &= !sig_ed25519_verify(pub, NULL, 0, sig);
		sig[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	ok(all, "ed25519: each of the 512 one-bit changes of test 1's signature fails");
	all = true;
	memcpy(key, RFC8032_PUB, sizeof(key));
	for (size_t i = 0; i < sizeof(key) * 8; i++) {
		key[i / 8] ^= (unsigned char)(1 << (i % 8));
		all &= !sig_ed25519_verify(key, NULL, 0, sig);
		key[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	ok(all, "ed25519: each of the 256 one-bit changes of test 1's public key fails");

	ok(sig_standard_public_key(RFC8032_WHPK, key) && memcmp(key, RFC8032_PUB, sizeof(key)) == 0,
	   "whpk_: the base64 of test 1's key decodes to it");
	ok(sig_standard_public_key("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", key) &&
	   memcmp(key, RFC8032_PUB, sizeof(key)) == 0, "whpk_: a missing '=' is tolerated");
	ok(!sig_standard_public_key("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH", key),
	   "whpk_: a key of 31 bytes is refused");
	ok(!sig_standard_public_key("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA", key),
	   "whpk_: a key of 33 bytes is refused");
	ok(!sig_standard_public_key("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
				    key), "whpk_: two keys in a row are refused");
	ok(!sig_standard_public_key("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPc*URo=", key),
	   "whpk_: a text that is not base64 is refused");
	ok(!sig_standard_public_key("whpk_", key), "whpk_: the prefix alone is refused");
	ok(!sig_standard_public_key("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", key),
	   "whpk_: a key without the prefix is no public key");
	ok(!sig_standard_public_key("whsec_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", key),
	   "whpk_: a whsec_ secret is no public key");
	ok(!sig_standard_public_key(NULL, key), "whpk_: NULL");
	ok(sig_is_public_key(ED_WHPK) && sig_is_public_key("whpk_x") && !sig_is_public_key("whsec_x") &&
	   !sig_is_public_key("WHPK_x") && !sig_is_public_key(NULL), "sig_is_public_key: the prefix, exactly");
}

static void test_standard_v1a(void)
{
	char id[] = ED_ID, ts[] = ED_TS_TEXT, body[] = ED_BODY;
	char sigtext[sizeof(ED_SIG) + 8], many[2048];
	unsigned char raw[SIG_ED25519_SIG_LEN];
	bool all = true;

	is_int(ED(ED_SIG, ED_WHPK, ED_TS), SIG_VALID, "v1a: the OpenSSL-signed message verifies");
	is_int(ED(ED_SIG, ED_WHPK, ED_TS + 300), SIG_VALID, "v1a: 300 s old is within the window");
	is_int(ED(ED_SIG, ED_WHPK, ED_TS - 300), SIG_VALID, "v1a: 300 s ahead is within the window");
	is_int(ED(ED_SIG, ED_WHPK, ED_TS + 301), SIG_STALE, "v1a: 301 s old is stale");
	is_int(ED(ED_SIG, ED_WHPK, ED_TS - 301), SIG_STALE, "v1a: 301 s in the future is stale");
	is_int(ED(ED_ZERO, ED_WHPK, ED_TS + 301), SIG_INVALID,
	       "v1a: a wrong signature on an old timestamp is invalid, not stale");
	is_int(ED(ED_SIG, RFC8032_WHPK, ED_TS), SIG_INVALID, "v1a: another key is invalid");
	is_int(ED(NULL, ED_WHPK, ED_TS), SIG_MISSING, "v1a: no signature header is missing");
	is_int(ED(ED_SIG, NULL, ED_TS), SIG_NOT_REQUIRED, "v1a: no secret: not required");

	ok(every_flip_fails(body, strlen(body), "body"), "v1a: every one-bit change of the body fails");
	ok(every_flip_fails(id, strlen(id), "id"), "v1a: every one-bit change of webhook-id fails");
	ok(every_flip_fails(ts, strlen(ts), "timestamp"), "v1a: every one-bit change of webhook-timestamp fails");
	for (size_t i = 0; i < sizeof(raw) * 8; i++) {
		char *b64;

		if (base64_decode(ED_SIG_B64, raw, sizeof(raw)) != (long)sizeof(raw)) {
			all = false;
			break;
		}
		raw[i / 8] ^= (unsigned char)(1 << (i % 8));
		b64 = base64_encode(raw, sizeof(raw));
		snprintf(sigtext, sizeof(sigtext), "v1a,%s", b64 ? b64 : "");
		free(b64);
		all &= ED(sigtext, ED_WHPK, ED_TS) == SIG_INVALID;
	}
	ok(all, "v1a: every one-bit change of the signature fails");

	/* the spelling of the entry */
	is_int(ED("v1a,0M7rSfohR3aZn2Bp1jHw/UE/oiIUsXlJy3Wn8H3UOQBmRKFBcdXYKXkUovFzcStntR7IQt9xBJdfMZGzYWFnBg",
		  ED_WHPK, ED_TS), SIG_INVALID, "v1a: unpadded base64 is invalid");
	is_int(ED("v1a,0M7rSfohR3aZn2Bp1jHw/UE/oiIUsXlJy3Wn8H3UOQBmRKFBcdXYKXkUovFzcStntR7IQt9xBJdfMZGzYWFnBh==",
		  ED_WHPK, ED_TS), SIG_INVALID,
	       "v1a: non-canonical base64 (unused bits set) of the right bytes is invalid");
	is_int(ED("v1a," ED_SIG_B64 "AAAA", ED_WHPK, ED_TS), SIG_INVALID, "v1a: trailing bytes are invalid");
	is_int(ED("v1a:" ED_SIG_B64, ED_WHPK, ED_TS), SIG_INVALID, "v1a: another separator is invalid");
	is_int(ED("v1," ED_SIG_B64, ED_WHPK, ED_TS), SIG_INVALID,
	       "v1a: the signature under v1 is not an Ed25519 entry");
	is_int(ED(ED_SIG_B64, ED_WHPK, ED_TS), SIG_INVALID, "v1a: no version is invalid");

	/* lists, and the kinds of secret */
	is_int(ED(ED_ZERO " " ED_SIG, ED_WHPK, ED_TS), SIG_VALID, "v1a: several entries, the second valid");
	is_int(ED("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= " ED_SIG, ED_WHPK, ED_TS), SIG_VALID,
	       "v1a: a bad v1 entry beside a good v1a entry is accepted");
	is_int(ED(ED_SIG, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ED_TS), SIG_INVALID,
	       "v1a: a good v1a entry is skipped by a whsec_ secret");
	is_int(SW(SW_SIG " " ED_SIG, SW_TS), SIG_VALID, "v1: a whsec_ secret still verifies v1 beside v1a");
	is_int(sw("WEBHOOK", SW_SIG, ED_WHPK, NULL, SW_BODY, SW_TS), SIG_INVALID,
	       "v1: a good v1 entry is skipped by a whpk_ secret");
	is_int(ED(ED_SIG, "whpk_Kafi2v7Zr0FycFv4BVoWZLCQ372bdSFmXnFIl5pC8", ED_TS), SIG_INVALID,
	       "v1a: a whpk_ secret of 31 bytes verifies nothing");
	is_int(ED(ED_SIG, "whpk_not*base64", ED_TS), SIG_INVALID, "v1a: a whpk_ secret that is not base64 verifies nothing");

	/* rotation between the kinds */
	is_int(ed(ED_ID, ED_TS_TEXT, ED_BODY, ED_SIG, SW_SECRET, ED_WHPK, ED_TS), SIG_VALID,
	       "rotation: whsec_ now, whpk_ kept: a v1a entry is valid");
	is_int(ed(ED_ID, ED_TS_TEXT, ED_BODY, ED_SIG, RFC8032_WHPK, ED_WHPK, ED_TS), SIG_VALID,
	       "rotation: whpk_ to another whpk_: the previous key still verifies");
	is_int(ed(ED_ID, ED_TS_TEXT, ED_BODY, ED_SIG, RFC8032_WHPK, NULL, ED_TS), SIG_INVALID,
	       "rotation: the previous key once it expired");
	is_int(sw("WEBHOOK", SW_SIG, ED_WHPK, SW_SECRET, SW_BODY, SW_TS), SIG_VALID,
	       "rotation: whpk_ now, whsec_ kept: a v1 entry is valid");
	is_int(sw("WEBHOOK", SW_SIG, ED_WHPK, SW_SECRET, SW_BODY, SW_TS + 301), SIG_STALE,
	       "rotation: the kept whsec_ with an old timestamp is stale");
	is_int(sw("WEBHOOK", "v1a,bm90LWVkMjU1MTk=", ED_WHPK, SW_SECRET, SW_BODY, SW_TS), SIG_INVALID,
	       "rotation: neither kind matches: invalid");

	/* the bound on Ed25519 verifications */
	many[0] = '\0';
	for (int i = 0; i < SIG_V1A_MAX_ENTRIES - 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s ", ED_ZERO);
	snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s", ED_SIG);
	is_int(ED(many, ED_WHPK, ED_TS), SIG_VALID, "v1a: the good entry as the %d-th v1a is verified",
	       SIG_V1A_MAX_ENTRIES);
	snprintf(many, sizeof(many), "%s ", ED_ZERO);
	for (int i = 0; i < SIG_V1A_MAX_ENTRIES - 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s ", ED_ZERO);
	snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s", ED_SIG);
	is_int(ED(many, ED_WHPK, ED_TS), SIG_INVALID, "v1a: entries after the first %d v1a are not verified",
	       SIG_V1A_MAX_ENTRIES);
}

/* ---- Stripe ---- */

/*
 * printf '%s.%s' 1700000000 '{"id":"evt_1Nabc","object":"event","type":"invoice.paid"}' |
 *   openssl dgst -sha256 -hmac whsec_stripeTestSecret0123456789
 */
#define ST_SECRET "whsec_stripeTestSecret0123456789"
#define ST_TS 1700000000
#define ST_BODY "{\"id\":\"evt_1Nabc\",\"object\":\"event\",\"type\":\"invoice.paid\"}"
#define ST_HEX "9e6fa9f0fead9c3ee711bc261f255c4592d1568a511165745281a6d8be767a27"
#define ST_BAD "0e6fa9f0fead9c3ee711bc261f255c4592d1568a511165745281a6d8be767a27"

static enum sig_status st(const char *header, const char *secret, const char *previous, const char *body,
			  time_t now)
{
	struct env e;

	env_init(&e);
	if (header)
		env_add(&e, "HTTP_STRIPE_SIGNATURE=%s", header);
	return run(sig_check_stripe, &e, secret, previous, body, now, 300);
}

#define ST(header, now) st((header), ST_SECRET, NULL, ST_BODY, (now))

static void test_stripe(void)
{
	is_int(ST("t=1700000000,v1=" ST_HEX, ST_TS), SIG_VALID, "stripe: a valid signature");
	is_int(ST("t=1700000000,v1=" ST_BAD ",v1=" ST_HEX ",v0=" ST_BAD, ST_TS), SIG_VALID,
	       "stripe: several v1, the second valid");
	is_int(ST("v1=" ST_HEX ",t=1700000000", ST_TS), SIG_VALID, "stripe: t after v1");
	is_int(ST("t=1700000000, v1=" ST_HEX, ST_TS), SIG_VALID, "stripe: blanks after commas are skipped");
	is_int(ST("t=1700000000,v1=9E6FA9F0FEAD9C3EE711BC261F255C4592D1568A511165745281A6D8BE767A27", ST_TS),
	       SIG_VALID, "stripe: upper-case hex");
	is_int(ST("t=1700000000,v1=" ST_BAD ",v0=" ST_HEX, ST_TS), SIG_INVALID,
	       "stripe: the right digest as v0 is not a v1");
	is_int(ST("t=1700000000,v1=" ST_BAD, ST_TS), SIG_INVALID, "stripe: a wrong v1");
	is_int(st("t=1700000000,v1=" ST_HEX, ST_SECRET, NULL, ST_BODY " ", ST_TS), SIG_INVALID,
	       "stripe: a changed body");
	is_int(st("t=1700000000,v1=" ST_HEX, "stripeTestSecret0123456789", NULL, ST_BODY, ST_TS), SIG_INVALID,
	       "stripe: the secret is used as given (whsec_ included)");
	is_int(ST("t=1700000001,v1=" ST_HEX, ST_TS), SIG_INVALID, "stripe: another timestamp");
	is_int(ST("v1=" ST_HEX, ST_TS), SIG_INVALID, "stripe: no t");
	is_int(ST("t=,v1=" ST_HEX, ST_TS), SIG_INVALID, "stripe: an empty t");
	is_int(ST("t=1700000000,t=1700000000,v1=" ST_HEX, ST_TS), SIG_INVALID, "stripe: two t");
	is_int(ST("t=17000000x0,v1=" ST_HEX, ST_TS), SIG_INVALID, "stripe: t not a number");
	is_int(ST("t=1700000000", ST_TS), SIG_INVALID, "stripe: no v1");
	is_int(ST("t=1700000000,v1=" ST_HEX "00", ST_TS), SIG_INVALID, "stripe: an overlong v1");
	is_int(ST(NULL, ST_TS), SIG_MISSING, "stripe: no header is missing");
	is_int(ST("", ST_TS), SIG_MISSING, "stripe: an empty header is missing");
	is_int(st("t=1700000000,v1=" ST_HEX, NULL, NULL, ST_BODY, ST_TS), SIG_NOT_REQUIRED,
	       "stripe: no secret: not required");

	is_int(ST("t=1700000000,v1=" ST_HEX, ST_TS + 300), SIG_VALID, "stripe: 300 s old is fine");
	is_int(ST("t=1700000000,v1=" ST_HEX, ST_TS + 301), SIG_STALE, "stripe: 301 s old is stale");
	is_int(ST("t=1700000000,v1=" ST_HEX, ST_TS - 300), SIG_VALID, "stripe: 300 s ahead is fine (clock skew)");
	is_int(ST("t=1700000000,v1=" ST_HEX, ST_TS - 301), SIG_STALE, "stripe: 301 s in the future is stale");
	is_int(ST("t=1700000000,v1=" ST_BAD, ST_TS + 301), SIG_INVALID,
	       "stripe: a wrong signature with an old t is invalid, not stale");

	is_int(st("t=1700000000,v1=" ST_HEX, "whsec_rotatedStripeSecret987654", ST_SECRET, ST_BODY, ST_TS),
	       SIG_VALID, "stripe: signed with the previous secret while it is kept");
	is_int(st("t=1700000000,v1=" ST_HEX, "whsec_rotatedStripeSecret987654", NULL, ST_BODY, ST_TS),
	       SIG_INVALID, "stripe: the previous secret after expiry");
	is_int(st("t=1700000000,v1=" ST_HEX, ST_SECRET, "whsec_rotatedStripeSecret987654", ST_BODY, ST_TS),
	       SIG_VALID, "stripe: the current secret while a previous one is kept");
}

/* ---- Slack ---- */

/* Slack's documented example ("Verifying requests from Slack"). */
#define SL_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define SL_TS 1531420618
#define SL_BODY "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V" \
	"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=" \
	"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN" \
	"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
#define SL_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

static enum sig_status sl(const char *sig, const char *ts, const char *secret, const char *previous,
			  const char *body, time_t now)
{
	struct env e;

	env_init(&e);
	env_add(&e, "CONTENT_TYPE=application/x-www-form-urlencoded");
	if (ts)
		env_add(&e, "HTTP_X_SLACK_REQUEST_TIMESTAMP=%s", ts);
	if (sig)
		env_add(&e, "HTTP_X_SLACK_SIGNATURE=%s", sig);
	return run(sig_check_slack, &e, secret, previous, body, now, 300);
}

#define SL(sig, now) sl((sig), "1531420618", SL_SECRET, NULL, SL_BODY, (now))

static void test_slack(void)
{
	is_int(SL(SL_SIG, SL_TS), SIG_VALID, "slack: the documented example is valid");
	is_int(SL("v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503", SL_TS), SIG_VALID,
	       "slack: upper-case hex");
	is_int(SL(SL_SIG, SL_TS + 300), SIG_VALID, "slack: 300 s old is fine");
	is_int(SL(SL_SIG, SL_TS + 301), SIG_STALE, "slack: 301 s old is stale");
	is_int(SL(SL_SIG, SL_TS - 301), SIG_STALE, "slack: 301 s in the future is stale");
	is_int(SL("v0=b2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SL_TS + 301),
	       SIG_INVALID, "slack: a wrong signature with an old timestamp is invalid, not stale");
	is_int(SL("v0=b2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SL_TS), SIG_INVALID,
	       "slack: one digit changed");
	is_int(SL("v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SL_TS), SIG_INVALID,
	       "slack: another version");
	is_int(SL("a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SL_TS), SIG_INVALID,
	       "slack: no v0= prefix");
	is_int(SL(SL_SIG ",v0=00", SL_TS), SIG_INVALID, "slack: a list is not accepted");
	is_int(sl(SL_SIG, "1531420619", SL_SECRET, NULL, SL_BODY, SL_TS), SIG_INVALID,
	       "slack: another timestamp");
	is_int(sl(SL_SIG, NULL, SL_SECRET, NULL, SL_BODY, SL_TS), SIG_INVALID, "slack: no timestamp header");
	is_int(sl(SL_SIG, "-1531420618", SL_SECRET, NULL, SL_BODY, SL_TS), SIG_INVALID,
	       "slack: a signed timestamp is not a number");
	is_int(sl(SL_SIG, "1531420618", SL_SECRET, NULL, SL_BODY "&x=1", SL_TS), SIG_INVALID,
	       "slack: a changed body");
	is_int(SL(NULL, SL_TS), SIG_MISSING, "slack: no signature header is missing");
	is_int(sl(NULL, NULL, SL_SECRET, NULL, SL_BODY, SL_TS), SIG_MISSING, "slack: no headers at all is missing");
	is_int(sl(NULL, NULL, NULL, NULL, SL_BODY, SL_TS), SIG_NOT_REQUIRED, "slack: no secret: not required");

	is_int(sl(SL_SIG, "1531420618", "a rotated slack signing secret", SL_SECRET, SL_BODY, SL_TS), SIG_VALID,
	       "slack: signed with the previous secret while it is kept");
	is_int(sl(SL_SIG, "1531420618", "a rotated slack signing secret", NULL, SL_BODY, SL_TS), SIG_INVALID,
	       "slack: the previous secret after expiry");
	is_int(sl(SL_SIG, "1531420618", SL_SECRET, "a rotated slack signing secret", SL_BODY, SL_TS), SIG_VALID,
	       "slack: the current secret while a previous one is kept");
}

/* ---- Shopify ---- */

/*
 * printf '%s' '{"id":820982911946154508,"email":"jon@doe.ca"}' |
 *   openssl dgst -sha256 -hmac shpss_shopifyTestSecret0123456789 -binary | base64
 */
#define SH_SECRET "shpss_shopifyTestSecret0123456789"
#define SH_BODY "{\"id\":820982911946154508,\"email\":\"jon@doe.ca\"}"
#define SH_SIG "cKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM="

/* The vector with the classic X-Shopify-* headers (x true) or the event webhooks' unprefixed ones. */
static enum sig_status sh_spelled(bool x, const char *sig, const char *secret, const char *previous,
				  const char *body)
{
	struct env e;

	env_init(&e);
	env_add(&e, x ? "HTTP_X_SHOPIFY_TOPIC=orders/create" : "HTTP_SHOPIFY_TOPIC=orders/create");
	if (sig)
		env_add(&e, x ? "HTTP_X_SHOPIFY_HMAC_SHA256=%s" : "HTTP_SHOPIFY_HMAC_SHA256=%s", sig);
	return run(sig_check_shopify, &e, secret, previous, body, 0, 300);
}

static enum sig_status sh(const char *sig, const char *secret, const char *previous, const char *body)
{
	return sh_spelled(true, sig, secret, previous, body);
}

static void test_shopify(void)
{
	struct env e;

	is_int(sh(SH_SIG, SH_SECRET, NULL, SH_BODY), SIG_VALID, "shopify: a valid signature");
	is_int(sh(" " SH_SIG " ", SH_SECRET, NULL, SH_BODY), SIG_VALID, "shopify: blanks around the value");
	is_int(sh("dKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM=", SH_SECRET, NULL, SH_BODY), SIG_INVALID,
	       "shopify: one character changed");
	is_int(sh("cKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM", SH_SECRET, NULL, SH_BODY), SIG_INVALID,
	       "shopify: no padding");
	is_int(sh("cKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHN=", SH_SECRET, NULL, SH_BODY), SIG_INVALID,
	       "shopify: non-canonical base64 (unused bits set) of the right digest");
	is_int(sh("70aa81f9d5b185257a4ef6abb56c10ec6cabd84d61c09300b0057571dd0b1473", SH_SECRET, NULL, SH_BODY),
	       SIG_INVALID, "shopify: the digest in hex is not base64");
	is_int(sh(SH_SIG " " SH_SIG, SH_SECRET, NULL, SH_BODY), SIG_INVALID, "shopify: a list is not accepted");
	is_int(sh(SH_SIG, SH_SECRET, NULL, "{\"id\":820982911946154509,\"email\":\"jon@doe.ca\"}"), SIG_INVALID,
	       "shopify: a changed body");
	is_int(sh(NULL, SH_SECRET, NULL, SH_BODY), SIG_MISSING, "shopify: no header is missing");
	is_int(sh(SH_SIG, NULL, NULL, SH_BODY), SIG_NOT_REQUIRED, "shopify: no secret: not required");
	is_int(sh(SH_SIG, "shpss_rotatedShopifySecret", SH_SECRET, SH_BODY), SIG_VALID,
	       "shopify: signed with the previous secret while it is kept");
	is_int(sh(SH_SIG, "shpss_rotatedShopifySecret", NULL, SH_BODY), SIG_INVALID,
	       "shopify: the previous secret after expiry");
	is_int(sh(SH_SIG, SH_SECRET, "shpss_rotatedShopifySecret", SH_BODY), SIG_VALID,
	       "shopify: the current secret while a previous one is kept");

	/* Shopify's event webhooks: the same headers without X- */
	is_int(sh_spelled(false, SH_SIG, SH_SECRET, NULL, SH_BODY), SIG_VALID,
	       "shopify: shopify-hmac-sha256 (no X-) is valid");
	is_int(sh_spelled(false, SH_SIG, SH_SECRET, NULL, SH_BODY " "), SIG_INVALID,
	       "shopify: shopify-hmac-sha256 over a changed body");
	is_int(sh_spelled(false, "dKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM=", SH_SECRET, NULL, SH_BODY),
	       SIG_INVALID, "shopify: a wrong shopify-hmac-sha256");
	is_int(sh_spelled(false, NULL, SH_SECRET, NULL, SH_BODY), SIG_MISSING,
	       "shopify: neither spelling is missing");
	is_int(sh_spelled(false, SH_SIG, "shpss_rotatedShopifySecret", SH_SECRET, SH_BODY), SIG_VALID,
	       "shopify: shopify-hmac-sha256 by the previous secret");
	env_init(&e);
	env_add(&e, "HTTP_X_SHOPIFY_HMAC_SHA256=dKqB+dWxhSV6TvartWwQ7Gyr2E1hwJMAsAV1cd0LFHM=");
	env_add(&e, "HTTP_SHOPIFY_HMAC_SHA256=" SH_SIG);
	is_int(run(sig_check_shopify, &e, SH_SECRET, NULL, SH_BODY, 0, 300), SIG_INVALID,
	       "shopify: X-Shopify-Hmac-Sha256 wins when both spellings come");
	env_init(&e);
	env_add(&e, "HTTP_X_SHOPIFY_HMAC_SHA256=  ");
	env_add(&e, "HTTP_SHOPIFY_HMAC_SHA256=" SH_SIG);
	is_int(run(sig_check_shopify, &e, SH_SECRET, NULL, SH_BODY, 0, 300), SIG_VALID,
	       "shopify: a blank X-Shopify-Hmac-Sha256 counts as absent");
}

/* ---- GitLab ---- */

static enum sig_status gl(const char *token, const char *secret, const char *previous)
{
	struct env e;

	env_init(&e);
	env_add(&e, "HTTP_X_GITLAB_EVENT=Push Hook");
	if (token)
		env_add(&e, "HTTP_X_GITLAB_TOKEN=%s", token);
	return run(sig_check_gitlab, &e, secret, previous, "{}", 0, 300);
}

static void test_gitlab(void)
{
	is_int(gl("gitlab-secret-token-0123", "gitlab-secret-token-0123", NULL), SIG_VALID,
	       "gitlab: the token equal to the secret");
	is_int(gl("  gitlab-secret-token-0123\t", "gitlab-secret-token-0123", NULL), SIG_VALID,
	       "gitlab: blanks around the token are trimmed");
	is_int(gl("gitlab-secret-token-012", "gitlab-secret-token-0123", NULL), SIG_INVALID,
	       "gitlab: a prefix of the secret");
	is_int(gl("gitlab-secret-token-01234", "gitlab-secret-token-0123", NULL), SIG_INVALID,
	       "gitlab: the secret and one more character");
	is_int(gl("Gitlab-secret-token-0123", "gitlab-secret-token-0123", NULL), SIG_INVALID,
	       "gitlab: the comparison is case-sensitive");
	is_int(gl(NULL, "gitlab-secret-token-0123", NULL), SIG_MISSING, "gitlab: no header is missing");
	is_int(gl("", "gitlab-secret-token-0123", NULL), SIG_MISSING, "gitlab: an empty header is missing");
	is_int(gl("anything", NULL, NULL), SIG_NOT_REQUIRED, "gitlab: no secret: not required");
	is_int(gl("old-gitlab-token-abcdef", "new-gitlab-token-ghijkl", "old-gitlab-token-abcdef"), SIG_VALID,
	       "gitlab: the previous secret while it is kept");
	is_int(gl("old-gitlab-token-abcdef", "new-gitlab-token-ghijkl", NULL), SIG_INVALID,
	       "gitlab: the previous secret after expiry");
	is_int(gl("new-gitlab-token-ghijkl", "new-gitlab-token-ghijkl", "old-gitlab-token-abcdef"), SIG_VALID,
	       "gitlab: the current secret while a previous one is kept");
	is_int(gl("", "", "old-gitlab-token-abcdef"), SIG_NOT_REQUIRED,
	       "gitlab: a previous secret alone does not make a token required");
}

/* The hub256 scheme's previous-secret rules, spelled like the others' for symmetry. */
static void test_hub256_rotation(void)
{
	struct env e;

	env_init(&e);
	env_add(&e, "HTTP_X_HUB_SIGNATURE_256=sha256=" GH_HEX);
	is_int(run(sig_check_hub256, &e, "a rotated github secret", GH_SECRET, GH_BODY, 0, 300), SIG_VALID,
	       "hub256: signed with the previous secret while it is kept");
	is_int(run(sig_check_hub256, &e, "a rotated github secret", NULL, GH_BODY, 0, 300), SIG_INVALID,
	       "hub256: the previous secret after expiry");
	is_int(run(sig_check_hub256, &e, GH_SECRET, NULL, GH_BODY, 1, -5), SIG_VALID,
	       "hub256: no timestamp, so no window");
}

int main(void)
{
	test_hub256();
	test_hmac_primitive();
	test_names();
	test_standard();
	test_ed25519_primitive();
	test_standard_v1a();
	test_stripe();
	test_slack();
	test_shopify();
	test_gitlab();
	test_hub256_rotation();
	return done_testing();
}
