"""A row locked on purpose: requests past statement_timeout_ms are 503, the worker stays healthy."""

import threading
import time

from conftest import LONG, make_trigger
from harness import Front, children
from load import Load, check_rows, report

TIMEOUT_MS = 1000
LOCKED = 24 if LONG else 8


def test_locked_trigger_row_times_out(make_stack):
    s = make_stack(workers=2, statement_timeout_ms=TIMEOUT_MS)
    trig = make_trigger(s.ctl, secret="chaos-lock-secret-0123")
    front = Front("pool", s.fastcgi)
    load = Load(front.url, trig, threads=1)
    warm = [load._one("chaos-warm-%d" % i, i) for i in range(6)]
    assert all(a.ok for a in warm), [a.text for a in warm]
    workers = sorted(children(s.pool.proc.pid))

    # the trigger row, held FOR UPDATE: a delivery's foreign-key check waits on it
    locker = s.cluster.connect()
    locker.autocommit = False
    locker.execute("SELECT 1 FROM autopilot_trigger WHERE id = %s FOR UPDATE", (trig.id,))
    locked = [None] * LOCKED
    try:
        def one(i):
            locked[i] = load._one("chaos-locked-%d" % i, i)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(LOCKED)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        took = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()

    after = [load._one("chaos-after-%d" % i, i) for i in range(6)]
    db = s.cluster.connect()
    answers = warm + locked + after
    rows = check_rows(db, trig, answers)
    # each timed-out delivery is absent, or committed with the answer it recorded
    for a in locked:
        row = db.execute("SELECT status, response_status FROM webhook_delivery WHERE trigger_id = %s"
                         " AND dedupe_key = %s", (trig.id, a.key)).fetchone()
        assert row is None or row["response_status"] is not None, row
    db.close()
    report("locked-row", answers, locked=LOCKED, rows_checked=rows, took_s=round(took, 2))
    for a in locked:
        assert a.status == 503, (a.status, a.text)
        assert a.retry_after, "503 without Retry-After"
        # the statement timeout, plus the wait for a free worker of two and scheduling
        assert a.took <= (LOCKED / 2 + 1) * TIMEOUT_MS / 1000.0 + 5, a.took
    assert all(a.ok for a in after), [(a.status, a.text) for a in after]
    assert sorted(children(s.pool.proc.pid)) == workers, "a worker was replaced"
    assert len(answers) >= 12 + LOCKED
