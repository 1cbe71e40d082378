/* test_normalize: JSON and form body parsing, event inference, the envelope and header lookup (SPEC 3.3, 7). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/hdrs.h"
#include "lib/common.h"
#include "webhook/normalize.h"
#include "tap.h"

#define BOM "\xEF\xBB\xBF"

/* Parse n bytes of s and release the result: only the outcome matters. */
static enum norm_result parse_n(const char *s, size_t n)
{
	struct json_object *o = (struct json_object *)1;
	enum norm_result r = body_parse((const unsigned char *)s, n, &o);

	if (r != NORM_OK && o != NULL)
		r = (enum norm_result)-1;	/* out must be NULL on failure */
	json_object_put(o);
	return r;
}

#define PARSE(lit) parse_n((lit), sizeof(lit) - 1)

static struct json_object *parse_ok(const char *s)
{
	struct json_object *o = NULL;

	if (body_parse((const unsigned char *)s, strlen(s), &o) != NORM_OK)
		return NULL;
	return o;
}

static void test_parse(void)
{
	struct json_object *o, *v;
	char *deep;
	size_t i;

	o = parse_ok("{\"a\":1}");
	ok(o && json_object_is_type(o, json_type_object), "an object parses");
	json_object_put(o);
	o = parse_ok("[1,2]");
	ok(o && json_object_is_type(o, json_type_array) && json_object_array_length(o) == 2,
	   "an array parses and is the value");
	json_object_put(o);
	is_int(PARSE(" \r\n\t{\"a\":[]} \r\n\t"), NORM_OK, "blanks around the value are allowed");

	o = parse_ok(BOM "{\"a\":1}");
	ok(o && json_object_object_get_ex(o, "a", &v) && json_object_get_int(v) == 1,
	   "a leading BOM is ignored");
	json_object_put(o);
	is_int(PARSE(BOM "  [true]"), NORM_OK, "a BOM then blanks then an array");
	is_int(PARSE(BOM BOM "{}"), NORM_INVALID_JSON, "only one BOM is ignored");
	is_int(PARSE(" " BOM "{}"), NORM_INVALID_JSON, "a BOM after a blank is not ignored");
	is_int(PARSE("{}" BOM), NORM_INVALID_JSON, "a BOM at the end is trailing garbage");
	is_int(PARSE("\xEF\xBB{}"), NORM_INVALID_JSON, "a partial BOM is invalid");

	is_int(PARSE(""), NORM_EMPTY, "no bytes: empty");
	is_int(PARSE(BOM), NORM_EMPTY, "only a BOM: empty");
	is_int(PARSE("  \r\n\t "), NORM_EMPTY, "only blanks: empty");
	is_int(PARSE(BOM " \n"), NORM_EMPTY, "a BOM and blanks: empty");

	is_int(PARSE("123"), NORM_NOT_CONTAINER, "a number is a scalar");
	is_int(PARSE(" -1.5e3 "), NORM_NOT_CONTAINER, "a number with blanks is a scalar");
	is_int(PARSE("\"text\""), NORM_NOT_CONTAINER, "a string is a scalar");
	is_int(PARSE("true"), NORM_NOT_CONTAINER, "true is a scalar");
	is_int(PARSE("false"), NORM_NOT_CONTAINER, "false is a scalar");
	is_int(PARSE("null"), NORM_NOT_CONTAINER, "null is a scalar");
	is_int(PARSE(BOM "0"), NORM_NOT_CONTAINER, "a BOM then 0 is a scalar");

	is_int(PARSE("{"), NORM_INVALID_JSON, "an unclosed object");
	is_int(PARSE("[1,2"), NORM_INVALID_JSON, "an unclosed array");
	is_int(PARSE("{\"a\":}"), NORM_INVALID_JSON, "a missing value");
	is_int(PARSE("{\"a\":1,}"), NORM_INVALID_JSON, "a trailing comma");
	is_int(PARSE("{a:1}"), NORM_INVALID_JSON, "an unquoted key");
	is_int(PARSE("hello"), NORM_INVALID_JSON, "a bare word");
	is_int(PARSE("tru"), NORM_INVALID_JSON, "a cut literal");
	is_int(PARSE("01"), NORM_INVALID_JSON, "a leading zero");
	is_int(PARSE("[/* c */ 1]"), NORM_INVALID_JSON, "a comment");
	is_int(PARSE("<xml/>"), NORM_INVALID_JSON, "XML");
	is_int(PARSE("a=1&b=2"), NORM_INVALID_JSON, "a form body");

	is_int(PARSE("{} x"), NORM_INVALID_JSON, "trailing garbage after an object");
	is_int(PARSE("{}{}"), NORM_INVALID_JSON, "two objects");
	is_int(PARSE("[1]]"), NORM_INVALID_JSON, "an extra bracket");
	is_int(PARSE("[1] 2"), NORM_INVALID_JSON, "a value after the array");
	is_int(PARSE("123 4"), NORM_INVALID_JSON, "two numbers");

	is_int(PARSE("{}\0"), NORM_INVALID_JSON, "a NUL byte after the object");
	is_int(PARSE("{\"a\":\"b\0c\"}"), NORM_INVALID_JSON, "a NUL byte inside a string");
	is_int(PARSE("\0{}"), NORM_INVALID_JSON, "a NUL byte first");
	is_int(PARSE("{\"a\":\"\\u0000\"}"), NORM_INVALID_JSON, "a \\u0000 escape (jsonb cannot hold it)");
	is_int(PARSE("{\"\\u0000k\":1}"), NORM_INVALID_JSON, "a \\u0000 escape in a key");
	is_int(PARSE("{\"a\":\"\\\\u0000\"}"), NORM_OK, "an escaped backslash before u0000 is text");
	is_int(PARSE("{\"a\":\"\\\\\\u0000\"}"), NORM_INVALID_JSON, "three backslashes then u0000 is the escape");
	is_int(PARSE("{\"a\":\"\\u0001\"}"), NORM_OK, "a \\u0001 escape is fine");

	is_int(PARSE("{\"a\":\"\xC3\"}"), NORM_INVALID_JSON, "invalid UTF-8 in a string");
	is_int(PARSE("{\"a\":\"\xC0\xAF\"}"), NORM_INVALID_JSON, "an overlong sequence");
	is_int(PARSE("{\"a\":\"\xED\xA0\x80\"}"), NORM_INVALID_JSON, "a UTF-8 surrogate");
	is_int(PARSE("{\"a\":\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}"), NORM_OK, "valid UTF-8 text");

	is_int(PARSE("[NaN]"), NORM_INVALID_JSON, "NaN is not JSON");
	is_int(PARSE("[Infinity]"), NORM_INVALID_JSON, "Infinity is not JSON");
	is_int(PARSE("{\"a\":-Infinity}"), NORM_INVALID_JSON, "-Infinity is not JSON");
	is_int(PARSE("[1.]"), NORM_INVALID_JSON, "1. is not JSON");
	is_int(PARSE("NaN"), NORM_INVALID_JSON, "a top-level NaN is not JSON");
	is_int(PARSE("[0, -0, 1.5, -2.25e-3, 1E+2, 1e400, 12345678901234567890]"), NORM_OK,
	       "JSON numbers, large ones included");
	is_int(PARSE("{\"a\":1e999999}"), NORM_INVALID_JSON, "an exponent no numeric can hold");
	is_int(PARSE("{\"a\":1e-999999}"), NORM_INVALID_JSON, "a negative one neither");

	deep = malloc(2 * 1000 + 1);
	if (deep) {
		for (i = 0; i < 1000; i++) {
			deep[i] = '[';
			deep[1000 + i] = ']';
		}
		deep[2000] = '\0';
		is_int(parse_n(deep, 2000), NORM_INVALID_JSON, "1000 levels of nesting are refused");
		memcpy(deep, "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", 40);
		is_int(parse_n(deep, 40), NORM_OK, "20 levels of nesting are fine");
		free(deep);
	} else {
		ok(0, "malloc");
	}

	is_str(norm_error(NORM_EMPTY), "empty body", "norm_error(NORM_EMPTY)");
	is_str(norm_error(NORM_INVALID_JSON), "invalid JSON", "norm_error(NORM_INVALID_JSON)");
	is_str(norm_error(NORM_NOT_CONTAINER), "body is not a JSON object or array",
	       "norm_error(NORM_NOT_CONTAINER)");
}

