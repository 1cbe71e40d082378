"""A tour of every route and every answer (SPEC 3.2, 4, 5, 11), a few hundred requests in all.

It runs in every black-box run, and it is the valgrind pass: with HG_VALGRIND=1 the
responder (pool and CGI) runs under memcheck, and the session fails unless every
valgrind log ends with 0 errors and 0 bytes definitely or indirectly lost
(doc/testing.md):  HG_VALGRIND=1 tests/blackbox/run test_tour.py
"""

import collections
import os
import re

import harness
from apihelp import api_front, ws  # noqa: F401  (fixtures)
from consolehelp import Console, assert_html, hidden
from harness import WEBHOOK_PREFIX, assert_json_response, sign

ROUNDS = 4
SECRET = "tour-signing-secret-0123456789"


def table_routes():
    """(method, pattern) of every route in src/fcgi/routes.c."""
    with open(os.path.join(harness.SRCDIR, "src", "fcgi", "routes.c")) as f:
        found = re.findall(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"(/[^"]*)"', f.read())
    assert len(found) >= 20, "no route table found in src/fcgi/routes.c (its format changed?)"
    return found


def tally(counts, resp, route):
    counts[(route, resp.status_code)] += 1
    return resp


def page(counts, resp, status):
    """A console answer: HTML with status."""
    tally(counts, resp, "console")
    assert_html(resp, status)
    return resp.text


def console_tour(counts, front, write_key, read_key, autopilot_id, delivery_id, rejected_id):
    """Every console page and form, with a write session and a read one: about 25 requests."""
    c = Console(front)
    assert tally(counts, c.get("/console/"), "console").status_code == 303
    page(counts, c.get("/console/login"), 200)
    page(counts, c.post("/console/login", {"login_token": "x", "key": write_key}), 403)
    assert tally(counts, c.login(write_key), "console").status_code == 303
    assert tally(counts, c.get("/console"), "console").status_code == 303
    ap = "/console/autopilots/" + autopilot_id
    assert tally(counts, c.get(ap), "console").status_code == 303
    tally(counts, c.get("/console/static/console.css"), "console")
    page(counts, c.get("/console/"), 200)
    listing = page(counts, c.get(ap + "/deliveries?status=dispatched"), 200)
    page(counts, c.get(ap + "/deliveries?status=nonsense"), 400)
    page(counts, c.get(ap + "/deliveries/" + delivery_id), 200)
    page(counts, c.get(ap + "/deliveries/00000000-0000-4000-8000-000000000000"), 404)
    page(counts, c.get(ap + "/runs?status=completed"), 200)
    csrf = hidden(listing, "csrf")
    nonce = hidden(page(counts, c.get(ap + "/deliveries/" + delivery_id), 200), "nonce")
    assert tally(counts, c.post(ap + "/deliveries/%s/replay" % delivery_id,
                                {"csrf": csrf, "nonce": nonce}), "console").status_code == 303
    page(counts, c.post(ap + "/deliveries/%s/replay" % rejected_id, {"csrf": csrf}), 400)
    bulk = {"csrf": csrf, "nonce": hidden(listing, "nonce"), "since": "2000-01-01T00:00:00Z",
            "until": "2100-01-01T00:00:00Z", "status": "rejected", "event": "", "limit": "5"}
    assert "Not replayed" in page(counts, c.post(ap + "/deliveries/replay", bulk), 200)
    page(counts, c.post(ap + "/deliveries/replay", dict(bulk, since="soon")), 400)
    page(counts, c.post(ap + "/deliveries/replay", dict(bulk, csrf="")), 403)
    page(counts, c.get("/console/no/such/page"), 404)
    page(counts, c.post("/console/"), 405)
    assert tally(counts, c.logout(), "console").status_code == 303
    # a read session: pages, but every write is 403
    rd = Console(front)
    assert tally(counts, rd.login(read_key), "console").status_code == 303
    page(counts, rd.post(ap + "/deliveries/%s/replay" % delivery_id, {"csrf": rd.csrf()}), 403)
    assert tally(counts, rd.logout(), "console").status_code == 303


