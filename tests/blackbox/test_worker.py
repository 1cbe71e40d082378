"""hookgate-worker (SPEC 10, issue 12): real workers, real commands, real PostgreSQL.

Each test has its own workspace, runtime and autopilot naming that runtime, so a worker
here only ever sees the runs its test made. The command is a shell script that records
what it got (stdin, environment, start and end) in files under the test's directory.
"""

import json
import os
import signal
import subprocess
import time

import pytest

import harness
from harness import clean_env, wait_for
from workerhelp import WORKER, Worker

RECORDER = r"""#!/bin/sh
# record what this run got, then behave as $MODE (a file beside this script) says
dir=$(dirname "$0")
id=$HOOKGATE_RUN_ID
date +%s.%N > "$dir/$id.at"
echo $$ > "$dir/$id.pid"
cat > "$dir/$id.stdin"
env | grep '^HOOKGATE_' | sort > "$dir/$id.env"
echo "$id" >> "$dir/started"
mkdir "$dir/running.$id"
ls -d "$dir"/running.* | wc -l >> "$dir/concurrency"
mode=$(cat "$dir/mode" 2>/dev/null || echo ok)
case $mode in
ok) echo "hello from $id" ;;
fail3) echo "failing"; rmdir "$dir/running.$id"; exit 3 ;;
sleep*) sleep "${mode#sleep}" ;;
hang) sleep 600 & echo $! > "$dir/$id.grandchild"; wait ;;
esac
rmdir "$dir/running.$id"
echo "$id" >> "$dir/finished"
"""


