"""Bulk replay (SPEC 4.4): POST /api/autopilots/{id}/deliveries/replay and hookgatectl delivery replay --autopilot."""

import concurrent.futures
import datetime

import pytest

from harness import assert_json_response
from runhelp import hook_ok, keys, other_workspace

REJECTED = "a rejected delivery cannot be replayed"


@pytest.fixture
def api(fx, pool_front):
    write, read = keys(fx, pool_front)
    return type("A", (), {"w": write, "r": read, "front": pool_front})


def bpath(autopilot_id):
    return "/api/autopilots/%s/deliveries/replay" % autopilot_id


def ts(t):
    return t.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def db_now(db):
    return db.execute("SELECT now() AS n").fetchone()["n"]


def place(db, delivery_id, at):
    """Set a delivery's received_at (and created_at) to at."""
    db.execute("UPDATE webhook_delivery SET received_at = %s, created_at = %s WHERE id = %s",
               (at, at, delivery_id))


def fail_run(db, run_id):
    db.execute("UPDATE autopilot_run SET status = 'failed', failure_reason = 'bb outage',"
               " completed_at = now() WHERE id = %s", (run_id,))


def error(api, method, path, status=400, **kw):
    """A call that must fail: its message (the body must be exactly {"error": str})."""
    out = api.ok(method, path, status=status, **kw)
    assert set(out) == {"error"} and isinstance(out["error"], str) and out["error"], out
    return out["error"]


def replays_of(db, delivery_ids):
    return db.execute("SELECT * FROM webhook_delivery WHERE replayed_from_delivery_id = ANY(%s::uuid[])"
                      " ORDER BY received_at, id", (list(delivery_ids),)).fetchall()


def test_bulk_replay_of_a_window(fx, api, db):
    trig = fx.trigger(secret="bulk-secret-0123456789")
    t0 = db_now(db) - datetime.timedelta(days=1)
    window = {"since": ts(t0), "until": ts(t0 + datetime.timedelta(minutes=10))}
    body = lambda i: {"event": "bb.night", "n": i}  # noqa: E731

    def signed(i):
        return hook_ok(api.front, trig, body(i), secret=trig.secret)

    inside = [signed(i) for i in range(30)]
    outside = [signed(100 + i) for i in range(5)]
    rejected = [assert_json_response(api.front.hook(trig, body(200 + i)), 401) for i in range(2)]
    for i, o in enumerate(inside):
        fail_run(db, o["run_id"])
        place(db, o["delivery_id"], t0 + datetime.timedelta(seconds=10 + i))
    for i, o in enumerate(rejected):
        place(db, o["delivery_id"], t0 + datetime.timedelta(seconds=15, milliseconds=500 + i))
    for i, o in enumerate(outside):
        fail_run(db, o["run_id"])
        # before since, at until (excluded), after it
        at = [t0 - datetime.timedelta(seconds=1), t0 + datetime.timedelta(minutes=10),
              t0 + datetime.timedelta(minutes=11), t0 - datetime.timedelta(days=1),
              t0 + datetime.timedelta(hours=2)][i]
        place(db, o["delivery_id"], at)
    before_outside = [fx.delivery(o["delivery_id"]) for o in outside]

    headers = {"Idempotency-Key": "bb-night-replay"}
    resp = api.w.call("POST", bpath(trig.autopilot_id), body=window, headers=headers)
    out = assert_json_response(resp, 200)
    assert set(out) == {"replayed", "skipped", "next_since"}
    assert out["next_since"] is None
    # oldest first
    assert [r["from"] for r in out["replayed"]] == [o["delivery_id"] for o in inside]
    assert sorted(s["from"] for s in out["skipped"]) == sorted(o["delivery_id"] for o in rejected)
    assert all(s == {"from": s["from"], "reason": REJECTED} for s in out["skipped"]), out["skipped"]
    made = replays_of(db, [o["delivery_id"] for o in inside])
    assert len(made) == 30
    by_from = {str(d["replayed_from_delivery_id"]): d for d in made}
    for r in out["replayed"]:
        assert set(r) == {"from", "delivery_id", "run_id"}
        d = by_from[r["from"]]
        assert str(d["id"]) == r["delivery_id"] and str(d["autopilot_run_id"]) == r["run_id"]
        assert d["status"] == "dispatched" and d["signature_status"] == "not_required"
        run = fx.run(r["run_id"])
        assert run["source"] == "replay" and run["status"] == "pending"
    # each payload is rebuilt from the stored body, as the single replay does
    for i, r in enumerate(out["replayed"]):
        payload = fx.run(r["run_id"])["trigger_payload"]
        assert payload["event"] == "bb.night" and payload["eventPayload"] == body(i)
    # outside the window, or rejected: untouched, no replay
    assert replays_of(db, [o["delivery_id"] for o in outside + rejected]) == []
    assert [fx.delivery(o["delivery_id"]) for o in outside] == before_outside

    # the same request with its key again: the first answer, byte for byte, nothing new
    count = db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s",
                       (trig.id,)).fetchone()["n"]
    again = api.w.call("POST", bpath(trig.autopilot_id), body=window, headers=headers)
    assert assert_json_response(again, 200) == out
    assert again.text == resp.text
    # the same window written with another offset is the same request
    same = {"since": t0.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat(),
            "until": window["until"]}
    assert api.w.ok("POST", bpath(trig.autopilot_id), body=same, headers=headers) == out
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE trigger_id = %s",
                      (trig.id,)).fetchone()["n"] == count
    # the key with another request is a conflict, not the first answer
    other = dict(window, status=["failed"])
    err = error(api.w, "POST", bpath(trig.autopilot_id), body=other, headers=headers, status=409)
    assert "Idempotency-Key" in err
    # replays are never replayed again by a bulk replay: the originals are
    later = {"since": ts(t0), "until": ts(db_now(db) + datetime.timedelta(minutes=1)),
             "status": ["failed"], "limit": 1000}
    out2 = api.w.ok("POST", bpath(trig.autopilot_id), body=later)
    assert [r["from"] for r in out2["replayed"]] == (
        [o["delivery_id"] for o in inside] + [outside[1]["delivery_id"], outside[2]["delivery_id"],
                                              outside[4]["delivery_id"]])
    assert out2["skipped"] == []


