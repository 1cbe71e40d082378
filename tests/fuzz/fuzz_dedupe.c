/*
 * fuzz_dedupe: the dedupe key of every provider (src/webhook/provider.c,
 * SPEC 3.5 and 7) against the table written again here: which header (or
 * body member) each provider reads first, values trimmed, empty counting
 * as absent, dedupe_source the header's name in lower case. Input: six
 * header values, each ended by a newline, then the body.
 * Properties: a key exactly when a source is named; a present candidate
 * always gives a key (dedupe never silently off); the key is the trimmed
 * value of the first present candidate when that is UTF-8 without NUL and
 * at most DEDUPE_KEY_MAX bytes, else "sha256:" and the hex SHA-256 of it.
 */
#include "config.h"

#include <json-c/json.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "lib/util.h"
#include "webhook/hdrs.h"
#include "webhook/normalize.h"
#include "webhook/provider.h"

static const char *const vars[] = {
	"HTTP_X_GITHUB_DELIVERY", "HTTP_IDEMPOTENCY_KEY", "HTTP_WEBHOOK_ID", "HTTP_SVIX_ID",
	"HTTP_X_SHOPIFY_WEBHOOK_ID", "HTTP_X_GITLAB_EVENT_UUID",
};

/* Each provider's candidates in order: header variables or "body.<member>". */
static const struct rule {
	const char *provider;
	const char *first, *second;
} rules[] = {
	{ "generic", "HTTP_IDEMPOTENCY_KEY", "HTTP_X_GITHUB_DELIVERY" },
	{ "github", "HTTP_X_GITHUB_DELIVERY", "HTTP_IDEMPOTENCY_KEY" },
	{ "standard", "HTTP_WEBHOOK_ID", "HTTP_SVIX_ID" },
	{ "stripe", "body.id", NULL },
	{ "slack", "body.event_id", NULL },
	{ "shopify", "HTTP_X_SHOPIFY_WEBHOOK_ID", NULL },
	{ "gitlab", "HTTP_IDEMPOTENCY_KEY", "HTTP_X_GITLAB_EVENT_UUID" },
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The trimmed value of candidate c (NULL when absent or blank), its length in *len. */
static const char *candidate(const char *c, char **envp, struct json_object *body, size_t *len)
{
	const char *v = NULL;
	size_t n;

	if (!c)
		return NULL;
	if (strncmp(c, "body.", 5) == 0) {
		struct json_object *m;

		if (json_object_is_type(body, json_type_object) &&
		    json_object_object_get_ex(body, c + 5, &m) && json_object_is_type(m, json_type_string))
			v = json_object_get_string(m);
	} else {
		for (char **e = envp; *e && !v; e++)
			if (strncmp(*e, c, strlen(c)) == 0 && (*e)[strlen(c)] == '=')
				v = *e + strlen(c) + 1;
	}
	if (!v)
		return NULL;
	while (blank(*v))
		v++;
	n = strlen(v);
	while (n > 0 && blank(v[n - 1]))
		n--;
	*len = n;
	return n ? v : NULL;
}

/* The source name a candidate is recorded under. */
static void source_name(const char *c, char *out, size_t outlen)
{
	size_t i = 0;

	if (strncmp(c, "body.", 5) == 0) {
		snprintf(out, outlen, "%s", c);
		return;
	}
	for (c += 5; *c && i + 1 < outlen; c++, i++)
		out[i] = *c == '_' ? '-' : (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	out[i] = '\0';
}

static bool is_hash_of(const char *key, const char *v, size_t len)
{
	unsigned char md[32];
	char hex[72];
	unsigned int mdlen;

	if (strncmp(key, "sha256:", 7) != 0 || !EVP_Digest(v, len, md, &mdlen, EVP_sha256(), NULL))
		return false;
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return strcmp(key + 7, hex) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	char *envp[HG_ARRAY_LEN(vars) + 1], *owned[HG_ARRAY_LEN(vars)];
	struct hg_hdrs h = { .envp = envp };
	struct json_object *body = NULL;	/* the oracle reads json-c's tree */
	struct json_members m;			/* the rules read the text, as ingress does */
	struct json_text t;
	int n = 0;

	for (size_t i = 0; i < HG_ARRAY_LEN(vars); i++) {
		char *v = fz_field(&f, '\n', NULL);

		/* an empty value is sent too: it counts as absent */
		owned[i] = malloc(strlen(vars[i]) + strlen(v) + 2);
		if (!owned[i])
			abort();
		sprintf(owned[i], "%s=%s", vars[i], v);
		envp[n++] = owned[i];
		free(v);
	}
	envp[n] = NULL;
	if (body_parse(f.p, f.n, &body) != NORM_OK)
		body = NULL;
	if (body) {
		PROPERTY(body_text(f.p, f.n, NULL, &t, &m) == NORM_OK, "body_text refuses what body_parse took");
	}

	for (size_t i = 0; i < HG_ARRAY_LEN(rules); i++) {
		const struct rule *r = &rules[i];
		const struct provider *p = provider_find(r->provider);
		struct dedupe d;
		const char *v, *which = r->first;
		size_t len = 0;
		char want_source[64];

		PROPERTY(p != NULL, "no provider %s", r->provider);
		memset(&d, 'x', sizeof(d));
		PROPERTY(p->dedupe(&h, body ? &m : NULL, &d), "%s: out of memory", r->provider);
		PROPERTY((d.key[0] != '\0') == (d.source != NULL), "%s: key '%s' with source %s",
			 r->provider, d.key, d.source ? d.source : "NULL");
		v = candidate(r->first, envp, body, &len);
		if (!v) {
			which = r->second;
			v = candidate(r->second, envp, body, &len);
		}
		if (!v) {
			PROPERTY(d.key[0] == '\0', "%s: a key '%s' without a candidate", r->provider, d.key);
			continue;
		}
		/* a key of any length dedupes: never silently switched off (SPEC 3.5) */
		PROPERTY(d.key[0] != '\0', "%s: %zu-byte candidate %s gave no key", r->provider, len, which);
		source_name(which, want_source, sizeof(want_source));
		PROPERTY(strcmp(d.source, want_source) == 0, "%s: source %s, want %s", r->provider,
			 d.source, want_source);
		if (len <= DEDUPE_KEY_MAX && !memchr(v, '\0', len) && utf8_valid((const unsigned char *)v, len))
			PROPERTY(strlen(d.key) == len && memcmp(d.key, v, len) == 0,
				 "%s: key '%s' is not the trimmed value of %s", r->provider, d.key, which);
		else
			PROPERTY(is_hash_of(d.key, v, len), "%s: key '%s' is not the hash of the %zu bytes of %s",
				 r->provider, d.key, len, which);
	}
	json_object_put(body);
	for (size_t i = 0; i < HG_ARRAY_LEN(vars); i++)
		free(owned[i]);
	return 0;
}
