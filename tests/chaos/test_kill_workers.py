"""kill -9 random pool workers every 100 ms under load (SPEC 8.1, 8.2).

Afterwards every 2xx delivery id has its committed row (recording that answer), no row is
queued, no key has two live deliveries or two runs, and the pool is back to full size.
"""

import os
import random
import signal
import time

from conftest import LONG, make_trigger
from harness import Front, children, wait_for
from load import Load, check_rows, report

SECONDS = 120 if LONG else 20
MIN_REQUESTS = 400 if LONG else 100
WORKERS = 8


def test_kill_workers_every_100ms(make_stack):
    s = make_stack(workers=WORKERS)
    trig = make_trigger(s.ctl, secret="chaos-kill-secret-0123")
    front = Front("pool", s.fastcgi)
    db = s.cluster.connect()
    kills, ticks = [], []

    def workers():
        pid = s.pool.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return children(pid)

    def killer(stop, deadline):
        rnd = random.Random(1)
        while not stop.is_set() and time.monotonic() < deadline:
            ticks.append(time.monotonic())
            pids = workers()
            if pids:
                pid = rnd.choice(pids)
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    log_before = len(s.pool.log_text())
    answers = Load(front.url, trig, threads=8).run(SECONDS, during=killer, after=0)
    # the pool comes back to full size by itself
    wait_for(lambda: len(children(s.pool.proc.pid)) == WORKERS, 20, "the pool back to %d workers" % WORKERS)
    assert s.pool.alive(), "the supervisor died"
    restarts = s.pool.log_text()[log_before:].count("killed by signal 9; restarting")
    rows = check_rows(db, trig, answers)
    n2xx = report("kill-workers", answers, kills=len(kills), restarts=restarts, rows_checked=rows,
                  ticks=len(ticks))
    assert len(answers) >= MIN_REQUESTS, "only %d requests in %d s" % (len(answers), SECONDS)
    # a kill every 100 ms when a worker is there to kill (the supervisor waits a second
    # before it replaces workers that die young, so not every tick finds one)
    assert len(ticks) >= SECONDS * 5, "the killer ran only %d times" % len(ticks)
    assert len(kills) >= SECONDS, "only %d kills" % len(kills)
    assert restarts >= len(kills) // 2, "%d restarts for %d kills" % (restarts, len(kills))
    assert n2xx >= MIN_REQUESTS // 3, "only %d answered 2xx" % n2xx
    # after the storm, every worker serves
    for i in range(2 * WORKERS):
        assert Load(front.url, trig, threads=1)._one("chaos-after-%d" % i, i).ok
    db.close()
