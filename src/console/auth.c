/* auth: log in with an API key, log out, and the session behind every other console page (SPEC 11). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "console/auth.h"
#include "console/console.h"
#include "console/page.h"
#include "db/apikey.h"
#include "http/limits.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * The login form's own token, in a cookie of the login page and in the
 * form: a POST to /console/login from another site has the cookie (it
 * is SameSite=Strict: it has not) or the field, never both.
 */
#define LOGIN_COOKIE		"hg_login"
#define LOGIN_TOKEN_PREFIX	"hgl_"

/* Cookie name's value from the Cookie header into out (SESSION_TOKEN_LEN + 1 bytes): the first well-formed one. */
static const char *cookie(const struct hg_request *r, const char *name, const char *prefix,
			  char *out)
{
	const char *c = hdrs_get(&r->hdrs, "Cookie");
	size_t nlen = strlen(name);

	while (c && *c) {
		size_t len;

		c += strspn(c, " \t;");
		len = strcspn(c, ";");
		if (len > nlen + 1 && strncmp(c, name, nlen) == 0 && c[nlen] == '=' &&
		    len - nlen - 1 == SESSION_TOKEN_LEN) {
			memcpy(out, c + nlen + 1, SESSION_TOKEN_LEN);
			out[SESSION_TOKEN_LEN] = '\0';
			if (token_well_formed(prefix, out))
				return out;
		}
		c += len;
	}
	out[0] = '\0';
	return NULL;
}

/* Set-Cookie name=value on path (under the mount); max_age < 0: for the browser's session. */
static void set_cookie(struct hg_request *r, const char *name, const char *value,
		       const char *path, long max_age)
{
	char mount[CONSOLE_MOUNT_MAX], v[CONSOLE_MOUNT_MAX + 256], age[32] = "";

	console_mount(r, mount, sizeof(mount));
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	snprintf(v, sizeof(v), "%s=%s; Path=%s%s%s; HttpOnly; SameSite=Strict%s", name, value,
		 mount, path, age, console_https(r) ? "; Secure" : "");
	if (!req_add_header(r, "Set-Cookie", v))
		log_error("console: no room for a Set-Cookie header");
	OPENSSL_cleanse(v, sizeof(v));
}

/* Read the form body; false with a 413 or 400 page sent. */
static HG_MUSTCHECK bool read_form(struct hg_request *r)
{
	switch (req_read_body(r, CONSOLE_FORM_MAX)) {
	case BODY_OK:
		return true;
	case BODY_TOO_LARGE:
		console_error(r, 413, "That form is too large.");
		return false;
	default:
		console_error(r, 400, "The form could not be read.");
		return false;
	}
}

const char *console_form(const struct hg_request *r, const char *name, char *out, size_t outlen)
{
	return r->body ? req_param((const char *)r->body, name, out, outlen) : NULL;
}

bool console_session(struct hg_request *r, struct session *s)
{
	char token[SESSION_TOKEN_LEN + 1];
	enum store_rc rc = STORE_NOT_FOUND;
	bool post = strcmp(r->method, "POST") == 0;

	if (cookie(r, CONSOLE_COOKIE, SESSION_TOKEN_PREFIX, token))
		rc = session_find(token, s);
	OPENSSL_cleanse(token, sizeof(token));
	if (rc == STORE_OK) {
		/* what the log line and the db modules' scoping use, as for an API key */
		snprintf(r->key_id, sizeof(r->key_id), "%s", s->key_id);
		snprintf(r->workspace_id, sizeof(r->workspace_id), "%s", s->workspace_id);
		r->can_write = s->can_write;
		return true;
	}
	if (rc != STORE_NOT_FOUND) {
		console_store_failed(r, rc);
		return false;
	}
	/* unknown, idle, logged out or its key revoked: the cookie is of no use any more */
	if (hdrs_get(&r->hdrs, "Cookie") && strstr(hdrs_get(&r->hdrs, "Cookie"), CONSOLE_COOKIE "="))
		set_cookie(r, CONSOLE_COOKIE, "", "/console/", 0);
	if (post)
		console_error(r, 403, "You are not logged in (or your session ended): log in again.");
	else
		console_redirect(r, "/console/login");
	return false;
}

bool console_post(struct hg_request *r, const struct session *s, bool need_write)
{
	char csrf[SESSION_TOKEN_LEN + 8];

	if (!read_form(r))
		return false;
	if (!session_csrf_ok(s, console_form(r, "csrf", csrf, sizeof(csrf)))) {
		console_error(r, 403, "This form has no valid CSRF token: reload the page and try again.");
		return false;
	}
	if (need_write && !s->can_write) {
		console_error(r, 403, "This session's API key is read-only.");
		return false;
	}
	return true;
}

/* ---- GET /console/login ---- */

