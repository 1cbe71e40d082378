"""hookgatectl, the operator's side of the API: apikey list|revoke, trigger list|rotate, delivery list|show|replay, run list|show."""

import base64
import hashlib
import json
import shutil
import subprocess

import pytest

import harness
from apihelp import ISO_TS, TOKEN_RE, TRIGGER_KEYS, UUID_RE
from harness import WEBHOOK_PREFIX, assert_json_response, clean_env, unique_slug
from runhelp import (DELIVERY_DETAIL_FIELDS, DELIVERY_FIELDS, HEAVY_FIELDS, RUN_DETAIL_FIELDS,
                     RUN_FIELDS, Api, hook_ok, insert_deliveries, random_id)

APIKEY_FIELDS = {"id", "workspace_id", "name", "scope", "last_used_at", "revoked_at", "created_at"}
SECRET = "bb-ctl-signing-secret-0123456789"
NEW_SECRET = "bb-ctl-another-secret-9876543210"


class Recorder:
    """hookgatectl through the session's config, remembering every output.

    At teardown: no output contains a signing secret of this module or any
    API key, except `apikey create`'s own one-time output.
    """

    def __init__(self, ctl):
        self.ctl = ctl
        self.outputs = []
        self.keys = []

    def run(self, *args, input=None):
        p = self.ctl.raw(*args, input=input)
        if args[:2] == ("apikey", "create") and p.returncode == 0:
            self.keys.append(json.loads(p.stdout)["key"])
        else:
            self.outputs.append(p.stdout + p.stderr)
        return p

    def ok(self, *args, input=None):
        """A command that must succeed: its one line of JSON, parsed."""
        p = self.run(*args, input=input)
        assert p.returncode == 0, "hookgatectl %s -> %d: %s" % (" ".join(args), p.returncode, p.stderr)
        assert p.stderr == "", p.stderr
        assert p.stdout.endswith("\n") and p.stdout.count("\n") == 1, p.stdout
        return json.loads(p.stdout)

    def fail(self, *args, input=None):
        """A command that must fail with status 1: its one line on stderr, nothing on stdout."""
        p = self.run(*args, input=input)
        assert p.returncode == 1, "hookgatectl %s -> %d, wanted 1: %r %r" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
        assert p.stdout == "", p.stdout
        assert p.stderr.startswith("hookgatectl: ") and p.stderr.count("\n") == 1, p.stderr
        return p.stderr

    def usage(self, *args):
        """Wrong usage: status 2, the problem and the usage on stderr, nothing on stdout."""
        p = self.run(*args)
        assert p.returncode == 2, "hookgatectl %s -> %d, wanted 2: %r" % (
            " ".join(args), p.returncode, p.stderr)
        assert p.stdout == ""
        assert p.stderr.startswith("hookgatectl: ") and "Usage: hookgatectl" in p.stderr, p.stderr
        return p.stderr.split("\n")[0]

    def api_key(self, slug, scope="write", name="bb"):
        return self.ok("apikey", "create", "--workspace", slug, "--scope", scope, "--name", name)

    def check_no_secret(self):
        for out in self.outputs:
            for s in [SECRET, NEW_SECRET] + self.keys:
                assert s not in out, "hookgatectl printed a secret or an API key: %r" % out


@pytest.fixture
def c(ctl):
    rec = Recorder(ctl)
    yield rec
    rec.check_no_secret()


@pytest.fixture
def api(fx, pool_front, c):
    """A write Api of fx's workspace."""
    return Api(pool_front, c.api_key(fx.slug)["key"])


def assert_ts(v):
    assert isinstance(v, str) and ISO_TS.match(v), v


# ---------------------------------------------------------------- apikey

def test_apikey_list(fx, c, pool_front):
    assert c.ok("apikey", "list", "--workspace", fx.slug) == []
    w = c.api_key(fx.slug, "write", "ci")
    r = c.api_key(fx.slug, "read", "dashboard")
    keys = c.ok("apikey", "list", "--workspace", fx.slug)
    assert [k["id"] for k in keys] == [w["id"], r["id"]]        # oldest first
    for k, made in zip(keys, (w, r)):
        assert set(k) == APIKEY_FIELDS, k
        assert k["workspace_id"] == fx.workspace["id"]
        assert (k["name"], k["scope"]) == (made["name"], made["scope"])
        assert k["last_used_at"] is None and k["revoked_at"] is None
        assert_ts(k["created_at"])
    # using a key shows in last_used_at
    assert_json_response(Api(pool_front, w["key"]).get("/api/autopilots"), 200)
    used = {k["id"]: k for k in c.ok("apikey", "list", "--workspace", fx.slug)}
    assert_ts(used[w["id"]]["last_used_at"])
    assert used[r["id"]]["last_used_at"] is None
    # another workspace's keys are not listed
    other = type(fx)(fx.ctl, fx.db)
    c.api_key(other.slug)
    assert [k["id"] for k in c.ok("apikey", "list", "--workspace", fx.slug)] == [w["id"], r["id"]]


