"""The console (SPEC 11) over plain HTTP: sessions, CSRF, scopes, isolation, filters, pages, headers.

What a browser adds (that no script runs, what is visible, screenshots) is in
test_console_browser.py; these check the answers byte for byte, through the pool and as CGI.
"""

import html
import json
import re
import uuid

import pytest

import harness
from consolehelp import CSP, Console, assert_console_headers, assert_html, hidden, set_cookies, \
    token_hash

SECRET = "console-test-secret-0123456789"


class World:
    """A workspace with a write and a read key, an autopilot whose trigger has a signing secret."""

    def __init__(self, fx, front, title="Console autopilot"):
        self.fx = fx
        self.front = front
        self.write_key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "write",
                                "--name", "console-w")
        self.read_key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "read",
                               "--name", "console-r")
        self.ap = fx.autopilot(title=title)
        self.trig = fx.trigger(secret=SECRET, autopilot=self.ap, label="console label")

    def deliver(self, body, signed=True, headers=None, front=None):
        """A webhook to the trigger: signed (dispatched) or not (rejected, missing signature)."""
        resp = (front or self.front).hook(self.trig, body, headers=headers,
                                          secret=SECRET if signed else None)
        assert resp.status_code == (200 if signed else 401), resp.text
        return resp.json()["delivery_id"]

    def path(self, rest=""):
        return "/console/autopilots/%s%s" % (self.ap["id"], rest)


@pytest.fixture
def world(fx, pool_front):
    return World(fx, pool_front)


def delivery_rows(page):
    """The delivery ids linked from a list page, in order."""
    return re.findall(r'/deliveries/([0-9a-f-]{36})"', page)


# ---------------------------------------------------------------- sessions

def test_login_page_and_its_headers(pool_front):
    c = Console(pool_front)
    resp = c.get("/console/login")
    page = assert_html(resp, 200)
    assert 'name="key"' in page and 'type="password"' in page
    assert hidden(page, "login_token")
    cookies = set_cookies(resp)
    assert any(k.startswith("hg_login=") and "HttpOnly" in k and "SameSite=Strict" in k
               and "Path=/console/login" in k for k in cookies), cookies
    # the stylesheet comes from the binary, with the same headers
    css = c.get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert_console_headers(css)
    assert "rect.c-dispatched" in css.text
    assert 'href="/console/static/console.css"' in page


@pytest.mark.parametrize("front_name", ["pool", "cgi"])
def test_login_session_logout(fx, pool_front, cgi_front, db, front_name):
    front = pool_front if front_name == "pool" else cgi_front
    w = World(fx, front, title="Login & <logout>")
    c = Console(front)
    # not logged in: a page sends to the login form
    resp = c.get("/console/")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/login")
    resp = c.must_login(w.write_key["key"])
    mount = front.server.prefix          # "" through the pool, /hookgate.cgi as CGI
    assert resp.headers["Location"] == mount + "/console/"
    cookie = [k for k in set_cookies(resp) if k.startswith("hg_session=")]
    assert len(cookie) == 1, set_cookies(resp)
    attrs = [a.strip() for a in cookie[0].split(";")]
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs, attrs
    assert "Path=%s/console/" % mount in attrs, attrs
    assert "Secure" not in attrs          # plain HTTP
    token = c.session_token()
    assert token.startswith("hgs_") and len(token) == 47
    # only the token's SHA-256 is stored, with the key's workspace and scope
    row = db.execute("SELECT * FROM console_session WHERE token_hash = %s",
                     (token_hash(token),)).fetchone()
    assert row and str(row["api_key_id"]) == w.write_key["id"] and row["scope"] == "write"
    assert str(row["workspace_id"]) == w.fx.workspace["id"]
    assert db.execute("SELECT count(*) AS n FROM console_session WHERE token_hash = %s",
                      (token,)).fetchone()["n"] == 0
    page = c.page("/console/")
    assert "Login &amp; &lt;logout&gt;" in page and "<logout>" not in page
    assert w.trig.trigger["webhook_token_hint"] in page
    assert w.fx.slug in page
    assert 'href="%s/console/autopilots/%s/deliveries"' % (mount, w.ap["id"]) in page
    # logout ends it: the old cookie no longer works
    resp = c.logout()
    assert resp.status_code == 303 and resp.headers["Location"] == mount + "/console/login"
    assert any(k.startswith("hg_session=;") and "Max-Age=0" in k for k in set_cookies(resp))
    assert db.execute("SELECT count(*) AS n FROM console_session WHERE token_hash = %s",
                      (token_hash(token),)).fetchone()["n"] == 0
    old = Console(front)
    old.http.cookies.set("hg_session", token)
    resp = old.get("/console/")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/login")


