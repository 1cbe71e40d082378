"""Management API, triggers (SPEC 4.2, 4.3): CRUD, token rotation, signing secrets, event filters."""

import base64
import hashlib
import hmac
import json
import os
import time

import pytest
import requests

from apihelp import (TOKEN_RE, TRIGGER_KEYS, UUID_RE, Api, as_read, assert_iso, count, new_id, random_key,
                     api_front, ws, ws2)  # noqa: F401 (fixtures)
from harness import WEBHOOK_PREFIX, assert_json_response

SECRET = "bb-api-secret-0123456789abcdef"
OTHER_SECRET = "bb-api-other-secret-fedcba9876"


def _tpath(ap_id, t_id=None, tail=""):
    return "/api/autopilots/%s/triggers" % ap_id + ("/%s" % t_id if t_id else "") + tail


def _row(ws, trigger_id):
    return ws.db.execute("SELECT * FROM autopilot_trigger WHERE id = %s", (trigger_id,)).fetchone()


def _sha256(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _n_triggers(ws, ap_id):
    return count(ws.db, "SELECT count(*) AS n FROM autopilot_trigger WHERE autopilot_id = %s", ap_id)


def _status(resp):
    return resp.status_code, resp.json()


def _assert_secret_never_shown(ws, *secrets):
    for api in (ws.write, ws.read):
        for text in api.seen:
            for s in secrets:
                assert s not in text, "a response contained the signing secret"


# ---------------------------------------------------------------- create

def test_create_default_webhook_trigger(ws):
    ap = ws.write.autopilot()
    out = ws.write.post(_tpath(ap["id"]), {})
    assert set(out) == {"trigger"}, out
    t = out["trigger"]
    assert set(t) == TRIGGER_KEYS, t
    assert UUID_RE.match(t["id"])
    assert t["autopilot_id"] == ap["id"]
    assert t["kind"] == "webhook"
    assert t["provider"] == "generic"
    assert t["enabled"] is True
    assert t["label"] == ""
    assert t["event_filters"] is None
    assert TOKEN_RE.match(t["webhook_token"]) and len(t["webhook_token"]) == 47
    assert t["webhook_path"] == WEBHOOK_PREFIX + t["webhook_token"]
    assert t["webhook_url"] is None  # no public_url in the test configuration
    assert t["has_signing_secret"] is False
    assert t["signing_secret_hint"] is None
    assert t["has_previous_signing_secret"] is False
    assert t["last_fired_at"] is None
    assert_iso(t["created_at"])
    assert_iso(t["updated_at"])
    assert t["webhook_token_hint"] == t["webhook_token"][:8]
    # only the token's SHA-256 and hint are stored, never the token
    row = _row(ws, t["id"])
    assert row["webhook_token_hash"] == _sha256(t["webhook_token"])
    assert row["webhook_token_hint"] == t["webhook_token"][:8]
    assert "webhook_token" not in row
    assert t["webhook_token"] not in json.dumps(dict(row), default=str)
    # the token works at once
    resp = ws.front.hook(ws.trig(t), {"type": "created"})
    assert assert_json_response(resp, 200)["status"] == "accepted"


def test_create_with_every_field(ws):
    ap = ws.write.autopilot()
    filters = [{"event": "pull_request", "actions": ["opened", "reopened"]}, {"event": "push"}]
    t = ws.write.trigger(ap["id"], kind="webhook", provider="github", label="GitHub \u2713",
                         enabled=False, event_filters=filters)
    assert (t["provider"], t["label"], t["enabled"]) == ("github", "GitHub \u2713", False)
    assert t["event_filters"] == filters
    assert _row(ws, t["id"])["event_filters"] == filters
    resp = ws.front.hook(ws.trig(t), {"action": "opened"}, headers={"X-GitHub-Event": "pull_request"})
    out = assert_json_response(resp, 200)
    assert out["status"] == "ignored" and out["reason"] == "trigger_disabled", out


def test_create_empty_filters_store_null(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], event_filters=[])
    assert t["event_filters"] is None
    assert _row(ws, t["id"])["event_filters"] is None


