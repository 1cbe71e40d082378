"""Deliveries API (SPEC 4.4): list, detail, replay; workspace scoping and idempotent replays."""

import base64
import concurrent.futures
import datetime
import json
import time

import psycopg
import pytest
import requests

from harness import assert_json_response, sign
from runhelp import (DELIVERY_DETAIL_FIELDS, DELIVERY_FIELDS, HEAVY_FIELDS, RUN_DETAIL_FIELDS,
                     Api, hook_ok, insert_deliveries, keys, other_workspace, random_id, walk)


@pytest.fixture
def api(fx, pool_front):
    write, read = keys(fx, pool_front)
    return type("A", (), {"w": write, "r": read, "front": pool_front})


def dpath(trig, delivery_id=None, suffix=""):
    p = "/api/autopilots/%s/deliveries" % trig.autopilot_id
    if delivery_id:
        p += "/" + delivery_id
    return p + suffix


# ---------------------------------------------------------------- list

def test_list_newest_first_slim_on_both_fronts(fx, front):
    write, read = keys(fx, front)
    trig = fx.trigger()
    sent = [hook_ok(front, trig, {"event": "bb.order", "n": i}) for i in range(3)]
    for api in (write, read):
        out = api.ok("GET", dpath(trig))
        assert set(out) == {"deliveries", "next_cursor"}
        assert out["next_cursor"] is None
        got = out["deliveries"]
        assert [d["id"] for d in got] == [s["delivery_id"] for s in reversed(sent)]
        for d in got:
            assert set(d) == DELIVERY_FIELDS, d
            assert d["status"] == "dispatched" and d["attempt_count"] == 1
            assert d["autopilot_id"] == trig.autopilot_id and d["trigger_id"] == trig.id
            assert d["event"] == "bb.order"
            assert d["response_status"] == 200
        text = api.get(dpath(trig)).text
        for heavy in HEAVY_FIELDS:
            assert '"%s"' % heavy not in text


def test_list_never_contains_heavy_fields(fx, api):
    trig = fx.trigger()
    hook_ok(api.front, trig, {"event": "bb.heavy", "secret_marker": "BODY-MARKER-123"},
            headers={"User-Agent": "bb-agent-marker"})
    resp = api.w.get(dpath(trig))
    body = assert_json_response(resp, 200)
    assert len(body["deliveries"]) == 1
    for heavy in HEAVY_FIELDS:
        assert heavy not in body["deliveries"][0]
    assert "BODY-MARKER-123" not in resp.text
    assert "bb-agent-marker" not in resp.text


def test_list_status_filter(fx, api):
    trig = fx.trigger(secret="s3cret-s3cret-s3cret")
    body = {"event": "bb.sig"}
    good = assert_json_response(api.front.hook(trig, body, secret=trig.secret), 200)
    bad = assert_json_response(api.front.hook(trig, body), 401)
    out = api.w.ok("GET", dpath(trig) + "?status=rejected")
    assert [d["id"] for d in out["deliveries"]] == [bad["delivery_id"]]
    out = api.w.ok("GET", dpath(trig) + "?status=dispatched")
    assert [d["id"] for d in out["deliveries"]] == [good["delivery_id"]]
    assert api.w.ok("GET", dpath(trig) + "?status=ignored")["deliveries"] == []
    for badval in ("bogus", "", "DISPATCHED", "dispatched,failed"):
        err = api.w.ok("GET", dpath(trig) + "?status=" + badval, status=400)
        assert "status" in err["error"]


def test_list_pagination_250_rows(fx, api, db):
    trig = fx.trigger()
    ids = insert_deliveries(db, trig, fx.workspace["id"], 250)
    pages = walk(api.w, dpath(trig), 100)
    assert [len(p["deliveries"]) for p in pages] == [100, 100, 50]
    walked = [d["id"] for p in pages for d in p["deliveries"]]
    assert len(set(walked)) == 250
    assert walked == ids, "not newest first (created_at DESC, id DESC)"
    for p in pages:
        for d in p["deliveries"]:
            assert set(d) == DELIVERY_FIELDS
    # the status filter pages the same way
    pages = walk(api.r, dpath(trig) + "?status=ignored", 100)
    assert [d["id"] for p in pages for d in p["deliveries"]] == ids


