"""consolehelp: a browser-less client of the console (SPEC 11) over one front-end: login, pages, forms.

The browser tests (test_console_browser.py) drive Chromium; these helpers speak plain HTTP so
that every rule can also be checked byte for byte (headers, cookies, status codes).
"""

import hashlib
import html
import re

import requests

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'")


def hidden(page, name):
    """The value of the hidden input called name in page (HTML text), unescaped; None when absent."""
    m = re.search(r'<input type="hidden" name="%s" value="([^"]*)">' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def assert_console_headers(resp):
    """The headers of every console answer (SPEC 11)."""
    assert resp.headers.get("Content-Security-Policy") == CSP, resp.headers
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", resp.headers
    assert resp.headers.get("Cache-Control") == "no-store", resp.headers


def assert_html(resp, status):
    assert resp.status_code == status, "HTTP %d, wanted %d: %s" % (resp.status_code, status,
                                                                   resp.text[:500])
    assert resp.headers.get("Content-Type", "").startswith("text/html"), resp.headers
    assert_console_headers(resp)
    return resp.text


def set_cookies(resp):
    """The Set-Cookie header lines of resp (requests folds them; the raw headers keep them)."""
    return resp.raw.headers.getlist("Set-Cookie")


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Console:
    """One browser's worth of console: a cookie jar on one front-end."""

    def __init__(self, front, prefix=""):
        self.front = front
        self.prefix = prefix          # a base_path the front does not add itself
        self.http = requests.Session()

    def url(self, path):
        return self.front.url(self.prefix + path)

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return self.http.get(self.url(path), **kw)

    def post(self, path, data=None, **kw):
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return self.http.post(self.url(path), data=data or {}, **kw)

    def login(self, key):
        """GET the form, POST the key with its login token; the answer (303 when it worked)."""
        form = self.get("/console/login")
        assert_html(form, 200)
        return self.post("/console/login", {"login_token": hidden(form.text, "login_token"),
                                            "key": key})

    def must_login(self, key):
        resp = self.login(key)
        assert resp.status_code == 303, resp.text[:500]
        assert resp.headers["Location"].endswith("/console/"), resp.headers
        return resp

    def session_token(self):
        return self.http.cookies.get("hg_session")

    def page(self, path, status=200):
        return assert_html(self.get(path), status)

    def csrf(self, path="/console/"):
        """The session's CSRF token, from the logout form of any page."""
        return hidden(self.page(path), "csrf")

    def logout(self):
        return self.post("/console/logout", {"csrf": self.csrf()})

    def replay(self, autopilot_id, delivery_id, csrf=True, nonce=None):
        path = "/console/autopilots/%s/deliveries/%s" % (autopilot_id, delivery_id)
        data = {}
        if csrf is True:
            data["csrf"] = self.csrf()
        elif csrf:
            data["csrf"] = csrf
        if nonce:
            data["nonce"] = nonce
        return self.post(path + "/replay", data)