def test_every_trigger_gets_its_own_token(ws):
    ap = ws.write.autopilot()
    tokens = {ws.write.trigger(ap["id"])["webhook_token"] for _ in range(5)}
    assert len(tokens) == 5


def test_unknown_kind_is_400(ws):
    ap = ws.write.autopilot()
    assert ws.write.error("POST", _tpath(ap["id"]), {"kind": "schedule"}) == "unknown kind"
    assert "kind" in ws.write.error("POST", _tpath(ap["id"]), {"kind": 3})
    assert _n_triggers(ws, ap["id"]) == 0


def test_unknown_provider_is_400_listing_providers(ws):
    ap = ws.write.autopilot()
    msg = ws.write.error("POST", _tpath(ap["id"]), {"provider": "bitbucket"})
    prefix = "unknown provider; provider must be one of "
    assert msg.startswith(prefix), msg
    names = msg[len(prefix):].split(", ")
    assert "generic" in names and "github" in names, msg
    assert _n_triggers(ws, ap["id"]) == 0
    # every provider listed is one that create accepts
    for name in names:
        assert ws.write.trigger(ap["id"], provider=name)["provider"] == name
    assert _n_triggers(ws, ap["id"]) == len(names)


@pytest.mark.parametrize("body,field", [
    ({"label": 7}, "label"),
    ({"label": "x" * 201}, "label"),
    ({"enabled": "yes"}, "enabled"),
    ({"enabled": 1}, "enabled"),
    ({"provider": 1}, "provider"),
    ({"event_filters": {"event": "push"}}, "event_filters"),
    ({"event_filters": "push"}, "event_filters"),
    ({"event_filters": [{"event": ""}]}, "event_filters[0].event"),
    ({"event_filters": [{"actions": ["opened"]}]}, "event_filters[0].event"),
    ({"event_filters": [{"event": "push"}, {"event": 5}]}, "event_filters[1].event"),
    ({"event_filters": [{"event": "pull_request", "actions": [""]}]}, "event_filters[0].actions[0]"),
    ({"event_filters": [{"event": "pull_request", "actions": ["ok", 3]}]},
     "event_filters[0].actions[1]"),
    ({"event_filters": [{"event": "pull_request", "actions": "opened"}]}, "event_filters[0].actions"),
    ({"event_filters": [{"event": "push", "branch": "main"}]}, "branch"),
    ({"event_filters": ["push"]}, "event_filters[0]"),
    ({"signing_secret": SECRET}, "signing_secret"),
    ({"webhook_token": "awt_x"}, "webhook_token"),
], ids=["number-label", "long-label", "string-enabled", "number-enabled", "number-provider",
        "object-filters", "string-filters", "empty-event", "no-event", "number-event",
        "empty-action", "number-action", "string-actions", "unknown-filter-member", "string-filter",
        "secret-member", "token-member"])
def test_create_validation_names_the_field(ws, body, field):
    ap = ws.write.autopilot()
    msg = ws.write.error("POST", _tpath(ap["id"]), body)
    assert field in msg, msg
    assert _n_triggers(ws, ap["id"]) == 0


def test_create_on_unknown_or_foreign_autopilot_is_404(ws, ws2):
    theirs = ws2.write.autopilot()
    for aid in (new_id(), theirs["id"]):
        assert ws.write.error("POST", _tpath(aid), {}, status=404) == "autopilot not found"
    assert _n_triggers(ws2, theirs["id"]) == 0


def test_webhook_url_uses_public_url(ws, make_pool):
    _, front = make_pool(workers=1, public_url="https://hooks.example.com/")
    api = Api(front, ws.write.key)
    ap = api.autopilot()
    t = api.trigger(ap["id"])
    assert t["webhook_url"] == "https://hooks.example.com" + WEBHOOK_PREFIX + t["webhook_token"]
    ro = Api(front, ws.read.key).get(_tpath(ap["id"]))["triggers"][0]
    assert ro["webhook_url"] is None and ro["webhook_token"] is None


