"""hookgate-worker SIGKILLed again and again mid-run, under load (SPEC 8.8, 10).

Three workers with short leases run a command for each accepted webhook; every second one of
them, picked at random, gets SIGKILL (its command dies with it) and a new one starts.
Afterwards every run is completed, each after at least one execution and no more executions
than claims; no run was ever executed by two commands at once (a run is
never handed to two live workers); some runs were claimed again after a kill (so the scenario
did what it says); and the deliveries pass the row checks.
"""

import os
import random
import time

from conftest import LONG, make_trigger
from harness import Front, wait_for
from load import Load, check_rows, report
from workerhelp import Worker

SECONDS = 60 if LONG else 15
MIN_REQUESTS = 150 if LONG else 40
LEASE_S = 6                 # the shortest lease the worker's own tests use on a loaded machine

# Records each execution; a second execution of a run while one is still going is an overlap.
# A command killed with its worker leaves its running.ID behind, holding the pid of a process
# that is gone: that is no overlap.
RECORDER = r"""#!/bin/sh
dir=$(dirname "$0")
id=$HOOKGATE_RUN_ID
echo "$id" >> "$dir/started"
if ! mkdir "$dir/running.$id" 2>/dev/null; then
	old=$(cat "$dir/running.$id/pid" 2>/dev/null)
	if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
		echo "$id" >> "$dir/overlap"
	fi
fi
echo $$ > "$dir/running.$id/pid"
cat > /dev/null
sleep 0.$(( $$ % 8 + 2 ))
rm -rf "$dir/running.$id"
echo "$id" >> "$dir/finished"
"""


def lines(rundir, name):
    try:
        with open(os.path.join(rundir, name)) as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def test_worker_killed_mid_run(make_stack, tmp_path):
    s = make_stack()
    trig = make_trigger(s.ctl, secret="chaos-worker-secret-01", runtime="chaos-rt-%d" % os.getpid())
    front = Front("pool", s.fastcgi)
    rundir = str(tmp_path)
    os.chmod(rundir, 0o777)
    script = os.path.join(rundir, "record.sh")
    with open(script, "w") as f:
        f.write(RECORDER)
    os.chmod(script, 0o755)
    count = [0]

    def start():
        count[0] += 1
        return Worker(rundir, "worker-%d" % count[0], s.cluster.conninfo, trig.runtime_id, [script],
                      worker_lease_s=LEASE_S, worker_concurrency=2).start()

    workers = [start() for _ in range(3)]
    kills = []

    def killer(stop, deadline):
        rnd = random.Random(11)
        while time.monotonic() < deadline:
            time.sleep(1.0)
            victim = workers.pop(rnd.randrange(len(workers)))
            busy = os.path.exists(os.path.join(rundir, "started")) and \
                len(lines(rundir, "started")) > len(lines(rundir, "finished"))
            victim.kill()
            kills.append(busy)
            workers.append(start())

    try:
        answers = Load(front.url, trig, threads=2).run(SECONDS, during=killer, after=1, pace=0.2)
        accepted = {a.json()["run_id"] for a in answers if a.ok and a.json()["status"] == "accepted"}
        db = s.cluster.connect()

        def left():
            return db.execute("SELECT count(*) AS n FROM autopilot_run WHERE trigger_id = %s"
                              " AND status <> 'completed'", (trig.id,)).fetchone()["n"]
        # a run whose worker died waits for its lease and the next claim (NOTIFY, or the 30 s poll)
        wait_for(lambda: left() == 0, 2 * LEASE_S + 60, "every run to be completed")
        runs = {str(r["id"]): r for r in db.execute(
            "SELECT id, status, attempts, result FROM autopilot_run WHERE trigger_id = %s",
            (trig.id,)).fetchall()}
        rows = check_rows(db, trig, answers)
        db.close()
    finally:
        for w in workers:
            w.stop()
    started, finished = lines(rundir, "started"), lines(rundir, "finished")
    again = sorted(r["attempts"] for r in runs.values() if r["attempts"] > 1)
    report("worker-kill", answers, kills=len(kills), busy_kills=sum(kills), runs=len(runs),
           executions=len(started), claimed_again=len(again), rows_checked=rows)
    assert len(answers) >= MIN_REQUESTS, "only %d requests" % len(answers)
    assert accepted and accepted <= set(runs), "accepted runs without their row"
    assert not lines(rundir, "overlap"), "runs executed twice at once: %s" % lines(rundir, "overlap")
    for rid, r in runs.items():
        assert r["status"] == "completed" and r["result"]["exit_code"] == 0, r
        n = started.count(rid)
        assert 1 <= n <= r["attempts"], "run %s: %d executions, %d claims" % (rid, n, r["attempts"])
        assert finished.count(rid) >= 1, "run %s never ran to its end" % rid
    assert len(kills) >= SECONDS // 2, "only %d kills" % len(kills)
    assert again, "no run was claimed again after a kill: the kills never hit a run"
