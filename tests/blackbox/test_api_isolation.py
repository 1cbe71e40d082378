"""Cross-cutting guarantees of the management API for EVERY route of src/fcgi/routes.c (issue 3,
SPEC 4, 8.3, 8.4):

1. isolation: another workspace's key (and another autopilot's child ids) see 404, exactly as
   for a non-existent id, and nothing of the first workspace changes (whole rows compared);
2. a `read` key: 403 on every non-GET route, changing nothing; null webhook_token,
   webhook_path and webhook_url in every trigger it sees;
3. no response of this module and no pool log line contains a signing secret or an API key.

The routes come from the table in src/fcgi/routes.c, parsed here: a route added to the table
without an entry in MATRIX (and READ_BODY for a non-GET route) fails these tests.
"""

import json
import re
import uuid

import pytest
import requests

import harness
from apihelp import Workspace
from harness import assert_json_response
from isolation_help import (KEYS, PUBLIC_ROUTES, SECRETS, WORKSPACES, World, api_routes, fill,
                            far_cursor, leaked, new_secret, parse_routes, placeholders,
                            register_workspace, route_id, route_of, snapshot, snapshot_diff)
import isolation_help

ROUTES = parse_routes()
API_ROUTES = api_routes(ROUTES)

AP = "/api/autopilots/{autopilot}"
TR = AP + "/triggers/{trigger}"
FORBIDDEN = {"error": "forbidden: this API key is read-only"}
NOT_CLAIMED = "run is not claimed by this runtime"


# ---------------------------------------------------------------- recording every response

@pytest.fixture(scope="module", autouse=True)
def recorder():
    """Wrap requests (every HTTP call of this module) and hookgatectl (to learn every API key)."""
    rec = isolation_help.Recorder()
    orig_request = requests.sessions.Session.request
    orig_ctl = harness.Ctl.__call__

    def request(self, method, url, *args, **kwargs):
        resp = orig_request(self, method, url, *args, **kwargs)
        rec.add(method, url, resp)
        return resp

    def ctl_call(self, *args, **kwargs):
        out = orig_ctl(self, *args, **kwargs)
        if isinstance(out, dict) and isinstance(out.get("key"), str):
            KEYS.append(out["key"])
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(requests.sessions.Session, "request", request)
        mp.setattr(harness.Ctl, "__call__", ctl_call)
        yield rec


@pytest.fixture
def world(fx, pool_front):
    return World(fx, pool_front)


# ---------------------------------------------------------------- the matrix

class Ref(str):
    """A name of World.ids inside a request body."""


NEW_SECRET = object()   # in a body: a fresh signing secret (recorded in SECRETS)


def owner_of(name):
    """A, A2 (A's second autopilot and its children) or B, from World's naming."""
    if name.endswith("A2"):
        return "A2"
    if re.search(r"A(_p)?$", name):
        return "A"
    if name.endswith("B"):
        return "B"
    raise AssertionError("name %r has no owner" % name)


class Probe:
    """One request of the matrix.

    who: the workspace whose keys call (B: the other tenant; A: its own key with another
    autopilot's child id). params: path parameter -> World name. The names the caller does
    not own ("aliens") are replaced by random UUIDs for the twin request, whose answer must be
    the same: a foreign id looks exactly like a non-existent one.
    """

    def __init__(self, who, params=None, body=None, headers=None, query=None, status=404,
                 error=None, check=None, creates=False):
        self.who = who
        self.params = params or {}
        self.body = body
        self.headers = headers or {}
        self.query = query
        self.status = status
        self.error = error
        self.check = check
        self.creates = creates

    def names(self):
        out = list(self.params.values())

        def walk(v):
            if isinstance(v, Ref):
                out.append(str(v))
            elif isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(self.body)
        return out

    def aliens(self):
        foreign = ("A", "A2") if self.who == "B" else ("A2", "B")
        return {n for n in self.names() if owner_of(n) in foreign}

    def expected_error(self, pattern):
        if self.error is not None or self.status != 404:
            return self.error
        for p in placeholders(pattern):
            if self.params.get(p) in self.aliens():
                return "%s not found" % p
        raise AssertionError("a 404 probe of %s names no foreign path id" % pattern)

    def __repr__(self):
        return "Probe(%s, %s, body=%r)" % (self.who, self.params, self.body)


def _resolve(v, ids):
    if v is NEW_SECRET:
        return new_secret()
    if isinstance(v, Ref):
        return ids[str(v)]
    if isinstance(v, dict):
        return {k: _resolve(x, ids) for k, x in v.items()}
    if isinstance(v, list):
        return [_resolve(x, ids) for x in v]
    return v