# ---------------------------------------------------------------- list

def test_list_in_creation_order(ws):
    ap = ws.write.autopilot()
    made = [ws.write.trigger(ap["id"], label="t%d" % i) for i in range(3)]
    ws.write.trigger(ws.write.autopilot()["id"], label="elsewhere")
    out = ws.write.get(_tpath(ap["id"]))
    # a list never shows a token, not even to the write key that made them: their hints
    assert out == {"triggers": [as_read(t) for t in made]}


def test_list_empty(ws):
    ap = ws.write.autopilot()
    assert ws.read.get(_tpath(ap["id"])) == {"triggers": []}


def test_read_key_sees_no_token(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="github", label="visible")
    ro = ws.read.get(_tpath(ap["id"]))["triggers"]
    assert len(ro) == 1
    r = ro[0]
    assert set(r) == TRIGGER_KEYS
    assert r["webhook_token"] is None
    assert r["webhook_path"] is None
    assert r["webhook_url"] is None
    assert (r["id"], r["label"], r["provider"]) == (t["id"], "visible", "github")
    assert t["webhook_token"] not in ws.read.seen[-1]


def test_list_unknown_foreign_or_malformed_autopilot(ws, ws2):
    theirs = ws2.write.autopilot()
    ws2.write.trigger(theirs["id"])
    for aid in (new_id(), theirs["id"]):
        assert ws.read.error("GET", _tpath(aid), status=404) == "autopilot not found"
    assert ws.read.error("GET", _tpath("nope")) == "invalid autopilot id"
    assert ws.write.error("POST", _tpath("nope"), {}) == "invalid autopilot id"


# ---------------------------------------------------------------- update

def test_patch_enabled_label_and_filters(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], label="old")
    time.sleep(0.01)
    new = ws.write.patch(_tpath(ap["id"], t["id"]), {
        "enabled": False, "label": "new", "event_filters": [{"event": "push"}]})["trigger"]
    assert set(new) == TRIGGER_KEYS
    assert (new["enabled"], new["label"], new["event_filters"]) == (False, "new", [{"event": "push"}])
    assert new["webhook_token"] is None and new["webhook_token_hint"] == t["webhook_token_hint"]
    assert new["created_at"] == t["created_at"] and new["updated_at"] > t["updated_at"]
    resp = ws.front.hook(ws.trig(t), {"type": "push"})
    assert assert_json_response(resp, 200)["reason"] == "trigger_disabled"
    # partial: only enabled; label null resets it
    again = ws.write.patch(_tpath(ap["id"], t["id"]), {"enabled": True})["trigger"]
    assert (again["enabled"], again["label"], again["event_filters"]) == (True, "new", [{"event": "push"}])
    cleared = ws.write.patch(_tpath(ap["id"], t["id"]), {"label": None})["trigger"]
    assert cleared["label"] == ""
    assert ws.read.get(_tpath(ap["id"]))["triggers"][0]["label"] == ""


@pytest.mark.parametrize("clear", [[], None], ids=["empty-list", "null"])
def test_patch_clears_filters(ws, clear):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], event_filters=[{"event": "push"}])
    new = ws.write.patch(_tpath(ap["id"], t["id"]), {"event_filters": clear})["trigger"]
    assert new["event_filters"] is None
    assert _row(ws, t["id"])["event_filters"] is None


@pytest.mark.parametrize("body,field", [
    ({"enabled": None}, "enabled"),
    ({"enabled": "false"}, "enabled"),
    ({"label": False}, "label"),
    ({"provider": "github"}, "provider"),
    ({"kind": "webhook"}, "kind"),
    ({"webhook_token": "awt_abc"}, "webhook_token"),
    ({"event_filters": [{"event": ""}]}, "event_filters[0].event"),
    ({"event_filters": [{"event": "push", "actions": [""]}]}, "event_filters[0].actions[0]"),
], ids=["null-enabled", "string-enabled", "bool-label", "provider", "kind", "token",
        "empty-event", "empty-action"])
