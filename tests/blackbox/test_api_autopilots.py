"""Management API, autopilots (SPEC 4.1): CRUD, validation, workspace scoping, keys and scopes."""

import re

import pytest
import requests

from apihelp import (AUTOPILOT_KEYS, TRIGGER_KEYS, UUID_RE, as_read, assert_iso, count, new_id,
                     random_key, api_front, ws, ws2)  # noqa: F401 (fixtures)


def _n_autopilots(ws):
    return count(ws.db, "SELECT count(*) AS n FROM autopilot WHERE workspace_id = %s", ws.id)


# ---------------------------------------------------------------- create

def test_create_minimal_has_defaults(ws):
    out = ws.write.post("/api/autopilots", {"title": "Nightly triage"})
    assert set(out) == {"autopilot"}, out
    ap = out["autopilot"]
    assert set(ap) == AUTOPILOT_KEYS, ap
    assert UUID_RE.match(ap["id"])
    assert ap["workspace_id"] == ws.id
    assert ap["title"] == "Nightly triage"
    assert ap["description"] == ""
    assert ap["status"] == "active"
    assert ap["runtime_id"] is None
    assert ap["last_run_at"] is None
    assert_iso(ap["created_at"])
    assert_iso(ap["updated_at"])
    row = ws.db.execute("SELECT * FROM autopilot WHERE id = %s", (ap["id"],)).fetchone()
    assert str(row["workspace_id"]) == ws.id and row["title"] == "Nightly triage"


def test_create_with_every_field(ws):
    rt = ws.write.runtime("bound worker")
    ap = ws.write.post("/api/autopilots", {
        "title": "Caf\u00e9 \u2615 bot", "description": "does things", "status": "paused",
        "runtime_id": rt["id"]})["autopilot"]
    assert ap["title"] == "Caf\u00e9 \u2615 bot"
    assert ap["description"] == "does things"
    assert ap["status"] == "paused"
    assert ap["runtime_id"] == rt["id"]
    # null description and runtime_id are the defaults
    ap2 = ws.write.autopilot(description=None, runtime_id=None, status="archived")
    assert ap2["description"] == "" and ap2["runtime_id"] is None and ap2["status"] == "archived"


@pytest.mark.parametrize("body,field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": None}, "title"),
    ({"title": 5}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "ok", "description": 3}, "description"),
    ({"title": "ok", "status": "running"}, "status"),
    ({"title": "ok", "status": None}, "status"),
    ({"title": "ok", "runtime_id": "not-a-uuid"}, "runtime_id"),
    ({"title": "ok", "runtime_id": 12}, "runtime_id"),
    ({"title": "ok", "workspace_id": "00000000-0000-0000-0000-000000000000"}, "workspace_id"),
    ({"title": "ok", "bogus": 1}, "bogus"),
], ids=["no-title", "empty-title", "blank-title", "null-title", "number-title", "long-title",
        "number-description", "bad-status", "null-status", "malformed-runtime", "number-runtime",
        "unknown-workspace_id", "unknown-member"])
def test_create_validation_names_the_field(ws, body, field):
    before = _n_autopilots(ws)
    msg = ws.write.error("POST", "/api/autopilots", body)
    assert field in msg, msg
    assert _n_autopilots(ws) == before


def test_create_status_error_lists_values(ws):
    msg = ws.write.error("POST", "/api/autopilots", {"title": "t", "status": "nope"})
    assert msg == "status must be one of active, paused, archived", msg


@pytest.mark.parametrize("raw", [b"{", b"[1]", b'"x"', b"null", b'{"title":"a"} x'],
                         ids=["truncated", "array", "string", "null", "trailing"])
