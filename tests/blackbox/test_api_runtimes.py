"""Management API, runtimes (SPEC 4.5): register, list, heartbeat, online, scoping and keys."""

import pytest
import requests

from apihelp import (RUNTIME_KEYS, UUID_RE, assert_iso, count, new_id, random_key,
                     api_front, ws, ws2)  # noqa: F401 (fixtures)
from harness import assert_json_response


def _n_runtimes(ws):
    return count(ws.db, "SELECT count(*) AS n FROM runtime WHERE workspace_id = %s", ws.id)


def _beat(ws, rt_id, **kw):
    return ws.write.post("/api/runtimes/%s/heartbeat" % rt_id, status=200, **kw)


def test_create_runtime(ws):
    out = ws.write.post("/api/runtimes", {"name": "worker-1"})
    assert set(out) == {"runtime"}, out
    rt = out["runtime"]
    assert set(rt) == RUNTIME_KEYS, rt
    assert UUID_RE.match(rt["id"])
    assert rt["workspace_id"] == ws.id
    assert rt["name"] == "worker-1"
    assert rt["last_seen_at"] is None
    assert rt["online"] is False
    assert_iso(rt["created_at"])
    row = ws.db.execute("SELECT * FROM runtime WHERE id = %s", (rt["id"],)).fetchone()
    assert str(row["workspace_id"]) == ws.id and row["name"] == "worker-1"


@pytest.mark.parametrize("body,field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": None}, "name"),
    ({"name": 42}, "name"), ({"name": "n" * 201}, "name"),
    ({"name": "ok", "last_seen_at": "2020-01-01T00:00:00Z"}, "last_seen_at"),
], ids=["absent", "empty", "blank", "null", "number", "long", "unknown-member"])
def test_create_validation(ws, body, field):
    msg = ws.write.error("POST", "/api/runtimes", body)
    assert field in msg, msg
    assert _n_runtimes(ws) == 0


def test_list_newest_first_and_scoped(ws, ws2):
    a = ws.write.runtime("a")
    b = ws.write.runtime("b")
    theirs = ws2.write.runtime("theirs")
    out = ws.read.get("/api/runtimes")
    assert set(out) == {"runtimes", "next_cursor"}, out
    assert out["runtimes"] == [b, a]
    assert theirs["id"] not in [r["id"] for r in out["runtimes"]]
    assert out["next_cursor"] is None


def test_list_pages(ws):
    made = [ws.write.runtime("r%d" % i)["id"] for i in range(3)]
    first = ws.read.get("/api/runtimes?limit=2")
    assert [r["id"] for r in first["runtimes"]] == made[:0:-1]
    second = ws.read.get("/api/runtimes?limit=2&before=" + first["next_cursor"])
    assert [r["id"] for r in second["runtimes"]] == made[:1]
    assert second["next_cursor"] is None
    assert "limit" in ws.read.error("GET", "/api/runtimes?limit=0")
    assert "cursor" in ws.read.error("GET", "/api/runtimes?before=bogus")


def test_heartbeat_sets_last_seen_and_online(ws):
    rt = ws.write.runtime()
    out = _beat(ws, rt["id"])
    assert set(out) == {"runtime"}, out
    beat = out["runtime"]
    assert set(beat) == RUNTIME_KEYS
    assert beat["id"] == rt["id"] and beat["name"] == rt["name"]
    assert_iso(beat["last_seen_at"])
    assert beat["online"] is True
    assert ws.read.get("/api/runtimes")["runtimes"] == [beat]
    row = ws.db.execute("SELECT last_seen_at FROM runtime WHERE id = %s", (rt["id"],)).fetchone()
    assert row["last_seen_at"] is not None
    later = _beat(ws, rt["id"], body={})["runtime"]
    assert later["last_seen_at"] > beat["last_seen_at"]


