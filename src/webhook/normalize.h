/* normalize: parse a webhook body and build the run's trigger_payload envelope (SPEC 3.3). */
#ifndef HG_NORMALIZE_H
#define HG_NORMALIZE_H

#include <stddef.h>
#include <json-c/json.h>

#include "lib/json.h"
#include "webhook/hdrs.h"

enum norm_result {
	NORM_OK,
	NORM_EMPTY,		/* no bytes, or only a BOM and/or blanks */
	NORM_INVALID_JSON,
	NORM_NOT_CONTAINER,	/* valid JSON but a scalar */
	NORM_INVALID_FORM,	/* a bad x-www-form-urlencoded body */
};

/* The 400 message for a failed result, e.g. "empty body". */
const char *norm_error(enum norm_result r);

/*
 * Parse body (len bytes, may contain a leading UTF-8 BOM, not
 * NUL-terminated) as one JSON object or array with nothing after it.
 * On NORM_OK *out receives the parsed value, owned by the caller.
 */
enum norm_result body_parse(const unsigned char *body, size_t len, struct json_object **out);

/*
 * body_parse for a body of the given Content-Type (raw header value, may be
 * NULL). For the media type application/x-www-form-urlencoded the fields
 * become a JSON object of strings: '+' is a space, %XX is a byte, a field
 * without '=' has the value "", empty fields (&&) are skipped, and a key
 * given several times holds an array of its values in order. A bad %
 * escape, a decoded NUL or invalid UTF-8: NORM_INVALID_FORM. No bytes (or
 * only blanks): NORM_EMPTY. When the object has a "payload" field (given
 * once) whose value is a JSON object or array (GitHub's form option, Slack
 * interactivity), that value is the result instead, other fields dropped. Any other media type:
 * body_parse. On NORM_OK *out is owned by the caller, else NULL.
 */
enum norm_result body_parse_typed(const unsigned char *body, size_t len, const char *content_type,
				  struct json_object **out);

/* The JSON text of a parsed body (SPEC 3.3: P keeps the sender's exact text). */
struct json_text {
	const char *text;		/* into the body received, or owned */
	size_t len;
	char *owned;			/* malloc'd when text is not the body's bytes; free() it */
};

/*
 * What body_parse_typed would parse, as JSON text, without building it
 * (the ingress and replays read the text): the body without its
 * byte-order mark and blanks, or a form body's "payload" field decoded,
 * or (a form without one) the fields object serialised; with its
 * top-level members (json_members) in *members. The same results as
 * body_parse_typed; *text is empty unless NORM_OK, *members set only then.
 */
enum norm_result body_text(const unsigned char *body, size_t len, const char *content_type,
			   struct json_text *text, struct json_members *members);

/*
 * The media type of content_type (media_type), with every byte that is not
 * UTF-8 written as \xHH (utf8_escape), so that it can be stored and put in
 * JSON; malloc'd, NULL when there is none (or out of memory).
 */
char *media_type_text(const char *content_type);

/*
 * The envelope of SPEC 3.3 as JSON text, the one definition of it:
 * {"event": event, "eventPayload": payload (its text spliced in as
 * received, never re-serialised: numbers keep their digits), "request":
 * {"receivedAt", "contentType" (media_type_text) when there is one}}.
 * payload[0..len) must be one JSON value. malloc'd; NULL when out of memory.
 */
char *envelope_text(const char *event, const char *payload, size_t len,
		    const char *content_type, const char *received_at);

/*
 * The event name inferred from the body's top-level members (body_text's
 * text, indexed by json_members; NULL: no body) and the headers (SPEC
 * 3.3), malloc'd, owned by the caller; *payload_out is the text of the
 * eventPayload P: the whole body, or its "eventPayload" member (the text
 * null for a JSON null). Never returns NULL except out of memory.
 */
char *event_infer(const struct json_members *body, const struct hg_hdrs *h,
		  struct json_span *payload_out);

/*
 * The envelope {"event","eventPayload","request":{"receivedAt","contentType"?}}
 * as json-c objects (json-c clamps integers beyond 64 bits when it writes
 * them: what is stored is built by envelope_text). event is copied; the payload is referenced (json_object_get), so the
 * caller still owns body. content_type is the raw header value (parameters
 * are removed here), or NULL. received_at is RFC 3339 UTC.
 * Returns a new object owned by the caller, or NULL when out of memory.
 */
struct json_object *envelope_build(const char *event, struct json_object *payload,
				   const char *content_type, const char *received_at);

/*
 * The media type of a Content-Type value without parameters, lower-cased, into out.
 * Returns out, holding "" when there is none or it does not fit.
 */
const char *media_type(const char *content_type, char *out, size_t outlen);

#endif
