/*
 * json: a strict RFC 8259 reader that builds nothing: it says whether text
 * is one JSON value that PostgreSQL's jsonb can store. json-c parses what
 * passes; this check decides what is JSON, so the two never disagree on a
 * body that is stored.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"

struct reader {
	const unsigned char *p, *end;
	enum json_verdict verdict;	/* JSON_UNSTORABLE once seen; syntax errors stop at once */
	struct json_members *members;	/* the top-level object's members go here; NULL: nowhere */
};

/*
 * Keep the top-level member name[..name_end) : value[..value_end) in m;
 * once m[] is full, only where the members not kept start.
 */
static void keep_member(struct json_members *m, const unsigned char *name,
			const unsigned char *name_end, const unsigned char *value,
			const unsigned char *value_end)
{
	if (m->rest)
		return;
	if (m->n == JSON_MEMBERS_MAX) {
		m->rest = (size_t)((const char *)name - m->doc.text);
		return;
	}
	m->m[m->n].name = (struct json_span){ (const char *)name, (size_t)(name_end - name) };
	m->m[m->n].value = (struct json_span){ (const char *)value, (size_t)(value_end - value) };
	m->n++;
}

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

/* Bytes of a word that equal b (0x80 in each such byte; exact for "any"). */
#define BYTES(b) (UINT64_C(0x0101010101010101) * (b))
static uint64_t bytes_equal(uint64_t w, unsigned char b)
{
	uint64_t x = w ^ BYTES(b);

	return (x - BYTES(0x01)) & ~x & BYTES(0x80);
}

/*
 * Skip, eight bytes at a time, the bytes of a string that need no look:
 * none of them a quote, a backslash or a control character. r->p stops at
 * the word that holds one, or fewer than eight bytes before the end.
 */
static void skip_plain(struct reader *r)
{
	while (r->end - r->p >= 8) {
		uint64_t w;

		memcpy(&w, r->p, 8);
		/* a byte below 0x20 (exact for any, as bytes_equal), a '"', a '\\' */
		if (((w - BYTES(0x20)) & ~w & BYTES(0x80)) | bytes_equal(w, '"') | bytes_equal(w, '\\'))
			return;
		r->p += 8;
	}
}

static bool string(struct reader *r)
{
	if (r->p >= r->end || *r->p != '"')
		return fail(r);
	r->p++;
	skip_plain(r);
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
		skip_plain(r);			/* a long run may follow an escape too */
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
		const unsigned char *name = r->p, *name_end = NULL, *val;

		if (close == '}') {
			if (!string(r))
				return false;
			name_end = r->p;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return fail(r);
			r->p++;
			skip_ws(r);
		}
		val = r->p;
		if (!value(r, depth + 1))
			return false;
		if (close == '}' && depth == 0 && r->members)
			keep_member(r->members, name, name_end, val, r->p);
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

/* The members of an object text starting at its first non-blank byte (not read yet). */
static void members_start(const char *text, size_t len, struct json_members *out)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	out->doc = (struct json_span){ text, len };
	out->object = i < len && text[i] == '{';
	out->n = 0;
	out->rest = 0;
}

enum json_verdict json_storable(const unsigned char *text, size_t len)
{
	return json_storable_members(text, len, NULL);
}

enum json_verdict json_storable_members(const unsigned char *text, size_t len,
					struct json_members *out)
{
	struct reader r = { .p = text, .verdict = JSON_STORABLE, .members = out };

	/* NULL + 0 is undefined too (found by clang's UBSan): end only once text is known */
	if (!text || !utf8_valid(text, len))
		return JSON_SYNTAX;
	if (out)
		members_start((const char *)text, len, out);
	r.end = text + len;
	if (!value(&r, 0))
		return JSON_SYNTAX;
	skip_ws(&r);
	if (r.p != r.end)
		return JSON_SYNTAX;
	return r.verdict;
}

/* ---- reading a storable text: members and strings ---- */

/* Keep the members from the reader (at a member's name), as many as m[] holds. */
static void index_members(struct reader *r, struct json_members *out)
{
	skip_ws(r);
	while (!out->rest && r->p < r->end && *r->p == '"') {
		const unsigned char *name = r->p, *name_end, *val;

		if (!string(r))
			return;
		name_end = r->p;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return;
		r->p++;
		skip_ws(r);
		val = r->p;
		if (!value(r, 1))
			return;
		keep_member(out, name, name_end, val, r->p);
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_ws(r);
		}
	}
}

void json_members(const char *text, size_t len, struct json_members *out)
{
	struct reader r = { .p = (const unsigned char *)text, .end = (const unsigned char *)text + len };

	members_start(text, len, out);
	if (!out->object)
		return;
	skip_ws(&r);
	r.p++;
	index_members(&r, out);
}

