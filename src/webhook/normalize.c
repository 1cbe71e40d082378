/* normalize: parse a webhook body (JSON or form), infer its event and build the run's trigger_payload (SPEC 3.3, 7). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/normalize.h"
#include "lib/json.h"
#include "lib/util.h"

/* Nesting limit for bodies; deeper documents are refused as invalid JSON. */

/* json_tokener_get_parse_end arrived in json-c 0.15; configure accepts 0.13. */
#if JSON_C_VERSION_NUM < ((0 << 16) | (15 << 8))
#define json_tokener_get_parse_end(tok) ((size_t)(tok)->char_offset)
#endif

static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

const char *norm_error(enum norm_result r)
{
	switch (r) {
	case NORM_OK:
		return "ok";
	case NORM_EMPTY:
		return "empty body";
	case NORM_INVALID_JSON:
		return "invalid JSON";
	case NORM_NOT_CONTAINER:
		return "body is not a JSON object or array";
	case NORM_INVALID_FORM:
		return "invalid form body";
	}
	return "invalid JSON";
}

static bool json_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* body[0..len) without a leading byte-order mark and the blanks around it, into *t. */
static void json_trim(const unsigned char *body, size_t len, struct json_text *t)
{
	size_t start = 0;

	memset(t, 0, sizeof(*t));
	if (len >= sizeof(bom) && memcmp(body, bom, sizeof(bom)) == 0)
		start = sizeof(bom);
	while (start < len && json_blank(body[start]))
		start++;
	while (len > start && json_blank(body[len - 1]))
		len--;
	t->text = (const char *)body + start;
	t->len = len - start;
}

/*
 * The JSON text of body[0..len) (SPEC 3.1 step 7), the one reading of what a
 * JSON body is: a leading byte-order mark and blanks around it dropped,
 * strict RFC 8259 and storable as jsonb (json_storable decides), one
 * object or array. Into *t (into body) when NORM_OK, with its top-level
 * members in *m (found in the same walk).
 */
static enum norm_result json_body(const unsigned char *body, size_t len, struct json_text *t,
				  struct json_members *m)
{
	json_trim(body, len, t);
	if (t->len == 0)
		return NORM_EMPTY;
	if (t->len > INT_MAX - 1 ||
	    json_storable_members((const unsigned char *)t->text, t->len, m) != JSON_STORABLE)
		return NORM_INVALID_JSON;
	if (t->text[0] != '{' && t->text[0] != '[')
		return NORM_NOT_CONTAINER;
	return NORM_OK;
}

enum norm_result body_parse(const unsigned char *body, size_t len, struct json_object **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	struct json_members m;
	struct json_text t;
	enum norm_result r;

	*out = NULL;
	if ((r = json_body(body, len, &t, &m)) != NORM_OK)
		return r;
	/* json_body decided; json-c only builds what passed */
	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (!tok)
		return NORM_INVALID_JSON;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, t.text, (int)t.len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != t.len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	*out = obj;
	return obj ? NORM_OK : NORM_INVALID_JSON;
}

/* prefix + value[0..len) + ("." + suffix when there is one), malloc'd. */
static char *event_name(const char *prefix, const char *value, size_t len, const struct json_str *suffix)
{
	char *s = NULL;

	if (len > INT_MAX || suffix->len > INT_MAX)
		return NULL;
	if (asprintf(&s, "%s%.*s%s%.*s", prefix, (int)len, value, suffix->len ? "." : "",
		     (int)suffix->len, suffix->s ? suffix->s : "") < 0)
		return NULL;
	return s;
}

/* A copy of s, NUL-terminated (its owned part released); NULL when out of memory. */
static char *str_take(struct json_str *s)
{
	char *copy = s->owned ? s->owned : text_copy(s->s, s->len);

	s->owned = NULL;
	return copy;
}

/* json_member_string, a non-empty string only: 1, 0, -ENOMEM. */
static int member_text(const struct json_members *body, const char *key, struct json_str *out)
{
	int rc = json_member_string(body, key, out);

	if (rc > 0 && out->len == 0)
		return 0;
	return rc;
}

char *event_infer(const struct json_members *body, const struct hg_hdrs *h,
		  struct json_span *payload_out)
{
	static const char *const body_rules[] = { "event", "type", "action" };
	static const struct json_members no_body;
	const struct json_str no_suffix = { .s = NULL };
	struct json_str v = { .s = NULL }, action = { .s = NULL };
	const char *hv;
	char *e = NULL;
	size_t len;
	int rc;

