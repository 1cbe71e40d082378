"""Health (SPEC 5): /healthz without the database, /readyz with it and its migrations."""

from harness import assert_json_response


def test_healthz(front):
    resp = front.get("/healthz")
    assert assert_json_response(resp, 200) == {"status": "ok"}


def test_readyz_when_migrated(front, stack):
    assert stack.migrated and stack.migrated["current"] >= 2, stack.migrated
    resp = front.get("/readyz")
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("Content-Type", "").startswith("application/json")


def test_migrate_again_applies_nothing(ctl, stack):
    out = ctl("migrate")
    assert out["applied"] == []
    assert out["current"] == stack.migrated["current"]


def test_health_ignores_query_string(pool_front):
    # routing uses the path of REQUEST_URI, query string removed
    resp = pool_front.get("/healthz?probe=1")
    assert assert_json_response(resp, 200) == {"status": "ok"}


def test_post_to_healthz_is_not_ok(pool_front):
    resp = pool_front.post("/healthz", data=b"{}")
    assert resp.status_code == 405, resp.text
