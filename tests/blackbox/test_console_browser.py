"""The console (SPEC 11) in a real browser: headless Chromium from Debian driven by Selenium.

Chromium runs with no network beyond localhost (every other host goes to a proxy that does not
exist, and no host name but localhost resolves). It logs in, filters, opens deliveries, presses
Replay and bulk replay, logs out; checks that a read session has no write control and that forged or token-less
POSTs are 403; that hostile text in a delivery is shown as text and runs nothing; that the pages
work under base_path and as CGI. Screenshots of the four pages are saved in
$HG_BUILDDIR/console-screenshots (HG_CONSOLE_SCREENSHOTS=DIR elsewhere); with
HG_CONSOLE_PNG=PATH the autopilots page is also written there (doc/console.png is made so, see
README "Console").

Needs chromium, chromium-driver and python3-selenium (script/bootstrap installs them); skips
loudly without them.
"""

import http.server
import os
import re
import shutil
import socket
import tempfile
import threading
import time

import pytest
import requests

import harness
from conftest import Fixtures
from consolehelp import CSP, Console

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover - the skip below says so
    webdriver = None

CHROMIUM = os.environ.get("HG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("HG_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
SECRET = "browser-test-secret-0123456789"
SHOTS = os.environ.get("HG_CONSOLE_SCREENSHOTS") or os.path.join(harness.BUILDDIR, "console-screenshots")

pytestmark = pytest.mark.skipif(
    webdriver is None or not os.access(CHROMIUM, os.X_OK) or not os.access(CHROMEDRIVER, os.X_OK),
    reason="the console's browser tests need chromium, chromium-driver and python3-selenium "
           "(Debian: apt-get install chromium chromium-driver python3-selenium; script/bootstrap does)")


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="hookgate-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps",
                # no network beyond localhost: every other host goes to a proxy that is not there,
                # and no other name resolves
                "--proxy-server=127.0.0.1:1", "--proxy-bypass-list=127.0.0.1;localhost",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
        opts.add_argument(arg)
    if os.geteuid() == 0:
        opts.add_argument("--no-sandbox")   # Chromium's sandbox refuses to run as root
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    except WebDriverException as e:
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip("chromium would not start: %s" % str(e).splitlines()[0])
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def b(browser):
    """The browser, with no cookie of an earlier test."""
    browser.delete_all_cookies()
    return browser


class Site:
    """A workspace, its keys and an autopilot with a signed trigger, seen through one front."""

    def __init__(self, fx, front, prefix="", title="Deploy on push"):
        self.fx = fx
        self.front = front
        self.prefix = prefix
        self.write_key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "write")
        self.read_key = fx.ctl("apikey", "create", "--workspace", fx.slug, "--scope", "read")
        self.ap = fx.autopilot(title=title)
        self.trig = fx.trigger(provider="github", secret=SECRET, autopilot=self.ap, label="org webhook")

    def url(self, path):
        return self.front.url(self.prefix + path)

    def deliver(self, body, signed=True, headers=None):
        h = {"X-GitHub-Event": "push"}
        h.update(headers or {})
        resp = self.front.hook(self.trig, body, headers=h, secret=SECRET if signed else None)
        assert resp.status_code in (200, 401), resp.text
        return resp.json()["delivery_id"]

    def deliveries_path(self, rest=""):
        return "/console/autopilots/%s/deliveries%s" % (self.ap["id"], rest)


def login(b, site, key):
    b.get(site.url("/console/login"))
    b.find_element(By.ID, "key").send_keys(key)
    b.find_element(By.CSS_SELECTOR, "section.login button[type=submit]").click()
    wait(b, lambda: b.current_url.endswith("/console/"), "the autopilots page after login")


