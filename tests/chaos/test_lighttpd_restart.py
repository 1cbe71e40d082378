"""lighttpd restarted under load: nothing half-written, the pool survives (SPEC 8.1)."""

import time

from conftest import LONG, make_trigger
from harness import Front, children, wait_for
from load import Load, check_rows, report

SECONDS = 60 if LONG else 12
MIN_REQUESTS = 300 if LONG else 80


def test_lighttpd_restarted_under_load(make_stack):
    s = make_stack(workers=4)
    trig = make_trigger(s.ctl, secret="chaos-lighttpd-secret-1")
    front = Front("pool", s.fastcgi)
    pool_pid = s.pool.proc.pid
    restarts = []

    def restarter(stop, deadline):
        while time.monotonic() + 3 < deadline and not stop.is_set():
            time.sleep(2)
            s.fastcgi.restart()
            restarts.append(time.monotonic())

    answers = Load(front.url, trig, threads=6, timeout=15).run(SECONDS, during=restarter, after=2)
    wait_for(lambda: len(children(pool_pid)) == 4, 15, "the pool at full size")
    db = s.cluster.connect()
    rows = check_rows(db, trig, answers)
    db.close()
    n2xx = report("lighttpd-restart", answers, restarts=len(restarts), rows_checked=rows)
    assert len(answers) >= MIN_REQUESTS, "only %d requests" % len(answers)
    assert len(restarts) >= SECONDS // 4, "only %d restarts" % len(restarts)
    assert s.pool.alive() and s.pool.proc.pid == pool_pid, "the pool did not survive"
    # requests cut by the restart got no answer or lighttpd's own error; none a wrong one
    for a in answers:
        assert a.ok or a.status in (0, 500, 502, 503), (a.status, a.text[:200])
    assert n2xx >= len(answers) // 2
    assert Load(front.url, trig, threads=1)._one("chaos-after", 0).ok
