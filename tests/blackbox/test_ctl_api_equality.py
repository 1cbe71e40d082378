"""hookgatectl prints what the API answers (SPEC 9): one definition per resource, one JSON.

For each resource of the db modules (workspace, apikey, runtime, autopilot, trigger), the
object that `hookgatectl ... create/show/list` prints for a row has exactly the keys of the
API's JSON for the same row, and the same values where both read the same row at rest.
The API has no route for workspaces and API keys: there the test compares with the JSON
the module defines (its column list, written down here as WORKSPACE_KEYS and APIKEY_KEYS),
and the create, list and revoke answers with each other.
"""

import hashlib
import json
import shutil
import subprocess

import pytest

import harness
from apihelp import (AUTOPILOT_KEYS, RUNTIME_KEYS, TOKEN_RE, TRIGGER_KEYS, api_front, as_read,  # noqa: F401
                     ws)
from harness import WEBHOOK_PREFIX, assert_json_response

# db/workspace.c and db/apikey.c: no API route shows these, so their modules' JSON is the contract
WORKSPACE_KEYS = {"id", "slug", "name", "created_at"}
APIKEY_KEYS = {"id", "workspace_id", "name", "scope", "last_used_at", "revoked_at", "created_at"}
SECRET = "bb-equality-secret-0123456789"


def ctl_ok(ctl, *args, input=None):
    """A command that must succeed: its one line of JSON."""
    p = ctl.raw(*args, input=input)
    assert p.returncode == 0, "hookgatectl %s -> %d: %s" % (" ".join(args), p.returncode, p.stderr)
    assert p.stdout.count("\n") == 1, p.stdout
    return json.loads(p.stdout)


# ---------------------------------------------------------------- workspace (no API route)

def test_workspace_create_and_list_print_the_module_json(fx, ctl, db):
    created = fx.workspace
    assert set(created) == WORKSPACE_KEYS, created
    listed = [w for w in ctl_ok(ctl, "workspace", "list") if w["id"] == created["id"]]
    assert listed == [created]
    row = db.execute("SELECT id::text, slug, name FROM workspace WHERE id = %s",
                     (created["id"],)).fetchone()
    assert (created["id"], created["slug"], created["name"]) == (row["id"], row["slug"], row["name"])


def test_workspace_list_is_every_workspace_oldest_first(fx, ctl, db):
    other = type(fx)(fx.ctl, fx.db)
    listed = ctl_ok(ctl, "workspace", "list")
    assert all(set(w) == WORKSPACE_KEYS for w in listed)
    ids = [w["id"] for w in listed]
    assert ids.index(fx.workspace["id"]) < ids.index(other.workspace["id"])
    assert len(ids) == db.execute("SELECT count(*) AS n FROM workspace").fetchone()["n"]


# ---------------------------------------------------------------- apikey (no API route)

def test_apikey_create_list_revoke_print_one_json(fx, ctl):
    made = ctl_ok(ctl, "apikey", "create", "--workspace", fx.slug, "--scope", "read", "--name", "eq")
    assert set(made) == APIKEY_KEYS | {"key"}, made
    assert made["key"].startswith("hgk_")
    [listed] = ctl_ok(ctl, "apikey", "list", "--workspace", fx.slug)
    assert set(listed) == APIKEY_KEYS
    assert listed == {k: v for k, v in made.items() if k != "key"}
    revoked = ctl_ok(ctl, "apikey", "revoke", made["id"])
    assert set(revoked) == APIKEY_KEYS and revoked["revoked_at"] is not None
    assert {k: v for k, v in revoked.items() if k != "revoked_at"} == \
        {k: v for k, v in listed.items() if k != "revoked_at"}


# ---------------------------------------------------------------- runtime

def test_runtime_json_is_the_apis(ws, ctl):
    made = ctl_ok(ctl, "runtime", "create", "--workspace", ws.slug, "--name", "eq worker")
    assert set(made) == RUNTIME_KEYS, made
    assert made["online"] is False and made["last_seen_at"] is None
    by_api = {r["id"]: r for r in ws.read.get("/api/runtimes")["runtimes"]}
    assert by_api[made["id"]] == made
    # a heartbeat through hookgatectl: online, as the API shows it
    beat = ctl_ok(ctl, "runtime", "heartbeat", made["id"])
    assert set(beat) == RUNTIME_KEYS and beat["online"] is True
    assert ws.read.get("/api/runtimes")["runtimes"] == ctl_ok(ctl, "runtime", "list",
                                                             "--workspace", ws.slug)
    assert [r for r in ctl_ok(ctl, "runtime", "list", "--workspace", ws.slug)
            if r["id"] == made["id"]] == [beat]
    # and the API's own runtime, as hookgatectl prints it
    theirs = ws.write.runtime("api worker")
    api_beat = ws.write.post("/api/runtimes/%s/heartbeat" % theirs["id"], status=200)["runtime"]
    cli_beat = ctl_ok(ctl, "runtime", "heartbeat", theirs["id"])
    assert set(api_beat) == set(cli_beat) == RUNTIME_KEYS
    assert {k: v for k, v in api_beat.items() if k != "last_seen_at"} == \
        {k: v for k, v in cli_beat.items() if k != "last_seen_at"}
    assert cli_beat["last_seen_at"] >= api_beat["last_seen_at"]