def wait(b, cond, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s at %s" % (what, b.current_url))
        time.sleep(0.05)


def text(b):
    return b.find_element(By.TAG_NAME, "body").text


def shot(b, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name + ".png")
    # the whole page, not just the window
    height = b.execute_script("return document.documentElement.scrollHeight")
    b.set_window_size(1280, max(700, min(int(height) + 20, 4000)))
    b.save_screenshot(path)
    b.set_window_size(1280, 1000)
    return path


def csp_violations(b):
    return [e for e in b.get_log("browser") if "Content Security Policy" in e.get("message", "")]


def test_no_network_beyond_localhost(b):
    with pytest.raises(WebDriverException) as e:
        b.get("http://example.com/")
    assert "ERR_" in str(e.value)


def test_write_session_filter_open_replay_logout(b, fx, pool_front, db):
    site = Site(fx, pool_front)
    first = site.deliver({"ref": "refs/heads/main", "commits": [{"id": "abc123", "message": "Fix"}]})
    rejected = site.deliver({"ref": "refs/heads/evil"}, signed=False)
    login(b, site, site.write_key["key"])
    # the autopilot and its chart
    assert "Deploy on push" in text(b)
    chart = b.find_element(By.CSS_SELECTOR, "figure.chart svg")
    assert chart.find_elements(By.CSS_SELECTOR, "rect.c-dispatched")
    assert chart.find_elements(By.CSS_SELECTOR, "rect.c-rejected")
    assert "dispatched 1" in text(b) and "rejected 1" in text(b)
    b.find_element(By.LINK_TEXT, "Deliveries").click()
    wait(b, lambda: "/deliveries" in b.current_url, "the deliveries page")
    rows = b.find_elements(By.CSS_SELECTOR, "table.deliveries tbody tr")
    assert len(rows) == 2
    # filter by rejected
    Select(b.find_element(By.NAME, "status")).select_by_visible_text("rejected")
    b.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait(b, lambda: "status=rejected" in b.current_url, "the filtered list")
    rows = b.find_elements(By.CSS_SELECTOR, "table.deliveries tbody tr")
    assert len(rows) == 1 and "rejected" in rows[0].text and "missing" in rows[0].text
    rows[0].find_element(By.TAG_NAME, "a").click()
    wait(b, lambda: rejected in b.current_url, "the rejected delivery")
    assert "refs/heads/evil" in text(b) and "x-github-event" in text(b)
    # the dispatched one: its body, its headers, then Replay
    b.get(site.url(site.deliveries_path("/" + first)))
    page = text(b)
    assert '"message": "Fix"' in page, "the body laid out as JSON"
    assert "x-github-event" in page and "push" in page and "signature_present" in page
    b.find_element(By.XPATH, "//button[text()='Replay']").click()
    wait(b, lambda: first not in b.current_url and "/deliveries/" in b.current_url,
         "the new delivery")
    new_id = b.current_url.rstrip("/").rsplit("/", 1)[1]
    assert "a replay of " + first in text(b)
    assert str(fx.delivery(new_id)["replayed_from_delivery_id"]) == first
    assert not csp_violations(b)
    # log out: the old cookie no longer works
    old = b.get_cookie("hg_session")
    assert old and old["httpOnly"] and old.get("sameSite") == "Strict"
    b.find_element(By.XPATH, "//button[text()='Log out']").click()
    wait(b, lambda: b.current_url.endswith("/console/login"), "the login page")
    b.add_cookie({"name": "hg_session", "value": old["value"], "path": old["path"]})
    b.get(site.url("/console/"))
    assert b.current_url.endswith("/console/login")
    assert b.find_element(By.ID, "key")


class Attacker:
    """A page on another port of localhost (same site, another origin) that posts a form at once."""

    def __init__(self):
        self.page = b""
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10        # a browser's idle preconnection must not hold a thread for ever

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(outer.page)

            def log_message(self, *args):
                pass

        # threads: a connection the browser opens and never uses blocks only its own
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/" % self.server.server_address[1]

    def form(self, action, fields):
        inputs = "".join('<input type="hidden" name="%s" value="%s">' % kv for kv in fields.items())
        self.page = ('<form id="f" method="post" action="%s">%s</form>'
                     '<script>document.getElementById("f").submit()</script>'
                     % (action, inputs)).encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker():
    a = Attacker()
    yield a
    a.close()


def test_bulk_replay_in_the_browser(b, fx, pool_front, db):
    site = Site(fx, pool_front)
    ids = [site.deliver({"ref": "refs/heads/main", "n": i}) for i in range(2)]
    for did in ids:
        db.execute("UPDATE autopilot_run SET status = 'failed', failure_reason = 'outage',"
                   " completed_at = now() WHERE id = %s", (fx.delivery(did)["autopilot_run_id"],))
    login(b, site, site.write_key["key"])
    b.get(site.url(site.deliveries_path()))
    # folded until asked for, then the last day by default: pick the runs that failed
    assert b.find_element(By.CSS_SELECTOR, "details.bulk").get_attribute("open") is None
    b.find_element(By.CSS_SELECTOR, "details.bulk summary").click()
    Select(b.find_element(By.CSS_SELECTOR, "form.bulk select[name=status]")).select_by_visible_text("failed")
    b.find_element(By.XPATH, "//button[text()='Replay these']").click()
    wait(b, lambda: b.current_url.endswith("/deliveries/replay"), "the bulk replay's page")
    rows = b.find_elements(By.CSS_SELECTOR, "table.replayed tbody tr")
    assert len(rows) == 2 and ids[0] in rows[0].text and ids[1] in rows[1].text
    assert "That was every match in the window." in text(b)
    assert not csp_violations(b)
    # a new delivery's link leads to it, a replay of the first
    rows[0].find_elements(By.TAG_NAME, "a")[1].click()
    wait(b, lambda: "/deliveries/replay" not in b.current_url, "the new delivery")
    assert "a replay of " + ids[0] in text(b)
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery WHERE replayed_from_delivery_id"
                      " = ANY(%s::uuid[])", (ids,)).fetchone()["n"] == 2


