"""Two pools on one database, 100 concurrent requests with one key, 10 rounds (SPEC 8.2, 13)."""

import os
import threading
import uuid

import harness
from conftest import LONG, make_trigger
from harness import Front
from load import Load, report

ROUNDS = 30 if LONG else 10
CONCURRENT = 100


def test_two_pools_one_key(make_stack):
    s = make_stack(workers=4)
    other_dir = os.path.join(s.base, "second")
    os.mkdir(other_dir)
    config = harness.write_config(os.path.join(other_dir, "hookgate.conf"), s.cluster.conninfo,
                                  "/hookgate-chaos-%d-second" % os.getpid())
    pool2 = harness.Pool(other_dir, "pool", config, workers=4).start()
    web2 = harness.Lighttpd(other_dir, "lighttpd", "fastcgi", pool_socket=pool2.sock).start()
    try:
        fronts = [Front("a", s.fastcgi), Front("b", web2)]
        trig = make_trigger(s.ctl, secret="chaos-two-pools-secret")
        db = s.cluster.connect()
        answers, rows_checked = [], 0
        for rnd in range(ROUNDS):
            key = "chaos-round-%d-%s" % (rnd, uuid.uuid4().hex)
            barrier = threading.Barrier(CONCURRENT)
            mine = [None] * CONCURRENT

            def one(i):
                load = Load(fronts[i % 2].url, trig, threads=1)
                barrier.wait()
                mine[i] = load._one(key, 0)
            threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENT)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            answers += mine
            statuses = sorted(a.json()["status"] for a in mine if a.ok)
            assert all(a.ok for a in mine), [(a.status, a.text[:100]) for a in mine if not a.ok][:3]
            assert statuses.count("accepted") == 1 and statuses.count("duplicate") == CONCURRENT - 1, statuses
            rows = db.execute("SELECT status, attempt_count, autopilot_run_id FROM webhook_delivery"
                              " WHERE trigger_id = %s AND dedupe_key = %s", (trig.id, key)).fetchall()
            rows_checked += len(rows)
            live = [r for r in rows if r["status"] not in ("rejected", "failed")]
            assert len(live) == 1, rows
            assert sum(r["attempt_count"] for r in rows) == CONCURRENT, rows
            runs = db.execute("SELECT count(*) AS n FROM autopilot_run r JOIN webhook_delivery d"
                              " ON d.id = r.webhook_delivery_id WHERE d.trigger_id = %s"
                              " AND d.dedupe_key = %s", (trig.id, key)).fetchone()["n"]
            assert runs == 1, runs
        db.close()
        report("two-pools", answers, rounds=ROUNDS, rows_checked=rows_checked)
        assert len(answers) == ROUNDS * CONCURRENT
    finally:
        web2.stop()
        pool2.stop()