def test_bad_keys_get_the_form_again(world, pool_front, ctl):
    c = Console(pool_front)
    for key, status in (("not a key", 401), ("hgk_" + "A" * 43, 401), ("", 401)):
        resp = c.login(key)
        page = assert_html(resp, status)
        assert 'name="key"' in page
        assert "hg_session" not in resp.headers.get("Set-Cookie", "")
        assert key not in page or not key
    ctl("apikey", "revoke", world.read_key["id"])
    assert_html(c.login(world.read_key["key"]), 401)
    # the login form's own token: a form posted from elsewhere has neither it nor its cookie
    other = Console(pool_front)
    resp = other.post("/console/login", {"key": world.write_key["key"]})
    assert_html(resp, 403)
    resp = other.post("/console/login", {"key": world.write_key["key"], "login_token": "hgl_x"})
    assert_html(resp, 403)


def test_a_revoked_key_ends_its_sessions(world, pool_front, ctl):
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    c.page("/console/")
    ctl("apikey", "revoke", world.read_key["id"])
    resp = c.get("/console/")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/login")
    # a POST of the ended session is 403, never a change
    assert_html(c.post("/console/logout", {"csrf": "x"}), 403)


def test_a_new_login_ends_the_old_session(world, pool_front, db):
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    old = c.session_token()
    c.must_login(world.write_key["key"])
    assert c.session_token() != old
    assert db.execute("SELECT count(*) AS n FROM console_session WHERE token_hash = %s",
                      (token_hash(old),)).fetchone()["n"] == 0
    assert ">write<" in c.page("/console/")


def test_idle_sessions_end_after_12_hours(world, pool_front, db):
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    h = token_hash(c.session_token())
    db.execute("UPDATE console_session SET last_seen_at = now() - interval '11 hours 59 minutes'"
               " WHERE token_hash = %s", (h,))
    db.commit()
    c.page("/console/")
    seen = db.execute("SELECT last_seen_at > now() - interval '1 minute' AS fresh"
                      " FROM console_session WHERE token_hash = %s", (h,)).fetchone()
    assert seen["fresh"], "a request moves last_seen_at on"
    db.execute("UPDATE console_session SET last_seen_at = now() - interval '12 hours 1 minute'"
               " WHERE token_hash = %s", (h,))
    db.commit()
    assert c.get("/console/").status_code == 303


def test_secure_cookie_over_https(make_pool, fx):
    # a TLS-terminating proxy on loopback, which trusted_proxies believes
    _, front = make_pool(trusted_proxies="127.0.0.1/32")
    w = World(fx, front)
    c = Console(front)
    form = c.get("/console/login", headers={"X-Forwarded-Proto": "https"})
    login = [k for k in set_cookies(form) if k.startswith("hg_login=")][0]
    assert "; Secure" in login, login
    # requests keeps a Secure cookie off plain HTTP: the proxy's browser would send it
    resp = c.post("/console/login", {"login_token": hidden(form.text, "login_token"),
                                     "key": w.write_key["key"]},
                  headers={"X-Forwarded-Proto": "https", "Cookie": login.split(";")[0]})
    assert resp.status_code == 303
    cookie = [k for k in set_cookies(resp) if k.startswith("hg_session=")][0]
    assert "; Secure" in cookie, cookie
    # the header from anyone else is not believed
    _, front2 = make_pool()
    resp = Console(front2).get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert not any("Secure" in k for k in set_cookies(resp))


# ---------------------------------------------------------------- scopes and CSRF