def test_create_bad_json_is_400(ws, raw):
    before = _n_autopilots(ws)
    resp = ws.write.request("POST", "/api/autopilots", data=raw,
                            headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text
    assert set(resp.json()) == {"error"}
    assert _n_autopilots(ws) == before


def test_create_with_unknown_runtime_is_400(ws, ws2):
    other = ws2.write.runtime("theirs")
    for rid in (new_id(), other["id"]):
        msg = ws.write.error("POST", "/api/autopilots", {"title": "t", "runtime_id": rid})
        assert msg == "runtime_id: runtime not found"
    assert _n_autopilots(ws) == 0


# ---------------------------------------------------------------- list and show

def test_list_is_newest_first_and_scoped(ws, ws2):
    a = ws.write.autopilot(title="first")
    b = ws.write.autopilot(title="second")
    theirs = ws2.write.autopilot(title="theirs")
    out = ws.read.get("/api/autopilots")
    assert set(out) == {"autopilots", "next_cursor"}, out
    ids = [x["id"] for x in out["autopilots"]]
    assert ids == [b["id"], a["id"]]
    assert theirs["id"] not in ids
    assert out["next_cursor"] is None
    assert out["autopilots"][0] == b
    assert set(out["autopilots"][1]) == AUTOPILOT_KEYS


def test_list_pages_with_cursor(ws):
    made = [ws.write.autopilot(title="p%d" % i)["id"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        q = "/api/autopilots?limit=2" + ("&before=" + cursor if cursor else "")
        out = ws.read.get(q)
        assert len(out["autopilots"]) <= 2
        seen += [x["id"] for x in out["autopilots"]]
        pages += 1
        cursor = out["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert seen == list(reversed(made))
    assert pages == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "before=%%%", "before=abc"])
def test_list_bad_paging_is_400(ws, query):
    msg = ws.read.error("GET", "/api/autopilots?" + query)
    assert "limit" in msg or "cursor" in msg, msg


def test_show_includes_triggers(ws):
    ap = ws.write.autopilot(title="with triggers")
    t1 = ws.write.trigger(ap["id"], label="one")
    t2 = ws.write.trigger(ap["id"], label="two", provider="github")
    other = ws.write.autopilot(title="other")
    ws.write.trigger(other["id"], label="not mine")
    out = ws.write.get("/api/autopilots/" + ap["id"])
    assert set(out) == {"autopilot", "triggers"}, out
    assert out["autopilot"] == ap
    assert [t["id"] for t in out["triggers"]] == [t1["id"], t2["id"]]
    # even to the write key, only create and rotate answers show the token: here its hint
    assert out["triggers"][0] == as_read(t1)
    assert set(out["triggers"][1]) == TRIGGER_KEYS
    assert out["triggers"][1] == as_read(t2)
    assert out["triggers"][1]["webhook_token_hint"] == t2["webhook_token"][:8]
    assert t1["webhook_token"] not in ws.write.seen[-1] and t2["webhook_token"] not in ws.write.seen[-1]


def test_show_without_triggers(ws):
    ap = ws.write.autopilot()
    assert ws.read.get("/api/autopilots/" + ap["id"]) == {"autopilot": ap, "triggers": []}


def test_show_to_read_key_hides_tokens(ws):
    ap = ws.write.autopilot()
    made = ws.write.trigger(ap["id"])
    out = ws.read.get("/api/autopilots/" + ap["id"])
    t = out["triggers"][0]
    assert t["webhook_token"] is None and t["webhook_path"] is None and t["webhook_url"] is None
    # the hint (awt_ and 4 characters) only, never a whole token
    assert t["webhook_token_hint"] == made["webhook_token"][:8]
    assert made["webhook_token"] not in ws.read.seen[-1]
    assert not re.search(r"awt_[A-Za-z0-9_-]{5}", ws.read.seen[-1]), ws.read.seen[-1]


def test_show_unknown_or_foreign_is_404(ws, ws2):
    theirs = ws2.write.autopilot()
    for aid in (new_id(), theirs["id"]):
        assert ws.read.error("GET", "/api/autopilots/" + aid, status=404) == "autopilot not found"
        assert ws.write.error("GET", "/api/autopilots/" + aid, status=404) == "autopilot not found"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_malformed_id_is_400(ws, method):
    msg = ws.write.error(method, "/api/autopilots/not-a-uuid", body={} if method == "PATCH" else None)
    assert msg == "invalid autopilot id"


# ---------------------------------------------------------------- update

def test_patch_changes_fields_and_updated_at(ws):
    rt = ws.write.runtime()
    ap = ws.write.autopilot(title="before", description="d0")
    out = ws.write.patch("/api/autopilots/" + ap["id"], {
        "title": "after", "description": "d1", "status": "paused", "runtime_id": rt["id"]})
    assert set(out) == {"autopilot"}, out
    new = out["autopilot"]
    assert set(new) == AUTOPILOT_KEYS
    assert (new["title"], new["description"], new["status"], new["runtime_id"]) == \
        ("after", "d1", "paused", rt["id"])
    assert new["id"] == ap["id"] and new["created_at"] == ap["created_at"]
    assert new["updated_at"] > ap["updated_at"]
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == new


def test_patch_partial_keeps_other_fields(ws):
    rt = ws.write.runtime()
    ap = ws.write.autopilot(title="keep", description="keep me", runtime_id=rt["id"])
    new = ws.write.patch("/api/autopilots/" + ap["id"], {"status": "archived"})["autopilot"]
    assert new["status"] == "archived"
    assert (new["title"], new["description"], new["runtime_id"]) == ("keep", "keep me", rt["id"])


def test_patch_runtime_null_unbinds(ws):
    rt = ws.write.runtime()
    ap = ws.write.autopilot(runtime_id=rt["id"])
    new = ws.write.patch("/api/autopilots/" + ap["id"], {"runtime_id": None})["autopilot"]
    assert new["runtime_id"] is None
    row = ws.db.execute("SELECT runtime_id FROM autopilot WHERE id = %s", (ap["id"],)).fetchone()
    assert row["runtime_id"] is None


@pytest.mark.parametrize("body,field", [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"status": "deleted"}, "status"),
    ({"description": ["x"]}, "description"),
    ({"runtime_id": "nope"}, "runtime_id"),
    ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
    ({"last_run_at": None}, "last_run_at"),
], ids=["empty-title", "null-title", "bad-status", "list-description", "malformed-runtime",
        "unknown-id", "unknown-last_run_at"])
