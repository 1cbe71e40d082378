"""The ingest under load (SPEC 2, 3.1 step 9, 3.6): deferral instead of refusal, rows written once, NOTIFY after the commit."""

import datetime
import threading
import time
import uuid

import psycopg
import pytest
import requests

from harness import assert_json_response


def _claim(front, key, runtime_id):
    return requests.post(front.url("/api/runs/claim"), json={"runtime_id": runtime_id},
                         headers={"Authorization": "Bearer " + key}, timeout=30)


def _ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


# ---------------------------------------------------------------- deferral

def test_token_rate_defers_and_never_refuses(make_pool, fx, db):
    pool, front = make_pool(workers=2, token_rate=5)
    trig = fx.trigger()

    def db_now():
        return db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]

    t0 = db_now()
    answers = [assert_json_response(front.hook(trig, {"n": i}), 200) for i in range(8)]
    t1 = db_now()
    assert [a["status"] for a in answers] == ["accepted"] * 8, answers
    deferred = [a for a in answers if "available_at" in a]
    assert len(deferred) == 3, answers
    assert deferred == answers[5:], "the first 5 of a minute start at once"
    assert all(set(a) == {"status", "delivery_id", "run_id", "autopilot_id", "trigger_id"}
               for a in answers[:5])
    at = [_ts(a["available_at"]) for a in deferred]
    # 5 per minute: the 6th 12 s after the first, then one every 12 s
    second = datetime.timedelta(seconds=1)
    assert t0 + 11 * second < at[0] < t1 + 13 * second, (t0, at, t1)
    assert 11 * second <= at[1] - at[0] <= 13 * second, at
    assert 23 * second <= at[2] - at[0] <= 25 * second, at
    for a in answers:
        run = fx.run(a["run_id"])
        assert run["status"] == "pending"
        if "available_at" in a:
            assert run["available_at"] == _ts(a["available_at"])
            assert '"available_at"' in fx.delivery(a["delivery_id"])["response_body"]
        else:
            assert run["available_at"] <= t1
    # a claim never hands a run out before its available_at
    runtime = fx.runtime("deferral")
    key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "write")["key"]
    claimed = []
    for _ in range(10):
        resp = _claim(front, key, runtime["id"])
        t = db_now()
        if resp.status_code == 204:
            break
        assert resp.status_code == 200, resp.text
        run = fx.run(resp.json()["run"]["id"])
        assert run["available_at"] <= t, "claimed before its available_at"
        claimed.append(str(run["id"]))
    assert resp.status_code == 204, "more claims than runs"
    assert {a["run_id"] for a in answers[:5]} <= set(claimed)
    waiting = [a for a, when in zip(deferred, at) if when > t]
    assert waiting, "every deferred run came due during the claims (a very slow machine)"
    assert not {a["run_id"] for a in waiting} & set(claimed)
    # its time come, it is claimable
    db.execute("UPDATE autopilot_run SET available_at = now() - interval '1 s' WHERE id = %s",
               (waiting[0]["run_id"],))
    resp = _claim(front, key, runtime["id"])
    assert resp.status_code == 200 and resp.json()["run"]["id"] == waiting[0]["run_id"]
    # another trigger has its own schedule
    other = fx.trigger()
    assert "available_at" not in assert_json_response(front.hook(other, {"n": 1}), 200)


def test_duplicates_and_ignored_deliveries_defer_nothing(make_pool, fx):
    pool, front = make_pool(workers=2, token_rate=2)
    trig = fx.trigger()
    key = {"Idempotency-Key": "defer-dup"}
    first = assert_json_response(front.hook(trig, {"n": 1}, headers=key), 200)
    assert "available_at" not in first
    # ignored (filtered out) deliveries are not charged to the schedule
    fx.db.execute("UPDATE autopilot_trigger SET event_filters = '[{\"event\":\"wanted\"}]'"
                  " WHERE id = %s", (trig.id,))
    for i in range(3):
        out = assert_json_response(front.hook(trig, {"event": "unwanted"}), 200)
        assert out["status"] == "ignored"
    second = assert_json_response(front.hook(trig, {"event": "wanted"}), 200)
    assert second["status"] == "accepted" and "available_at" not in second, second
    third = assert_json_response(front.hook(trig, {"event": "wanted"}), 200)
    assert "available_at" in third, third


def test_token_ceiling_is_the_only_per_token_429(make_pool, fx):
    pool, front = make_pool(workers=2, token_ceiling=3, token_rate=1)
    trig = fx.trigger()
    codes = [front.hook(trig, {"n": i}).status_code for i in range(3)]
    assert codes == [200, 200, 200]
    resp = front.hook(trig, {"n": 4})
    assert assert_json_response(resp, 429) == {"error": "rate limit exceeded"}
    assert int(resp.headers["Retry-After"]) >= 1
    assert len(fx.deliveries(trig)) == 3