def test_apikey_list_errors(fx, c):
    assert "workspace 'no-such-ws-x' not found" in c.fail("apikey", "list", "--workspace", "no-such-ws-x")
    assert "missing option --workspace" in c.usage("apikey", "list")
    assert "unknown option" in c.usage("apikey", "list", "--workspace", fx.slug, "--bogus", "1")
    assert "too many arguments" in c.usage("apikey", "list", "--workspace", fx.slug, "extra")


def test_apikey_revoke(fx, c, pool_front, db):
    w = c.api_key(fx.slug)
    keep = c.api_key(fx.slug, "read")
    api, other = Api(pool_front, w["key"]), Api(pool_front, keep["key"])
    assert_json_response(api.get("/api/autopilots"), 200)
    out = c.ok("apikey", "revoke", w["id"])
    assert set(out) == APIKEY_FIELDS and out["id"] == w["id"], out
    assert_ts(out["revoked_at"])
    # refused at once, with the API's 401
    assert assert_json_response(api.get("/api/autopilots"), 401) == {"error": "unauthorized"}
    assert_json_response(other.get("/api/autopilots"), 200)
    # idempotent: the first revocation time stays
    again = c.ok("apikey", "revoke", w["id"])
    assert again == out
    assert db.execute("SELECT revoked_at FROM api_key WHERE id = %s", (w["id"],)).fetchone()[
        "revoked_at"] is not None
    listed = {k["id"]: k for k in c.ok("apikey", "list", "--workspace", fx.slug)}
    assert listed[w["id"]]["revoked_at"] == out["revoked_at"]
    assert listed[keep["id"]]["revoked_at"] is None


def test_apikey_revoke_errors(c):
    missing = random_id()
    assert "API key '%s' not found" % missing in c.fail("apikey", "revoke", missing)
    assert "invalid API key id 'nope'" in c.fail("apikey", "revoke", "nope")
    assert "missing argument APIKEY_ID" in c.usage("apikey", "revoke")
    assert "too many arguments" in c.usage("apikey", "revoke", random_id(), random_id())
    assert "unknown command 'apikey delete'" in c.usage("apikey", "delete", random_id())


# ---------------------------------------------------------------- trigger list, rotate

def test_trigger_list(fx, c):
    ap = fx.autopilot()
    assert c.ok("trigger", "list", "--autopilot", ap["id"]) == []
    t1 = fx.trigger(autopilot=ap, label="first")
    t2 = fx.trigger(autopilot=ap, provider="github", disabled=True)
    fx.set_secret(t2.id, SECRET)
    fx.trigger()                                       # another autopilot's
    got = c.ok("trigger", "list", "--autopilot", ap["id"])
    assert [t["id"] for t in got] == [t1.id, t2.id]     # oldest first
    for t, made in zip(got, (t1, t2)):
        assert set(t) == TRIGGER_KEYS, t
        # the token was shown once, by create: a list or show has its hint only
        assert (t["webhook_token"], t["webhook_path"], t["webhook_url"]) == (None, None, None), t
        assert t["webhook_token_hint"] == made.token[:8]
        assert t == c.ok("trigger", "show", t["id"])
    assert t1.token not in json.dumps(got) and t2.token not in json.dumps(got)
    assert got[0]["label"] == "first" and got[0]["enabled"] is True
    assert got[1]["provider"] == "github" and got[1]["enabled"] is False
    assert got[1]["has_signing_secret"] is True and got[1]["signing_secret_hint"] == SECRET[-4:]


def test_trigger_list_errors(c):
    missing = random_id()
    assert "autopilot '%s' not found" % missing in c.fail("trigger", "list", "--autopilot", missing)
    assert "invalid autopilot id 'x1'" in c.fail("trigger", "list", "--autopilot", "x1")
    assert "missing option --autopilot" in c.usage("trigger", "list")
    assert "needs a value" in c.usage("trigger", "list", "--autopilot")