	if (!body)
		body = &no_body;
	*payload_out = body->doc;
	if ((rc = member_text(body, "event", &v)) != 0) {
		struct json_span p;

		if (rc < 0)
			return NULL;
		/* may be the text null: a JSON null payload */
		if (json_member(body, "eventPayload", &p))
			*payload_out = p;
		return str_take(&v);
	}
	if ((hv = hdrs_get_span(h, "X-GitHub-Event", &len))) {
		if (member_text(body, "action", &action) < 0)
			return NULL;
		e = event_name("github.", hv, len, &action);
		free(action.owned);
		return e;
	}
	if ((hv = hdrs_get_span(h, "X-Gitlab-Event", &len)))
		return event_name("gitlab.", hv, len, &no_suffix);
	if ((hv = hdrs_get_span(h, "X-Event-Type", &len)))
		return event_name("", hv, len, &no_suffix);
	/* body "event" cannot be a non-empty string here (handled above); kept for the rule's order. */
	for (size_t i = 0; i < HG_ARRAY_LEN(body_rules); i++)
		if ((rc = member_text(body, body_rules[i], &v)) != 0)
			return rc < 0 ? NULL : str_take(&v);
	return strdup("webhook.received");
}

/*
 * out receives the media type, or "" when there is none (no header, only
 * parameters, or longer than outlen - 1); out is returned either way so
 * callers may test *media_type(...). NULL only when out cannot hold "".
 */
const char *media_type(const char *content_type, char *out, size_t outlen)
{
	size_t n;

	if (!out || outlen == 0)
		return NULL;
	out[0] = '\0';
	if (!content_type)
		return out;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		return out;
	for (size_t i = 0; i < n; i++) {
		char c = content_type[i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return out;
}

/* Add val (owned) under key; on failure val is released and false returned. */
static bool add_owned(struct json_object *obj, const char *key, struct json_object *val)
{
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return false;
	}
	return true;
}

/*
 * A media type longer than this (RFC 6838 allows 127 + 1 + 127) or an empty
 * one is left out of the envelope, like a missing Content-Type.
 */
#define MEDIA_TYPE_MAX 256

struct json_object *envelope_build(const char *event, struct json_object *payload,
				   const char *content_type, const char *received_at)
{
	struct json_object *env = NULL, *req = NULL, *s;
	char *mt;

	if (!event || !received_at)
		return NULL;
	env = json_object_new_object();
	req = json_object_new_object();
	if (!env || !req)
		goto fail;
	if (!(s = json_object_new_string(event)) || !add_owned(env, "event", s))
		goto fail;
	/* payload NULL is JSON null; a non-NULL payload gains a reference here. */
	if (!add_owned(env, "eventPayload", json_object_get(payload)))
		goto fail;
	if (!(s = json_object_new_string(received_at)) || !add_owned(req, "receivedAt", s))
		goto fail;
	/* header bytes need not be UTF-8 (found by tests/fuzz/fuzz_body): as envelope_text has them */
	if ((mt = media_type_text(content_type))) {
		s = json_object_new_string(mt);
		free(mt);
		if (!s || !add_owned(req, "contentType", s))
			goto fail;
	}
	if (!add_owned(env, "request", req)) {
		req = NULL;
		goto fail;
	}
	return env;
fail:
	json_object_put(req);
	json_object_put(env);
	return NULL;
}

/* ---- application/x-www-form-urlencoded bodies (SPEC 7) ---- */

#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

/*
 * Percent-decode s[0..len), '+' being a space, into a new NUL-terminated
 * buffer (the caller frees it) of *outlen bytes. NULL on a bad escape, a
 * NUL byte (jsonb cannot hold one), invalid UTF-8, or out of memory.
 */
static char *form_decode(const unsigned char *s, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (len - i < 3 || !hex_decode((const char *)s + i + 1, 2, &c, 1))
				goto fail;
			i += 2;
		}
		if (c == '\0')
			goto fail;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (!utf8_valid((const unsigned char *)out, n))
		goto fail;
	*outlen = n;
	return out;
fail:
	free(out);
	return NULL;
}

/*
 * Add the string val (vlen bytes) under key; a key seen before turns into
 * an array of its values in order.
 */
static bool form_add(struct json_object *obj, const char *key, const char *val, size_t vlen)
{
	struct json_object *old, *arr, *v;

	if (vlen > INT_MAX || !(v = json_object_new_string_len(val, (int)vlen)))
		return false;
	if (!json_object_object_get_ex(obj, key, &old))
		return add_owned(obj, key, v);
	if (json_object_is_type(old, json_type_array)) {
		if (json_object_array_add(old, v) != 0) {
			json_object_put(v);
			return false;
		}
		return true;
	}
	arr = json_object_new_array();
	if (!arr) {
		json_object_put(v);
		return false;
	}
	/* arr takes a reference to old; replacing the member drops obj's. */
	if (json_object_array_add(arr, json_object_get(old)) != 0) {
		json_object_put(old);
		json_object_put(v);
		json_object_put(arr);
		return false;
	}
	if (json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		json_object_put(arr);
		return false;
	}
	return add_owned(obj, key, arr);
}

/* Decode one field s[0..len) ("key=value" or "key") into obj. */
static bool form_field(struct json_object *obj, const unsigned char *s, size_t len)
{
	const unsigned char *eq = memchr(s, '=', len);
	size_t klen = eq ? (size_t)(eq - s) : len, vlen = 0, n;
	char *key = form_decode(s, klen, &n), *val = NULL;
	bool ok = false;

	if (!key)
		goto fail;
	val = eq ? form_decode(eq + 1, len - klen - 1, &vlen) : form_decode(s, 0, &vlen);
	if (!val)
		goto fail;
	ok = form_add(obj, key, val, vlen);
fail:
	free(val);
	free(key);
	return ok;
}

