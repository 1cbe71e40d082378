/*
 * fuzz_json: json_storable (src/lib/json.c), differential. The verdict for
 * every input must equal that of an independent check that shares no code
 * and no reading of the rules with json.c:
 *
 *  - UTF-8: validated here from RFC 3629's table of well-formed byte
 *    sequences (not util.c's utf8_valid);
 *  - syntax: json-c's own tokener (another implementation of RFC 8259,
 *    by other authors) in strict mode, with its leniencies refused by
 *    explicit rules below, each found by this target: NaN and Infinity,
 *    'single-quoted' strings, numbers outside RFC 8259's grammar, raw
 *    control characters;
 *  - nesting: hookgate's own limit (JSON_MAX_DEPTH containers), counted
 *    here over the raw text;
 *  - storable: what PostgreSQL 15's jsonb input refuses, measured against
 *    a real server, not taken from json.c: \u0000, an unpaired surrogate,
 *    and a number whose value needs more than 131072 decimal digits
 *    before the point (counted from its first significant digit, so a
 *    zero is never too large), more than 16383 after it (the fraction's
 *    digits minus the exponent, trailing zeros included), or an exponent
 *    of INT_MAX / 2 or more in size.
 *
 * JSON_SYNTAX wins over JSON_UNSTORABLE, as json_storable documents.
 */
#include "config.h"

#include <limits.h>
#include <json-c/json.h>

#include "fuzz.h"
#include "lib/json.h"

/* RFC 3629 section 4: the well-formed UTF-8 byte sequences. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint8_t lo = 0x80, hi = 0xBF;
		size_t k;

		if (c <= 0x7F) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c == 0xE0)
			k = 2, lo = 0xA0;
		else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
			k = 2;
		else if (c == 0xED)
			k = 2, hi = 0x9F;
		else if (c == 0xF0)
			k = 3, lo = 0x90;
		else if (c >= 0xF1 && c <= 0xF3)
			k = 3;
		else if (c == 0xF4)
			k = 3, hi = 0x8F;
		else
			return false;
		if (n - i <= k)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return false;
		i += k + 1;
	}
	return true;
}

static bool ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* PostgreSQL's numeric input limits for one number token (RFC 8259 syntax checked). */
static bool number_fits_numeric(const uint8_t *s, size_t n)
{
	size_t i = 0, int_start, int_len, frac_start = 0, frac_len = 0;
	long long exp = 0, first = -1, weight, scale;
	bool neg = false;

	if (i < n && s[i] == '-')
		i++;
	int_start = i;
	while (i < n && digit(s[i]))
		i++;
	int_len = i - int_start;
	if (i < n && s[i] == '.') {
		frac_start = ++i;
		while (i < n && digit(s[i]))
			i++;
		frac_len = i - frac_start;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			neg = s[i++] == '-';
		for (; i < n; i++) {
			exp = exp * 10 + (s[i] - '0');
			if (exp >= INT_MAX / 2)
				return false;	/* PostgreSQL refuses such exponents outright */
		}
		if (neg)
			exp = -exp;
	}
	/* the position of the first significant digit, counted over int then frac digits */
	for (size_t k = 0; k < int_len + frac_len && first < 0; k++) {
		uint8_t d = k < int_len ? s[int_start + k] : s[frac_start + k - int_len];

		if (d != '0')
			first = (long long)k;
	}
	scale = (long long)frac_len - exp;
	if (scale < 0)
		scale = 0;
	if (scale > 16383)
		return false;
	if (first < 0)
		return true;			/* zero: no digit before the point */
	/* digits before the point: from the first significant one to the point, moved by exp */
	weight = (long long)int_len - first + exp;
	return weight <= 131072;
}

