"""Runs last: the secrets sweep (SPEC 8.3, 4.2, 5). No answer, header or log line of the whole suite
holds a signing secret, an API key or a webhook token that the suite created, but for the one-time
answers: the key in `hookgatectl apikey create`, the new token in trigger create and rotate
(hookgatectl and the API, never to a read key). sweep.py records what was created and seen."""

import glob
import os
import re

import pytest

import sweep

CANDIDATE = re.compile(r"(?:awt|hgk)_[A-Za-z0-9_-]{43}")


def test_no_answer_or_log_holds_a_secret(stack, db):
    kinds = {}
    for kind in sweep.SECRETS.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    if len(sweep.ANSWERS) < 1000 or len(kinds) < 3:
        pytest.skip("the sweep needs the whole suite before it (%d answers, secrets %s)"
                    % (len(sweep.ANSWERS), kinds))
    # webhook tokens are stored hashed (migration 004): no other answer may show one
    assert db.execute("SELECT count(*) AS n FROM information_schema.columns WHERE table_name ="
                      " 'autopilot_trigger' AND column_name = 'webhook_token_hash'").fetchone()["n"] > 0

    texts = {}
    for where, text, allowed, read_key in sweep.ANSWERS:
        texts.setdefault(text, []).append((where, allowed, read_key))
    logs = {}
    for path in glob.glob(os.path.join(stack.base, "..", "**", "*.log"), recursive=True):
        if "postgres" not in os.path.basename(path) and os.sep + "valgrind" + os.sep not in path:
            with open(path, errors="replace") as f:
                logs[path] = f.read()
    assert any("pool" in p for p in logs), "the pool logs were not found"

    secrets = sorted((v for v, k in sweep.SECRETS.items() if k == "signing secret"), key=len, reverse=True)
    named = re.compile("|".join(re.escape(s) for s in secrets)) if secrets else None

    def found(text):
        hits = {m for m in CANDIDATE.findall(text) if m in sweep.SECRETS}
        if named:
            hits |= set(named.findall(text))
        return hits

    leaks = []
    for text, seen in texts.items():
        for value in found(text):
            kind = sweep.SECRETS[value]
            for where, allowed, read_key in seen:
                if value in allowed and not read_key:
                    continue
                leaks.append("%s in the answer to %s" % (kind, where))
    for path, text in logs.items():
        for value in found(text):
            leaks.append("%s in %s" % (sweep.SECRETS[value], os.path.relpath(path, stack.base)))
    print("\nsecrets sweep: %s; %d answers (%d distinct), %d log files (%d KiB)"
          % (", ".join("%d %ss" % (n, k) for k, n in sorted(kinds.items())), len(sweep.ANSWERS),
             len(texts), len(logs), sum(len(t) for t in logs.values()) // 1024))
    assert not leaks, "secrets where they must never be:\n" + "\n".join(sorted(set(leaks))[:50])
