"""Hostile bytes (SPEC 3.1 steps 7 and 10, 3.3, 3.5, 4.3, 8.7): each gets its defined answer, nothing is lost."""

import hashlib
import json

import pytest
import requests

from harness import assert_json_response, assert_recorded


def _no_rows(fx, trig):
    assert fx.deliveries(trig) == [], "a 400 stored something"
    assert fx.runs(trig) == []


# ---------------------------------------------------------------- content type

def test_content_type_that_is_not_utf8_is_stored_and_accepted(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, {"a": 1}, headers={"Content-Type": b"application/\xffjson"})
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted", out
    d = fx.delivery(out["delivery_id"])
    assert d["content_type"] == "application/\\xFFjson"
    assert_recorded(resp, d)
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["request"]["contentType"] == "application/\\xFFjson"
    assert env["eventPayload"] == {"a": 1}


def test_content_type_parameters_with_bad_bytes_are_dropped(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, {"a": 1},
                           headers={"Content-Type": b"application/json; charset=\xfe\xff"})
    out = assert_json_response(resp, 200)
    assert fx.delivery(out["delivery_id"])["content_type"] == "application/json"


# ---------------------------------------------------------------- numbers and strict JSON

NUMERIC_LIMITS = {
    "17000-zeros-after-the-point": b'{"a":0.' + b"0" * 17000 + b"1}",
    "400-digits-e-16000": b'{"a":1.' + b"7" * 400 + b"e-16000}",
    "exponent-too-large": b'{"a":1e999999}',
}

NOT_JSON = {
    "single-quotes": b"{'a':1}",
    "raw-newline-in-string": b'{"a":"x\ny"}',
    "raw-tab-in-string": b'{"a":"x\ty"}',
    "leading-zero": b'{"a":00}',
    "negative-leading-zero": b'{"a":-05}',
    "nan-behind-duplicate": b'{"a":NaN,"a":1}',
    "infinity": b'{"a":Infinity}',
    "huge-behind-duplicate": b'{"a":1e999999,"a":1}',
    "trailing-comma": b'{"a":1,}',
    "nul-escape": b'{"a":"\\u0000"}',
    "lone-surrogate": b'{"a":"\\ud800"}',
    "not-utf8": b'{"a":"\xff"}',
}


@pytest.mark.parametrize("body", list(NUMERIC_LIMITS.values()) + list(NOT_JSON.values()),
                         ids=list(NUMERIC_LIMITS) + list(NOT_JSON))
def test_bodies_that_are_not_storable_json_are_400(pool_front, fx, body):
    trig = fx.trigger()
    out = assert_json_response(pool_front.hook(trig, body), 400)
    assert out == {"error": "invalid JSON"}
    _no_rows(fx, trig)


def test_numbers_at_numerics_limits_are_stored(pool_front, fx):
    trig = fx.trigger()
    body = b'{"a":0.' + b"0" * 16382 + b'1,"b":1' + b"0" * 1000 + b"}"
    out = assert_json_response(pool_front.hook(trig, body), 200)
    assert out["status"] == "accepted"
    row = fx.db.execute("SELECT trigger_payload->'eventPayload'->>'b' AS b FROM autopilot_run"
                        " WHERE id = %s", (out["run_id"],)).fetchone()
    assert row["b"] == "1" + "0" * 1000


def _payload_text(fx, run_id, path):
    return fx.db.execute("SELECT trigger_payload #>> %s AS v FROM autopilot_run WHERE id = %s",
                         (path, run_id)).fetchone()["v"]


def test_integers_beyond_64_bits_keep_their_digits(pool_front, fx):
    trig = fx.trigger()
    out = assert_json_response(pool_front.hook(trig, b'{"big":99999999999999999999,'
                                                     b'"neg":-123456789012345678901234567890,'
                                                     b'"f":1.50000000000000000001}'), 200)
    assert _payload_text(fx, out["run_id"], "{eventPayload,big}") == "99999999999999999999"
    assert _payload_text(fx, out["run_id"], "{eventPayload,neg}") == \
        "-123456789012345678901234567890"
    assert _payload_text(fx, out["run_id"], "{eventPayload,f}") == "1.50000000000000000001"


