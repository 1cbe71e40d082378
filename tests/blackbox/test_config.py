"""Configuration (SPEC 6): file, HOOKGATE_<KEY> overrides, base_path, startup errors."""

import os
import subprocess
import tempfile

import pytest

from harness import CTL, FCGI, assert_json_response, clean_env, write_config


def _startup(argv, env=None, timeout=15):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout,
                              env=clean_env(**(env or {})))
    except subprocess.TimeoutExpired:
        pytest.fail("%s kept running with a bad configuration" % argv[0])


def test_env_override_wins_over_file(make_pool, fx):
    _, http = make_pool(env={"HOOKGATE_MAX_BODY_BYTES": "1024"})  # the file says 65536
    trig = fx.trigger()
    out = assert_json_response(http.hook(trig, {"pad": "a" * 2000}), 413)
    assert out == {"error": "payload too large"}
    assert assert_json_response(http.hook(trig, {"pad": "a" * 900}), 200)["status"] == "accepted"


def test_base_path_prefix_is_removed(make_pool, fx):
    _, http = make_pool(base_path="/hookgate")
    trig = fx.trigger()
    out = assert_json_response(http.hook(trig, {"n": 1}), 200)
    assert out["status"] == "accepted", "the path without the prefix still routes"
    resp = http.post("/hookgate" + trig.path, data=b'{"n":2}',
                     headers={"Content-Type": "application/json"})
    assert assert_json_response(resp, 200)["status"] == "accepted"
    assert assert_json_response(http.get("/hookgate/healthz"), 200) == {"status": "ok"}
    assert http.get("/hookgatex/healthz").status_code == 404
    assert len(fx.deliveries(trig)) == 2


@pytest.mark.parametrize("line,needle", [
    ("bogus_key = 1", "bogus_key"),
    ("max_body_bytes = -5", "max_body_bytes"),
    ("log_level = loud", "log_level"),
], ids=["unknown-key", "negative-count", "bad-level"])
def test_bad_config_is_a_startup_error(stack, line, needle):
    d = tempfile.mkdtemp(prefix="badconf-", dir=stack.base)
    path = write_config(os.path.join(d, "bad.conf"), stack.cluster.conninfo, "/hookgate-bb-bad")
    with open(path, "a") as f:
        f.write(line + "\n")
    nlines = sum(1 for _ in open(path))
    sock = os.path.join(d, "s.sock")
    for argv in ([FCGI, "-c", path, "--listen", "unix:" + sock, "--workers", "1"],
                 [CTL, "-c", path, "migrate"]):
        p = _startup(argv)
        assert p.returncode != 0, "%s started with %r" % (os.path.basename(argv[0]), line)
        assert needle in p.stderr, p.stderr
        assert str(nlines) in p.stderr, "the error does not name line %d: %r" % (nlines, p.stderr)
    assert not os.path.exists(sock)


def test_unknown_env_key_is_a_startup_error(stack):
    p = _startup([CTL, "-c", stack.config, "migrate"], env={"HOOKGATE_NO_SUCH_KEY": "1"})
    assert p.returncode == 1
    assert "NO_SUCH_KEY" in p.stderr.upper(), p.stderr


def test_hookgate_config_env(stack):
    p = _startup([CTL, "migrate"], env={"HOOKGATE_CONFIG": stack.config})
    assert p.returncode == 0, p.stderr
    assert '"current"' in p.stdout
