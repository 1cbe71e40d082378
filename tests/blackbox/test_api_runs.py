"""Runs API (SPEC 4.1, 4.5): list, detail, and the worker protocol: claim, complete, fail."""

import concurrent.futures
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
