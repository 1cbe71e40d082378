"""Ingress outcomes (SPEC 3): accepted, ignored, skipped; the envelope; what each row records."""

import datetime
import json
import re
import time

import pytest

from harness import assert_json_response, assert_recorded

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_rfc3339(s):
    assert RFC3339_UTC.match(s), "receivedAt %r is not RFC 3339 UTC" % s
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_accepted_persists_dispatched_delivery_and_pending_run(front, fx):
    trig = fx.trigger()
    body = {"type": "order.created", "data": {"n": 1, "name": "caf\u00e9"}}
    raw = json.dumps(body).encode()
    before = datetime.datetime.now(datetime.timezone.utc)
    resp = front.hook(trig, raw, headers={"Content-Type": "application/json; charset=utf-8",
                                          "X-Request-Id": "bb-req-accepted-1"})
    out = assert_json_response(resp, 200)
    assert resp.headers["X-Request-Id"] == "bb-req-accepted-1"
    assert set(out) == {"status", "delivery_id", "run_id", "autopilot_id", "trigger_id"}, out
    assert out["status"] == "accepted"
    assert out["autopilot_id"] == trig.autopilot_id
    assert out["trigger_id"] == trig.id

    rows = fx.deliveries(trig)
    assert len(rows) == 1
    d = rows[0]
    assert str(d["id"]) == out["delivery_id"]
    assert d["status"] == "dispatched"
    assert d["signature_status"] == "not_required"
    assert d["attempt_count"] == 1
    assert str(d["autopilot_run_id"]) == out["run_id"]
    assert str(d["autopilot_id"]) == trig.autopilot_id
    assert str(d["workspace_id"]) == fx.workspace["id"]
    assert d["provider"] == "generic"
    assert d["event"] == "order.created"
    assert bytes(d["raw_body"]) == raw
    assert d["dedupe_key"] is None and d["dedupe_source"] is None
    assert d["error"] is None
    assert_recorded(resp, d)

    runs = fx.runs(trig)
    assert len(runs) == 1
    r = runs[0]
    assert str(r["id"]) == out["run_id"]
    assert r["status"] == "pending"
    assert r["source"] == "webhook"
    assert str(r["webhook_delivery_id"]) == out["delivery_id"]
    assert str(r["trigger_id"]) == trig.id
    assert r["failure_reason"] is None
    env = r["trigger_payload"]
    assert set(env) == {"event", "eventPayload", "request"}, env
    assert env["event"] == "order.created"
    assert env["eventPayload"] == body
    assert set(env["request"]) == {"receivedAt", "contentType"}, env["request"]
    assert env["request"]["contentType"] == "application/json"
    received = parse_rfc3339(env["request"]["receivedAt"])
    assert before - datetime.timedelta(seconds=5) <= received <= \
        datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)

    a, t = fx.shown(trig)
    assert t["last_fired_at"] is not None
    assert a["last_run_at"] is not None
    # the newest run's time, as the API shows every timestamp
    assert t["last_fired_at"] == a["last_run_at"]


def test_request_id_is_generated_when_absent(pool_front, fx):
    trig = fx.trigger()
    r1 = pool_front.hook(trig, {"a": 1})
    r2 = pool_front.hook(trig, {"a": 2})
    assert_json_response(r1, 200)
    assert_json_response(r2, 200)
    assert r1.headers["X-Request-Id"] != r2.headers["X-Request-Id"], "request ids must be new per request"


def test_array_body_is_accepted(pool_front, fx):
    # SPEC 3.2: only "not an object or array" is a 400.
    trig = fx.trigger()
    out = assert_json_response(pool_front.hook(trig, [1, {"b": 2}]), 200)
    assert out["status"] == "accepted"
    run = fx.run(out["run_id"])
    assert run["trigger_payload"]["eventPayload"] == [1, {"b": 2}]
    assert run["trigger_payload"]["event"] == "webhook.received"


def test_no_content_type_omits_it_from_envelope(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, {"a": 1}, headers={"Content-Type": None})
    out = assert_json_response(resp, 200)
    env = fx.run(out["run_id"])["trigger_payload"]
    assert "contentType" not in env["request"], env


def test_bom_is_ignored_for_parsing_but_kept_raw(pool_front, fx):
    trig = fx.trigger(secret="bom-secret-0123456789")
    raw = b"\xef\xbb\xbf" + b'{"event":"bom.test","x":1}'
    out = assert_json_response(pool_front.hook(trig, raw, secret=trig.secret), 200)
    assert out["status"] == "accepted"
    d = fx.delivery(out["delivery_id"])
    assert bytes(d["raw_body"]) == raw
    assert d["signature_status"] == "valid"
    assert fx.run(out["run_id"])["trigger_payload"]["event"] == "bom.test"