def test_bulk_replay_status_and_event_filters(fx, api, db):
    trig = fx.trigger()
    ignoring = fx.trigger(disabled=True, autopilot=trig.autopilot)
    t0 = db_now(db) - datetime.timedelta(hours=5)
    sent = {}
    for i, status in enumerate(["completed", "failed", "skipped", "pending"]):
        o = hook_ok(api.front, trig, {"event": "bb.%s" % status})
        if status != "pending":
            db.execute("UPDATE autopilot_run SET status = %s, completed_at = now() WHERE id = %s",
                       (status, o["run_id"]))
        place(db, o["delivery_id"], t0 + datetime.timedelta(seconds=i))
        sent[status] = o["delivery_id"]
    ign = hook_ok(api.front, ignoring, {"event": "bb.ignored"})
    place(db, ign["delivery_id"], t0 + datetime.timedelta(seconds=9))
    sent["ignored"] = ign["delivery_id"]
    window = {"since": ts(t0), "until": ts(t0 + datetime.timedelta(minutes=1))}

    def froms(**extra):
        out = api.w.ok("POST", bpath(trig.autopilot_id), body=dict(window, **extra))
        return [r["from"] for r in out["replayed"]], [s["from"] for s in out["skipped"]]

    # a run's status or the delivery's own
    assert froms(status=["failed", "skipped"]) == ([sent["failed"], sent["skipped"]], [])
    replayed, skipped = froms(status=["ignored"], event="bb.ignored")
    assert replayed == [] and skipped == [sent["ignored"]]   # its trigger is disabled
    assert froms(status=["dispatched"], event="bb.completed") == ([sent["completed"]], [])
    assert froms(status=["pending", "pending"]) == ([sent["pending"]], [])
    assert froms(event="bb.nothing") == ([], [])


def stored(db, fx, trig, n, t):
    """n ignored deliveries of trig straight into the table from t on, three a millisecond.

    Returns them oldest first."""
    rows = db.execute(
        "INSERT INTO webhook_delivery (workspace_id, autopilot_id, trigger_id, provider, event,"
        "  signature_status, status, raw_body, content_type, response_status, response_body,"
        "  received_at)"
        " SELECT %s, %s, %s, 'generic', 'bb.page', 'not_required', 'ignored',"
        "        convert_to('{\"g\":' || g || '}', 'UTF8'), 'application/json', 200, '{}',"
        "        %s + make_interval(secs => (g / 3) * 0.001)"
        "   FROM generate_series(1, %s) g RETURNING id, received_at",
        (fx.workspace["id"], trig.autopilot_id, trig.id, t, n)).fetchall()
    return sorted(rows, key=lambda r: (r["received_at"], r["id"]))