def b_list(key, table):
    """B's list: exactly B's rows of table, none of A's."""
    def check(world, out, b_diff):
        rows = out[key]
        want = {str(r["id"]) for r in world.db.execute(
            "SELECT id FROM %s WHERE workspace_id = %%s" % table, (world.B.id,)).fetchall()}
        assert rows and all(r["workspace_id"] == world.B.id for r in rows), rows
        assert {r["id"] for r in rows} == want
        assert b_diff == []
    return check


def b_runtime_created(world, out, b_diff):
    rt = out["runtime"]
    assert rt["workspace_id"] == world.B.id and rt["name"] == "isoB created", rt
    assert b_diff == ["runtime %s: inserted %r" % (rt["id"], world.db.execute(
        "SELECT * FROM runtime WHERE id = %s", (rt["id"],)).fetchone())], b_diff


def _ap_cursor(world):
    return "before=" + far_cursor(world.ids["apA"])


def _rt_cursor(world):
    return "before=" + far_cursor(world.ids["rtA"])


HIJACK_TRIGGER = {"enabled": False, "label": "hijacked",
                  "event_filters": [{"event": "push", "actions": ["x"]}]}
SECRET_BODY = {"signing_secret": NEW_SECRET, "keep_previous_for_s": 60}
BULK_WINDOW = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}


def _child_probes(child, body=None, headers=None):
    """A route under /api/autopilots/{autopilot}/<child>/{id}: all three shapes of a wrong id."""
    a_child = {"trigger": "trA", "delivery": "dA", "run": "runA"}[child]
    a2_child = {"trigger": "trA2", "delivery": "dA2", "run": "runA2"}[child]
    return [
        # A's autopilot and its child, with B's key
        Probe("B", {"autopilot": "apA", child: a_child}, body=body, headers=headers),
        # B's own autopilot, A's child id
        Probe("B", {"autopilot": "apB", child: a_child}, body=body, headers=headers),
        # A's key: its autopilot, a child of its other autopilot
        Probe("A", {"autopilot": "apA", child: a2_child}, body=body, headers=headers),
    ]