def test_patch_validation_changes_nothing(ws, body, field):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], label="stable", event_filters=[{"event": "push"}])
    msg = ws.write.error("PATCH", _tpath(ap["id"], t["id"]), body)
    assert field in msg, msg
    assert ws.write.get(_tpath(ap["id"]))["triggers"] == [as_read(t)]


def _foreign_cases(ws, ws2):
    """(autopilot id, trigger id, expected message) that must all be 404 for ws's key."""
    ap = ws.write.autopilot()
    mine = ws.write.trigger(ap["id"])
    sibling_ap = ws.write.autopilot()
    sibling = ws.write.trigger(sibling_ap["id"])
    theirs_ap = ws2.write.autopilot()
    theirs = ws2.write.trigger(theirs_ap["id"])
    return mine, [
        (ap["id"], new_id(), "trigger not found"),
        (ap["id"], sibling["id"], "trigger not found"),      # another autopilot's trigger
        (ap["id"], theirs["id"], "trigger not found"),       # another workspace's trigger
        (new_id(), mine["id"], "autopilot not found"),
        (theirs_ap["id"], theirs["id"], "autopilot not found"),
    ], [sibling, theirs]


@pytest.mark.parametrize("method,tail,body", [
    ("PATCH", "", {"label": "hijacked", "enabled": False}),
    ("DELETE", "", None),
    ("POST", "/rotate-webhook-token", None),
    ("PUT", "/signing-secret", {"signing_secret": SECRET}),
], ids=["patch", "delete", "rotate", "secret"])
def test_trigger_routes_are_scoped(ws, ws2, method, tail, body):
    mine, cases, others = _foreign_cases(ws, ws2)
    before = {o["id"]: dict(_row(ws, o["id"])) for o in others + [mine]}
    for ap_id, t_id, msg in cases:
        got = ws.write.error(method, _tpath(ap_id, t_id, tail), body, status=404)
        assert got == msg, (ap_id, t_id, got)
    for tid, row in before.items():
        assert dict(_row(ws, tid)) == row, "a 404 changed a trigger"


@pytest.mark.parametrize("method,tail,body", [
    ("PATCH", "", {}), ("DELETE", "", None), ("POST", "/rotate-webhook-token", None),
    ("PUT", "/signing-secret", {}),
], ids=["patch", "delete", "rotate", "secret"])
def test_malformed_ids_are_400(ws, method, tail, body):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    assert ws.write.error(method, _tpath(ap["id"], "zzz", tail), body) == "invalid trigger id"
    assert ws.write.error(method, _tpath("zzz", t["id"], tail), body) == "invalid autopilot id"


# ---------------------------------------------------------------- delete

def test_delete_trigger(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    keep = ws.write.trigger(ap["id"])
    assert ws.front.hook(ws.trig(t), {"a": 1}).status_code == 200
    ws.write.delete(_tpath(ap["id"], t["id"]))
    assert [x["id"] for x in ws.read.get(_tpath(ap["id"]))["triggers"]] == [keep["id"]]
    assert count(ws.db, "SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s", t["id"]) == 0
    resp = ws.front.hook(ws.trig(t), {"a": 1})
    assert assert_json_response(resp, 404) == {"error": "webhook not found"}
    assert ws.write.error("DELETE", _tpath(ap["id"], t["id"]), status=404) == "trigger not found"


# ---------------------------------------------------------------- rotation

def test_rotate_token(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], label="rot", event_filters=[{"event": "push"}])
    out = ws.write.post(_tpath(ap["id"], t["id"], "/rotate-webhook-token"), status=200)
    assert set(out) == {"trigger"}
    new = out["trigger"]
    assert TOKEN_RE.match(new["webhook_token"])
    assert new["webhook_token"] != t["webhook_token"]
    assert new["webhook_path"] == WEBHOOK_PREFIX + new["webhook_token"]
    assert (new["id"], new["label"], new["event_filters"]) == (t["id"], "rot", [{"event": "push"}])
    old = ws.front.hook(ws.trig(t), {"type": "push"})
    assert assert_json_response(old, 404) == {"error": "webhook not found"}
    ok = ws.front.hook(ws.trig(new), {"type": "push"})
    assert assert_json_response(ok, 200)["status"] == "accepted"
    assert ws.read.get(_tpath(ap["id"]))["triggers"][0]["id"] == t["id"]
    assert new["webhook_token_hint"] == new["webhook_token"][:8]
    assert _row(ws, t["id"])["webhook_token_hash"] == _sha256(new["webhook_token"])
    assert _row(ws, t["id"])["webhook_token_hint"] == new["webhook_token"][:8]
    assert count(ws.db, "SELECT count(*) AS n FROM autopilot_trigger WHERE webhook_token_hash = %s",
                 _sha256(t["webhook_token"])) == 0


