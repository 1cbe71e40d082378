"""Rate limits shared by the whole pool (SPEC 5): ip_ceiling, ip_bad_credentials, token_ceiling, token_rate."""

import uuid

import pytest

from harness import WEBHOOK_PREFIX, assert_json_response, children

BAD_TOKEN = "awt_" + "Z" * 43          # well-formed, unknown: a database lookup, then 404
WORKERS = 4


def assert_429(resp):
    body = assert_json_response(resp, 429)
    assert body == {"error": "rate limit exceeded"}
    retry = resp.headers.get("Retry-After")
    assert retry is not None and retry.isdigit() and int(retry) >= 1, retry
    return int(retry)


def _served_by(pool):
    return {line.split("[")[1].split("]")[0] for line in pool.log_text().splitlines()
            if "POST /api/webhooks/autopilots/{token} " in line}


def test_token_ceiling_is_shared_by_every_worker(make_pool, fx):
    pool, front = make_pool(workers=WORKERS, token_ceiling=5)
    trig = fx.trigger()
    codes = [front.hook(trig, {"n": i}).status_code for i in range(5)]
    assert codes == [200] * 5
    retry = assert_429(front.hook(trig, {"n": 6}))
    assert retry <= 12                   # 5 per minute: one more every 12 s
    # a 429 touches no row
    assert len(fx.deliveries(trig)) == 5
    # another trigger has its own budget
    other = fx.trigger()
    assert front.hook(other, {"n": 1}).status_code == 200
    # the budget is the pool's, not a worker's: the 5 allowed and the refused
    # requests were served by more than one worker
    served_by = _served_by(pool)
    assert len(served_by) >= 2, "every request went to one worker: %r" % served_by


def test_token_rate_schedule_is_shared_by_every_worker(make_pool, fx):
    """token_rate defers (SPEC 3.6) with one schedule per trigger for the whole pool."""
    pool, front = make_pool(workers=WORKERS, token_rate=5)
    trig = fx.trigger()
    answers = [assert_json_response(front.hook(trig, {"n": i}), 200) for i in range(6)]
    assert [("available_at" in a) for a in answers] == [False] * 5 + [True], answers
    assert len(fx.deliveries(trig)) == 6
    served_by = _served_by(pool)
    assert len(served_by) >= 2, "every request went to one worker: %r" % served_by


def test_ip_ceiling_counts_every_request(make_pool, fx):
    pool, front = make_pool(workers=WORKERS, ip_ceiling=6)
    trig = fx.trigger()
    codes = [front.hook(trig, {"n": i}).status_code for i in range(3)]
    codes += [front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}").status_code for _ in range(3)]
    assert codes == [200, 200, 200, 404, 404, 404]
    assert_429(front.hook(trig, {"n": 7}))
    assert_429(front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}"))
    assert len(fx.deliveries(trig)) == 3


def test_bad_credentials_exhaust_one_ip_only(make_pool, fx):
    pool, front = make_pool(workers=WORKERS, ip_bad_credentials=4,
                            trusted_proxies="127.0.0.1/32, ::1/128")
    bad_ip = {"X-Forwarded-For": "198.51.100.7"}
    good_ip = {"X-Forwarded-For": "198.51.100.8"}
    signed = fx.trigger(secret="s3cret-s3cret-s3cret")
    # two 404s and two 401s spend the budget of 4
    assert front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}", headers=bad_ip).status_code == 404
    assert front.post(WEBHOOK_PREFIX + "awt_short", data=b"{}", headers=bad_ip).status_code == 404
    assert front.hook(signed, {"a": 1}, headers=bad_ip, secret="wrong-secret-wrong").status_code == 401
    assert front.hook(signed, {"a": 2}, headers=bad_ip).status_code == 401      # missing
    # now even a valid delivery from that address is refused, before any database work
    assert_429(front.hook(signed, {"a": 3}, headers=bad_ip, secret=signed.secret))
    assert_429(front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}", headers=bad_ip))
    # valid deliveries from another address keep flowing
    for i in range(6):
        r = front.hook(signed, {"b": i}, headers=good_ip, secret=signed.secret)
        assert r.status_code == 200, r.text
    rows = fx.deliveries(signed)
    assert [r["status"] for r in rows].count("rejected") == 2
    assert [r["status"] for r in rows].count("dispatched") == 6