MATRIX = {
    ("GET", "/api/autopilots"): [
        Probe("B", status=200, check=b_list("autopilots", "autopilot")),
        Probe("B", query=_ap_cursor, status=200, check=b_list("autopilots", "autopilot")),
    ],
    ("POST", "/api/autopilots"): [
        Probe("B", body={"title": "hijack", "runtime_id": Ref("rtA")}, status=400,
              error="runtime_id: runtime not found"),
    ],
    ("GET", AP): [Probe("B", {"autopilot": "apA"})],
    ("PATCH", AP): [
        Probe("B", {"autopilot": "apA"},
              body={"title": "hijacked", "description": "x", "status": "archived",
                    "runtime_id": None}),
        Probe("B", {"autopilot": "apA"}, body={}),
        # B's own autopilot bound to A's runtime
        Probe("B", {"autopilot": "apB"}, body={"runtime_id": Ref("rtA")}, status=400,
              error="runtime_id: runtime not found"),
    ],
    ("DELETE", AP): [Probe("B", {"autopilot": "apA"})],
    ("GET", AP + "/triggers"): [Probe("B", {"autopilot": "apA"})],
    ("POST", AP + "/triggers"): [
        Probe("B", {"autopilot": "apA"}, body={"provider": "generic", "label": "hijack"}),
        Probe("B", {"autopilot": "apA"}, body={}),
    ],
    ("PATCH", TR): _child_probes("trigger", body=HIJACK_TRIGGER),
    ("DELETE", TR): _child_probes("trigger"),
    ("POST", TR + "/rotate-webhook-token"): _child_probes("trigger"),
    ("PUT", TR + "/signing-secret"): (
        _child_probes("trigger", body=SECRET_BODY)
        + _child_probes("trigger", body={"signing_secret": ""})   # clearing
    ),
    ("GET", AP + "/deliveries"): [
        Probe("B", {"autopilot": "apA"}),
        Probe("B", {"autopilot": "apA"}, query=lambda w: "status=dispatched&limit=100"),
    ],
    ("GET", AP + "/deliveries/{delivery}"): _child_probes("delivery"),
    ("POST", AP + "/deliveries/{delivery}/replay"): (
        _child_probes("delivery")
        + _child_probes("delivery", headers={"Idempotency-Key": "iso-replay"})
    ),
    ("POST", AP + "/deliveries/replay"): [
        # a window holding every delivery of A's autopilot
        Probe("B", {"autopilot": "apA"}, body=BULK_WINDOW),
        Probe("B", {"autopilot": "apA"}, body=dict(BULK_WINDOW, status=["dispatched"], limit=1000),
              headers={"Idempotency-Key": "iso-bulk"}),
    ],
    ("GET", AP + "/runs"): [Probe("B", {"autopilot": "apA"})],
    ("GET", AP + "/runs/{run}"): _child_probes("run"),
    ("POST", "/api/runs/claim"): [
        Probe("B", body={"runtime_id": Ref("rtA")}, error="runtime not found"),
        Probe("B", body={"runtime_id": Ref("rtA"), "lease_s": 600}, error="runtime not found"),
    ],
    ("GET", "/api/runs/{run}"): [Probe("B", {"run": "runA"}), Probe("B", {"run": "runA_p"})],
    ("POST", "/api/runs/{run}/heartbeat"): [
        # A's running run, with the very runtime that holds it, or with B's runtime
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtA"), "lease_s": 3600}),
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtB")}),
        Probe("B", {"run": "runA_p"}, body={"runtime_id": Ref("rtA")}),
        # a runtime of the other workspace looks like an unknown runtime: 409
        Probe("A", {"run": "runA"}, body={"runtime_id": Ref("rtB")}, status=409,
              error=NOT_CLAIMED),
        Probe("B", {"run": "runB"}, body={"runtime_id": Ref("rtA")}, status=409,
              error=NOT_CLAIMED),
    ],
    ("POST", "/api/runs/{run}/complete"): [
        # A's running run, with the very runtime that holds it, or with B's runtime
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtA"), "result": {"hijacked": 1}}),
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtB")}),
        Probe("B", {"run": "runA_p"}, body={"runtime_id": Ref("rtA")}),
        # a runtime of the other workspace looks like an unknown runtime: 409
        Probe("A", {"run": "runA"}, body={"runtime_id": Ref("rtB")}, status=409,
              error=NOT_CLAIMED),
        Probe("B", {"run": "runB"}, body={"runtime_id": Ref("rtA")}, status=409,
              error=NOT_CLAIMED),
    ],
    ("POST", "/api/runs/{run}/fail"): [
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtA"), "reason": "hijacked"}),
        Probe("B", {"run": "runA"}, body={"runtime_id": Ref("rtB"), "reason": "hijacked"}),
        Probe("B", {"run": "runA_p"}, body={"runtime_id": Ref("rtA"), "reason": "hijacked"}),
        Probe("A", {"run": "runA"}, body={"runtime_id": Ref("rtB"), "reason": "x"}, status=409,
              error=NOT_CLAIMED),
        Probe("B", {"run": "runB"}, body={"runtime_id": Ref("rtA"), "reason": "x"}, status=409,
              error=NOT_CLAIMED),
    ],
    ("GET", "/api/runtimes"): [
        Probe("B", status=200, check=b_list("runtimes", "runtime")),
        Probe("B", query=_rt_cursor, status=200, check=b_list("runtimes", "runtime")),
    ],
    ("POST", "/api/runtimes"): [
        Probe("B", body={"name": "isoB created"}, status=201, check=b_runtime_created,
              creates=True),
    ],
    ("POST", "/api/runtimes/{runtime}/heartbeat"): [
        Probe("B", {"runtime": "rtA"}),
        Probe("B", {"runtime": "rtA"}, body={}),
    ],
}


def _send(api, method, path, body, headers):
    assert body is None or method not in ("GET", "DELETE"), \
        "lighttpd answers a GET/DELETE with a body itself"
    return api.request(method, path, body=body, headers=headers)


def _run_probe(world, route, probe, api, twin):
    ids = dict(world.ids)
    if twin:
        for name in probe.aliens():
            ids[name] = str(uuid.uuid4())
    path = fill(route.pattern, {p: ids[n] for p, n in probe.params.items()})
    if probe.query:
        path += "?" + probe.query(world)
    body = _resolve(probe.body, ids)
    what = "%s %s as %s's %s key%s (%r)" % (route.method, path, probe.who, api.scope,
                                          " [twin: random ids]" if twin else "", probe)
    before = world.snapshots([api.key_id])
    resp = _send(api, route.method, path, body, probe.headers)
    after = world.snapshots([api.key_id])
    a_diff = snapshot_diff(before["A"], after["A"])
    b_diff = snapshot_diff(before["B"], after["B"])
    assert a_diff == [], "%s changed workspace A:\n  %s" % (what, "\n  ".join(a_diff))
    if not probe.creates:
        assert b_diff == [], "%s changed workspace B:\n  %s" % (what, "\n  ".join(b_diff))
    out = assert_json_response(resp, probe.status)
    error = probe.expected_error(route.pattern)
    if error is not None:
        assert out == {"error": error}, "%s: %r" % (what, out)
    if probe.check:
        probe.check(world, out, b_diff)
    if probe.who == "B":
        for s in world.a_strings():
            assert s not in resp.text, "%s: the answer holds %r of workspace A" % (what, s)
    return resp.status_code, out


