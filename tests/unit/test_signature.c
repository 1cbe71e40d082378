/* test_signature: X-Hub-Signature-256 checks (SPEC 3.4) against published vectors. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "signature.h"
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
	struct hg_hdrs h = { env };
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
	ok(sig_hub256_matches("sha256=" GH_HEX, GH_SECRET, (const unsigned char *)GH_BODY, 13),
	   "sig_hub256_matches on GitHub's vector");
	ok(sig_hub256_matches("sha256=" RFC_HEX, RFC_KEY, (const unsigned char *)RFC_DATA,
			      sizeof(RFC_DATA) - 1), "sig_hub256_matches on RFC 4231 case 2");
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

	ok(!sig_hub256_matches(NULL, GH_SECRET, (const unsigned char *)GH_BODY, 13),
	   "sig_hub256_matches: no header value");
	ok(!sig_hub256_matches("sha256=" GH_HEX, NULL, (const unsigned char *)GH_BODY, 13),
	   "sig_hub256_matches: no key");
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

int main(void)
{
	test_hub256();
	test_names();
	return done_testing();
}