def test_valid_deliveries_never_charge_the_bad_credential_budget(make_pool, fx):
    pool, front = make_pool(workers=WORKERS, ip_bad_credentials=2,
                            trusted_proxies="127.0.0.1/32, ::1/128")
    ip = {"X-Forwarded-For": "192.0.2.44"}
    trig = fx.trigger()
    for i in range(10):
        assert front.hook(trig, {"n": i}, headers=ip).status_code == 200
        assert front.hook(trig, {"n": i}, headers=dict(ip, **{"Idempotency-Key": "k%d" % i})).status_code == 200
    assert front.post("/api/webhooks/autopilots/" + trig.token, data=b"", headers=ip).status_code == 400
    # the budget of 2 is still whole
    assert front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}", headers=ip).status_code == 404
    assert front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}", headers=ip).status_code == 404
    assert_429(front.post(WEBHOOK_PREFIX + BAD_TOKEN, data=b"{}", headers=ip))


def test_forwarded_for_from_an_untrusted_address_is_ignored(make_pool, fx):
    pool, front = make_pool(workers=WORKERS, ip_ceiling=3)      # no trusted_proxies
    trig = fx.trigger()
    for i in range(3):
        r = front.hook(trig, {"n": i}, headers={"X-Forwarded-For": "203.0.113.%d" % (i + 1)})
        assert r.status_code == 200
    # every request counted against 127.0.0.1, whatever the header said
    assert_429(front.hook(trig, {"n": 4}, headers={"X-Forwarded-For": "203.0.113.99",
                                                   "X-Real-IP": "203.0.113.98"}))
    assert "ip=203.0.113" not in pool.log_text()


def test_trusted_proxy_forwarded_for_is_read_from_the_right(make_pool, fx):
    """SPEC 5: from the right, past trusted proxies; the first untrusted address is the client."""
    pool, front = make_pool(workers=WORKERS, ip_ceiling=2, trusted_proxies="127.0.0.0/8, 10.0.0.0/8")
    trig = fx.trigger()
    chain = {"X-Forwarded-For": "203.0.113.5, 10.1.2.3, 127.0.0.1"}
    assert front.hook(trig, {"n": 1}, headers=chain).status_code == 200
    assert front.hook(trig, {"n": 2}, headers=chain).status_code == 200
    # a client sending its own X-Forwarded-For cannot choose its address: the proxy appends the real one
    spoofed = {"X-Forwarded-For": "198.51.100.77, 203.0.113.5, 10.1.2.3"}
    assert_429(front.hook(trig, {"n": 3}, headers=spoofed))
    # another address has its own budget; X-Real-IP serves when there is no XFF
    assert front.hook(trig, {"n": 4}, headers={"X-Forwarded-For": "203.0.113.6, 10.1.2.3"}).status_code == 200
    assert front.hook(trig, {"n": 5}, headers={"X-Real-IP": "2001:db8::7"}).status_code == 200
    # garbage is not an address: REMOTE_ADDR (127.0.0.1) is used
    assert front.hook(trig, {"n": 6}, headers={"X-Forwarded-For": "not-an-ip"}).status_code == 200
    log = pool.log_text()
    assert "ip=203.0.113.5 " in log
    assert "ip=203.0.113.6 " in log
    assert "ip=2001:db8::7 " in log
    assert "ip=127.0.0.1 " in log
    assert "ip=198.51.100.77" not in log
    assert "ip=10.1.2.3" not in log


def test_a_killed_worker_wedges_nothing(make_pool, fx):
    """The limiter takes no lock: SIGKILL at any moment leaves the others serving and limiting."""
    import os
    import signal
    import threading
    import time

    pool, front = make_pool(workers=WORKERS, token_rate=1000, token_ceiling=100000)
    trig = fx.trigger()
    stop = threading.Event()
    codes = []

    def flood():
        while not stop.is_set():
            try:
                codes.append(front.hook(trig, {"f": 1}, timeout=10).status_code)
            except Exception as e:  # a connection cut by the kill
                codes.append(type(e).__name__)

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    victims = children(pool.proc.pid)[:2]
    for p in victims:
        os.kill(p, signal.SIGKILL)
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    assert codes.count(200) > 0
    # the replacements serve
    assert pool.alive()
    fresh = fx.trigger()
    after = [front.hook(fresh, {"n": i}).status_code for i in range(3)]
    assert after == [200, 200, 200]
    # every 2xx answered during the kills is a committed row (a killed request may have
    # committed without its answer getting out: more rows than 200s is allowed)
    served = len(fx.deliveries(trig))
    assert served >= codes.count(200), (served, codes.count(200))