/*
 * The event inferred for body with the CGI environment env, and whether
 * the payload is the body itself (1), the given member (2), or JSON null (3).
 */
static char *infer(const char *body, char **env, int *payload_kind)
{
	struct hg_hdrs h = { .envp = env };
	struct json_members o;
	struct json_span p = { NULL, 0 }, m;
	struct json_text t;
	char *e;

	*payload_kind = 0;
	if (body_text((const unsigned char *)body, strlen(body), NULL, &t, &o) != NORM_OK)
		return NULL;
	e = event_infer(&o, &h, &p);
	if (p.text == o.doc.text && p.len == o.doc.len)
		*payload_kind = 1;
	else if (p.len == 4 && memcmp(p.text, "null", 4) == 0)
		*payload_kind = 3;
	else if (json_member(&o, "eventPayload", &m) && m.text == p.text && m.len == p.len)
		*payload_kind = 2;
	return e;
}

static void event_is(const char *body, char **env, const char *want, int want_kind, const char *name)
{
	int kind;
	char *e = infer(body, env, &kind);

	is_str(e, want, "event: %s", name);
	is_int(kind, want_kind, "payload: %s", name);
	free(e);
}

static void test_event(void)
{
	char *none[] = { NULL };
	char *gh_push[] = { "CONTENT_TYPE=application/json", "HTTP_X_GITHUB_EVENT=push", NULL };
	char *gh_blank[] = { "HTTP_X_GITHUB_EVENT=  ", "HTTP_X_EVENT_TYPE=x.y", NULL };
	char *gh_padded[] = { "HTTP_X_GITHUB_EVENT= pull_request\t", NULL };
	char *gitlab[] = { "HTTP_X_GITLAB_EVENT=Push Hook", NULL };
	char *both[] = { "HTTP_X_GITLAB_EVENT=Push Hook", "HTTP_X_GITHUB_EVENT=issues",
			 "HTTP_X_EVENT_TYPE=custom", NULL };
	char *gitlab_and_type[] = { "HTTP_X_EVENT_TYPE=custom", "HTTP_X_GITLAB_EVENT=Note Hook", NULL };
	char *evtype[] = { "HTTP_X_EVENT_TYPE=invoice.paid", NULL };
	char *lookalike[] = { "HTTP_X_GITHUB_EVENTS=push", "X_GITHUB_EVENT=push",
			      "HTTP_X_GITHUB_EVENT_=push", NULL };

	/* an envelope already */
	event_is("{\"event\":\"order.created\",\"eventPayload\":{\"id\":1}}", gh_push,
		 "order.created", 2, "envelope passthrough takes event and eventPayload");
	event_is("{\"event\":\"order.created\",\"eventPayload\":null}", none,
		 "order.created", 3, "envelope with a null eventPayload");
	event_is("{\"event\":\"x\",\"eventPayload\":[1,2],\"type\":\"t\"}", none,
		 "x", 2, "envelope with an array eventPayload");
	event_is("{\"event\":\"deploy.done\",\"id\":7}", gh_push,
		 "deploy.done", 1, "event without eventPayload: P is the whole body");

	/* the header and body rules */
	event_is("{\"action\":\"opened\",\"number\":1}", gh_push,
		 "github.push.opened", 1, "github.<X-GitHub-Event>.<action>");
	event_is("{\"ref\":\"refs/heads/main\"}", gh_push,
		 "github.push", 1, "github.<X-GitHub-Event> without action");
	event_is("{\"action\":5}", gh_push, "github.push", 1, "github: a number action is ignored");
	event_is("{\"action\":\"\"}", gh_push, "github.push", 1, "github: an empty action is ignored");
	event_is("{\"action\":{\"x\":1}}", gh_push, "github.push", 1, "github: an object action is ignored");
	event_is("{\"action\":\"closed\"}", gh_padded, "github.pull_request.closed", 1,
		 "github: the header is trimmed");
	event_is("{\"type\":\"t\"}", gh_blank, "x.y", 1, "github: a blank header counts as absent");
	event_is("{\"object_kind\":\"push\"}", gitlab, "gitlab.Push Hook", 1, "gitlab.<X-Gitlab-Event>");
	event_is("{\"action\":\"opened\"}", gitlab, "gitlab.Push Hook", 1, "gitlab ignores action");
	event_is("{\"action\":\"labeled\"}", both, "github.issues.labeled", 1, "GitHub before GitLab and X-Event-Type");
	event_is("{}", gitlab_and_type, "gitlab.Note Hook", 1, "GitLab before X-Event-Type");
	event_is("{\"type\":\"other\"}", evtype, "invoice.paid", 1, "X-Event-Type before body type");
	event_is("{\"type\":\"charge.succeeded\",\"action\":\"a\"}", none, "charge.succeeded", 1, "body type");
	event_is("{\"type\":7,\"action\":\"closed\"}", none, "closed", 1, "body action when type is not a string");
	event_is("{\"action\":\"closed\"}", none, "closed", 1, "body action");
	event_is("{\"type\":\"\",\"action\":\"\"}", none, "webhook.received", 1, "empty strings do not count");
	event_is("{\"action\":true}", none, "webhook.received", 1, "a boolean action does not count");
	event_is("{}", none, "webhook.received", 1, "fallback webhook.received");
	event_is("{}", lookalike, "webhook.received", 1, "look-alike variables are not the header");

	/* event that is not a non-empty string */
	event_is("{\"data\":{\"event\":\"x\"}}", none, "webhook.received", 1, "a nested event does not count");
	event_is("{\"event\":{\"a\":1}}", none, "webhook.received", 1, "an object event does not count");
	event_is("{\"event\":{\"a\":1},\"eventPayload\":{}}", none, "webhook.received", 1,
		 "an object event is no envelope");
	event_is("{\"event\":\"\",\"type\":\"t\",\"eventPayload\":{}}", none, "t", 1,
		 "an empty event is no envelope");
	event_is("{\"event\":1,\"action\":\"a\"}", none, "a", 1, "a number event does not count");

	/* read from the text: escapes, repeated and many members */
	event_is("{\"ev\\u0065nt\":\"a\\u00e9\\n\",\"eventPayload\":1}", none, "a\xc3\xa9\n", 2,
		 "escapes in a name and a value decode");
	event_is("{\"type\":\"a\",\"type\":\"b\"}", none, "b", 1, "a repeated member: the last counts");
	event_is("{\"type\":\"a\",\"type\":1}", none, "webhook.received", 1, "... even when not a string");
	{
		char many[8192];
		size_t n = 0;

		n += (size_t)snprintf(many + n, sizeof(many) - n, "{\"action\":\"early\"");
		for (int i = 0; i < 3 * JSON_MEMBERS_MAX; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, ",\"m%d\":[%d,{\"action\":\"no\"}]", i, i);
		snprintf(many + n, sizeof(many) - n, ",\"action\":\"late\"}");
		event_is(many, none, "late", 1, "more members than json_members keeps: found after them");
		many[n] = '}';
		many[n + 1] = '\0';
		event_is(many, none, "early", 1, "... and before them");
	}

	/* arrays */
	event_is("[{\"event\":\"x\"}]", none, "webhook.received", 1, "an array: webhook.received");
	event_is("[{\"action\":\"x\"}]", gh_push, "github.push", 1, "an array: event from headers");
	event_is("[]", evtype, "invoice.paid", 1, "an empty array with X-Event-Type");
}