def test_list_default_limit_and_exact_page(fx, api, db):
    trig = fx.trigger()
    ids = insert_deliveries(db, trig, fx.workspace["id"], 40)
    out = api.w.ok("GET", dpath(trig))
    assert [d["id"] for d in out["deliveries"]] == ids[:20]
    assert out["next_cursor"]
    # a page that ends exactly at the last row has no next cursor
    out = api.w.ok("GET", dpath(trig) + "?limit=20&before=" + out["next_cursor"])
    assert [d["id"] for d in out["deliveries"]] == ids[20:]
    assert out["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=",
                                   "before=notacursor", "before=", "before=MjAyNHxub3Q"])
def test_list_bad_query(fx, api, query):
    trig = fx.trigger()
    err = api.w.ok("GET", dpath(trig) + "?" + query, status=400)
    assert err["error"]


def test_list_scoping(fx, api):
    trig = fx.trigger()
    other = other_workspace(fx, api.front)
    hook_ok(api.front, other, {"event": "bb.other"})
    assert api.w.ok("GET", "/api/autopilots/%s/deliveries" % other.autopilot_id,
                    status=404) == {"error": "autopilot not found"}
    assert api.w.ok("GET", "/api/autopilots/%s/deliveries" % random_id(),
                    status=404) == {"error": "autopilot not found"}
    assert api.w.ok("GET", "/api/autopilots/nope/deliveries", status=400) == \
        {"error": "invalid autopilot id"}
    assert assert_json_response(Api(api.front, None).get(dpath(trig)), 401) == \
        {"error": "unauthorized"}
    # the other workspace's key sees its own delivery, not ours
    assert len(other.api.ok("GET", "/api/autopilots/%s/deliveries" % other.autopilot_id)
               ["deliveries"]) == 1
    assert other.api.ok("GET", dpath(trig), status=404) == {"error": "autopilot not found"}


# ---------------------------------------------------------------- detail

def test_show_full_row(fx, api, db):
    trig = fx.trigger()
    raw = '{"event":"bb.show","text":"h\u00e9llo \u2603"}'.encode()
    resp = api.front.hook(trig, raw, headers={"User-Agent": "bb-agent/1", "Idempotency-Key": "k-1"})
    sent = assert_json_response(resp, 200)
    for a in (api.w, api.r):
        out = a.ok("GET", dpath(trig, sent["delivery_id"]))
        assert set(out) == {"delivery"}
        d = out["delivery"]
        assert set(d) == DELIVERY_DETAIL_FIELDS, d
        assert d["raw_body"] == raw.decode() and d["raw_body_encoding"] == "utf-8"
        assert d["response_body"] == resp.text
        assert d["dedupe_key"] == "k-1" and d["dedupe_source"] == "idempotency-key"
        assert d["autopilot_run_id"] == sent["run_id"]
        assert isinstance(d["selected_headers"], dict)
        row = fx.delivery(sent["delivery_id"])
        assert d["selected_headers"] == row["selected_headers"]
        assert d["content_type"] == "application/json"
        assert d["replay_idempotency_key"] is None
        assert d["signature_status"] == "not_required"


def test_show_non_utf8_body_as_base64(fx, api, db):
    trig = fx.trigger()
    raw = b'{"name":"caf\xe9","bin":"\xff\xfe"}'
    [did] = insert_deliveries(db, trig, fx.workspace["id"], 1, raw_body=raw)
    d = api.w.ok("GET", dpath(trig, did))["delivery"]
    assert d["raw_body_encoding"] == "base64"
    assert base64.b64decode(d["raw_body"]) == raw


def test_show_non_utf8_body_through_ingress(fx, api):
    """A latin-1 byte inside a JSON string: whatever ingress makes of it, nothing is lost."""
    trig = fx.trigger()
    raw = b'{"event":"bb.latin1","name":"caf\xe9"}'
    resp = api.front.hook(trig, raw)
    if resp.status_code == 400:
        assert resp.json()["error"] == "invalid JSON"
        assert fx.deliveries(trig) == []
        return
    sent = resp.json()
    d = api.w.ok("GET", dpath(trig, sent["delivery_id"]))["delivery"]
    assert d["raw_body_encoding"] == "base64"
    assert base64.b64decode(d["raw_body"]) == raw


