/* page: the console's HTML answers: a growing buffer written through html_escape, the layout, headers, errors, redirects and the mount. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "console/page.h"
#include "lib/cidr.h"
#include "lib/html.h"
#include "lib/log.h"

/* A page larger than this is an error (the body views cap what they show well below it). */
#define PAGE_MAX (32u << 20)

/* SPEC 11: no script, nothing from another host, no framing. */
#define CONSOLE_CSP \
	"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " \
	"frame-ancestors 'none'"

void page_init(struct page *p, struct hg_request *r, const struct session *s)
{
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->s = s;
	console_mount(r, p->mount, sizeof(p->mount));
}

void page_free(struct page *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

/* Room for n more bytes and a NUL; false (and p->failed) when there is none. */
static bool reserve(struct page *p, size_t n)
{
	size_t cap;
	char *nb;

	if (p->failed)
		return false;
	if (n > PAGE_MAX || p->len + n + 1 > PAGE_MAX) {
		p->failed = true;
		return false;
	}
	if (p->len + n + 1 <= p->cap)
		return true;
	cap = p->cap ? p->cap : 8192;
	while (cap < p->len + n + 1)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb) {
		p->failed = true;
		return false;
	}
	p->buf = nb;
	p->cap = cap;
	return true;
}

void page_raw(struct page *p, const char *html)
{
	size_t n = strlen(html);

	if (!reserve(p, n))
		return;
	memcpy(p->buf + p->len, html, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

void page_textn(struct page *p, const char *text, size_t len)
{
	if (!text || len > PAGE_MAX / 6 || !reserve(p, HTML_ESCAPE_MAX(len)))
		return;
	p->len += html_escape(text, len, p->buf + p->len);
}

void page_text(struct page *p, const char *text)
{
	if (text)
		page_textn(p, text, strlen(text));
}

void page_long(struct page *p, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	page_raw(p, buf);
}

void page_url(struct page *p, const char *path)
{
	page_text(p, p->mount);
	page_text(p, path);
}

void page_qvalue(struct page *p, const char *value)
{
	size_t n = strlen(value);
	char *enc;

	if (n > PAGE_MAX / 3) {
		p->failed = true;
		return;
	}
	enc = malloc(URL_ESCAPE_MAX(n) + 1);
	if (!enc) {
		p->failed = true;
		return;
	}
	url_escape(value, n, enc);
	page_text(p, enc);
	free(enc);
}

void page_time(struct page *p, const char *ts)
{
	char shown[20];

	if (!ts) {
		page_raw(p, "<span class=\"muted\">&#8212;</span>");
		return;
	}
	/* 2026-11-30T02:13:35: the date and the time to the second, in UTC */
	snprintf(shown, sizeof(shown), "%s", ts);
	if (shown[10] == 'T')
		shown[10] = ' ';
	page_raw(p, "<time datetime=\"");
	page_text(p, ts);
	page_raw(p, "\">");
	page_text(p, shown);
	page_raw(p, "</time>");
}

void page_badge(struct page *p, const char *word)
{
	if (!word) {
		page_raw(p, "<span class=\"muted\">&#8212;</span>");
		return;
	}
	page_raw(p, "<span class=\"badge b-");
	/* a class name of lower-case letters and '_' only; anything else is plain */
	for (const char *c = word; *c && c - word < 32; c++)
		if ((*c < 'a' || *c > 'z') && *c != '_')
			goto plain;
	page_text(p, word);
	goto text;
plain:
	page_raw(p, "other");
text:
	page_raw(p, "\">");
	page_text(p, word);
	page_raw(p, "</span>");
}

void page_hidden(struct page *p, const char *name, const char *value)
{
	page_raw(p, "<input type=\"hidden\" name=\"");
	page_text(p, name);
	page_raw(p, "\" value=\"");
	page_text(p, value);
	page_raw(p, "\">");
}

void page_csrf(struct page *p)
{
	if (p->s)
		page_hidden(p, "csrf", p->s->csrf);
}

void page_begin(struct page *p, const char *title)
{
	page_raw(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		 "<meta name=\"referrer\" content=\"same-origin\">\n<title>");
	page_text(p, title);
	page_raw(p, " &#183; hookgate</title>\n<link rel=\"icon\" href=\"data:,\">\n"
		 "<link rel=\"stylesheet\" href=\"");
	page_url(p, "/console/static/console.css");
	page_raw(p, "\">\n</head>\n<body>\n<header class=\"top\">\n<a class=\"brand\" href=\"");
	page_url(p, "/console/");
	page_raw(p, "\">hookgate</a>\n");
	if (p->s) {
		page_raw(p, "<span class=\"who\">workspace <strong>");
		page_text(p, p->s->workspace_slug);
		page_raw(p, "</strong> ");
		page_badge(p, p->s->can_write ? "write" : "read");
		page_raw(p, "</span>\n<form class=\"logout\" method=\"post\" action=\"");
		page_url(p, "/console/logout");
		page_raw(p, "\">");
		page_csrf(p);
		page_raw(p, "<button type=\"submit\">Log out</button></form>\n");
	}
	page_raw(p, "</header>\n<main>\n");
}

void page_end(struct page *p)
{
	page_raw(p, "</main>\n</body>\n</html>\n");
}

void console_headers(struct hg_request *r)
{
	/* Cache-Control: no-store comes with every answer (req_send_body) */
	(void)req_add_header(r, "Content-Security-Policy", CONSOLE_CSP);
	(void)req_add_header(r, "X-Content-Type-Options", "nosniff");
	(void)req_add_header(r, "X-Frame-Options", "DENY");
	(void)req_add_header(r, "Referrer-Policy", "same-origin");
}

void page_send(struct page *p, int status)
{
	struct hg_request *r = p->r;

	if (p->failed || !p->buf) {
		page_free(p);
		log_error("console: could not build the page");
		console_error(r, 500, "internal error");
		return;
	}
	console_headers(r);
	req_send_body(r, status, "text/html; charset=utf-8", p->buf, p->len);
	page_free(p);
}

void console_redirect(struct hg_request *r, const char *path)
{
	char mount[CONSOLE_MOUNT_MAX], location[REQ_EXTRA_HEADERS_MAX / 2];
	int n;

	console_mount(r, mount, sizeof(mount));
	n = snprintf(location, sizeof(location), "%s%s", mount, path);
	if (n < 0 || (size_t)n >= sizeof(location) || !req_add_header(r, "Location", location)) {
		console_error(r, 400, "That address is too long.");
		return;
	}
	console_headers(r);
	req_send_body(r, 303, "text/html; charset=utf-8", "", 0);
}

void console_error(struct hg_request *r, int status, const char *message)
{
	struct page p;
	char title[64];

	/* the router's errors come here too: never its JSON again */
	r->error_page = NULL;
	page_init(&p, r, NULL);
	snprintf(title, sizeof(title), "%d", status);
	page_begin(&p, title);
	page_raw(&p, "<section class=\"error\">\n<h1>");
	page_long(&p, status);
	page_raw(&p, "</h1>\n<p>");
	page_text(&p, message);
	page_raw(&p, "</p>\n<p><a href=\"");
	page_url(&p, "/console/");
	page_raw(&p, "\">Back to the console</a></p>\n</section>\n");
	page_end(&p);
	if (p.failed || !p.buf) {
		page_free(&p);
		console_headers(r);
		req_send_body(r, status, "text/plain; charset=utf-8", message, strlen(message));
		return;
	}
	page_send(&p, status);
}

void console_store_failed(struct hg_request *r, enum store_rc rc)
{
	if (rc == STORE_UNAVAILABLE) {
		(void)req_add_header(r, "Retry-After", REQ_RETRY_AFTER_UNAVAILABLE);
		console_error(r, 503, "The database cannot be reached just now; try again in a moment.");
	} else {
		console_error(r, 500, "internal error");
	}
}

bool console_store_ok(struct hg_request *r, enum store_rc rc, int status, const char *message)
{
	if (rc == STORE_OK)
		return true;
	if (rc == STORE_NOT_FOUND && message)
		console_error(r, status, message);
	else
		console_store_failed(r, rc);
	return false;
}

/* Whether s[0..n) may be a mount: a path of safe characters, "" or "/...", never "//...". */
static bool mount_safe(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (s[0] != '/' || (n > 1 && s[1] == '/') || n >= CONSOLE_MOUNT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && !strchr("._~/-", c))
			return false;
	}
	return true;
}

void console_mount(const struct hg_request *r, char *out, size_t outlen)
{
	const char *uri = req_env(r, "REQUEST_URI"), *base = r->settings->base_path;
	size_t ulen = uri ? strcspn(uri, "?#") : 0, plen = strlen(r->path);

	/* the URI the browser used ends with the routing path: what comes before is the mount */
	if (uri && ulen >= plen && strncmp(uri + ulen - plen, r->path, plen) == 0 &&
	    mount_safe(uri, ulen - plen) && ulen - plen < outlen) {
		snprintf(out, outlen, "%.*s", (int)(ulen - plen), uri);
		return;
	}
	if (mount_safe(base, strlen(base)))
		snprintf(out, outlen, "%s", base);
	else
		out[0] = '\0';
}

bool console_https(const struct hg_request *r)
{
	const char *https = req_env(r, "HTTPS"), *scheme = req_env(r, "REQUEST_SCHEME");
	const char *remote = req_env(r, "REMOTE_ADDR"), *fwd;

	if (https && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0))
		return true;
	if (scheme && strcasecmp(scheme, "https") == 0)
		return true;
	/* a TLS-terminating proxy says so, when it is one we believe */
	fwd = hdrs_get(&r->hdrs, "X-Forwarded-Proto");
	return fwd && strcasecmp(fwd, "https") == 0 && remote && r->settings->trusted_proxies[0] &&
	       cidr_list_contains(r->settings->trusted_proxies, remote);
}

const char *page_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