def _assert_covered(route, probes):
    """The matrix must try each path id of the route from the other workspace, and for a
    child of an autopilot also B's autopilot with A's child and A's key with A2's child."""
    rid = route_id(route)
    assert probes, "route %s has no isolation probe in MATRIX" % rid
    names = placeholders(route.pattern)
    for p in names:
        assert any(pr.who == "B" and pr.params.get(p) and owner_of(pr.params[p]) in ("A", "A2")
                   for pr in probes), "%s: no probe with B's key and A's {%s}" % (rid, p)
    if not names:
        assert any(pr.who == "B" for pr in probes), "%s: no probe with B's key" % rid
    if names[:1] == ["autopilot"] and len(names) > 1:
        child = names[-1]
        assert any(pr.who == "B" and pr.params["autopilot"] == "apB"
                   and owner_of(pr.params[child]) == "A" for pr in probes), \
            "%s: no probe of B's autopilot with A's {%s}" % (rid, child)
        assert any(pr.who == "A" and pr.params["autopilot"] == "apA"
                   and owner_of(pr.params[child]) == "A2" for pr in probes), \
            "%s: no probe of A's autopilot with another autopilot's {%s}" % (rid, child)
    for pr in probes:
        assert set(pr.params) == set(names), "%s: %r does not fill the path" % (rid, pr)


# ---------------------------------------------------------------- the table itself

def test_route_table_is_parsed_and_every_api_route_is_in_the_matrix():
    assert len(ROUTES) >= 20, ROUTES
    keyed = {(r.method, r.pattern) for r in API_ROUTES}
    public = {(r.method, r.pattern) for r in ROUTES if not r.needs_key and not r.console}
    # a new route without a key would escape the matrix: it must be one of the known public ones
    assert public == PUBLIC_ROUTES, "routes without API key: %s" % sorted(public)
    # the console's pages take no key but a session of their own (test_console.py covers them)
    for r in ROUTES:
        if r.console:
            assert r.pattern == "/console" or r.pattern.startswith("/console/"), r
            assert not r.needs_key, r
    for r in API_ROUTES:
        assert r.pattern.startswith("/api/"), r
        # SPEC 4: a read key may use GET only
        assert r.needs_write == (r.method != "GET"), "%s: write flag %s" % (route_id(r),
                                                                         r.needs_write)
    assert set(MATRIX) == keyed, "MATRIX misses %s; has stale %s" % (
        sorted(keyed - set(MATRIX)), sorted(set(MATRIX) - keyed))
    assert set(READ_BODY) == {k for k in keyed if k[0] != "GET"}, \
        "READ_BODY must name every non-GET API route"


@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_unkeyed_request_is_401_on_every_api_route(route, pool_front):
    """The parsed table is what the responder serves: each route is there and wants a key
    (an unknown path would be the dispatcher's 404, a wrong method its 405)."""
    path = fill(route.pattern, {p: str(uuid.uuid4()) for p in placeholders(route.pattern)})
    body = b"{}" if route.method in ("POST", "PATCH", "PUT") else None
    resp = requests.request(route.method, pool_front.url(path), data=body, timeout=30)
    assert assert_json_response(resp, 401) == {"error": "unauthorized"}


# ---------------------------------------------------------------- 1. isolation matrix

@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_isolation_matrix(route, world):
    probes = MATRIX.get((route.method, route.pattern))
    _assert_covered(route, probes or [])
    for probe in probes:
        ws = world.workspace(probe.who)
        for api in ([ws.write, ws.read] if route.method == "GET" else [ws.write]):
            got = _run_probe(world, route, probe, api, twin=False)
            if probe.aliens():
                twin = _run_probe(world, route, probe, api, twin=True)
                assert twin == got, "%s %s %r: a foreign id answers %r, a random one %r" % (
                    route.method, route.pattern, probe, got, twin)


def test_isolation_world_is_reachable_by_its_owner(world):
    """The matrix's 404s are not for ids that do not work at all: A's own key reaches them."""
    a, ids = world.A.write, world.ids
    assert a.get("/api/autopilots/%s" % ids["apA"])["autopilot"]["title"].startswith(world.marker)
    assert a.get("/api/autopilots/%s/deliveries/%s" % (ids["apA"], ids["dA"]))["delivery"]["id"] \
        == ids["dA"]
    assert a.get("/api/autopilots/%s/runs/%s" % (ids["apA"], ids["runA"]))["run"]["status"] \
        == "running"
    assert a.get("/api/autopilots/%s/deliveries/%s" % (ids["apA2"], ids["dA2"]))["delivery"]["id"] \
        == ids["dA2"]
    b = world.B.write
    assert b.get("/api/autopilots/%s/runs/%s" % (ids["apB"], ids["runB"]))["run"]["claimed_by"] \
        == ids["rtB"]


# ---------------------------------------------------------------- 2. read keys

OWN = {"autopilot": "apA", "trigger": "trA", "delivery": "dA", "run": "runA", "runtime": "rtA"}

