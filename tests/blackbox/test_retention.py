"""Retention (SPEC 12): hookgatectl prune on a cluster of its own, so that its counts are exact.

Deliveries are aged by setting received_at back. The stack keeps deliveries
30 days (the default) and their bodies 7 (body_retention_days).
"""

import concurrent.futures
import json
import re
import subprocess
import threading
import time

import pytest
import requests

import harness
from conftest import Fixtures
from harness import Front, Stack, assert_json_response
from runhelp import DELIVERY_DETAIL_FIELDS, DELIVERY_FIELDS, Api, hook_ok, keys

BODY_DAYS = 7
PRUNED = "delivery body has been pruned"
SUMMARY_KEYS = {"deliveries_deleted", "runs_deleted", "bodies_pruned", "dry_run"}


@pytest.fixture(scope="module")
def rstack(base_dir):
    s = Stack(base_dir, "retention", workers=4, cgi=False, body_retention_days=BODY_DAYS)
    yield s
    s.close()


@pytest.fixture(scope="module")
def rdb(rstack):
    conn = rstack.cluster.connect()
    yield conn
    conn.close()


def forget(db, fx):
    """Delete fx's workspace with all it holds, so that the next test's counts are its own."""
    db.execute("DELETE FROM workspace WHERE id = %s", (fx.workspace["id"],))


@pytest.fixture
def rfx(rstack, rdb):
    fx = Fixtures(rstack.ctl, rdb, Front("retention", rstack.fastcgi))
    yield fx
    forget(rdb, fx)


def prune(stack, *args):
    """hookgatectl prune ARGS: (the JSON summary, its stderr)."""
    p = stack.ctl.raw("prune", *args)
    assert p.returncode == 0, "prune %r -> %d: %s" % (args, p.returncode, p.stderr)
    out = json.loads(p.stdout)
    assert set(out) == SUMMARY_KEYS, out
    return out, p.stderr


def age(db, delivery_ids, days):
    db.execute("UPDATE webhook_delivery SET received_at = now() - make_interval(days => %s)"
               " - interval '1 minute' WHERE id = ANY(%s::uuid[])", (days, list(delivery_ids)))


def set_run(db, run_id, status):
    db.execute("UPDATE autopilot_run SET status = %s,"
               " completed_at = CASE WHEN %s IN ('completed', 'failed', 'skipped') THEN now() END"
               " WHERE id = %s", (status, status, run_id))


def snapshot(db):
    """Every delivery and run of the cluster, as they are."""
    return (db.execute("SELECT * FROM webhook_delivery ORDER BY id").fetchall(),
            db.execute("SELECT * FROM autopilot_run ORDER BY id").fetchall(),
            db.execute("SELECT * FROM prune_total ORDER BY kind").fetchall())


def totals(front):
    """hookgate_pruned_total by kind, from /metrics."""
    resp = front.get("/metrics")
    assert resp.status_code == 200, resp.text
    found = dict(re.findall(r'^hookgate_pruned_total\{kind="(\w+)"\} (\d+)$', resp.text, re.M))
    assert set(found) == {"deliveries", "runs", "bodies"}, resp.text
    assert "# TYPE hookgate_pruned_total counter" in resp.text
    return {k: int(v) for k, v in found.items()}


