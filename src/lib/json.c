/*
 * json: a strict RFC 8259 reader that builds nothing: it says whether text
 * is one JSON value that PostgreSQL's jsonb can store. json-c parses what
 * passes; this check decides what is JSON, so the two never disagree on a
 * body that is stored.
 */
#include "config.h"

#include <string.h>

#include "lib/json.h"
#include "lib/util.h"

struct reader {
	const unsigned char *p, *end;
	enum json_verdict verdict;	/* JSON_UNSTORABLE once seen; syntax errors stop at once */
};

static bool fail(struct reader *r)
{
	r->verdict = JSON_SYNTAX;
	return false;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r);
	r->p += n;
	return true;
}

static bool is_digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Four hex digits at p (p + 4 <= end checked by the caller) as a code unit, or -1. */
static long hex4(const unsigned char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A \uXXXX escape at r->p (just after the backslash and 'u'); surrogates must pair. */
static bool unicode_escape(struct reader *r)
{
	long u;

	if (r->end - r->p < 4 || (u = hex4(r->p)) < 0)
		return fail(r);
	r->p += 4;
	if (u == 0)
		r->verdict = JSON_UNSTORABLE;		/* jsonb has no NUL in text */
	if (u >= 0xDC00 && u <= 0xDFFF)
		r->verdict = JSON_UNSTORABLE;		/* a low surrogate alone */
	if (u >= 0xD800 && u <= 0xDBFF) {
		long lo;

		if (r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' &&
		    (lo = hex4(r->p + 2)) >= 0) {
			r->p += 6;
			if (lo < 0xDC00 || lo > 0xDFFF)
				r->verdict = JSON_UNSTORABLE;
		} else if (r->end - r->p >= 2 && r->p[0] == '\\' && r->p[1] == 'u') {
			return fail(r);			/* \u followed by bad hex */
		} else {
			r->verdict = JSON_UNSTORABLE;	/* a high surrogate alone */
		}
	}
	return true;
}

static bool string(struct reader *r)
{
	if (r->p >= r->end || *r->p != '"')
		return fail(r);
	r->p++;
	while (r->p < r->end) {
		unsigned char c = *r->p;

		if (c == '"') {
			r->p++;
			return true;
		}
		if (c < 0x20)
			return fail(r);			/* raw control characters, NUL included */
		if (c != '\\') {
			r->p++;
			continue;
		}
		if (r->end - r->p < 2)
			return fail(r);
		c = r->p[1];
		r->p += 2;
		if (c == 'u') {
			if (!unicode_escape(r))
				return false;
		} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
			return fail(r);
		}
	}
	return fail(r);
}

bool json_number_storable(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	long intdigits = 0, fracdigits = 0, exp = 0, lead = -1, pos = 0;
	bool negexp = false;

	if (p < end && *p == '-')
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++, pos++, intdigits++)
		if (lead < 0 && *p != '0')
			lead = pos;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, pos++, fracdigits++)
			if (lead < 0 && *p != '0')
				lead = pos;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			negexp = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			exp = exp * 10 + (*p - '0');
			if (exp >= JSON_NUMERIC_MAX_EXPONENT)
				return false;		/* numeric refuses it whatever the digits */
		}
	}
	if (negexp)
		exp = -exp;
	/* digits after the point: the fraction's, trailing zeros too, moved by the exponent */
	if (fracdigits - exp > JSON_NUMERIC_MAX_AFTER)
		return false;
	/* before it: from the first significant digit on, so that a zero is never too large */
	return lead < 0 || intdigits - lead + exp <= JSON_NUMERIC_MAX_BEFORE;
}

static bool number(struct reader *r)
{
	const unsigned char *start = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (!is_digit(r->p, r->end))
		return fail(r);
	if (*r->p == '0')
		r->p++;					/* no leading zeros: "00", "-05" stop here */
	else
		while (is_digit(r->p, r->end))
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!is_digit(r->p, r->end))
			return fail(r);
		while (is_digit(r->p, r->end))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!is_digit(r->p, r->end))
			return fail(r);
		while (is_digit(r->p, r->end))
			r->p++;
	}
	if (!json_number_storable((const char *)start, (size_t)(r->p - start)))
		r->verdict = JSON_UNSTORABLE;
	return true;
}