def test_show_not_found_and_scoping(fx, api):
    trig = fx.trigger()
    trig2 = fx.trigger()    # another autopilot of the same workspace
    mine = hook_ok(api.front, trig, {"event": "bb.x"})
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.y"})
    assert api.w.ok("GET", dpath(trig, random_id()), status=404) == {"error": "delivery not found"}
    assert api.w.ok("GET", dpath(trig2, mine["delivery_id"]), status=404) == \
        {"error": "delivery not found"}
    assert api.w.ok("GET", dpath(other, theirs["delivery_id"]), status=404) == \
        {"error": "autopilot not found"}
    # their delivery id under our autopilot: not found either
    assert api.w.ok("GET", dpath(trig, theirs["delivery_id"]), status=404) == \
        {"error": "delivery not found"}
    assert api.w.ok("GET", dpath(trig, "xyz"), status=400) == {"error": "invalid delivery id"}


# ---------------------------------------------------------------- replay

def replay(a, trig, delivery_id, key=None, status=201, **kw):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return a.ok("POST", dpath(trig, delivery_id, "/replay"), status=status, headers=headers, **kw)


def received_at(ts):
    """A delivery's received_at (a datetime) as the envelope's receivedAt writes it."""
    ts = ts.astimezone(datetime.timezone.utc)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def apart_from_received_at(payload):
    """A trigger_payload without request.receivedAt (a replay's is its own)."""
    out = json.loads(json.dumps(payload))
    del out["request"]["receivedAt"]
    return out


def assert_replayed_as_at_ingress(fx, original_run, out):
    """The replay's trigger_payload is the ingress's but for receivedAt, which is the replay's
    own: its delivery's received_at, later than the original's. As stored, and as answered."""
    payload = out["run"]["trigger_payload"]
    assert fx.run(out["run"]["id"])["trigger_payload"] == payload
    assert apart_from_received_at(payload) == apart_from_received_at(original_run["trigger_payload"])
    row = fx.delivery(out["delivery"]["id"])
    assert payload["request"]["receivedAt"] == received_at(row["received_at"])
    assert payload["request"]["receivedAt"] > original_run["trigger_payload"]["request"]["receivedAt"]
    assert out["delivery"]["event"] == payload["event"]


def test_replay_creates_new_delivery_and_run(fx, api, db, stack):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.replay", "data": [1, 2, 3]},
                   headers={"User-Agent": "bb-replay/1", "Idempotency-Key": "orig-key"})
    before = fx.delivery(sent["delivery_id"])
    orig_run = fx.run(sent["run_id"])

    listener = psycopg.connect(stack.cluster.conninfo, autocommit=True)
    notes = []
    try:
        listener.add_notify_handler(lambda n: notes.append(n.payload))
        listener.execute("LISTEN hookgate_run")
        out = replay(api.w, trig, sent["delivery_id"])
        # the NOTIFY was delivered at commit, before the answer: any query picks it up
        for _ in range(50):
            listener.execute("SELECT 1")
            if notes:
                break
            time.sleep(0.1)
    finally:
        listener.close()

    assert set(out) == {"delivery", "run"}
    d, run = out["delivery"], out["run"]
    assert set(d) == DELIVERY_DETAIL_FIELDS and set(run) == RUN_DETAIL_FIELDS
    assert d["id"] != sent["delivery_id"]
    assert d["replayed_from_delivery_id"] == sent["delivery_id"]
    assert d["dedupe_key"] is None and d["dedupe_source"] is None
    assert d["signature_status"] == "not_required"
    assert d["status"] == "dispatched"
    assert d["attempt_count"] == 1
    assert (d["event"], d["provider"], d["content_type"]) == \
        (before["event"], before["provider"], before["content_type"])
    assert d["raw_body"].encode() == bytes(before["raw_body"])
    assert d["selected_headers"] == before["selected_headers"]
    assert d["autopilot_run_id"] == run["id"]
    assert d["response_status"] == 201
    assert json.loads(d["response_body"]) == {
        "status": "accepted", "delivery_id": d["id"], "run_id": run["id"],
        "autopilot_id": trig.autopilot_id, "trigger_id": trig.id}
    assert run["source"] == "replay" and run["status"] == "pending"
    assert run["webhook_delivery_id"] == d["id"]
    assert_replayed_as_at_ingress(fx, orig_run, out)
    assert run["id"] != sent["run_id"]
    assert notes == [run["id"]]

    # the original is untouched; exactly one more delivery and one more run
    assert fx.delivery(sent["delivery_id"]) == before
    assert fx.run(sent["run_id"]) == orig_run
    assert len(fx.deliveries(trig)) == 2 and len(fx.runs(trig)) == 2
    row = fx.delivery(d["id"])
    assert row["autopilot_run_id"] is not None and str(row["autopilot_run_id"]) == run["id"]
    assert row["response_body"] == d["response_body"]
    # and the replay shows up first in the list
    listed = api.r.ok("GET", dpath(trig))["deliveries"]
    assert [x["id"] for x in listed] == [d["id"], sent["delivery_id"]]


