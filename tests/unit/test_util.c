/* test_util: hex, base64, base64url, SHA-256, tokens, UUIDs, UTF-8. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lib/util.h"
#include "tap.h"

static void test_hex(void)
{
	const unsigned char bytes[] = { 0x00, 0x01, 0xab, 0xff, 0x7f };
	unsigned char back[5];
	char hex[11];

	hex_encode(bytes, sizeof(bytes), hex);
	is_str(hex, "0001abff7f", "hex_encode is lower-case hex");
	hex_encode(bytes, 0, hex);
	is_str(hex, "", "hex_encode of nothing is empty");

	ok(hex_decode("0001abff7f", 10, back, 5) && memcmp(back, bytes, 5) == 0,
	   "hex_decode lower-case");
	ok(hex_decode("0001ABFF7F", 10, back, 5) && memcmp(back, bytes, 5) == 0,
	   "hex_decode upper-case");
	ok(hex_decode("0001aBfF7f", 10, back, 5) && memcmp(back, bytes, 5) == 0,
	   "hex_decode mixed case");
	ok(!hex_decode("0001abff7", 9, back, 5), "hex_decode refuses an odd length");
	ok(!hex_decode("0001abff7f00", 12, back, 5), "hex_decode refuses too many digits");
	ok(!hex_decode("0001abff7g", 10, back, 5), "hex_decode refuses a non-hex digit");
	ok(!hex_decode("0x01abff7f", 10, back, 5), "hex_decode refuses a 0x prefix");
	ok(!hex_decode(" 001abff7f", 10, back, 5), "hex_decode refuses a blank");
}

static void test_base64(void)
{
	/* RFC 4648 section 10 */
	static const struct { const char *plain, *b64; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	unsigned char all[256], back[300];
	unsigned char small[8];
	char *enc;
	long n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].plain);

		enc = base64_encode((const unsigned char *)v[i].plain, len);
		is_str(enc, v[i].b64, "base64_encode(\"%s\")", v[i].plain);
		free(enc);
		n = base64_decode(v[i].b64, back, sizeof(back));
		ok(n == (long)len && memcmp(back, v[i].plain, len) == 0,
		   "base64_decode(\"%s\") gives \"%s\"", v[i].b64, v[i].plain);
	}

	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	for (size_t len = 250; len <= 256; len++) {
		enc = base64_encode(all, len);
		n = enc ? base64_decode(enc, back, sizeof(back)) : -1;
		ok(n == (long)len && memcmp(back, all, len) == 0,
		   "base64 round trip of %zu bytes of every value", len);
		free(enc);
	}

	/* out is exactly as long as the data: the padding must not spill over */
	memset(small, 0xAA, sizeof(small));
	n = base64_decode("Zg==", small, 1);
	ok(n == 1 && small[0] == 'f' && small[1] == 0xAA, "base64_decode fills exactly 1 byte for Zg==");
	n = base64_decode("Zm8=", small, 2);
	ok(n == 2 && memcmp(small, "fo", 2) == 0 && small[2] == 0xAA,
	   "base64_decode fills exactly 2 bytes for Zm8=");
	is_int(base64_decode("Zm9vYmFy", small, 5), -1, "base64_decode refuses a too small buffer");
	is_int(base64_decode("Zm9vYmFy", small, 6), 6, "base64_decode with a buffer of the exact size");

	is_int(base64_decode("Zg", back, sizeof(back)), -1, "base64_decode: padding is required");
	is_int(base64_decode("Zg=", back, sizeof(back)), -1, "base64_decode: short padding");
	is_int(base64_decode("Z===", back, sizeof(back)), -1, "base64_decode: three pads");
	is_int(base64_decode("====", back, sizeof(back)), -1, "base64_decode: only pads");
	is_int(base64_decode("Zm=v", back, sizeof(back)), -1, "base64_decode: pad inside");
	is_int(base64_decode("Zg==Zg==", back, sizeof(back)), -1, "base64_decode: pad before the end");
	is_int(base64_decode("Zm9v!A==", back, sizeof(back)), -1, "base64_decode: bad character");
	is_int(base64_decode("Zm9v-_==", back, sizeof(back)), -1, "base64_decode: base64url characters");
	is_int(base64_decode(" Zm9v", back, sizeof(back)), -1, "base64_decode: leading blank");
	is_int(base64_decode("Zm9v\n", back, sizeof(back)), -1, "base64_decode: trailing newline");
	is_int(base64_decode("Zm 9v", back, sizeof(back)), -1, "base64_decode: inner blank");
	is_int(base64_decode(NULL, back, sizeof(back)), -1, "base64_decode: NULL");
	is_int(base64_decode("", back, 0), 0, "base64_decode: empty gives 0 bytes");
}

