"""The first five minutes (issue 13): script/demo as a new user runs it, on the binaries of this build.

It prints a curl line that works, the console's URL and a write API key that logs in, and an
export line after which hookgatectl works in another shell; a busy port is named with
HG_DEMO_PORT before anything starts. HG_DEMO_BUILDDIR points it at this build (no apt-get, no
build of its own).
"""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

import harness
from consolehelp import Console, assert_html

DEMO = os.path.join(harness.SRCDIR, "script", "demo")



def demo_can_run():
    """What script/demo uses: /usr/sbin/lighttpd and Debian's /usr/lib/postgresql/N/bin."""
    pg = "/usr/lib/postgresql"
    return os.path.exists("/usr/sbin/lighttpd") and os.path.isdir(pg) and any(
        os.path.exists(os.path.join(pg, v, "bin", "initdb")) for v in os.listdir(pg))


pytestmark = pytest.mark.skipif(not demo_can_run(),
                                reason="script/demo needs /usr/sbin/lighttpd and Debian's "
                                       "/usr/lib/postgresql/N/bin (apt-get install lighttpd postgresql)")


def demo_env(port):
    return harness.clean_env(HG_DEMO_PORT=str(port), HG_DEMO_BUILDDIR=harness.BUILDDIR)


def demo_dirs():
    return {d for d in os.listdir("/tmp") if d.startswith("hookgate-demo.")}


def test_a_busy_port_is_named():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        before = demo_dirs()
        started = time.monotonic()
        p = subprocess.run(["sh", DEMO], env=demo_env(port), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "port %d" % port in p.stderr and "already in use" in p.stderr, p.stderr
    assert "HG_DEMO_PORT" in p.stderr, p.stderr
    assert time.monotonic() - started < 30, "it must say so at once, before starting anything"
    assert demo_dirs() == before, "nothing left behind"


def test_demo_prints_what_works(tmp_path):
    port = harness.free_port()
    before = demo_dirs()
    demo = subprocess.Popen(["sh", DEMO], env=demo_env(port), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    out = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            out.append(line)
            if line.startswith("Logs: "):
                break
        text = "".join(out)
        assert "Logs: " in text, "no banner after 120 s:\n%s\n%s" % (text, demo.stderr.read()
                                                                    if demo.poll() is not None else "")
        base = "http://127.0.0.1:%d" % port
        # the curl line, as printed, twice: accepted, then duplicate
        curl = [l.strip() for l in out if l.strip().startswith("curl -sS -X POST")]
        assert len(curl) == 1, text
        answers = [subprocess.run(["sh", "-c", curl[0]], stdout=subprocess.PIPE, text=True,
                                  timeout=30).stdout for _ in range(2)]
        assert '"accepted"' in answers[0] and '"duplicate"' in answers[1], answers
        # the console's URL and the key log in
        assert "  %s/console/\n" % base in text
        key = re.search(r"^  (hgk_[A-Za-z0-9_-]{43})$", text, re.M).group(1)
        front = harness.Front("demo", type("Server", (), {"url": lambda self, p: base + p})())
        c = Console(front)
        c.must_login(key)
        page = c.page("/console/")
        assert "Demo autopilot" in page and ">write<" in page
        ap = re.search(r"/console/autopilots/([0-9a-f-]{36})/deliveries", page).group(1)
        assert "demo.hello" in c.page("/console/autopilots/%s/deliveries" % ap)
        # the API line
        api = [l.strip() for l in out if l.strip().startswith("curl -sS -H")]
        got = subprocess.run(["sh", "-c", api[0]], stdout=subprocess.PIPE, text=True, timeout=30)
        assert '"event":"demo.hello"' in got.stdout, got.stdout
        # another terminal: the export line, then hookgatectl as printed
        export = [l.strip() for l in out if l.strip().startswith("export HOOKGATE_CONFIG=")]
        listing = [l.strip() for l in out if l.strip().startswith("hookgatectl delivery list")]
        assert export and listing, text
        shell = subprocess.run(["sh", "-c", export[0] + " && " + listing[0]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=30, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                               cwd=str(tmp_path))
        assert shell.returncode == 0, shell.stderr
        assert "demo.hello" in shell.stdout
        # nothing opened a browser, and the demo says where it runs
        assert "hookgate is running on %s" % base in text
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)
    # Ctrl-C removes everything it made
    assert demo_dirs() == before