# ---------------------------------------------------------------- signing secrets

def _secret(ws, ap, t, body, status=200):
    return ws.write.put(_tpath(ap["id"], t["id"], "/signing-secret"), body, status=status)


def test_set_secret_is_write_only(ws, stack):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    out = _secret(ws, ap, t, {"signing_secret": SECRET})
    assert set(out) == {"trigger"}
    new = out["trigger"]
    assert set(new) == TRIGGER_KEYS
    assert new["has_signing_secret"] is True
    assert new["signing_secret_hint"] == SECRET[-4:]
    assert new["has_previous_signing_secret"] is False
    assert new["webhook_token"] is None and new["webhook_token_hint"] == t["webhook_token_hint"]
    assert _row(ws, t["id"])["signing_secret"] == SECRET
    listed = ws.read.get(_tpath(ap["id"]))["triggers"][0]
    assert listed["has_signing_secret"] is True and listed["signing_secret_hint"] == SECRET[-4:]
    ws.read.get("/api/autopilots/" + ap["id"])
    ws.write.get("/api/autopilots/" + ap["id"])
    # the webhook now needs the signature
    trig = ws.trig(t)
    unsigned = ws.front.hook(trig, {"type": "x"})
    assert assert_json_response(unsigned, 401)["reason"] == "missing_signature"
    signed = ws.front.hook(trig, {"type": "x"}, secret=SECRET)
    assert assert_json_response(signed, 200)["status"] == "accepted"
    _assert_secret_never_shown(ws, SECRET)
    with open(stack.pool.log, errors="replace") as f:
        assert SECRET not in f.read(), "the pool logged the signing secret"


def test_secret_is_trimmed(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    new = _secret(ws, ap, t, {"signing_secret": "  \t" + SECRET + " \n"})["trigger"]
    assert new["signing_secret_hint"] == SECRET[-4:]
    assert _row(ws, t["id"])["signing_secret"] == SECRET
    resp = ws.front.hook(ws.trig(t), {"type": "x"}, secret=SECRET)
    assert assert_json_response(resp, 200)["status"] == "accepted"


@pytest.mark.parametrize("secret", ["x" * 15, "  " + "y" * 15 + "  ", "\u00e9" * 15],
                         ids=["15-chars", "15-after-trim", "15-non-ascii"])
def test_short_secret_is_400(ws, secret):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    _secret(ws, ap, t, {"signing_secret": SECRET})
    msg = ws.write.error("PUT", _tpath(ap["id"], t["id"], "/signing-secret"), {"signing_secret": secret})
    assert "signing_secret" in msg and "16" in msg, msg
    assert secret.strip() not in msg
    assert _row(ws, t["id"])["signing_secret"] == SECRET


def test_sixteen_chars_is_enough(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    new = _secret(ws, ap, t, {"signing_secret": "\u00e9" * 15 + "z"})["trigger"]
    assert new["has_signing_secret"] is True
    assert new["signing_secret_hint"] == "\u00e9\u00e9\u00e9z"


def _whpk(nbytes, pad=True):
    text = base64.b64encode(os.urandom(nbytes)).decode()
    return "whpk_" + (text if pad else text.rstrip("="))


@pytest.mark.parametrize("bad", [_whpk(31), _whpk(33), _whpk(64), "whpk_" + "*" * 43,
                                 "whpk_0123456789abcdef"],
                         ids=["31-bytes", "33-bytes", "64-bytes", "not-base64", "short"])
def test_whpk_secret_must_be_an_ed25519_key(ws, bad):
    """standard: a whpk_ secret is the sender's Ed25519 public key, 32 bytes (SPEC 7)."""
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="standard")
    _secret(ws, ap, t, {"signing_secret": SECRET})
    msg = ws.write.error("PUT", _tpath(ap["id"], t["id"], "/signing-secret"),
                         {"signing_secret": bad, "keep_previous_for_s": 60})
    assert "whpk_" in msg and "32-byte" in msg and "Ed25519" in msg, msg
    assert bad not in msg and bad[5:] not in msg
    row = _row(ws, t["id"])
    assert row["signing_secret"] == SECRET and row["previous_signing_secret"] is None, "a 400 changed the trigger"


@pytest.mark.parametrize("pad", [True, False], ids=["padded", "unpadded"])
def test_whpk_secret_of_32_bytes(ws, pad):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="standard")
    key = _whpk(32, pad=pad)
    new = _secret(ws, ap, t, {"signing_secret": "  " + key + "\n"})["trigger"]
    assert new["has_signing_secret"] is True
    assert new["signing_secret_hint"] == key[-4:]
    assert _row(ws, t["id"])["signing_secret"] == key


