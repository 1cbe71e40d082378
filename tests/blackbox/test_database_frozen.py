"""A frozen database (SPEC 3.1 step 10, 8.6): 503 within db_timeout_ms on the unix socket; recovery after SIGCONT.

PostgreSQL stopped with SIGSTOP accepts connections into its listen backlog
and never answers: only a client-side deadline can end such a request. Uses
its own cluster, pool and lighttpd, so no other test sees the freeze.
"""

import os
import signal
import time

import pytest
import requests

from harness import Front, Stack, assert_json_response, children, unique_slug

DB_TIMEOUT_MS = 1500
SLACK_S = 2.0          # lighttpd, the client and a loaded machine on top of the deadline


@pytest.fixture(scope="module")
def frozen_stack(base_dir):
    s = Stack(base_dir, "frozen", workers=2, cgi=False, db_timeout_ms=DB_TIMEOUT_MS)
    yield s
    s.close()


def _postgres_pids(cluster):
    with open(os.path.join(cluster.data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    return [postmaster] + children(postmaster)


def _timed(fn):
    started = time.monotonic()
    resp = fn()
    return resp, time.monotonic() - started


def _assert_503(resp, took):
    assert assert_json_response(resp, 503) == {"error": "service unavailable"}
    assert resp.headers.get("Retry-After")
    assert took < DB_TIMEOUT_MS / 1000 + SLACK_S, "took %.2f s" % took


def test_frozen_database_is_503_within_db_timeout_then_recovers(frozen_stack):
    st = frozen_stack
    http = Front("frozen", st.fastcgi)
    ws = st.ctl("workspace", "create", unique_slug("frz"))
    ap = st.ctl("autopilot", "create", "--workspace", ws["slug"], "--title", "frozen")
    tr = st.ctl("trigger", "create", "--autopilot", ap["id"])
    url = http.url(tr["webhook_path"])
    hdr = {"Content-Type": "application/json"}
    for i in range(2 * st.pool.workers):       # every worker holds a connection
        assert requests.post(url, data=b'{"warm":%d}' % i, headers=hdr, timeout=30).status_code == 200
    assert http.get("/readyz").status_code == 200

    pids = _postgres_pids(st.cluster)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        # open connections (a statement in flight), then new ones (the connect)
        for i in range(2 * st.pool.workers + 2):
            resp, took = _timed(lambda: requests.post(url, data=b'{"frozen":%d}' % i,
                                                      headers=hdr, timeout=60))
            _assert_503(resp, took)
        resp, took = _timed(lambda: requests.post(
            http.url("/api/webhooks/autopilots/awt_" + "A" * 43), data=b"{}", headers=hdr,
            timeout=60))
        _assert_503(resp, took)
        resp, took = _timed(lambda: http.get("/readyz", timeout=60))
        assert resp.status_code == 503, resp.text
        assert took < DB_TIMEOUT_MS / 1000 + SLACK_S, "readyz took %.2f s" % took
        assert assert_json_response(http.get("/healthz"), 200) == {"status": "ok"}
        assert st.pool.alive()
    finally:
        for p in pids:
            try:
                os.kill(p, signal.SIGCONT)
            except ProcessLookupError:
                pass

    # recovery: the dropped connections are opened again by the next requests
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if http.get("/readyz").status_code == 200:
            break
        time.sleep(0.2)
    codes = [requests.post(url, data=b'{"back":%d}' % i, headers=hdr, timeout=30).status_code
             for i in range(2 * st.pool.workers)]
    assert codes == [200] * len(codes), codes
    assert http.get("/readyz").status_code == 200
    log = st.pool.log_text()
    assert "did not answer within db_timeout_ms" in log
