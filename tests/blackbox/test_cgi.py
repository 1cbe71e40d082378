"""CGI mode: the responder started by lighttpd's mod_cgi, one request per process.

The accepted, duplicate, rejected, 400/404/413 and concurrency tests in the other
files are parametrized over the "pool" and "cgi" front-ends; these are the CGI-only checks.
"""

import os

from harness import assert_json_response


def test_cgi_uses_path_info(stack, cgi_front, fx):
    # the URL is /hookgate.cgi/api/webhooks/autopilots/TOKEN: routing must use PATH_INFO
    assert os.path.islink(os.path.join(stack.cgi.docroot, "hookgate.cgi"))
    trig = fx.trigger()
    resp = cgi_front.hook(trig, {"via": "cgi"}, headers={"X-Request-Id": "bb-cgi-1"})
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted"
    assert resp.headers["X-Request-Id"] == "bb-cgi-1"
    assert fx.run(out["run_id"])["trigger_payload"]["eventPayload"] == {"via": "cgi"}


def test_cgi_unknown_route_is_404(cgi_front):
    resp = cgi_front.get("/no/such/route")
    assert resp.status_code == 404, resp.text
    assert resp.headers.get("Content-Type", "").startswith("application/json")


def test_cgi_and_pool_share_dedupe(pool_front, cgi_front, fx):
    trig = fx.trigger()
    key = {"Idempotency-Key": "cgi-pool-shared-1"}
    a = assert_json_response(pool_front.hook(trig, {"n": 1}, headers=key), 200)
    b = assert_json_response(cgi_front.hook(trig, {"n": 1}, headers=key), 200)
    assert a["status"] == "accepted"
    assert b == {"status": "duplicate", "delivery_id": a["delivery_id"], "run_id": a["run_id"]}
    assert fx.deliveries(trig)[0]["attempt_count"] == 2
