/*
 * fuzz_body: webhook body parsing and normalisation (src/webhook/normalize.c,
 * provider.c), JSON and form bodies, as ingress runs them (SPEC 3.1 step 7,
 * 3.3). Input: a content-type selector byte, header values for the event
 * rules (X-GitHub-Event, X-Gitlab-Event, X-Event-Type, X-Shopify-Topic)
 * each ended by a newline, then the body.
 * Properties:
 *  - a JSON body is accepted exactly when json_storable takes it (after a
 *    byte-order mark and blanks) and it is an object or an array; the
 *    answer for the others is the one SPEC 3.2 names (empty, not JSON,
 *    a scalar);
 *  - whatever is accepted, and every provider's envelope of it, serialises
 *    to JSON that jsonb can store: no accepted request ends in a 500
 *    because of its bytes (SPEC 3.1);
 *  - a form body's fields are strings, or arrays of strings, or it was
 *    replaced by its "payload" JSON;
 *  - the envelope ingress stores (envelope_text): P's text always found,
 *    the envelope storable, and read back it holds the event and P.
 */
#include "config.h"

#include <limits.h>
#include <json-c/json.h>

#include "fuzz.h"
#include "lib/json.h"
#include "lib/util.h"
#include "webhook/hdrs.h"
#include "webhook/normalize.h"
#include "webhook/provider.h"

static const char *const ctypes[] = {
	NULL, "application/json", "application/x-www-form-urlencoded",
	" Application/X-WWW-Form-Urlencoded ; charset=utf-8", "text/plain; charset=\"x\"",
	"application/\xff" "json", "application/json; charset=utf-8",
	"application/x-www-form-urlencoded;",
};

static void assert_storable(struct json_object *o, const char *what)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	PROPERTY(text && json_storable((const unsigned char *)text, strlen(text)) == JSON_STORABLE,
		 "%s serialises to unstorable JSON: %.300s", what, text ? text : "(null)");
}

static enum norm_result expected_json(const uint8_t *b, size_t n)
{
	size_t i = 0;

	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	if (i == n)
		return NORM_EMPTY;
	if (json_storable(b + i, n - i) != JSON_STORABLE)
		return NORM_INVALID_JSON;
	return b[i] == '{' || b[i] == '[' ? NORM_OK : NORM_NOT_CONTAINER;
}

static void check_form_value(struct json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			PROPERTY(json_object_is_type(json_object_array_get_idx(v, i), json_type_string),
				 "a repeated form field holds a non-string");
		return;
	}
	PROPERTY(json_object_is_type(v, json_type_string), "a form field is not a string");
}

/* json-c's reading of the JSON text s[0..len) (NULL for null, or when it does not parse) */
static struct json_object *parsed(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;

	if (!tok)
		abort();
	if (len <= INT_MAX - 1)
		o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);	/* a scalar ends at the end of its text */
	json_tokener_free(tok);
	return o;
}

/*
 * The envelope as ingress stores it (body_text's text read by json_members,
 * P spliced in as the sender wrote it): the text is what body_parse_typed
 * built; for every provider, P's text lies in it, the envelope is storable
 * JSON, and read back it holds the event and P.
 */
