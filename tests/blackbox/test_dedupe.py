"""Dedupe (SPEC 3.5, 3.1 step 9, 8.2): one live delivery and one run per trigger and key."""

import threading
import uuid

import pytest
import requests

from harness import assert_json_response, assert_recorded

SECRET = "bb-dedupe-secret-0123456789"


def test_idempotency_key_twice_is_duplicate(front, fx):
    trig = fx.trigger()
    key = "idem-" + uuid.uuid4().hex
    first = front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key})
    a = assert_json_response(first, 200)
    assert a["status"] == "accepted"
    second = front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key})
    b = assert_json_response(second, 200)
    assert b == {"status": "duplicate", "delivery_id": a["delivery_id"], "run_id": a["run_id"]}

    rows = fx.deliveries(trig)
    assert len(rows) == 1
    d = rows[0]
    assert d["attempt_count"] == 2
    assert d["dedupe_key"] == key
    assert d["dedupe_source"] == "idempotency-key"
    assert d["last_attempt_at"] >= d["received_at"]
    # the original row keeps its own response, not the duplicate's
    assert_recorded(first, d)
    assert len(fx.runs(trig)) == 1


def test_github_delivery_header(pool_front, fx):
    trig = fx.trigger(provider="github")
    gh = str(uuid.uuid4())
    headers = {"X-GitHub-Delivery": gh, "X-GitHub-Event": "push", "Idempotency-Key": "other"}
    a = assert_json_response(pool_front.hook(trig, {"ref": "x"}, headers=headers), 200)
    d = fx.delivery(a["delivery_id"])
    assert d["dedupe_source"] == "x-github-delivery"
    assert d["dedupe_key"] == gh
    b = assert_json_response(pool_front.hook(trig, {"ref": "x"}, headers=headers), 200)
    assert b["status"] == "duplicate" and b["delivery_id"] == a["delivery_id"]


def test_generic_prefers_idempotency_key(pool_front, fx):
    trig = fx.trigger()
    headers = {"X-GitHub-Delivery": "gh-1", "Idempotency-Key": "idem-pref-1"}
    a = assert_json_response(pool_front.hook(trig, {"a": 1}, headers=headers), 200)
    d = fx.delivery(a["delivery_id"])
    assert (d["dedupe_source"], d["dedupe_key"]) == ("idempotency-key", "idem-pref-1")
    only_gh = {"X-GitHub-Delivery": "gh-only-1"}
    a = assert_json_response(pool_front.hook(trig, {"a": 1}, headers=only_gh), 200)
    d = fx.delivery(a["delivery_id"])
    assert (d["dedupe_source"], d["dedupe_key"]) == ("x-github-delivery", "gh-only-1")


def test_no_key_means_new_deliveries(pool_front, fx):
    trig = fx.trigger()
    a = assert_json_response(pool_front.hook(trig, {"a": 1}), 200)
    b = assert_json_response(pool_front.hook(trig, {"a": 1}, headers={"Idempotency-Key": ""}), 200)
    assert a["status"] == b["status"] == "accepted"
    assert a["delivery_id"] != b["delivery_id"]
    assert len(fx.deliveries(trig)) == 2
    assert len(fx.runs(trig)) == 2
    assert fx.delivery(b["delivery_id"])["dedupe_key"] is None


def test_keys_are_per_trigger(pool_front, fx):
    t1 = fx.trigger()
    t2 = fx.trigger(autopilot=t1.autopilot)
    key = {"Idempotency-Key": "shared-key"}
    a = assert_json_response(pool_front.hook(t1, {"a": 1}, headers=key), 200)
    b = assert_json_response(pool_front.hook(t2, {"a": 1}, headers=key), 200)
    assert a["status"] == b["status"] == "accepted"
    assert a["delivery_id"] != b["delivery_id"]


def test_three_sequential_retries_one_run(front, fx):
    trig = fx.trigger()
    key = "seq-" + uuid.uuid4().hex
    outs = [assert_json_response(front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key}), 200)
            for _ in range(3)]
    assert [o["status"] for o in outs] == ["accepted", "duplicate", "duplicate"]
    assert len({o["delivery_id"] for o in outs}) == 1
    assert len({o["run_id"] for o in outs}) == 1
    rows = fx.deliveries(trig)
    assert len(rows) == 1 and rows[0]["attempt_count"] == 3
    assert len(fx.runs(trig)) == 1


@pytest.mark.parametrize("n", [50])
def test_concurrent_identical_requests(front, fx, n):
    trig = fx.trigger()
    key = "conc-" + uuid.uuid4().hex
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        with requests.Session() as s:
            barrier.wait()
            try:
                results[i] = front.hook(trig, {"n": 1}, headers={"Idempotency-Key": key},
                                        session=s, timeout=60)
            except Exception as e:  # recorded and reported below
                results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    errors = [r for r in results if not isinstance(r, requests.Response)]
    assert not errors, errors[:3]
    codes = sorted(r.status_code for r in results)
    assert codes == [200] * n, [(r.status_code, r.text) for r in results if r.status_code != 200][:5]
    bodies = [r.json() for r in results]
    assert sorted(b["status"] for b in bodies) == ["accepted"] + ["duplicate"] * (n - 1)
    assert len({b["delivery_id"] for b in bodies}) == 1
    assert len({b["run_id"] for b in bodies}) == 1
    assert None not in {b["run_id"] for b in bodies}

    rows = fx.deliveries(trig)
    assert len(rows) == 1
    assert rows[0]["attempt_count"] == n
    assert len(fx.runs(trig)) == 1