def test_prune_deletes_aged_deliveries_and_bodies_exactly(rstack, rdb, rfx):
    front = rfx.front
    write, read = keys(rfx, front)
    trig = rfx.trigger()
    rejecting = rfx.trigger(secret="retention-secret-0123", autopilot=trig.autopilot)
    ignoring = rfx.trigger(disabled=True, autopilot=trig.autopilot)

    def sent(n, status=None):
        out = [hook_ok(front, trig, {"event": "bb.prune", "n": i}) for i in range(n)]
        for o in out:
            if status:
                set_run(rdb, o["run_id"], status)
        return out

    # 40 days old: deleted with their runs (completed, failed, skipped) or none
    old_done = sent(3, "completed") + sent(1, "failed") + sent(1, "skipped")
    old_rejected = assert_json_response(front.hook(rejecting, {"event": "bb.bad"}), 401)
    old_ignored = hook_ok(front, ignoring, {"event": "bb.ignored"})
    assert old_ignored["status"] == "ignored"
    # 40 days old but its run is pending, or running: kept whole
    old_pending = sent(1)[0]
    old_running = sent(1, "running")[0]
    # 10 days old: the body goes, the delivery and its run stay
    body_done = sent(2, "completed")
    body_pending = sent(1)[0]
    # 6 days and fresh: untouched
    recent = sent(1, "completed") + sent(1)
    deleted = [o["delivery_id"] for o in old_done] + [old_rejected["delivery_id"],
                                                      old_ignored["delivery_id"]]
    age(rdb, deleted + [old_pending["delivery_id"], old_running["delivery_id"]], 40)
    age(rdb, [o["delivery_id"] for o in body_done] + [body_pending["delivery_id"]], 10)
    age(rdb, [recent[0]["delivery_id"]], BODY_DAYS - 1)
    # a fresh replay of an old delivery outlives its original
    replay = write.ok("POST", "/api/autopilots/%s/deliveries/%s/replay"
                      % (trig.autopilot_id, old_done[0]["delivery_id"]), status=201)["delivery"]

    before = snapshot(rdb)
    metrics_before = totals(front)
    dry, _ = prune(rstack, "--dry-run")
    assert dry == {"deliveries_deleted": 7, "runs_deleted": 5, "bodies_pruned": 2, "dry_run": True}
    assert snapshot(rdb) == before, "--dry-run changed something"
    assert totals(front) == metrics_before

    out, err = prune(rstack)
    assert out == dict(dry, dry_run=False), "the dry run counted otherwise"
    assert err == ""
    for d in deleted:
        assert rfx.delivery(d) is None, d
    for o in old_done:
        assert rfx.run(o["run_id"]) is None
    for o, status in ((old_pending, "pending"), (old_running, "running")):
        row = rfx.delivery(o["delivery_id"])
        assert row["raw_body"] is not None and row["body_pruned_at"] is None
        assert rfx.run(o["run_id"])["status"] == status
    for o in body_done:
        row = rfx.delivery(o["delivery_id"])
        assert row["raw_body"] is None and row["body_pruned_at"] is not None
        assert row["response_body"] and row["selected_headers"] is not None
        assert rfx.run(o["run_id"])["status"] == "completed"
    row = rfx.delivery(body_pending["delivery_id"])
    assert row["raw_body"] is not None and row["body_pruned_at"] is None
    for o in recent:
        row = rfx.delivery(o["delivery_id"])
        assert row["raw_body"] is not None and row["body_pruned_at"] is None
        assert rfx.run(o["run_id"]) is not None
    assert rfx.delivery(replay["id"])["replayed_from_delivery_id"] is None
    # what it did is in the metric, served by the pool
    after = totals(front)
    assert {k: after[k] - metrics_before[k] for k in after} == {
        "deliveries": 7, "runs": 5, "bodies": 2}

    # the API shows when a body went, in the list and the detail; a replay says why not
    pruned_id = body_done[0]["delivery_id"]
    listed = {d["id"]: d for d in read.ok("GET", "/api/autopilots/%s/deliveries?limit=100"
                                          % trig.autopilot_id)["deliveries"]}
    assert set(listed[pruned_id]) == DELIVERY_FIELDS
    assert listed[pruned_id]["body_pruned_at"] is not None
    assert listed[body_pending["delivery_id"]]["body_pruned_at"] is None
    detail = read.ok("GET", "/api/autopilots/%s/deliveries/%s" % (trig.autopilot_id, pruned_id))
    d = detail["delivery"]
    assert set(d) == DELIVERY_DETAIL_FIELDS
    assert d["raw_body"] is None and d["raw_body_encoding"] is None
    assert d["body_pruned_at"] == listed[pruned_id]["body_pruned_at"]
    assert rstack.ctl("delivery", "show", pruned_id) == d
    err = write.ok("POST", "/api/autopilots/%s/deliveries/%s/replay"
                   % (trig.autopilot_id, pruned_id), status=400)
    assert err == {"error": PRUNED}
    p = rstack.ctl.raw("delivery", "replay", pruned_id)
    assert p.returncode == 1 and PRUNED in p.stderr, p.stderr

    # nothing more to do: the next prune changes nothing
    again_before = snapshot(rdb)[:2]
    assert prune(rstack)[0] == {"deliveries_deleted": 0, "runs_deleted": 0, "bodies_pruned": 0,
                                "dry_run": False}
    assert snapshot(rdb)[:2] == again_before


