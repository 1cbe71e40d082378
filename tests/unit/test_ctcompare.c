/*
 * test_ctcompare: every secret comparison hookgate makes in C goes through
 * OpenSSL's constant-time CRYPTO_memcmp (SPEC 3.4, 7). The test defines
 * CRYPTO_memcmp itself: the linker binds the library's calls to it, and it
 * counts those made from this program's code (hookgate's, not OpenSSL's
 * own) before calling the real one.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "webhook/signature.h"
#include "../sign.h"
#include "tap.h"

static int (*real_memcmp)(const void *, const void *, size_t);
static int calls, calls_not_32;
static void *exe_base;

int CRYPTO_memcmp(const void *a, const void *b, size_t len)
{
	Dl_info caller;

	if (!real_memcmp)
		real_memcmp = (int (*)(const void *, const void *, size_t))dlsym(RTLD_NEXT, "CRYPTO_memcmp");
	if (dladdr(__builtin_return_address(0), &caller) && caller.dli_fbase == exe_base) {
		calls++;
		if (len != 32)
			calls_not_32++;
	}
	return real_memcmp(a, b, len);
}

static const char *const names[SIGN_SCHEMES] = {
	"hub256", "standard", "svix", "stripe", "slack", "shopify", "gitlab", "shopify-event",
	"standard-v1a",
};

/* Whether a check under secret (and previous) took status want with n CRYPTO_memcmp calls of 32 bytes. */
static void expect(enum sign_scheme s, const char *secret, const char *previous, int flip,
		   enum sig_status want, int min_calls, const char *what)
{
	static const unsigned char key[24] = "0123456789abcdefghijklm";
	static const unsigned char body[] = "{\"constant\":\"time\"}";
	struct signed_env e;
	struct hg_hdrs h = { 0 };
	struct sig_input in = { .body = body, .body_len = sizeof(body) - 1, .secret = secret,
				.previous_secret = previous, .now = 1700000000, .tolerance_s = 300 };
	enum sig_status got;

	h.envp = sign_request(&e, s, secret, key, sizeof(key), body, sizeof(body) - 1,
			      1700000000, "msg_1", flip);
	in.hdrs = &h;
	/* the previous secret signs with the same key material in these schemes only by name */
	calls = calls_not_32 = 0;
	got = sign_verify(s, &in);
	is_int(got, want, "%s %s: %s", names[s], what, sig_status_name(got));
	ok(calls >= min_calls, "%s %s: %d CRYPTO_memcmp call(s), at least %d", names[s], what,
	   calls, min_calls);
	is_int(calls_not_32, 0, "%s %s: every comparison covers the whole 32-byte MAC or digest",
	       names[s], what);
}

int main(void)
{
	Dl_info self;
	/* "whsec_" + base64 of the 24-byte key above */
	const char *whsec = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0A";

	if (!dladdr((void *)&expect, &self))
		return 1;
	exe_base = self.dli_fbase;
	for (int s = 0; s < SIGN_SCHEMES; s++) {
		const char *secret = (s == SIGN_STANDARD || s == SIGN_SVIX) ? whsec : "a-signing-secret-0123";

		if (!sign_compares_secret((enum sign_scheme)s))
			continue;	/* an Ed25519 verification compares no secret */
		expect((enum sign_scheme)s, secret, NULL, -1, SIG_VALID, 1, "signed");
		expect((enum sign_scheme)s, secret, NULL, 77, SIG_INVALID, 1, "one bit off");
		/* both secrets are always compared, so the timing does not say which matched */
		expect((enum sign_scheme)s, secret, "the-previous-secret-9", -1, SIG_VALID, 2,
		       "signed, with a previous secret");
		expect((enum sign_scheme)s, secret, "the-previous-secret-9", 77, SIG_INVALID, 2,
		       "one bit off, with a previous secret");
	}
	return done_testing();
}
