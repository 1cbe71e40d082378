"""The pre-forked pool: graceful SIGTERM, workers replaced when they die."""

import os
import signal

import pytest

from harness import assert_json_response, group_members, wait_for


def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d))
    return out


@pytest.fixture
def own_pool(make_pool):
    """A second pool with 3 workers, so that the shared one is never stopped or hurt."""
    return make_pool(workers=3)


def test_pool_forks_the_requested_workers(own_pool):
    pool, _ = own_pool
    wait_for(lambda: len(_children(pool.proc.pid)) == 3, 10, "3 workers")


def test_sigterm_stops_pool_and_workers(own_pool, fx):
    pool, http = own_pool
    trig = fx.trigger()
    assert assert_json_response(http.hook(trig, {"a": 1}), 200)["status"] == "accepted"
    pid = pool.proc.pid
    assert group_members(pid), "pool has no processes?"
    rc = pool.stop(timeout=15)
    assert rc == 0, "pool exit status after SIGTERM: %r\n%s" % (rc, pool.log_text()[-2000:])
    wait_for(lambda: not group_members(pid), 5, "all pool processes to exit")


def test_killed_worker_is_replaced(own_pool, fx):
    pool, http = own_pool
    wait_for(lambda: len(_children(pool.proc.pid)) == 3, 10, "3 workers")
    victim = _children(pool.proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in _children(pool.proc.pid), 5, "the killed worker to be reaped")
    wait_for(lambda: len(_children(pool.proc.pid)) == 3, 10, "the pool to fork a replacement")
    trig = fx.trigger()
    for i in range(6):
        out = assert_json_response(http.hook(trig, {"i": i}), 200)
        assert out["status"] == "accepted"
    assert pool.alive()