def test_prune_options_replace_the_keys(rstack, rdb, rfx):
    trig = rfx.trigger()
    a, b = (hook_ok(rfx.front, trig, {"event": "bb.opt", "n": i}) for i in range(2))
    for o in (a, b):
        set_run(rdb, o["run_id"], "completed")
    age(rdb, [a["delivery_id"]], 20)
    age(rdb, [b["delivery_id"]], 3)
    assert prune(rstack, "--older-than", "30", "--bodies-older-than", "2", "--dry-run")[0] == {
        "deliveries_deleted": 0, "runs_deleted": 0, "bodies_pruned": 2, "dry_run": True}
    assert prune(rstack, "--older-than=15", "--bodies-older-than=0", "--dry-run")[0] == {
        "deliveries_deleted": 1, "runs_deleted": 1, "bodies_pruned": 0, "dry_run": True}
    # 0 keeps forever, as the keys' 0 does
    assert prune(rstack, "--older-than", "0", "--bodies-older-than", "0")[0] == {
        "deliveries_deleted": 0, "runs_deleted": 0, "bodies_pruned": 0, "dry_run": False}
    out, err = prune(rstack, "--older-than", "15", "--verbose")
    assert out == {"deliveries_deleted": 1, "runs_deleted": 1, "bodies_pruned": 0,
                   "dry_run": False}
    assert re.search(r"^hookgatectl: prune: deliveries batch 1: 1 rows, 1 runs in [0-9.]+ s$",
                     err, re.M), err
    assert rfx.delivery(a["delivery_id"]) is None and rfx.delivery(b["delivery_id"]) is not None
    for bad in (["--older-than", "-1"], ["--older-than", "36501"], ["--older-than", "7d"],
                ["--bodies-older-than", ""], ["--bodies-older-than", "1.5"]):
        p = rstack.ctl.raw("prune", *bad)
        assert p.returncode == 1 and p.stdout == "", (bad, p.stdout)
        assert p.stderr.startswith("hookgatectl: invalid --") and "days" in p.stderr, p.stderr
    p = rstack.ctl.raw("prune", "--dry-run=yes")
    assert p.returncode == 2 and "--dry-run" in p.stderr


def test_sender_retry_after_prune_is_a_new_delivery(rstack, rdb, rfx):
    """SPEC 12: a pruned delivery's dedupe key is free again (doc/api.md, Retention)."""
    trig = rfx.trigger()
    headers = {"Idempotency-Key": "bb-retry-after-prune"}
    first = hook_ok(rfx.front, trig, {"event": "bb.retry"}, headers=headers)
    set_run(rdb, first["run_id"], "completed")
    dup = hook_ok(rfx.front, trig, {"event": "bb.retry"}, headers=headers)
    assert dup["status"] == "duplicate" and dup["delivery_id"] == first["delivery_id"]
    age(rdb, [first["delivery_id"]], 40)
    # aged but not pruned yet: still a duplicate
    assert hook_ok(rfx.front, trig, {"event": "bb.retry"}, headers=headers)["status"] == "duplicate"
    assert prune(rstack)[0]["deliveries_deleted"] == 1
    again = hook_ok(rfx.front, trig, {"event": "bb.retry"}, headers=headers)
    assert again["status"] == "accepted"
    assert again["delivery_id"] != first["delivery_id"]
    row = rfx.delivery(again["delivery_id"])
    assert row["dedupe_key"] == "bb-retry-after-prune" and row["attempt_count"] == 1


# ---------------------------------------------------------------- at scale

BIG = 200000
SENDERS = 8


def p99(samples):
    s = sorted(samples)
    return s[max(0, int(len(s) * 0.99) - 1)]


def send_for(front, trig, stop, per_sender, deadline):
    """SENDERS clients sending webhooks until stop is set (at least 10 each), per_sender each at most.

    Returns (latencies in seconds, delivery ids)."""
    lat, ids, lock = [], [], threading.Lock()

    def client(c):
        with requests.Session() as s:
            for i in range(per_sender):
                if i >= 10 and (stop.is_set() or time.monotonic() > deadline):
                    return
                t0 = time.monotonic()
                resp = front.hook(trig, {"event": "bb.live", "c": c, "i": i}, session=s)
                took = time.monotonic() - t0
                assert resp.status_code == 200, resp.text
                with lock:
                    lat.append(took)
                    ids.append(resp.json()["delivery_id"])

    with concurrent.futures.ThreadPoolExecutor(SENDERS) as ex:
        list(ex.map(client, range(SENDERS)))
    return lat, ids


