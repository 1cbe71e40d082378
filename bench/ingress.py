#!/usr/bin/python3
"""bench/ingress.py: webhook ingress speed, side by side with /healthz, on this machine.

Starts a throwaway PostgreSQL, the pool and lighttpd (the black-box harness),
then runs interleaved rounds of: GET /healthz (no database), accepted webhooks
(two round trips: token lookup + the ingest transaction), duplicates and
unknown tokens. Reports the median requests per second of each over the
rounds and its ratio to /healthz, and the PostgreSQL transactions per
accepted webhook (xact_commit), which checks "at most two round trips".

Machines are shared and noisy: read the ratios and medians, not one number.
Usage: bench/ingress.py [BUILDDIR] (default _build)   env: ROUNDS=5 SECONDS=3 CLIENTS=8
"""

import concurrent.futures
import os
import statistics
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
os.environ.setdefault("HG_SRCDIR", TOP)
os.environ.setdefault("HG_BUILDDIR", os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                                                     else os.path.join(TOP, "_build")))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "blackbox"))

import requests  # noqa: E402

import harness  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
SECONDS = float(os.environ.get("SECONDS", "3"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))


def load(fn, seconds):
    """Run fn(session) from CLIENTS threads for seconds; return requests per second."""
    stop = time.monotonic() + seconds
    counts = [0] * CLIENTS

    def client(i):
        s = requests.Session()
        while time.monotonic() < stop:
            fn(s)
            counts[i] += 1
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as ex:
        list(ex.map(client, range(CLIENTS)))
    return sum(counts) / seconds


def main():
    base = harness.make_base()
    stack = harness.Stack(base, "bench", workers=4, cgi=False)
    try:
        ctl = stack.ctl
        ctl("workspace", "create", "bench")
        ap = ctl("autopilot", "create", "--workspace", "bench", "--title", "bench")
        trig = ctl("trigger", "create", "--autopilot", ap["id"])
        url = stack.fastcgi.url(trig["webhook_path"])
        health = stack.fastcgi.url("/healthz")
        unknown = stack.fastcgi.url("/api/webhooks/autopilots/awt_" + "A" * 43)
        body = b'{"event":"bench","n":1}'
        hdr = {"Content-Type": "application/json"}

        def accepted(s):
            r = s.post(url, data=body, headers=hdr)
            assert r.status_code == 200 and b"accepted" in r.content, r.text

        def duplicate(s):
            r = s.post(url, data=body, headers=dict(hdr, **{"Idempotency-Key": "same"}))
            assert r.status_code == 200, r.text

        def not_found(s):
            assert s.post(unknown, data=body, headers=hdr).status_code == 404

        def healthz(s):
            assert s.get(health).status_code == 200

        cases = [("healthz", healthz), ("accepted", accepted), ("duplicate", duplicate),
                 ("unknown token", not_found)]
        results = {name: [] for name, _ in cases}
        for _ in range(ROUNDS):
            for name, fn in cases:
                results[name].append(load(fn, SECONDS))

        # transactions per accepted webhook, from PostgreSQL's own counters
        with stack.cluster.connect() as db:
            def commits():
                return db.execute("SELECT xact_commit FROM pg_stat_database "
                                  "WHERE datname = 'postgres'").fetchone()["xact_commit"]
            time.sleep(11)          # let every backend flush its counters
            before = commits()
            n = 200
            s = requests.Session()
            for _ in range(n):
                accepted(s)
            time.sleep(11)
            per = (commits() - before - 2) / n      # the two reads of commits() themselves

        med = {k: statistics.median(v) for k, v in results.items()}
        print("hookgate ingress benchmark: %d rounds x %.0f s, %d clients, 4 workers" %
              (ROUNDS, SECONDS, CLIENTS))
        print("%-15s %12s %12s" % ("case", "median req/s", "vs healthz"))
        for name, _ in cases:
            print("%-15s %12.0f %11.2fx" % (name, med[name], med[name] / med["healthz"]))
        print("PostgreSQL transactions per accepted webhook: %.2f (design: 2)" % per)
    finally:
        stack.close()
        import shutil
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
