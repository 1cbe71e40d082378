"""Behind pgbouncer in transaction pooling mode (SPEC 13, 8.2): db_prepared_statements = off.

Two pools, each with its own lighttpd, reach one PostgreSQL through one
pgbouncer (Debian's 1.18), set up as doc/scaling.md says; hookgatectl goes
through it too, and only `hookgatectl migrate` connects directly.
"""

import concurrent.futures
import os
import sys
import threading
import types
import uuid

import psycopg
import pytest
import requests

import harness
from apihelp import ISO_TS, Api
from conftest import Fixtures
from harness import Front, Pgbouncer, PgCluster, Stack, assert_json_response, assert_recorded

SECRET = "bb-pgbouncer-secret-0123456789"

if not harness.PGBOUNCER:
    REASON = ("*** pgbouncer not found: the pgbouncer tests are SKIPPED"
              " (Debian: apt-get install pgbouncer, or script/bootstrap) ***")
    sys.stderr.write("\n%s\n" % REASON)
    pytestmark = pytest.mark.skip(reason=REASON)

# What pgbouncer drops with the "options" startup parameter, set on the role
# instead (doc/scaling.md); the server's own TimeZone is not UTC, so a
# timestamp ending in +00:00 shows the role's setting reached the sessions.
ROLE_SETTINGS = [
    "ALTER ROLE hookgate SET statement_timeout = 5000",
    "ALTER ROLE hookgate SET TimeZone = 'UTC'",
    "ALTER ROLE hookgate SET log_parameter_max_length_on_error = 0",
]


@pytest.fixture(scope="module")
def bouncer(base_dir):
    """A cluster, pgbouncer in front, two pools (a, b) through it; hookgatectl through it."""
    base = os.path.join(base_dir, "pgbouncer")
    os.mkdir(base, 0o755)
    cluster = PgCluster(base).init().start(TimeZone="Pacific/Auckland")
    direct = harness.write_config(os.path.join(base, "direct.conf"), cluster.conninfo,
                                  "/hookgate-bb-%d-bouncer-direct" % os.getpid())
    harness.Ctl(direct)("migrate")
    with cluster.connect() as conn:
        for sql in ROLE_SETTINGS:
            conn.execute(sql)
        conn.execute("CREATE DATABASE unmigrated")
    pgb = Pgbouncer(base, "pgbouncer", cluster).start()
    stacks = []
    try:
        for name in ("a", "b"):
            stacks.append(Stack(base, name, workers=4, migrate=False, cgi=False, cluster=cluster,
                                database_url=pgb.conninfo, db_prepared_statements="off"))
        db = cluster.connect()
        yield types.SimpleNamespace(cluster=cluster, pgbouncer=pgb, a=stacks[0], b=stacks[1],
                                    fronts=[Front("a", stacks[0].fastcgi), Front("b", stacks[1].fastcgi)],
                                    ctl=stacks[0].ctl, db=db, base=base)
        db.close()
    finally:
        for s in stacks:
            s.close()
        pgb.stop()
        cluster.stop(check=False)


@pytest.fixture
def bfx(bouncer):
    """Rows made by hookgatectl through pgbouncer, checked on the database directly."""
    return Fixtures(bouncer.ctl, bouncer.db)


@pytest.fixture(params=["a", "b"])
def bfront(request, bouncer):
    return bouncer.fronts[0] if request.param == "a" else bouncer.fronts[1]


def test_everything_goes_through_pgbouncer(bouncer, bfx):
    """hookgate's own sessions are pgbouncer's clients, with statement_timeout and UTC set."""
    trig = bfx.trigger()
    for front in bouncer.fronts:
        assert_json_response(front.hook(trig, {"warm": front.name}), 200)
        assert front.get("/readyz").status_code == 200
    admin = psycopg.connect(bouncer.pgbouncer.conninfo.replace("dbname=postgres", "dbname=pgbouncer"),
                            autocommit=True)
    try:
        clients = admin.execute("SHOW CLIENTS").fetchall()
    finally:
        admin.close()
    names = [c for c in clients if any(isinstance(v, str) and v.startswith("hookgate") for v in c)]
    assert len(names) >= 2, "no hookgate client on pgbouncer: %r" % (clients,)
    with psycopg.connect(bouncer.pgbouncer.conninfo + " options='-c TimeZone=Asia/Tokyo'",
                         autocommit=True) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "5s"
        assert conn.execute("SHOW TimeZone").fetchone()[0] == "UTC"