@pytest.fixture(scope="module")
def big_prune(rstack, rdb):
    """200,000 aged deliveries (a few with finished runs), pruned while 8 clients send webhooks.

    The ingress latency is measured without prune before and after, and during it."""
    fx = Fixtures(rstack.ctl, rdb, Front("retention", rstack.fastcgi))
    old = fx.trigger()
    ap, ws = old.autopilot_id, fx.workspace["id"]
    # one INSERT: ignored deliveries (no run) spread over 40-41 days ago
    rdb.execute(
        "INSERT INTO webhook_delivery (workspace_id, autopilot_id, trigger_id, provider, event,"
        "  signature_status, status, raw_body, content_type, response_status, response_body,"
        "  received_at)"
        " SELECT %s, %s, %s, 'generic', 'bb.aged', 'not_required', 'ignored', '\\x7b7d',"
        "        'application/json', 200, '{}', now() - interval '40 days' - make_interval(secs => g)"
        "   FROM generate_series(1, %s) g", (ws, ap, old.id, BIG - 1000))
    # and 1000 dispatched ones with completed runs, the two written in one statement
    rdb.execute(
        "WITH g AS (SELECT gen_random_uuid() AS d, gen_random_uuid() AS r, n"
        "             FROM generate_series(1, 1000) n),"
        " dd AS (INSERT INTO webhook_delivery (id, workspace_id, autopilot_id, trigger_id,"
        "          provider, event, signature_status, status, raw_body, response_status,"
        "          response_body, autopilot_run_id, received_at)"
        "        SELECT d, %s, %s, %s, 'generic', 'bb.aged', 'not_required', 'dispatched',"
        "               '\\x7b7d', 200, '{}', r, now() - interval '40 days' - make_interval(secs => n)"
        "          FROM g RETURNING 1)"
        " INSERT INTO autopilot_run (id, autopilot_id, trigger_id, webhook_delivery_id, source,"
        "   status, trigger_payload, completed_at)"
        " SELECT r, %s, %s, d, 'webhook', 'completed', '{}', now() FROM g",
        (ws, ap, old.id, ap, old.id))
    rdb.execute("ANALYZE webhook_delivery")
    rdb.execute("ANALYZE autopilot_run")

    live = fx.trigger()
    front = fx.front
    hook_ok(front, live, {"event": "bb.warm"})
    never = threading.Event()
    base1, _ = send_for(front, live, never, 40, time.monotonic() + 120)

    # prune in the background, the clients sending while it runs
    stop = threading.Event()
    result = {}

    def run_prune():
        t0 = time.monotonic()
        try:
            result["proc"] = subprocess.run(
                [harness.CTL, "-c", rstack.config, "prune", "--verbose"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, env=harness.clean_env(), timeout=300)
        finally:
            result["seconds"] = time.monotonic() - t0
            stop.set()

    pruner = threading.Thread(target=run_prune)
    with_ids = []
    pruner.start()
    try:
        during, with_ids = send_for(front, live, stop, 400, time.monotonic() + 300)
    finally:
        pruner.join(330)
    assert not pruner.is_alive() and "proc" in result, "prune did not finish"
    base2, _ = send_for(front, live, never, 40, time.monotonic() + 120)
    yield {"prune": result, "base": (base1, base2), "during": during, "fx": fx,
           "live": live, "live_ids": with_ids, "old": old}
    forget(rdb, fx)


def test_prune_200k_rows_in_short_batches(big_prune, rdb):
    p = big_prune["prune"]["proc"]
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["deliveries_deleted"] == BIG and out["runs_deleted"] == 1000, out
    batches = re.findall(r"^hookgatectl: prune: deliveries batch (\d+): (\d+) rows(?:, (\d+) runs)?"
                         r" in ([0-9.]+) s$", p.stderr, re.M)
    assert len(batches) == BIG // 1000, p.stderr[-2000:]
    assert sum(int(b[1]) for b in batches) == BIG
    assert all(int(b[1]) <= 1000 for b in batches)
    slowest = max(float(b[3]) for b in batches)
    print("prune of %d rows: %.1f s, %d batches, the longest %.3f s"
          % (BIG, big_prune["prune"]["seconds"], len(batches), slowest))
    # every batch is one transaction: none held its locks for a second
    assert slowest < 1.0, [b for b in batches if float(b[3]) >= 1.0]
    assert rdb.execute("SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s",
                       (big_prune["old"].id,)).fetchone()["n"] == 0


def test_prune_while_clients_send_does_not_delay_them(big_prune):
    base1, base2 = big_prune["base"]
    during = big_prune["during"]
    base = max(p99(base1), p99(base2))
    print("ingress p99: %.3f s and %.3f s without prune, %.3f s during it (%d requests)"
          % (p99(base1), p99(base2), p99(during), len(during)))
    assert len(during) >= SENDERS * 10
    assert p99(during) <= base + 0.100, (p99(during), base)
    # nothing of what came in meanwhile was touched
    fx = big_prune["fx"]
    for d in big_prune["live_ids"]:
        row = fx.delivery(d)
        assert row is not None and row["raw_body"] is not None and row["body_pruned_at"] is None
        assert fx.run(row["autopilot_run_id"]) is not None