# a body that the write key's request succeeds with (None: no body)
READ_BODY = {
    ("POST", "/api/autopilots"): {"title": "by a read key", "runtime_id": Ref("rtA")},
    ("PATCH", AP): {"title": "renamed by a read key", "status": "paused"},
    ("DELETE", AP): None,
    ("POST", AP + "/triggers"): {"provider": "generic", "label": "by a read key"},
    ("PATCH", TR): {"enabled": False, "label": "by a read key"},
    ("DELETE", TR): None,
    ("POST", TR + "/rotate-webhook-token"): None,
    ("PUT", TR + "/signing-secret"): SECRET_BODY,
    ("POST", AP + "/deliveries/{delivery}/replay"): None,
    ("POST", AP + "/deliveries/replay"): BULK_WINDOW,
    ("POST", "/api/runs/claim"): {"runtime_id": Ref("rtA"), "lease_s": 60},
    ("POST", "/api/runs/{run}/heartbeat"): {"runtime_id": Ref("rtA"), "lease_s": 7200},
    ("POST", "/api/runs/{run}/complete"): {"runtime_id": Ref("rtA"), "result": {"ok": True}},
    ("POST", "/api/runs/{run}/fail"): {"runtime_id": Ref("rtA"), "reason": "by a read key"},
    ("POST", "/api/runtimes"): {"name": "by a read key"},
    ("POST", "/api/runtimes/{runtime}/heartbeat"): None,
}

TRIGGER_FIELDS_HIDDEN = ("webhook_token", "webhook_path", "webhook_url")
# more of a token than its hint (awt_ and 4 characters) shows
WHOLE_TOKEN = r"awt_[A-Za-z0-9_-]{5}"
# the GET routes that return trigger JSON (SPEC 4.1, 4.2)
TRIGGER_ROUTES = {("GET", AP), ("GET", AP + "/triggers")}


def _trigger_objects(v):
    if isinstance(v, dict):
        if "webhook_token" in v or "signing_secret_hint" in v:
            yield v
        for x in v.values():
            yield from _trigger_objects(x)
    elif isinstance(v, list):
        for x in v:
            yield from _trigger_objects(x)


def _hide_tokens(v):
    if isinstance(v, dict):
        out = {k: _hide_tokens(x) for k, x in v.items()}
        if "webhook_token" in v or "signing_secret_hint" in v:
            out.update({k: None for k in TRIGGER_FIELDS_HIDDEN})
        return out
    if isinstance(v, list):
        return [_hide_tokens(x) for x in v]
    return v


@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_read_key(route, world):
    key = (route.method, route.pattern)
    path = fill(route.pattern, {p: world.ids[OWN[p]] for p in placeholders(route.pattern)})
    read, write = world.A.read, world.A.write
    keys = [read.key_id, write.key_id]
    before = snapshot(world.db, world.A.id, keys)

    if route.method != "GET":
        assert key in READ_BODY, "%s: no READ_BODY entry" % route_id(route)
        body = _resolve(READ_BODY[key], world.ids)
        resp = _send(read, route.method, path, body, {})
        assert assert_json_response(resp, 403) == FORBIDDEN, route_id(route)
        diff = snapshot_diff(before, snapshot(world.db, world.A.id, keys))
        assert diff == [], "a read key's %s changed:\n  %s" % (route_id(route), "\n  ".join(diff))
        # the same request with the write key does change something: the 403 stopped a write
        resp = _send(write, route.method, path, body, {})
        assert resp.status_code in (200, 201, 204), (route_id(route), resp.status_code, resp.text)
        assert snapshot_diff(before, snapshot(world.db, world.A.id, keys)) != [], \
            "%s with the write key changed nothing: the probe proves nothing" % route_id(route)
        return

    r_resp = _send(read, "GET", path, None, {})
    w_resp = _send(write, "GET", path, None, {})
    r_out, w_out = assert_json_response(r_resp, 200), assert_json_response(w_resp, 200)
    assert snapshot_diff(before, snapshot(world.db, world.A.id, keys)) == []
    r_triggers, w_triggers = list(_trigger_objects(r_out)), list(_trigger_objects(w_out))
    assert len(r_triggers) == len(w_triggers)
    for t in r_triggers:
        for f in TRIGGER_FIELDS_HIDDEN:
            assert f in t and t[f] is None, "read key sees %s = %r" % (f, t.get(f))
    for t in w_triggers:
        # only create and rotate answers carry a token, for the write key too (SPEC 4.2)
        assert all(t[f] is None for f in TRIGGER_FIELDS_HIDDEN), t
        assert t["webhook_token_hint"] and t["webhook_token_hint"].startswith("awt_"), t
    if key in TRIGGER_ROUTES:
        assert {t["id"] for t in r_triggers} == {world.ids["trA"]}, r_triggers
        assert r_triggers[0]["has_signing_secret"] is True
        assert r_triggers[0]["signing_secret_hint"] == world.secretA[-4:]
    # no webhook token anywhere in a read key's answer (hints: awt_ and 4 characters);
    # otherwise it sees what the write key sees
    assert not re.search(WHOLE_TOKEN, r_resp.text), r_resp.text
    for token in world.tokens.values():
        assert token not in r_resp.text
    assert r_out == _hide_tokens(w_out)


