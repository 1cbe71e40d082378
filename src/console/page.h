/* page: one console answer being built: HTML through one escaping function, the layout, the headers, redirects, the mount. */
#ifndef HG_CONSOLE_PAGE_H
#define HG_CONSOLE_PAGE_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "db/session.h"
#include "http/request.h"

/* The longest mount (the path prefix before /console/) that links and cookies use. */
#define CONSOLE_MOUNT_MAX 512

/*
 * A page: its HTML grows in buf. Text taken from anywhere but this
 * program's own literals goes through page_text (lib/html's html_escape);
 * page_raw is for literals only. Out of memory is remembered and turns
 * the answer into a 500 at page_send.
 */
struct page {
	struct hg_request *r;
	const struct session *s;	/* NULL: not logged in */
	char mount[CONSOLE_MOUNT_MAX];	/* "" or "/prefix": where /console/ is mounted */
	char *buf;
	size_t len, cap;
	bool failed;
};

/* Start a page for r (s: its session, or NULL); its mount from console_mount. */
void page_init(struct page *p, struct hg_request *r, const struct session *s);
/* Release what p holds (after page_send, or instead of it). */
void page_free(struct page *p);

/* A literal of this program's, as it is (HTML). */
void page_raw(struct page *p, const char *html);
/* Text, HTML-escaped (html_escape): for every value that is not a literal. */
void page_text(struct page *p, const char *text);
void page_textn(struct page *p, const char *text, size_t len);
/* A number, as text. */
void page_long(struct page *p, long v);
/* The URL of a console path ("/console/..."): the mount, then path, HTML-escaped. */
void page_url(struct page *p, const char *path);
/* A query value, percent-encoded (url_escape) then HTML-escaped. */
void page_qvalue(struct page *p, const char *value);
/* A timestamp as the database gives it (2026-11-30T02:13:35.123+00:00), shortened, in <time>. */
void page_time(struct page *p, const char *ts);
/* A badge for a status word (class "b-<word>" when the word is one of ours). */
void page_badge(struct page *p, const char *word);

/*
 * The top of a page: <head> with title, the stylesheet, the header with the
 * workspace and the logout form when logged in; then <main>.
 */
void page_begin(struct page *p, const char *title);
/* </main> and the end of the document. */
void page_end(struct page *p);

/* A hidden input of a form: name and value, escaped. */
void page_hidden(struct page *p, const char *name, const char *value);
/* A hidden input with the session's CSRF token (inside a form of a write session). */
void page_csrf(struct page *p);

/* Send p with status (text/html, the security headers) and free it. */
void page_send(struct page *p, int status);

/* The security headers of every console answer (SPEC 11). */
void console_headers(struct hg_request *r);

/* 303 to the console path (the mount is prepended). */
void console_redirect(struct hg_request *r, const char *path);

/* An HTML error page: status and message (the router's and the console's 4xx and 5xx). */
void console_error(struct hg_request *r, int status, const char *message);

/* Answer a failed store call as console_error: 503 when unavailable, else 500. */
void console_store_failed(struct hg_request *r, enum store_rc rc);

/*
 * Whether a db module's call succeeded (rc STORE_OK). Otherwise the page
 * has been sent: status with message for STORE_NOT_FOUND, else as
 * console_store_failed. message NULL: the call has no not-found of its own
 * (its outcome tells, or it is a failure), every failure is as
 * console_store_failed.
 */
bool console_store_ok(struct hg_request *r, enum store_rc rc, int status, const char *message)
	HG_MUSTCHECK;

/*
 * Where /console/ is mounted, into out: the request URI's path without the
 * routing path's end (so "/hookgate" under base_path, "/cgi-bin/hookgate.cgi"
 * as CGI, "" at the root), else base_path. Only [A-Za-z0-9._~/-] and never
 * "//" at the start: it goes into links, Location and the cookie's Path.
 */
void console_mount(const struct hg_request *r, char *out, size_t outlen);

/* Whether the request came over HTTPS (HTTPS=on, REQUEST_SCHEME, or a trusted proxy's X-Forwarded-Proto). */
bool console_https(const struct hg_request *r);

/* The string member key of o, or NULL (absent, null, not a string). */
const char *page_json_str(struct json_object *o, const char *key);

#endif