def test_accepted_and_duplicate(bfront, bfx):
    trig = bfx.trigger(secret=SECRET)
    key = {"Idempotency-Key": "pgb-" + uuid.uuid4().hex}
    first = bfront.hook(trig, {"type": "pgb.accepted"}, headers=key, secret=SECRET)
    a = assert_json_response(first, 200)
    assert a["status"] == "accepted" and a["run_id"]
    d = bfx.delivery(a["delivery_id"])
    assert d["status"] == "dispatched" and d["signature_status"] == "valid"
    assert d["event"] == "pgb.accepted"
    assert_recorded(first, d)
    assert bfx.run(a["run_id"])["status"] == "pending"

    again = bfront.hook(trig, {"type": "pgb.accepted"}, headers=key, secret=SECRET)
    b = assert_json_response(again, 200)
    assert b == {"status": "duplicate", "delivery_id": a["delivery_id"], "run_id": a["run_id"]}
    assert bfx.delivery(a["delivery_id"])["attempt_count"] == 2
    assert len(bfx.runs(trig)) == 1


def test_rejected(bfront, bfx):
    trig = bfx.trigger(secret=SECRET)
    resp = bfront.hook(trig, {"type": "pgb.rejected"}, secret="wrong-secret-wwwwwwwwww")
    out = assert_json_response(resp, 401)
    assert out["status"] == "rejected"
    d = bfx.delivery(out["delivery_id"])
    assert d["status"] == "rejected" and d["signature_status"] == "invalid"
    assert_recorded(resp, d)
    assert bfx.runs(trig) == []


def test_ignored(bfront, bfx):
    trig = bfx.trigger(status="paused")
    resp = bfront.hook(trig, {"type": "pgb.ignored"})
    out = assert_json_response(resp, 200)
    assert out == {"status": "ignored", "delivery_id": out["delivery_id"], "reason": "autopilot_paused"}
    d = bfx.delivery(out["delivery_id"])
    assert d["status"] == "ignored" and d["autopilot_run_id"] is None
    assert_recorded(resp, d)
    assert bfx.runs(trig) == []


def test_unknown_token_is_404(bfront):
    resp = bfront.post(harness.WEBHOOK_PREFIX + "awt_" + "B" * 43, data=b"{}",
                       headers={"Content-Type": "application/json"})
    assert assert_json_response(resp, 404)


