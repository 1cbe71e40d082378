/* envelope: a webhook's run payload from its bytes, content type and headers: the one definition that ingress and replays share (SPEC 3.3, 4.4). */
#ifndef HG_ENVELOPE_H
#define HG_ENVELOPE_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/json.h"
#include "webhook/hdrs.h"
#include "webhook/normalize.h"
#include "webhook/provider.h"

/* Room for an RFC 3339 UTC time with milliseconds: 2026-11-30T02:13:35.123Z. */
#define ENVELOPE_TIME_MAX 40

/*
 * What envelope_make builds; envelope_free releases it. The body is read
 * as text (body_text, json_members), never built: what decides anything
 * reads its top-level members.
 */
struct envelope {
	struct json_text body_text;	/* the body's JSON text (form fields written as an object) */
	struct json_members body;	/* its top-level members */
	struct json_span payload_text;	/* eventPayload P's text, in body_text's */
	struct json_members payload;	/* P's top-level members (what event filters read) */
	char *event;			/* the event name, valid UTF-8, malloc'd */
	char *text;			/* the run's trigger_payload as JSON text to store, malloc'd */
};

/* Now as RFC 3339 UTC with milliseconds into out (ENVELOPE_TIME_MAX bytes): a receivedAt. */
void envelope_now(char out[ENVELOPE_TIME_MAX]);

/*
 * The trigger_payload of a webhook: its body's text for its content type
 * (body_text), the event of provider p (provider_event; the
 * generic rules when p is NULL), an event taken from a header that is not
 * UTF-8 escaped as utf8_escape does, and the envelope text with
 * received_at (envelope_text: P spliced in as the sender wrote it). raw is
 * the exact bytes received (or stored), len of them; content_type is the
 * raw header value or the stored media type (NULL: none); h the request's
 * headers (or hdrs_from_selected's). True with *out filled; false with
 * *parse the reason when the body does not parse (a 400), or with *parse
 * NORM_OK when out of memory. *out is empty on failure.
 */
bool envelope_make(const struct provider *p, const unsigned char *raw, size_t len,
		   const char *content_type, const struct hg_hdrs *h, const char *received_at,
		   struct envelope *out, enum norm_result *parse) HG_MUSTCHECK;

/* Release what envelope_make built (an empty one too). */
void envelope_free(struct envelope *e);

#endif
