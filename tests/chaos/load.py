"""load: bounded webhook load from a few threads, with every answer recorded, and the row checks."""

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from harness import sign


@dataclass
class Answer:
    key: str
    status: int = 0             # 0: no HTTP answer (connection refused, reset, timeout)
    text: str = ""
    retry_after: str = None
    ctype: str = ""
    error: str = ""
    started: float = 0.0
    took: float = 0.0

    @property
    def ok(self):
        return 200 <= self.status < 300

    def json(self):
        return json.loads(self.text)


@dataclass
class Load:
    """Signed, unique webhooks (a tenth of them retries of an earlier key) from threads, for seconds."""
    url: callable                # path -> URL (a harness front's url)
    trig: object
    threads: int = 8
    retries: float = 0.1
    timeout: float = 30
    answers: list = field(default_factory=list)

    def _one(self, key, n):
        body = json.dumps({"chaos": key, "n": n}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.trig.secret:
            headers["X-Hub-Signature-256"] = sign(self.trig.secret, body)
        a = Answer(key=key, started=time.monotonic())
        try:
            r = requests.post(self.url(self.trig.path), data=body, headers=headers, timeout=self.timeout)
            a.status, a.text = r.status_code, r.text
            a.retry_after = r.headers.get("Retry-After")
            a.ctype = r.headers.get("Content-Type", "")
        except requests.RequestException as e:
            a.error = type(e).__name__
        a.took = time.monotonic() - a.started
        return a

    def run(self, seconds, during=None, after=3.0, pace=0.0):
        """Load for seconds, or while during(stop, deadline) runs (in this thread) and after
        seconds more. Returns the answers."""
        stop = threading.Event()
        deadline = time.monotonic() + seconds
        lock = threading.Lock()

        def worker(t):
            mine, n = [], 0
            rnd = random.Random(t)
            while not stop.is_set():
                key = rnd.choice(mine) if mine and rnd.random() < self.retries else "chaos-" + uuid.uuid4().hex
                mine.append(key)
                a = self._one(key, n)
                n += 1
                with lock:
                    self.answers.append(a)
                if pace:
                    time.sleep(pace)

        threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(self.threads)]
        for t in threads:
            t.start()
        try:
            if during:
                during(stop, deadline)
                time.sleep(after)
            else:
                time.sleep(max(0.0, deadline - time.monotonic()))
        finally:
            stop.set()
            for t in threads:
                t.join(self.timeout + 10)
        return self.answers


def check_rows(db, trig, answers):
    """The invariants of SPEC 8.1 and 8.2 over every row of trig; returns the number of rows checked."""
    rows = db.execute("SELECT id, status, dedupe_key, response_status, response_body, attempt_count,"
                      " autopilot_run_id FROM webhook_delivery WHERE trigger_id = %s", (trig.id,)).fetchall()
    by_id = {str(r["id"]): r for r in rows}
    # every 2xx answer has its committed row, which records exactly that answer
    for a in answers:
        if not a.ok:
            continue
        did = a.json()["delivery_id"]
        row = by_id.get(did)
        assert row is not None, "answered %d %s but no row %s" % (a.status, a.text, did)
        out = a.json()
        if out["status"] != "duplicate":
            assert row["response_status"] == a.status and row["response_body"] == a.text, (row, a)
    # no row left queued; every row records its answer
    assert not [r for r in rows if r["status"] == "queued"], "rows left queued"
    assert not [r for r in rows if r["response_status"] is None or r["response_body"] is None], \
        "rows without their answer"
    # per key: one live delivery, one run
    live = {}
    for r in rows:
        if r["dedupe_key"] and r["status"] not in ("rejected", "failed"):
            live.setdefault(r["dedupe_key"], []).append(r)
    two = {k: v for k, v in live.items() if len(v) > 1}
    assert not two, "keys with two live deliveries: %s" % list(two)[:5]
    runs = db.execute("SELECT d.dedupe_key, count(r.id) AS n FROM autopilot_run r"
                      " JOIN webhook_delivery d ON d.id = r.webhook_delivery_id"
                      " WHERE d.trigger_id = %s AND d.dedupe_key IS NOT NULL"
                      " GROUP BY d.dedupe_key HAVING count(r.id) > 1", (trig.id,)).fetchall()
    assert not runs, "keys with two runs: %s" % runs[:5]
    orphans = db.execute("SELECT count(*) AS n FROM webhook_delivery d WHERE d.trigger_id = %s"
                         " AND d.status = 'dispatched' AND NOT EXISTS (SELECT 1 FROM autopilot_run r"
                         " WHERE r.webhook_delivery_id = d.id)", (trig.id,)).fetchone()["n"]
    assert orphans == 0, "%d dispatched deliveries without a run" % orphans
    return len(rows)


def report(name, answers, **counts):
    """Print a scenario's counts (requests, 2xx, and what it did) on one line."""
    n2xx = sum(1 for a in answers if a.ok)
    by = {}
    for a in answers:
        k = a.status or a.error or "none"
        by[k] = by.get(k, 0) + 1
    extra = " ".join("%s=%s" % kv for kv in counts.items())
    print("\nchaos %s: requests=%d 2xx=%d %s answers=%s" % (name, len(answers), n2xx, extra,
                                                        dict(sorted(by.items(), key=str))))
    return n2xx
