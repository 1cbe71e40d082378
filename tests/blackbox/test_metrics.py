"""/metrics: Prometheus text summed over the pool, allowed from metrics_allow only (SPEC 5)."""

import re
import shutil
import subprocess

import pytest

from harness import WEBHOOK_PREFIX, assert_json_response

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"'
SAMPLE = re.compile(r"^(%s)(\{%s(?:,%s)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_strict(text):
    """Parse the text exposition format strictly; return {(name, frozenset(labels)): value}."""
    assert text.endswith("\n"), "exposition must end with a newline"
    types, samples, seen_names = {}, {}, []
    for line in text.splitlines():
        assert line.strip() == line and line, "blank or padded line %r" % line
        if line.startswith("# HELP "):
            assert re.match(r"^# HELP %s .+$" % NAME, line), line
            continue
        if line.startswith("# TYPE "):
            m = re.match(r"^# TYPE (%s) (\w+)$" % NAME, line)
            assert m and m.group(2) in TYPES, line
            assert m.group(1) not in types, "TYPE given twice for %s" % m.group(1)
            types[m.group(1)] = m.group(2)
            continue
        assert not line.startswith("#"), "stray comment %r" % line
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(
            r"_(bucket|sum|count)$", "", name) in types else name
        assert family in types, "sample %s before its TYPE" % name
        assert name.startswith("hookgate_"), name
        pairs = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
        key = (name, pairs)
        assert key not in samples, "duplicate sample %r" % line
        samples[key] = float(value)
        seen_names.append(family)
    # a family's samples are contiguous
    runs = [n for i, n in enumerate(seen_names) if i == 0 or seen_names[i - 1] != n]
    assert len(runs) == len(set(runs)), "families interleaved: %r" % runs
    # histograms: buckets cumulative, +Inf equals _count
    for fam, kind in types.items():
        if kind != "histogram":
            continue
        by_series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                rest = frozenset(p for p in labels if p[0] != "le")
                le = dict(labels)["le"]
                by_series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in by_series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            assert values == sorted(values), "buckets not cumulative: %r" % buckets
            assert buckets[-1][0] == float("inf")
            assert samples[(fam + "_count", rest)] == buckets[-1][1]
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


INGRESS = "POST /api/webhooks/autopilots/{token}"


def test_metrics_count_every_request_of_every_worker(make_pool, fx):
    pool, front = make_pool(workers=4)
    trig = fx.trigger()
    signed = fx.trigger(secret="metrics-secret-0123")
    for i in range(7):
        assert front.hook(trig, {"n": i}).status_code == 200                     # accepted
    for _ in range(3):
        assert front.hook(trig, {"d": 1}, headers={"Idempotency-Key": "dup"}).status_code == 200
    assert front.hook(signed, {"x": 1}, secret="not-the-secret-000").status_code == 401
    for _ in range(2):
        assert front.post(WEBHOOK_PREFIX + "awt_" + "Q" * 43, data=b"{}").status_code == 404
    assert front.post(WEBHOOK_PREFIX + trig.token, data=b"[1,").status_code == 400
    assert front.get(WEBHOOK_PREFIX + trig.token).status_code == 405
    assert front.get("/healthz").status_code == 200

    resp = front.get("/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = parse_strict(resp.text)

    assert metric(samples, "hookgate_http_requests_total", route=INGRESS, code="200") == 10
    assert metric(samples, "hookgate_http_requests_total", route=INGRESS, code="401") == 1
    assert metric(samples, "hookgate_http_requests_total", route=INGRESS, code="404") == 2
    assert metric(samples, "hookgate_http_requests_total", route=INGRESS, code="400") == 1
    assert metric(samples, "hookgate_http_requests_total", route="unmatched", code="405") == 1
    assert metric(samples, "hookgate_http_requests_total", route="GET /healthz", code="200") == 1
    assert metric(samples, "hookgate_deliveries_total", outcome="accepted") == 8
    assert metric(samples, "hookgate_deliveries_total", outcome="duplicate") == 2
    assert metric(samples, "hookgate_deliveries_total", outcome="rejected") == 1
    assert metric(samples, "hookgate_deliveries_total", outcome="failed") == 0
    assert metric(samples, "hookgate_http_request_duration_seconds_count", route=INGRESS) == 14
    assert metric(samples, "hookgate_database_errors_total") == 0
    # the requests were spread over several workers, and the sums still agree
    pids = set(re.findall(r"hookgate-fcgi\[(\d+)\] info req=\S+ POST ", pool.log_text()))
    assert len(pids) >= 2, "all requests went to one worker: %r" % pids

    promtool = shutil.which("promtool")
    if promtool:
        p = subprocess.run([promtool, "check", "metrics"], input=resp.text, text=True,
                           capture_output=True)
        assert p.returncode == 0, p.stdout + p.stderr


def test_rate_limit_refusals_are_counted(make_pool, fx):
    pool, front = make_pool(workers=2, token_ceiling=2, token_rate=1)
    trig = fx.trigger()
    codes = [front.hook(trig, {"n": i}).status_code for i in range(5)]
    assert codes == [200, 200, 429, 429, 429]
    samples = parse_strict(front.get("/metrics").text)
    assert metric(samples, "hookgate_rate_limited_total", limit="token_ceiling") == 3
    # token_rate deferred the second run but refuses nothing
    assert metric(samples, "hookgate_rate_limited_total", limit="token_rate") == 0
    assert metric(samples, "hookgate_rate_limited_total", limit="ip_ceiling") == 0


def test_metrics_denied_outside_metrics_allow(make_pool):
    pool, front = make_pool(workers=1, metrics_allow="10.0.0.0/8, fd00::/8")
    resp = front.get("/metrics")
    assert assert_json_response(resp, 403) == {"error": "forbidden"}