# ---------------------------------------------------------------- rows written once

def test_new_deliveries_update_no_delivery_row(pool_front, fx, db):
    """SPEC 3.1 step 9: each row is written once, in its final state: no UPDATE touches it.

    Counted by a row trigger on webhook_delivery for the test's own triggers (the table's
    n_tup_upd also counts earlier tests' updates, which PostgreSQL may report seconds late)."""
    db.execute("CREATE TABLE bb_delivery_update (delivery_id uuid, trigger_id uuid)")
    db.execute("CREATE FUNCTION bb_delivery_update() RETURNS trigger LANGUAGE plpgsql AS $$"
               " BEGIN INSERT INTO bb_delivery_update VALUES (NEW.id, NEW.trigger_id); RETURN NEW;"
               " END $$")
    db.execute("CREATE TRIGGER bb_delivery_update AFTER UPDATE ON webhook_delivery"
               " FOR EACH ROW EXECUTE FUNCTION bb_delivery_update()")
    try:
        trig = fx.trigger()
        offline = fx.trigger(runtime=fx.runtime("never-seen"))
        for i in range(10):
            assert assert_json_response(pool_front.hook(trig, {"n": i},
                                                        headers={"Idempotency-Key": "once-%d" % i}),
                                        200)["status"] == "accepted"
            assert assert_json_response(pool_front.hook(offline, {"n": i}), 200)["status"] == "skipped"
        # the counter works: a duplicate counts its attempt on the row (an update)
        assert assert_json_response(pool_front.hook(trig, {"n": 0}, headers={
            "Idempotency-Key": "once-0"}), 200)["status"] == "duplicate"
        updated = db.execute("SELECT trigger_id, count(*) AS n FROM bb_delivery_update"
                             " WHERE trigger_id = ANY(%s::uuid[]) GROUP BY trigger_id",
                             ([trig.id, offline.id],)).fetchall()
    finally:
        db.execute("DROP TRIGGER bb_delivery_update ON webhook_delivery")
        db.execute("DROP FUNCTION bb_delivery_update()")
        db.execute("DROP TABLE bb_delivery_update")
    assert [(str(r["trigger_id"]), r["n"]) for r in updated] == [(trig.id, 1)], updated
    assert len(fx.deliveries(trig)) == 10 and len(fx.deliveries(offline)) == 10
    for d in fx.deliveries(trig):
        assert d["status"] == "dispatched" and d["autopilot_run_id"] is not None


def test_ids_are_time_ordered_uuidv7(pool_front, fx):
    trig = fx.trigger()
    outs = [assert_json_response(pool_front.hook(trig, {"n": i}), 200) for i in range(3)]
    for o in outs:
        for k in ("delivery_id", "run_id"):
            u = uuid.UUID(o[k])
            assert u.version == 7, o
            ms = int.from_bytes(u.bytes[:6], "big")
            assert abs(ms / 1000 - time.time()) < 300, o
    ids = [o["delivery_id"] for o in outs]
    assert ids == sorted(ids)


# ---------------------------------------------------------------- NOTIFY after the commit

def test_notify_arrives_after_the_commit_for_each_pending_run(pool_front, fx, stack):
    """SPEC 3.6: NOTIFY hookgate_run for each pending run, sent once the run is committed."""
    listener = psycopg.connect(stack.cluster.conninfo, autocommit=True)
    checker = psycopg.connect(stack.cluster.conninfo, autocommit=True)
    notes, visible = [], []
    try:
        def on_note(n):
            notes.append(n.payload)
            row = checker.execute("SELECT status FROM autopilot_run WHERE id = %s",
                                  (n.payload,)).fetchone()
            visible.append(row is not None)
        listener.add_notify_handler(on_note)
        listener.execute("LISTEN hookgate_run")
        trig = fx.trigger()
        runs = [assert_json_response(pool_front.hook(trig, {"n": i}), 200)["run_id"]
                for i in range(12)]
        dup = assert_json_response(pool_front.hook(trig, {"n": 0}, headers={"Idempotency-Key": "nk"}),
                                   200)
        runs.append(dup["run_id"])
        again = assert_json_response(pool_front.hook(trig, {"n": 0},
                                                     headers={"Idempotency-Key": "nk"}), 200)
        assert again["status"] == "duplicate"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not set(runs) <= set(notes):
            listener.execute("SELECT 1")
            time.sleep(0.05)
        listener.execute("SELECT 1")
    finally:
        listener.close()
        checker.close()
    assert set(runs) <= set(notes), (len(runs), len(notes))
    assert notes.count(dup["run_id"]) == 1, "a duplicate notifies nobody"
    assert all(visible), "a notification came before its run was committed"