def test_trigger_rotate(fx, c, pool_front, db):
    trig = fx.trigger(secret=SECRET)
    body = {"event": "bb.rotate"}
    assert_json_response(pool_front.hook(trig, body, secret=SECRET), 200)
    before = c.ok("trigger", "show", trig.id)
    out = c.ok("trigger", "rotate", trig.id)
    assert set(out) == TRIGGER_KEYS
    assert TOKEN_RE.match(out["webhook_token"]) and out["webhook_token"] != trig.token
    assert out["webhook_path"] == WEBHOOK_PREFIX + out["webhook_token"]
    assert out["has_signing_secret"] is True and out["signing_secret_hint"] == SECRET[-4:]
    assert out["updated_at"] >= before["updated_at"]
    assert out["webhook_token_hint"] == out["webhook_token"][:8]
    changed = ("webhook_token", "webhook_path", "webhook_url", "webhook_token_hint", "updated_at")
    assert {k: v for k, v in out.items() if k not in changed} == \
        {k: v for k, v in before.items() if k not in changed}
    # the old token is dead at once, the new one works
    assert assert_json_response(pool_front.hook(trig, body, secret=SECRET), 404) == \
        {"error": "webhook not found"}
    new = type(trig)(**{**vars(trig), "path": out["webhook_path"], "token": out["webhook_token"]})
    assert_json_response(pool_front.hook(new, body, secret=SECRET), 200)
    shown = c.ok("trigger", "show", trig.id)
    assert shown["webhook_token"] is None and shown["webhook_token_hint"] == out["webhook_token"][:8]
    assert db.execute("SELECT count(*) AS n FROM autopilot_trigger WHERE webhook_token_hash = %s",
                      (hashlib.sha256(trig.token.encode()).hexdigest(),)).fetchone()["n"] == 0
    assert db.execute("SELECT webhook_token_hash FROM autopilot_trigger WHERE id = %s",
                      (trig.id,)).fetchone()["webhook_token_hash"] == \
        hashlib.sha256(out["webhook_token"].encode()).hexdigest()


def test_trigger_rotate_errors(c):
    missing = random_id()
    assert "trigger '%s' not found" % missing in c.fail("trigger", "rotate", missing)
    assert "invalid trigger id 'zz'" in c.fail("trigger", "rotate", "zz")
    assert "missing argument TRIGGER_ID" in c.usage("trigger", "rotate")
    assert "unknown option" in c.usage("trigger", "rotate", random_id(), "--keep-previous", "5")


def test_trigger_set_secret_keep_previous(fx, c, pool_front):
    """--keep-previous: the old secret signs until expiry; the bound is the API's 30 days."""
    trig = fx.trigger(secret=SECRET)
    out = c.ok("trigger", "set-secret", trig.id, "--keep-previous", "600", input=NEW_SECRET + "\n")
    assert out["has_signing_secret"] and out["has_previous_signing_secret"]
    assert out["signing_secret_hint"] == NEW_SECRET[-4:]
    for s in (SECRET, NEW_SECRET):
        assert_json_response(pool_front.hook(trig, {"event": "bb.keep"}, secret=s), 200)
    err = c.fail("trigger", "set-secret", trig.id, "--keep-previous", "2592001", input=SECRET + "\n")
    assert "--keep-previous" in err
    assert c.ok("trigger", "set-secret", trig.id, "--keep-previous", "2592000",
                input=SECRET + "\n")["has_previous_signing_secret"] is True


def test_trigger_set_secret_checks_a_whpk_key(fx, c):
    """The provider's rule holds in the CLI as in the API: a standard trigger's whpk_ key is 32 bytes."""
    trig = fx.trigger(provider="standard", secret=SECRET)
    bad = "whpk_" + base64.b64encode(b"k" * 31).decode()
    err = c.fail("trigger", "set-secret", trig.id, input=bad + "\n")
    assert "32-byte" in err and "Ed25519" in err and bad[5:] not in err, err
    assert fx.trigger_row(trig)["signing_secret"] == SECRET, "a refused key changed the trigger"
    good = "whpk_" + base64.b64encode(b"k" * 32).decode()
    assert c.ok("trigger", "set-secret", trig.id, input=good + "\n")["signing_secret_hint"] == good[-4:]


# ---------------------------------------------------------------- delivery list

def test_delivery_list_matches_the_api(fx, c, api):
    trig = fx.trigger()
    sent = [hook_ok(api.front, trig, {"event": "bb.list", "n": i, "marker": "BODY-MARK-%d" % i},
                    headers={"User-Agent": "bb-ua-marker"}) for i in range(3)]
    p = c.run("delivery", "list", "--autopilot", trig.autopilot_id)
    got = json.loads(p.stdout)
    assert [d["id"] for d in got] == [s["delivery_id"] for s in reversed(sent)]   # newest first
    for d in got:
        assert set(d) == DELIVERY_FIELDS, d
        assert d["status"] == "dispatched" and d["event"] == "bb.list"
    assert got == api.ok("GET", "/api/autopilots/%s/deliveries" % trig.autopilot_id)["deliveries"]
    for heavy in HEAVY_FIELDS:
        assert '"%s"' % heavy not in p.stdout
    assert "BODY-MARK" not in p.stdout and "bb-ua-marker" not in p.stdout
    # another autopilot: none of these
    assert c.ok("delivery", "list", "--autopilot", fx.autopilot()["id"]) == []