def test_github_event_and_action(pool_front, fx):
    trig = fx.trigger(provider="github")
    body = {"action": "opened", "number": 7, "pull_request": {"title": "t"}}
    out = assert_json_response(
        pool_front.hook(trig, body, headers={"X-GitHub-Event": "pull_request"}), 200)
    assert out["status"] == "accepted"
    d = fx.delivery(out["delivery_id"])
    assert d["event"] == "github.pull_request.opened"
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["event"] == "github.pull_request.opened"
    assert env["eventPayload"] == body


@pytest.mark.parametrize("headers,body,event", [
    ({"X-GitHub-Event": "push"}, {"ref": "refs/heads/main"}, "github.push"),
    ({"X-Gitlab-Event": "Push Hook"}, {"x": 1}, "gitlab.Push Hook"),
    ({"X-Event-Type": "invoice.paid"}, {"type": "ignored.here"}, "invoice.paid"),
    ({}, {"type": "thing.happened"}, "thing.happened"),
    ({}, {"action": "closed"}, "closed"),
    ({}, {"event": "custom.evt", "eventPayload": {"a": 1}}, "custom.evt"),
    ({}, {"type": 5, "action": ["x"]}, "webhook.received"),
], ids=["github-no-action", "gitlab", "x-event-type", "body-type", "body-action",
        "envelope", "default"])
def test_event_name(pool_front, fx, headers, body, event):
    trig = fx.trigger()
    out = assert_json_response(pool_front.hook(trig, body, headers=headers), 200)
    assert fx.delivery(out["delivery_id"])["event"] == event
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["event"] == event
    if "eventPayload" in body:
        assert env["eventPayload"] == body["eventPayload"]
    else:
        assert env["eventPayload"] == body


@pytest.mark.parametrize("case,reason", [
    ("disabled", "trigger_disabled"),
    ("paused", "autopilot_paused"),
    ("archived", "autopilot_archived"),
])
def test_ignored(pool_front, fx, case, reason):
    if case == "disabled":
        trig = fx.trigger(disabled=True)
    else:
        trig = fx.trigger(status=case)
    resp = pool_front.hook(trig, {"type": "x"})
    out = assert_json_response(resp, 200)
    assert out == {"status": "ignored", "delivery_id": out["delivery_id"], "reason": reason}
    rows = fx.deliveries(trig)
    assert len(rows) == 1
    d = rows[0]
    assert str(d["id"]) == out["delivery_id"]
    assert d["status"] == "ignored"
    assert d["autopilot_run_id"] is None
    assert_recorded(resp, d)
    assert fx.runs(trig) == []
    assert fx.last_fired_at(trig) is None


def test_ignored_after_set_status(pool_front, fx):
    trig = fx.trigger()
    assert_json_response(pool_front.hook(trig, {"n": 1}), 200)
    fx.ctl("autopilot", "set-status", trig.autopilot_id, "paused")
    out = assert_json_response(pool_front.hook(trig, {"n": 2}), 200)
    assert out["status"] == "ignored" and out["reason"] == "autopilot_paused"
    fx.ctl("autopilot", "set-status", trig.autopilot_id, "active")
    out = assert_json_response(pool_front.hook(trig, {"n": 3}), 200)
    assert out["status"] == "accepted"
    assert len(fx.runs(trig)) == 2


def _assert_skipped(fx, trig, resp):
    out = assert_json_response(resp, 200)
    assert set(out) == {"status", "delivery_id", "run_id", "reason"}, out
    assert out["status"] == "skipped"
    assert out["reason"] == "agent runtime is offline at dispatch time"
    d = fx.delivery(out["delivery_id"])
    assert d["status"] == "dispatched"
    assert str(d["autopilot_run_id"]) == out["run_id"]
    assert_recorded(resp, d)
    r = fx.run(out["run_id"])
    assert r["status"] == "skipped"
    assert r["failure_reason"] == "agent runtime is offline at dispatch time"
    assert str(r["webhook_delivery_id"]) == out["delivery_id"]
    return out


def test_offline_runtime_never_seen_then_heartbeat(pool_front, fx):
    rt = fx.runtime()
    trig = fx.trigger(runtime=rt)
    _assert_skipped(fx, trig, pool_front.hook(trig, {"n": 1}))

    hb = fx.ctl("runtime", "heartbeat", rt["id"])
    assert hb["id"] == rt["id"] and hb["last_seen_at"]
    resp = pool_front.hook(trig, {"n": 2})
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    assert fx.run(out["run_id"])["status"] == "pending"
    assert_recorded(resp, fx.delivery(out["delivery_id"]))


