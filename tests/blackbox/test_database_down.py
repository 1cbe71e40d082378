"""Database down (SPEC 3.1 step 5, 5, 8.5): 503 with Retry-After, never 2xx; recovery without restart.

Uses its own cluster, pool and lighttpd (the down_stack fixture), so the shared
cluster of the other tests is never stopped.
"""

import pytest
import requests

from harness import Front, assert_json_response, unique_slug


@pytest.fixture(scope="module")
def down(down_stack):
    return down_stack


@pytest.fixture(scope="module")
def http(down):
    return Front("pool", down.fastcgi)


def test_readyz_503_until_migrated(down, http):
    if down.migrated is not None:
        pytest.skip("the down stack was already migrated by an earlier test (run order)")
    assert http.get("/readyz").status_code == 503
    assert assert_json_response(http.get("/healthz"), 200) == {"status": "ok"}
    out = down.migrate()
    assert out["current"] >= 2 and out["applied"], out
    resp = http.get("/readyz")
    assert resp.status_code == 200, resp.text


def _assert_503(resp):
    out = assert_json_response(resp, 503)
    assert out == {"error": "service unavailable"}
    ra = resp.headers.get("Retry-After")
    assert ra is not None and ra.strip().isdigit() and int(ra) > 0, "Retry-After %r" % ra


def test_database_down_then_back(down, http):
    if down.migrated is None:
        down.migrate()
    ctl = down.ctl
    ws = ctl("workspace", "create", unique_slug("down"))
    ap = ctl("autopilot", "create", "--workspace", ws["slug"], "--title", "down")
    tr = ctl("trigger", "create", "--autopilot", ap["id"])
    path = tr["webhook_path"]
    hdr = {"Content-Type": "application/json"}

    # warm every worker's connection
    for i in range(2 * down.pool.workers):
        r = requests.post(http.url(path), data=b'{"warm":%d}' % i, headers=hdr, timeout=30)
        assert r.status_code == 200, r.text
    pool_pid = down.pool.proc.pid

    down.cluster.stop("fast")
    try:
        codes = []
        for i in range(4 * down.pool.workers):
            r = requests.post(http.url(path), data=b'{"down":%d}' % i,
                              headers=dict(hdr, **{"Idempotency-Key": "down-%d" % (i % 2)}),
                              timeout=60)
            codes.append(r.status_code)
            assert not 200 <= r.status_code < 300, "2xx while the database is down: %r" % r.text
            _assert_503(r)
        # an unknown token needs the token lookup: 503 too, not 404
        _assert_503(requests.post(http.url("/api/webhooks/autopilots/awt_" + "A" * 43),
                                  data=b"{}", headers=hdr, timeout=60))
        r = http.get("/readyz")
        assert r.status_code == 503, r.text
        assert assert_json_response(http.get("/healthz"), 200) == {"status": "ok"}
        assert down.pool.alive(), "the pool died while the database was down"
    finally:
        down.cluster.start()

    r = requests.post(http.url(path), data=b'{"back":1}', headers=hdr, timeout=60)
    out = assert_json_response(r, 200)
    assert out["status"] == "accepted"
    for i in range(2 * down.pool.workers):
        r = requests.post(http.url(path), data=b'{"back":%d}' % (i + 2), headers=hdr, timeout=60)
        assert r.status_code == 200, r.text
    assert down.pool.alive() and down.pool.proc.pid == pool_pid
    assert http.get("/readyz").status_code == 200

    with down.cluster.connect() as conn:
        n = conn.execute("SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s",
                         (tr["id"],)).fetchone()["n"]
        down_rows = conn.execute(
            "SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s"
            " AND convert_from(raw_body, 'UTF8') LIKE '%%down%%'", (tr["id"],)).fetchone()["n"]
    assert n == 2 * down.pool.workers + 1 + 2 * down.pool.workers
    assert down_rows == 0


def test_console_with_the_database_down(down, http):
    """The console's pages: an HTML 503 with Retry-After, never a 2xx nor JSON; then back."""
    from consolehelp import Console, assert_html, hidden
    if down.migrated is None:
        down.migrate()
    ws = down.ctl("workspace", "create", unique_slug("down"))
    key = down.ctl("apikey", "create", "--workspace", ws["slug"], "--scope", "read")["key"]
    c = Console(http)
    c.must_login(key)
    down.cluster.stop("fast")
    try:
        for _ in range(2 * down.pool.workers):
            resp = c.get("/console/")
            assert_html(resp, 503)
            assert resp.headers.get("Retry-After", "").isdigit(), resp.headers
        # the login form needs no database; a login does
        form = c.get("/console/login")
        assert_html(form, 200)
        assert_html(c.post("/console/login", {"login_token": hidden(form.text, "login_token"),
                                              "key": key}), 503)
    finally:
        down.cluster.start()
    assert "Autopilots" in c.page("/console/")