def test_whpk_text_is_an_ordinary_secret_elsewhere(ws):
    """Only standard reads whpk_: for the HMAC providers it is a secret like any other."""
    ap = ws.write.autopilot()
    bad = _whpk(31)
    for provider in ("generic", "github", "stripe", "slack", "shopify", "gitlab"):
        t = ws.write.trigger(ap["id"], provider=provider)
        assert _secret(ws, ap, t, {"signing_secret": bad})["trigger"]["signing_secret_hint"] == bad[-4:]
    t = ws.write.trigger(ap["id"])
    resp = ws.front.hook(ws.trig(t), {"type": "x"}, secret=bad)
    assert assert_json_response(resp, 200)["status"] == "accepted"


def test_whpk_secret_on_unknown_trigger_is_404(ws):
    ap = ws.write.autopilot()
    msg = ws.write.error("PUT", _tpath(ap["id"], new_id(), "/signing-secret"),
                         {"signing_secret": _whpk(31)}, status=404)
    assert msg == "trigger not found"


@pytest.mark.parametrize("body", [{"signing_secret": ""}, {"signing_secret": "   "},
                                  {"signing_secret": None}, {}],
                         ids=["empty", "blank", "null", "absent"])
def test_empty_secret_clears_both(ws, body):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    _secret(ws, ap, t, {"signing_secret": SECRET})
    _secret(ws, ap, t, {"signing_secret": OTHER_SECRET, "keep_previous_for_s": 600})
    assert _row(ws, t["id"])["previous_signing_secret"] == SECRET
    new = _secret(ws, ap, t, body)["trigger"]
    assert new["has_signing_secret"] is False
    assert new["signing_secret_hint"] is None
    assert new["has_previous_signing_secret"] is False
    row = _row(ws, t["id"])
    assert row["signing_secret"] is None and row["previous_signing_secret"] is None
    resp = ws.front.hook(ws.trig(t), {"type": "x"})
    assert assert_json_response(resp, 200)["status"] == "accepted"
    _assert_secret_never_shown(ws, SECRET, OTHER_SECRET)