static void test_base64url(void)
{
	const unsigned char a[] = { 0xfb, 0xff };		/* standard: +/8= */
	const unsigned char b[] = { 0xfb, 0xff, 0xbf };	/* standard: +/+/ */
	char out[16];

	base64url_encode(a, sizeof(a), out);
	is_str(out, "-_8", "base64url: - and _ for + and /, no padding");
	base64url_encode(b, sizeof(b), out);
	is_str(out, "-_-_", "base64url of 3 bytes");
	base64url_encode((const unsigned char *)"f", 1, out);
	is_str(out, "Zg", "base64url of 1 byte has no padding");
	base64url_encode((const unsigned char *)"", 0, out);
	is_str(out, "", "base64url of nothing");
}

static void test_sha256(void)
{
	char out[65];

	sha256_hex("abc", 3, out);
	is_str(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256_hex(\"abc\")");
	sha256_hex("", 0, out);
	is_str(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256_hex(\"\")");
}

static bool all_base64url(const char *s)
{
	for (; *s; s++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *s))
			return false;
	return true;
}

static void test_tokens(void)
{
	char t1[HG_TOKEN_LEN + 1], t2[HG_TOKEN_LEN + 1], k[HG_TOKEN_LEN + 1], bad[64];
	char small[HG_TOKEN_LEN];

	ok(token_generate("awt_", t1, sizeof(t1)), "token_generate awt_");
	ok(token_generate("awt_", t2, sizeof(t2)), "token_generate awt_ again");
	is_int(strlen(t1), 47, "a token is 47 characters");
	is_int(HG_TOKEN_LEN, 47, "HG_TOKEN_LEN is 47");
	ok(strncmp(t1, "awt_", 4) == 0, "a token starts with its prefix");
	ok(all_base64url(t1 + 4), "the rest is base64url only: %s", t1 + 4);
	ok(strcmp(t1, t2) != 0, "two tokens differ");
	ok(token_well_formed("awt_", t1), "token_well_formed accepts a generated token");
	ok(token_well_formed("awt_", t2), "token_well_formed accepts the second one");
	ok(token_generate("hgk_", k, sizeof(k)) && strncmp(k, "hgk_", 4) == 0 && strlen(k) == 47,
	   "token_generate hgk_");
	ok(token_well_formed("hgk_", k), "token_well_formed accepts an API key");

	ok(!token_well_formed("hgk_", t1), "token_well_formed refuses the wrong prefix");
	ok(!token_well_formed("awt_", k), "token_well_formed refuses an API key as a webhook token");
	memcpy(bad, t1, sizeof(t1));
	bad[46] = '\0';
	ok(!token_well_formed("awt_", bad), "token_well_formed refuses 46 characters");
	memcpy(bad, t1, sizeof(t1));
	bad[47] = 'A';
	bad[48] = '\0';
	ok(!token_well_formed("awt_", bad), "token_well_formed refuses 48 characters");
	ok(!token_well_formed("awt_", "awt_"), "token_well_formed refuses the bare prefix");
	ok(!token_well_formed("awt_", ""), "token_well_formed refuses an empty string");
	ok(!token_well_formed("awt_", NULL), "token_well_formed refuses NULL");
	for (const char *c = "+/=.~ "; *c; c++) {
		memcpy(bad, t1, sizeof(t1));
		bad[20] = *c;
		ok(!token_well_formed("awt_", bad), "token_well_formed refuses '%c'", *c);
	}
	memcpy(bad, t1, sizeof(t1));
	bad[46] = '=';
	ok(!token_well_formed("awt_", bad), "token_well_formed refuses padding at the end");
	ok(token_well_formed("awt_", "awt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_"),
	   "token_well_formed accepts - and _");

	ok(!token_generate("awt", t1, sizeof(t1)), "token_generate refuses a 3-character prefix");
	ok(!token_generate("awt_", small, sizeof(small)), "token_generate refuses a short buffer");
}

static void test_uuid(void)
{
	ok(uuid_valid("123e4567-e89b-12d3-a456-426614174000"), "uuid_valid: lower-case");
	ok(uuid_valid("123E4567-E89B-12D3-A456-426614174000"), "uuid_valid: upper-case");
	ok(uuid_valid("00000000-0000-0000-0000-000000000000"), "uuid_valid: nil UUID");
	ok(!uuid_valid("123e4567e89b12d3a456426614174000"), "uuid_valid: no dashes");
	ok(!uuid_valid("123e4567-e89b-12d3-a456-42661417400"), "uuid_valid: 35 characters");
	ok(!uuid_valid("123e4567-e89b-12d3-a456-4266141740000"), "uuid_valid: 37 characters");
	ok(!uuid_valid("123e4567-e89b-12d3-a456_426614174000"), "uuid_valid: _ for -");
	ok(!uuid_valid("123e4567-e89b-12d3-a456-42661417400g"), "uuid_valid: non-hex digit");
	ok(!uuid_valid("123e4567-e89b-12d3-a4564-26614174000"), "uuid_valid: dash misplaced");
	ok(!uuid_valid("{123e4567-e89b-12d3-a456-426614174000}"), "uuid_valid: braces");
	ok(!uuid_valid(""), "uuid_valid: empty");
	ok(!uuid_valid(NULL), "uuid_valid: NULL");
}

#define U8(s) ((const unsigned char *)(s)), (sizeof(s) - 1)

static void test_utf8(void)
{
	ok(utf8_valid(U8("")), "utf8: empty");
	ok(utf8_valid(U8("plain ASCII")), "utf8: ASCII");
	ok(utf8_valid(U8("a\0b")), "utf8: NUL is a valid character");
	ok(utf8_valid(U8("h\xC3\xA9llo")), "utf8: 2 bytes (e acute)");
	ok(utf8_valid(U8("\xE2\x82\xAC")), "utf8: 3 bytes (euro sign)");
	ok(utf8_valid(U8("\xF0\x9F\x98\x80")), "utf8: 4 bytes (emoji)");
	ok(utf8_valid(U8("\xED\x9F\xBF")), "utf8: U+D7FF, just below the surrogates");
	ok(utf8_valid(U8("\xEE\x80\x80")), "utf8: U+E000, just above the surrogates");
	ok(utf8_valid(U8("\xF4\x8F\xBF\xBF")), "utf8: U+10FFFF");
	ok(utf8_valid(U8("\xC2\x80")), "utf8: U+0080, shortest 2 bytes");
	ok(utf8_valid(U8("\xE0\xA0\x80")), "utf8: U+0800, shortest 3 bytes");
	ok(utf8_valid(U8("\xF0\x90\x80\x80")), "utf8: U+10000, shortest 4 bytes");

	ok(!utf8_valid(U8("\xC0\xAF")), "utf8: overlong / in 2 bytes");
	ok(!utf8_valid(U8("\xC1\xBF")), "utf8: overlong with C1");
	ok(!utf8_valid(U8("\xE0\x80\xAF")), "utf8: overlong / in 3 bytes");
	ok(!utf8_valid(U8("\xE0\x9F\xBF")), "utf8: overlong U+07FF in 3 bytes");
	ok(!utf8_valid(U8("\xF0\x80\x80\xAF")), "utf8: overlong / in 4 bytes");
	ok(!utf8_valid(U8("\xF0\x8F\xBF\xBF")), "utf8: overlong U+FFFF in 4 bytes");
	ok(!utf8_valid(U8("\xED\xA0\x80")), "utf8: surrogate U+D800");
	ok(!utf8_valid(U8("\xED\xBF\xBF")), "utf8: surrogate U+DFFF");
	ok(!utf8_valid(U8("\xED\xA0\xBD\xED\xB8\x80")), "utf8: surrogate pair (CESU-8)");
	ok(!utf8_valid(U8("\xF4\x90\x80\x80")), "utf8: above U+10FFFF");
	ok(!utf8_valid(U8("\xF5\x80\x80\x80")), "utf8: F5 lead byte");
	ok(!utf8_valid(U8("\xFF")), "utf8: FF byte");
	ok(!utf8_valid(U8("\x80")), "utf8: lone continuation byte");
	ok(!utf8_valid(U8("\xC3")), "utf8: truncated 2-byte sequence");
	ok(!utf8_valid(U8("\xE2\x82")), "utf8: truncated 3-byte sequence");
	ok(!utf8_valid(U8("\xF0\x9F\x98")), "utf8: truncated 4-byte sequence");
	ok(!utf8_valid(U8("ab\xE2\x82")), "utf8: truncated at the end after ASCII");
	ok(!utf8_valid(U8("\xC3" "A")), "utf8: ASCII where a continuation byte belongs");
	ok(!utf8_valid(U8("\xE2\x82" "A")), "utf8: ASCII as the third byte");
	ok(!utf8_valid((const unsigned char *)"\xE2\x82\xAC", 2), "utf8: length cuts a sequence");
}

static void test_uuid7(void)
{
	char a[37], b[37];
	struct timespec ts;
	unsigned long long ms = 0;

	ok(uuid7_generate(a) && uuid7_generate(b), "two UUIDv7s");
	ok(uuid_valid(a) && uuid_valid(b), "canonical text: %s", a);
	ok(a[14] == '7' && strchr("89ab", a[19]), "version 7, variant 10: %s", a);
	ok(strcmp(a, b) != 0, "distinct");
	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < 13; i++)
		if (a[i] != '-')
			ms = ms * 16 + (unsigned long long)(strchr("0123456789abcdef", a[i]) - "0123456789abcdef");
	ok(ms / 1000 + 2 >= (unsigned long long)ts.tv_sec && ms / 1000 <= (unsigned long long)ts.tv_sec,
	   "the first 48 bits are the time in milliseconds");
	ok(strncmp(a, b, 8) <= 0, "time-ordered");
}

