/* fields: typed, validated members of a JSON request body, with 400 answers naming the member. */
#ifndef HG_FIELDS_H
#define HG_FIELDS_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "http/request.h"


/* What a request gave for a member. */
enum field_state {
	FIELD_ABSENT,
	FIELD_NULL,		/* present as JSON null (only with FIELD_NULLABLE) */
	FIELD_VALUE,
};

/* Flags of the field_* readers. */
#define FIELD_REQUIRED	0x1	/* absent (or null, unless nullable) is a 400 */
#define FIELD_NULLABLE	0x2	/* JSON null is allowed: FIELD_NULL */
#define FIELD_NONBLANK	0x4	/* text: at least one non-whitespace character */

/*
 * Every member of body must be named in allowed (NULL-terminated); else a
 * 400 {"error":"unknown member 'x'"} has been sent and false is returned.
 */
bool field_known(struct hg_request *r, struct json_object *body,
		 const char *const *allowed) HG_MUSTCHECK;

/*
 * body[key] as text: a string of valid UTF-8 without NUL characters and of
 * at most max_chars characters (code points). *out points into body (NULL
 * unless FIELD_VALUE). False after a 400 naming the member.
 */
bool field_text(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, size_t max_chars, enum field_state *state,
		const char **out) HG_MUSTCHECK;

/* body[key] as one of choices (NULL-terminated); *out is the matching choice. */
bool field_choice(struct hg_request *r, struct json_object *body, const char *key,
		  unsigned flags, const char *const *choices, enum field_state *state,
		  const char **out) HG_MUSTCHECK;

/* body[key] as a boolean. */
bool field_bool(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, enum field_state *state, bool *out) HG_MUSTCHECK;

/* body[key] as a UUID string (*out points into body). */
bool field_uuid(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, enum field_state *state, const char **out) HG_MUSTCHECK;

/*
 * body[key] as a list of 1 to max_items strings, each valid UTF-8 without
 * NUL and at most max_chars characters: out (max_items + 1 entries) gets
 * them, pointing into body, NULL-terminated (only the NULL unless
 * FIELD_VALUE).
 */
bool field_strings(struct hg_request *r, struct json_object *body, const char *key,
		   unsigned flags, size_t max_items, size_t max_chars, enum field_state *state,
		   const char **out) HG_MUSTCHECK;

/* body[key] as a whole number from min to max (a JSON integer). */
bool field_int(struct hg_request *r, struct json_object *body, const char *key,
	       unsigned flags, long min, long max, enum field_state *state,
	       long *out) HG_MUSTCHECK;

/* The number of characters (UTF-8 code points) of s[0..len). */
size_t field_chars(const char *s, size_t len);

#endif