def test_offline_runtime_seen_long_ago(pool_front, fx, db):
    rt = fx.runtime()
    fx.ctl("runtime", "heartbeat", rt["id"])
    trig = fx.trigger(runtime=rt)
    out = assert_json_response(pool_front.hook(trig, {"n": 1}), 200)
    assert out["status"] == "accepted", "a fresh heartbeat means online"

    db.execute("UPDATE runtime SET last_seen_at = now() - interval '1 hour' WHERE id = %s",
               (rt["id"],))
    _assert_skipped(fx, trig, pool_front.hook(trig, {"n": 2}))

    fx.ctl("runtime", "heartbeat", rt["id"])
    out = assert_json_response(pool_front.hook(trig, {"n": 3}), 200)
    assert out["status"] == "accepted"
    assert fx.run(out["run_id"])["status"] == "pending"


def test_selected_headers_never_keep_secrets(pool_front, fx):
    trig = fx.trigger(secret="selected-headers-secret-1")
    resp = pool_front.hook(trig, {"a": 1}, secret=trig.secret, headers={
        "Idempotency-Key": "sel-hdr-1",
        "User-Agent": "bb-agent/1.0",
        "Authorization": "Bearer hgk_should_never_be_stored_1234",
        "Cookie": "session=never-stored-cookie"})
    out = assert_json_response(resp, 200)
    d = fx.delivery(out["delivery_id"])
    sel = d["selected_headers"]
    assert isinstance(sel, dict), sel
    text = json.dumps(sel)
    sig = resp.request.headers["X-Hub-Signature-256"]
    assert sig[len("sha256="):] not in text, "signature value stored in selected_headers"
    assert "hgk_should_never_be_stored" not in text, "Authorization stored"
    assert "never-stored-cookie" not in text, "Cookie stored"
    assert trig.secret not in text
    assert "bb-agent/1.0" in text, "user agent is a debugging header: %s" % text
    assert "sel-hdr-1" in text, "idempotency key is a debugging header: %s" % text


def test_log_line_per_request_without_token_or_secret(stack, pool_front, fx):
    trig = fx.trigger(secret="log-secret-abcdefghij")
    rid = "bb-log-" + trig.id[:8]
    resp = pool_front.hook(trig, {"a": 1}, secret=trig.secret, headers={"X-Request-Id": rid})
    out = assert_json_response(resp, 200)
    bad = pool_front.hook(trig, {"a": 1}, secret="wrong-secret-zzzzzzzz",
                          headers={"X-Request-Id": rid + "-bad"})
    assert_json_response(bad, 401)

    def lines_of(log, wanted):
        # the id as a whole word: rid must not match the line of rid + "-bad"
        pat = re.compile(r"(?<![\w.:-])%s(?![\w.:-])" % re.escape(wanted))
        return [line for line in log.splitlines() if pat.search(line)]

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # workers log after answering: wait for both lines
        log = stack.pool.log_text()
        if any(out["delivery_id"] in line for line in lines_of(log, rid)) and lines_of(log, rid + "-bad"):
            break
        time.sleep(0.05)
    lines = lines_of(log, rid)
    assert lines, "no log line carries request id %s" % rid
    assert any(out["delivery_id"] in line for line in lines), \
        "the request's log line does not name its delivery id: %r" % lines
    assert trig.token not in log, "full webhook token in the pool log"
    assert trig.token[4:] not in log
    assert trig.secret not in log
    assert "wrong-secret-zzzzzzzz" not in log
    assert resp.request.headers["X-Hub-Signature-256"][7:] not in log


def test_dispatch_notifies_hookgate_run_at_commit(pool_front, fx, stack):
    """SPEC 3.6: NOTIFY hookgate_run '<run id>' for a pending run; none for a skipped one."""
    listener = stack.cluster.connect()
    notes = []
    try:
        listener.add_notify_handler(lambda n: notes.append((n.channel, n.payload)))
        listener.execute("LISTEN hookgate_run")
        pending = assert_json_response(pool_front.hook(fx.trigger(), {"n": 1}), 200)
        offline = fx.runtime("never-seen")
        skipped = assert_json_response(pool_front.hook(fx.trigger(runtime=offline), {"n": 2}), 200)
        assert pending["status"] == "accepted" and skipped["status"] == "skipped"
        for _ in range(50):
            listener.execute("SELECT 1")
            if notes:
                break
            time.sleep(0.1)
        listener.execute("SELECT 1")
    finally:
        listener.close()
    assert ("hookgate_run", pending["run_id"]) in notes
    assert all(payload != skipped["run_id"] for _, payload in notes)