def test_replay_from_a_write_session(world, pool_front, db):
    did = world.deliver({"event": "deploy.done", "n": 1})
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    page = c.page(world.path("/deliveries/" + did))
    assert ">Replay</button>" in page
    nonce = hidden(page, "nonce")
    resp = c.replay(world.ap["id"], did, nonce=nonce)
    assert resp.status_code == 303, resp.text
    new_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert resp.headers["Location"] == world.path("/deliveries/" + new_id)
    row = world.fx.delivery(new_id)
    assert str(row["replayed_from_delivery_id"]) == did
    assert row["replay_idempotency_key"] == "console-" + nonce
    assert world.fx.run(row["autopilot_run_id"])["source"] == "replay"
    # the same form sent again is the same replay
    again = c.replay(world.ap["id"], did, nonce=nonce)
    assert again.headers["Location"] == resp.headers["Location"]
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id = %s",
                      (did,)).fetchone()["n"] == 1
    # the new delivery's page shows where it came from, the original's where it went
    assert did in c.page(world.path("/deliveries/" + new_id))
    assert new_id in c.page(world.path("/deliveries/" + did))
    # a refused replay is a 400 page with the reason
    rejected = world.deliver({"event": "x"}, signed=False)
    page = assert_html(c.replay(world.ap["id"], rejected), 400)
    assert "a rejected delivery cannot be replayed" in page


def bulk_form(page):
    """The fields of the first bulk-replay form of page (shown or hidden inputs)."""
    form = page[page.index('<form class="bulk"'):]
    form = form[:form.index("</form>")]
    fields = {m.group(1): html.unescape(m.group(2))
              for m in re.finditer(r'<input type="[a-z]+" name="([a-z]+)"[^>]*? value="([^"]*)"', form)}
    chosen = re.search(r'<option selected>([a-z]+)</option>', form)
    if "status" not in fields:
        fields["status"] = chosen.group(1) if chosen else ""
    return fields


def test_bulk_replay_from_a_write_session(world, pool_front, db):
    ids = [world.deliver({"event": "night.job", "n": i}) for i in range(3)]
    for did in ids[:2]:
        db.execute("UPDATE autopilot_run SET status = 'failed', failure_reason = 'outage',"
                   " completed_at = now() WHERE id = %s", (world.fx.delivery(did)["autopilot_run_id"],))
    replays = lambda: db.execute(  # noqa: E731
        "SELECT replayed_from_delivery_id AS f FROM webhook_delivery WHERE replayed_from_delivery_id"
        " = ANY(%s::uuid[]) ORDER BY received_at", (ids,)).fetchall()
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    # the list filtered by failed offers the last day's failures, the filter's status chosen
    form = bulk_form(c.page(world.path("/deliveries?status=failed")))
    assert form["status"] == "failed" and form["limit"] == "100" and form["csrf"] and form["nonce"]
    first = dict(form, limit="1")
    page = assert_html(c.post(world.path("/deliveries/replay"), first), 200)
    assert "Replayed" in page and ids[0] in page and ids[1] not in page
    assert [str(r["f"]) for r in replays()] == [ids[0]]
    # more are left: the next page's form carries the window on from next_since, a new nonce
    follow = bulk_form(page)
    assert follow["until"] == form["until"] and follow["status"] == "failed"
    assert follow["nonce"] != form["nonce"] and follow["since"] > form["since"]
    page = assert_html(c.post(world.path("/deliveries/replay"), follow), 200)
    assert ids[1] in page and "That was every match in the window." in page
    assert [str(r["f"]) for r in replays()] == [ids[0], ids[1]], "the completed run is not replayed"
    # the same form sent again is the same answer, and replays nothing more
    assert ids[0] in assert_html(c.post(world.path("/deliveries/replay"), first), 200)
    assert len(replays()) == 2
    # its nonce with other values is a 409; malformed values are 400 pages naming the field
    assert_html(c.post(world.path("/deliveries/replay"), dict(first, limit="2")), 409)
    fresh = bulk_form(c.page(world.path("/deliveries")))
    for bad, words in (({"since": "yesterday"}, "since must be an RFC 3339 time"),
                       ({"until": form["since"]}, "since must be before until"),
                       ({"status": "lost"}, "status must list"),
                       ({"limit": "1001"}, "limit must be a whole number from 1 to 1000"),
                       ({"limit": "ten"}, "limit must be a whole number"),
                       ({"event": "e" * 5000}, "event is too long")):
        assert words in assert_html(c.post(world.path("/deliveries/replay"), dict(fresh, **bad)), 400)
    assert len(replays()) == 2
    # a read session sees no form and is refused; so is a post without the CSRF token
    r = Console(pool_front)
    r.must_login(world.read_key["key"])
    assert "Replay in bulk" not in r.page(world.path("/deliveries"))
    assert_html(r.post(world.path("/deliveries/replay"), dict(fresh, csrf=r.csrf())), 403)
    assert_html(c.post(world.path("/deliveries/replay"), dict(fresh, csrf="")), 403)
    assert len(replays()) == 2