def test_100_concurrent_one_key_over_both_pools(bouncer, bfx):
    """SPEC 8.2 through pgbouncer: one live delivery and one run for one key."""
    n = 100
    trig = bfx.trigger()
    key = {"Idempotency-Key": "pgb-conc-" + uuid.uuid4().hex}
    barrier = threading.Barrier(n)

    def send(i):
        with requests.Session() as s:
            barrier.wait(60)
            return bouncer.fronts[i % 2].hook(trig, {"n": 1}, headers=key, session=s, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        answers = list(ex.map(send, range(n)))
    bad = [(r.status_code, r.text) for r in answers if r.status_code != 200]
    assert not bad, bad[:5]
    bodies = [r.json() for r in answers]
    statuses = sorted(b["status"] for b in bodies)
    assert statuses == ["accepted"] + ["duplicate"] * (n - 1), statuses
    assert len({b["delivery_id"] for b in bodies}) == 1
    assert len({b["run_id"] for b in bodies}) == 1 and None not in {b["run_id"] for b in bodies}
    rows = bfx.deliveries(trig)
    assert len(rows) == 1 and rows[0]["attempt_count"] == n
    assert len(bfx.runs(trig)) == 1


def test_api_through_pgbouncer(bouncer, bfx):
    front = bouncer.fronts[1]
    k = bfx.ctl("apikey", "create", "--workspace", bfx.slug, "--scope", "write")
    api = Api(front, k["key"], scope="write", key_id=k["id"])
    ap = api.autopilot(title="through pgbouncer")
    assert ISO_TS.match(ap["created_at"]) and ap["created_at"].endswith("+00:00"), ap["created_at"]
    tr = api.trigger(ap["id"], label="pgb")
    assert api.get("/api/autopilots/%s" % ap["id"])["triggers"][0]["id"] == tr["id"]
    rt = api.runtime("pgb worker")

    sent = assert_json_response(bouncer.fronts[0].hook(
        types.SimpleNamespace(path=tr["webhook_path"]), {"type": "pgb.api"}), 200)
    listed = api.get("/api/autopilots/%s/deliveries" % ap["id"])["deliveries"]
    assert [d["id"] for d in listed] == [sent["delivery_id"]]
    shown = api.get("/api/autopilots/%s/deliveries/%s" % (ap["id"], sent["delivery_id"]))["delivery"]
    assert shown["status"] == "dispatched" and shown["received_at"].endswith("+00:00"), shown
    replay = api.post("/api/autopilots/%s/deliveries/%s/replay" % (ap["id"], sent["delivery_id"]),
                      headers={"Idempotency-Key": "pgb-replay"})
    assert replay["delivery"]["replayed_from_delivery_id"] == sent["delivery_id"]

    claimed = api.post("/api/runs/claim", {"runtime_id": rt["id"]}, status=200)["run"]
    assert claimed["id"] == sent["run_id"]
    done = api.post("/api/runs/%s/complete" % claimed["id"],
                    {"runtime_id": rt["id"], "result": {"ok": True}}, status=200)["run"]
    assert done["status"] == "completed"
    runs = api.get("/api/autopilots/%s/runs" % ap["id"])["runs"]
    assert {r["id"] for r in runs} == {sent["run_id"], replay["run"]["id"]}


def test_hookgatectl_through_pgbouncer(bouncer, bfx):
    ctl = bfx.ctl
    keys = ctl("apikey", "list", "--workspace", bfx.slug)
    k = ctl("apikey", "create", "--workspace", bfx.slug, "--scope", "read")
    assert [x["id"] for x in ctl("apikey", "list", "--workspace", bfx.slug)] != [x["id"] for x in keys]
    assert ctl("apikey", "revoke", k["id"])["revoked_at"]
    rt = ctl("runtime", "create", "--workspace", bfx.slug, "--name", "pgb ctl")
    assert ctl("runtime", "heartbeat", rt["id"])["last_seen_at"].endswith("+00:00")
    trig = bfx.trigger(runtime=rt)
    assert ctl("trigger", "show", trig.id)["id"] == trig.id
    assert [t["id"] for t in ctl("trigger", "list", "--autopilot", trig.autopilot_id)] == [trig.id]
    out = bfx.set_secret(trig.id, SECRET)
    assert out["has_signing_secret"] is True
    sent = assert_json_response(bouncer.fronts[0].hook(trig, {"type": "pgb.ctl"}, secret=SECRET), 200)
    assert [d["id"] for d in ctl("delivery", "list", "--autopilot", trig.autopilot_id)] == \
        [sent["delivery_id"]]
    assert ctl("delivery", "show", sent["delivery_id"])["status"] == "dispatched"
    replayed = ctl("delivery", "replay", sent["delivery_id"], "--idempotency-key", "pgb-ctl")
    assert replayed["delivery"]["replayed_from_delivery_id"] == sent["delivery_id"]
    assert ctl("delivery", "replay", sent["delivery_id"], "--idempotency-key", "pgb-ctl") == replayed
    assert {r["id"] for r in ctl("run", "list", "--autopilot", trig.autopilot_id)} == \
        {sent["run_id"], replayed["run"]["id"]}
    assert ctl("autopilot", "set-status", trig.autopilot_id, "paused")["status"] == "paused"
    rotated = ctl("trigger", "rotate", trig.id)
    assert rotated["webhook_token"] != trig.token
    assert bouncer.fronts[1].hook(trig, {"type": "old token"}).status_code == 404


def test_unmigrated_database_is_503_not_500(bouncer, base_dir):
    """Unnamed statements meet a missing table when run, not when prepared: still 503."""
    url = bouncer.pgbouncer.conninfo.replace("dbname=postgres", "dbname=unmigrated")
    s = Stack(bouncer.base, "unmigrated", workers=1, migrate=False, cgi=False,
              cluster=bouncer.cluster, database_url=url, db_prepared_statements="off")
    try:
        front = Front("unmigrated", s.fastcgi)
        assert assert_json_response(front.get("/readyz"), 503) == {"status": "migrations pending"}
        resp = front.post(harness.WEBHOOK_PREFIX + "awt_" + "C" * 43, data=b"{}",
                          headers={"Content-Type": "application/json"})
        assert_json_response(resp, 503)
        assert resp.headers.get("Retry-After")
        assert "not migrated" in s.pool.log_text()
    finally:
        s.close()