def test_runtime_online_follows_runtime_offline_after(ws, ctl, db):
    made = ctl_ok(ctl, "runtime", "create", "--workspace", ws.slug, "--name", "eq stale")
    ctl_ok(ctl, "runtime", "heartbeat", made["id"])
    db.execute("UPDATE runtime SET last_seen_at = now() - interval '91 seconds' WHERE id = %s",
               (made["id"],))   # runtime_offline_after: 90 s by default
    [cli] = [r for r in ctl_ok(ctl, "runtime", "list", "--workspace", ws.slug) if r["id"] == made["id"]]
    [api] = [r for r in ws.read.get("/api/runtimes")["runtimes"] if r["id"] == made["id"]]
    assert cli == api and cli["online"] is False


# ---------------------------------------------------------------- autopilot

def test_autopilot_json_is_the_apis(ws, fx, ctl):
    rt = fx.runtime()
    made = fx.autopilot(status="paused", runtime=rt, title="eq autopilot")
    assert set(made) == AUTOPILOT_KEYS, made
    shown = ws.read.get("/api/autopilots/%s" % made["id"])
    assert shown["autopilot"] == made
    assert ctl_ok(ctl, "autopilot", "show", made["id"]) == made
    # the API's autopilot, as hookgatectl shows and lists it
    theirs = ws.write.autopilot(title="eq by api", description="d")
    assert ctl_ok(ctl, "autopilot", "show", theirs["id"]) == theirs
    assert ctl_ok(ctl, "autopilot", "list", "--workspace", ws.slug) == \
        ws.read.get("/api/autopilots")["autopilots"]
    # set-status prints what the API then shows
    changed = ctl_ok(ctl, "autopilot", "set-status", theirs["id"], "archived")
    assert changed["status"] == "archived" and set(changed) == AUTOPILOT_KEYS
    assert ws.read.get("/api/autopilots/%s" % theirs["id"])["autopilot"] == changed


def test_autopilot_list_and_show_errors(fx, ctl):
    p = ctl.raw("autopilot", "list", "--workspace", "no-such-ws-eq")
    assert p.returncode == 1 and "workspace 'no-such-ws-eq' not found" in p.stderr
    missing = "00000000-0000-4000-8000-000000000000"
    p = ctl.raw("autopilot", "show", missing)
    assert p.returncode == 1 and p.stderr == "hookgatectl: autopilot '%s' not found\n" % missing
    p = ctl.raw("autopilot", "show", "nope")
    assert p.returncode == 1 and "invalid autopilot id 'nope'" in p.stderr
    p = ctl.raw("autopilot", "list")
    assert p.returncode == 2 and "missing option --workspace" in p.stderr
    assert ctl_ok(ctl, "autopilot", "list", "--workspace", fx.slug) == []


# ---------------------------------------------------------------- trigger

def test_trigger_json_is_the_apis(ws, fx, ctl):
    ap = fx.autopilot()
    by_ctl = ctl_ok(ctl, "trigger", "create", "--autopilot", ap["id"], "--provider", "github",
                    "--label", "eq ctl")
    by_api = ws.write.trigger(ap["id"], provider="gitlab", label="eq api")
    # create: both with their token, the same keys
    assert set(by_ctl) == set(by_api) == TRIGGER_KEYS
    for t in (by_ctl, by_api):
        assert TOKEN_RE.match(t["webhook_token"]) and t["webhook_path"] == WEBHOOK_PREFIX + t["webhook_token"]
        assert t["webhook_token_hint"] == t["webhook_token"][:8]
    # list and show: the same objects, hints and no tokens, from either side
    listed = ws.write.get("/api/autopilots/%s/triggers" % ap["id"])["triggers"]
    assert listed == [as_read(by_ctl), as_read(by_api)]
    assert ctl_ok(ctl, "trigger", "list", "--autopilot", ap["id"]) == listed
    assert ws.read.get("/api/autopilots/%s" % ap["id"])["triggers"] == listed
    for t in listed:
        assert ctl_ok(ctl, "trigger", "show", t["id"]) == t
    # set-secret and rotate print what the API answers
    out = ctl_ok(ctl, "trigger", "set-secret", by_api["id"], input=SECRET + "\n")
    assert set(out) == TRIGGER_KEYS and out["webhook_token"] is None
    assert [t for t in ws.read.get("/api/autopilots/%s/triggers" % ap["id"])["triggers"]
            if t["id"] == by_api["id"]] == [out]
    rot_ctl = ctl_ok(ctl, "trigger", "rotate", by_ctl["id"])
    rot_api = ws.write.post("/api/autopilots/%s/triggers/%s/rotate-webhook-token"
                            % (ap["id"], by_api["id"]), status=200)["trigger"]
    assert set(rot_ctl) == set(rot_api) == TRIGGER_KEYS
    assert TOKEN_RE.match(rot_ctl["webhook_token"]) and TOKEN_RE.match(rot_api["webhook_token"])
    assert ctl_ok(ctl, "trigger", "list", "--autopilot", ap["id"]) == \
        ws.read.get("/api/autopilots/%s/triggers" % ap["id"])["triggers"] == \
        [as_read(rot_ctl), as_read(rot_api)]


