/* envelope: a webhook's run payload (body, event, envelope) built once for ingress and replays alike (SPEC 3.3, 4.4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "webhook/envelope.h"
#include "lib/util.h"

/* An event name taken from a header that is not UTF-8 is cut to this many bytes once escaped. */
#define EVENT_ESCAPED_MAX 1024

void envelope_now(char out[ENVELOPE_TIME_MAX])
{
	struct timeval tv;

	_Static_assert(ENVELOPE_TIME_MAX >= UTC_MS_TEXT_MAX, "a receivedAt holds utc_ms_text's");
	gettimeofday(&tv, NULL);
	utc_ms_text(tv.tv_sec, tv.tv_usec, out);
}

bool envelope_make(const struct provider *p, const unsigned char *raw, size_t len,
		   const char *content_type, const struct hg_hdrs *h, const char *received_at,
		   struct envelope *out, enum norm_result *parse)
{
	memset(out, 0, sizeof(*out));
	*parse = body_text(raw, len, content_type, &out->body_text, &out->body);
	if (*parse != NORM_OK)
		return false;
	if (!p)
		p = provider_find("generic");
	out->event = provider_event(p, &out->body, h, &out->payload_text);
	if (!out->event)
		goto fail;
	if (!utf8_valid((const unsigned char *)out->event, strlen(out->event))) {
		/* an event taken from a header that is not UTF-8 */
		char *safe = utf8_escape(out->event, EVENT_ESCAPED_MAX);

		if (!safe)
			goto fail;
		free(out->event);
		out->event = safe;
	}
	if (out->payload_text.text == out->body.doc.text && out->payload_text.len == out->body.doc.len)
		out->payload = out->body;
	else
		json_members(out->payload_text.text, out->payload_text.len, &out->payload);
	out->text = envelope_text(out->event, out->payload_text.text, out->payload_text.len,
				  content_type, received_at);
	if (!out->text)
		goto fail;
	return true;
fail:
	envelope_free(out);
	return false;
}

void envelope_free(struct envelope *e)
{
	free(e->text);
	free(e->event);
	free(e->body_text.owned);
	memset(e, 0, sizeof(*e));
}