def test_delivery_list_status_limit_before(fx, c, api):
    trig = fx.trigger(secret=SECRET)
    good = [assert_json_response(api.front.hook(trig, {"event": "bb.s", "n": i}, secret=SECRET), 200)
            for i in range(3)]
    bad = assert_json_response(api.front.hook(trig, {"event": "bb.s"}), 401)
    ap = trig.autopilot_id
    assert [d["id"] for d in c.ok("delivery", "list", "--autopilot", ap, "--status", "rejected")] == \
        [bad["delivery_id"]]
    newest_good = [g["delivery_id"] for g in reversed(good)]
    assert [d["id"] for d in c.ok("delivery", "list", "--autopilot", ap,
                                  "--status", "dispatched")] == newest_good
    assert c.ok("delivery", "list", "--autopilot", ap, "--status", "ignored") == []
    page1 = c.ok("delivery", "list", "--autopilot", ap, "--limit", "2")
    assert [d["id"] for d in page1] == [bad["delivery_id"], newest_good[0]]
    page2 = c.ok("delivery", "list", "--autopilot", ap, "--limit=2", "--before", page1[-1]["id"])
    assert [d["id"] for d in page2] == newest_good[1:]
    assert c.ok("delivery", "list", "--autopilot", ap, "--before", page2[-1]["id"]) == []
    # --before with --status: older ones of that status
    assert [d["id"] for d in c.ok("delivery", "list", "--autopilot", ap, "--status", "dispatched",
                                  "--before", bad["delivery_id"])] == newest_good


def test_delivery_list_walk_250(fx, c, db):
    trig = fx.trigger()
    ids = insert_deliveries(db, trig, fx.workspace["id"], 250)
    assert len(c.ok("delivery", "list", "--autopilot", trig.autopilot_id)) == 20    # the default
    seen, before = [], []
    while True:
        page = c.ok("delivery", "list", "--autopilot", trig.autopilot_id, "--limit", "100", *before)
        if not page:
            break
        assert len(page) <= 100
        seen += [d["id"] for d in page]
        before = ["--before", page[-1]["id"]]
        assert len(seen) <= 250
    assert seen == ids
    assert len(c.ok("delivery", "list", "--autopilot", trig.autopilot_id, "--limit", "1000")) == 250


def test_delivery_list_errors(fx, c):
    trig = fx.trigger()
    other = fx.trigger()
    theirs = stored_delivery(fx, other)
    ap = trig.autopilot_id
    missing = random_id()
    assert "autopilot '%s' not found" % missing in c.fail("delivery", "list", "--autopilot", missing)
    assert "autopilot '%s' not found" % missing in c.fail("delivery", "list", "--autopilot", missing,
                                                          "--before", random_id())
    assert "invalid autopilot id 'ap'" in c.fail("delivery", "list", "--autopilot", "ap")
    for bad in ("bogus", "", "DISPATCHED", "pending"):
        assert "invalid --status" in c.fail("delivery", "list", "--autopilot", ap, "--status", bad)
    for bad in ("0", "1001", "-1", "abc", "", "1e2", "99999999999999999999"):
        assert "invalid --limit" in c.fail("delivery", "list", "--autopilot", ap, "--limit", bad)
    assert "invalid delivery id 'c'" in c.fail("delivery", "list", "--autopilot", ap, "--before", "c")
    for cursor in (random_id(), theirs):
        assert "not found in autopilot" in c.fail("delivery", "list", "--autopilot", ap,
                                                  "--before", cursor)
    assert "missing option --autopilot" in c.usage("delivery", "list")
    assert "given twice" in c.usage("delivery", "list", "--autopilot", ap, "--limit", "1", "--limit", "2")
    assert "'delivery' needs a subcommand" in c.usage("delivery")


def stored_delivery(fx, trig):
    """A delivery of trig, written straight into the table: its id."""
    return insert_deliveries(fx.db, trig, fx.workspace["id"], 1)[0]


# ---------------------------------------------------------------- delivery show

def test_delivery_show_matches_the_api(fx, c, api):
    trig = fx.trigger()
    raw = '{"event":"bb.show","text":"h\u00e9llo \u2603"}'.encode()
    resp = api.front.hook(trig, raw, headers={"User-Agent": "bb-agent/1", "Idempotency-Key": "k-1"})
    sent = assert_json_response(resp, 200)
    d = c.ok("delivery", "show", sent["delivery_id"])
    assert set(d) == DELIVERY_DETAIL_FIELDS, d
    assert d == api.ok("GET", "/api/autopilots/%s/deliveries/%s"
                       % (trig.autopilot_id, sent["delivery_id"]))["delivery"]
    assert d["raw_body"] == raw.decode() and d["raw_body_encoding"] == "utf-8"
    assert d["response_body"] == resp.text
    assert d["dedupe_key"] == "k-1" and d["autopilot_run_id"] == sent["run_id"]
    assert d["selected_headers"] == fx.delivery(sent["delivery_id"])["selected_headers"]