@pytest.mark.parametrize("body,field", [
    ({"signing_secret": 1234567890123456789}, "signing_secret"),
    ({"signing_secret": ["x" * 20]}, "signing_secret"),
    ({"signing_secret": SECRET, "keep_previous_for_s": -1}, "keep_previous_for_s"),
    ({"signing_secret": SECRET, "keep_previous_for_s": "60"}, "keep_previous_for_s"),
    ({"signing_secret": SECRET, "keep_previous_for_s": 1.5}, "keep_previous_for_s"),
    ({"signing_secret": SECRET, "keep_previous_for_s": 10 ** 12}, "keep_previous_for_s"),
    ({"signing_secret": SECRET, "secret": SECRET}, "secret"),
], ids=["number", "list", "negative-keep", "string-keep", "fraction-keep", "huge-keep", "unknown"])
def test_secret_validation(ws, body, field):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    msg = ws.write.error("PUT", _tpath(ap["id"], t["id"], "/signing-secret"), body)
    assert field in msg, msg
    assert _row(ws, t["id"])["signing_secret"] is None
    _assert_secret_never_shown(ws, SECRET)


def test_replacing_without_keep_drops_old_secret_at_once(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    _secret(ws, ap, t, {"signing_secret": SECRET})
    new = _secret(ws, ap, t, {"signing_secret": OTHER_SECRET, "keep_previous_for_s": 0})["trigger"]
    assert new["has_previous_signing_secret"] is False
    assert new["signing_secret_hint"] == OTHER_SECRET[-4:]
    trig = ws.trig(t)
    old = ws.front.hook(trig, {"type": "x"}, secret=SECRET)
    assert assert_json_response(old, 401)["reason"] == "invalid_signature"
    ok = ws.front.hook(trig, {"type": "x"}, secret=OTHER_SECRET)
    assert assert_json_response(ok, 200)["status"] == "accepted"


def test_keep_previous_secret_until_expiry(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="github")
    trig = ws.trig(t)
    _secret(ws, ap, t, {"signing_secret": SECRET})
    new = _secret(ws, ap, t, {"signing_secret": OTHER_SECRET, "keep_previous_for_s": 4})["trigger"]
    assert new["has_signing_secret"] is True
    assert new["has_previous_signing_secret"] is True
    assert new["signing_secret_hint"] == OTHER_SECRET[-4:]
    body = json.dumps({"zen": "keep it logically awesome"}).encode()

    def post(secret):
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return ws.front.hook(trig, body, headers={"X-GitHub-Event": "ping",
                                                  "X-Hub-Signature-256": sig})

    old = post(SECRET)
    assert assert_json_response(old, 200)["status"] == "accepted", old.text
    cur = post(OTHER_SECRET)
    assert assert_json_response(cur, 200)["status"] == "accepted", cur.text
    time.sleep(5)
    late = post(SECRET)
    out = assert_json_response(late, 401)
    assert out["status"] == "rejected" and out["reason"] == "invalid_signature", out
    still = post(OTHER_SECRET)
    assert assert_json_response(still, 200)["status"] == "accepted"
    listed = ws.read.get(_tpath(ap["id"]))["triggers"][0]
    assert listed["has_previous_signing_secret"] is False
    _assert_secret_never_shown(ws, SECRET, OTHER_SECRET)


# ---------------------------------------------------------------- event filters through the ingress

def _gh(ws, t, event, action, **kw):
    body = {"action": action, "number": 1} if action is not None else {"ref": "refs/heads/main"}
    return ws.front.hook(ws.trig(t), body, headers={"X-GitHub-Event": event}, **kw)


def test_event_filters_admit_and_ignore(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="github",
                         event_filters=[{"event": "pull_request", "actions": ["opened"]}])
    opened = assert_json_response(_gh(ws, t, "pull_request", "opened"), 200)
    assert opened["status"] == "accepted", opened
    closed = assert_json_response(_gh(ws, t, "pull_request", "closed"), 200)
    assert set(closed) == {"status", "delivery_id", "reason", "event"}, closed
    assert (closed["status"], closed["reason"], closed["event"]) == \
        ("ignored", "event_filtered", "github.pull_request.closed")
    push = assert_json_response(_gh(ws, t, "push", None), 200)
    assert (push["status"], push["reason"], push["event"]) == ("ignored", "event_filtered", "github.push")
    runs = ws.db.execute("SELECT webhook_delivery_id FROM autopilot_run WHERE trigger_id = %s",
                         (t["id"],)).fetchall()
    assert [str(r["webhook_delivery_id"]) for r in runs] == [opened["delivery_id"]]

    # PATCH [] clears the filters: now closed is accepted
    ws.write.patch(_tpath(ap["id"], t["id"]), {"event_filters": []})
    again = assert_json_response(_gh(ws, t, "pull_request", "closed"), 200)
    assert again["status"] == "accepted", again


def test_event_filter_without_actions_admits_every_action(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="github", event_filters=[{"event": "issues"}])
    for action in ("opened", "closed"):
        assert assert_json_response(_gh(ws, t, "issues", action), 200)["status"] == "accepted"
    assert assert_json_response(_gh(ws, t, "push", None), 200)["reason"] == "event_filtered"


def test_filters_set_by_patch_apply_at_once(ws):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"], provider="github")
    assert assert_json_response(_gh(ws, t, "push", None), 200)["status"] == "accepted"
    ws.write.patch(_tpath(ap["id"], t["id"]),
                   {"event_filters": [{"event": "pull_request", "actions": ["opened"]}]})
    assert assert_json_response(_gh(ws, t, "push", None), 200)["reason"] == "event_filtered"


# ---------------------------------------------------------------- keys and scopes

WRITE_ROUTES = [("POST", "", {}), ("PATCH", "/{t}", {"label": "x"}), ("DELETE", "/{t}", None),
                ("POST", "/{t}/rotate-webhook-token", None),
                ("PUT", "/{t}/signing-secret", {"signing_secret": SECRET})]


@pytest.mark.parametrize("method,tail,body", WRITE_ROUTES,
                         ids=["create", "patch", "delete", "rotate", "secret"])
def test_read_key_is_403_on_writes(ws, method, tail, body):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    before = dict(_row(ws, t["id"]))
    path = "/api/autopilots/%s/triggers" % ap["id"] + tail.format(t=t["id"])
    assert "read-only" in ws.read.error(method, path, body, status=403)
    assert dict(_row(ws, t["id"])) == before
    assert _n_triggers(ws, ap["id"]) == 1


@pytest.mark.parametrize("method,tail,body", [("GET", "", None)] + WRITE_ROUTES,
                         ids=["list", "create", "patch", "delete", "rotate", "secret"])
def test_missing_unknown_or_revoked_key_is_401(ws, method, tail, body):
    ap = ws.write.autopilot()
    t = ws.write.trigger(ap["id"])
    before = dict(_row(ws, t["id"]))
    revoked = ws.api_key("write")
    ws.revoke(revoked)
    url = ws.front.url("/api/autopilots/%s/triggers" % ap["id"] + tail.format(t=t["id"]))
    for headers in ({}, {"Authorization": "Bearer " + random_key()},
                    {"Authorization": "Bearer " + revoked.key}):
        data = json.dumps(body).encode() if body is not None else None
        resp = requests.request(method, url, headers=headers, data=data, timeout=30)
        assert _status(resp) == (401, {"error": "unauthorized"}), headers
    assert dict(_row(ws, t["id"])) == before
    assert _n_triggers(ws, ap["id"]) == 1


def test_trigger_routes_through_cgi(ws, cgi_front):
    api = Api(cgi_front, ws.write.key)
    ap = api.autopilot()
    t = api.trigger(ap["id"], provider="github", label="cgi")
    new = api.put(_tpath(ap["id"], t["id"], "/signing-secret"), {"signing_secret": SECRET})["trigger"]
    assert new["has_signing_secret"] is True
    rot = api.post(_tpath(ap["id"], t["id"], "/rotate-webhook-token"), status=200)["trigger"]
    assert rot["webhook_token"] != t["webhook_token"]
    assert api.get(_tpath(ap["id"]))["triggers"] == [as_read(rot)]
    api.delete(_tpath(ap["id"], t["id"]))
    assert api.get(_tpath(ap["id"])) == {"triggers": []}
    assert all(SECRET not in text for text in api.seen)
