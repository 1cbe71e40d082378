"""Hostile or odd input found in review: each case gets a clear answer and loses nothing."""

import base64
import hashlib
import os
import socket
import subprocess
import threading
import time

import harness
from harness import WEBHOOK_PREFIX, assert_json_response


def cgi_env(config, **extra):
    env = harness.clean_env(GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD="GET",
                            PATH_INFO="/healthz", REMOTE_ADDR="127.0.0.1",
                            HOOKGATE_CONFIG=config)
    env.update(extra)
    return env


def test_cgi_ignores_its_command_line(stack, tmp_path):
    """Apache turns a query without '=' into argv: options must never come from a URL."""
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    p = subprocess.run([harness.FCGI, "--listen", "unix:%s" % victim, "--workers", "2",
                        "-c", "/nonexistent"],
                       env=cgi_env(stack.config), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"Status: 200"), p.stdout[:200]
    assert victim.read_text() == "keep me"


def test_pool_never_replaces_a_file_that_is_not_a_socket(tmp_path, stack):
    victim = tmp_path / "not-a-socket"
    victim.write_text("keep me")
    p = subprocess.run([harness.FCGI, "-c", stack.config, "--listen", "unix:%s" % victim,
                        "--workers", "1"], env=harness.clean_env(), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "is not a socket" in p.stderr
    assert victim.read_text() == "keep me"


def test_header_bytes_that_are_not_utf8_are_kept_escaped(pool_front, fx):
    """Kept headers and a header event are escaped; a dedupe key that is not UTF-8 is hashed (SPEC 3.5)."""
    trig = fx.trigger(provider="github")
    headers = {"User-Agent": "Mozilla\xe9", "X-GitHub-Event": "push\xe9",
               "X-GitHub-Delivery": "d\xff1"}
    first = pool_front.hook(trig, {"a": 1}, headers=headers)
    body = assert_json_response(first, 200)
    assert body["status"] == "accepted", body
    again = assert_json_response(pool_front.hook(trig, {"a": 1}, headers=headers), 200)
    assert again["status"] == "duplicate" and again["delivery_id"] == body["delivery_id"]
    row = fx.delivery(body["delivery_id"])
    assert row["selected_headers"]["user-agent"] == "Mozilla\\xE9"
    assert row["dedupe_key"] == "sha256:" + hashlib.sha256(b"d\xff1").hexdigest()
    assert row["dedupe_source"] == "x-github-delivery"
    assert row["event"] == "github.push\\xE9"
    assert row["attempt_count"] == 2


def test_numbers_postgresql_cannot_hold_are_400(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, b'{"a":1e999999}')
    assert assert_json_response(resp, 400) == {"error": "invalid JSON"}
    assert fx.deliveries(trig) == []


def test_forged_cursor_timestamp_is_400(pool_front, fx):
    key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "read")["key"]
    ap = fx.autopilot()
    for ts in ("1-1", "2026-02-30T00:00:00+00:00", "2026-01-01T00:00:00", "x",
               "2026-+1-30T02:13:35+00:00", "+026-01-30T02:13:35+00:00",
               "2026-01-30T02:13: 5+00:00"):
        cursor = base64.urlsafe_b64encode(
            ("%s|%s" % (ts, ap["id"])).encode()).decode().rstrip("=")
        resp = pool_front.get("/api/autopilots/%s/deliveries?before=%s" % (ap["id"], cursor),
                              headers={"Authorization": "Bearer " + key})
        assert assert_json_response(resp, 400) == {"error": "invalid cursor"}, ts


def test_mangled_webhook_path_is_webhook_not_found(pool_front, fx):
    trig = fx.trigger()
    for path in (trig.path + "/", trig.path + "/extra", WEBHOOK_PREFIX):
        resp = pool_front.post(path, data=b"{}")
        assert assert_json_response(resp, 404) == {"error": "webhook not found"}, path
    assert fx.deliveries(trig) == []


def test_mangled_webhook_paths_are_limited_like_bad_tokens(make_pool, fx):
    pool, front = make_pool(workers=2, ip_bad_credentials=2, ip_ceiling=1000)
    codes = [front.post(WEBHOOK_PREFIX + "x/y", data=b"{}").status_code for _ in range(4)]
    assert codes[:2] == [404, 404] and codes[2:] == [429, 429], codes
    pool2, front2 = make_pool(workers=2, ip_ceiling=3)
    codes = [front2.post("/api/nosuch", data=b"{}").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429], codes


class SilentServer:
    """Accepts TCP connections and never answers: a database that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_a_database_that_never_answers_is_503_within_seconds(make_pool, fx):
    silent = SilentServer()
    try:
        pool, front = make_pool(workers=2, database_url="host=127.0.0.1 port=%d user=x dbname=y"
                                % silent.port)
        started = time.monotonic()
        resp = front.post(WEBHOOK_PREFIX + "awt_" + "A" * 43, data=b"{}", timeout=60)
        took = time.monotonic() - started
        assert assert_json_response(resp, 503) == {"error": "service unavailable"}
        assert resp.headers.get("Retry-After")
        assert took < 30, "took %.1f s" % took
    finally:
        silent.close()


def test_shared_memory_made_by_someone_else_is_refused(make_pool, fx, tmp_path):
    name = "/hookgate-bb-foreign-%d" % os.getpid()
    fd = os.open("/dev/shm" + name, os.O_CREAT | os.O_RDWR, 0o666)
    os.fchmod(fd, 0o666)
    os.close(fd)
    try:
        pool, front = make_pool(workers=1, token_ceiling=1)
        # point this pool at the foreign segment
        with open(pool.config, "a") as f:
            f.write("shm_name = %s\n" % name)
        pool.stop()
        pool.start()
        trig = fx.trigger()
        codes = [front.hook(trig, {"n": i}).status_code for i in range(3)]
        assert codes == [200, 200, 200], "limits must be off, not forged"
        assert "open to others" in pool.log_text()
    finally:
        os.unlink("/dev/shm" + name)
