"""Error answers of the ingress (SPEC 3.1, 3.2): 400, 404, 405, 413; nothing persisted."""

import base64
import os

import pytest
import requests

from harness import assert_json_response

MAX_BODY = 65536  # max_body_bytes in the test configuration (harness.write_config)


def _nothing_persisted(fx, trig):
    assert fx.deliveries(trig) == []
    assert fx.runs(trig) == []


@pytest.mark.parametrize("raw", [
    b"", b"   ", b"{", b"not json", b'{"a":1}garbage', b"42", b'"x"', b"true", b"null",
    b"\xef\xbb\xbf",
], ids=["empty", "blank", "truncated", "text", "trailing-garbage", "number", "string", "true",
        "null", "bom-only"])
def test_bad_body_is_400(front, fx, raw):
    trig = fx.trigger()
    resp = front.hook(trig, raw)
    out = assert_json_response(resp, 400)
    assert set(out) == {"error"} and isinstance(out["error"], str) and out["error"], out
    _nothing_persisted(fx, trig)


def test_bad_body_with_secret_is_400_not_401(pool_front, fx):
    # Body parsing (step 7) comes before signatures (step 8): nothing is persisted.
    trig = fx.trigger(secret="err-secret-0123456789")
    out = assert_json_response(pool_front.hook(trig, b"42"), 400)
    assert "error" in out
    _nothing_persisted(fx, trig)


def _well_formed_token():
    return "awt_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


@pytest.mark.parametrize("token", [
    "WELL_FORMED", "awt_short", "nope", "awt_" + "!" * 43, "x" * 300,
], ids=["unknown", "short", "no-prefix", "bad-chars", "long"])
def test_unknown_or_malformed_token_is_404(front, db, token):
    if token == "WELL_FORMED":
        token = _well_formed_token()
        assert len(token) == 47
    before = db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"]
    resp = front.post("/api/webhooks/autopilots/" + token, data=b'{"a":1}',
                      headers={"Content-Type": "application/json"})
    out = assert_json_response(resp, 404)
    assert out == {"error": "webhook not found"}
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"] == before


def test_404_body_identical_for_unknown_and_malformed(pool_front):
    a = pool_front.post("/api/webhooks/autopilots/" + _well_formed_token(), data=b"{}")
    b = pool_front.post("/api/webhooks/autopilots/garbage", data=b"{}")
    assert a.status_code == b.status_code == 404
    assert a.text == b.text


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405(pool_front, fx, method):
    trig = fx.trigger()
    resp = requests.request(method, pool_front.url(trig.path), timeout=30)
    out = assert_json_response(resp, 405)
    assert out == {"error": "method not allowed"}
    allow = [m.strip() for m in resp.headers.get("Allow", "").split(",")]
    assert allow == ["POST"], resp.headers.get("Allow")
    _nothing_persisted(fx, trig)


def test_get_on_webhook_path_is_405_in_cgi(cgi_front, fx):
    trig = fx.trigger()
    resp = cgi_front.get(trig.path)
    out = assert_json_response(resp, 405)
    assert out == {"error": "method not allowed"}
    assert resp.headers.get("Allow") == "POST"


def _json_of_size(n):
    """A JSON object exactly n bytes long."""
    head, tail = b'{"pad":"', b'"}'
    return head + b"a" * (n - len(head) - len(tail)) + tail


def test_body_at_the_limit_is_accepted(front, fx):
    trig = fx.trigger()
    raw = _json_of_size(MAX_BODY)
    assert len(raw) == MAX_BODY
    out = assert_json_response(front.hook(trig, raw), 200)
    assert out["status"] == "accepted"
    assert len(bytes(fx.delivery(out["delivery_id"])["raw_body"])) == MAX_BODY


@pytest.mark.parametrize("size", [MAX_BODY + 1, 300 * 1024])
def test_declared_oversize_is_413(front, fx, size):
    trig = fx.trigger()
    raw = _json_of_size(size)
    resp = front.hook(trig, raw)
    assert resp.request.headers["Content-Length"] == str(size)
    out = assert_json_response(resp, 413)
    assert out == {"error": "payload too large"}
    _nothing_persisted(fx, trig)


def test_chunked_oversize_is_413(front, fx):
    trig = fx.trigger()
    raw = _json_of_size(MAX_BODY + 4096)

    def gen():
        for i in range(0, len(raw), 8192):
            yield raw[i:i + 8192]
    resp = front.hook(trig, gen())
    assert resp.request.headers.get("Transfer-Encoding") == "chunked"
    out = assert_json_response(resp, 413)
    assert out == {"error": "payload too large"}
    _nothing_persisted(fx, trig)


def test_chunked_small_body_is_accepted(pool_front, fx):
    trig = fx.trigger()

    def gen():
        yield b'{"chunked":'
        yield b'true}'
    resp = pool_front.hook(trig, gen())
    assert resp.request.headers.get("Transfer-Encoding") == "chunked"
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    assert bytes(fx.delivery(out["delivery_id"])["raw_body"]) == b'{"chunked":true}'


def test_error_responses_echo_request_id(pool_front, fx):
    trig = fx.trigger()
    for resp in (pool_front.hook(trig, b"", headers={"X-Request-Id": "bb-err-400"}),
                 pool_front.get(trig.path, headers={"X-Request-Id": "bb-err-405"}),
                 pool_front.post("/api/webhooks/autopilots/nope", data=b"{}",
                                 headers={"X-Request-Id": "bb-err-404"})):
        assert resp.status_code >= 400
        assert resp.headers.get("X-Request-Id") == "bb-err-%d" % resp.status_code