static void test_envelope(void)
{
	struct json_object *payload = parse_ok("{\"a\":1}"), *env, *req, *v;
	struct json_object *arr = parse_ok("[1]");
	char mt[32];

	env = envelope_build("github.push", payload, "application/json; charset=utf-8",
			     "2024-05-06T07:08:09Z");
	ok(env != NULL, "envelope_build");
	is_str(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	       "{\"event\":\"github.push\",\"eventPayload\":{\"a\":1},"
	       "\"request\":{\"receivedAt\":\"2024-05-06T07:08:09Z\",\"contentType\":\"application/json\"}}",
	       "the envelope, content type without parameters");
	ok(json_object_object_get_ex(env, "eventPayload", &v) && v == payload,
	   "the payload is referenced, not copied");
	json_object_put(env);
	ok(json_object_is_type(payload, json_type_object) && json_object_object_length(payload) == 1,
	   "the caller still owns the payload after the envelope is put");

	env = envelope_build("e", payload, NULL, "2024-05-06T07:08:09Z");
	ok(env && json_object_object_get_ex(env, "request", &req) &&
	   !json_object_object_get_ex(req, "contentType", NULL) &&
	   json_object_object_get_ex(req, "receivedAt", NULL),
	   "no content type: contentType omitted");
	json_object_put(env);

	env = envelope_build("e", payload, "", "2024-05-06T07:08:09Z");
	ok(env && json_object_object_get_ex(env, "request", &req) &&
	   !json_object_object_get_ex(req, "contentType", NULL), "empty content type: omitted");
	json_object_put(env);

	env = envelope_build("e", payload, " Application/JSON ;charset=UTF-8", "2024-05-06T07:08:09Z");
	ok(env && json_object_object_get_ex(env, "request", &req) &&
	   json_object_object_get_ex(req, "contentType", &v) &&
	   strcmp(json_object_get_string(v), "application/json") == 0,
	   "content type lower-cased and trimmed");
	json_object_put(env);

	/* found by tests/fuzz/fuzz_body: a content type that is not UTF-8 made unstorable JSON */
	env = envelope_build("e", payload, "application/\xff" "json; x=1", "2024-05-06T07:08:09Z");
	ok(env && json_object_object_get_ex(env, "request", &req) &&
	   json_object_object_get_ex(req, "contentType", &v) &&
	   strcmp(json_object_get_string(v), "application/\\xFFjson") == 0,
	   "a content type that is not UTF-8 is escaped as \\xFF");
	json_object_put(env);

	env = envelope_build("e", NULL, "text/plain", "2024-05-06T07:08:09Z");
	is_str(env ? json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL,
	       "{\"event\":\"e\",\"eventPayload\":null,"
	       "\"request\":{\"receivedAt\":\"2024-05-06T07:08:09Z\",\"contentType\":\"text/plain\"}}",
	       "a null payload");
	json_object_put(env);

	env = envelope_build("webhook.received", arr, "application/json", "2024-05-06T07:08:09Z");
	ok(env && json_object_object_get_ex(env, "eventPayload", &v) && v == arr, "an array payload");
	json_object_put(env);

	is_str(media_type("application/json", mt, sizeof(mt)), "application/json", "media_type plain");
	is_str(media_type("multipart/form-data; boundary=x", mt, sizeof(mt)), "multipart/form-data",
	       "media_type drops parameters");
	is_str(media_type("; charset=x", mt, sizeof(mt)), "", "media_type of only parameters");
	is_str(media_type("", mt, sizeof(mt)), "", "media_type of an empty value");
	is_str(media_type(NULL, mt, sizeof(mt)), "", "media_type of NULL");
	is_str(media_type("application/vnd.example.very-long+json", mt, sizeof(mt)), "",
	       "media_type too long for out");
	is_str(media_type("text/plain", mt, 11), "text/plain", "media_type exactly fits");
	is_str(media_type("text/plain", mt, 10), "", "media_type one byte short");

	json_object_put(payload);
	json_object_put(arr);
}