def test_rejected_never_collapses_onto_earlier_delivery(pool_front, fx):
    trig = fx.trigger(secret=SECRET)
    key = {"Idempotency-Key": "rej-collapse-1"}
    a = assert_json_response(pool_front.hook(trig, {"a": 1}, headers=key, secret=SECRET), 200)
    assert a["status"] == "accepted"
    resp = pool_front.hook(trig, {"a": 1}, headers=key, secret="wrong-secret-wwwwwwwwww")
    b = assert_json_response(resp, 401)
    assert b["status"] == "rejected" and b["delivery_id"] != a["delivery_id"]
    assert fx.delivery(a["delivery_id"])["attempt_count"] == 1
    assert_recorded(resp, fx.delivery(b["delivery_id"]))


def test_rejected_does_not_block_signed_retry(front, fx):
    trig = fx.trigger(secret=SECRET)
    key = {"Idempotency-Key": "rej-then-ok-" + uuid.uuid4().hex}
    bad = front.hook(trig, {"a": 1}, headers=key, secret="wrong-secret-wwwwwwwwww")
    r = assert_json_response(bad, 401)
    good = front.hook(trig, {"a": 1}, headers=key, secret=SECRET)
    g = assert_json_response(good, 200)
    assert g["status"] == "accepted"
    assert g["delivery_id"] != r["delivery_id"]
    rows = {str(d["id"]): d for d in fx.deliveries(trig)}
    assert rows[r["delivery_id"]]["status"] == "rejected"
    assert rows[g["delivery_id"]]["status"] == "dispatched"
    assert rows[g["delivery_id"]]["dedupe_key"] == key["Idempotency-Key"]
    assert len(fx.runs(trig)) == 1
    again = assert_json_response(front.hook(trig, {"a": 1}, headers=key, secret=SECRET), 200)
    assert again["status"] == "duplicate" and again["delivery_id"] == g["delivery_id"]


def test_failed_dispatch_does_not_block_retry(pool_front, fx, db):
    trig = fx.trigger()
    suffix = uuid.uuid4().hex[:12]
    fn, tg = "bb_fail_run_" + suffix, "bb_fail_run_" + suffix
    db.execute("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "IF NEW.autopilot_id = '%s' THEN "
               "RAISE EXCEPTION 'bb forced dispatch failure %s'; END IF; RETURN NEW; END $$"
               % (fn, trig.autopilot_id, suffix))
    db.execute("CREATE TRIGGER %s BEFORE INSERT ON autopilot_run FOR EACH ROW EXECUTE FUNCTION %s()"
               % (tg, fn))
    key = {"Idempotency-Key": "fail-then-ok-" + suffix}
    try:
        resp = pool_front.hook(trig, {"a": 1}, headers=key)
        out = assert_json_response(resp, 500)
        assert out == {"error": "failed to dispatch autopilot"}
        assert "bb forced" not in resp.text
    finally:
        db.execute("DROP TRIGGER IF EXISTS %s ON autopilot_run" % tg)
        db.execute("DROP FUNCTION IF EXISTS %s()" % fn)
    rows = fx.deliveries(trig)
    assert len(rows) == 1
    failed = rows[0]
    assert failed["status"] == "failed"
    assert failed["error"] and "bb forced dispatch failure" in failed["error"]
    assert failed["autopilot_run_id"] is None
    assert_recorded(resp, failed)
    assert fx.runs(trig) == []
    assert fx.last_fired_at(trig) is None
    assert fx.last_run_at(trig) is None

    retry = pool_front.hook(trig, {"a": 1}, headers=key)
    ok = assert_json_response(retry, 200)
    assert ok["status"] == "accepted"
    assert ok["delivery_id"] != str(failed["id"])
    assert fx.delivery(str(failed["id"]))["status"] == "failed"
    assert len(fx.runs(trig)) == 1
    assert_recorded(retry, fx.delivery(ok["delivery_id"]))


def test_two_pools_on_one_database_collapse_retries(make_pool, fx):
    """SPEC 8.2: whatever the number of pools (or hosts) on one database, one live delivery."""
    import concurrent.futures

    _, front_a = make_pool(workers=4)
    _, front_b = make_pool(workers=4)
    trig = fx.trigger()
    body = {"event": "two.pools"}
    headers = {"Idempotency-Key": "across-pools"}

    def send(i):
        front = front_a if i % 2 else front_b
        return front.hook(trig, body, headers=headers)

    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        answers = [r for r in ex.map(send, range(40))]
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers if r.status_code != 200]
    statuses = sorted(r.json()["status"] for r in answers)
    assert statuses.count("accepted") == 1 and statuses.count("duplicate") == 39, statuses
    ids = {r.json()["delivery_id"] for r in answers}
    runs = {r.json()["run_id"] for r in answers}
    assert len(ids) == 1 and len(runs) == 1
    rows = fx.deliveries(trig)
    assert len(rows) == 1 and rows[0]["attempt_count"] == 40
    assert len(fx.runs(trig)) == 1
