"""apihelp: a management-API client bound to an API key, and a fixture with a workspace and its keys.

Tests import what they use:  from apihelp import ws, ws2, Api, ...
(pytest finds fixtures imported into a test module's namespace; ws needs api_front
imported too).
"""

import base64
import json
import os
import re
import types
import uuid

import pytest
import requests

from harness import assert_json_response

# to_json(timestamptz) with TimeZone=UTC, e.g. 2026-11-30T02:12:40.123456+00:00
ISO_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TOKEN_RE = re.compile(r"^awt_[A-Za-z0-9_-]{43}$")

AUTOPILOT_KEYS = {"id", "workspace_id", "title", "description", "status", "runtime_id",
                  "last_run_at", "created_at", "updated_at"}
TRIGGER_KEYS = {"id", "autopilot_id", "kind", "enabled", "provider", "label", "event_filters",
                "webhook_path", "webhook_url", "webhook_token", "webhook_token_hint", "has_signing_secret",
                "signing_secret_hint", "has_previous_signing_secret", "last_fired_at",
                "created_at", "updated_at"}
RUNTIME_KEYS = {"id", "workspace_id", "name", "last_seen_at", "online", "created_at"}


# the answers that carry a webhook token: create and rotate; every other one shows only its hint
TOKEN_FIELDS = ("webhook_token", "webhook_path", "webhook_url")


def as_read(trigger):
    """A trigger as any answer but create and rotate shows it: no token, its hint."""
    hidden = dict(trigger, **{k: None for k in TOKEN_FIELDS})
    if trigger.get("webhook_token"):
        assert trigger["webhook_token_hint"] == trigger["webhook_token"][:8], trigger
    return hidden


def random_key():
    """A well-formed API key that no workspace holds."""
    return "hgk_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def new_id():
    return str(uuid.uuid4())


class Api:
    """The management API through one front-end, with one key (None: no Authorization header)."""

    def __init__(self, front, key, scope=None, key_id=None):
        self.front = front
        self.key = key
        self.scope = scope
        self.key_id = key_id
        self.seen = []  # every response body, for "never contains a secret" checks

    def request(self, method, path, body=None, data=None, headers=None, key=None, **kw):
        h = {}
        k = key if key is not None else self.key
        if k is not None:
            h["Authorization"] = "Bearer " + k
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        kw.setdefault("timeout", 30)
        resp = requests.request(method, self.front.url(path), data=data, headers=h, **kw)
        self.seen.append(resp.text)
        return resp

    def call(self, method, path, body=None, status=200, **kw):
        """request + assert the status, JSON and X-Request-Id; the parsed body (None for 204)."""
        resp = self.request(method, path, body=body, **kw)
        if status == 204:
            assert resp.status_code == 204, "HTTP %d, wanted 204: %r" % (resp.status_code, resp.text)
            assert resp.content == b"", resp.content
            return None
        return assert_json_response(resp, status)

    def error(self, method, path, body=None, status=400, **kw):
        """A call that must fail: the error message (the body must be exactly {"error": str})."""
        out = self.call(method, path, body=body, status=status, **kw)
        assert set(out) == {"error"} and isinstance(out["error"], str) and out["error"], out
        return out["error"]

    def get(self, path, status=200, **kw):
        return self.call("GET", path, status=status, **kw)

    def post(self, path, body=None, status=201, **kw):
        return self.call("POST", path, body=body, status=status, **kw)

    def patch(self, path, body=None, status=200, **kw):
        return self.call("PATCH", path, body=body, status=status, **kw)

    def put(self, path, body=None, status=200, **kw):
        return self.call("PUT", path, body=body, status=status, **kw)

    def delete(self, path, status=204, **kw):
        return self.call("DELETE", path, status=status, **kw)

    # ---- shortcuts

    def autopilot(self, **body):
        body.setdefault("title", "api autopilot")
        return self.post("/api/autopilots", body)["autopilot"]

    def trigger(self, autopilot_id, **body):
        return self.post("/api/autopilots/%s/triggers" % autopilot_id, body)["trigger"]

    def runtime(self, name="api worker"):
        return self.post("/api/runtimes", {"name": name})["runtime"]


class Workspace:
    """A workspace (through hookgatectl) with a write key and a read key."""

    def __init__(self, fx, front):
        self.fx = fx
        self.db = fx.db
        self.front = front
        self.id = self.fx.workspace["id"]
        self.slug = self.fx.slug
        self.write = self.api_key("write")
        self.read = self.api_key("read")

    def api_key(self, scope):
        k = self.fx.ctl("apikey", "create", "--workspace", self.slug, "--scope", scope,
                        "--name", "bb " + scope)
        assert k["key"].startswith("hgk_") and k["scope"] == scope, k
        return Api(self.front, k["key"], scope=scope, key_id=k["id"])

    def revoke(self, api):
        self.db.execute("UPDATE api_key SET revoked_at = now() WHERE id = %s", (api.key_id,))

    def trig(self, trigger, autopilot_id=None):
        """A namespace for harness.Front.hook (needs .path) from an API trigger."""
        return types.SimpleNamespace(id=trigger["id"], path=trigger["webhook_path"],
                                     token=trigger["webhook_token"],
                                     autopilot_id=autopilot_id or trigger["autopilot_id"])


@pytest.fixture
def api_front(request):
    """The pool, or CGI with HG_API_FRONT=cgi (e.g. to run every API test under ASan's leak check)."""
    if os.environ.get("HG_API_FRONT") == "cgi":
        return request.getfixturevalue("cgi_front")
    return request.getfixturevalue("pool_front")


@pytest.fixture
def ws(fx, api_front):
    """The test's workspace (the same as fx's), with keys."""
    return Workspace(fx, api_front)


@pytest.fixture
def ws2(fx, api_front):
    """A second, unrelated workspace: its ids must look non-existent to ws's keys."""
    return Workspace(type(fx)(fx.ctl, fx.db), api_front)


def assert_iso(ts):
    assert isinstance(ts, str) and ISO_TS.match(ts), "not an ISO 8601 timestamp: %r" % (ts,)


def count(db, sql, *args):
    return db.execute(sql, args).fetchone()["n"]