def test_bulk_replay_pages_through_250_deliveries(fx, api, db):
    trig = fx.trigger()
    t0 = db_now(db) - datetime.timedelta(hours=3)
    # 250 stored deliveries, three at a time sharing one received_at
    rows = stored(db, fx, trig, 250, t0)
    want = [str(r["id"]) for r in rows]
    since, until = ts(t0), ts(t0 + datetime.timedelta(hours=1))
    seen, pages = [], []
    while since is not None:
        out = api.w.ok("POST", bpath(trig.autopilot_id),
                       body={"since": since, "until": until, "limit": 100})
        assert out["skipped"] == []
        assert 0 < len(out["replayed"]) <= 100
        pages.append(len(out["replayed"]))
        seen += [r["from"] for r in out["replayed"]]
        since = out["next_since"]
        assert len(pages) < 10, "next_since never ends"
    # every delivery once, in order, never split from those received at the same instant
    assert seen == want
    assert len(pages) == 3 and pages[-1] < 100, pages
    assert len(replays_of(db, want)) == 250
    # a limit smaller than a group of one instant: the whole group, then what follows
    t1 = t0 + datetime.timedelta(minutes=30)
    tied = stored(db, fx, trig, 4, t1)
    pages, since = [], ts(t1)
    while since is not None and len(pages) < 5:
        out = api.w.ok("POST", bpath(trig.autopilot_id),
                       body={"since": since, "until": until, "limit": 1})
        pages.append([r["from"] for r in out["replayed"]])
        since = out["next_since"]
    # g = 1, 2 share one millisecond, g = 3, 4 the next one
    ids = [str(r["id"]) for r in tied]
    assert pages[0] == ids[:2] and pages[1] == ids[2:] and pages[-1] == [], pages
    # the default limit is 100
    out = api.w.ok("POST", bpath(trig.autopilot_id), body={"since": ts(t0), "until": until})
    assert 98 <= len(out["replayed"]) <= 100 and out["next_since"] is not None


def test_bulk_replay_scope_and_bad_requests(fx, api, db, pool_front):
    trig = fx.trigger()
    other = other_workspace(fx, pool_front)
    window = {"since": "2026-01-31T22:00:00Z", "until": "2026-02-01T06:00:00Z"}
    # another workspace's autopilot, and one that does not exist: 404 alike
    for ap in (other.autopilot_id, "00000000-0000-0000-0000-000000000000"):
        assert error(api.w, "POST", bpath(ap), body=window, status=404) == "autopilot not found"
        assert error(api.w, "POST", bpath(ap), body=window, status=404,
                           headers={"Idempotency-Key": "k"}) == "autopilot not found"
    assert error(api.w, "POST", bpath("not-a-uuid"), body=window) == "invalid autopilot id"
    assert error(api.r, "POST", bpath(trig.autopilot_id), body=window, status=403)
    resp = api.w.call("GET", bpath(trig.autopilot_id))
    assert resp.status_code == 405 and resp.headers["Allow"] == "POST"
    bad = [
        ({}, "since is required"),
        ({"since": window["since"]}, "until is required"),
        (dict(window, since="yesterday"), "since must be an RFC 3339 time"),
        (dict(window, since="2026-02-30T00:00:00Z"), "since must be an RFC 3339 time"),
        (dict(window, until="2026-02-01 06:00:00"), "until must be an RFC 3339 time"),
        (dict(window, until=12), "until must be a non-empty string"),
        (dict(window, until=window["since"]), "since must be before until"),
        (dict(window, since="2026-02-01T08:00:00+02:00"), "since must be before until"),
        (dict(window, status=["bogus"]), "status must list"),
        (dict(window, status=[]), "status must be a list"),
        (dict(window, status="failed"), "status must be a list"),
        (dict(window, status=["failed"] * 17), "status must be a list"),
        (dict(window, status=[1]), "status must be a list"),
        (dict(window, event=""), "event must be a non-empty string"),
        (dict(window, limit=0), "limit must be a whole number from 1 to 1000"),
        (dict(window, limit=1001), "limit must be a whole number from 1 to 1000"),
        (dict(window, limit="5"), "limit must be a whole number from 1 to 1000"),
        (dict(window, bogus=1), "unknown member 'bogus'"),
    ]
    for body, msg in bad:
        err = error(api.w, "POST", bpath(trig.autopilot_id), body=body)
        assert err.startswith(msg), (body, err)
    assert error(api.w, "POST", bpath(trig.autopilot_id), data=b"[1,",
                       headers={"Content-Type": "application/json"})
    assert error(api.w, "POST", bpath(trig.autopilot_id), body=window,
                       headers={"Idempotency-Key": "x" * 300}).startswith("Idempotency-Key")
    # nothing in that window, with nulls for the optional members
    assert api.w.ok("POST", bpath(trig.autopilot_id),
                    body=dict(window, status=None, event=None, limit=None)) == {
        "replayed": [], "skipped": [], "next_since": None}


