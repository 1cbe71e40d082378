"""runhelp: helpers shared by the deliveries and runs API tests: API keys, calls, bulk rows."""

import concurrent.futures
import json
import types
import uuid

import requests

from harness import assert_json_response, unique_slug

RUN_FIELDS = {"id", "autopilot_id", "trigger_id", "webhook_delivery_id", "source", "status",
              "failure_reason", "result", "claimed_by", "attempts", "available_at",
              "lease_expires_at", "completed_at", "created_at"}
RUN_DETAIL_FIELDS = RUN_FIELDS | {"trigger_payload"}

DELIVERY_FIELDS = {"id", "autopilot_id", "trigger_id", "provider", "event", "dedupe_key",
                   "dedupe_source", "signature_status", "status", "attempt_count",
                   "content_type", "response_status", "autopilot_run_id",
                   "replayed_from_delivery_id", "error", "received_at", "last_attempt_at",
                   "body_pruned_at", "created_at"}
DELIVERY_DETAIL_FIELDS = DELIVERY_FIELDS | {"selected_headers", "raw_body", "raw_body_encoding",
                                            "response_body", "replay_idempotency_key"}
# never in a list answer
HEAVY_FIELDS = ("raw_body", "selected_headers", "response_body")


class Api:
    """The management API through one front-end with one API key (None: no Authorization)."""

    def __init__(self, front, key):
        self.front = front
        self.key = key

    def call(self, method, path, body=None, headers=None, data=None, **kw):
        h = {}
        if self.key is not None:
            h["Authorization"] = "Bearer " + self.key
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        kw.setdefault("timeout", 30)
        return requests.request(method, self.front.url(path), data=data, headers=h, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def ok(self, method, path, status=200, **kw):
        """Call and return the JSON of an answer that must have this status."""
        return assert_json_response(self.call(method, path, **kw), status)


def keys(fx, front):
    """A write and a read Api for fx's workspace."""
    write = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "write")
    read = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "read")
    assert write["scope"] == "write" and read["scope"] == "read"
    return Api(front, write["key"]), Api(front, read["key"])


def other_workspace(fx, front):
    """A second workspace with its own write key, its autopilot+trigger and a runtime."""
    slug = unique_slug("o")
    fx.ctl("workspace", "create", slug)
    key = fx.ctl("apikey", "create", "--workspace", slug, "--scope", "write")
    runtime = fx.ctl("runtime", "create", "--workspace", slug, "--name", "other")
    ap = fx.ctl("autopilot", "create", "--workspace", slug, "--title", "other")
    tr = fx.ctl("trigger", "create", "--autopilot", ap["id"])
    return types.SimpleNamespace(slug=slug, api=Api(front, key["key"]), runtime=runtime,
                                 autopilot=ap, trigger=tr, token=tr["webhook_token"],
                                 path=tr["webhook_path"], id=tr["id"], autopilot_id=ap["id"])


def hook_ok(front, trig, body, **kw):
    """Send one webhook that must be answered 200; returns its JSON answer."""
    return assert_json_response(front.hook(trig, body, **kw), 200)


def hooks(front, trig, n, workers=8, body=None):
    """n accepted webhooks through a thread pool; returns the answers in sending order."""
    def one(i):
        with requests.Session() as s:
            return hook_ok(front, trig, body or {"event": "bb.test", "n": i}, session=s)
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(one, range(n)))


def insert_deliveries(db, trig, workspace_id, n, raw_body=b'{"n":1}', status="ignored",
                      same_time_every=3):
    """n delivery rows straight into the table, several sharing one created_at (id breaks ties).

    Returns their ids in API order: created_at DESC, id DESC.
    """
    rows = db.execute(
        "INSERT INTO webhook_delivery (workspace_id, autopilot_id, trigger_id, provider, event,"
        "  signature_status, status, raw_body, content_type, response_status, response_body,"
        "  created_at)"
        " SELECT %s, %s, %s, 'generic', 'bb.bulk', 'not_required', %s, %s, 'application/json',"
        "        200, '{}', now() - make_interval(secs => (g / %s) * 0.001)"
        "   FROM generate_series(1, %s) g"
        " RETURNING id, created_at",
        (workspace_id, trig.autopilot_id, trig.id, status, raw_body, same_time_every, n)).fetchall()
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return [str(r["id"]) for r in rows]


def walk(api, path, limit):
    """Follow next_cursor from the first page; returns the list of pages (JSON answers)."""
    pages = []
    sep = "&" if "?" in path else "?"
    url = "%s%slimit=%d" % (path, sep, limit)
    while True:
        page = api.ok("GET", url)
        pages.append(page)
        assert len(pages) < 100, "next_cursor never ends"
        if page["next_cursor"] is None:
            return pages
        url = "%s%slimit=%d&before=%s" % (path, sep, limit, page["next_cursor"])


def random_id():
    return str(uuid.uuid4())