def test_replay_of_ignored_delivery_rebuilds_payload(fx, api, db):
    trig = fx.trigger(disabled=True)
    body = {"type": "bb.rebuilt", "n": 5}
    sent = hook_ok(api.front, trig, body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert sent["status"] == "ignored"
    row = fx.delivery(sent["delivery_id"])
    db.execute("UPDATE autopilot_trigger SET enabled = true WHERE id = %s", (trig.id,))
    out = replay(api.w, trig, sent["delivery_id"])
    payload = out["run"]["trigger_payload"]
    # receivedAt is the replay's: its delivery's received_at
    assert payload == {
        "event": "bb.rebuilt",
        "eventPayload": body,
        "request": {"receivedAt": received_at(fx.delivery(out["delivery"]["id"])["received_at"]),
                    "contentType": "application/json"},
    }
    assert out["delivery"]["status"] == "dispatched"
    assert fx.delivery(sent["delivery_id"]) == row


def test_replay_envelope_body_rebuilds_event_payload(fx, api, db):
    trig = fx.trigger(disabled=True)
    body = {"event": "bb.env", "eventPayload": {"inner": True}}
    sent = hook_ok(api.front, trig, body)
    db.execute("UPDATE autopilot_trigger SET enabled = true WHERE id = %s", (trig.id,))
    payload = replay(api.w, trig, sent["delivery_id"])["run"]["trigger_payload"]
    assert payload["event"] == "bb.env" and payload["eventPayload"] == {"inner": True}


@pytest.mark.parametrize("ctype,raw,event,expected", [
    ("application/x-www-form-urlencoded",
     b"x=1&payload=%7B%22action%22%3A+%22caf%C3%A9%22%2C%22n%22%3A1%7D&y=2",
     "caf\u00e9", {"action": "caf\u00e9", "n": 1}),
    ("application/json", b"\xef\xbb\xbf[1, 2]", "webhook.received", [1, 2]),
    (None, b'{"event":"x","eventPayload":null}', "x", None),
])
def test_replay_rebuilds_payload_from_stored_body(fx, api, db, ctype, raw, event, expected):
    """The event too is inferred again from the body (SPEC 3.3), not copied from the row (these
    rows were written with another event by hand)."""
    trig = fx.trigger()
    [did] = insert_deliveries(db, trig, fx.workspace["id"], 1, raw_body=raw)
    db.execute("UPDATE webhook_delivery SET content_type = %s WHERE id = %s", (ctype, did))
    out = replay(api.w, trig, did)
    payload = out["run"]["trigger_payload"]
    assert payload["event"] == event and out["delivery"]["event"] == event
    assert payload["eventPayload"] == expected
    assert ("contentType" in payload["request"]) == (ctype is not None)


# the divergences of the SQL copy of the envelope (issue 9): now one definition, in C
@pytest.mark.parametrize("provider,ctype,raw,headers", [
    # a form body without a payload field: its fields are the payload
    ("generic", "application/x-www-form-urlencoded", b"a=1&b=caf%C3%A9&b=2&flag", {}),
    # a form body whose payload field is not JSON: the fields again
    ("generic", "application/x-www-form-urlencoded; charset=utf-8", b"payload=nope&x=%2B", {}),
    # Stripe's event is its body's type, and the whole body is the payload, even with
    # event and eventPayload members
    ("stripe", "application/json",
     b'{"id":"evt_1","type":"invoice.paid","event":"bb.inner","eventPayload":{"x":1}}', {}),
    # the event from the stored selected headers
    ("github", "application/json", b'{"action":"opened","n":1}',
     {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "gh-replay-1"}),
    ("shopify", "application/json", b'{"id":7}', {"X-Shopify-Topic": "orders/create"}),
    ("gitlab", "application/json", b'{"object_kind":"push"}', {"X-Gitlab-Event": "Push Hook"}),
    # an envelope body, a BOM, an array
    ("generic", "application/json", b'{"event":"bb.env","eventPayload":[1,{"a":null}]}', {}),
    ("generic", "application/json", b'\xef\xbb\xbf[1,2e1000,0.5]', {"X-Event-Type": "bb.typed"}),
    # integers beyond 64 bits stay exact (SPEC 3.3), at ingress, in the replay and in answers
    ("generic", "application/json", b'{"n":123456789012345678901234567890,"m":-18446744073709551617}',
     {}),
])
def test_replay_payload_is_the_ingress_payload(fx, api, provider, ctype, raw, headers):
    trig = fx.trigger(provider=provider)
    sent = hook_ok(api.front, trig, raw, headers=dict(headers, **{"Content-Type": ctype}))
    assert sent["status"] == "accepted", sent
    original = fx.run(sent["run_id"])
    out = replay(api.w, trig, sent["delivery_id"])
    assert_replayed_as_at_ingress(fx, original, out)
    assert out["delivery"]["event"] == fx.delivery(sent["delivery_id"])["event"]


def test_replay_offline_runtime_is_skipped(fx, api):
    rt = fx.runtime()
    trig = fx.trigger(runtime=rt)       # never seen: offline
    sent = hook_ok(api.front, trig, {"event": "bb.offline"})
    assert sent["status"] == "skipped"
    out = replay(api.w, trig, sent["delivery_id"])
    assert out["run"]["status"] == "skipped"
    assert out["run"]["failure_reason"] == "agent runtime is offline at dispatch time"
    assert json.loads(out["delivery"]["response_body"])["status"] == "skipped"
    # online again: the replay is pending
    fx.ctl("runtime", "heartbeat", rt["id"])
    assert replay(api.w, trig, sent["delivery_id"])["run"]["status"] == "pending"


def count_replays(db, delivery_id):
    return db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id = %s",
                      (delivery_id,)).fetchone()["n"]