static void check_envelope_text(const uint8_t *b, size_t n, const char *ctype, struct json_object *body,
				const struct hg_hdrs *h)
{
	struct json_object *again;
	struct json_text t = { NULL, 0, NULL };
	struct json_members m, again_m;
	enum norm_result r = body_text(b, n, ctype, &t, &m);

	PROPERTY(r == NORM_OK, "body_text disagrees: %s", norm_error(r));
	PROPERTY(json_storable((const unsigned char *)t.text, t.len) == JSON_STORABLE,
		 "the body's text is not storable: %.*s", (int)(t.len > 300 ? 300 : t.len), t.text);
	again = parsed(t.text, t.len);
	PROPERTY(json_object_equal(again, body), "body_text's text is not the body parsed: %.*s",
		 (int)(t.len > 300 ? 300 : t.len), t.text);
	/* the members found while checking the text are those a walk of it finds */
	json_members(t.text, t.len, &again_m);
	PROPERTY(m.object == again_m.object && m.n == again_m.n && m.rest == again_m.rest &&
		 m.doc.text == again_m.doc.text && m.doc.len == again_m.doc.len,
		 "json_storable_members and json_members disagree: %zu/%zu members", m.n, again_m.n);
	for (size_t i = 0; i < m.n; i++)
		PROPERTY(m.m[i].name.text == again_m.m[i].name.text && m.m[i].name.len == again_m.m[i].name.len &&
			 m.m[i].value.text == again_m.m[i].value.text &&
			 m.m[i].value.len == again_m.m[i].value.len, "member %zu: the two walks disagree", i);
	for (const char *const *name = provider_names(); *name; name++) {
		struct json_object *payload, *env, *v;
		struct json_span ptext = { NULL, 0 };
		char *event = provider_event(provider_find(*name), &m, h, &ptext), *text;

		PROPERTY(event != NULL, "%s: no event", *name);
		if (!utf8_valid((const unsigned char *)event, strlen(event))) {
			char *safe = utf8_escape(event, 1024);

			free(event);
			event = safe;
		}
		PROPERTY(ptext.text >= t.text && ptext.len > 0 && ptext.text + ptext.len <= t.text + t.len,
			 "%s: P's text is not in the body's", *name);
		payload = parsed(ptext.text, ptext.len);
		text = envelope_text(event, ptext.text, ptext.len, ctype, "2026-01-02T03:04:05.678Z");
		PROPERTY(text && json_storable((const unsigned char *)text, strlen(text)) == JSON_STORABLE,
			 "%s: the stored envelope is not storable: %.300s", *name, text ? text : "(null)");
		env = json_tokener_parse(text);
		PROPERTY(env && json_object_object_get_ex(env, "event", &v) &&
			 strcmp(json_object_get_string(v), event) == 0, "%s: envelope event", *name);
		PROPERTY(json_object_object_get_ex(env, "eventPayload", &v) && json_object_equal(v, payload),
			 "%s: the envelope's P is not the body's: %.300s", *name, text);
		json_object_put(env);
		/* and built by json-c from P's tree */
		env = envelope_build(event, payload, ctype, "2026-01-02T03:04:05.678Z");
		PROPERTY(env != NULL, "%s: no envelope", *name);
		assert_storable(env, "the envelope");
		json_object_put(env);
		json_object_put(payload);
		free(text);
		free(event);
	}
	free(t.owned);
	json_object_put(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hnames[] = {
		"HTTP_X_GITHUB_EVENT=", "HTTP_X_GITLAB_EVENT=", "HTTP_X_EVENT_TYPE=", "HTTP_X_SHOPIFY_TOPIC=",
	};
	struct fz f = { data, size };
	const char *ctype = ctypes[fz_byte(&f) % HG_ARRAY_LEN(ctypes)];
	char *vars[HG_ARRAY_LEN(hnames) + 1], *envp[HG_ARRAY_LEN(hnames) + 2];
	struct hg_hdrs h = { .envp = envp };
	struct json_object *body = NULL;
	enum norm_result r;
	char mt[256];
	bool form;
	int nv = 0;

	for (size_t i = 0; i < HG_ARRAY_LEN(hnames); i++) {
		size_t len;
		char *v = fz_field(&f, '\n', &len);

		if (*v) {
			vars[nv] = malloc(strlen(hnames[i]) + strlen(v) + 1);
			if (!vars[nv])
				abort();
			sprintf(vars[nv], "%s%s", hnames[i], v);
			envp[nv] = vars[nv];
			nv++;
		}
		free(v);
	}
	envp[nv] = NULL;

	form = strcmp(media_type(ctype, mt, sizeof(mt)), "application/x-www-form-urlencoded") == 0;
	r = body_parse_typed(f.p, f.n, ctype, &body);
	PROPERTY((r == NORM_OK) == (body != NULL), "result %d with body %p", r, (void *)body);
	if (!form)
		PROPERTY(r == expected_json(f.p, f.n), "JSON body: %s, want %s", norm_error(r),
			 norm_error(expected_json(f.p, f.n)));
	else
		PROPERTY(r == NORM_OK || r == NORM_EMPTY || r == NORM_INVALID_FORM,
			 "form body: %s", norm_error(r));
	if (r == NORM_OK) {
		PROPERTY(json_object_is_type(body, json_type_object) ||
			 json_object_is_type(body, json_type_array), "accepted a scalar");
		assert_storable(body, "the parsed body");
		/* fields, unless a "payload" field (its name maybe %-encoded) replaced them */
		if (form && !memmem(f.p, f.n, "payload", 7) && !memchr(f.p, '%', f.n)) {
			PROPERTY(json_object_is_type(body, json_type_object), "a form body is not an object");
			json_object_object_foreach(body, k, v) {
				(void)k;
				check_form_value(v);
			}
		}
		check_envelope_text(f.p, f.n, ctype, body, &h);
	} else {
		struct json_text t;
		struct json_members m;

		PROPERTY(body_text(f.p, f.n, ctype, &t, &m) == r, "body_text and body_parse_typed disagree");
	}
	json_object_put(body);
	for (int i = 0; i < nv; i++)
		free(vars[i]);
	return 0;
}