# ---------------------------------------------------------------- concurrency, again

@pytest.mark.parametrize("n", [100])
def test_two_pools_one_key_many_requests(make_pool, fx, n):
    """SPEC 8.2 after the redesign: two pools, one key, n requests: 1 live delivery, 1 run."""
    _, front_a = make_pool(workers=4)
    _, front_b = make_pool(workers=4)
    trig = fx.trigger()
    headers = {"Idempotency-Key": "two-pools-" + uuid.uuid4().hex}
    barrier = threading.Barrier(20)
    answers, lock = [], threading.Lock()

    def client(c):
        front = front_a if c % 2 else front_b
        with requests.Session() as s:
            barrier.wait()
            for i in range(n // 20):
                r = front.hook(trig, {"event": "two.pools"}, headers=headers, session=s, timeout=60)
                with lock:
                    answers.append(r)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == n
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers if r.status_code != 200][:3]
    statuses = sorted(r.json()["status"] for r in answers)
    assert statuses.count("accepted") == 1 and statuses.count("duplicate") == n - 1, statuses
    assert len({r.json()["delivery_id"] for r in answers}) == 1
    assert len({r.json()["run_id"] for r in answers}) == 1
    rows = fx.deliveries(trig)
    assert len(rows) == 1 and rows[0]["attempt_count"] == n
    assert len(fx.runs(trig)) == 1


# ---------------------------------------------------------------- the accepted path, decided at the lookup

def test_trigger_deleted_between_the_lookup_and_the_insert_answers_404(pool_front, fx, stack):
    """The accepted path takes the lookup's reading of the trigger; a trigger deleted after it
    fails the insert's foreign key, and the answer is 404 with nothing stored."""
    trig = fx.trigger()
    blocker = psycopg.connect(stack.cluster.conninfo)  # a transaction: holds its lock to the commit
    watcher = psycopg.connect(stack.cluster.conninfo, autocommit=True)
    answer = {}
    try:
        # inserts wait (ROW EXCLUSIVE conflicts), the lookup's reads do not
        blocker.execute("LOCK TABLE webhook_delivery IN SHARE ROW EXCLUSIVE MODE")
        sender = threading.Thread(target=lambda: answer.update(r=pool_front.hook(trig, {"n": 1}, timeout=60)))
        sender.start()
        deadline = time.monotonic() + 30
        while watcher.execute("SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                              " WHERE c.relname = 'webhook_delivery' AND NOT l.granted").fetchone()[0] == 0:
            assert time.monotonic() < deadline, "the webhook's insert never waited for the lock"
            assert sender.is_alive(), answer
            time.sleep(0.02)
        blocker.execute("DELETE FROM autopilot_trigger WHERE id = %s", (trig.id,))
        blocker.commit()
        sender.join(60)
    finally:
        blocker.close()
        watcher.close()
    r = answer["r"]
    assert_json_response(r, 404)
    assert r.json() == {"error": "webhook not found"}
    assert fx.db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s",
                         (trig.id,)).fetchone()["n"] == 0
    assert fx.db.execute("SELECT count(*) AS n FROM autopilot_run WHERE trigger_id = %s",
                         (trig.id,)).fetchone()["n"] == 0


def test_retry_after_an_ignored_delivery_is_its_duplicate(pool_front, fx):
    """An ignored delivery holds its key: the sender's retry once the trigger is enabled again
    takes the accepted path and is its duplicate, with no run."""
    trig = fx.trigger()
    headers = {"Idempotency-Key": "ignored-then-" + uuid.uuid4().hex}
    fx.db.execute("UPDATE autopilot_trigger SET enabled = false WHERE id = %s", (trig.id,))
    first = assert_json_response(pool_front.hook(trig, {"n": 1}, headers=headers), 200)
    assert first["status"] == "ignored" and first["reason"] == "trigger_disabled", first
    fx.db.execute("UPDATE autopilot_trigger SET enabled = true WHERE id = %s", (trig.id,))
    again = assert_json_response(pool_front.hook(trig, {"n": 1}, headers=headers), 200)
    assert again == {"status": "duplicate", "delivery_id": first["delivery_id"], "run_id": None}, again
    fresh = assert_json_response(pool_front.hook(trig, {"n": 2}), 200)
    assert fresh["status"] == "accepted", fresh
    rows = fx.deliveries(trig)
    assert [(d["status"], d["attempt_count"]) for d in rows] == [("ignored", 2), ("dispatched", 1)]
    assert [str(r["id"]) for r in fx.runs(trig)] == [fresh["run_id"]]