def test_replay_refused_for_rejected_delivery(fx, api, db):
    trig = fx.trigger(secret="s3cret-s3cret-s3cret")
    raw = json.dumps({"event": "bb.rej"}).encode()
    bad = assert_json_response(api.front.hook(trig, raw, headers={
        "X-Hub-Signature-256": sign("wrong-secret-wrong", raw)}), 401)
    missing = assert_json_response(api.front.hook(trig, raw), 401)
    for d in (bad, missing):
        before = fx.delivery(d["delivery_id"])
        err = replay(api.w, trig, d["delivery_id"], status=400)
        assert "rejected" in err["error"]
        assert fx.delivery(d["delivery_id"]) == before
        assert count_replays(db, d["delivery_id"]) == 0
    assert len(fx.runs(trig)) == 0


def test_replay_refused_for_invalid_signature_even_if_not_rejected(fx, api, db):
    trig = fx.trigger()
    [did] = insert_deliveries(db, trig, fx.workspace["id"], 1, status="failed")
    db.execute("UPDATE webhook_delivery SET signature_status = 'invalid' WHERE id = %s", (did,))
    err = replay(api.w, trig, did, status=400)
    assert "signature" in err["error"]
    assert count_replays(db, did) == 0


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_replay_refused_for_inactive_autopilot(fx, api, db, status):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.paused"})
    fx.ctl("autopilot", "set-status", trig.autopilot_id, status)
    err = replay(api.w, trig, sent["delivery_id"], status=400)
    assert status in err["error"]
    assert count_replays(db, sent["delivery_id"]) == 0
    assert len(fx.runs(trig)) == 1