def test_patch_validation_changes_nothing(ws, body, field):
    ap = ws.write.autopilot(title="stable")
    msg = ws.write.error("PATCH", "/api/autopilots/" + ap["id"], body)
    assert field in msg, msg
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == ap


def test_patch_foreign_runtime_is_400(ws, ws2):
    theirs = ws2.write.runtime()
    ap = ws.write.autopilot()
    for rid in (theirs["id"], new_id()):
        msg = ws.write.error("PATCH", "/api/autopilots/" + ap["id"], {"runtime_id": rid, "title": "x"})
        assert msg == "runtime_id: runtime not found"
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == ap


def test_patch_unknown_or_foreign_is_404(ws, ws2):
    theirs = ws2.write.autopilot(title="theirs")
    for aid in (new_id(), theirs["id"]):
        msg = ws.write.error("PATCH", "/api/autopilots/" + aid, {"title": "hijack"}, status=404)
        assert msg == "autopilot not found"
    assert ws2.read.get("/api/autopilots/" + theirs["id"])["autopilot"] == theirs


# ---------------------------------------------------------------- delete

def test_delete_cascades(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    hook = ws.front.hook(ws.trig(t), {"type": "x"})
    assert hook.status_code == 200, hook.text
    ws.write.delete("/api/autopilots/" + ap["id"])
    assert ws.read.error("GET", "/api/autopilots/" + ap["id"], status=404) == "autopilot not found"
    assert ws.write.error("DELETE", "/api/autopilots/" + ap["id"], status=404) == "autopilot not found"
    for table in ("autopilot_trigger", "webhook_delivery", "autopilot_run"):
        assert count(ws.db, "SELECT count(*) AS n FROM %s WHERE autopilot_id = %%s" % table,
                     ap["id"]) == 0, table
    gone = ws.front.hook(ws.trig(t), {"type": "x"})
    assert gone.status_code == 404


def test_delete_foreign_is_404_and_keeps_it(ws, ws2):
    theirs = ws2.write.autopilot()
    assert ws.write.error("DELETE", "/api/autopilots/" + theirs["id"], status=404) == \
        "autopilot not found"
    assert ws2.read.get("/api/autopilots/" + theirs["id"])["autopilot"] == theirs


# ---------------------------------------------------------------- keys and scopes

ROUTES = [("GET", "/api/autopilots"), ("POST", "/api/autopilots"),
          ("GET", "/api/autopilots/{id}"), ("PATCH", "/api/autopilots/{id}"),
          ("DELETE", "/api/autopilots/{id}")]


@pytest.mark.parametrize("method,path", ROUTES)
def test_no_unknown_or_revoked_key_is_401(ws, method, path):
    ap = ws.write.autopilot(title="guarded")
    url = ws.front.url(path.format(id=ap["id"]))
    revoked = ws.api_key("write")
    ws.revoke(revoked)
    for headers in ({}, {"Authorization": "Bearer " + random_key()},
                    {"Authorization": "Bearer " + revoked.key},
                    {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer hgk_short"}):
        body = {"title": "x"} if method in ("POST", "PATCH") else None
        resp = requests.request(method, url, headers=headers, json=body, timeout=30)
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.json() == {"error": "unauthorized"}
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == ap
    assert _n_autopilots(ws) == 1


@pytest.mark.parametrize("method,path", [r for r in ROUTES if r[0] != "GET"])
def test_read_key_cannot_write(ws, method, path):
    ap = ws.write.autopilot(title="read-only")
    body = {"title": "x"} if method in ("POST", "PATCH") else None
    msg = ws.read.error(method, path.format(id=ap["id"]), body, status=403)
    assert "read-only" in msg
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == ap
    assert _n_autopilots(ws) == 1


def test_read_key_can_list_and_show(ws):
    ap = ws.write.autopilot()
    assert ws.read.get("/api/autopilots")["autopilots"] == [ap]
    assert ws.read.get("/api/autopilots/" + ap["id"])["autopilot"] == ap


def test_crud_through_cgi(ws, cgi_front):
    api = type(ws.write)(cgi_front, ws.write.key)
    ap = api.autopilot(title="via cgi")
    assert api.get("/api/autopilots/" + ap["id"]) == {"autopilot": ap, "triggers": []}
    assert api.patch("/api/autopilots/" + ap["id"], {"status": "paused"})["autopilot"]["status"] == "paused"
    api.delete("/api/autopilots/" + ap["id"])
    assert api.error("GET", "/api/autopilots/" + ap["id"], status=404) == "autopilot not found"