def test_stale_heartbeat_is_offline(ws):
    rt = ws.write.runtime()
    _beat(ws, rt["id"])
    # runtime_offline_after defaults to 90 s
    ws.db.execute("UPDATE runtime SET last_seen_at = now() - interval '91 seconds' WHERE id = %s",
                  (rt["id"],))
    assert ws.read.get("/api/runtimes")["runtimes"][0]["online"] is False
    ws.db.execute("UPDATE runtime SET last_seen_at = now() - interval '80 seconds' WHERE id = %s",
                  (rt["id"],))
    assert ws.read.get("/api/runtimes")["runtimes"][0]["online"] is True


def test_heartbeat_brings_bound_autopilot_online(ws):
    rt = ws.write.runtime()
    ap = ws.write.autopilot(runtime_id=rt["id"])
    t = ws.write.trigger(ap["id"])
    skipped = assert_json_response(ws.front.hook(ws.trig(t), {"type": "a"}), 200)
    assert skipped["status"] == "skipped", skipped
    _beat(ws, rt["id"])
    accepted = assert_json_response(ws.front.hook(ws.trig(t), {"type": "b"}), 200)
    assert accepted["status"] == "accepted", accepted


def test_heartbeat_unknown_foreign_or_malformed(ws, ws2):
    theirs = ws2.write.runtime()
    for rid in (new_id(), theirs["id"]):
        assert ws.write.error("POST", "/api/runtimes/%s/heartbeat" % rid, status=404) == \
            "runtime not found"
    assert ws.write.error("POST", "/api/runtimes/nope/heartbeat") == "invalid runtime id"
    row = ws.db.execute("SELECT last_seen_at FROM runtime WHERE id = %s", (theirs["id"],)).fetchone()
    assert row["last_seen_at"] is None


def test_heartbeat_body_is_checked(ws):
    rt = ws.write.runtime()
    assert "status" in ws.write.error("POST", "/api/runtimes/%s/heartbeat" % rt["id"], {"status": "ok"})
    resp = ws.write.request("POST", "/api/runtimes/%s/heartbeat" % rt["id"], data=b"[",
                            headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert ws.read.get("/api/runtimes")["runtimes"][0]["last_seen_at"] is None


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/runtimes", {"name": "x"}),
    ("POST", "/api/runtimes/{id}/heartbeat", None),
], ids=["create", "heartbeat"])
def test_read_key_is_403(ws, method, path, body):
    rt = ws.write.runtime()
    msg = ws.read.error(method, path.format(id=rt["id"]), body, status=403)
    assert "read-only" in msg
    assert _n_runtimes(ws) == 1
    assert ws.read.get("/api/runtimes")["runtimes"] == [rt]


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/runtimes"), ("POST", "/api/runtimes"), ("POST", "/api/runtimes/{id}/heartbeat"),
], ids=["list", "create", "heartbeat"])
def test_missing_unknown_or_revoked_key_is_401(ws, method, path):
    rt = ws.write.runtime()
    revoked = ws.api_key("write")
    ws.revoke(revoked)
    url = ws.front.url(path.format(id=rt["id"]))
    for headers in ({}, {"Authorization": "Bearer " + random_key()},
                    {"Authorization": "Bearer " + revoked.key}):
        data = b'{"name":"x"}' if path == "/api/runtimes" and method == "POST" else None
        resp = requests.request(method, url, headers=headers, data=data, timeout=30)
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.json() == {"error": "unauthorized"}
    assert _n_runtimes(ws) == 1
    assert ws.read.get("/api/runtimes")["runtimes"][0]["last_seen_at"] is None


def test_runtimes_through_cgi(ws, cgi_front):
    api = type(ws.write)(cgi_front, ws.write.key)
    rt = api.runtime("cgi worker")
    beat = api.post("/api/runtimes/%s/heartbeat" % rt["id"], status=200)["runtime"]
    assert beat["online"] is True
    assert api.get("/api/runtimes")["runtimes"] == [beat]