def test_replay_refused_for_disabled_trigger(fx, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.disabled"})
    db.execute("UPDATE autopilot_trigger SET enabled = false WHERE id = %s", (trig.id,))
    err = replay(api.w, trig, sent["delivery_id"], status=400)
    assert "disabled" in err["error"]
    assert count_replays(db, sent["delivery_id"]) == 0


@pytest.mark.parametrize("ctype,raw,why", [
    ("application/json", b'{"a":"\xe9"}', "invalid JSON"),
    ("application/json", b"  ", "empty body"),
    ("application/json", b"42", "body is not a JSON object or array"),
    ("application/x-www-form-urlencoded", b"a=%zz", "invalid form body"),
])
def test_replay_refused_when_body_cannot_become_a_payload(fx, api, db, ctype, raw, why):
    trig = fx.trigger()
    [did] = insert_deliveries(db, trig, fx.workspace["id"], 1, raw_body=raw)
    db.execute("UPDATE webhook_delivery SET content_type = %s WHERE id = %s", (ctype, did))
    err = replay(api.w, trig, did, status=400)
    assert err == {"error": "the stored body cannot be turned into a run payload: " + why}
    assert count_replays(db, did) == 0
    # the checks that come first still come first
    db.execute("UPDATE autopilot_trigger SET enabled = false WHERE id = %s", (trig.id,))
    assert "disabled" in replay(api.w, trig, did, status=400)["error"]
    assert count_replays(db, did) == 0


def test_replay_idempotency_key(fx, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.idem"})
    first = replay(api.w, trig, sent["delivery_id"], key="replay-1")
    again = replay(api.w, trig, sent["delivery_id"], key="replay-1 ", status=200)
    assert again == first
    assert first["delivery"]["replay_idempotency_key"] == "replay-1"
    assert count_replays(db, sent["delivery_id"]) == 1
    # a different key, or none, is a new replay
    other = replay(api.w, trig, sent["delivery_id"], key="replay-2")
    assert other["delivery"]["id"] != first["delivery"]["id"]
    plain = replay(api.w, trig, sent["delivery_id"])
    assert plain["delivery"]["replay_idempotency_key"] is None
    assert count_replays(db, sent["delivery_id"]) == 3
    assert len(fx.runs(trig)) == 4
    # the stored answer wins even after the autopilot was paused
    fx.ctl("autopilot", "set-status", trig.autopilot_id, "paused")
    assert replay(api.w, trig, sent["delivery_id"], key="replay-1", status=200) == first
    # the same key on another delivery is another replay
    sent2 = hook_ok(api.front, trig, {"event": "bb.idem2"})
    fx.ctl("autopilot", "set-status", trig.autopilot_id, "active")
    third = replay(api.w, trig, sent2["delivery_id"], key="replay-1")
    assert third["delivery"]["replayed_from_delivery_id"] == sent2["delivery_id"]


def test_replay_idempotency_key_concurrent(fx, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.race"})
    url = api.front.url(dpath(trig, sent["delivery_id"], "/replay"))
    headers = {"Authorization": "Bearer " + api.w.key, "Idempotency-Key": "race-key"}

    def one(_):
        return requests.post(url, headers=headers, timeout=30)
    with concurrent.futures.ThreadPoolExecutor(10) as ex:
        answers = list(ex.map(one, range(10)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 9 + [201], [a.text for a in answers]
    ids = {a.json()["delivery"]["id"] for a in answers}
    runs = {a.json()["run"]["id"] for a in answers}
    assert len(ids) == 1 and len(runs) == 1
    assert count_replays(db, sent["delivery_id"]) == 1
    assert len(fx.runs(trig)) == 2


def test_replay_errors(fx, api, db):
    trig = fx.trigger()
    trig2 = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.err"})
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    p = dpath(trig, sent["delivery_id"], "/replay")
    assert api.r.ok("POST", p, status=403)["error"].startswith("forbidden")
    assert assert_json_response(Api(api.front, None).post(p), 401) == {"error": "unauthorized"}
    assert replay(api.w, trig, random_id(), status=404) == {"error": "delivery not found"}
    assert replay(api.w, trig2, sent["delivery_id"], status=404) == {"error": "delivery not found"}
    assert replay(api.w, other, theirs["delivery_id"], status=404) == {"error": "autopilot not found"}
    assert replay(api.w, trig, theirs["delivery_id"], status=404) == {"error": "delivery not found"}
    assert api.w.ok("POST", dpath(trig, "bad-id", "/replay"), status=400) == \
        {"error": "invalid delivery id"}
    assert api.w.ok("POST", p, body={"force": True}, status=400) == \
        {"error": "unknown member 'force'"}
    assert api.w.ok("POST", p, data=b"{nope", status=400) == {"error": "invalid JSON"}
    err = replay(api.w, trig, sent["delivery_id"], key="k" * 256, status=400)
    assert "Idempotency-Key" in err["error"]
    assert api.w.ok("GET", p, status=405)["error"] == "method not allowed"
    assert count_replays(db, sent["delivery_id"]) == 0
    assert count_replays(db, theirs["delivery_id"]) == 0
    # an empty JSON object is fine
    assert api.w.ok("POST", p, body={}, status=201)["delivery"]["replayed_from_delivery_id"] == \
        sent["delivery_id"]


def test_replay_of_a_replay(fx, api):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.chain"})
    first = replay(api.w, trig, sent["delivery_id"])
    second = replay(api.w, trig, first["delivery"]["id"])
    assert second["delivery"]["replayed_from_delivery_id"] == first["delivery"]["id"]
    assert_replayed_as_at_ingress(fx, first["run"], second)
