/* hdrs: look up request headers in a CGI/FastCGI environment (HTTP_* variables), indexed once per request; the selected_headers kept of them and back. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webhook/hdrs.h"
#include "lib/util.h"

const char *env_get(char **envp, const char *name)
{
	size_t n;

	if (!envp || !name)
		return NULL;
	n = strlen(name);
	if (n == 0 || memchr(name, '=', n))
		return NULL;
	for (char **e = envp; *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	}
	return NULL;
}

/*
 * The CGI variable for header name into out: CONTENT_TYPE, CONTENT_LENGTH
 * or HTTP_<NAME>. Its length; 0 when name is empty or out too small.
 */
static size_t cgi_name(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), pos = 0;

	/* only a name of their lengths can be one of the two without HTTP_ */
	if ((n == 12 && strcasecmp(name, "Content-Type") == 0) ||
	    (n == 14 && strcasecmp(name, "Content-Length") == 0))
		pos = 0;
	else if (outlen > 5) {
		memcpy(out, "HTTP_", 5);
		pos = 5;
	}
	if (n == 0 || pos + n >= outlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[pos++] = c;
	}
	out[pos] = '\0';
	return pos;
}

/* FNV-1a of name[0..len). */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t x = 2166136261u;

	for (size_t i = 0; i < len; i++)
		x = (x ^ (unsigned char)name[i]) * 16777619u;
	return x;
}

static bool is_header_var(const char *e)
{
	return strncmp(e, "HTTP_", 5) == 0 || strncmp(e, "CONTENT_TYPE=", 13) == 0 ||
	       strncmp(e, "CONTENT_LENGTH=", 15) == 0;
}

void hdrs_index(struct hg_hdrs *h)
{
	size_t count = 0;

	h->indexed = false;
	memset(h->entry, 0, sizeof(h->entry));
	if (!h->envp)
		return;
	for (size_t i = 0; h->envp[i]; i++) {
		const char *e = h->envp[i], *eq;
		uint32_t x;
		size_t slot, len;

		if (!is_header_var(e) || !(eq = strchr(e, '=')))
			continue;
		if (++count > HDRS_SLOTS / 2 || i >= UINT16_MAX)
			return;		/* too many: every lookup scans, as without an index */
		len = (size_t)(eq - e);
		x = name_hash(e, len);
		for (slot = x & (HDRS_SLOTS - 1); h->entry[slot]; slot = (slot + 1) & (HDRS_SLOTS - 1)) {
			const char *o = h->envp[h->entry[slot] - 1];

			if (h->hash[slot] == x && strncmp(o, e, len + 1) == 0)
				break;	/* the same name again: the first one counts, as env_get */
		}
		if (!h->entry[slot]) {
			h->hash[slot] = x;
			h->entry[slot] = (uint16_t)(i + 1);
		}
	}
	h->indexed = true;
}

bool hdrs_key(const char *name, struct hdrs_key *k)
{
	k->len = name ? cgi_name(name, k->var, sizeof(k->var)) : 0;
	k->hash = name_hash(k->var, k->len);
	return k->len > 0;
}

const char *hdrs_get_key(const struct hg_hdrs *h, const struct hdrs_key *k)
{
	if (!h || !h->envp || k->len == 0)
		return NULL;
	if (!h->indexed)
		return env_get(h->envp, k->var);
	for (size_t slot = k->hash & (HDRS_SLOTS - 1); h->entry[slot];
	     slot = (slot + 1) & (HDRS_SLOTS - 1)) {
		const char *e = h->envp[h->entry[slot] - 1];

		if (h->hash[slot] == k->hash && memcmp(e, k->var, k->len) == 0 && e[k->len] == '=')
			return e + k->len + 1;
	}
	return NULL;
}

