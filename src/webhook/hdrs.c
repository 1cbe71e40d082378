/* hdrs: look up request headers in a CGI/FastCGI environment (HTTP_* variables), indexed once per request. */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "webhook/hdrs.h"

/* Longest CGI variable name we build; header names we look up are far shorter. */
#define ENV_NAME_MAX 128

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

/* The CGI variable for header name into out: CONTENT_TYPE, CONTENT_LENGTH or HTTP_<NAME>. */
static bool cgi_name(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), pos = 0;

	if (strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0)
		pos = 0;
	else if (outlen > 5) {
		memcpy(out, "HTTP_", 5);
		pos = 5;
	}
	if (n == 0 || pos + n >= outlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[pos++] = c;
	}
	out[pos] = '\0';
	return true;
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

const char *hdrs_get(const struct hg_hdrs *h, const char *name)
{
	char env_name[ENV_NAME_MAX];
	size_t len;
	uint32_t x;

	if (!h || !h->envp || !name || !cgi_name(name, env_name, sizeof(env_name)))
		return NULL;
	if (!h->indexed)
		return env_get(h->envp, env_name);
	len = strlen(env_name);
	x = name_hash(env_name, len);
	for (size_t slot = x & (HDRS_SLOTS - 1); h->entry[slot]; slot = (slot + 1) & (HDRS_SLOTS - 1)) {
		const char *e = h->envp[h->entry[slot] - 1];

		if (h->hash[slot] == x && strncmp(e, env_name, len) == 0 && e[len] == '=')
			return e + len + 1;
	}
	return NULL;
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

const char *hdrs_get_trimmed(const struct hg_hdrs *h, const char *name, char *out, size_t outlen)
{
	size_t n;
	const char *v = hdrs_get_span(h, name, &n);

	if (!v || !out || n >= outlen)
		return NULL;
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}
