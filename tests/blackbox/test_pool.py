"""The pre-forked pool: graceful SIGTERM, workers replaced when they die."""

import os
import signal

import pytest

from harness import Front, Lighttpd, Pool, assert_json_response, group_members, wait_for, write_config


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
def own_pool(stack, fx, request):
    """A second pool (3 workers, own shm) and lighttpd on the shared cluster, for this test only."""
    name = "pool-" + fx.slug
    base = os.path.join(stack.base, name)
    os.mkdir(base)
    config = write_config(os.path.join(base, "hookgate.conf"), stack.cluster.conninfo,
                          "/hookgate-bb-%d-%s" % (os.getpid(), fx.slug[-8:]))
    pool = Pool(base, "pool", config, workers=3).start()
    web = Lighttpd(base, "lighttpd", "fastcgi", pool_socket=pool.sock).start()
    yield pool, Front("own-pool", web)
    web.stop()
    pool.stop()
    pool.kill()


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
