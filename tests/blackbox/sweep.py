"""sweep: the secrets the suite created, and every answer and log line hookgate gave (SPEC 8.3, 4.2).

conftest installs the hooks: every hookgatectl run (harness.Ctl) and every HTTP exchange
(requests, http.client) is recorded here; test_zz_secrets.py, which runs last, searches all
of it and every log file of the session for every signing secret, API key and webhook token
that was created. Only the one-time answers may hold one: `hookgatectl apikey create` its
key, `trigger create` / `trigger rotate` and the API's trigger create and
rotate-webhook-token answers (never to a read key) the new token.
"""

import http.client
import json
import threading
import urllib.parse

import requests

SECRETS = {}            # value -> "signing secret", "API key" or "webhook token"
READ_KEYS = set()
ANSWERS = []            # [where, text, values it may hold, answered to a read key]
_lock = threading.Lock()


def _secret(value, kind):
    if isinstance(value, str) and value:
        with _lock:
            SECRETS.setdefault(value, kind)


def _answer(where, text, allowed=(), read_key=False):
    with _lock:
        ANSWERS.append((where, text, frozenset(allowed), read_key))


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _tokens(obj):
    """Every non-null webhook_token in obj, at any depth."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "webhook_token" and isinstance(v, str):
                yield v
            else:
                yield from _tokens(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _tokens(v)


def on_ctl(args, input, proc):
    """harness.Ctl observer."""
    cmd = tuple(args[:2])
    out = _json(proc.stdout) if proc.returncode == 0 else None
    allowed = set()
    if cmd == ("apikey", "create") and isinstance(out, dict):
        _secret(out.get("key"), "API key")
        allowed.add(out.get("key"))
        if out.get("scope") == "read":
            READ_KEYS.add(out.get("key"))
    if cmd in (("trigger", "create"), ("trigger", "rotate")) and out is not None:
        for t in _tokens(out):
            _secret(t, "webhook token")
            allowed.add(t)
    if cmd == ("trigger", "set-secret") and proc.returncode == 0 and input:
        _secret(input.strip(), "signing secret")
    _answer("hookgatectl " + " ".join(args[:2]), proc.stdout + proc.stderr, allowed)


def on_http(method, url, req_headers, req_body, status, resp_headers, text):
    """An HTTP exchange with hookgate (requests or http.client)."""
    path = urllib.parse.urlsplit(url).path
    auth = (req_headers or {}).get("Authorization", "")
    key = auth[7:].strip() if auth.startswith("Bearer ") else None
    out = _json(text)
    allowed = set()
    if 200 <= status < 300 and out is not None:
        creates = method == "POST" and (path.endswith("/triggers") or path.endswith("/rotate-webhook-token"))
        for t in _tokens(out):
            _secret(t, "webhook token")
            if creates:
                allowed.add(t)
    if method == "PUT" and path.endswith("/signing-secret") and 200 <= status < 300 and req_body:
        body = _json(req_body.decode("utf-8", "replace") if isinstance(req_body, bytes) else req_body)
        if isinstance(body, dict):
            _secret((body.get("signing_secret") or "").strip(), "signing secret")
    headers = "".join("%s: %s\n" % kv for kv in (resp_headers or {}).items())
    _answer("%s %s -> %d" % (method, path, status), headers + (text or ""), allowed,
            read_key=key in READ_KEYS)


def install():
    """Record every hookgatectl run and HTTP exchange of the session (idempotent)."""
    import harness
    if on_ctl in harness.Ctl.observers:
        return
    harness.Ctl.observers.append(on_ctl)

    send = requests.Session.send

    def recorded_send(self, request, **kw):
        resp = send(self, request, **kw)
        try:
            on_http(request.method, request.url, request.headers, request.body, resp.status_code,
                    resp.headers, resp.text)
        except Exception:       # the sweep never breaks a test
            pass
        return resp
    requests.Session.send = recorded_send

    # the few tests that speak http.client themselves
    getresponse = http.client.HTTPConnection.getresponse

    def recorded_getresponse(self, *a, **kw):
        resp = getresponse(self, *a, **kw)
        read = resp.read

        def recorded_read(amt=None):
            data = read(amt)
            if amt is None and data:
                _answer("http.client -> %d" % resp.status, "".join(
                    "%s: %s\n" % kv for kv in resp.getheaders()) + data.decode("utf-8", "replace"))
            return data
        resp.read = recorded_read
        return resp
    http.client.HTTPConnection.getresponse = recorded_getresponse