class Rig:
    """A runtime, an autopilot naming it, a trigger, the recorder script and the workers of one test."""

    def __init__(self, stack, fx, tmp):
        self.stack, self.fx, self.dir = stack, fx, tmp
        self.runtime = fx.runtime("rt-" + fx.slug[-6:])
        # seen now: admission counts it online even before a worker heartbeats it
        fx.ctl("runtime", "heartbeat", self.runtime["id"])
        self.trig = fx.trigger(runtime=self.runtime)
        self.script = os.path.join(tmp, "record.sh")
        with open(self.script, "w") as f:
            f.write(RECORDER)
        os.chmod(self.script, 0o755)
        os.chmod(tmp, 0o777)
        self.workers = []

    def mode(self, m):
        with open(os.path.join(self.dir, "mode"), "w") as f:
            f.write(m)

    def worker(self, start=True, **config):
        w = Worker(self.dir, "w%d" % len(self.workers), self.stack.cluster.conninfo,
                   self.runtime["id"], [self.script], **config)
        self.workers.append(w)
        return w.start() if start else w

    def lines(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return [line.strip() for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def run_row(self, run_id):
        return self.fx.run(run_id)

    def wait_status(self, run_id, statuses, timeout=30):
        wait_for(lambda: self.run_row(run_id)["status"] in statuses, timeout,
                 "run %s to be %s" % (run_id, "/".join(statuses)))
        return self.run_row(run_id)

    def send(self, front, n=1, key=None):
        out = []
        for i in range(n):
            headers = {"Idempotency-Key": key} if key else {}
            resp = front.hook(self.trig, {"event": "deploy.push", "n": i}, headers=headers)
            assert resp.status_code == 200, resp.text
            out.append(resp.json())
        return out

    def close(self):
        for w in self.workers:
            w.stop()


@pytest.fixture
def rig(stack, fx, tmp_path):
    if not os.access(WORKER, os.X_OK):
        pytest.fail("missing %s" % WORKER)
    r = Rig(stack, fx, str(tmp_path))
    yield r
    r.close()


def test_a_webhook_runs_the_command_once_with_its_payload(rig, pool_front):
    w = rig.worker()
    sent = rig.send(pool_front, key="once-1")[0]
    run = rig.wait_status(sent["run_id"], {"completed"})
    stored = rig.fx.run(sent["run_id"])
    with open(os.path.join(rig.dir, sent["run_id"] + ".stdin"), "rb") as f:
        assert json.loads(f.read()) == stored["trigger_payload"]
    env = dict(line.split("=", 1) for line in rig.lines(sent["run_id"] + ".env"))
    assert env == {
        "HOOKGATE_RUN_ID": sent["run_id"],
        "HOOKGATE_DELIVERY_ID": sent["delivery_id"],
        "HOOKGATE_AUTOPILOT_ID": rig.trig.autopilot_id,
        "HOOKGATE_TRIGGER_ID": rig.trig.id,
        "HOOKGATE_EVENT": "deploy.push",
        "HOOKGATE_ATTEMPT": "1",
    }, "exactly the run's variables: the worker's own HOOKGATE_* do not leak"
    assert run["result"]["exit_code"] == 0
    assert run["result"]["output"] == "hello from %s\n" % sent["run_id"]
    assert isinstance(run["result"]["duration_ms"], int)
    # the sender retries: a duplicate, and the command does not run again
    again = rig.send(pool_front, key="once-1")[0]
    assert again["status"] == "duplicate"
    time.sleep(2)
    assert rig.lines("started") == [sent["run_id"]]
    assert "run %s event deploy.push exit status 0" % sent["run_id"] in w.log_text()
    assert json.dumps(stored["trigger_payload"]) not in w.log_text(), "the payload is never logged"


def test_exit_status_3_fails_the_run(rig, pool_front):
    rig.mode("fail3")
    rig.worker()
    sent = rig.send(pool_front)[0]
    run = rig.wait_status(sent["run_id"], {"failed"})
    assert run["failure_reason"] == "exit status 3"
    assert run["result"]["exit_code"] == 3
    assert run["result"]["output"] == "failing\n"


def test_timeout_kills_the_process_group(rig, pool_front):
    rig.mode("hang")
    rig.worker(worker_timeout_s=2)
    sent = rig.send(pool_front)[0]
    run = rig.wait_status(sent["run_id"], {"failed"}, timeout=30)
    assert run["failure_reason"] == "timed out after 2 s"
    assert run["result"]["exit_code"] is None
    grandchild = int(rig.lines(sent["run_id"] + ".grandchild")[0])

    def gone():
        try:
            with open("/proc/%d/stat" % grandchild) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    wait_for(gone, 10, "the command's grandchild to be gone")


def test_concurrency_3_with_10_runs(rig, pool_front):
    rig.mode("sleep0.5")
    rig.worker(start=False, worker_concurrency=3)
    sent = rig.send(pool_front, n=10)
    rig.workers[-1].start()
    for s in sent:
        rig.wait_status(s["run_id"], {"completed"}, timeout=60)
    counts = [int(c) for c in rig.lines("concurrency")]
    assert len(counts) == 10 and max(counts) <= 3, counts
    assert max(counts) >= 2, "the runs did overlap: %s" % counts
    started = rig.lines("started")
    assert sorted(started) == sorted(s["run_id"] for s in sent), "each ran exactly once"


def test_two_workers_50_runs_each_once(rig, pool_front):
    rig.worker(worker_concurrency=2)
    rig.worker(worker_concurrency=2)
    sent = rig.send(pool_front, n=50)
    for s in sent:
        rig.wait_status(s["run_id"], {"completed"}, timeout=90)
    started = rig.lines("started")
    assert len(started) == 50 and len(set(started)) == 50, "each run executed exactly once"
    texts = [w.log_text() for w in rig.workers]
    assert all("exit status 0" in t for t in texts), "both workers did some of the work"


def test_a_killed_worker_leaves_its_run_to_the_next(rig, pool_front):
    # leases of 6 s (the rig's): a worker stops a command whose lease it could not extend in
    # time, so a shorter one can run out on a loaded machine and count a third claim
    rig.mode("sleep30")
    w1 = rig.worker()
    sent = rig.send(pool_front)[0]
    wait_for(lambda: rig.lines("started"), 15, "the command to start")
    w1.kill()
    assert rig.run_row(sent["run_id"])["status"] == "running"
    # the command dies with its worker: it cannot overlap the run's next claim
    with open(os.path.join(rig.dir, sent["run_id"] + ".pid")) as f:
        command = int(f.read())

    def gone():
        try:
            with open("/proc/%d/stat" % command) as f:
                return f.read().split(")")[-1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    wait_for(gone, 10, "the command of the killed worker to end")
    rig.mode("ok")
    rig.worker()
    run = rig.wait_status(sent["run_id"], {"completed"}, timeout=30)
    assert run["attempts"] == 2
    assert rig.lines("started") == [sent["run_id"], sent["run_id"]]
    assert rig.lines("finished") == [sent["run_id"]], "completed once"


def test_sigterm_lets_the_command_finish(rig, pool_front):
    rig.mode("sleep2")
    w = rig.worker()
    sent = rig.send(pool_front)[0]
    wait_for(lambda: rig.lines("started"), 15, "the command to start")
    w.signal(signal.SIGTERM)
    assert w.wait(timeout=30) == 0
    assert rig.run_row(sent["run_id"])["status"] == "completed"


def test_a_second_sigterm_hands_the_run_back(rig, pool_front):
    rig.mode("sleep30")
    w = rig.worker()
    sent = rig.send(pool_front)[0]
    wait_for(lambda: rig.lines("started"), 15, "the command to start")
    w.signal(signal.SIGTERM)
    wait_for(lambda: "stopping" in w.log_text(), 10, "the worker to start stopping")
    w.signal(signal.SIGTERM)
    assert w.wait(timeout=30) == 0
    row = rig.run_row(sent["run_id"])
    assert row["status"] == "pending"
    assert row["lease_expires_at"] is None and row["claimed_by"] is None


@pytest.fixture(scope="module")
def own_stack(base_dir):
    """A stack of its own: its database is restarted, which the shared one must not be."""
    s = harness.Stack(base_dir, "worker-restart", workers=2, cgi=False)
    yield s
    s.close()


def test_postgresql_restart_while_waiting(own_stack, tmp_path):
    from conftest import Fixtures
    db = own_stack.cluster.connect()
    rig = Rig(own_stack, Fixtures(own_stack.ctl, db), str(tmp_path))
    front = harness.Front("own", own_stack.fastcgi)
    try:
        w = rig.worker()
        own_stack.cluster.stop(mode="fast")
        time.sleep(1)
        own_stack.cluster.start()
        db = rig.fx.db = own_stack.cluster.connect()
        wait_for(lambda: front.get("/readyz").status_code == 200, 30, "the pool to be ready")
        sent = rig.send(front)[0]
        rig.wait_status(sent["run_id"], {"completed"}, timeout=60)
        assert w.proc.poll() is None, "the worker kept running"
        assert "database unreachable" in w.log_text()
    finally:
        rig.close()
        db.close()


def test_a_lost_notify_still_runs(rig, pool_front):
    # the delivery commits (and its NOTIFY goes) before any worker listens
    sent = rig.send(pool_front)[0]
    rig.worker()
    rig.wait_status(sent["run_id"], {"completed"}, timeout=40)


def test_deferred_runs_start_at_their_available_at(rig, make_pool):
    """token_rate = 5: of 8 quick deliveries the last 3 run, each not before its available_at."""
    _, front = make_pool(workers=2, token_rate=5)
    sent = rig.send(front, n=8)
    deferred = [a for a in sent if "available_at" in a]
    assert len(deferred) == 3, sent
    rig.worker()
    wait_for(lambda: len(rig.lines("finished")) == 8, 60, "the 8 runs to finish")
    assert sorted(rig.lines("finished")) == sorted(a["run_id"] for a in sent), "each once"
    for a in deferred:
        with open(os.path.join(rig.dir, a["run_id"] + ".at")) as f:
            started = float(f.read())
        available = rig.run_row(a["run_id"])["available_at"].timestamp()
        assert started >= available, (a["run_id"], started, available)
        assert started < available + 10, "woken at its available_at, not by the 30 s poll"
    for a in sent:
        assert rig.run_row(a["run_id"])["status"] == "completed"


def test_sighup_reloads(rig, pool_front):
    w = rig.worker()
    with open(w.config, "a") as f:
        f.write("worker_output_max_bytes = 5\n")
    w.signal(signal.SIGHUP)
    wait_for(lambda: "settings reloaded" in w.log_text(), 10, "the reload")
    sent = rig.send(pool_front)[0]
    run = rig.wait_status(sent["run_id"], {"completed"})
    assert run["result"]["output"] == sent["run_id"][-4:] + "\n"


def test_usage_errors(tmp_path):
    p = subprocess.run([WORKER, "--exec"], capture_output=True, text=True, env=clean_env())
    assert p.returncode == 2 and "--exec needs a command" in p.stderr
    conf = tmp_path / "w.conf"
    conf.write_text("database_url = host=/nonexistent\n")
    p = subprocess.run([WORKER, "-c", str(conf), "--exec", "true"], capture_output=True,
                       text=True, env=clean_env())
    assert p.returncode == 2 and "no runtime" in p.stderr