def test_every_route_and_answer(fx, ws, stack, pool_front, cgi_front, make_pool):  # noqa: F811
    counts = collections.Counter()
    routes = set(table_routes())
    w, r = ws.write, ws.read

    def call(api, method, path, route, status, **kw):
        resp = api.request(method, path, **kw)
        assert resp.status_code == status, "%s %s: %d %s" % (method, path, resp.status_code, resp.text)
        if status != 204:
            assert_json_response(resp, status)
        return tally(counts, resp, route)

    rt = call(w, "POST", "/api/runtimes", "runtimes", 201, body={"name": "tour"}).json()["runtime"]
    for rnd in range(ROUNDS):
        # ---- health and metrics
        for front in (pool_front, cgi_front):
            tally(counts, front.get("/healthz"), "healthz")
            tally(counts, front.get("/readyz"), "readyz")
        assert tally(counts, pool_front.get("/metrics"), "metrics").status_code == 200
        # ---- autopilots
        call(w, "GET", "/api/autopilots", "autopilots", 200)
        call(ws.read, "GET", "/api/autopilots", "autopilots", 200)
        call(w, "GET", "/api/autopilots", "autopilots", 401, key="hgk_" + "A" * 43)
        call(w, "POST", "/api/autopilots", "autopilots", 400, data=b"{not json", headers={
            "Content-Type": "application/json"})
        call(r, "POST", "/api/autopilots", "autopilots", 403, body={"title": "no"})
        ap = call(w, "POST", "/api/autopilots", "autopilots", 201,
                  body={"title": "tour %d" % rnd}).json()["autopilot"]
        apath = "/api/autopilots/" + ap["id"]
        call(w, "GET", apath, "autopilot", 200)
        call(w, "GET", "/api/autopilots/not-a-uuid", "autopilot", 400)
        call(w, "GET", "/api/autopilots/00000000-0000-4000-8000-000000000000", "autopilot", 404)
        call(w, "PATCH", apath, "autopilot", 200, body={"description": "toured"})
        call(w, "PATCH", apath, "autopilot", 400, body={"status": "sleeping"})
        # ---- triggers
        tr = call(w, "POST", apath + "/triggers", "triggers", 201,
                  body={"kind": "webhook", "label": "tour", "event_filters": [{"event": "push"}]}
                  ).json()["trigger"]
        call(w, "POST", apath + "/triggers", "triggers", 400, body={"kind": "email"})
        call(w, "GET", apath + "/triggers", "triggers", 200)
        tpath = apath + "/triggers/" + tr["id"]
        call(w, "PATCH", tpath, "trigger", 200, body={"event_filters": None})
        call(w, "PUT", tpath + "/signing-secret", "secret", 400, body={"signing_secret": "short"})
        call(w, "PUT", tpath + "/signing-secret", "secret", 200, body={"signing_secret": SECRET})
        rot = call(w, "POST", tpath + "/rotate-webhook-token", "rotate", 200).json()["trigger"]
        hook_path = rot["webhook_path"]
        # ---- ingress: every answer
        body = {"event": "tour.%d" % rnd, "n": rnd}
        raw = harness.encode_body(body)
        sig = {"X-Hub-Signature-256": sign(SECRET, raw), "Content-Type": "application/json"}
        for front in (pool_front, cgi_front):
            ok = tally(counts, front.post(hook_path, data=raw, headers=dict(sig, **{
                "Idempotency-Key": "tour-%s-%d" % (front.name, rnd)})), "ingress")
            assert ok.status_code == 200 and ok.json()["status"] == "accepted", ok.text
            dup = tally(counts, front.post(hook_path, data=raw, headers=dict(sig, **{
                "Idempotency-Key": "tour-%s-%d" % (front.name, rnd)})), "ingress")
            assert dup.json()["status"] == "duplicate", dup.text
            assert tally(counts, front.post(hook_path, data=raw), "ingress").status_code == 401
            assert tally(counts, front.post(hook_path, data=b"[1,", headers=sig), "ingress").status_code == 400
            assert tally(counts, front.post(WEBHOOK_PREFIX + "awt_" + "B" * 43, data=raw),
                         "ingress").status_code == 404
            assert tally(counts, front.get(hook_path), "ingress").status_code == 405
            assert tally(counts, front.post(hook_path, data=b"x" * 70000), "ingress").status_code == 413
            form = b"payload=%7B%22action%22%3A%22opened%22%7D"
            resp = tally(counts, front.post(hook_path, data=form, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Hub-Signature-256": sign(SECRET, form), "X-GitHub-Event": "push"}), "ingress")
            assert resp.status_code == 200, resp.text
        delivery = ok.json()["delivery_id"]
        # ---- deliveries
        dpath = apath + "/deliveries"
        page = call(w, "GET", dpath + "?limit=2", "deliveries", 200).json()
        if page["next_cursor"]:
            call(w, "GET", dpath + "?limit=2&before=" + page["next_cursor"], "deliveries", 200)
        call(r, "GET", dpath + "?status=rejected", "deliveries", 200)
        call(w, "GET", dpath + "?limit=0", "deliveries", 400)
        call(w, "GET", dpath + "/" + delivery, "delivery", 200)
        call(w, "GET", dpath + "/00000000-0000-4000-8000-000000000000", "delivery", 404)
        call(w, "POST", dpath + "/" + delivery + "/replay", "replay", 201,
             headers={"Idempotency-Key": "tour-replay-%d" % rnd})
        call(w, "POST", dpath + "/" + delivery + "/replay", "replay", 200,
             headers={"Idempotency-Key": "tour-replay-%d" % rnd})
        rejected = [d for d in call(w, "GET", dpath + "?status=rejected", "deliveries", 200
                                    ).json()["deliveries"]]
        call(w, "POST", dpath + "/" + rejected[0]["id"] + "/replay", "replay", 400)
        window = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}
        call(w, "POST", dpath + "/replay", "bulk replay", 200, body=dict(window, status=["rejected"]))
        call(w, "POST", dpath + "/replay", "bulk replay", 400, body=dict(window, until="later"))
        call(r, "POST", dpath + "/replay", "bulk replay", 403, body=window)
        # ---- the console (SPEC 11), through the pool and as CGI
        for front in (pool_front, cgi_front):
            console_tour(counts, front, w.key, r.key, ap["id"], delivery, rejected[0]["id"])
        # ---- runs and runtimes
        call(w, "GET", apath + "/runs", "runs", 200)
        call(w, "GET", apath + "/runs?before=bad", "runs", 400)
        claimed = call(w, "POST", "/api/runs/claim", "claim", 200,
                       body={"runtime_id": rt["id"]}).json()["run"]
        call(r, "GET", "/api/autopilots/%s/runs/%s" % (claimed["autopilot_id"], claimed["id"]), "run", 200)
        # the worker's run routes, when the build has them (the table says)
        if ("GET", "/api/runs/{run}") in routes:
            call(r, "GET", "/api/runs/" + claimed["id"], "run by id", 200)
            call(r, "GET", "/api/runs/00000000-0000-4000-8000-000000000000", "run by id", 404)
        if ("POST", "/api/runs/{run}/heartbeat") in routes:
            call(w, "POST", "/api/runs/%s/heartbeat" % claimed["id"], "run heartbeat", 200,
                 body={"runtime_id": rt["id"], "lease_s": 300})
            call(w, "POST", "/api/runs/%s/heartbeat" % claimed["id"], "run heartbeat", 409,
                 body={"runtime_id": "00000000-0000-4000-8000-000000000000"})
        call(r, "GET", apath + "/runs/00000000-0000-4000-8000-000000000000", "run", 404)
        other = call(w, "POST", "/api/runtimes", "runtimes", 201, body={"name": "other"}).json()["runtime"]
        call(w, "POST", "/api/runs/%s/complete" % claimed["id"], "complete", 409,
             body={"runtime_id": other["id"]})
        call(w, "POST", "/api/runs/%s/complete" % claimed["id"], "complete", 400,
             data=b'{"runtime_id":"%s","result":{"n":1e999999}}' % rt["id"].encode(),
             headers={"Content-Type": "application/json"})
        call(w, "POST", "/api/runs/%s/complete" % claimed["id"], "complete", 200,
             body={"runtime_id": rt["id"], "result": {"ok": True}})
        second = call(w, "POST", "/api/runs/claim", "claim", 200, body={"runtime_id": rt["id"]}).json()["run"]
        call(w, "POST", "/api/runs/%s/fail" % second["id"], "fail", 200,
             body={"runtime_id": rt["id"], "reason": "tour"})
        call(w, "GET", "/api/runtimes", "runtimes", 200)
        call(w, "POST", "/api/runtimes/%s/heartbeat" % rt["id"], "heartbeat", 200)
        call(w, "POST", "/api/runtimes/00000000-0000-4000-8000-000000000000/heartbeat", "heartbeat", 404)
        # ---- unknown routes and methods
        assert tally(counts, pool_front.get("/no/such/route"), "none").status_code == 404
        assert tally(counts, pool_front.post("/api/webhooks/mangled"), "none").status_code == 404
        call(w, "PUT", "/api/autopilots", "autopilots", 405)
        # ---- cleanup of this round
        call(w, "DELETE", tpath, "trigger", 204)
        call(w, "DELETE", apath, "autopilot", 204)
        call(w, "DELETE", apath, "autopilot", 404)

    # claims with nothing left: 204
    while True:
        resp = w.request("POST", "/api/runs/claim", body={"runtime_id": rt["id"]})
        tally(counts, resp, "claim")
        if resp.status_code == 204:
            break
        run = resp.json()["run"]
        call(w, "POST", "/api/runs/%s/fail" % run["id"], "fail", 200, body={"runtime_id": rt["id"], "reason": "x"})

    # 429 (a pool with a small ceiling) and 503 (a pool whose database never answers)
    _, small = make_pool(workers=1, ip_ceiling=3)
    codes = [tally(counts, small.get("/api/autopilots"), "limited").status_code for _ in range(5)]
    assert codes.count(429) >= 1, codes
    _, down = make_pool(workers=1, database_url="host=127.0.0.1 port=1 user=x dbname=y connect_timeout=2")
    for _ in range(3):
        resp = tally(counts, down.post(WEBHOOK_PREFIX + "awt_" + "C" * 43, data=b"{}"), "down")
        assert assert_json_response(resp, 503) == {"error": "service unavailable"}
        assert tally(counts, down.get("/readyz"), "down").status_code == 503

    # every route of the program's table was served (a new route needs its stop on the tour)
    served = "".join(open(p, errors="replace").read() for p in (
        stack.pool.log, stack.fastcgi.errorlog, stack.cgi.errorlog) if os.path.exists(p))
    missing = [m + " " + pat for m, pat in table_routes() if " %s %s " % (m, pat) not in served]
    assert not missing, "routes the tour never served: %s" % missing

    codes = collections.Counter(code for (_, code) in counts.elements())
    total = sum(counts.values())
    print("\ntour: %d requests; by answer %s" % (total, dict(sorted(codes.items()))))
    assert total >= 200, "the tour sent only %d requests" % total
    for code in (200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 429, 503):
        assert codes[code] > 0, "no %d in the tour" % code
