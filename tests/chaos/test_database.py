"""PostgreSQL restarted (fast, immediate) and frozen (SIGSTOP) under load (SPEC 3.1 step 10, 8.1, 8.5, 8.6)."""

import os
import signal
import time

import pytest

import harness
from conftest import LONG, make_trigger
from harness import Front
from load import Load, check_rows, report

MIN_REQUESTS = 300 if LONG else 80


def assert_503(a):
    assert a.status == 503, "HTTP %s %s %s" % (a.status, a.error, a.text[:200])
    assert a.ctype.split(";")[0] == "application/json" and a.json() == {"error": "service unavailable"}, a.text
    assert a.retry_after and a.retry_after.isdigit() and int(a.retry_after) > 0, a.retry_after


def first_success_after(answers, t):
    done = [a.started + a.took for a in answers if a.ok and a.started >= t]
    return min(done) - t if done else None


def test_database_restarted_fast_and_immediate(make_stack):
    s = make_stack()
    trig = make_trigger(s.ctl, secret="chaos-restart-secret-01")
    front = Front("pool", s.fastcgi)
    rounds = 3 if LONG else 1
    back = []

    def restarter(stop, deadline):
        for _ in range(rounds):
            for mode in ("fast", "immediate"):
                time.sleep(2.5)
                s.cluster.stop(mode)
                time.sleep(1.5)
                s.cluster.start()
                back.append(time.monotonic())

    answers = Load(front.url, trig, threads=6).run(0, during=restarter)
    db = s.cluster.connect()
    rows = check_rows(db, trig, answers)
    db.close()
    recovery = [first_success_after(answers, t) for t in back]
    n2xx = report("database-restart", answers, restarts=len(back), rows_checked=rows,
                  recovery_s=[round(r, 2) if r is not None else None for r in recovery])
    assert len(answers) >= MIN_REQUESTS, "only %d requests" % len(answers)
    # only 2xx with its committed row (check_rows) or 503 with Retry-After
    for a in answers:
        if not a.ok:
            assert_503(a)
    assert len(answers) - n2xx >= len(back), "the restarts were never seen"
    for t, r in zip(back, recovery):
        assert r is not None and r <= 2.0, "no success within 2 s of the database being back: %s" % r
    assert s.pool.alive()


def postgres_pids(cluster):
    with open(os.path.join(cluster.data, "postmaster.pid")) as f:
        master = int(f.readline())
    return [master] + [pid for pid, _, ppid, _ in harness.processes() if ppid == master]


def test_database_frozen_then_thawed(make_stack):
    timeout_ms = 1500
    # long enough for each thread to send new requests into the freeze, past the ones it froze
    freeze_s = 7
    # a worker per client thread: a request that waited for a busy worker would count its wait
    threads = 6
    s = make_stack(workers=threads, statement_timeout_ms=1000, db_timeout_ms=timeout_ms)
    trig = make_trigger(s.ctl, secret="chaos-freeze-secret-01")
    front = Front("pool", s.fastcgi)
    windows = []

    def freezer(stop, deadline):
        for _ in range(3 if LONG else 1):
            time.sleep(2)
            pids = postgres_pids(s.cluster)
            frozen = time.monotonic()
            for p in pids:
                os.kill(p, signal.SIGSTOP)
            time.sleep(freeze_s)
            for p in pids:
                os.kill(p, signal.SIGCONT)
            windows.append((frozen, time.monotonic()))

    answers = Load(front.url, trig, threads=threads, timeout=20).run(0, during=freezer, after=5)
    db = s.cluster.connect()
    rows = check_rows(db, trig, answers)
    db.close()
    recovery = [first_success_after(answers, thawed) for _, thawed in windows]
    n2xx = report("database-frozen", answers, freezes=len(windows), rows_checked=rows,
                  recovery_s=[round(r, 2) if r is not None else None for r in recovery])
    assert len(answers) >= MIN_REQUESTS // 2, "only %d requests" % len(answers)
    limit = timeout_ms / 1000.0 + 1.5     # the deadline, plus this machine's scheduling
    during = [a for a in answers for f, t in windows
              if a.started >= f + 0.2 and a.started + limit <= t]
    assert during, "no request ran inside a freeze"
    for a in during:
        assert_503(a)
        assert a.took <= limit, "a 503 after %.2f s (db_timeout_ms %d)" % (a.took, timeout_ms)
    for a in answers:
        if not a.ok:
            assert_503(a)
    for r in recovery:
        assert r is not None and r <= 5.0, "no success within 5 s of the thaw: %s" % r
    assert n2xx > 0