def test_read_sessions_see_no_replay_and_get_403(world, pool_front, db):
    did = world.deliver({"event": "deploy.done"})
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    page = c.page(world.path("/deliveries/" + did))
    assert "Replay</button>" not in page and "/replay" not in page
    before = db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"]
    # a forged POST with the session's own CSRF token: still read-only
    assert_html(c.replay(world.ap["id"], did), 403)
    assert_html(c.replay(world.ap["id"], did, csrf=None), 403)
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"] == before
    # a read session may still log itself out
    assert c.logout().status_code == 303


def test_a_post_without_the_csrf_token_is_403(world, pool_front, db):
    did = world.deliver({"event": "deploy.done"})
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    other = Console(pool_front)
    other.must_login(world.write_key["key"])
    for csrf in (None, "", "hgc_" + "A" * 43, other.csrf()):
        assert_html(c.replay(world.ap["id"], did, csrf=csrf), 403)
    assert_html(c.post("/console/logout", {}), 403)
    assert c.get("/console/").status_code == 200, "a refused logout leaves the session"
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id = %s",
                      (did,)).fetchone()["n"] == 0
    # no session at all
    assert_html(Console(pool_front).replay(world.ap["id"], did, csrf="x"), 403)


# ---------------------------------------------------------------- isolation

def test_another_workspaces_ids_are_404(world, fx, ctl, db, pool_front):
    did = world.deliver({"event": "mine"})
    other_slug = harness.unique_slug()
    ctl("workspace", "create", other_slug, "--name", "other")
    other_key = ctl("apikey", "create", "--workspace", other_slug, "--scope", "write")["key"]
    c = Console(pool_front)
    c.must_login(other_key)
    ap, missing = world.ap["id"], str(uuid.uuid4())
    for path in ("/console/autopilots/%s/deliveries" % ap,
                 "/console/autopilots/%s/deliveries/%s" % (ap, did),
                 "/console/autopilots/%s/runs" % ap,
                 "/console/autopilots/%s/deliveries" % missing,
                 "/console/autopilots/%s/deliveries/%s" % (missing, did)):
        page = c.page(path, 404)
        assert "autopilot not found" in page
    assert_html(c.replay(ap, did), 404)
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id = %s",
                      (did,)).fetchone()["n"] == 0
    # a delivery of another autopilot of the same workspace is 404 too
    mine = Console(pool_front)
    mine.must_login(world.write_key["key"])
    other_ap = world.fx.autopilot(title="second")
    assert "delivery not found" in mine.page(
        "/console/autopilots/%s/deliveries/%s" % (other_ap["id"], did), 404)
    # a malformed id is a 400 page (the router's, in HTML)
    assert "invalid autopilot id" in mine.page("/console/autopilots/nope/deliveries", 400)


# ---------------------------------------------------------------- the pages

def test_deliveries_filters_and_pages(world, pool_front):
    ok = [world.deliver({"event": "github.push", "n": i}) for i in range(3)]
    bad = world.deliver({"event": "github.issues.opened"}, signed=False)
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    everything = c.page(world.path("/deliveries"))
    assert delivery_rows(everything) == [bad] + ok[::-1]
    assert delivery_rows(c.page(world.path("/deliveries?status=rejected"))) == [bad]
    assert delivery_rows(c.page(world.path("/deliveries?signature=missing"))) == [bad]
    assert delivery_rows(c.page(world.path("/deliveries?signature=valid&status=dispatched"))) == ok[::-1]
    assert delivery_rows(c.page(world.path("/deliveries?event=github.push"))) == ok[::-1]
    # an event matches itself and what continues it after a dot
    assert delivery_rows(c.page(world.path("/deliveries?event=github.issues"))) == [bad]
    assert delivery_rows(c.page(world.path("/deliveries?event=github.iss"))) == []
    # empty values are "any", as an untouched form sends them
    assert delivery_rows(c.page(world.path("/deliveries?status=&signature=&event="))) == [bad] + ok[::-1]
    # the row shows the answer code and the run's status
    assert re.search(r'b-rejected">rejected</span>.*?<td class="num">401</td>', everything, re.S)
    assert 'b-pending">pending</span>' in everything
    for bad_query in ("status=nope", "signature=bogus", "before=nope",
                      "before=%s" % uuid.uuid4(), "event=" + "x" * 300):
        # (lighttpd itself refuses a query of invalid UTF-8, such as %ff, before hookgate)
        assert_html(c.get(world.path("/deliveries?" + bad_query)), 400)


