"""Hostile or odd input found in review: each case gets a clear answer and loses nothing."""

import base64
import hashlib
import os
import signal
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


def _foreign_segment():
    """A segment open to every user, as another local user could have made it."""
    name = "/hookgate-bb-foreign-%d" % os.getpid()
    fd = os.open("/dev/shm" + name, os.O_CREAT | os.O_RDWR, 0o666)
    os.fchmod(fd, 0o666)
    os.close(fd)
    return name


# a name shm_open refuses (a slash inside): the segment cannot be created
UNCREATABLE = "/hookgate-bb/cannot-be-created"


def test_shared_memory_that_cannot_be_used_stops_the_pool_at_start(stack, tmp_path):
    """SPEC 5: limits never switch off by themselves: a startup error naming the segment."""
    foreign = _foreign_segment()
    try:
        for name, why in ((foreign, "belongs to another user or is open to others"),
                          (UNCREATABLE, "cannot be created")):
            sock = tmp_path / "pool.sock"
            p = subprocess.run([harness.FCGI, "-c", stack.config, "--listen", "unix:%s" % sock,
                                "--workers", "2"], env=harness.clean_env(HOOKGATE_SHM_NAME=name),
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert "shared memory %s %s" % (name, why) in p.stderr, p.stderr
            assert "worker" not in p.stderr, "it forked workers first: %s" % p.stderr
            assert not sock.exists()
    finally:
        os.unlink("/dev/shm" + foreign)


def test_shared_memory_that_cannot_be_used_stops_cgi_and_fastcgi_at_start(stack):
    foreign = _foreign_segment()
    try:
        for name in (foreign, UNCREATABLE):
            # CGI: no answer at all (the web server answers 500), the reason on stderr
            p = subprocess.run([harness.FCGI], env=cgi_env(stack.config, HOOKGATE_SHM_NAME=name),
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert p.stdout == b"", p.stdout[:200]
            assert ("shared memory %s" % name).encode() in p.stderr, p.stderr
            # FastCGI on a listening socket handed over as fd 0
            lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                lsock.bind("\0hookgate-bb-fd0-%d" % os.getpid())
                lsock.listen(4)
                p = subprocess.run([harness.FCGI, "-c", stack.config], stdin=lsock.fileno(),
                                   env=harness.clean_env(HOOKGATE_SHM_NAME=name),
                                   capture_output=True, text=True, timeout=30)
            finally:
                lsock.close()
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert "shared memory %s" % name in p.stderr, p.stderr
    finally:
        os.unlink("/dev/shm" + foreign)


def test_a_reload_to_shared_memory_that_cannot_be_used_is_refused(make_pool, fx):
    foreign = _foreign_segment()
    try:
        pool, front = make_pool(workers=1, ip_ceiling=1000)
        with open(pool.config, "a") as f:
            f.write("shm_name = %s\n" % foreign)
        pool.proc.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: "reload refused" in pool.log_text(), 10, "the refusal")
        assert "shared memory %s belongs to another user" % foreign in pool.log_text()
        assert pool.alive()
        trig = fx.trigger()
        assert front.hook(trig, {"n": 1}).status_code == 200
    finally:
        os.unlink("/dev/shm" + foreign)
