"""Runs last: no log line of the whole run holds a full token, a secret or an API key (SPEC 5, 8.3)."""

import glob
import os
import re


def test_logs_hold_no_token_secret_or_key(stack, db):
    logs = [p for p in glob.glob(os.path.join(stack.base, "..", "**", "*.log"), recursive=True)
            if "postgres" not in os.path.basename(p)]
    assert logs, "no log files found"
    text = ""
    for path in logs:
        with open(path, errors="replace") as f:
            text += f.read()
    assert "POST /api/webhooks/autopilots/{token}" in text, "the pool logs were not found"
    assert not re.search(r"awt_[A-Za-z0-9_-]{5}", text), "a webhook token longer than awt_+4 was logged"
    assert not re.search(r"hgk_[A-Za-z0-9_-]{8}", text), "an API key was logged"
    secrets = [r["s"] for r in db.execute(
        "SELECT signing_secret AS s FROM autopilot_trigger WHERE signing_secret IS NOT NULL "
        "UNION SELECT previous_signing_secret FROM autopilot_trigger "
        "WHERE previous_signing_secret IS NOT NULL").fetchall()]
    for s in secrets:
        assert s not in text, "a signing secret was logged"