/*
 * An out-of-memory failure is NORM_INVALID_FORM too, as body_parse's is
 * NORM_INVALID_JSON. *payload (may be NULL) receives a copy of the
 * "payload" field's text when that is what *out was parsed from.
 */
static enum norm_result form_parse(const unsigned char *body, size_t len, struct json_object **out,
				   char **payload)
{
	struct json_object *obj = NULL, *inner = NULL, *p;
	size_t i = 0;

	*out = NULL;
	while (i < len && json_blank(body[i]))
		i++;
	if (i == len)
		return NORM_EMPTY;
	if (len > INT_MAX - 1 || !(obj = json_object_new_object()))
		return NORM_INVALID_FORM;
	for (i = 0; i < len;) {
		const unsigned char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;

		if (end > i && !form_field(obj, body + i, end - i))
			goto fail;
		i = end + 1;
	}
	if (json_object_object_get_ex(obj, "payload", &p) && json_object_is_type(p, json_type_string) &&
	    body_parse((const unsigned char *)json_object_get_string(p),
		       (size_t)json_object_get_string_len(p), &inner) == NORM_OK) {
		if (payload && !(*payload = strdup(json_object_get_string(p)))) {
			json_object_put(inner);
			goto fail;
		}
		json_object_put(obj);
		obj = inner;
	}
	*out = obj;
	return NORM_OK;
fail:
	json_object_put(obj);
	return NORM_INVALID_FORM;
}

enum norm_result body_parse_typed(const unsigned char *body, size_t len, const char *content_type,
				  struct json_object **out)
{
	char mt[MEDIA_TYPE_MAX];

	if (strcmp(media_type(content_type, mt, sizeof(mt)), FORM_MEDIA_TYPE) == 0)
		return form_parse(body, len, out, NULL);
	return body_parse(body, len, out);
}

enum norm_result body_text(const unsigned char *body, size_t len, const char *content_type,
			   struct json_text *text, struct json_members *members)
{
	char mt[MEDIA_TYPE_MAX];
	struct json_object *fields = NULL;
	struct json_text t;
	enum norm_result r;

	memset(text, 0, sizeof(*text));
	if (strcmp(media_type(content_type, mt, sizeof(mt)), FORM_MEDIA_TYPE) != 0)
		return json_body(body, len, text, members);
	r = form_parse(body, len, &fields, &text->owned);
	if (r != NORM_OK)
		return r;
	if (!text->owned) {
		/* the fields object: strings only, which json-c writes exactly */
		const char *s = json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN);

		if (!s || !(text->owned = strdup(s))) {
			json_object_put(fields);
			return NORM_INVALID_FORM;
		}
	}
	json_object_put(fields);
	/* the payload field's text (body_parse accepted it) or the fields written */
	json_trim((const unsigned char *)text->owned, strlen(text->owned), &t);
	text->text = t.text;
	text->len = t.len;
	json_members(text->text, text->len, members);
	return NORM_OK;
}

char *media_type_text(const char *content_type)
{
	char mt[MEDIA_TYPE_MAX];

	if (!*media_type(content_type, mt, sizeof(mt)))
		return NULL;
	return utf8_escape(mt, SIZE_MAX);
}

/* s as a JSON string (json-c's escaping), appended to *out; false when out of memory. */
static bool json_string_text(const char *s, char **out)
{
	struct json_object *o = json_object_new_string(s);
	const char *t = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	*out = t ? strdup(t) : NULL;
	json_object_put(o);
	return *out != NULL;
}

char *envelope_text(const char *event, const char *payload, size_t len,
		    const char *content_type, const char *received_at)
{
	char *ev = NULL, *at = NULL, *mt = NULL, *ct = NULL, *out = NULL;

	if (!event || !payload || !received_at || len > INT_MAX)
		return NULL;
	if (!json_string_text(event, &ev) || !json_string_text(received_at, &at))
		goto done;
	mt = media_type_text(content_type);
	if (mt && !json_string_text(mt, &ct))
		goto done;
	{
		/* pieces copied in order: a printf of a 256 KiB payload costs more than the rest */
		const char *const part[] = {
			"{\"event\":", ev, ",\"eventPayload\":", NULL, ",\"request\":{\"receivedAt\":",
			at, ct ? ",\"contentType\":" : "", ct ? ct : "", "}}",
		};
		size_t plen[HG_ARRAY_LEN(part)], total = 1, o = 0;

		for (size_t i = 0; i < HG_ARRAY_LEN(part); i++)
			total += plen[i] = part[i] ? strlen(part[i]) : len;
		out = malloc(total);
		if (!out)
			goto done;
		for (size_t i = 0; i < HG_ARRAY_LEN(part); i++) {
			memcpy(out + o, part[i] ? part[i] : payload, plen[i]);
			o += plen[i];
		}
		out[o] = '\0';
	}
done:
	free(ct);
	free(mt);
	free(at);
	free(ev);
	return out;
}