def test_keyset_pages(world, pool_front):
    ids = [world.deliver({"event": "bulk", "n": i}) for i in range(53)]
    newest_first = ids[::-1]
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    first = c.page(world.path("/deliveries?status=dispatched"))
    assert delivery_rows(first) == newest_first[:50]
    older = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    older = older.replace("&amp;", "&")
    assert "status=dispatched" in older and "before=" + newest_first[49] in older
    second = c.page(older)
    assert delivery_rows(second) == newest_first[50:]
    assert 'rel="next"' not in second and "Newest" in second


def test_delivery_page_shows_everything(world, pool_front):
    body = {"event": "order.created", "order": {"id": 12345678901234567890123, "items": [1, 2]}}
    did = world.deliver(body, headers={"User-Agent": "console-agent/1.0",
                                       "Idempotency-Key": "console-key-1"})
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    page = c.page(world.path("/deliveries/" + did))
    for text in ("order.created", "console-agent/1.0", "console-key-1", "signature_present",
                 "12345678901234567890123", "dispatched", "valid",
                 "Answer sent", "trigger_payload", "Replay chain"):
        assert text in page, text
    # the body laid out as JSON, one member a line, its big number kept
    assert '&quot;order&quot;: {\n    &quot;id&quot;: 12345678901234567890123,' in page
    # a body that is not JSON is shown as hex
    resp = world.front.hook(world.trig, b"a=1&b=%3Cx%3E", secret=SECRET,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    form_id = resp.json()["delivery_id"]
    page = c.page(world.path("/deliveries/" + form_id))
    assert '<pre class="hex">00000000  61 3d 31 26 62 3d 25 33  43 78 25 33 45' in page
    # the run page links back
    runs = c.page(world.path("/runs"))
    assert did in runs and "pending" in runs
    assert "status must be one of" in c.page(world.path("/runs?status=nope"), 400)


def test_the_chart_counts_the_last_day(world, pool_front, db):
    for i in range(3):
        world.deliver({"event": "c", "n": i})
    world.deliver({"event": "c"}, signed=False)
    old = world.deliver({"event": "old"})
    db.execute("UPDATE webhook_delivery SET created_at = now() - interval '25 hours' WHERE id = %s",
               (old,))
    db.commit()
    c = Console(pool_front)
    c.must_login(world.read_key["key"])
    page = c.page("/console/")
    card = page[page.index(world.ap["id"]):]
    svg = card[card.index("<svg"):card.index("</svg>")]
    assert "Deliveries of the last 24 hours: 4 (3 dispatched, 1 rejected)" in svg
    assert "the last hour: 3 dispatched, 1 rejected" in svg
    assert svg.count('<rect class="c-dispatched"') == 1 and svg.count('<rect class="c-rejected"') == 1
    assert svg.count("<g>") == 24
    heights = dict(re.findall(r'<rect class="c-(\w+)" x="\d+" y="\d+" width="10" height="(\d+)"', svg))
    assert heights == {"dispatched": "30", "rejected": "10"}, heights


def test_console_errors_are_html_and_the_api_stays_json(world, pool_front):
    c = Console(pool_front)
    assert "not found" in c.page("/console/nope", 404)
    resp = c.http.put(c.url("/console/login"), timeout=30)
    assert_html(resp, 405)
    assert resp.headers["Allow"] == "GET, POST"
    assert c.get("/console").headers["Location"] == "/console/"
    resp = c.get("/api/nope")
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/json"
    assert resp.json() == {"error": "not found"}
    # the console's own paths do not leak into the API's 404s
    resp = c.get("/consoles")
    assert resp.headers["Content-Type"] == "application/json"


def test_console_off_removes_the_routes(make_pool, fx):
    _, front = make_pool(console="off")
    w = World(fx, front)
    for path in ("/console/", "/console/login", "/console/static/console.css"):
        resp = front.get(path)
        assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/json", path
        assert resp.json() == {"error": "not found"}
    resp = front.post("/console/login", data={"key": w.write_key["key"]})
    assert resp.status_code == 404
    # the API is untouched
    api = front.get("/api/autopilots", headers={"Authorization": "Bearer " + w.read_key["key"]})
    assert api.status_code == 200


def test_console_under_base_path(make_pool, fx):
    # lighttpd mounts the pool at the root; the pages live under /hookgate
    _, front = make_pool(base_path="/hookgate")
    w = World(fx, front)
    did = w.deliver({"event": "prefixed"}, front=front)
    c = Console(front, prefix="/hookgate")
    resp = c.must_login(w.write_key["key"])
    assert resp.headers["Location"] == "/hookgate/console/"
    cookie = [k for k in set_cookies(resp) if k.startswith("hg_session=")][0]
    assert "Path=/hookgate/console/" in cookie
    page = c.page("/console/")
    assert 'href="/hookgate/console/static/console.css"' in page
    assert 'href="/hookgate/console/autopilots/%s/deliveries"' % w.ap["id"] in page
    page = c.page(w.path("/deliveries/" + did))
    resp = c.replay(w.ap["id"], did, nonce=hidden(page, "nonce"))
    assert resp.status_code == 303 and resp.headers["Location"].startswith(
        "/hookgate/console/autopilots/%s/deliveries/" % w.ap["id"])
    assert c.logout().headers["Location"] == "/hookgate/console/login"


def test_hostile_requests_are_4xx_never_5xx(world, pool_front, cgi_front):
    did = world.deliver({"event": "hostile"})
    for front in (pool_front, cgi_front):
        c = Console(front)
        c.must_login(world.write_key["key"])
        csrf = c.csrf()
        ap = world.ap["id"]
        long = "x" * 3000
        cases = [
            ("GET", "/console/autopilots/%s/deliveries?event=%%00" % ap, None),
            ("GET", "/console/autopilots/%s/deliveries?status=%%&before=%%zz" % ap, None),
            ("GET", "/console/autopilots/%s/deliveries?" % ap + "&" * 2000, None),
            ("GET", "/console/autopilots/%s/deliveries/%s/extra" % (ap, did), None),
            ("GET", "/console/" + long, None),
            ("GET", "/console/autopilots/%s/runs?before=%s" % (ap, did), None),
            ("POST", "/console/autopilots/%s/deliveries/%s/replay" % (ap, did),
             b"csrf=" + csrf.encode() + b"&nonce=%00%ff" + b"&x" * 100),
            ("POST", "/console/autopilots/%s/deliveries/%s/replay" % (ap, did), b"\x00\xff" * 50),
            ("POST", "/console/autopilots/%s/deliveries/%s/replay" % (ap, did), b"x" * 20000),
            ("POST", "/console/login", b"key=%ZZ&login_token=" + b"A" * 5000),
            ("POST", "/console/logout", b"csrf=" + b"%" * 100),
            ("DELETE", "/console/", None),
            ("HEAD", "/console/login", None),
        ]
        for method, path, body in cases:
            resp = c.http.request(method, c.url(path), data=body, timeout=30,
                                  allow_redirects=False)
            assert 200 <= resp.status_code < 500, (front.name, method, path[:80], resp.status_code)
            if method != "HEAD":
                assert resp.headers.get("Content-Type", "").startswith("text/"), (path[:80], resp.headers)
        # junk cookies
        for cookie in ("hg_session=" + "A" * 47, "hg_session=hgs_%s" % ("\u00e9" * 20),
                       "hg_session=;;;;=", "a" * 4000):
            resp = Console(front).http.get(c.url("/console/"), headers={"Cookie": cookie},
                                           allow_redirects=False, timeout=30)
            assert resp.status_code == 303, (cookie[:40], resp.status_code)


def test_no_secret_in_pages_or_logs(world, pool_front, stack):
    world.deliver({"event": "secretive"})
    c = Console(pool_front)
    c.must_login(world.write_key["key"])
    token = c.session_token()
    pages = [c.page("/console/"), c.page(world.path("/deliveries")), c.page(world.path("/runs"))]
    for page in pages:
        for secret in (world.write_key["key"], token, SECRET, world.trig.token):
            assert secret not in page
    log = stack.pool.log_text()
    for secret in (world.write_key["key"], token):
        assert secret not in log
    assert "GET /console/autopilots/{autopilot}/deliveries 200" in log
