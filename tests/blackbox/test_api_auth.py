"""API keys: looked up by hash, last_used_at touched at most once a minute, revoked keys refused."""

from harness import assert_json_response


def get_autopilots(front, key):
    return front.get("/api/autopilots", headers={"Authorization": "Bearer " + key})


def last_used(db, key_id):
    return db.execute("SELECT last_used_at FROM api_key WHERE id = %s", (key_id,)).fetchone()["last_used_at"]


def test_last_used_at_is_touched_at_most_once_a_minute(pool_front, fx, db):
    k = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "read")
    assert last_used(db, k["id"]) is None
    assert get_autopilots(pool_front, k["key"]).status_code == 200
    first = last_used(db, k["id"])
    assert first is not None
    for _ in range(3):
        assert get_autopilots(pool_front, k["key"]).status_code == 200
    assert last_used(db, k["id"]) == first, "touched again within the minute"
    db.execute("UPDATE api_key SET last_used_at = now() - interval '61 seconds' WHERE id = %s",
               (k["id"],))
    aged = last_used(db, k["id"])
    assert get_autopilots(pool_front, k["key"]).status_code == 200
    assert last_used(db, k["id"]) > aged


def test_only_the_hash_is_stored_and_revoked_keys_are_refused(pool_front, fx, db):
    import hashlib
    k = fx.ctl("apikey", "create", "--workspace", fx.slug)
    row = db.execute("SELECT key_hash FROM api_key WHERE id = %s", (k["id"],)).fetchone()
    assert row["key_hash"] == hashlib.sha256(k["key"].encode()).hexdigest()
    assert k["key"] not in str(db.execute("SELECT * FROM api_key WHERE id = %s", (k["id"],)).fetchone())
    assert get_autopilots(pool_front, k["key"]).status_code == 200
    fx.ctl("apikey", "revoke", k["id"])
    resp = get_autopilots(pool_front, k["key"])
    assert assert_json_response(resp, 401) == {"error": "unauthorized"}
    for bad in ("", "Bearer", "Bearer hgk_short", "Basic abc", "bearer " + k["key"][:-1] + "x"):
        resp = pool_front.get("/api/autopilots", headers={"Authorization": bad})
        assert assert_json_response(resp, 401) == {"error": "unauthorized"}, bad
