/* test_json: json_storable, the strict RFC 8259 and jsonb-storable check of client JSON; json_keep_numbers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "tap.h"

static enum json_verdict check(const char *s)
{
	return json_storable((const unsigned char *)s, strlen(s));
}

/* A number of digits digits: "1." then n 1s then suffix, or prefix then n 0s then "1". */
static char *repeated(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *s = malloc(a + n + b + 1);

	if (!s)
		abort();
	memcpy(s, prefix, a);
	memset(s + a, c, n);
	memcpy(s + a + n, suffix, b + 1);
	return s;
}

static void test_valid(void)
{
	static const char *const good[] = {
		"{}", "[]", " {\"a\":1} ", "{\"a\":[1,2.5,-0,0e5,1E+2,-3.25e-7]}", "\"text\"", "0",
		"true", "false", "null", "{\"a\":{\"b\":{\"c\":[null]}}}", "\"\\u00e9\\n\\t\\\"\\\\\\/\"",
		"\"\\ud83d\\ude00\"", "\"caf\xc3\xa9\"", "[1e131000]", "{\"big\":99999999999999999999}",
		"{\"a\":1,\"a\":2}", "\t\r\n[\n]\n",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(check(good[i]) == JSON_STORABLE, "storable: %s", good[i]);
}

static void test_syntax(void)
{
	static const char *const bad[] = {
		"", " ", "{'a':1}", "{\"a\":00}", "{\"a\":-05}", "{\"a\":NaN,\"a\":1}",
		"[Infinity]", "[-Infinity]", "[1.]", "[.5]", "[+1]", "[1e]", "[1e+]", "{\"a\" 1}",
		"{\"a\":1,}", "[1,]", "[1 2]", "{} {}", "\"a\nb\"", "\"a\tb\"", "\"\\x41\"", "\"\\u12G4\"",
		"\"abc", "[", "{", "tru", "nul", "True", "{\"a\":1}x", "\"caf\xe9\"", "\"\xed\xa0\x80\"",
		"{1:2}", "[\"\\ud800\\uZZZZ\"]", "\"\\",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(check(bad[i]) == JSON_SYNTAX, "syntax error: %s", bad[i]);
	ok(json_storable((const unsigned char *)"{\"a\":\0}", 7) == JSON_SYNTAX, "a raw NUL byte");
	ok(json_storable(NULL, 0) == JSON_SYNTAX, "no text");
}

/*
 * A long string read eight bytes at a time: a quote, a backslash escape, a
 * raw control character or a byte of 0x80 and above at every place of a
 * word, after a run of plain bytes and after an escape.
 */
static void test_long_strings(void)
{
	static const struct {
		const char *what, *insert;
		enum json_verdict want;
	} at[] = {
		{ "an escaped quote", "\\\"", JSON_STORABLE },
		{ "an escape", "\\n", JSON_STORABLE },
		{ "a \\u escape", "\\u00e9", JSON_STORABLE },
		{ "UTF-8", "\xc3\xa9", JSON_STORABLE },
		{ "DEL", "\x7f", JSON_STORABLE },
		{ "a raw tab", "\t", JSON_SYNTAX },
		{ "a raw 0x1f", "\x1f", JSON_SYNTAX },
		{ "a bad escape", "\\x", JSON_SYNTAX },
		{ "\\u0000", "\\u0000", JSON_UNSTORABLE },
	};
	bool all = true;

	for (size_t k = 0; k < HG_ARRAY_LEN(at); k++) {
		for (size_t pos = 0; pos < 24; pos++) {
			char s[128];
			enum json_verdict v;

			/* "aaa...<insert>aaa...\\n...aaa" with the insert at pos */
			snprintf(s, sizeof(s), "[\"%.*s%s%.*s\\n%.*s\"]", (int)pos,
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", at[k].insert, (int)(24 - pos),
				 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 19, "ccccccccccccccccccccccc");
			v = check(s);
			if (v != at[k].want) {
				diag("%s at %zu: %d, not %d: %s", at[k].what, pos, v, at[k].want, s);
				all = false;
			}
		}
	}
	ok(all, "long strings: every kind of byte at every place of a word");
	ok(check("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == JSON_SYNTAX, "a long string not closed");
	ok(check("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]") == JSON_STORABLE, "a long string");
}

static void test_depth(void)
{
	char *deep_ok = malloc(2 * JSON_MAX_DEPTH + 1), *too_deep = malloc(2 * JSON_MAX_DEPTH + 3);

	if (!deep_ok || !too_deep)
		abort();
	for (int i = 0; i < JSON_MAX_DEPTH; i++) {
		deep_ok[i] = '[';
		deep_ok[2 * JSON_MAX_DEPTH - 1 - i] = ']';
	}
	deep_ok[2 * JSON_MAX_DEPTH] = '\0';
	for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
		too_deep[i] = '[';
		too_deep[2 * JSON_MAX_DEPTH + 1 - i] = ']';
	}
	too_deep[2 * JSON_MAX_DEPTH + 2] = '\0';
	ok(check(deep_ok) == JSON_STORABLE, "%d levels of nesting", JSON_MAX_DEPTH);
	ok(check(too_deep) == JSON_SYNTAX, "%d levels of nesting are too deep", JSON_MAX_DEPTH + 1);
	free(deep_ok);
	free(too_deep);
}

static void test_unstorable(void)
{
	char *s;

	ok(check("\"a\\u0000b\"") == JSON_UNSTORABLE, "\\u0000 in a string");
	ok(check("{\"a\\u0000\":1}") == JSON_UNSTORABLE, "\\u0000 in a key");
	ok(check("\"\\\\u0000\"") == JSON_STORABLE, "an escaped backslash before u0000 is text");
	ok(check("\"\\ud800\"") == JSON_UNSTORABLE, "a lone high surrogate");
	ok(check("\"\\udc00\"") == JSON_UNSTORABLE, "a lone low surrogate");
	ok(check("\"\\ud800\\u0041\"") == JSON_UNSTORABLE, "a high surrogate before a non-surrogate");
	ok(check("[1e999999]") == JSON_UNSTORABLE, "1e999999");
	ok(check("[1e-999999]") == JSON_UNSTORABLE, "1e-999999");
	ok(check("[1e99999999999999999999999]") == JSON_UNSTORABLE, "an exponent beyond long");
	ok(check("[1e131072]") == JSON_UNSTORABLE, "1e131072 has 131073 digits before the point");
	ok(check("[1e131071]") == JSON_STORABLE, "1e131071 has 131072 digits before the point");
	ok(check("[1e-16383]") == JSON_STORABLE, "1e-16383: 16383 digits after the point");
	ok(check("[1e-16384]") == JSON_UNSTORABLE, "1e-16384: 16384 digits after the point");

	s = repeated("{\"a\":0.", '0', 17000, "1}");
	ok(check(s) == JSON_UNSTORABLE, "a fraction of 17,001 digits");
	free(s);
	s = repeated("{\"a\":1.", '1', 400, "e-16000}");
	ok(check(s) == JSON_UNSTORABLE, "400 fraction digits and e-16000");
	free(s);
	s = repeated("[0.", '5', 16383, "]");
	ok(check(s) == JSON_STORABLE, "a fraction of 16,383 digits");
	free(s);
	s = repeated("[", '7', 131073, "]");
	ok(check(s) == JSON_UNSTORABLE, "an integer of 131,073 digits");
	free(s);
	s = repeated("[1.", '1', 16000, "e3]");
	ok(check(s) == JSON_STORABLE, "an exponent moves digits before the point");
	free(s);
	ok(json_number_storable("123.45", 6), "json_number_storable: a plain number");
	ok(!json_number_storable("1e200000", 8), "json_number_storable: too large");

	/* found by tests/fuzz/fuzz_json against PostgreSQL 15's own verdicts (doc/testing.md) */
	ok(check("[0e2222211]") == JSON_STORABLE, "a zero is never too large, whatever its exponent");
	ok(check("[-0.000e1073741822]") == JSON_STORABLE, "a zero with the largest exponent numeric takes");
	ok(check("[0e1073741823]") == JSON_UNSTORABLE, "numeric takes no exponent of INT_MAX / 2");
	ok(check("[1e-1073741823]") == JSON_UNSTORABLE, "nor of -(INT_MAX / 2)");
	ok(check("[0e-16384]") == JSON_UNSTORABLE, "a zero's display scale counts too");
	ok(check("[0.0e-16383]") == JSON_UNSTORABLE, "a zero with 16384 digits after the point");
	ok(check("[0.01e131073]") == JSON_STORABLE, "leading zeros of the fraction are not digits before the point");
	ok(check("[0.00001e131076]") == JSON_STORABLE, "1e131071 written with leading zeros");
	ok(check("[0.00001e131077]") == JSON_UNSTORABLE, "1e131072 written with leading zeros");
	ok(check("[10e131071]") == JSON_UNSTORABLE, "10e131071 has 131073 digits before the point");
}

/* json_member on the top-level members of t (JSON text): the value's span. */
static bool member_of(const char *t, const char *key, struct json_span *v)
{
	struct json_members m;

	json_members(t, strlen(t), &m);
	return json_member(&m, key, v);
}

static void test_members(void)
{
	const char *t = "{\"a\":1, \"eventPayload\" : {\"x\":[1,2]} ,\"b\":\"}\"}";
	const char *dup = "{\"eventPayload\":1,\"eventP\\u0061yload\":[true]}";
	struct json_span v = { NULL, 0 };
	struct json_members m;
	char big[4096];
	size_t n = 0;

	ok(member_of(t, "eventPayload", &v) && v.len == 11 && memcmp(v.text, "{\"x\":[1,2]}", 11) == 0,
	   "the span of a member's value");
	ok(member_of(dup, "eventPayload", &v) && v.len == 6 && memcmp(v.text, "[true]", 6) == 0,
	   "escaped names decode; the last one counts");
	ok(!member_of(t, "missing", &v), "no such member");
	ok(!member_of("[1]", "a", &v), "not an object");
	ok(member_of("{\"a\":null}", "a", &v) && v.len == 4, "a null value");
	ok(member_of("{\"b\":\"}\"}", "b", &v) && v.len == 3, "a string holding a brace");
	ok(!member_of("{\"\\u00e9\":1}", "e", &v) && member_of("{\"\\u00e9\":1}", "\xc3\xa9", &v),
	   "a name escaped beyond ASCII");
	/* more members than kept: the rest walked again, the last one still counts */
	n += (size_t)snprintf(big + n, sizeof(big) - n, "{\"k\":\"first\"");
	for (int i = 0; i < 3 * JSON_MEMBERS_MAX + 5; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, ",\"m%d\":%d", i, i);
	snprintf(big + n, sizeof(big) - n, ",\"k\":\"last\"}");
	json_members(big, strlen(big), &m);
	ok(m.object && m.n == JSON_MEMBERS_MAX && m.rest > 0, "a large object: the first members kept");
	ok(json_member(&m, "k", &v) && v.len == 6 && memcmp(v.text, "\"last\"", 6) == 0,
	   "... a member after them found, the last counts");
	ok(json_member(&m, "m90", &v) && v.len == 2 && memcmp(v.text, "90", 2) == 0, "... any of them");
	ok(!json_member(&m, "m999", &v), "... and no other");
	json_members("  {}  ", 6, &m);
	ok(m.object && m.n == 0 && !json_member(&m, "a", &v), "an empty object");

	/* found while checking: the same members */
	{
		const char *const texts[] = { t, dup, big, " [1,{\"a\":2}] ", "{}", "{\"a\":{\"b\":1}}" };
		bool same = true;

		for (size_t i = 0; i < HG_ARRAY_LEN(texts); i++) {
			struct json_members w;

			json_members(texts[i], strlen(texts[i]), &m);
			same &= json_storable_members((const unsigned char *)texts[i], strlen(texts[i]), &w) ==
				JSON_STORABLE;
			same &= w.object == m.object && w.n == m.n && w.rest == m.rest;
			for (size_t k = 0; k < m.n && k < w.n; k++)
				same &= w.m[k].name.text == m.m[k].name.text && w.m[k].value.len == m.m[k].value.len &&
					w.m[k].value.text == m.m[k].value.text && w.m[k].name.len == m.m[k].name.len;
		}
		ok(same, "json_storable_members finds what json_members finds");
	}
}

/* json_string of the JSON string text s: its characters, or NULL when it is none. */
static void string_is(const char *s, const char *want, size_t want_len, const char *what)
{
	struct json_str got;
	int rc = json_string((struct json_span){ s, strlen(s) }, &got);

	if (!want) {
		ok(rc == 0 && !got.s && !got.owned, "not a string: %s", what);
		return;
	}
	ok(rc == 1 && got.len == want_len && memcmp(got.s, want, want_len) == 0, "json_string: %s", what);
	ok(json_string_equal((struct json_span){ s, strlen(s) }, want, want_len), "json_string_equal: %s", what);
	ok(want_len == 0 || !json_string_equal((struct json_span){ s, strlen(s) }, want, want_len - 1),
	   "json_string_equal, one byte short: %s", what);
	ok(!got.owned == !strchr(s, '\\'), "decoded only when escaped: %s", what);
	free(got.owned);
}

static void test_strings(void)
{
	string_is("\"plain\"", "plain", 5, "plain");
	string_is("\"\"", "", 0, "empty");
	string_is("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t", 12, "every short escape");
	string_is("\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac", 6, "\\u escapes of 1, 2 and 3 bytes");
	string_is("\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5, "a surrogate pair");
	string_is("\"caf\xc3\xa9\"", "caf\xc3\xa9", 5, "UTF-8 as written");
	string_is("12", NULL, 0, "a number");
	string_is("{\"a\":\"b\"}", NULL, 0, "an object");
	string_is("null", NULL, 0, "null");
	ok(!json_string_equal((struct json_span){ "\"ab\"", 4 }, "abc", 3), "json_string_equal: longer");
	ok(!json_string_equal((struct json_span){ "\"a\\nb\"", 6 }, "a\\nb", 4),
	   "json_string_equal: an escape is not its text");
}

/* text parsed by json-c, json_keep_numbers, written back */
static char *kept(const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	char *out;

	if (!o || !json_keep_numbers(text, strlen(text), &o))
		abort();
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

static void is_kept(const char *text, const char *want, const char *what)
{
	char *got = kept(text);

	ok(strcmp(got, want) == 0, "%s: %s", what, got);
	free(got);
}

static void test_keep_numbers(void)
{
	char *s, *want;

	is_kept("[1,-2,3.5,1e400,0.10]", "[1,-2,3.5,1e400,0.10]", "numbers json-c holds");
	is_kept("[123456789012345678901234567890]", "[123456789012345678901234567890]",
		"an integer beyond 64 bits");
	is_kept("{\"a\":-99999999999999999999,\"b\":{\"c\":[18446744073709551616]}}",
		"{\"a\":-99999999999999999999,\"b\":{\"c\":[18446744073709551616]}}",
		"nested, negative, in place");
	is_kept("[18446744073709551615,9223372036854775807,-9223372036854775808]",
		"[18446744073709551615,9223372036854775807,-9223372036854775808]", "the limits");
	is_kept("{\"s\":\"12345678901234567890123 \\\" 5\",\"n\":12345678901234567890123}",
		"{\"s\":\"12345678901234567890123 \\\" 5\",\"n\":12345678901234567890123}",
		"digits in strings are not numbers");
	is_kept("123456789012345678901234567890", "123456789012345678901234567890",
		"a bare integer");
	is_kept("[-0, 0]", "[0,0]", "-0 as json-c writes it");
	/* duplicate keys: the tree holds the last value; out of step, left alone */
	is_kept("{\"a\":99999999999999999999,\"a\":5}", "{\"a\":5}", "a duplicate key");
	is_kept("{\"a\":99999999999999999999,\"a\":18446744073709551615}",
		"{\"a\":18446744073709551615}", "a duplicate key, both long");
	s = repeated("[", '9', 5000, "]");
	want = kept(s);
	ok(strcmp(s, want) == 0, "an integer of 5000 digits");
	free(want);
	free(s);
}

int main(void)
{
	test_members();
	test_strings();
	test_keep_numbers();
	test_valid();
	test_syntax();
	test_long_strings();
	test_depth();
	test_unstorable();
	return done_testing();
}