def test_delivery_show_non_utf8_as_base64(fx, c, db):
    trig = fx.trigger()
    raw = b'{"name":"caf\xe9","bin":"\xff\xfe\x00"}'
    [did] = insert_deliveries(db, trig, fx.workspace["id"], 1, raw_body=raw)
    d = c.ok("delivery", "show", did)
    assert d["raw_body_encoding"] == "base64" and base64.b64decode(d["raw_body"]) == raw
    [empty] = insert_deliveries(db, trig, fx.workspace["id"], 1, raw_body=b"")
    d = c.ok("delivery", "show", empty)
    assert (d["raw_body"], d["raw_body_encoding"]) == ("", "utf-8")


def test_delivery_show_errors(c):
    missing = random_id()
    assert "delivery '%s' not found" % missing in c.fail("delivery", "show", missing)
    assert "invalid delivery id '12'" in c.fail("delivery", "show", "12")
    assert "missing argument DELIVERY_ID" in c.usage("delivery", "show")
    assert "too many arguments" in c.usage("delivery", "show", missing, missing)


# ---------------------------------------------------------------- delivery replay

def count(db, sql, *args):
    return db.execute(sql, args).fetchone()["n"]


def test_delivery_replay(fx, c, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.replay", "data": [1, 2, 3]})
    original = fx.delivery(sent["delivery_id"])
    original_run = fx.run(sent["run_id"])
    out = c.ok("delivery", "replay", sent["delivery_id"])
    assert set(out) == {"delivery", "run"}
    d, run = out["delivery"], out["run"]
    assert set(d) == DELIVERY_DETAIL_FIELDS and set(run) == RUN_DETAIL_FIELDS, out
    assert UUID_RE.match(d["id"]) and d["id"] != sent["delivery_id"]
    assert d["replayed_from_delivery_id"] == sent["delivery_id"]
    assert d["status"] == "dispatched" and d["signature_status"] == "not_required"
    assert d["dedupe_key"] is None and d["replay_idempotency_key"] is None
    assert d["response_status"] == 201 and d["autopilot_run_id"] == run["id"]
    assert d["raw_body"] == bytes(original["raw_body"]).decode()
    assert run["source"] == "replay" and run["status"] == "pending"
    assert run["webhook_delivery_id"] == d["id"] and run["trigger_id"] == trig.id
    # the ingress's payload, rebuilt in C, with the replay's own receivedAt
    rebuilt = json.loads(json.dumps(run["trigger_payload"]))
    assert rebuilt["request"].pop("receivedAt") > \
        original_run["trigger_payload"]["request"]["receivedAt"]
    expected = json.loads(json.dumps(original_run["trigger_payload"]))
    del expected["request"]["receivedAt"]
    assert rebuilt == expected
    # the same objects as the API shows them
    assert d == api.ok("GET", "/api/autopilots/%s/deliveries/%s" % (trig.autopilot_id, d["id"]))["delivery"]
    assert run == api.ok("GET", "/api/autopilots/%s/runs/%s" % (trig.autopilot_id, run["id"]))["run"]
    # one new delivery and one new run; the original untouched
    assert len(fx.deliveries(trig)) == 2 and len(fx.runs(trig)) == 2
    assert fx.delivery(sent["delivery_id"]) == original
    assert fx.run(sent["run_id"]) == original_run
    # a replay of the replay
    again = c.ok("delivery", "replay", d["id"])
    assert again["delivery"]["replayed_from_delivery_id"] == d["id"]
    assert len(fx.deliveries(trig)) == 3


def test_delivery_replay_idempotency_key(fx, c, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.idem"})
    first = c.ok("delivery", "replay", sent["delivery_id"], "--idempotency-key", "op-1")
    assert first["delivery"]["replay_idempotency_key"] == "op-1"
    second = c.ok("delivery", "replay", sent["delivery_id"], "--idempotency-key", "  op-1 ")
    assert second["delivery"]["id"] == first["delivery"]["id"]
    assert second["run"]["id"] == first["run"]["id"]
    assert count(db, "SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id = %s",
                 sent["delivery_id"]) == 1
    assert count(db, "SELECT count(*) AS n FROM autopilot_run WHERE autopilot_id = %s",
                 trig.autopilot_id) == 2
    # the API's replay with the same key is the same replay (200)
    resp = api.post("/api/autopilots/%s/deliveries/%s/replay" % (trig.autopilot_id, sent["delivery_id"]),
                    headers={"Idempotency-Key": "op-1"})
    assert assert_json_response(resp, 200)["delivery"]["id"] == first["delivery"]["id"]
    # another key, or none: a new replay each
    other = c.ok("delivery", "replay", sent["delivery_id"], "--idempotency-key", "op-2")
    plain = c.ok("delivery", "replay", sent["delivery_id"])
    assert len({first["delivery"]["id"], other["delivery"]["id"], plain["delivery"]["id"]}) == 3
    assert len(fx.runs(trig)) == 4


def test_delivery_replay_offline_runtime_is_skipped(fx, c, db, api):
    rt = fx.runtime()
    db.execute("UPDATE runtime SET last_seen_at = now() - interval '1 hour' WHERE id = %s", (rt["id"],))
    trig = fx.trigger(runtime=rt)
    sent = hook_ok(api.front, trig, {"event": "bb.offline"})
    out = c.ok("delivery", "replay", sent["delivery_id"])
    assert out["run"]["status"] == "skipped"
    assert out["run"]["failure_reason"] == "agent runtime is offline at dispatch time"


def test_delivery_replay_refusals(fx, c, api, db):
    trig = fx.trigger(secret=SECRET)
    rejected = assert_json_response(api.front.hook(trig, {"event": "bb.r"}), 401)["delivery_id"]
    err = c.fail("delivery", "replay", rejected)
    assert err.endswith(": a rejected delivery cannot be replayed\n"), err

    good = assert_json_response(api.front.hook(trig, {"event": "bb.r"}, secret=SECRET), 200)["delivery_id"]
    db.execute("UPDATE webhook_delivery SET signature_status = 'invalid' WHERE id = %s", (good,))
    assert "invalid signature cannot be replayed" in c.fail("delivery", "replay", good)
    db.execute("UPDATE webhook_delivery SET signature_status = 'valid' WHERE id = %s", (good,))

    for status in ("paused", "archived"):
        c.ok("autopilot", "set-status", trig.autopilot_id, status)
        assert "autopilot is %s" % status in c.fail("delivery", "replay", good)
    c.ok("autopilot", "set-status", trig.autopilot_id, "active")

    db.execute("UPDATE autopilot_trigger SET enabled = false WHERE id = %s", (trig.id,))
    assert "trigger is disabled" in c.fail("delivery", "replay", good,
                                           "--idempotency-key", "k")
    db.execute("UPDATE autopilot_trigger SET enabled = true WHERE id = %s", (trig.id,))
    # nothing was written by any refusal
    assert count(db, "SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id"
                     " IN (%s, %s)", rejected, good) == 0
    assert c.ok("delivery", "replay", good)["delivery"]["replayed_from_delivery_id"] == good


def test_delivery_replay_errors(fx, c):
    trig = fx.trigger()
    did = stored_delivery(fx, trig)
    missing = random_id()
    assert "delivery '%s' not found" % missing in c.fail("delivery", "replay", missing)
    assert "invalid delivery id 'q'" in c.fail("delivery", "replay", "q")
    assert "must not be empty" in c.fail("delivery", "replay", did, "--idempotency-key", "  ")
    assert "at most 255 bytes" in c.fail("delivery", "replay", did, "--idempotency-key", "k" * 256)
    assert "missing argument DELIVERY_ID" in c.usage("delivery", "replay")
    assert "needs a value" in c.usage("delivery", "replay", did, "--idempotency-key")
    assert len(fx.deliveries(trig)) == 1
    # 255 bytes is fine
    out = c.ok("delivery", "replay", did, "--idempotency-key", "\u00e9" * 127 + "k")
    assert out["delivery"]["replay_idempotency_key"] == "\u00e9" * 127 + "k"


# ---------------------------------------------------------------- run list

def test_run_list(fx, c, api, db):
    trig = fx.trigger()
    sent = [hook_ok(api.front, trig, {"event": "bb.run", "n": i}) for i in range(3)]
    replayed = c.ok("delivery", "replay", sent[0]["delivery_id"])
    runs = c.ok("run", "list", "--autopilot", trig.autopilot_id)
    expected = [replayed["run"]["id"]] + [s["run_id"] for s in reversed(sent)]
    assert [r["id"] for r in runs] == expected                          # newest first
    for r in runs:
        assert set(r) == RUN_FIELDS, r
    assert runs[0]["source"] == "replay" and {r["source"] for r in runs[1:]} == {"webhook"}
    assert runs == api.ok("GET", "/api/autopilots/%s/runs" % trig.autopilot_id)["runs"]
    # --status, --limit, --before
    db.execute("UPDATE autopilot_run SET status = 'failed', failure_reason = 'bb', completed_at = now()"
               " WHERE id = %s", (sent[1]["run_id"],))
    failed = c.ok("run", "list", "--autopilot", trig.autopilot_id, "--status", "failed")
    assert [r["id"] for r in failed] == [sent[1]["run_id"]] and failed[0]["failure_reason"] == "bb"
    assert len(c.ok("run", "list", "--autopilot", trig.autopilot_id, "--status", "pending")) == 3
    assert c.ok("run", "list", "--autopilot", trig.autopilot_id, "--status", "completed") == []
    page = c.ok("run", "list", "--autopilot", trig.autopilot_id, "--limit", "3")
    assert [r["id"] for r in page] == expected[:3]
    rest = c.ok("run", "list", "--autopilot", trig.autopilot_id, "--before", page[-1]["id"])
    assert [r["id"] for r in rest] == expected[3:]
    assert c.ok("run", "list", "--autopilot", fx.autopilot()["id"]) == []


def test_run_list_errors(fx, c, api):
    trig = fx.trigger()
    other = fx.trigger()
    theirs = hook_ok(api.front, other, {"event": "bb.other"})["run_id"]
    ap = trig.autopilot_id
    missing = random_id()
    assert "autopilot '%s' not found" % missing in c.fail("run", "list", "--autopilot", missing)
    assert "invalid autopilot id 'r'" in c.fail("run", "list", "--autopilot", "r")
    for bad in ("dispatched", "", "Pending"):
        assert "invalid --status" in c.fail("run", "list", "--autopilot", ap, "--status", bad)
    assert "invalid --limit" in c.fail("run", "list", "--autopilot", ap, "--limit", "0")
    assert "invalid run id 'b'" in c.fail("run", "list", "--autopilot", ap, "--before", "b")
    for cursor in (missing, theirs):
        assert "run '%s' not found in autopilot" % cursor in c.fail(
            "run", "list", "--autopilot", ap, "--before", cursor)
    assert "missing option --autopilot" in c.usage("run", "list")


# ---------------------------------------------------------------- run show

def test_run_show_matches_the_api(fx, c, api, db):
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.show", "big": 123456789012345678901234567890})
    run = c.ok("run", "show", sent["run_id"])
    assert set(run) == RUN_DETAIL_FIELDS, run
    assert run == api.ok("GET", "/api/runs/%s" % sent["run_id"])["run"]
    assert run == api.ok("GET", "/api/autopilots/%s/runs/%s" % (trig.autopilot_id, sent["run_id"]))["run"]
    assert run["trigger_payload"] == fx.run(sent["run_id"])["trigger_payload"]
    assert run["trigger_payload"]["eventPayload"]["big"] == 123456789012345678901234567890
    # claimed and finished, it still matches
    rt = fx.runtime()
    claimed = api.ok("POST", "/api/runs/claim", body={"runtime_id": rt["id"]})["run"]
    assert claimed["id"] == sent["run_id"] and claimed["attempts"] == 1
    api.ok("POST", "/api/runs/%s/complete" % sent["run_id"],
           body={"runtime_id": rt["id"], "result": {"n": 18446744073709551616}})
    run = c.ok("run", "show", sent["run_id"])
    assert run == api.ok("GET", "/api/runs/%s" % sent["run_id"])["run"]
    assert run["status"] == "completed" and run["result"] == {"n": 18446744073709551616}
    assert run["claimed_by"] == rt["id"] and run["attempts"] == 1


def test_run_show_errors(fx, c):
    missing = random_id()
    assert "run '%s' not found" % missing in c.fail("run", "show", missing)
    assert "invalid run id 'r1'" in c.fail("run", "show", "r1")
    assert "missing argument RUN_ID" in c.usage("run", "show")
    assert "too many arguments" in c.usage("run", "show", missing, missing)


def test_cli_prints_the_api_keys_for_the_same_row(fx, c, api):
    """For deliveries and runs, every hookgatectl command prints exactly the API's keys (and
    values) for the same row: one definition of each resource's JSON (SPEC 9)."""
    trig = fx.trigger()
    sent = hook_ok(api.front, trig, {"event": "bb.keys"}, headers={"Idempotency-Key": "keys-1"})
    ap, did, rid = trig.autopilot_id, sent["delivery_id"], sent["run_id"]
    api_list = api.ok("GET", "/api/autopilots/%s/deliveries" % ap)["deliveries"]
    cli_list = c.ok("delivery", "list", "--autopilot", ap)
    assert [list(x) for x in cli_list] == [list(x) for x in api_list] and cli_list == api_list
    api_one = api.ok("GET", "/api/autopilots/%s/deliveries/%s" % (ap, did))["delivery"]
    cli_one = c.ok("delivery", "show", did)
    assert list(cli_one) == list(api_one) and cli_one == api_one
    api_runs = api.ok("GET", "/api/autopilots/%s/runs" % ap)["runs"]
    cli_runs = c.ok("run", "list", "--autopilot", ap)
    assert [list(x) for x in cli_runs] == [list(x) for x in api_runs] and cli_runs == api_runs
    api_run = api.ok("GET", "/api/runs/%s" % rid)["run"]
    cli_run = c.ok("run", "show", rid)
    assert list(cli_run) == list(api_run) and cli_run == api_run
    # a replay: the CLI's answer has the API's shape, and its rows are the API's
    cli_replay = c.ok("delivery", "replay", did, "--idempotency-key", "keys-replay")
    api_replay = api.ok("POST", "/api/autopilots/%s/deliveries/%s/replay" % (ap, did),
                        headers={"Idempotency-Key": "keys-replay"})
    assert list(cli_replay) == list(api_replay) == ["delivery", "run"]
    assert cli_replay == api_replay
    for name, path in (("delivery", "/api/autopilots/%s/deliveries/%s" % (ap, cli_replay["delivery"]["id"])),
                       ("run", "/api/runs/%s" % cli_replay["run"]["id"])):
        assert list(cli_replay[name]) == list(api.ok("GET", path)[name])


# ---------------------------------------------------------------- help, secrets, memory

def test_usage_lists_the_new_commands(ctl):
    p = ctl.raw("--help")
    assert p.returncode == 0
    for cmd in ("apikey list", "apikey revoke", "trigger list", "trigger rotate",
                "delivery list", "delivery show", "delivery replay", "run list", "run show"):
        assert cmd in p.stdout, cmd
    p = ctl.raw("delivery", "list", "--help")
    assert p.returncode == 0 and "delivery list" in p.stdout


def test_no_command_prints_a_secret_or_key(fx, c, api):
    """Every command of this file on a trigger with a signing secret and a workspace with keys."""
    read = c.api_key(fx.slug, "read")
    trig = fx.trigger(secret=SECRET)
    c.ok("trigger", "set-secret", trig.id, "--keep-previous", "60", input=NEW_SECRET + "\n")
    sent = assert_json_response(api.front.hook(trig, {"event": "bb.sec"}, secret=NEW_SECRET), 200)
    outputs = [
        c.run("apikey", "list", "--workspace", fx.slug),
        c.run("trigger", "list", "--autopilot", trig.autopilot_id),
        c.run("trigger", "show", trig.id),
        c.run("trigger", "rotate", trig.id),
        c.run("delivery", "list", "--autopilot", trig.autopilot_id),
        c.run("delivery", "show", sent["delivery_id"]),
        c.run("delivery", "replay", sent["delivery_id"]),
        c.run("run", "list", "--autopilot", trig.autopilot_id),
        c.run("run", "show", sent["run_id"]),
        c.run("apikey", "revoke", read["id"]),
    ]
    for p in outputs:
        assert p.returncode == 0, p.stderr
        for s in (SECRET, NEW_SECRET, read["key"], api.key):
            assert s not in p.stdout + p.stderr
        for field in ("key_hash", "signing_secret", "previous_signing_secret"):
            assert '"%s"' % field not in p.stdout
    # (the c fixture checks every other output of this file the same way)


VALGRIND = shutil.which("valgrind")


@pytest.mark.skipif(not VALGRIND, reason="*** valgrind not found: hookgatectl's leak check SKIPPED ***")
@pytest.mark.skipif(harness.SANITIZED, reason="*** an ASan build cannot run under valgrind: "
                    "LeakSanitizer checks these commands instead ***")
def test_new_commands_under_valgrind(fx, c, api, stack):
    """One run of each new command, happy path and an error, under valgrind: no leak, no error."""
    trig = fx.trigger(secret=SECRET)
    sent = assert_json_response(api.front.hook(trig, {"event": "bb.vg"}, secret=SECRET), 200)
    bin_did = insert_deliveries(fx.db, trig, fx.workspace["id"], 1, raw_body=b"\xff\xfe")[0]
    key = c.api_key(fx.slug, "read")
    ap = trig.autopilot_id
    runs = [
        ("apikey", "list", "--workspace", fx.slug),
        ("apikey", "revoke", key["id"]),
        ("apikey", "revoke", random_id()),
        ("trigger", "list", "--autopilot", ap),
        ("trigger", "rotate", trig.id),
        ("trigger", "rotate", random_id()),
        ("delivery", "list", "--autopilot", ap, "--limit", "5"),
        ("delivery", "list", "--autopilot", ap, "--before", sent["delivery_id"]),
        ("delivery", "list", "--autopilot", ap, "--before", random_id()),
        ("delivery", "show", sent["delivery_id"]),
        ("delivery", "show", bin_did),
        ("delivery", "replay", sent["delivery_id"], "--idempotency-key", "vg"),
        ("delivery", "replay", sent["delivery_id"], "--idempotency-key", "vg"),
        ("delivery", "replay", bin_did),
        ("run", "list", "--autopilot", ap, "--status", "pending"),
        ("run", "list", "--autopilot", random_id()),
        ("run", "list"),
        ("run", "show", sent["run_id"]),
        ("run", "show", random_id()),
    ]
    for args in runs:
        p = subprocess.run(
            [VALGRIND, "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
             "--error-exitcode=99", harness.CTL, "-c", stack.config] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(), timeout=120)
        assert p.returncode in (0, 1, 2), "valgrind: hookgatectl %s -> %d\n%s" % (
            " ".join(args), p.returncode, p.stderr)
        assert "==" not in p.stderr, p.stderr