const char *hdrs_get(const struct hg_hdrs *h, const char *name)
{
	struct hdrs_key k;

	if (!h || !h->envp || !hdrs_key(name, &k))
		return NULL;
	return hdrs_get_key(h, &k);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *hdrs_get_span(const struct hg_hdrs *h, const char *name, size_t *len)
{
	const char *v = hdrs_get(h, name);
	size_t n;

	*len = 0;
	if (!v)
		return NULL;
	while (is_blank(*v))
		v++;
	n = strlen(v);
	while (n > 0 && is_blank(v[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	*len = n;
	return v;
}

/* ---- selected_headers (SPEC 2) ---- */

/* Headers kept for debugging (and for what a replay rebuilds); never a signature or an auth header. */
static const char *const kept_headers[] = {
	"User-Agent", "X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID",
	"X-Gitlab-Event", "X-Gitlab-Event-UUID", "X-Event-Type", "Idempotency-Key",
	"X-Request-Id", "webhook-id", "svix-id", "X-Slack-Request-Timestamp",
	"X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Shop-Domain",
	"X-Shopify-API-Version", "X-Shopify-Triggered-At",
	"shopify-topic", "shopify-webhook-id", "shopify-event-id", "shopify-shop-domain",
	"shopify-api-version", "shopify-triggered-at", NULL,
};

/* Signature headers: only whether one was present is kept. */
static const char *const signature_headers[] = {
	"X-Hub-Signature-256", "X-Hub-Signature", "webhook-signature", "svix-signature",
	"Stripe-Signature", "X-Slack-Signature", "X-Shopify-Hmac-Sha256", "shopify-hmac-sha256",
	"X-Gitlab-Token", NULL,
};

/* A kept header's value, at most this many bytes once escaped. */
#define SELECTED_VALUE_MAX 1024

#define SIGNATURE_PRESENT "signature_present"

/* Add v under key; v is put when that fails. */
static HG_MUSTCHECK bool add_owned(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/*
 * The lookup keys of kept_headers and signature_headers, made on first use
 * (a hookgate process has one thread): 33 lookups a request, each a hash
 * probe without building its CGI name again.
 */
static struct hdrs_key kept_keys[HG_ARRAY_LEN(kept_headers) - 1];
static struct hdrs_key signature_keys[HG_ARRAY_LEN(signature_headers) - 1];

static void selected_keys(void)
{
	static bool ready;

	if (ready)
		return;
	for (size_t i = 0; i < HG_ARRAY_LEN(kept_keys); i++)
		(void)hdrs_key(kept_headers[i], &kept_keys[i]);
	for (size_t i = 0; i < HG_ARRAY_LEN(signature_keys); i++)
		(void)hdrs_key(signature_headers[i], &signature_keys[i]);
	ready = true;
}

struct json_object *hdrs_selected(const struct hg_hdrs *h)
{
	struct json_object *o = json_object_new_object();
	bool signed_request = false;

	if (!o)
		return NULL;
	selected_keys();
	for (int i = 0; kept_headers[i]; i++) {
		const char *v = hdrs_get_key(h, &kept_keys[i]);
		char name[64], *safe;
		size_t n;
		bool ok;

		if (!v)
			continue;
		for (n = 0; kept_headers[i][n] && n < sizeof(name) - 1; n++)
			name[n] = (char)tolower((unsigned char)kept_headers[i][n]);
		name[n] = '\0';
		/* header bytes need not be UTF-8; jsonb must be */
		safe = utf8_escape(v, SELECTED_VALUE_MAX);
		ok = safe && add_owned(o, name, json_object_new_string(safe));
		free(safe);
		if (!ok)
			goto fail;
	}
	for (int i = 0; signature_headers[i]; i++)
		if (hdrs_get_key(h, &signature_keys[i]))
			signed_request = true;
	if (!add_owned(o, SIGNATURE_PRESENT, json_object_new_boolean(signed_request)))
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

bool hdrs_from_selected(struct json_object *selected, struct hg_hdrs *out)
{
	size_t n = 0, i = 0;

	out->envp = NULL;
	if (json_object_is_type(selected, json_type_object))
		n = (size_t)json_object_object_length(selected);
	out->envp = calloc(n + 1, sizeof(*out->envp));
	if (!out->envp)
		return false;
	if (n == 0)
		return true;
	json_object_object_foreach(selected, key, val) {
		char name[HDRS_NAME_MAX];
		const char *v;

		/* signature_present and anything else that is not a header value */
		if (!json_object_is_type(val, json_type_string) || strchr(key, '=') ||
		    cgi_name(key, name, sizeof(name)) == 0)
			continue;
		v = json_object_get_string(val);
		if (asprintf(&out->envp[i], "%s=%s", name, v) < 0) {
			out->envp[i] = NULL;
			hdrs_free_selected(out);
			return false;
		}
		i++;
	}
	return true;
}

void hdrs_free_selected(struct hg_hdrs *h)
{
	if (!h->envp)
		return;
	for (char **e = h->envp; *e; e++)
		free(*e);
	free(h->envp);
	h->envp = NULL;
}
