/*
 * fuzz_html: the console's escapings (src/lib/html.c) and its JSON layout
 * (json_indent), against rules written again here.
 * Input: a mode byte, then the text.
 * Properties:
 *  - html_escape: within HTML_ESCAPE_MAX; valid UTF-8 with no NUL; no
 *    < > " ' and every & one of the five entities; with the entities
 *    decoded, the input with each byte that is not part of a valid UTF-8
 *    character (a decoder of its own here: no overlong form, no surrogate,
 *    nothing past U+10FFFF) and each control character but tab, LF and CR
 *    (C0, DEL, C1) as U+FFFD;
 *  - url_escape: only unreserved bytes and %XX (upper-case hex), which
 *    decode to the input;
 *  - json_indent (mode odd, input storable JSON): the layout is storable
 *    JSON too, and equals the input with the white space outside strings
 *    taken away from both.
 */
#include "config.h"

#include "fuzz.h"
#include "lib/html.h"
#include "lib/json.h"
#include "lib/util.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* The length of the valid UTF-8 character at s (n > 0 bytes), 0 when invalid; its code point in *cp. */
static size_t char_at(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc0 && s[0] < 0xe0) {
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0) {
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] < 0xf8) {
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

static bool control(unsigned long cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f);
}

/* What html_escape's output must decode to, into want (3 * len + 1 bytes); its length. */
static size_t expected_text(const unsigned char *in, size_t len, char *want)
{
	size_t n = 0;

	for (size_t i = 0; i < len; ) {
		unsigned long cp;
		size_t l = char_at(in + i, len - i, &cp);

		if (l == 0 || control(cp)) {
			memcpy(want + n, REPLACEMENT, 3);
			n += 3;
			i += l ? l : 1;
		} else {
			memcpy(want + n, in + i, l);
			n += l;
			i += l;
		}
	}
	want[n] = '\0';
	return n;
}

/* The entities of html_escape's output decoded into out (as long); its length, or (size_t)-1 for a stray &. */
static size_t decode_entities(const char *s, size_t len, char *out)
{
	static const struct { const char *name; char c; } entities[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};
	size_t n = 0;

	for (size_t i = 0; i < len; ) {
		bool found = false;

		if (s[i] != '&') {
			out[n++] = s[i++];
			continue;
		}
		for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]) && !found; e++) {
			size_t el = strlen(entities[e].name);

			if (len - i >= el && memcmp(s + i, entities[e].name, el) == 0) {
				out[n++] = entities[e].c;
				i += el;
				found = true;
			}
		}
		if (!found)
			return (size_t)-1;
	}
	out[n] = '\0';
	return n;
}

static void check_html(const unsigned char *in, size_t len)
{
	char *out = malloc(HTML_ESCAPE_MAX(len) + 1), *want = malloc(3 * len + 1);
	char *decoded = malloc(HTML_ESCAPE_MAX(len) + 1);
	size_t n = html_escape((const char *)in, len, out), wn, dn;

	PROPERTY(n <= HTML_ESCAPE_MAX(len) && out[n] == '\0' && strlen(out) == n,
		 "html_escape wrote %zu bytes for %zu", n, len);
	PROPERTY(utf8_valid((const unsigned char *)out, n), "html_escape's output is not UTF-8");
	PROPERTY(!strpbrk(out, "<>\"'"), "html_escape left markup: %s", out);
	dn = decode_entities(out, n, decoded);
	PROPERTY(dn != (size_t)-1, "html_escape left a stray &: %s", out);
	wn = expected_text(in, len, want);
	PROPERTY(dn == wn && memcmp(decoded, want, wn) == 0, "html_escape gave '%s', want '%s'",
		 decoded, want);
	free(decoded);
	free(want);
	free(out);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~", c));
}

static void check_url(const unsigned char *in, size_t len)
{
	char *out = malloc(URL_ESCAPE_MAX(len) + 1);
	size_t n = url_escape((const char *)in, len, out), j = 0;

	PROPERTY(n <= URL_ESCAPE_MAX(len) && out[n] == '\0', "url_escape wrote %zu for %zu", n, len);
	for (size_t i = 0; i < n; j++) {
		unsigned char c = (unsigned char)out[i];

		PROPERTY(j < len, "url_escape wrote more than the input");
		if (c == '%') {
			int hi = i + 2 < n ? hex_value(out[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(out[i + 2]) : -1;

			PROPERTY(hi >= 0 && lo >= 0 && in[j] == (unsigned char)(hi * 16 + lo),
				 "url_escape: bad %%XX at %zu of %s", i, out);
			PROPERTY(!unreserved(in[j]), "url_escape encoded the unreserved 0x%02x", in[j]);
			i += 3;
		} else {
			PROPERTY(unreserved(c) && c == in[j], "url_escape left 0x%02x", c);
			i++;
		}
	}
	PROPERTY(j == len, "url_escape decodes to %zu bytes of %zu", j, len);
	free(out);
}

/* text without the JSON white space outside strings, into out (len + 1); its length. */
static size_t squeeze(const char *text, size_t len, char *out)
{
	bool in_string = false;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			out[n++] = c;
			if (c == '\\' && i + 1 < len)
				out[n++] = text[++i];
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
			out[n++] = c;
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			out[n++] = c;
		}
	}
	out[n] = '\0';
	return n;
}

static void check_indent(const unsigned char *in, size_t len)
{
	size_t outlen, a, b;
	char *out, *sa, *sb;

	if (json_storable(in, len) != JSON_STORABLE)
		return;
	out = json_indent((const char *)in, len, &outlen);
	if (!out)
		return;		/* out of memory */
	PROPERTY(json_storable((const unsigned char *)out, outlen) == JSON_STORABLE,
		 "json_indent's layout is not storable JSON: %s", out);
	sa = malloc(len + 1);
	sb = malloc(outlen + 1);
	a = squeeze((const char *)in, len, sa);
	b = squeeze(out, outlen, sb);
	PROPERTY(a == b && memcmp(sa, sb, a) == 0, "json_indent changed a token: '%s' from '%s'", sb, sa);
	free(sb);
	free(sa);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t mode = fz_byte(&f);

	check_html(f.p, f.n);
	check_url(f.p, f.n);
	if (mode & 1)
		check_indent(f.p, f.n);
	return 0;
}