def test_read_session_forged_posts_and_revocation(b, fx, pool_front, ctl, db, attacker):
    site = Site(fx, pool_front)
    did = site.deliver({"ref": "refs/heads/main"})
    login(b, site, site.read_key["key"])
    b.get(site.url(site.deliveries_path("/" + did)))
    assert not b.find_elements(By.XPATH, "//button[text()='Replay']")
    assert not b.find_elements(By.CSS_SELECTOR, "form.replay")
    csrf = b.find_element(By.CSS_SELECTOR, "form.logout input[name=csrf]").get_attribute("value")
    count = db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"]
    replay_url = site.url(site.deliveries_path("/%s/replay" % did))
    # a forged POST from the read session, even with its CSRF token: 403
    attacker.form(replay_url, {"csrf": csrf})
    b.get(attacker.url())
    wait(b, lambda: "/replay" in b.current_url, "the forged form's answer")
    assert "403" in text(b) and "read-only" in text(b)
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"] == count
    # a write session: a POST without the token is 403 too
    b.delete_all_cookies()
    login(b, site, site.write_key["key"])
    attacker.form(replay_url, {"nonce": "0" * 32})
    b.get(attacker.url())
    wait(b, lambda: "/replay" in b.current_url, "the token-less form's answer")
    assert "403" in text(b) and "CSRF" in text(b)
    assert db.execute("SELECT count(*) AS n FROM webhook_delivery").fetchone()["n"] == count
    # a revoked key's session is gone at the next request
    b.get(site.url("/console/"))
    assert "Deploy on push" in text(b)
    ctl("apikey", "revoke", site.write_key["id"])
    b.get(site.url("/console/"))
    assert b.current_url.endswith("/console/login")


HOSTILE = ['<script>window.__hg_xss = "body"</script>',
           '"><img src=x onerror="window.__hg_xss=\'img\'">',
           '</textarea><script>window.__hg_xss="textarea"</script>']


def test_hostile_text_is_shown_as_text(b, fx, pool_front):
    site = Site(fx, pool_front)
    body = {"event": HOSTILE[1], "note": HOSTILE[0], "more": HOSTILE[2]}
    did = site.deliver(body, headers={"User-Agent": HOSTILE[0] + HOSTILE[2],
                                      "Idempotency-Key": HOSTILE[1] + HOSTILE[2]})
    login(b, site, site.read_key["key"])
    pages = {}
    for path in (site.deliveries_path(), site.deliveries_path("/" + did),
                 site.deliveries_path("?event=" + requests.utils.quote(HOSTILE[1], safe=""))):
        b.get(site.url(path))
        assert b.execute_script("return window.__hg_xss === undefined"), path
        # nothing of it became markup: no script, no img, no textarea in the document
        for tag in ("script", "img", "textarea"):
            assert not b.find_elements(By.TAG_NAME, tag), (path, tag)
        assert not csp_violations(b), (path, csp_violations(b))
        # and it is there, as text
        pages[path] = text(b)
        assert HOSTILE[1] in pages[path], path
    # the delivery page shows all of it: body, user agent, idempotency key
    detail = pages[site.deliveries_path("/" + did)]
    for h in HOSTILE:
        assert h in detail, h
    assert HOSTILE[0] + HOSTILE[2] in detail and HOSTILE[1] + HOSTILE[2] in detail
    # the CSP header on every page (headers are not visible to WebDriver: asked for directly)
    c = Console(pool_front)
    c.must_login(site.read_key["key"])
    for path in ("/console/", "/console/login", site.deliveries_path(), site.deliveries_path("/" + did),
                 "/console/autopilots/%s/runs" % site.ap["id"], "/console/nope"):
        assert c.get(path).headers.get("Content-Security-Policy") == CSP, path