enum json_verdict oracle(const uint8_t *s, size_t n);
enum json_verdict oracle(const uint8_t *s, size_t n)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_verdict v = JSON_STORABLE;
	char *buf;
	size_t end, i, depth = 0, maxdepth = 0;
	bool ok;

	if (!utf8_ok(s, n))
		return JSON_SYNTAX;
	/* json-c reads a C string: a NUL anywhere is never JSON (raw, it is a control character) */
	if (memchr(s, '\0', n) || n > INT_MAX - 2)
		return JSON_SYNTAX;
	/* a trailing blank ends a top-level number for json-c and changes nothing for JSON */
	buf = malloc(n + 2);
	if (!buf)
		abort();
	memcpy(buf, s, n);
	buf[n] = ' ';
	buf[n + 1] = '\0';
	tok = json_tokener_new_ex(4 * JSON_MAX_DEPTH);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)n + 1);
	ok = obj != NULL || json_tokener_get_error(tok) == json_tokener_success;
	end = json_tokener_get_parse_end(tok);
	ok = ok && json_tokener_get_error(tok) == json_tokener_success;
	for (i = end; ok && i < n + 1; i++)
		ok = ws((uint8_t)buf[i]);
	json_object_put(obj);
	json_tokener_free(tok);
	free(buf);
	if (!ok)
		return JSON_SYNTAX;

	/* over the raw text: nesting, strings' escapes and numbers */
	for (i = 0; i < n;) {
		uint8_t c = s[i];

		if (c == '[' || c == '{') {
			if (++depth > maxdepth)
				maxdepth = depth;
			i++;
		} else if (c == ']' || c == '}') {
			depth--;
			i++;
		} else if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] < 0x20)
					return JSON_SYNTAX;	/* raw control character */
				if (s[i] != '\\')
					continue;
				i++;
				if (i < n && s[i] == 'u' && n - i > 4) {
					unsigned u = (unsigned)strtoul((char[]){ (char)s[i + 1], (char)s[i + 2],
						(char)s[i + 3], (char)s[i + 4], 0 }, NULL, 16);

					i += 4;
					if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
						v = JSON_UNSTORABLE;
					} else if (u >= 0xD800 && u <= 0xDBFF) {
						unsigned lo = 0;

						if (n - i > 6 && s[i + 1] == '\\' && s[i + 2] == 'u') {
							lo = (unsigned)strtoul((char[]){ (char)s[i + 3], (char)s[i + 4],
								(char)s[i + 5], (char)s[i + 6], 0 }, NULL, 16);
							i += 6;
						}
						if (lo < 0xDC00 || lo > 0xDFFF)
							v = JSON_UNSTORABLE;
					}
				}
			}
			i++;
		} else if (c == '-' || digit(c)) {
			size_t start = i;

			while (i < n && (digit(s[i]) || strchr("+-.eE", s[i])))
				i++;
			/* RFC 8259's number: json-c's strict mode lets a few through */
			{
				size_t k = start;

				if (s[k] == '-')
					k++;
				if (k >= i || !digit(s[k]) || (s[k] == '0' && k + 1 < i && digit(s[k + 1])))
					return JSON_SYNTAX;
				while (k < i && digit(s[k]))
					k++;
				if (k < i && s[k] == '.') {
					if (++k >= i || !digit(s[k]))
						return JSON_SYNTAX;
					while (k < i && digit(s[k]))
						k++;
				}
				if (k < i && (s[k] == 'e' || s[k] == 'E')) {
					k++;
					if (k < i && (s[k] == '+' || s[k] == '-'))
						k++;
					if (k >= i || !digit(s[k]))
						return JSON_SYNTAX;
					while (k < i && digit(s[k]))
						k++;
				}
				if (k != i)
					return JSON_SYNTAX;
			}
			if (!number_fits_numeric(s + start, i - start))
				v = JSON_UNSTORABLE;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			/* json-c's strict mode takes NaN and Infinity: RFC 8259 has three words */
			size_t start = i;

			while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
				i++;
			if (!((i - start == 4 && (!memcmp(s + start, "true", 4) || !memcmp(s + start, "null", 4))) ||
			      (i - start == 5 && !memcmp(s + start, "false", 5))))
				return JSON_SYNTAX;
		} else if (ws(c) || c == ',' || c == ':') {
			i++;
		} else {
			return JSON_SYNTAX;	/* json-c's strict mode takes 'single-quoted' strings */
		}
	}
	if (maxdepth > JSON_MAX_DEPTH)
		return JSON_SYNTAX;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum json_verdict got = json_storable(data, size), want = oracle(data, size);

	PROPERTY(got == want, "json_storable says %d, the independent check %d, for '%.*s'",
		 got, want, (int)(size > 200 ? 200 : size), (const char *)data);
	return 0;
}