def test_read_key_on_autopilot_show_and_trigger_list(world):
    """SPEC 4.2 spelled out: both trigger-bearing answers, after a rotation too."""
    ids, read, write = world.ids, world.A.read, world.A.write
    write.post("/api/autopilots/%s/triggers/%s/rotate-webhook-token" % (ids["apA"], ids["trA"]),
               status=200)
    extra = write.trigger(ids["apA"], provider="gitlab", label="second")
    shown = read.get("/api/autopilots/%s" % ids["apA"])
    listed = read.get("/api/autopilots/%s/triggers" % ids["apA"])
    assert [t["id"] for t in shown["triggers"]] == [t["id"] for t in listed["triggers"]] == \
        [ids["trA"], extra["id"]]
    for t in shown["triggers"] + listed["triggers"]:
        assert (t["webhook_token"], t["webhook_path"], t["webhook_url"]) == (None, None, None), t
        assert re.fullmatch(r"awt_[A-Za-z0-9_-]{4}", t["webhook_token_hint"]), t
    assert not re.search(WHOLE_TOKEN, json.dumps(shown) + json.dumps(listed))


# ---------------------------------------------------------------- 3. no secret ever echoed

def _tpath(ap, t, tail=""):
    return "/api/autopilots/%s/triggers/%s%s" % (ap["id"], t["id"], tail)


def _hook(front, t, body, status=200, secret=None, headers=None):
    trig = type("T", (), {"path": t["webhook_path"]})
    return assert_json_response(front.hook(trig, body, secret=secret, headers=headers), status)