def test_no_table_holds_a_plain_token(ws, fx, ctl, db, pool_front):
    """Only SHA-256 and the hint are stored: the token's text is nowhere in the rows."""
    ap = fx.autopilot()
    made = [ctl_ok(ctl, "trigger", "create", "--autopilot", ap["id"]), ws.write.trigger(ap["id"])]
    made.append(ctl_ok(ctl, "trigger", "rotate", made[0]["id"]))
    for t in made[1:]:
        hook = type("T", (), {"path": t["webhook_path"]})
        assert assert_json_response(pool_front.hook(hook, {"event": "eq.stored"}), 200)["status"] == "accepted"
    for t in made:
        token = t["webhook_token"]
        for table in ("autopilot_trigger", "webhook_delivery", "autopilot_run"):
            n = db.execute("SELECT count(*) AS n FROM %s x WHERE strpos(x::text, %%s) > 0" % table,
                           (token,)).fetchone()["n"]
            assert n == 0, "%s holds a plain webhook token" % table
    row = db.execute("SELECT webhook_token_hash, webhook_token_hint FROM autopilot_trigger"
                     " WHERE id = %s", (made[1]["id"],)).fetchone()
    assert row["webhook_token_hash"] == hashlib.sha256(made[1]["webhook_token"].encode()).hexdigest()
    assert row["webhook_token_hint"] == made[1]["webhook_token"][:8]


VALGRIND = shutil.which("valgrind")


@pytest.mark.skipif(not VALGRIND, reason="*** valgrind not found: the db modules' leak check SKIPPED ***")
@pytest.mark.skipif(harness.SANITIZED, reason="*** an ASan build cannot run under valgrind: "
                    "LeakSanitizer checks these commands instead ***")
def test_module_commands_under_valgrind(fx, ctl, stack):
    """Each command of the db modules, happy path and an error, under valgrind: no leak, no error."""
    rt = fx.runtime()
    ap = fx.autopilot(runtime=rt)
    tr = fx.trigger(autopilot=ap)
    missing = "00000000-0000-4000-8000-000000000000"
    runs = [
        (("workspace", "list"), None),
        (("workspace", "create", fx.slug), None),                  # taken
        (("apikey", "create", "--workspace", fx.slug, "--scope", "read"), None),
        (("runtime", "list", "--workspace", fx.slug), None),
        (("runtime", "heartbeat", rt["id"]), None),
        (("runtime", "heartbeat", missing), None),
        (("autopilot", "create", "--workspace", fx.slug, "--title", "vg", "--runtime", missing), None),
        (("autopilot", "list", "--workspace", fx.slug), None),
        (("autopilot", "show", ap["id"]), None),
        (("autopilot", "set-status", ap["id"], "paused"), None),
        (("autopilot", "show", missing), None),
        (("trigger", "create", "--autopilot", ap["id"]), None),
        (("trigger", "list", "--autopilot", ap["id"]), None),
        (("trigger", "show", tr.id), None),
        (("trigger", "rotate", tr.id), None),
        (("trigger", "set-secret", tr.id, "--keep-previous", "60"), SECRET + "\n"),
        (("trigger", "set-secret", tr.id), "short\n"),
        (("trigger", "show", missing), None),
    ]
    for args, stdin in runs:
        p = subprocess.run(
            [VALGRIND, "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
             "--error-exitcode=99", harness.CTL, "-c", stack.config] + list(args),
            input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=harness.clean_env(), timeout=120)
        assert p.returncode in (0, 1), "valgrind: hookgatectl %s -> %d\n%s" % (
            " ".join(args), p.returncode, p.stderr)
        assert "==" not in p.stderr, p.stderr