/* id_random: bounded, never the same bytes twice, nor in a child after fork. */
static void test_id_random(void)
{
	unsigned char a[ID_RANDOM_MAX], b[ID_RANDOM_MAX], big[ID_RANDOM_MAX + 1];
	unsigned char mine[16], theirs[16];
	bool differ = true;
	int fds[2];
	pid_t pid;

	ok(id_random(a, sizeof(a)) && id_random(b, sizeof(b)) && memcmp(a, b, sizeof(a)) != 0,
	   "id_random: two draws differ");
	ok(!id_random(big, sizeof(big)), "id_random: at most ID_RANDOM_MAX bytes");
	/* past the pool's end: refilled, still distinct */
	for (int i = 0; i < 100 && differ; i++) {
		memcpy(a, b, 16);
		differ = id_random(b, 16) && memcmp(a, b, 16) != 0;
	}
	ok(differ, "id_random: draws across refills differ");
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		ok(0, "pipe and fork");
		return;
	}
	if (pid == 0) {
		unsigned char c[16];

		close(fds[0]);
		_exit(id_random(c, sizeof(c)) && write(fds[1], c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
	}
	close(fds[1]);
	ok(id_random(mine, sizeof(mine)) && read(fds[0], theirs, sizeof(theirs)) == (ssize_t)sizeof(theirs) &&
	   memcmp(mine, theirs, sizeof(mine)) != 0, "id_random: a child after fork draws other bytes");
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

/* utc_ms_text against strftime and snprintf, which it replaces, over many times. */
static void test_utc_ms_text(void)
{
	static const long long at[] = {
		0, 1, -1, 59, 86399, 951782400LL, 1769896800LL, 1483228799LL, 4102444800LL,
		253402300799LL, 253402300800LL, -62135596800LL, -62135596801LL,
	};
	bool same = true;
	char got[UTC_MS_TEXT_MAX], want[64];
	unsigned long long x = 88172645463325252ULL;

	for (size_t i = 0; i < HG_ARRAY_LEN(at) + 2000; i++) {
		long long sec;
		long usec;
		time_t t;
		struct tm tm;
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;	/* xorshift: times over ten thousand years */
		sec = i < HG_ARRAY_LEN(at) ? at[i] : (long long)(x % 315569520000ULL) - 62135596800LL;
		usec = i < HG_ARRAY_LEN(at) ? (long)(i * 77777 % 1000000) : (long)(x % 1000000);
		t = (time_t)sec;
		gmtime_r(&t, &tm);
		n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof(want) - n, ".%03ldZ", usec / 1000);
		utc_ms_text(sec, usec, got);
		if (strcmp(got, want) != 0) {
			diag("utc_ms_text(%lld, %ld): %s, not %s", sec, usec, got, want);
			same = false;
		}
	}
	ok(same, "utc_ms_text writes what strftime and snprintf write");
	utc_ms_text(1769896800LL, 999999, got);
	is_str(got, "2026-01-31T22:00:00.999Z", "utc_ms_text: milliseconds cut, not rounded");
}

/* One RFC 3339 time: whether it parses, and to what. */
static void is_time(const char *s, long long want_s, long want_ns)
{
	long long sec = -1;
	long ns = -1;

	if (ok(rfc3339_parse(s, &sec, &ns), "rfc3339_parse: %s", s))
		ok(sec == want_s && ns == want_ns, "%s is %lld.%09ld (got %lld.%09ld)", s,
		   want_s, want_ns, sec, ns);
}

static void test_rfc3339(void)
{
	static const char *const bad[] = {
		"", "2026-01-31", "2026-01-31T22:00:00", "2026-01-31 22:00:00Z",
		"2026-1-31T22:00:00Z", "2026-01-31T22:00Z", "2026-01-31T24:00:00Z",
		"2026-01-31T22:60:00Z", "2026-01-31T22:00:61Z", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2026-01-31T22:00:00.Z",
		"2026-01-31T22:00:00+0100", "2026-01-31T22:00:00+24:00", "2026-01-31T22:00:00+01:60",
		"2026-01-31T22:00:00Zjunk", "2026-01-31T22:00:00 Z", "+2026-01-31T22:00:00Z",
		"yesterday", "2026-01-31T22:00:00.123456789012+01:00x", "2026-01-31t17:30:00-04:30z",
	};
	long long sec;
	long ns;

	is_time("1970-01-01T00:00:00Z", 0, 0);
	is_time("2026-01-31T22:00:00Z", 1769896800LL, 0);
	is_time("2026-02-01T00:00:00+02:00", 1769896800LL, 0);
	is_time("2026-01-31t17:30:00-04:30", 1769896800LL, 0);
	is_time("2000-02-29T00:00:00.5z", 951782400LL, 500000000L);
	is_time("2026-01-31T22:00:00.123456789999Z", 1769896800LL, 123456789L);
	is_time("1969-12-31T23:59:59.000001Z", -1, 1000L);
	is_time("2016-12-31T23:59:60Z", 1483228800LL, 0);
	is_time("0001-01-01T00:00:00Z", -62135596800LL, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!rfc3339_parse(bad[i], &sec, &ns), "rfc3339_parse refuses '%s'", bad[i]);
	ok(!rfc3339_parse(NULL, &sec, &ns), "rfc3339_parse refuses NULL");
}

static void test_utf8_chars(void)
{
	ok(utf8_chars((const unsigned char *)"", 0) == 0, "utf8_chars: empty");
	ok(utf8_chars((const unsigned char *)"abc", 3) == 3, "utf8_chars: ASCII");
	ok(utf8_chars((const unsigned char *)"\xc3\xa9t\xc3\xa9", 5) == 3, "utf8_chars: two-byte characters");
	ok(utf8_chars((const unsigned char *)"\xf0\x9f\x98\x80!", 5) == 2, "utf8_chars: a four-byte character");
}

int main(void)
{
	test_rfc3339();
	test_utf8_chars();
	test_uuid7();
	test_id_random();
	test_utc_ms_text();
	test_hex();
	test_base64();
	test_base64url();
	test_sha256();
	test_tokens();
	test_uuid();
	test_utf8();
	return done_testing();
}