def test_ctl_bulk_replay(fx, api, db, ctl):
    trig = fx.trigger()
    t0 = db_now(db) - datetime.timedelta(hours=2)
    a, b = (hook_ok(api.front, trig, {"event": "bb.ctl", "n": i}) for i in range(2))
    for i, o in enumerate((a, b)):
        fail_run(db, o["run_id"])
        place(db, o["delivery_id"], t0 + datetime.timedelta(seconds=i))
    since, until = ts(t0), ts(t0 + datetime.timedelta(minutes=1))
    args = ["delivery", "replay", "--autopilot", trig.autopilot_id, "--since", since,
            "--until", until]
    out = ctl(*args, "--status", "failed", "--status", "skipped", "--limit", "1",
              "--idempotency-key", "bb-ctl-bulk")
    assert [r["from"] for r in out["replayed"]] == [a["delivery_id"]]
    assert out["next_since"] is not None
    # the same answer as the API's for the same key and request
    again = api.w.ok("POST", bpath(trig.autopilot_id),
                     body={"since": since, "until": until, "status": ["skipped", "failed"],
                           "limit": 1}, headers={"Idempotency-Key": "bb-ctl-bulk"})
    assert again == out
    rest = ctl(*args[:4], "--since", out["next_since"], "--until", until, "--event", "bb.ctl")
    assert [r["from"] for r in rest["replayed"]] == [b["delivery_id"]] and rest["next_since"] is None

    def fails(*extra):
        p = ctl.raw(*extra)
        assert p.returncode == 1 and p.stdout == "", (extra, p.stdout, p.stderr)
        assert p.stderr.startswith("hookgatectl: ") and p.stderr.count("\n") == 1, p.stderr
        return p.stderr

    assert "--since must be an RFC 3339 time" in fails(*args[:4], "--since", "now", "--until", until)
    assert "--since must be before until" in fails(*args[:4], "--since", until, "--until", since)
    assert "--status must list" in fails(*args, "--status", "bogus")
    assert "invalid --limit" in fails(*args, "--limit", "1001")
    for event in ("", "x" * 1025):
        assert "--event must be UTF-8 text of 1 to 1024 characters" in fails(*args, "--event", event)
    assert "not found" in fails("delivery", "replay", "--autopilot",
                                "00000000-0000-0000-0000-000000000000", "--since", since,
                                "--until", until)
    assert "invalid autopilot id" in fails("delivery", "replay", "--autopilot", "x",
                                           "--since", since, "--until", until)
    assert "was used for another bulk replay" in fails(*args, "--idempotency-key", "bb-ctl-bulk")
    p = ctl.raw(*args, *sum((["--status", "failed"] for _ in range(17)), []))
    assert p.returncode == 2 and "more than 16 times" in p.stderr, p.stderr
    p = ctl.raw("delivery", "replay", "--autopilot", trig.autopilot_id, "--since", since)
    assert p.returncode == 2 and "missing option --until" in p.stderr, p.stderr
    p = ctl.raw("delivery", "replay", a["delivery_id"], "--autopilot", trig.autopilot_id,
                "--since", since, "--until", until)
    assert p.returncode == 2 and "too many arguments" in p.stderr, p.stderr


def test_bulk_replay_concurrent_twins_replay_once(fx, api, db):
    trig = fx.trigger()
    t0 = db_now(db) - datetime.timedelta(hours=4)
    sent = [hook_ok(api.front, trig, {"event": "bb.twin", "n": i}) for i in range(20)]
    for i, o in enumerate(sent):
        fail_run(db, o["run_id"])
        place(db, o["delivery_id"], t0 + datetime.timedelta(seconds=i))
    body = {"since": ts(t0), "until": ts(t0 + datetime.timedelta(minutes=1))}
    headers = {"Idempotency-Key": "bb-twins"}
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        answers = list(ex.map(
            lambda _: api.w.call("POST", bpath(trig.autopilot_id), body=body, headers=headers),
            range(4)))
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    assert len({r.text for r in answers}) == 1
    assert len(answers[0].json()["replayed"]) == 20
    assert len(replays_of(db, [o["delivery_id"] for o in sent])) == 20