static void test_hdrs(void)
{
	char *env[] = {
		"CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=12",
		"HTTP_CONTENT_TYPE=wrong",
		"HTTP_X_GITHUB_EVENT=push",
		"HTTP_X_PADDED=  a b \t",
		"HTTP_X_BLANK=   ",
		"HTTP_X_EMPTY=",
		"HTTP_X_EQUALS=a=b",
		"HTTP_USER_AGENT=GitHub-Hookshot/abc",
		NULL,
	};
	struct hg_hdrs h = { .envp = env }, none = { .envp = NULL };
	size_t len;
	const char *v;

	is_str(hdrs_get(&h, "Content-Type"), "application/json", "Content-Type is CONTENT_TYPE");
	is_str(hdrs_get(&h, "content-type"), "application/json", "content-type in lower case");
	is_str(hdrs_get(&h, "Content-Length"), "12", "Content-Length is CONTENT_LENGTH");
	is_str(hdrs_get(&h, "X-GitHub-Event"), "push", "X-GitHub-Event is HTTP_X_GITHUB_EVENT");
	is_str(hdrs_get(&h, "x-github-event"), "push", "header names in any case");
	is_str(hdrs_get(&h, "User-Agent"), "GitHub-Hookshot/abc", "User-Agent");
	is_str(hdrs_get(&h, "X-Equals"), "a=b", "a value holding =");
	is_str(hdrs_get(&h, "X-GitHub"), NULL, "a prefix of a name is not the name");
	is_str(hdrs_get(&h, "X-Missing"), NULL, "an absent header");
	is_str(hdrs_get(&h, "X-Empty"), "", "an empty header is present and empty");
	is_str(hdrs_get(&none, "X-GitHub-Event"), NULL, "no environment");
	is_str(hdrs_get(NULL, "X-GitHub-Event"), NULL, "no headers");


	v = hdrs_get_span(&h, "X-Padded", &len);
	ok(v && len == 3 && strncmp(v, "a b", 3) == 0, "hdrs_get_span trims without copying");
	ok(!hdrs_get_span(&h, "X-Blank", &len) && len == 0, "hdrs_get_span: blank is absent");

	is_str(env_get(env, "CONTENT_LENGTH"), "12", "env_get exact name");
	is_str(env_get(env, "CONTENT_LENGT"), NULL, "env_get refuses a prefix");
	is_str(env_get(env, "content_length"), NULL, "env_get is case-sensitive");
	is_str(env_get(env, "HTTP_X_EQUALS=a"), NULL, "env_get refuses a name with =");
	is_str(env_get(NULL, "X"), NULL, "env_get on no environment");
}

