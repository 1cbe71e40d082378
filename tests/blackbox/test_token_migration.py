"""Migration 004 (SPEC 2): tokens stored before it are hashed, and their URLs keep working."""

import base64
import hashlib
import json
import os
import types
import uuid

import psycopg

import harness
from harness import WEBHOOK_PREFIX, Ctl, assert_json_response

# hookgatectl's own bookkeeping table (src/ctl/migrate.c)
MIGRATION_TABLE = ("CREATE TABLE hookgate_migration (version integer PRIMARY KEY,"
                   " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
BEFORE = ["001_schema.sql", "002_ingest.sql", "003_replay.sql"]


def old_token():
    return "awt_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def test_tokens_from_003_are_hashed_and_keep_working(stack, db, make_pool):
    name = "mig004_" + uuid.uuid4().hex[:12]
    db.execute("CREATE DATABASE %s" % name)
    conninfo = stack.cluster.conninfo.replace("dbname=postgres", "dbname=" + name)
    tokens = [old_token(), old_token()]
    # the schema as migration 3 left it, recorded as hookgatectl records it, with plain tokens
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(MIGRATION_TABLE)
        for f in BEFORE:
            with open(os.path.join(harness.SRCDIR, "sql", f)) as sql, conn.transaction():
                conn.execute(sql.read())
                conn.execute("INSERT INTO hookgate_migration (version, name) VALUES (%s, %s)",
                             (int(f[:3]), f))
        ws = conn.execute("INSERT INTO workspace (slug, name) VALUES ('old', 'old')"
                          " RETURNING id").fetchone()[0]
        ap = conn.execute("INSERT INTO autopilot (workspace_id, title) VALUES (%s, 'old')"
                          " RETURNING id", (ws,)).fetchone()[0]
        ids = [str(conn.execute("INSERT INTO autopilot_trigger (autopilot_id, webhook_token)"
                                " VALUES (%s, %s) RETURNING id", (ap, t)).fetchone()[0])
               for t in tokens]

    config = harness.write_config(os.path.join(stack.base, name + ".conf"), conninfo,
                                  "/hookgate-bb-%d-%s" % (os.getpid(), name))
    ctl = Ctl(config)
    out = ctl("migrate")
    assert out["applied"][0] == 4 and 1 not in out["applied"], out

    with psycopg.connect(conninfo, autocommit=True) as conn:
        cols = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'autopilot_trigger'").fetchall()}
        assert "webhook_token" not in cols and {"webhook_token_hash", "webhook_token_hint"} <= cols
        for tid, token in zip(ids, tokens):
            h, hint = conn.execute("SELECT webhook_token_hash, webhook_token_hint FROM autopilot_trigger"
                                   " WHERE id = %s", (tid,)).fetchone()
            assert h == hashlib.sha256(token.encode()).hexdigest() and hint == token[:8]
            # the plain token is nowhere in the table
            assert conn.execute("SELECT count(*) FROM autopilot_trigger t WHERE strpos(t::text, %s) > 0",
                                (token,)).fetchone()[0] == 0
        # a second token with the same hash is refused: the hash is unique
        try:
            with conn.transaction():
                conn.execute("UPDATE autopilot_trigger SET webhook_token_hash = %s WHERE id = %s",
                             (hashlib.sha256(tokens[0].encode()).hexdigest(), ids[1]))
            assert False, "two triggers share a token hash"
        except psycopg.errors.UniqueViolation:
            pass

    # the old URLs keep working; an unknown token does not
    _, front = make_pool(workers=1, database_url=conninfo)
    for tid, token in zip(ids, tokens):
        resp = front.hook(types.SimpleNamespace(path=WEBHOOK_PREFIX + token), {"event": "old.url"})
        assert assert_json_response(resp, 200)["status"] == "accepted", resp.text
    resp = front.hook(types.SimpleNamespace(path=WEBHOOK_PREFIX + old_token()), {"event": "x"})
    assert assert_json_response(resp, 404) == {"error": "webhook not found"}

    # hookgatectl shows the hint, never the token
    for tid, token in zip(ids, tokens):
        shown = ctl("trigger", "show", tid)
        assert shown["webhook_token_hint"] == token[:8] and shown["webhook_token"] is None
        assert token not in json.dumps(shown)