def test_an_envelope_body_keeps_its_payloads_digits(pool_front, fx):
    trig = fx.trigger()
    body = (b'{"event":"order.paid","eventPayload":{"id":123456789012345678901234567890,'
            b'"s":"caf\\u00e9 \\"q\\""},"eventP\\u0061yload":[1]}')
    out = assert_json_response(pool_front.hook(trig, body), 200)
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["event"] == "order.paid"
    # the last of two equal member names counts, as json-c and jsonb say
    assert env["eventPayload"] == [1]
    body = b'{"event":"order.paid","eventPayload":{"id":123456789012345678901234567890}}'
    out = assert_json_response(pool_front.hook(trig, body), 200)
    assert _payload_text(fx, out["run_id"], "{eventPayload,id}") == \
        "123456789012345678901234567890"


def test_form_payload_keeps_its_digits(pool_front, fx):
    trig = fx.trigger(provider="github")
    body = b"payload=%7B%22big%22%3A99999999999999999999%7D"
    out = assert_json_response(pool_front.hook(
        trig, body, headers={"Content-Type": "application/x-www-form-urlencoded",
                             "X-GitHub-Event": "push"}), 200)
    assert _payload_text(fx, out["run_id"], "{eventPayload,big}") == "99999999999999999999"


# ---------------------------------------------------------------- dedupe keys

@pytest.mark.parametrize("key", [b"k" * 600, bytes(range(128, 256)) + b"\xff" * 72],
                         ids=["600-bytes", "200-bytes-not-utf8"])
def test_long_and_non_utf8_keys_still_dedupe(pool_front, fx, key):
    trig = fx.trigger()
    first = assert_json_response(pool_front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key}),
                                 200)
    again = assert_json_response(pool_front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key}),
                                 200)
    assert first["status"] == "accepted"
    assert again == {"status": "duplicate", "delivery_id": first["delivery_id"],
                     "run_id": first["run_id"]}
    other = key[:-1] + b"z"
    third = assert_json_response(pool_front.hook(trig, {"n": 1}, headers={"Idempotency-Key": other}),
                                 200)
    assert third["status"] == "accepted", "a different key is a different delivery"
    d = fx.delivery(first["delivery_id"])
    assert d["dedupe_key"] == "sha256:" + hashlib.sha256(key).hexdigest()
    assert d["dedupe_source"] == "idempotency-key"
    assert d["attempt_count"] == 2
    assert len(fx.runs(trig)) == 2


def test_a_key_of_255_bytes_is_kept_as_it_is(pool_front, fx):
    trig = fx.trigger()
    key = "q" * 255
    out = assert_json_response(pool_front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key}), 200)
    assert fx.delivery(out["delivery_id"])["dedupe_key"] == key


# ---------------------------------------------------------------- event filters

@pytest.fixture
def api(fx, pool_front):
    key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "write")["key"]

    def call(method, path, body=None, data=None):
        h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
        return requests.request(method, pool_front.url(path), data=data, headers=h, timeout=30)
    return call


BAD_FILTERS = {
    "empty-name": [{"event": ""}],
    "empty-action": [{"event": "push", "actions": [""]}],
    "nul-in-name": [{"event": "pu\u0000sh"}],
    "nul-in-action": [{"event": "push", "actions": ["a\u0000"]}],
    "name-over-1024-bytes": [{"event": "n" * 1025}],
    "action-over-1024-bytes": [{"event": "push", "actions": ["a" * 1025]}],
    "multibyte-name-over-1024-bytes": [{"event": "\u00e9" * 513}],
    "101-filters": [{"event": "e%d" % i} for i in range(101)],
    "name-not-a-string": [{"event": 5}],
    "actions-not-strings": [{"event": "push", "actions": [1]}],
}


@pytest.mark.parametrize("filters", list(BAD_FILTERS.values()), ids=list(BAD_FILTERS))
def test_bad_filters_are_400_on_create_and_patch(api, fx, filters):
    ap = fx.autopilot()
    base = "/api/autopilots/%s/triggers" % ap["id"]
    resp = api("POST", base, {"kind": "webhook", "event_filters": filters})
    assert resp.status_code == 400, resp.text
    assert "event_filters" in resp.json()["error"] or "JSON" in resp.json()["error"], resp.text
    made = api("POST", base, {"kind": "webhook"})
    assert made.status_code == 201, made.text
    tid = made.json()["trigger"]["id"]
    resp = api("PATCH", "%s/%s" % (base, tid), {"event_filters": filters})
    assert resp.status_code == 400, resp.text
    assert api("GET", base).json()["triggers"][0]["event_filters"] is None