#define FORM "application/x-www-form-urlencoded"

/*
 * body_parse_typed on n bytes of s with content type ct: the result code,
 * and the value as compact JSON into out (or "" on failure). *out must be
 * NULL on failure, which shows as result -1.
 */
static enum norm_result typed_n(const char *s, size_t n, const char *ct, char *out, size_t outlen)
{
	struct json_object *o = (struct json_object *)1;
	enum norm_result r = body_parse_typed((const unsigned char *)s, n, ct, &o);

	out[0] = '\0';
	if (r != NORM_OK) {
		if (o != NULL)
			r = (enum norm_result)-1;
		return r;
	}
	snprintf(out, outlen, "%s",
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

static void form_is(const char *body, const char *ct, const char *want, const char *name)
{
	char out[2048];
	enum norm_result r = typed_n(body, strlen(body), ct, out, sizeof(out));

	is_int(r, NORM_OK, "form: parses: %s", name);
	is_str(out, want, "form: value: %s", name);
}

static void form_fails(const char *body, size_t n, const char *ct, enum norm_result want, const char *name)
{
	char out[64];

	is_int(typed_n(body, n, ct, out, sizeof(out)), want, "form: %s", name);
}

#define FORM_FAILS(lit, want, name) form_fails((lit), sizeof(lit) - 1, FORM, (want), (name))

static void test_form(void)
{
	/* Slack's documented slash-command body. */
	const char *slack = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
		"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
		"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
		"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
		"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

	form_is(slack, FORM,
		"{\"token\":\"xyzz0WbapA4vBCDEFasx0q6G\",\"team_id\":\"T1DC2JH3J\",\"team_domain\":\"testteamnow\","
		"\"channel_id\":\"G8PSS9T3V\",\"channel_name\":\"foobar\",\"user_id\":\"U2CERLKJA\","
		"\"user_name\":\"roadrunner\",\"command\":\"/webhook-collect\",\"text\":\"\","
		"\"response_url\":\"https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN\","
		"\"trigger_id\":\"398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c\"}",
		"Slack's slash command becomes an object of its fields, in order");
	form_is("a=1&b=two+words&c=%2Fx%3D%2B", FORM, "{\"a\":\"1\",\"b\":\"two words\",\"c\":\"/x=+\"}",
		"'+' is a space, %2B a plus");
	form_is("a=1", "Application/X-WWW-Form-URLEncoded ; charset=UTF-8", "{\"a\":\"1\"}",
		"the media type in any case, with parameters");
	form_is("e=%e2%82%AC+%C3%A9", FORM, "{\"e\":\"\xE2\x82\xAC \xC3\xA9\"}", "escapes in either case, UTF-8");
	form_is("caf%C3%A9=1", FORM, "{\"caf\xC3\xA9\":\"1\"}", "keys are decoded too");
	form_is("a=1&a=2&b=x&a=3", FORM, "{\"a\":[\"1\",\"2\",\"3\"],\"b\":\"x\"}",
		"a repeated key holds an array of its values in order");
	form_is("flag&a=", FORM, "{\"flag\":\"\",\"a\":\"\"}", "a field without = and an empty value");
	form_is("=v", FORM, "{\"\":\"v\"}", "an empty key is kept");
	form_is("&&a=1&&&b=2&", FORM, "{\"a\":\"1\",\"b\":\"2\"}", "empty fields are skipped");
	form_is("&", FORM, "{}", "only a separator: an empty object");
	form_is("a=b=c", FORM, "{\"a\":\"b=c\"}", "the first = splits");
	form_is("a=%7B%7D", FORM, "{\"a\":\"{}\"}", "JSON in another field stays a string");
	form_is("q=a%0Ab%09c", FORM, "{\"q\":\"a\\nb\\tc\"}", "control characters other than NUL");

	/* payload */
	form_is("payload=%7B%22action%22%3A%22opened%22%2C%22n%22%3A1%7D", FORM,
		"{\"action\":\"opened\",\"n\":1}", "a JSON object payload is the body (GitHub's form option)");
	form_is("payload=%7B%22a%22%3A%22b+c%2Bd%22%7D", FORM, "{\"a\":\"b c+d\"}",
		"the payload is decoded before it is parsed");
	form_is("payload=%5B1%2C2%5D&x=1", FORM, "[1,2]", "an array payload; other fields dropped");
	form_is("x=1&payload=%7B%7D", FORM, "{}", "payload anywhere in the body");
	form_is("payload=hello", FORM, "{\"payload\":\"hello\"}", "a payload that is not JSON stays a field");
	form_is("payload=123", FORM, "{\"payload\":\"123\"}", "a scalar payload stays a field");
	form_is("payload=%7B", FORM, "{\"payload\":\"{\"}", "invalid JSON in payload stays a field");
	form_is("payload=%7B%7D&payload=%5B%5D", FORM, "{\"payload\":[\"{}\",\"[]\"]}",
		"a repeated payload is not unwrapped");
	form_is("payload=%7B%22a%22%3A%22%5Cu0000%22%7D", FORM, "{\"payload\":\"{\\\"a\\\":\\\"\\\\u0000\\\"}\"}",
		"a payload with a \\u0000 escape stays a string (jsonb cannot hold it)");

	/* failures */
	FORM_FAILS("", NORM_EMPTY, "an empty body");
	FORM_FAILS(" \r\n\t", NORM_EMPTY, "only blanks");
	FORM_FAILS("a=%", NORM_INVALID_FORM, "a % at the end");
	FORM_FAILS("a=%4", NORM_INVALID_FORM, "a cut escape");
	FORM_FAILS("a=%zz&b=1", NORM_INVALID_FORM, "a non-hex escape");
	FORM_FAILS("a=%%41", NORM_INVALID_FORM, "a doubled %");
	FORM_FAILS("a=%00", NORM_INVALID_FORM, "an escaped NUL in a value");
	FORM_FAILS("%00=1", NORM_INVALID_FORM, "an escaped NUL in a key");
	FORM_FAILS("a=b\0c", NORM_INVALID_FORM, "a raw NUL byte");
	FORM_FAILS("a=%C3", NORM_INVALID_FORM, "a cut UTF-8 sequence");
	FORM_FAILS("a=%C0%AF", NORM_INVALID_FORM, "an overlong UTF-8 sequence");
	FORM_FAILS("a=%ED%A0%80", NORM_INVALID_FORM, "a UTF-8 surrogate");
	FORM_FAILS("a=\xFF", NORM_INVALID_FORM, "a raw invalid byte");
	FORM_FAILS("a=1&b=%G1", NORM_INVALID_FORM, "one bad field spoils the body");
	is_str(norm_error(NORM_INVALID_FORM), "invalid form body", "norm_error(NORM_INVALID_FORM)");

	/* other media types: body_parse */
	form_is("{\"a\":1}", "application/json", "{\"a\":1}", "JSON as application/json");
	form_is("{\"a\":1}", NULL, "{\"a\":1}", "JSON without a Content-Type");
	form_is("[1]", "text/plain", "[1]", "JSON as text/plain");
	form_fails("a=1&b=2", 7, "application/json", NORM_INVALID_JSON, "a form body sent as JSON is invalid JSON");
	form_fails("a=1", 3, "multipart/form-data; boundary=x", NORM_INVALID_JSON, "multipart is not a form here");
	form_fails("", 0, "application/json", NORM_EMPTY, "an empty JSON body");
	form_fails("{\"a\":1}", 7, FORM, NORM_OK, "JSON sent as a form parses as a form");
	form_is("{\"a\":1}", FORM, "{\"{\\\"a\\\":1}\":\"\"}", "... into one field named by the text");
}

/* The same lookups through the index, duplicates and too many headers included. */
static void test_hdrs_index(void)
{
	static char many[80][40];
	char *env[] = {
		"CONTENT_TYPE=application/json", "HTTP_X_GITHUB_EVENT=push", "HTTP_X_DUP=first",
		"HTTP_X_DUP=second", "HTTP_X_EMPTY=", "PATH_INFO=/x", "HTTP_X_GITHUB=short", NULL,
	};
	char *big[HG_ARRAY_LEN(many) + 2];
	struct hg_hdrs h = { .envp = env }, b = { .envp = big };

	hdrs_index(&h);
	ok(h.indexed, "a request's headers are indexed");
	is_str(hdrs_get(&h, "Content-Type"), "application/json", "indexed: Content-Type");
	is_str(hdrs_get(&h, "x-github-event"), "push", "indexed: any case");
	is_str(hdrs_get(&h, "X-GitHub"), "short", "indexed: a name that is a prefix of another");
	is_str(hdrs_get(&h, "X-Dup"), "first", "indexed: the first of a repeated header, as a scan");
	is_str(hdrs_get(&h, "X-Empty"), "", "indexed: an empty header is present");
	is_str(hdrs_get(&h, "Path-Info"), NULL, "indexed: CGI variables are not headers");
	is_str(hdrs_get(&h, "X-Missing"), NULL, "indexed: an absent header");
	{
		struct hdrs_key k, ct, empty, lng;
		char name[HDRS_NAME_MAX + 8];

		ok(hdrs_key("X-GitHub-Event", &k) && hdrs_key("content-type", &ct), "hdrs_key");
		is_str(hdrs_get_key(&h, &k), "push", "hdrs_get_key: indexed");
		is_str(hdrs_get_key(&h, &ct), "application/json", "hdrs_get_key: Content-Type");
		h.indexed = false;
		is_str(hdrs_get_key(&h, &k), "push", "hdrs_get_key: by a scan");
		h.indexed = true;
		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		ok(!hdrs_key("", &empty) && !hdrs_key(name, &lng), "hdrs_key: no header has that name");
		ok(!hdrs_get_key(&h, &empty) && !hdrs_get_key(&h, &lng), "... and its key finds nothing");
	}
	for (size_t i = 0; i < HG_ARRAY_LEN(many); i++) {
		snprintf(many[i], sizeof(many[i]), "HTTP_X_H%u=v%u", (unsigned)i, (unsigned)i);
		big[i] = many[i];
	}
	big[HG_ARRAY_LEN(many)] = "HTTP_X_LAST=last";
	big[HG_ARRAY_LEN(many) + 1] = NULL;
	hdrs_index(&b);
	ok(!b.indexed, "more headers than the index holds: not indexed");
	is_str(hdrs_get(&b, "X-Last"), "last", "not indexed: found by a scan");
	is_str(hdrs_get(&b, "X-H7"), "v7", "not indexed: any header");
}

/* envelope_text splices the payload's own text: digits stay, one definition of the envelope. */
static void test_envelope_text(void)
{
	const char *body = "{\"big\":99999999999999999999,\"s\":\"caf\u00e9\"}";
	struct json_text t;
	struct json_members o;
	struct json_span p;
	char *env;

	env = envelope_text("push", body, strlen(body), "Application/JSON; charset=utf-8",
			    "2024-05-06T07:08:09.000Z");
	is_str(env, "{\"event\":\"push\",\"eventPayload\":{\"big\":99999999999999999999,"
	       "\"s\":\"caf\u00e9\"},\"request\":{\"receivedAt\":\"2024-05-06T07:08:09.000Z\","
	       "\"contentType\":\"application/json\"}}", "the envelope text, payload spliced in");
	free(env);
	env = envelope_text("a\"b", "[1]", 3, NULL, "t");
	is_str(env, "{\"event\":\"a\\\"b\",\"eventPayload\":[1],\"request\":{\"receivedAt\":\"t\"}}",
	       "event escaped; no content type: none in the envelope");
	free(env);
	env = envelope_text("e", "{}", 2, "application/\xff" "json", "t");
	ok(env && strstr(env, "\"contentType\":\"application/\\\\xFFjson\""),
	   "a content type that is not UTF-8 is escaped: %s", env ? env : "(null)");
	free(env);

	const char *envb = "\xef\xbb\xbf {\"event\":\"x\",\"eventPayload\": {\"n\":1.000000000000000000001} } ";
	const char *form = "payload=%7B%22n%22%3A1e5%7D&x=1";

	is_int(body_text((const unsigned char *)envb, strlen(envb), NULL, &t, &o),
	       NORM_OK, "keep the text of a body with a BOM and blanks");
	ok(t.text && t.len > 0 && t.text[0] == '{' && t.text[t.len - 1] == '}' && !t.owned,
	   "the text is the body's, without BOM and blanks");
	free(event_infer(&o, NULL, &p));
	ok(p.text != t.text, "the eventPayload member's span");
	is_int(p.len, strlen("{\"n\":1.000000000000000000001}"), "its length");
	ok(memcmp(p.text, "{\"n\":1.000000000000000000001}", p.len) == 0, "its exact text");
	free(t.owned);

	is_int(body_text((const unsigned char *)form, strlen(form), "application/x-www-form-urlencoded", &t,
			 &o), NORM_OK, "a form payload");
	ok(t.owned && t.len == 9 && memcmp(t.text, "{\"n\":1e5}", 9) == 0,
	   "a form's payload field, decoded, as it came");
	free(t.owned);
	is_int(body_text((const unsigned char *)"a=1&b=%C3%A9", 12, "application/x-www-form-urlencoded",
			 &t, &o), NORM_OK, "a form without payload");
	ok(t.owned && strcmp(t.owned, "{\"a\":\"1\",\"b\":\"\xc3\xa9\"}") == 0 && t.text == t.owned,
	   "its fields object: %s", t.owned ? t.owned : "");
	ok(o.object && o.n == 2 && o.doc.text == t.text, "... and its members");
	free(t.owned);
}

int main(void)
{
	test_hdrs_index();
	test_envelope_text();
	test_parse();
	test_event();
	test_envelope();
	test_hdrs();
	test_form();
	return done_testing();
}