/* The login page, with message (NULL: none) above the form. */
static void login_page(struct hg_request *r, int status, const char *message)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct page p;

	if (!token_generate(LOGIN_TOKEN_PREFIX, token, sizeof(token))) {
		console_error(r, 500, "internal error");
		return;
	}
	set_cookie(r, LOGIN_COOKIE, token, "/console/login", 3600);
	page_init(&p, r, NULL);
	page_begin(&p, "Log in");
	page_raw(&p, "<section class=\"login\">\n<h1>Log in</h1>\n"
		 "<p>Paste an API key of your workspace (<code>hgk_&#8230;</code>, made with "
		 "<code>hookgatectl apikey create</code>). The browser keeps a session of its "
		 "own, never the key; it ends at logout, after 12 hours without use, or when "
		 "the key is revoked. A <strong>read</strong> key can look; a "
		 "<strong>write</strong> key can also replay deliveries.</p>\n");
	if (message) {
		page_raw(&p, "<p class=\"flash\" role=\"alert\">");
		page_text(&p, message);
		page_raw(&p, "</p>\n");
	}
	page_raw(&p, "<form method=\"post\" action=\"");
	page_url(&p, "/console/login");
	page_raw(&p, "\">\n<input type=\"hidden\" name=\"login_token\" value=\"");
	page_text(&p, token);
	page_raw(&p, "\">\n<label for=\"key\">API key</label>\n"
		 "<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"off\" "
		 "spellcheck=\"false\" required autofocus>\n"
		 "<button type=\"submit\">Log in</button>\n</form>\n</section>\n");
	page_end(&p);
	OPENSSL_cleanse(token, sizeof(token));
	page_send(&p, status);
}

void console_login_form(struct hg_request *r)
{
	login_page(r, 200, NULL);
}

/* ---- POST /console/login ---- */

void console_login(struct hg_request *r)
{
	char key[SESSION_TOKEN_LEN + 8], given[SESSION_TOKEN_LEN + 8], expected[SESSION_TOKEN_LEN + 1];
	char hash[65], token[SESSION_TOKEN_LEN + 1], old[SESSION_TOKEN_LEN + 1];
	struct apikey_identity id;
	struct session s;
	enum store_rc rc;

	if (!read_form(r))
		goto out;
	if (!cookie(r, LOGIN_COOKIE, LOGIN_TOKEN_PREFIX, expected) ||
	    !console_form(r, "login_token", given, sizeof(given)) ||
	    strlen(given) != strlen(expected) ||
	    CRYPTO_memcmp(given, expected, strlen(expected)) != 0) {
		login_page(r, 403, "The login form expired (or came from another site): try again.");
		goto out;
	}
	/* keys are guessed no faster than webhook tokens */
	if (limit_bad_credentials_spent(r))
		goto out;
	if (!console_form(r, "key", key, sizeof(key)) || !token_well_formed(APIKEY_PREFIX, key)) {
		limit_charge_bad_credentials(r);
		login_page(r, 401, "That is not an API key: keys look like hgk_ and 43 more characters.");
		goto out;
	}
	sha256_hex(key, strlen(key), hash);
	rc = apikey_authenticate(hash, &id);
	if (rc == STORE_OK)
		rc = session_create(&id, token, &s);
	if (rc == STORE_NOT_FOUND) {
		limit_charge_bad_credentials(r);
		login_page(r, 401, "Unknown or revoked API key.");
		goto out;
	}
	if (!console_store_ok(r, rc, 0, NULL))
		goto out;
	snprintf(r->key_id, sizeof(r->key_id), "%s", id.key_id);
	/* a session this browser had before ends: one login, one session */
	if (cookie(r, CONSOLE_COOKIE, SESSION_TOKEN_PREFIX, old) && session_end(old) != STORE_OK)
		log_warn("console: could not end the session this login replaces");
	set_cookie(r, CONSOLE_COOKIE, token, "/console/", -1);
	set_cookie(r, LOGIN_COOKIE, "", "/console/login", 0);
	console_redirect(r, "/console/");
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(token, sizeof(token));
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(hash, sizeof(hash));
}

/* ---- POST /console/logout ---- */

void console_logout(struct hg_request *r)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct session s;
	enum store_rc rc;

	/* any session may end itself, a read one too: it changes nothing of the workspace */
	if (!console_session(r, &s) || !console_post(r, &s, false))
		return;
	cookie(r, CONSOLE_COOKIE, SESSION_TOKEN_PREFIX, token);
	rc = session_end(token);
	OPENSSL_cleanse(token, sizeof(token));
	if (!console_store_ok(r, rc, 0, NULL))
		return;
	set_cookie(r, CONSOLE_COOKIE, "", "/console/", 0);
	console_redirect(r, "/console/login");
}