bool json_member(const struct json_members *m, const char *key, struct json_span *value)
{
	struct json_members more;
	const struct json_members *part = m;
	size_t klen = strlen(key);
	bool found = false;

	if (!m->object)
		return false;
	for (;;) {
		for (size_t i = 0; i < part->n; i++) {
			if (json_string_equal(part->m[i].name, key, klen)) {
				*value = part->m[i].value;
				found = true;
			}
		}
		if (!part->rest)
			return found;
		/* an object larger than m[]: the next members, walked again */
		{
			struct reader r = { .p = (const unsigned char *)m->doc.text + part->rest,
					    .end = (const unsigned char *)m->doc.text + m->doc.len };

			more.doc = m->doc;
			more.object = true;
			more.n = 0;
			more.rest = 0;
			index_members(&r, &more);
			part = &more;
		}
	}
}

/*
 * The character written at *p in a string (an escape, or a byte as it
 * is) into out as UTF-8: its length in bytes; *p moves past it. Surrogate
 * pairs are joined (json_storable let no lone one through).
 */
static size_t string_char(const char **p, const char *end, char out[4])
{
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *e;
	long u;

	if (**p != '\\' || end - *p < 2) {
		out[0] = *(*p)++;
		return 1;
	}
	if ((*p)[1] != 'u' || end - *p < 6) {
		e = strchr(from, (*p)[1]);
		out[0] = e ? to[e - from] : (*p)[1];
		*p += 2;
		return 1;
	}
	u = hex4((const unsigned char *)*p + 2);
	*p += 6;
	if (u >= 0xD800 && u <= 0xDBFF && end - *p >= 6 && (*p)[0] == '\\' && (*p)[1] == 'u') {
		long lo = hex4((const unsigned char *)*p + 2);

		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			*p += 6;
		}
	}
	if (u < 0)
		u = 0xFFFD;
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xE0 | (u >> 12));
		out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		out[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (u >> 18));
	out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	out[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

static bool is_string(struct json_span v)
{
	return v.len >= 2 && v.text[0] == '"' && v.text[v.len - 1] == '"';
}

int json_string(struct json_span v, struct json_str *out)
{
	const char *p, *end;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (!is_string(v))
		return 0;
	p = v.text + 1;
	end = v.text + v.len - 1;
	if (!memchr(p, '\\', (size_t)(end - p))) {
		out->s = p;
		out->len = (size_t)(end - p);
		return 1;
	}
	/* decoded, never longer than written */
	out->owned = malloc((size_t)(end - p) + 1);
	if (!out->owned)
		return -ENOMEM;
	while (p < end)
		n += string_char(&p, end, out->owned + n);
	out->owned[n] = '\0';
	out->s = out->owned;
	out->len = n;
	return 1;
}

int json_member_string(const struct json_members *m, const char *key, struct json_str *out)
{
	struct json_span v;

	memset(out, 0, sizeof(*out));
	if (!json_member(m, key, &v))
		return 0;
	return json_string(v, out);
}

bool json_string_equal(struct json_span v, const char *s, size_t len)
{
	const char *p, *end;
	size_t o = 0;

	if (!is_string(v))
		return false;
	p = v.text + 1;
	end = v.text + v.len - 1;
	if (!memchr(p, '\\', (size_t)(end - p)))
		return (size_t)(end - p) == len && memcmp(p, s, len) == 0;
	while (p < end) {
		char c[4];
		size_t k = string_char(&p, end, c);

		if (len - o < k || memcmp(s + o, c, k) != 0)
			return false;
		o += k;
	}
	return o == len;
}

/* ---- integers beyond 64 bits, back from json-c ---- */

/* The number tokens of a JSON text, in document order. */
struct numbers {
	const char *p, *end;
	bool apply;		/* false: only check that the tree and the text line up */
};

/* The next number token of the text; false when there is none. */
static bool next_number(struct numbers *n, const char **tok, size_t *len)
{
	while (n->p < n->end) {
		char c = *n->p;

		if (c == '"') {
			/* a string (a key or a value): its digits are not numbers */
			for (n->p++; n->p < n->end && *n->p != '"'; n->p++)
				if (*n->p == '\\')
					n->p++;
			n->p++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			*tok = n->p;
			while (n->p < n->end && *n->p && strchr("+-.0123456789eE", *n->p))
				n->p++;
			*len = (size_t)(n->p - *tok);
			return true;
		}
		n->p++;
	}
	return false;
}

/*
 * Whether tok[0..len) is an integer literal beyond 64 bits that json-c
 * clamped to v (INT64_MIN, or INT64_MAX as json_object_get_int64 reads
 * both json-c's int64 and its uint64 clamp).
 */
static bool clamped(const char *tok, size_t len, struct json_object *v)
{
	char buf[32];

	for (size_t i = tok[0] == '-'; i < len; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return false;
	if (len < sizeof(buf)) {
		/* short enough to read: clamped only when out of range */
		memcpy(buf, tok, len);
		buf[len] = '\0';
		errno = 0;
		(void)strtoll(buf, NULL, 10);
		if (errno != ERANGE)
			return false;
	}
	return json_object_get_int64(v) == (tok[0] == '-' ? INT64_MIN : INT64_MAX);
}

/*
 * One number node of the tree against the next token: the same, or an
 * integer json-c clamped (then, when applying, *v becomes its digits).
 * False when they do not line up, or out of memory.
 */
static bool keep_number(struct numbers *n, struct json_object **v)
{
	const char *tok, *written;
	struct json_object *exact;
	char *digits;
	size_t len;

	if (!next_number(n, &tok, &len))
		return false;
	if (json_object_is_type(*v, json_type_double))
		return true;		/* json-c writes a double as the text it read */
	written = json_object_to_json_string_ext(*v, JSON_C_TO_STRING_PLAIN);
	if (written && strlen(written) == len && memcmp(written, tok, len) == 0)
		return true;
	if (!clamped(tok, len, *v))
		return len == 2 && memcmp(tok, "-0", 2) == 0;	/* json-c writes 0 */
	if (!n->apply)
		return true;
	digits = text_copy(tok, len);
	exact = digits ? json_object_new_double_s(0, digits) : NULL;
	free(digits);
	if (!exact)
		return false;
	*v = exact;
	return true;
}

/* Walk v in document order; a replaced member or element is put in place. */
static bool keep(struct numbers *n, struct json_object **v)
{
	switch (json_object_get_type(*v)) {
	case json_type_int:
	case json_type_double:
		return keep_number(n, v);
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(*v); i++) {
			struct json_object *e = json_object_array_get_idx(*v, i), *was = e;

			if (!keep(n, &e))
				return false;
			if (e != was && json_object_array_put_idx(*v, i, e) != 0) {
				json_object_put(e);
				return false;
			}
		}
		return true;
	case json_type_object: {
		json_object_object_foreach(*v, key, val) {
			struct json_object *m = val;

			if (!keep(n, &m))
				return false;
			/* replaces the value in place, keeping the member's position */
			if (m != val && json_object_object_add(*v, key, m) != 0) {
				json_object_put(m);
				return false;
			}
		}
		return true;
	}
	default:
		return true;
	}
}

bool json_keep_numbers(const char *text, size_t len, struct json_object **obj)
{
	struct numbers check = { .p = text, .end = text + len, .apply = false };
	struct numbers apply = { .p = text, .end = text + len, .apply = true };
	struct json_object *v = *obj;
	const char *tok;
	size_t n;

	/* first only check, so that a tree out of step with its text is left alone */
	if (!keep(&check, &v) || next_number(&check, &tok, &n))
		return true;
	if (!keep(&apply, &v))
		return false;
	if (v != *obj) {
		json_object_put(*obj);
		*obj = v;
	}
	return true;
}

/* ---- json_indent ---- */

/* A growing output buffer of json_indent. */
struct indent_out {
	char *buf;
	size_t len, cap;
};

static HG_MUSTCHECK bool indent_put(struct indent_out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *nb;

		while (o->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb)
			return false;
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return true;
}

/* A line break and two spaces per level. */
static HG_MUSTCHECK bool indent_line(struct indent_out *o, int depth)
{
	if (!indent_put(o, "\n", 1))
		return false;
	for (int i = 0; i < depth; i++)
		if (!indent_put(o, "  ", 2))
			return false;
	return true;
}

static size_t skip_blanks(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

char *json_indent(const char *text, size_t len, size_t *outlen)
{
	struct indent_out o = { NULL, 0, 0 };
	int depth = 0;
	size_t i = skip_blanks(text, 0, len);

	if (!indent_put(&o, "", 0))
		goto fail;
	while (i < len) {
		char c = text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i = skip_blanks(text, i, len);
			continue;
		}
		if (c == '"') {
			size_t j = i + 1;

			while (j < len && text[j] != '"')
				j += text[j] == '\\' ? 2 : 1;
			if (j >= len)
				j = len - 1;	/* not JSON after all: copy what is there */
			if (!indent_put(&o, text + i, j - i + 1))
				goto fail;
			i = j + 1;
			continue;
		}
		if (c == '{' || c == '[') {
			size_t j = skip_blanks(text, i + 1, len);

			if (j < len && text[j] == (c == '{' ? '}' : ']')) {
				if (!indent_put(&o, c == '{' ? "{}" : "[]", 2))
					goto fail;
				i = j + 1;
				continue;
			}
			depth++;
			if (!indent_put(&o, &c, 1) || !indent_line(&o, depth))
				goto fail;
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
			if (!indent_line(&o, depth) || !indent_put(&o, &c, 1))
				goto fail;
			i++;
			continue;
		}
		if (c == ',') {
			if (!indent_put(&o, ",", 1) || !indent_line(&o, depth))
				goto fail;
			i++;
			continue;
		}
		if (c == ':') {
			if (!indent_put(&o, ": ", 2))
				goto fail;
			i++;
			continue;
		}
		if (!indent_put(&o, &c, 1))
			goto fail;
		i++;
	}
	*outlen = o.len;
	return o.buf;
fail:
	free(o.buf);
	return NULL;
}
