/* fields: typed, validated members of a JSON request body, with 400 answers naming the member. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/fields.h"
#include "lib/util.h"

/* Send 400 with a formatted message; always false, for `return bad(...)`. */
static __attribute__((format(printf, 2, 3)))
bool bad(struct hg_request *r, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_bad_request(r, msg);
	return false;
}

bool field_known(struct hg_request *r, struct json_object *body, const char *const *allowed)
{
	json_object_object_foreach(body, key, val) {
		bool known = false;

		(void)val;
		for (size_t i = 0; allowed[i] && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
			return bad(r, "unknown member '%.64s'", key);
	}
	return true;
}

/*
 * Find body[key]: *v is the value, of json type type, when *state is
 * FIELD_VALUE. what says what a value must be, for the 400 when the member
 * is required, null or of another type.
 */
static bool lookup(struct hg_request *r, struct json_object *body, const char *key,
		   unsigned flags, const char *what, enum json_type type,
		   enum field_state *state, struct json_object **v)
{
	*v = NULL;
	*state = FIELD_ABSENT;
	if (!json_object_object_get_ex(body, key, v)) {
		if (flags & FIELD_REQUIRED)
			return bad(r, "%s is required", key);
		return true;
	}
	if (*v == NULL) {
		if (flags & FIELD_NULLABLE) {
			*state = FIELD_NULL;
			return true;
		}
		return bad(r, "%s must be %s", key, what);
	}
	*state = FIELD_VALUE;
	if (!json_object_is_type(*v, type))
		return bad(r, "%s must be %s", key, what);
	return true;
}

size_t field_chars(const char *s, size_t len)
{
	return utf8_chars((const unsigned char *)s, len);
}

bool field_text(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, size_t max_chars, enum field_state *state, const char **out)
{
	const char *what = (flags & FIELD_NONBLANK) ?
		((flags & FIELD_NULLABLE) ? "a non-empty string or null" : "a non-empty string") :
		((flags & FIELD_NULLABLE) ? "a string or null" : "a string");
	struct json_object *v;
	const char *s;
	size_t len;

	*out = NULL;
	if (!lookup(r, body, key, flags, what, json_type_string, state, &v))
		return false;
	if (*state != FIELD_VALUE)
		return true;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', len) || !utf8_valid((const unsigned char *)s, len))
		return bad(r, "%s must be valid UTF-8 without NUL characters", key);
	if ((flags & FIELD_NONBLANK) && strspn(s, " \t\r\n\v\f") == len)
		return bad(r, "%s must be %s", key, what);
	if (field_chars(s, len) > max_chars)
		return bad(r, "%s must be at most %zu characters", key, max_chars);
	*out = s;
	return true;
}

bool field_choice(struct hg_request *r, struct json_object *body, const char *key,
		  unsigned flags, const char *const *choices, enum field_state *state,
		  const char **out)
{
	char what[256] = "one of ";
	struct json_object *v;
	const char *s;

	*out = NULL;
	for (size_t i = 0; choices[i]; i++) {
		size_t used = strlen(what);
		snprintf(what + used, sizeof(what) - used, "%s%s", i ? ", " : "", choices[i]);
	}
	if (flags & FIELD_NULLABLE) {
		size_t used = strlen(what);
		snprintf(what + used, sizeof(what) - used, " or null");
	}
	if (!lookup(r, body, key, flags, what, json_type_string, state, &v))
		return false;
	if (*state != FIELD_VALUE)
		return true;
	s = json_object_get_string(v);
	for (size_t i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0 && strlen(s) == (size_t)json_object_get_string_len(v)) {
			*out = choices[i];
			return true;
		}
	}
	return bad(r, "%s must be %s", key, what);
}

bool field_bool(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, enum field_state *state, bool *out)
{
	const char *what = (flags & FIELD_NULLABLE) ? "true, false or null" : "true or false";
	struct json_object *v;

	*out = false;
	if (!lookup(r, body, key, flags, what, json_type_boolean, state, &v))
		return false;
	if (*state == FIELD_VALUE)
		*out = json_object_get_boolean(v);
	return true;
}

bool field_uuid(struct hg_request *r, struct json_object *body, const char *key,
		unsigned flags, enum field_state *state, const char **out)
{
	const char *what = (flags & FIELD_NULLABLE) ? "a UUID or null" : "a UUID";
	struct json_object *v;

	*out = NULL;
	if (!lookup(r, body, key, flags, what, json_type_string, state, &v))
		return false;
	if (*state != FIELD_VALUE)
		return true;
	if (!uuid_valid(json_object_get_string(v)) ||
	    (size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
		return bad(r, "%s must be %s", key, what);
	*out = json_object_get_string(v);
	return true;
}

bool field_strings(struct hg_request *r, struct json_object *body, const char *key,
		   unsigned flags, size_t max_items, size_t max_chars, enum field_state *state,
		   const char **out)
{
	char what[96];
	struct json_object *v;
	size_t n;

	out[0] = NULL;
	snprintf(what, sizeof(what), "a list of 1 to %zu strings%s", max_items,
		 (flags & FIELD_NULLABLE) ? " or null" : "");
	if (!lookup(r, body, key, flags, what, json_type_array, state, &v))
		return false;
	if (*state != FIELD_VALUE)
		return true;
	n = json_object_array_length(v);
	if (n < 1 || n > max_items)
		return bad(r, "%s must be %s", key, what);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;
		size_t len;

		if (!json_object_is_type(e, json_type_string))
			return bad(r, "%s must be %s", key, what);
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		if (memchr(s, '\0', len) || !utf8_valid((const unsigned char *)s, len))
			return bad(r, "%s must hold valid UTF-8 without NUL characters", key);
		if (field_chars(s, len) > max_chars)
			return bad(r, "%s must hold strings of at most %zu characters", key, max_chars);
		out[i] = s;
	}
	out[n] = NULL;
	return true;
}

bool field_int(struct hg_request *r, struct json_object *body, const char *key,
	       unsigned flags, long min, long max, enum field_state *state, long *out)
{
	char what[96];
	struct json_object *v;
	int64_t n;

	*out = 0;
	snprintf(what, sizeof(what), "a whole number from %ld to %ld%s", min, max,
		 (flags & FIELD_NULLABLE) ? " or null" : "");
	if (!lookup(r, body, key, flags, what, json_type_int, state, &v))
		return false;
	if (*state != FIELD_VALUE)
		return true;
	errno = 0;
	n = json_object_get_int64(v);
	if (errno != 0 || n < min || n > max)
		return bad(r, "%s must be %s", key, what);
	*out = (long)n;
	return true;
}
