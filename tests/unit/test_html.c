/* test_html: html_escape and url_escape (the console's escapings) and json_indent (its JSON bodies). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/html.h"
#include "lib/json.h"
#include "tap.h"

/* html_escape of in[0..len) (a new string). */
static char *esc(const char *in, size_t len)
{
	char *out = malloc(HTML_ESCAPE_MAX(len) + 1);
	size_t n;

	if (!out)
		abort();
	n = html_escape(in, len, out);
	if (n != strlen(out) || n > HTML_ESCAPE_MAX(len))
		diag("length %zu for %zu bytes", n, len);
	return out;
}

static void is_escaped(const char *in, size_t len, const char *want, const char *name)
{
	char *got = esc(in, len);

	is_str(got, want, "%s", name);
	free(got);
}

#define IS_ESCAPED(in, want, name) is_escaped(in, sizeof(in) - 1, want, name)

static void test_html(void)
{
	IS_ESCAPED("plain text 123", "plain text 123", "plain text as it is");
	IS_ESCAPED("", "", "empty");
	IS_ESCAPED("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "a script tag");
	IS_ESCAPED("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
		   "an attribute break-out");
	IS_ESCAPED("it's", "it&#39;s", "a single quote (single-quoted attributes)");
	IS_ESCAPED("&amp;", "&amp;amp;", "an entity is text, escaped again");
	IS_ESCAPED("</textarea>", "&lt;/textarea&gt;", "a closing tag");
	IS_ESCAPED("a\tb\nc\rd", "a\tb\nc\rd", "tab, line feed and carriage return stay");
	IS_ESCAPED("a\x01" "b\x7f" "c", "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c", "C0 controls and DEL");
	IS_ESCAPED("a\0b", "a\xEF\xBF\xBD" "b", "a NUL byte");
	IS_ESCAPED("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
		   "UTF-8 of 2, 3 and 4 bytes");
	IS_ESCAPED("\xC2\x85" "x", "\xEF\xBF\xBD" "x", "a C1 control (NEL)");
	IS_ESCAPED("\xC2\xA0", "\xC2\xA0", "U+00A0 is not a control");
	IS_ESCAPED("\xFF\xFE<", "\xEF\xBF\xBD\xEF\xBF\xBD&lt;", "invalid bytes, then markup");
	IS_ESCAPED("\xC3", "\xEF\xBF\xBD", "a character cut short");
	IS_ESCAPED("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", "a surrogate, byte by byte");
	IS_ESCAPED("\xC0\xBC", "\xEF\xBF\xBD\xEF\xBF\xBD", "an overlong '<' stays harmless");
	/* the worst case fits the bound: every byte a quote */
	{
		char in[64], *out;

		memset(in, '"', sizeof(in));
		out = esc(in, sizeof(in));
		is_int((long long)strlen(out), HTML_ESCAPE_MAX(sizeof(in)), "the bound is reached, not passed");
		free(out);
	}
	/* no output byte starts markup, whatever the input */
	{
		unsigned char in[256];
		char *out;
		bool clean;

		for (int i = 0; i < 256; i++)
			in[i] = (unsigned char)i;
		out = esc((const char *)in, sizeof(in));
		clean = !strpbrk(out, "<>\"'");
		ok(clean, "no <, >, \" or ' comes out of every byte value");
		free(out);
	}
}

static void test_url(void)
{
	char out[URL_ESCAPE_MAX(32) + 1];

	url_escape("github.push", 11, out);
	is_str(out, "github.push", "unreserved characters stay");
	url_escape("a b&c=d/\"<", 10, out);
	is_str(out, "a%20b%26c%3Dd%2F%22%3C", "the rest is percent-encoded");
	url_escape("\xC3\xA9~_-", 5, out);
	is_str(out, "%C3%A9~_-", "UTF-8 bytes one by one");
}

static void is_indented(const char *in, const char *want, const char *name)
{
	size_t n;
	char *got = json_indent(in, strlen(in), &n);

	is_str(got, want, "%s", name);
	ok(got && n == strlen(got), "%s: its length", name);
	free(got);
}

static void test_indent(void)
{
	is_indented("{\"a\":1,\"b\":[true,null,\"x\"]}",
		    "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    \"x\"\n  ]\n}",
		    "an object laid out");
	is_indented(" [ ] ", "[]", "an empty array");
	is_indented("{ }", "{}", "an empty object");
	is_indented("{\"a\" : { } , \"b\":[ ]}", "{\n  \"a\": {},\n  \"b\": []\n}",
		    "empty members stay on their line");
	is_indented("12345678901234567890123.50e+3", "12345678901234567890123.50e+3",
		    "a number as it was written");
	is_indented("{\"k\\\"{,:\":\"v, [x]: \\\\\"}", "{\n  \"k\\\"{,:\": \"v, [x]: \\\\\"\n}",
		    "strings are copied, escapes and all");
	is_indented("{\"a\":1,\"a\":2}", "{\n  \"a\": 1,\n  \"a\": 2\n}", "a duplicate name is kept");
	is_indented("\"\\u0041\\/\"", "\"\\u0041\\/\"", "escapes are not decoded");
	is_indented("[[[1]]]", "[\n  [\n    [\n      1\n    ]\n  ]\n]", "nesting");
	/* not JSON after all: it must still end */
	is_indented("{\"open", "{\n  \"open", "an unterminated string is copied");
	is_indented("]]]", "\n]\n]\n]", "unbalanced closers");
}

int main(void)
{
	test_html();
	test_url();
	test_indent();
	return done_testing();
}
