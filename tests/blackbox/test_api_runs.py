"""Runs API (SPEC 4.1, 4.5): list, detail, and the worker protocol: claim, heartbeat, complete, fail."""

import concurrent.futures
import datetime
import time

import pytest
import requests

from harness import assert_json_response
from runhelp import (RUN_DETAIL_FIELDS, RUN_FIELDS, Api, hook_ok, hooks, keys, other_workspace,
                     random_id, walk)


@pytest.fixture
def api(fx, pool_front):
    write, read = keys(fx, pool_front)
    return type("A", (), {"w": write, "r": read, "front": pool_front})


def rpath(trig, run_id=None):
    p = "/api/autopilots/%s/runs" % trig.autopilot_id
    return p + "/" + run_id if run_id else p


def claim(a, runtime_id, status=200, **extra):
    body = {"runtime_id": runtime_id}
    body.update(extra)
    resp = a.post("/api/runs/claim", body)
    if status == 204:
        assert resp.status_code == 204, resp.text
        assert resp.content == b""
        return None
    return assert_json_response(resp, status)


def finish(a, run_id, what, body, status=200):
    return a.ok("POST", "/api/runs/%s/%s" % (run_id, what), body=body, status=status)


# ---------------------------------------------------------------- list and detail

def test_list_and_show_on_both_fronts(fx, front, db):
    write, read = keys(fx, front)
    trig = fx.trigger()
    sent = [hook_ok(front, trig, {"event": "bb.run", "n": i}) for i in range(3)]
    for a in (write, read):
        out = a.ok("GET", rpath(trig))
        assert set(out) == {"runs", "next_cursor"} and out["next_cursor"] is None
        assert [r["id"] for r in out["runs"]] == [s["run_id"] for s in reversed(sent)]
        for r, s in zip(out["runs"], reversed(sent)):
            assert set(r) == RUN_FIELDS, r
            assert r["webhook_delivery_id"] == s["delivery_id"]
            assert r["source"] == "webhook" and r["status"] == "pending"
            assert r["autopilot_id"] == trig.autopilot_id and r["trigger_id"] == trig.id
            assert r["claimed_by"] is None and r["result"] is None
        one = a.ok("GET", rpath(trig, sent[0]["run_id"]))
        assert set(one) == {"run"} and set(one["run"]) == RUN_DETAIL_FIELDS
        assert one["run"]["trigger_payload"] == fx.run(sent[0]["run_id"])["trigger_payload"]
        assert one["run"]["trigger_payload"]["eventPayload"] == {"event": "bb.run", "n": 0}


def test_list_pagination(fx, api):
    trig = fx.trigger()
    sent = hooks(api.front, trig, 7, workers=4)
    ids = {s["run_id"] for s in sent}
    pages = walk(api.r, rpath(trig), 3)
    assert [len(p["runs"]) for p in pages] == [3, 3, 1]
    walked = [r["id"] for p in pages for r in p["runs"]]
    assert set(walked) == ids and len(walked) == 7
    rows = fx.runs(trig)
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    assert walked == [str(r["id"]) for r in rows]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "before=garbage"])
def test_list_bad_query(fx, api, query):
    trig = fx.trigger()
    assert api.w.ok("GET", rpath(trig) + "?" + query, status=400)["error"]


def test_list_and_show_scoping(fx, api):
    trig = fx.trigger()
    trig2 = fx.trigger()
    mine = hook_ok(api.front, trig, {"event": "bb.mine"})
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    assert api.w.ok("GET", rpath(other), status=404) == {"error": "autopilot not found"}
    assert api.w.ok("GET", rpath(other, theirs["run_id"]), status=404) == \
        {"error": "autopilot not found"}
    assert api.w.ok("GET", rpath(trig, theirs["run_id"]), status=404) == {"error": "run not found"}
    assert api.w.ok("GET", rpath(trig2, mine["run_id"]), status=404) == {"error": "run not found"}
    assert api.w.ok("GET", rpath(trig, random_id()), status=404) == {"error": "run not found"}
    assert api.w.ok("GET", "/api/autopilots/%s/runs" % random_id(), status=404) == \
        {"error": "autopilot not found"}
    assert api.w.ok("GET", rpath(trig, "1234"), status=400) == {"error": "invalid run id"}
    assert assert_json_response(Api(api.front, None).get(rpath(trig)), 401) == \
        {"error": "unauthorized"}
    assert api.w.ok("GET", rpath(trig2))["runs"] == []


# ---------------------------------------------------------------- claim

