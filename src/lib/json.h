/* json: whether client JSON text is strict RFC 8259 and storable as PostgreSQL jsonb. */
#ifndef HG_JSON_H
#define HG_JSON_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "lib/common.h"

/* Nesting deeper than this (arrays and objects) is refused. */
#define JSON_MAX_DEPTH 64

/*
 * PostgreSQL's numeric, which jsonb keeps numbers as, holds at most this
 * many digits before the decimal point and this many after it, and takes
 * no exponent of this size or more (of either sign), even for a zero.
 */
#define JSON_NUMERIC_MAX_BEFORE 131072
#define JSON_NUMERIC_MAX_AFTER 16383
#define JSON_NUMERIC_MAX_EXPONENT (INT_MAX / 2)

enum json_verdict {
	JSON_STORABLE = 0,
	JSON_SYNTAX,		/* not RFC 8259 (or not UTF-8, or nested too deep) */
	JSON_UNSTORABLE,	/* valid JSON that jsonb refuses: \u0000, a lone surrogate, a number numeric cannot hold */
};

/*
 * The one check of every piece of client JSON that hookgate stores
 * (ingress bodies, run results, event filters, any API body): text[0..len)
 * must be exactly one JSON value (RFC 8259, strictly: no single quotes, no
 * raw control characters in strings, no leading zeros, no NaN or Infinity,
 * nothing but white space around it), valid UTF-8, and storable as jsonb.
 * A leading byte-order mark is not skipped here.
 */
enum json_verdict json_storable(const unsigned char *text, size_t len) HG_MUSTCHECK;

/*
 * Whether a JSON number's text (RFC 8259 syntax already checked) fits
 * PostgreSQL's numeric, as its input function reads it: digits before
 * the point, from the first significant one and moved by the exponent, at
 * most JSON_NUMERIC_MAX_BEFORE (none for a zero); the fraction's digits
 * minus the exponent (its display scale, trailing zeros included) at most
 * JSON_NUMERIC_MAX_AFTER; an exponent below JSON_NUMERIC_MAX_EXPONENT.
 */
bool json_number_storable(const char *text, size_t len);

/* A span of JSON text: one value as written, in a text json_storable accepted. */
struct json_span {
	const char *text;
	size_t len;
};

/* Members json_members keeps; the members of a larger object after them are walked again. */
#define JSON_MEMBERS_MAX 32

/*
 * The top-level members of a JSON text, found in one walk (json_members)
 * so that several lookups (json_member) cost one pass over it: what reads
 * a webhook's body (its event, dedupe key, handshake, filters) reads its
 * text this way, without building it.
 */
struct json_members {
	struct json_span doc;		/* the whole text */
	bool object;			/* doc is an object: else nothing is its member */
	size_t n;			/* the first members, in m[] */
	size_t rest;			/* where in doc the members after m[] start; 0: none */
	struct {
		struct json_span name;	/* as written, quotes included */
		struct json_span value;
	} m[JSON_MEMBERS_MAX];
};

/*
 * Index the top-level members of text[0..len), one JSON value that
 * json_storable accepted (not checked again here).
 */
void json_members(const char *text, size_t len, struct json_members *out);

/*
 * json_storable, and in the same walk json_members: *out holds the
 * top-level members of text when the verdict is JSON_STORABLE.
 */
enum json_verdict json_storable_members(const unsigned char *text, size_t len,
					struct json_members *out) HG_MUSTCHECK;

/*
 * The value of member key (escapes in member names decoded before
 * comparing); when key is given several times the last counts, as for
 * json-c and jsonb. False when there is no such member (or doc is not an
 * object).
 */
bool json_member(const struct json_members *m, const char *key, struct json_span *value)
	HG_MUSTCHECK;

/* A JSON string's characters: into the text when written without an escape, else decoded. */
struct json_str {
	const char *s;			/* len bytes, not NUL-terminated when into the text */
	size_t len;
	char *owned;			/* malloc'd and NUL-terminated when decoded; free() it */
};

/*
 * The characters of v when it is a string (a span of a text json_storable
 * accepted): 1 with *out filled, 0 (*out empty) when v is not a string,
 * -ENOMEM when decoding it failed for want of memory.
 */
int json_string(struct json_span v, struct json_str *out) HG_MUSTCHECK;

/* json_member and json_string of its value: 1, 0 (no such member, or not a string), -ENOMEM. */
int json_member_string(const struct json_members *m, const char *key, struct json_str *out)
	HG_MUSTCHECK;

/* Whether v is a string whose characters are s[0..len), decoded as it is compared. */
bool json_string_equal(struct json_span v, const char *s, size_t len);

/*
 * json-c clamps an integer beyond 64 bits when it parses it (and writes
 * the clamped value back); jsonb keeps it exact (SPEC 3.3). Give every
 * such integer of *obj, parsed by json-c from text[0..len) (one JSON
 * value), its own digits back: it becomes a json-c double that writes
 * them as they were. *obj itself is replaced when it is such an integer.
 * When obj and text do not line up number for number (duplicate keys),
 * nothing is changed. False only when out of memory.
 */
bool json_keep_numbers(const char *text, size_t len, struct json_object **obj) HG_MUSTCHECK;

/*
 * text[0..len), one JSON value (json_storable found no syntax error), laid
 * out for people: one member or element a line, two spaces a level, ": "
 * after names; every token as it was written (numbers, escapes and
 * duplicate names are not re-encoded). malloc'd and NUL-terminated, its
 * length in *outlen; NULL when out of memory.
 */
char *json_indent(const char *text, size_t len, size_t *outlen);

#endif