static bool value(struct reader *r, int depth);

/* The members or elements of an object (close '}') or an array (close ']'). */
static bool container(struct reader *r, int depth, unsigned char close)
{
	if (depth >= JSON_MAX_DEPTH)
		return fail(r);
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (!string(r))
				return false;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return fail(r);
			r->p++;
		}
		if (!value(r, depth + 1))
			return false;
		skip_ws(r);
		if (r->p >= r->end)
			return fail(r);
		if (*r->p == close) {
			r->p++;
			return true;
		}
		if (*r->p != ',')
			return fail(r);
		r->p++;
		skip_ws(r);
	}
}

static bool value(struct reader *r, int depth)
{
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r);
	switch (*r->p) {
	case '{':
		return container(r, depth, '}');
	case '[':
		return container(r, depth, ']');
	case '"':
		return string(r);
	case 't':
		return literal(r, "true");
	case 'f':
		return literal(r, "false");
	case 'n':
		return literal(r, "null");
	default:
		return number(r);
	}
}

enum json_verdict json_storable(const unsigned char *text, size_t len)
{
	struct reader r = { .p = text, .verdict = JSON_STORABLE };

	/* NULL + 0 is undefined too (found by clang's UBSan): end only once text is known */
	if (!text || !utf8_valid(text, len))
		return JSON_SYNTAX;
	r.end = text + len;
	if (!value(&r, 0))
		return JSON_SYNTAX;
	skip_ws(&r);
	if (r.p != r.end)
		return JSON_SYNTAX;
	return r.verdict;
}

/*
 * Decode the member name the reader stands on (a string already checked)
 * into out, NUL-terminated; false when it does not fit (it then matches
 * no key we look for). The reader ends after the closing quote.
 */
static bool member_name(struct reader *r, char *out, size_t outlen)
{
	size_t n = 0;
	bool fits = true;

	r->p++;					/* the opening quote */
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = *r->p;
		char buf[4];
		size_t k = 1;

		buf[0] = (char)c;
		if (c == '\\' && r->end - r->p >= 2) {
			unsigned char e = r->p[1];
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";

			if (e == 'u' && r->end - r->p >= 6) {
				long u = hex4(r->p + 2);

				/* only what a name we look for can hold: ASCII */
				if (u < 0 || u >= 0x80)
					fits = false;
				buf[0] = (char)u;
				r->p += 6;
			} else {
				buf[0] = strchr(from, e) ? to[strchr(from, e) - from] : (char)e;
				r->p += 2;
			}
		} else {
			r->p++;
		}
		if (n + k >= outlen)
			fits = false;
		else
			out[n++] = buf[0];
	}
	r->p++;					/* the closing quote */
	out[n] = '\0';
	return fits;
}

bool json_member_span(const unsigned char *text, size_t len, const char *key,
		      size_t *off, size_t *vlen)
{
	struct reader r = { .p = text, .end = text + len, .verdict = JSON_STORABLE };
	bool found = false;
	char name[64];

	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return false;
	r.p++;
	skip_ws(&r);
	while (r.p < r.end && *r.p == '"') {
		const unsigned char *start;
		bool match = member_name(&r, name, sizeof(name)) && strcmp(name, key) == 0;

		skip_ws(&r);
		if (r.p >= r.end || *r.p != ':')
			return false;
		r.p++;
		skip_ws(&r);
		start = r.p;
		if (!value(&r, 1))
			return false;
		if (match) {
			found = true;
			*off = (size_t)(start - text);
			*vlen = (size_t)(r.p - start);
		}
		skip_ws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			skip_ws(&r);
		}
	}
	return found;
}