def test_another_workspaces_ids_are_404(b, fx, pool_front, ctl):
    site = Site(fx, pool_front)
    did = site.deliver({"ref": "x"})
    other = harness.unique_slug()
    ctl("workspace", "create", other, "--name", "other")
    key = ctl("apikey", "create", "--workspace", other, "--scope", "write")["key"]
    login(b, site, key)
    for path in (site.deliveries_path(), site.deliveries_path("/" + did),
                 "/console/autopilots/%s/runs" % site.ap["id"]):
        b.get(site.url(path))
        assert "404" in text(b) and "autopilot not found" in text(b)


def browse(b, site):
    """Log in with the write key and walk the four pages, checking that each link works."""
    did = site.deliver({"ref": "refs/heads/main"})
    login(b, site, site.write_key["key"])
    b.find_element(By.LINK_TEXT, "Runs").click()
    wait(b, lambda: b.current_url.endswith("/runs"), "the runs page")
    assert "pending" in text(b)
    b.find_element(By.LINK_TEXT, "delivery").click()
    wait(b, lambda: did in b.current_url, "the delivery page")
    b.find_element(By.XPATH, "//button[text()='Replay']").click()
    wait(b, lambda: did not in b.current_url, "the replay")
    assert "a replay of " + did in text(b)
    # the stylesheet came from the mount (an unstyled page would have a white header)
    bg = b.execute_script("return getComputedStyle(document.querySelector('header.top')).backgroundColor")
    assert bg == "rgb(36, 41, 47)", bg
    b.find_element(By.XPATH, "//button[text()='Log out']").click()
    wait(b, lambda: b.current_url.endswith("/console/login"), "the login page")


def test_under_base_path(b, fx, make_pool):
    _, front = make_pool(base_path="/hookgate")
    site = Site(fx, front, prefix="/hookgate")
    browse(b, site)
    assert b.current_url.endswith("/hookgate/console/login")


def test_as_cgi(b, fx, cgi_front):
    site = Site(fx, cgi_front)
    browse(b, site)
    assert b.current_url.endswith("/hookgate.cgi/console/login")


def test_screenshots_of_the_four_pages(b, ctl, db, pool_front):
    # a workspace named as in the README's examples, once per test session
    fx = Fixtures(ctl, db, pool_front, slug="acme")
    # the older one first: the page shows the newest first
    second = fx.autopilot(title="Triage new issues")
    trig2 = fx.trigger(provider="generic", autopilot=second, label="issue tracker")
    site = Site(fx, pool_front, title="Deploy on push")
    ids = []
    for i in range(14):
        ids.append(site.deliver({"ref": "refs/heads/main", "after": "%040x" % (i * 7919),
                                 "pusher": {"name": "dev%d" % (i % 3)}},
                                headers={"X-GitHub-Delivery": "d-%s-%d" % (fx.slug, i)}))
    for i in range(3):
        site.deliver({"ref": "refs/heads/main"}, signed=False)
    for i in range(5):
        pool_front.hook(trig2, {"type": "issue.opened", "n": i})
    # spread them over the day, so that the chart has a shape
    db.execute("""UPDATE webhook_delivery d SET created_at = now() - make_interval(mins => ((s.k * 97) %% 1400)::integer),
                         received_at = now() - make_interval(mins => ((s.k * 97) %% 1400)::integer)
                    FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM webhook_delivery
                           WHERE workspace_id = %s) s WHERE d.id = s.id""", (fx.workspace["id"],))
    db.execute("UPDATE autopilot_run SET status = 'completed', completed_at = now(),"
               " result = '{\"exit_code\":0,\"output\":\"deployed\",\"duration_ms\":812}'"
               " WHERE autopilot_id = %s AND webhook_delivery_id = ANY(%s::uuid[])",
               (site.ap["id"], ids[:9]))
    db.commit()
    login(b, site, site.write_key["key"])
    paths = {"autopilots": shot(b, "console-autopilots")}
    b.get(site.url(site.deliveries_path()))
    paths["deliveries"] = shot(b, "console-deliveries")
    b.get(site.url(site.deliveries_path("/" + ids[-1])))
    paths["delivery"] = shot(b, "console-delivery")
    b.get(site.url("/console/autopilots/%s/runs" % site.ap["id"]))
    paths["runs"] = shot(b, "console-runs")
    for name, path in paths.items():
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
        assert os.path.getsize(path) > 10000, (name, os.path.getsize(path))
    if os.environ.get("HG_CONSOLE_PNG"):
        b.get(site.url("/console/"))
        b.set_window_size(1280, 860)
        b.save_screenshot(os.environ["HG_CONSOLE_PNG"])
        b.set_window_size(1280, 1000)
