"""Signatures (SPEC 3.4): X-Hub-Signature-256, rejected rows, previous secrets."""

import pytest

from harness import assert_json_response, assert_recorded, encode_body, sign

SECRET = "bb-signing-secret-0123456789"


def _assert_rejected(fx, trig, resp, reason, sig_status):
    out = assert_json_response(resp, 401)
    assert set(out) == {"status", "delivery_id", "reason"}, out
    assert out["status"] == "rejected"
    assert out["reason"] == reason
    d = fx.delivery(out["delivery_id"])
    assert d is not None, "rejected delivery was not persisted"
    assert d["status"] == "rejected"
    assert d["signature_status"] == sig_status
    assert d["autopilot_run_id"] is None
    assert_recorded(resp, d)
    assert fx.db.execute("SELECT count(*) AS n FROM autopilot_run WHERE webhook_delivery_id = %s",
                         (out["delivery_id"],)).fetchone()["n"] == 0
    return out


def test_wrong_signature_rejected(front, fx):
    trig = fx.trigger(secret=SECRET)
    resp = front.hook(trig, {"type": "x"}, secret="not-the-right-secret-xyz")
    _assert_rejected(fx, trig, resp, "invalid_signature", "invalid")
    assert fx.runs(trig) == []
    assert fx.last_fired_at(trig) is None
    assert SECRET not in resp.text


def test_signature_of_other_body_rejected(pool_front, fx):
    trig = fx.trigger(secret=SECRET)
    sig = sign(SECRET, encode_body({"a": 1}))
    resp = pool_front.hook(trig, {"a": 2}, headers={"X-Hub-Signature-256": sig})
    _assert_rejected(fx, trig, resp, "invalid_signature", "invalid")


@pytest.mark.parametrize("value", ["", "sha256=", "sha1=abc", "garbage", "sha256=zz"])
def test_malformed_signature_header_never_accepted(pool_front, fx, value):
    trig = fx.trigger(secret=SECRET)
    resp = pool_front.hook(trig, {"a": 1}, headers={"X-Hub-Signature-256": value})
    out = assert_json_response(resp, 401)
    assert out["status"] == "rejected"
    assert out["reason"] in ("invalid_signature", "missing_signature")
    assert fx.runs(trig) == []


def test_missing_signature_rejected(front, fx):
    trig = fx.trigger(secret=SECRET)
    resp = front.hook(trig, {"type": "x"})
    _assert_rejected(fx, trig, resp, "missing_signature", "missing")
    assert fx.runs(trig) == []


@pytest.mark.parametrize("upper", [False, True], ids=["lower-hex", "upper-hex"])
def test_valid_signature_accepted(front, fx, upper):
    trig = fx.trigger(secret=SECRET)
    resp = front.hook(trig, {"type": "signed", "n": 1}, secret=SECRET, upper=upper)
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    d = fx.delivery(out["delivery_id"])
    assert d["signature_status"] == "valid"
    assert d["status"] == "dispatched"
    assert_recorded(resp, d)
    assert fx.run(out["run_id"])["status"] == "pending"


def test_python_hmac_cross_check(pool_front, fx):
    # GitHub's published example secret, over a JSON body signed by Python's hmac.
    secret = "It's a Secret to Everybody"
    trig = fx.trigger(provider="github", secret=secret)
    raw = b'{"zen":"Hello, World!","hook_id":1}'
    resp = pool_front.hook(trig, raw, headers={
        "X-Hub-Signature-256": sign(secret, raw), "X-GitHub-Event": "ping"})
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    assert fx.delivery(out["delivery_id"])["signature_status"] == "valid"


def test_no_secret_ignores_signature_header(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, {"a": 1}, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    assert fx.delivery(out["delivery_id"])["signature_status"] == "not_required"


def test_previous_secret_kept(pool_front, fx):
    old, new = "old-secret-aaaaaaaaaaaa", "new-secret-bbbbbbbbbbbb"
    trig = fx.trigger(secret=old)
    out = fx.set_secret(trig.id, new, keep_previous=60)
    assert out.get("has_previous_signing_secret") is True, out
    for secret in (new, old):
        resp = pool_front.hook(trig, {"by": secret[:3]}, secret=secret)
        body = assert_json_response(resp, 200)
        assert body["status"] == "accepted", "signed with the %s secret" % secret[:3]
        assert fx.delivery(body["delivery_id"])["signature_status"] == "valid"
    resp = pool_front.hook(trig, {"by": "x"}, secret="third-secret-cccccccccc")
    _assert_rejected(fx, trig, resp, "invalid_signature", "invalid")


def test_previous_secret_dropped_without_keep(pool_front, fx):
    old, new = "old-secret-dddddddddddd", "new-secret-eeeeeeeeeeee"
    trig = fx.trigger(secret=old)
    fx.set_secret(trig.id, new)
    resp = pool_front.hook(trig, {"by": "old"}, secret=old)
    _assert_rejected(fx, trig, resp, "invalid_signature", "invalid")
    out = assert_json_response(pool_front.hook(trig, {"by": "new"}, secret=new), 200)
    assert out["status"] == "accepted"


def test_previous_secret_expired(pool_front, fx, db):
    old, new = "old-secret-ffffffffffff", "new-secret-gggggggggggg"
    trig = fx.trigger(secret=old)
    fx.set_secret(trig.id, new, keep_previous=60)
    db.execute("UPDATE autopilot_trigger SET previous_secret_expires_at = now() - interval '1 second'"
               " WHERE id = %s", (trig.id,))
    resp = pool_front.hook(trig, {"by": "old"}, secret=old)
    _assert_rejected(fx, trig, resp, "invalid_signature", "invalid")