@pytest.mark.parametrize("raw", [b'{"event_filters":[{"event":"pu\xffsh"}]}',
                                 b'{"event_filters":[{"event":"push","actions":["\xfe"]}]}'],
                         ids=["raw-ff-in-name", "raw-fe-in-action"])
def test_filter_bytes_that_are_not_utf8_are_400(api, fx, raw):
    ap = fx.autopilot()
    base = "/api/autopilots/%s/triggers" % ap["id"]
    assert api("POST", base, data=b'{"kind":"webhook",' + raw[1:]).status_code == 400
    tid = api("POST", base, {"kind": "webhook"}).json()["trigger"]["id"]
    assert api("PATCH", "%s/%s" % (base, tid), data=raw).status_code == 400


def test_filter_limits_themselves_are_accepted(api, fx):
    ap = fx.autopilot()
    base = "/api/autopilots/%s/triggers" % ap["id"]
    filters = [{"event": "e%d" % i} for i in range(99)] + [{"event": "n" * 1024,
                                                              "actions": ["a" * 1024]}]
    resp = api("POST", base, {"kind": "webhook", "event_filters": filters})
    assert resp.status_code == 201, resp.text
    assert resp.json()["trigger"]["event_filters"] == filters


def test_filter_names_of_300_bytes_match_exactly(api, fx, pool_front):
    trig = fx.trigger()
    name = "n" * 300
    resp = api("PATCH", "/api/autopilots/%s/triggers/%s" % (trig.autopilot_id, trig.id),
               {"event_filters": [{"event": name, "actions": ["a" * 300]}]})
    assert resp.status_code == 200, resp.text
    cases = [(name + "." + "a" * 300, "accepted"),
             (name + "." + "a" * 299, "ignored"),        # action one byte short
             (name + "." + "a" * 301, "ignored"),        # action one byte longer
             ("n" * 299 + "." + "a" * 300, "ignored"),   # name one byte short
             ("n" * 301 + "." + "a" * 300, "ignored"),   # name one byte longer
             ("github." + name + "." + "a" * 300, "accepted")]
    for event, want in cases:
        out = assert_json_response(pool_front.hook(trig, {"event": event}), 200)
        assert out["status"] == want, (len(event), out)
        if want == "ignored":
            assert out["reason"] == "event_filtered"


@pytest.mark.parametrize("stored", ['[{"event":null}]', '[{"event":"push","actions":[1]}]',
                                    '[5]', '[{"event":"push","actions":"opened"}]',
                                    '[{"event":""}]', '[{"evnt":"push"}]'],
                         ids=["null-name", "number-action", "not-an-object", "actions-not-a-list",
                              "empty-name", "unknown-member"])
def test_a_malformed_stored_filter_matches_nothing(stack, pool_front, fx, db, stored):
    trig = fx.trigger()
    log_start = len(stack.pool.log_text())
    db.execute("UPDATE autopilot_trigger SET event_filters = %s::jsonb WHERE id = %s",
               (stored, trig.id))
    for _ in range(3):  # several workers of the pool serve it, none crashes
        resp = pool_front.hook(trig, {"event": "push"})
        out = assert_json_response(resp, 200)
        assert out["status"] == "ignored" and out["reason"] == "event_filtered", out
        assert_recorded(resp, fx.delivery(out["delivery_id"]))
    assert fx.runs(trig) == []
    log = stack.pool.log_text()[log_start:]
    assert "malformed stored event filter matches nothing" in log
    assert "killed by signal" not in log, log
    assert stack.pool.alive()
    # a well-formed filter beside a malformed one still admits
    db.execute("UPDATE autopilot_trigger SET event_filters = %s::jsonb WHERE id = %s",
               ('[' + stored[1:-1] + ',{"event":"push"}]', trig.id))
    out = assert_json_response(pool_front.hook(trig, {"event": "push"}), 200)
    assert out["status"] == "accepted", out