def test_no_secret_or_api_key_is_ever_echoed(fx, pool_front, stack, db, recorder):
    mark = recorder.mark()
    ws = register_workspace(Workspace(fx, pool_front))
    w, r = ws.write, ws.read
    front = pool_front

    def trig_row(t):
        return db.execute("SELECT signing_secret, previous_signing_secret,"
                          " previous_secret_expires_at > now() + interval '50 minutes' AS long_kept"
                          " FROM autopilot_trigger WHERE id = %s", (t["id"],)).fetchone()

    def put_secret(ap, t, body, status=200, data=None):
        if data is not None:
            resp = w.request("PUT", _tpath(ap, t, "/signing-secret"), data=data,
                             headers={"Content-Type": "application/json"})
            return assert_json_response(resp, status)
        return w.put(_tpath(ap, t, "/signing-secret"), body, status=status)

    def assert_hint(t, hint, previous):
        for api in (w, r):
            for got in (api.get("/api/autopilots/%s/triggers" % t["autopilot_id"])["triggers"],
                        api.get("/api/autopilots/%s" % t["autopilot_id"])["triggers"]):
                g = [x for x in got if x["id"] == t["id"]][0]
                assert g["signing_secret_hint"] == hint, g
                assert g["has_signing_secret"] is (hint is not None)
                assert g["has_previous_signing_secret"] is previous

    # ---- runtimes and autopilots
    rt = w.runtime("secrets runtime")
    w.post("/api/runtimes/%s/heartbeat" % rt["id"], status=200)
    r.get("/api/runtimes")
    ap = w.autopilot(title="secrets", runtime_id=rt["id"])
    w.patch("/api/autopilots/%s" % ap["id"], {"description": "rotation flow"})
    r.get("/api/autopilots")
    tg = w.trigger(ap["id"], provider="github", label="github")
    tl = w.trigger(ap["id"], provider="gitlab", label="gitlab")
    tx = w.trigger(ap["id"], label="throwaway")

    # ---- set, then rotate with keep_previous_for_s
    s1, s2, s3 = new_secret(), new_secret(), new_secret()
    t = put_secret(ap, tg, {"signing_secret": s1})["trigger"]
    assert (t["signing_secret_hint"], t["has_signing_secret"], t["has_previous_signing_secret"]) \
        == (s1[-4:], True, False)
    t = put_secret(ap, tg, {"signing_secret": " \t" + s2 + "\n", "keep_previous_for_s": 3600})
    t = t["trigger"]
    assert (t["signing_secret_hint"], t["has_previous_signing_secret"]) == (s2[-4:], True), t
    row = trig_row(tg)
    assert (row["signing_secret"], row["previous_signing_secret"], row["long_kept"]) == \
        (s2, s1, True)
    t = put_secret(ap, tl, {"signing_secret": s3, "keep_previous_for_s": None})["trigger"]
    assert (t["signing_secret_hint"], t["has_previous_signing_secret"]) == (s3[-4:], False)
    assert_hint(tg, s2[-4:], True)
    assert_hint(tl, s3[-4:], False)
    assert_hint(tx, None, False)

    # ---- webhooks under both secrets, and refused ones
    ok1 = _hook(front, tg, {"action": "opened", "n": 1}, secret=s1,
                headers={"X-GitHub-Event": "pull_request"})
    ok2 = _hook(front, tg, {"action": "opened", "n": 2}, secret=s2,
                headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "iso-d2"})
    assert ok1["status"] == ok2["status"] == "accepted"
    wrong = new_secret()    # what a misconfigured sender holds: a secret too
    assert _hook(front, tg, {"n": 3}, status=401, secret=wrong)["reason"] == "invalid_signature"
    assert _hook(front, tg, {"n": 4}, status=401)["reason"] == "missing_signature"
    gl = _hook(front, tl, {"object_kind": "push"},
               headers={"X-Gitlab-Token": s3, "X-Gitlab-Event": "Push Hook"})
    assert gl["status"] == "accepted", gl
    assert _hook(front, tl, {"object_kind": "push"}, status=401,
                 headers={"X-Gitlab-Token": s1, "X-Gitlab-Event": "Push Hook"})["status"] \
        == "rejected"

    # ---- refused changes: 400, nothing changed, the secret not in the message
    short = new_secret(15)
    for body, data in [
            ({"signing_secret": short}, None),
            ({"signing_secret": " " + short + " "}, None),
            ({"signing_secret": new_secret() + "y" * 4096}, None),
            ({"signing_secret": new_secret() + "\u0000"}, None),
            ({"signing_secret": new_secret(), "keep_previous_for_s": -1}, None),
            ({"signing_secret": new_secret(), "keep_previous_for_s": "60"}, None),
            ({"signing_secret": new_secret(), "keep_previous_for_s": 2592001}, None),
            ({"signing_secret": new_secret(), "signing_secret_hint": "abcd"}, None),
            ({"signing_secret": [new_secret()]}, None),
            ({"signing_secret": {"value": new_secret()}}, None),
            (None, '{"signing_secret": "%s"' % new_secret()),
            (None, '{"signing_secret": "%s", }' % new_secret()),
            (None, '["%s"]' % new_secret()),
    ]:
        out = put_secret(ap, tg, body, status=400, data=data)
        assert set(out) == {"error"}, out
        row = trig_row(tg)
        assert (row["signing_secret"], row["previous_signing_secret"]) == (s2, s1), body or data

    # ---- everything readable, with both keys
    for api in (w, r):
        deliveries = api.get("/api/autopilots/%s/deliveries" % ap["id"])["deliveries"]
        assert len(deliveries) == 6, deliveries
        for d in deliveries:
            api.get("/api/autopilots/%s/deliveries/%s" % (ap["id"], d["id"]))
        for run in api.get("/api/autopilots/%s/runs" % ap["id"])["runs"]:
            api.get("/api/autopilots/%s/runs/%s" % (ap["id"], run["id"]))

    # ---- workers, replay, trigger changes
    c1 = w.post("/api/runs/claim", {"runtime_id": rt["id"], "lease_s": 60}, status=200)["run"]
    w.post("/api/runs/%s/heartbeat" % c1["id"], {"runtime_id": rt["id"], "lease_s": 90}, status=200)
    r.get("/api/runs/%s" % c1["id"])
    w.post("/api/runs/%s/complete" % c1["id"], {"runtime_id": rt["id"], "result": {"ok": 1}},
           status=200)
    c2 = w.post("/api/runs/claim", {"runtime_id": rt["id"]}, status=200)["run"]
    w.post("/api/runs/%s/fail" % c2["id"], {"runtime_id": rt["id"], "reason": "boom"}, status=200)
    rp = "/api/autopilots/%s/deliveries/%s/replay" % (ap["id"], ok2["delivery_id"])
    first = w.post(rp, headers={"Idempotency-Key": "iso-secret-replay"})
    again = w.post(rp, status=200, headers={"Idempotency-Key": "iso-secret-replay"})
    assert first["delivery"]["id"] == again["delivery"]["id"]
    bulk = "/api/autopilots/%s/deliveries/replay" % ap["id"]
    first = w.post(bulk, {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"},
                   status=200, headers={"Idempotency-Key": "iso-secret-bulk"})
    assert first["replayed"]
    assert w.post(bulk, {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"},
                  status=200, headers={"Idempotency-Key": "iso-secret-bulk"}) == first
    w.patch(_tpath(ap, tx), {"label": "renamed", "event_filters": [{"event": "push"}]})
    w.post(_tpath(ap, tx, "/rotate-webhook-token"), status=200)
    w.delete(_tpath(ap, tx))

    # ---- rotate without keeping the previous one: both old secrets stop working at once
    s4 = new_secret()
    t = put_secret(ap, tg, {"signing_secret": s4, "keep_previous_for_s": 0})["trigger"]
    assert (t["signing_secret_hint"], t["has_previous_signing_secret"]) == (s4[-4:], False)
    assert _hook(front, tg, {"n": 5}, status=401, secret=s1)["reason"] == "invalid_signature"
    assert _hook(front, tg, {"n": 6}, status=401, secret=s2)["reason"] == "invalid_signature"
    assert _hook(front, tg, {"n": 7}, secret=s4)["status"] == "accepted"
    # a rotation with keep_previous_for_s, read back before it expires
    s5 = new_secret()
    t = put_secret(ap, tg, {"signing_secret": s5, "keep_previous_for_s": 120})["trigger"]
    assert (t["signing_secret_hint"], t["has_previous_signing_secret"]) == (s5[-4:], True)
    assert_hint(tg, s5[-4:], True)
    # ---- clearing
    t = put_secret(ap, tl, {"signing_secret": "  "})["trigger"]
    assert (t["signing_secret_hint"], t["has_signing_secret"], t["has_previous_signing_secret"]) \
        == (None, False, False)
    assert (trig_row(tl)["signing_secret"], trig_row(tl)["previous_signing_secret"]) == (None, None)
    assert_hint(tl, None, False)

    # ---- every API route of the table was answered 2xx in this flow
    spare = w.autopilot(title="to delete")
    w.delete("/api/autopilots/%s" % spare["id"])
    hit = set()
    for x in recorder.since(mark):
        route = route_of(ROUTES, x.method, x.path[len(front.server.prefix):])
        if route is not None and 200 <= x.status < 300:
            hit.add((route.method, route.pattern))
    missing = {(rr.method, rr.pattern) for rr in API_ROUTES} - hit
    assert not missing, "routes not exercised after setting secrets: %s" % sorted(missing)

    # ---- the secrets stored for this module's workspaces are all known here
    stored = db.execute(
        "SELECT t.signing_secret AS s FROM autopilot_trigger t JOIN autopilot a"
        "    ON a.id = t.autopilot_id WHERE a.workspace_id = ANY(%s::uuid[])"
        "   AND t.signing_secret IS NOT NULL"
        " UNION SELECT t.previous_signing_secret FROM autopilot_trigger t JOIN autopilot a"
        "    ON a.id = t.autopilot_id WHERE a.workspace_id = ANY(%s::uuid[])"
        "   AND t.previous_signing_secret IS NOT NULL",
        (WORKSPACES, WORKSPACES)).fetchall()
    assert {x["s"] for x in stored} >= {s5, s4}
    assert {x["s"] for x in stored} <= set(SECRETS), "a stored secret the check does not know"

    # ---- every response of this module: no secret, no API key (nor 10/12 characters of one)
    assert len(KEYS) >= 2 and ws.write.key in KEYS and ws.read.key in KEYS
    assert len(recorder.responses) >= 80, len(recorder.responses)
    key_bodies = [k[len("hgk_"):] for k in KEYS]
    for x in recorder.responses:
        found = leaked(x.text, SECRETS, 10)
        assert not found, "%s %s (HTTP %d) holds signing secret(s) %s: %s" % (
            x.method, x.url, x.status, found, x.text[:2000])
        found = leaked(x.text, key_bodies, 12)
        assert not found and not re.search(r"hgk_[A-Za-z0-9_-]{8}", x.text), \
            "%s %s (HTTP %d) holds an API key: %s" % (x.method, x.url, x.status, x.text[:2000])
        if x.text.startswith("{") and "signing_secret_hint" in x.text:
            for t in _trigger_objects(json.loads(x.text)):
                hint = t["signing_secret_hint"]
                assert hint is None or (len(hint) == 4 and hint in {s[-4:] for s in SECRETS}), \
                    "%s %s: signing_secret_hint %r" % (x.method, x.url, hint)

    # ---- nor the pool's log
    log = stack.pool.log_text()
    assert "PUT /api/autopilots/{autopilot}/triggers/{trigger}/signing-secret 200" in log, \
        "the pool log does not show the secret requests"
    found = leaked(log, SECRETS, 10)
    assert not found, "the pool log holds signing secret(s) %s: %s" % (
        found, [ln for ln in log.splitlines() if any(s[:10] in ln for s in found)][:5])
    found = leaked(log, key_bodies, 12)
    assert not found and not re.search(r"hgk_[A-Za-z0-9_-]{8}", log), \
        "the pool log holds API key(s) %s" % found