def test_claim_oldest_first_then_204(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = [hook_ok(api.front, trig, {"event": "bb.c", "n": i}) for i in range(3)]
    db.execute("UPDATE runtime SET last_seen_at = now() - interval '1 hour' WHERE id = %s",
               (rt["id"],))
    got = []
    for _ in range(3):
        out = claim(api.w, rt["id"])
        assert set(out) == {"run"} and set(out["run"]) == RUN_DETAIL_FIELDS
        run = out["run"]
        assert run["status"] == "running" and run["claimed_by"] == rt["id"]
        assert run["trigger_payload"]["eventPayload"]["n"] == len(got)
        got.append(run["id"])
    assert got == [s["run_id"] for s in sent]
    claim(api.w, rt["id"], status=204)
    row = db.execute("SELECT lease_expires_at - now() AS left, claimed_by, status"
                     "  FROM autopilot_run WHERE id = %s", (got[0],)).fetchone()
    assert 290 <= row["left"].total_seconds() <= 300
    assert str(row["claimed_by"]) == rt["id"] and row["status"] == "running"
    seen = db.execute("SELECT now() - last_seen_at AS ago FROM runtime WHERE id = %s",
                      (rt["id"],)).fetchone()["ago"]
    assert seen.total_seconds() < 10, "claim did not mark the runtime seen"


def test_claim_lease_s(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.lease"})
    run = claim(api.w, rt["id"], lease_s=86400)["run"]
    assert run["id"] == sent["run_id"]
    left = db.execute("SELECT lease_expires_at - now() AS left FROM autopilot_run WHERE id = %s",
                      (run["id"],)).fetchone()["left"]
    assert 86390 <= left.total_seconds() <= 86400


def test_claim_only_runs_for_this_runtime_or_none(fx, api):
    r1 = fx.runtime("r1")
    r2 = fx.runtime("r2")
    fx.ctl("runtime", "heartbeat", r1["id"])
    bound = fx.trigger(runtime=r1)
    sent = hook_ok(api.front, bound, {"event": "bb.bound"})
    assert sent["status"] == "accepted"
    claim(api.w, r2["id"], status=204)
    assert claim(api.w, r1["id"])["run"]["id"] == sent["run_id"]
    free = fx.trigger()
    sent2 = hook_ok(api.front, free, {"event": "bb.free"})
    assert claim(api.w, r2["id"])["run"]["id"] == sent2["run_id"]


def test_claim_skips_skipped_and_finished_runs(fx, api):
    offline = fx.runtime("offline")
    trig = fx.trigger(runtime=offline)
    assert hook_ok(api.front, trig, {"event": "bb.skip"})["status"] == "skipped"
    claim(api.w, offline["id"], status=204)


def test_claim_never_crosses_workspaces(fx, api):
    rt = fx.runtime()
    other = other_workspace(fx, api.front)
    hook_ok(api.front, other, {"event": "bb.theirs"})
    claim(api.w, rt["id"], status=204)
    # their runtime is not ours: 404, and their run stays pending
    assert claim(api.w, other.runtime["id"], status=404) == {"error": "runtime not found"}
    assert other.api.post("/api/runs/claim", {"runtime_id": other.runtime["id"]}).status_code == 200


@pytest.mark.parametrize("body,message", [
    ({}, "runtime_id is required"),
    ({"runtime_id": None}, "runtime_id must be a UUID"),
    ({"runtime_id": "abc"}, "runtime_id must be"),
    ({"runtime_id": 5}, "runtime_id must be"),
    ({"runtime_id": "RT", "lease_s": 0}, "lease_s must be"),
    ({"runtime_id": "RT", "lease_s": 86401}, "lease_s must be"),
    ({"runtime_id": "RT", "lease_s": "60"}, "lease_s must be"),
    ({"runtime_id": "RT", "lease_s": 1.5}, "lease_s must be"),
    ({"runtime_id": "RT", "lease_s": True}, "lease_s must be"),
    ({"runtime_id": "RT", "lease_s": 2 ** 64}, "lease_s must be"),
    ({"runtime_id": "RT", "worker": "x"}, "unknown member 'worker'"),
])
def test_claim_validation(fx, api, body, message):
    rt = fx.runtime()
    trig = fx.trigger()
    hook_ok(api.front, trig, {"event": "bb.v"})
    body = {k: (rt["id"] if v == "RT" else v) for k, v in body.items()}
    err = assert_json_response(api.w.post("/api/runs/claim", body), 400)
    assert err["error"].startswith(message), err
    assert fx.runs(trig)[0]["status"] == "pending"


def test_claim_errors(fx, api):
    rt = fx.runtime()
    assert claim(api.w, random_id(), status=404) == {"error": "runtime not found"}
    assert assert_json_response(api.r.post("/api/runs/claim", {"runtime_id": rt["id"]}), 403)
    assert assert_json_response(Api(api.front, None).post("/api/runs/claim", {"runtime_id": rt["id"]}),
                                401) == {"error": "unauthorized"}
    assert api.w.ok("POST", "/api/runs/claim", data=b"[1]", status=400)["error"]
    assert api.w.ok("POST", "/api/runs/claim", data=b"{", status=400) == {"error": "invalid JSON"}
    assert api.w.ok("GET", "/api/runs/claim", status=405) == {"error": "method not allowed"}


def test_claim_concurrent_workers_each_run_once(fx, api, db):
    trig = fx.trigger()
    sent = hooks(api.front, trig, 20)
    expected = {s["run_id"] for s in sent}
    runtimes = [fx.runtime("w%d" % i) for i in range(4)]
    url = api.front.url("/api/runs/claim")
    headers = {"Authorization": "Bearer " + api.w.key}

    def worker(rt):
        mine = []
        with requests.Session() as s:
            while True:
                resp = s.post(url, json={"runtime_id": rt["id"]}, headers=headers, timeout=30)
                if resp.status_code == 204:
                    return mine
                assert resp.status_code == 200, resp.text
                run = resp.json()["run"]
                assert run["claimed_by"] == rt["id"]
                mine.append(run["id"])
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        results = list(ex.map(worker, runtimes))
    claimed = [rid for r in results for rid in r]
    assert len(claimed) == 20 and set(claimed) == expected, "a run was claimed twice or missed"
    rows = db.execute("SELECT id, claimed_by, status FROM autopilot_run WHERE autopilot_id = %s",
                      (trig.autopilot_id,)).fetchall()
    owner = {str(r["id"]): str(r["claimed_by"]) for r in rows}
    for rt, mine in zip(runtimes, results):
        for rid in mine:
            assert owner[rid] == rt["id"]
    assert all(r["status"] == "running" for r in rows)


def test_expired_lease_is_claimable_by_another_runtime(fx, api):
    r1 = fx.runtime("r1")
    r2 = fx.runtime("r2")
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.expire"})
    assert claim(api.w, r1["id"], lease_s=1)["run"]["id"] == sent["run_id"]
    claim(api.w, r2["id"], status=204)          # still leased
    time.sleep(2)
    run = claim(api.w, r2["id"])["run"]
    assert run["id"] == sent["run_id"] and run["claimed_by"] == r2["id"]
    # the first worker lost it
    assert finish(api.w, run["id"], "complete", {"runtime_id": r1["id"]}, status=409) == \
        {"error": "run is not claimed by this runtime"}
    assert finish(api.w, run["id"], "complete", {"runtime_id": r2["id"]})["run"]["status"] == \
        "completed"


def test_late_finish_after_expiry_without_reclaim_succeeds(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.late"})
    claim(api.w, rt["id"], lease_s=1)
    time.sleep(2)
    out = finish(api.w, sent["run_id"], "fail", {"runtime_id": rt["id"], "reason": "slow"})
    assert out["run"]["status"] == "failed" and out["run"]["failure_reason"] == "slow"


# ---------------------------------------------------------------- complete and fail

def test_complete(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.done"})
    claim(api.w, rt["id"])
    result = {"ok": True, "items": [1, 2], "note": "d\u00e9j\u00e0"}
    out = finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"], "result": result})
    run = out["run"]
    assert set(out) == {"run"} and set(run) == RUN_FIELDS
    assert run["status"] == "completed" and run["result"] == result
    assert run["completed_at"] is not None and run["failure_reason"] is None
    row = fx.run(sent["run_id"])
    assert row["status"] == "completed" and row["result"] == result
    assert row["completed_at"] is not None
    # once finished it is no longer claimed: 409, unchanged
    assert finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"]}, status=409) == \
        {"error": "run is not claimed by this runtime"}
    assert finish(api.w, sent["run_id"], "fail", {"runtime_id": rt["id"], "reason": "x"},
                  status=409)
    assert fx.run(sent["run_id"]) == row
    # shown the same in the detail
    assert api.r.ok("GET", rpath(trig, sent["run_id"]))["run"]["result"] == result


def test_complete_without_result_and_scalar_result(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    a = hook_ok(api.front, trig, {"event": "bb.a"})
    b = hook_ok(api.front, trig, {"event": "bb.b"})
    claim(api.w, rt["id"])
    claim(api.w, rt["id"])
    assert finish(api.w, a["run_id"], "complete", {"runtime_id": rt["id"]})["run"]["result"] is None
    assert finish(api.w, b["run_id"], "complete",
                  {"runtime_id": rt["id"], "result": 42})["run"]["result"] == 42


UNSTORABLE = "JSON that cannot be stored (\\u0000, an unpaired surrogate, or a number beyond PostgreSQL's numeric)"


@pytest.mark.parametrize("raw,error", [
    (b'"a\\u0000b"', UNSTORABLE), (b'1e999999', UNSTORABLE), (b'"\\ud800"', UNSTORABLE),
    (b'0.' + b'0' * 17000 + b'1', UNSTORABLE), (b'1.' + b'1' * 400 + b'e-16000', UNSTORABLE),
    (b'NaN', "invalid JSON"), (b'[Infinity]', "invalid JSON"), (b'{"k":"caf\xe9"}', "invalid JSON"),
    (b'[1.]', "invalid JSON"), (b'00', "invalid JSON"), (b"{'a':1}", "invalid JSON")])
def test_complete_result_that_jsonb_refuses_is_400(fx, api, raw, error):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.nan"})
    claim(api.w, rt["id"])
    before = fx.run(sent["run_id"])
    data = b'{"runtime_id":"' + rt["id"].encode() + b'","result":' + raw + b'}'
    err = api.w.ok("POST", "/api/runs/%s/complete" % sent["run_id"], data=data, status=400)
    assert err == {"error": error}
    assert fx.run(sent["run_id"]) == before


def test_complete_another_runtimes_run_is_409(fx, api):
    r1 = fx.runtime("r1")
    r2 = fx.runtime("r2")
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.mine"})
    claim(api.w, r1["id"])
    before = fx.run(sent["run_id"])
    for what, body in (("complete", {"runtime_id": r2["id"], "result": {"x": 1}}),
                       ("fail", {"runtime_id": r2["id"], "reason": "nope"}),
                       ("complete", {"runtime_id": random_id()})):
        assert finish(api.w, sent["run_id"], what, body, status=409) == \
            {"error": "run is not claimed by this runtime"}
    assert fx.run(sent["run_id"]) == before


def test_finish_unclaimed_run_is_409(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.pending"})
    assert finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"]}, status=409)
    assert fx.run(sent["run_id"])["status"] == "pending"


def test_fail(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.fail"})
    claim(api.w, rt["id"])
    out = finish(api.w, sent["run_id"], "fail", {"runtime_id": rt["id"], "reason": "tool crashed"})
    assert set(out["run"]) == RUN_FIELDS
    assert out["run"]["status"] == "failed" and out["run"]["failure_reason"] == "tool crashed"
    assert out["run"]["completed_at"] is not None
    row = fx.run(sent["run_id"])
    assert row["status"] == "failed" and row["failure_reason"] == "tool crashed"


@pytest.mark.parametrize("what,body,message", [
    ("fail", {"runtime_id": "RT"}, "reason is required"),
    ("fail", {"runtime_id": "RT", "reason": ""}, "reason must be"),
    ("fail", {"runtime_id": "RT", "reason": "  "}, "reason must be"),
    ("fail", {"runtime_id": "RT", "reason": 3}, "reason must be"),
    ("fail", {"runtime_id": "RT", "reason": None}, "reason must be"),
    ("fail", {"runtime_id": "RT", "reason": "x" * 4001}, "reason must be at most 4000"),
    # \u0000 anywhere in a body is refused by the body's storable-JSON check, before any member's
    ("fail", {"runtime_id": "RT", "reason": "a\u0000b"}, "JSON that cannot be stored"),
    ("fail", {"reason": "x"}, "runtime_id is required"),
    ("fail", {"runtime_id": "RT", "reason": "x", "result": 1}, "unknown member 'result'"),
    ("complete", {}, "runtime_id is required"),
    ("complete", {"runtime_id": "no"}, "runtime_id must be"),
    ("complete", {"runtime_id": "RT", "reason": "x"}, "unknown member 'reason'"),
])
def test_finish_validation(fx, api, what, body, message):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.val"})
    claim(api.w, rt["id"])
    before = fx.run(sent["run_id"])
    body = {k: (rt["id"] if v == "RT" else v) for k, v in body.items()}
    err = finish(api.w, sent["run_id"], what, body, status=400)
    assert err["error"].startswith(message), err
    assert fx.run(sent["run_id"]) == before


def test_finish_not_found_and_forbidden(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.nf"})
    claim(api.w, rt["id"])
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    their_run = other.api.post("/api/runs/claim", {"runtime_id": other.runtime["id"]}).json()["run"]
    assert their_run["id"] == theirs["run_id"]
    for what, extra in (("complete", {}), ("fail", {"reason": "r"})):
        body = dict(runtime_id=rt["id"], **extra)
        assert finish(api.w, random_id(), what, body, status=404) == {"error": "run not found"}
        # their run, even with their runtime id: not found for us
        body2 = dict(runtime_id=other.runtime["id"], **extra)
        assert finish(api.w, theirs["run_id"], what, body2, status=404) == {"error": "run not found"}
        assert finish(api.r, sent["run_id"], what, body, status=403)["error"].startswith("forbidden")
        assert finish(api.w, "not-a-uuid", what, body, status=400) == {"error": "invalid run id"}
    assert other.api.ok("GET", "/api/autopilots/%s/runs/%s" % (other.autopilot_id, theirs["run_id"]))[
        "run"]["status"] == "running"
    assert fx.run(sent["run_id"])["status"] == "running"


# ---------------------------------------------------------------- results jsonb cannot hold

@pytest.mark.parametrize("raw", [b'1e999999', b'0.' + b'0' * 17000 + b'1', b'"a\\u0000b"',
                                 b'{"k":[1e-999999]}'])
def test_complete_unstorable_result_is_400_even_for_a_run_that_does_not_exist(fx, api, raw):
    rt = fx.runtime()
    for run_id in (random_id(), "not-a-uuid"):
        data = b'{"runtime_id":"' + rt["id"].encode() + b'","result":' + raw + b'}'
        err = api.w.ok("POST", "/api/runs/%s/complete" % run_id, data=data, status=400)
        # a malformed id is the router's 400; any well-formed one: the body's
        assert err == ({"error": "invalid run id"} if run_id == "not-a-uuid" else {"error": UNSTORABLE})


def test_complete_result_keeps_integers_beyond_64_bits(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.big"})
    claim(api.w, rt["id"])
    result = {"n": 123456789012345678901234567890, "m": [-18446744073709551617, 2 ** 63]}
    out = finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"], "result": result})
    assert out["run"]["result"] == result
    assert fx.run(sent["run_id"])["result"] == result
    assert api.r.ok("GET", "/api/runs/%s" % sent["run_id"])["run"]["result"] == result


# ---------------------------------------------------------------- GET /api/runs/{id}

def test_get_run_by_id(fx, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.get", "n": 1})
    for a in (api.w, api.r):
        out = a.ok("GET", "/api/runs/%s" % sent["run_id"])
        assert set(out) == {"run"} and set(out["run"]) == RUN_DETAIL_FIELDS
        assert out["run"] == a.ok("GET", rpath(trig, sent["run_id"]))["run"]
        assert out["run"]["trigger_payload"] == fx.run(sent["run_id"])["trigger_payload"]
        assert out["run"]["attempts"] == 0 and out["run"]["available_at"] is not None
    assert api.w.ok("GET", "/api/runs/%s" % random_id(), status=404) == {"error": "run not found"}
    assert api.w.ok("GET", "/api/runs/1234", status=400) == {"error": "invalid run id"}
    assert assert_json_response(Api(api.front, None).get("/api/runs/%s" % sent["run_id"]), 401) == \
        {"error": "unauthorized"}
    assert api.w.ok("POST", "/api/runs/%s" % sent["run_id"], status=405) == \
        {"error": "method not allowed"}


def test_get_run_of_another_workspace_is_404(fx, api):
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    assert api.w.ok("GET", "/api/runs/%s" % theirs["run_id"], status=404) == {"error": "run not found"}
    assert api.r.ok("GET", "/api/runs/%s" % theirs["run_id"], status=404) == {"error": "run not found"}
    assert other.api.ok("GET", "/api/runs/%s" % theirs["run_id"])["run"]["id"] == theirs["run_id"]


# ---------------------------------------------------------------- heartbeat

def heartbeat(a, run_id, body, status=200):
    return a.ok("POST", "/api/runs/%s/heartbeat" % run_id, body=body, status=status)


def lease_left(db, run_id):
    return db.execute("SELECT extract(epoch FROM lease_expires_at - now()) AS s FROM autopilot_run"
                      " WHERE id = %s", (run_id,)).fetchone()["s"]


def test_heartbeat_extends_the_holders_lease(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.hb"})
    run = claim(api.w, rt["id"], lease_s=30)["run"]
    assert lease_left(db, run["id"]) <= 30
    db.execute("UPDATE runtime SET last_seen_at = now() - interval '1 hour' WHERE id = %s", (rt["id"],))
    out = heartbeat(api.w, sent["run_id"], {"runtime_id": rt["id"], "lease_s": 3600})
    assert set(out) == {"run"} and set(out["run"]) == RUN_FIELDS
    assert out["run"]["status"] == "running" and out["run"]["claimed_by"] == rt["id"]
    assert out["run"]["lease_expires_at"] > run["lease_expires_at"]
    assert 3590 <= lease_left(db, run["id"]) <= 3600
    assert fx.run(run["id"])["lease_expires_at"] == \
        datetime.datetime.fromisoformat(out["run"]["lease_expires_at"])
    seen = db.execute("SELECT now() - last_seen_at AS ago FROM runtime WHERE id = %s",
                      (rt["id"],)).fetchone()["ago"]
    assert seen.total_seconds() < 10, "a heartbeat did not mark the runtime seen"
    # lease_s defaults to 300; the run is otherwise unchanged
    before = fx.run(run["id"])
    out = heartbeat(api.w, sent["run_id"], {"runtime_id": rt["id"]})
    assert 290 <= lease_left(db, run["id"]) <= 300
    after = fx.run(run["id"])
    assert {k: v for k, v in after.items() if k != "lease_expires_at"} == \
        {k: v for k, v in before.items() if k != "lease_expires_at"}


def test_heartbeat_by_a_non_holder_is_409(fx, api, db):
    r1 = fx.runtime("r1")
    r2 = fx.runtime("r2")
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.hb409"})
    # pending: nobody holds it
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": r1["id"]}, status=409) == \
        {"error": "run is not claimed by this runtime"}
    claim(api.w, r1["id"], lease_s=60)
    before = fx.run(sent["run_id"])
    for rt_id in (r2["id"], random_id()):
        assert heartbeat(api.w, sent["run_id"], {"runtime_id": rt_id, "lease_s": 86400},
                         status=409) == {"error": "run is not claimed by this runtime"}
    assert fx.run(sent["run_id"]) == before
    # expired and claimed by another: the first holder has lost it
    db.execute("UPDATE autopilot_run SET lease_expires_at = now() - interval '1 second'"
               " WHERE id = %s", (sent["run_id"],))
    assert claim(api.w, r2["id"])["run"]["id"] == sent["run_id"]
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": r1["id"]}, status=409)
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": r2["id"]})["run"]["claimed_by"] == r2["id"]
    # finished: no lease to extend
    finish(api.w, sent["run_id"], "complete", {"runtime_id": r2["id"]})
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": r2["id"]}, status=409)


def test_heartbeat_after_expiry_before_a_reclaim_succeeds(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.hblate"})
    claim(api.w, rt["id"], lease_s=60)
    db.execute("UPDATE autopilot_run SET lease_expires_at = now() - interval '5 seconds'"
               " WHERE id = %s", (sent["run_id"],))
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": rt["id"], "lease_s": 60})["run"]["status"] \
        == "running"
    assert lease_left(db, sent["run_id"]) > 50
    claim(api.w, fx.runtime("other")["id"], status=204)      # leased again: not claimable


def test_heartbeat_errors(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.hberr"})
    claim(api.w, rt["id"])
    before = fx.run(sent["run_id"])
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    other.api.post("/api/runs/claim", {"runtime_id": other.runtime["id"]})
    p = "/api/runs/%s/heartbeat"
    assert heartbeat(api.w, random_id(), {"runtime_id": rt["id"]}, status=404) == {"error": "run not found"}
    assert heartbeat(api.w, theirs["run_id"], {"runtime_id": other.runtime["id"]}, status=404) == \
        {"error": "run not found"}
    for body, message in (({}, "runtime_id is required"), ({"runtime_id": "x"}, "runtime_id must be"),
                          ({"runtime_id": rt["id"], "lease_s": 0}, "lease_s must be"),
                          ({"runtime_id": rt["id"], "lease_s": 86401}, "lease_s must be"),
                          ({"runtime_id": rt["id"], "lease": 5}, "unknown member 'lease'")):
        assert heartbeat(api.w, sent["run_id"], body, status=400)["error"].startswith(message), body
    assert api.w.ok("POST", p % sent["run_id"], data=b"{", status=400) == {"error": "invalid JSON"}
    assert api.r.ok("POST", p % sent["run_id"], body={"runtime_id": rt["id"]}, status=403)
    assert api.w.ok("POST", p % "nope", body={"runtime_id": rt["id"]}, status=400) == \
        {"error": "invalid run id"}
    assert api.w.ok("GET", p % sent["run_id"], status=405) == {"error": "method not allowed"}
    assert fx.run(sent["run_id"]) == before


# ---------------------------------------------------------------- a retry after a lost answer

def test_repeated_complete_by_the_holder_is_200(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.again"})
    claim(api.w, rt["id"])
    body = {"runtime_id": rt["id"], "result": {"ok": True, "n": [1, 2]}}
    first = finish(api.w, sent["run_id"], "complete", body)["run"]
    row = fx.run(sent["run_id"])
    for _ in range(2):
        again = finish(api.w, sent["run_id"], "complete", body)["run"]
        assert again == first
    assert fx.run(sent["run_id"]) == row, "a repeat changed the run"
    # key order does not make another call: jsonb compares values
    assert finish(api.w, sent["run_id"], "complete",
                  {"result": {"n": [1, 2], "ok": True}, "runtime_id": rt["id"]})["run"] == first
    # another result, another verb, another runtime: not the same call
    for what, b in (("complete", {"runtime_id": rt["id"], "result": {"ok": False}}),
                    ("complete", {"runtime_id": rt["id"]}),
                    ("fail", {"runtime_id": rt["id"], "reason": "x"}),
                    ("complete", dict(body, runtime_id=fx.runtime("r2")["id"]))):
        assert finish(api.w, sent["run_id"], what, b, status=409) == \
            {"error": "run is not claimed by this runtime"}
    assert fx.run(sent["run_id"]) == row


def test_repeated_fail_by_the_holder_is_200(fx, api):
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.failagain"})
    claim(api.w, rt["id"])
    body = {"runtime_id": rt["id"], "reason": "exit status 3"}
    first = finish(api.w, sent["run_id"], "fail", body)["run"]
    row = fx.run(sent["run_id"])
    assert finish(api.w, sent["run_id"], "fail", body)["run"] == first
    assert fx.run(sent["run_id"]) == row
    assert finish(api.w, sent["run_id"], "fail", dict(body, reason="other"), status=409)
    assert finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"]}, status=409)
    # no result made it complete: an absent result repeated is the same call
    sent2 = hook_ok(api.front, trig, {"event": "bb.noresult"})
    claim(api.w, rt["id"])
    done = finish(api.w, sent2["run_id"], "complete", {"runtime_id": rt["id"]})["run"]
    assert finish(api.w, sent2["run_id"], "complete", {"runtime_id": rt["id"], "result": None})["run"] \
        == done


# ---------------------------------------------------------------- claim: autopilot_id, available_at

def test_claim_for_one_autopilot(fx, api, db):
    rt = fx.runtime()
    t1 = fx.trigger()
    t2 = fx.trigger()
    old = hook_ok(api.front, t1, {"event": "bb.one"})
    new = hook_ok(api.front, t2, {"event": "bb.two"})
    # the older run is t1's, but only t2's autopilot is asked for
    run = claim(api.w, rt["id"], autopilot_id=t2.autopilot_id)["run"]
    assert run["id"] == new["run_id"] and run["autopilot_id"] == t2.autopilot_id
    claim(api.w, rt["id"], status=204, autopilot_id=t2.autopilot_id)
    assert fx.run(old["run_id"])["status"] == "pending"
    # null: any autopilot
    assert claim(api.w, rt["id"], autopilot_id=None)["run"]["id"] == old["run_id"]
    # another workspace's autopilot, or none at all: 404, and nothing is claimed
    other = other_workspace(fx, api.front)
    theirs = hook_ok(api.front, other, {"event": "bb.theirs"})
    hook_ok(api.front, t1, {"event": "bb.mine"})
    for ap in (other.autopilot_id, random_id()):
        assert claim(api.w, rt["id"], status=404, autopilot_id=ap) == {"error": "autopilot not found"}
    assert fx.run(theirs["run_id"])["status"] == "pending"
    assert [r["status"] for r in fx.runs(t1)].count("pending") == 1
    assert api.w.ok("POST", "/api/runs/claim", body={"runtime_id": rt["id"], "autopilot_id": "x"},
                    status=400) == {"error": "autopilot_id must be a UUID or null"}


def test_claim_never_hands_out_a_run_before_its_available_at(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    later = hook_ok(api.front, trig, {"event": "bb.later"})
    now = hook_ok(api.front, trig, {"event": "bb.now"})
    db.execute("UPDATE autopilot_run SET available_at = now() + interval '1 hour' WHERE id = %s",
               (later["run_id"],))
    # the older run waits: the newer one is handed out first, then nothing
    assert claim(api.w, rt["id"])["run"]["id"] == now["run_id"]
    claim(api.w, rt["id"], status=204)
    claim(api.w, rt["id"], status=204, autopilot_id=trig.autopilot_id)
    assert fx.run(later["run_id"])["status"] == "pending"
    assert api.w.ok("GET", "/api/runs/%s" % later["run_id"])["run"]["available_at"] > \
        api.w.ok("GET", "/api/runs/%s" % now["run_id"])["run"]["available_at"]
    db.execute("UPDATE autopilot_run SET available_at = now() - interval '1 second' WHERE id = %s",
               (later["run_id"],))
    assert claim(api.w, rt["id"])["run"]["id"] == later["run_id"]


# ---------------------------------------------------------------- attempts and max_run_attempts

def expire(db, run_id):
    db.execute("UPDATE autopilot_run SET lease_expires_at = now() - interval '1 second'"
               " WHERE id = %s", (run_id,))


def test_attempts_count_claims(fx, api, db):
    r1 = fx.runtime("r1")
    r2 = fx.runtime("r2")
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.attempts"})
    assert claim(api.w, r1["id"])["run"]["attempts"] == 1
    expire(db, sent["run_id"])
    run = claim(api.w, r2["id"])["run"]
    assert run["id"] == sent["run_id"] and run["attempts"] == 2 and run["claimed_by"] == r2["id"]
    assert fx.run(sent["run_id"])["attempts"] == 2
    # a heartbeat or a finish is not a claim
    heartbeat(api.w, sent["run_id"], {"runtime_id": r2["id"]})
    assert finish(api.w, sent["run_id"], "complete", {"runtime_id": r2["id"]})["run"]["attempts"] == 2


def test_lease_expired_max_run_attempts_times_fails_the_run(fx, api, db):
    """max_run_attempts = 5 (the default): the fifth expired lease is the last."""
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.dies"})
    for attempt in range(1, 6):
        run = claim(api.w, rt["id"], lease_s=60)["run"]
        assert run["id"] == sent["run_id"] and run["attempts"] == attempt
        expire(db, sent["run_id"])
    # the sixth claim finds the run spent: failed, not handed out
    claim(api.w, rt["id"], status=204)
    row = fx.run(sent["run_id"])
    assert row["status"] == "failed" and row["failure_reason"] == "lease expired 5 times"
    assert row["attempts"] == 5 and row["completed_at"] is not None
    # the last holder's late answer is refused; nothing claims it again
    assert finish(api.w, sent["run_id"], "complete", {"runtime_id": rt["id"]}, status=409)
    assert heartbeat(api.w, sent["run_id"], {"runtime_id": rt["id"]}, status=409)
    claim(api.w, fx.runtime("another")["id"], status=204)
    assert fx.run(sent["run_id"]) == row


def test_a_spent_run_does_not_hide_the_next_one(fx, api, db):
    rt = fx.runtime()
    trig = fx.trigger()
    spent = hook_ok(api.front, trig, {"event": "bb.spent"})
    fresh = hook_ok(api.front, trig, {"event": "bb.fresh"})
    db.execute("UPDATE autopilot_run SET status = 'running', claimed_by = %s, attempts = 5,"
               " lease_expires_at = now() - interval '1 minute' WHERE id = %s",
               (rt["id"], spent["run_id"]))
    run = claim(api.w, rt["id"])["run"]
    assert run["id"] == fresh["run_id"]
    assert fx.run(spent["run_id"])["status"] == "failed"
    assert fx.run(spent["run_id"])["failure_reason"] == "lease expired 5 times"


def test_max_run_attempts_from_the_configuration(fx, make_pool, db):
    _, front = make_pool(workers=1, max_run_attempts=2)
    write, _ = keys(fx, front)
    rt = fx.runtime()
    trig = fx.trigger()
    sent = hook_ok(front, trig, {"event": "bb.two"})
    for attempt in (1, 2):
        assert claim(write, rt["id"])["run"]["attempts"] == attempt
        expire(db, sent["run_id"])
    claim(write, rt["id"], status=204)
    assert fx.run(sent["run_id"])["failure_reason"] == "lease expired 2 times"
    # 0: no limit
    _, unlimited = make_pool(workers=1, max_run_attempts=0)
    write0, _ = keys(fx, unlimited)
    sent = hook_ok(unlimited, trig, {"event": "bb.forever"})
    db.execute("UPDATE autopilot_run SET status = 'running', claimed_by = %s, attempts = 1000,"
               " lease_expires_at = now() - interval '1 minute' WHERE id = %s",
               (rt["id"], sent["run_id"]))
    assert claim(write0, rt["id"])["run"]["attempts"] == 1001
