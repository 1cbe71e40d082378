"""Every curl example of README.md and doc/*.md runs as printed against a real stack (issue 13).

Each fenced shell block that runs curl, and each inline `curl ...` span, is one test: the
example's placeholder host becomes the stack's URL and its example ids (5d0f..., c2a0..., the
runtime 7c9e6679-...) become ids of rows made for it; $HGK, $BASE, $URL, $TOKEN, $SECRET,
$AUTOPILOT_ID and $TRIGGER_ID are set. The block runs in bash (set -eu -o pipefail), with
hookgatectl on PATH and HOOKGATE_CONFIG set; curl is wrapped so that every call it makes must
exit 0 with a 2xx answer. A new example is tested as soon as it is written.
"""

import glob
import json
import os
import re
import shutil
import stat
import subprocess
import textwrap

import pytest
import requests

import harness

DOCS = [os.path.join(harness.SRCDIR, "README.md")] + sorted(
    glob.glob(os.path.join(harness.SRCDIR, "doc", "*.md")))

# curl as a command: at the start of a line, after a pipe or ;, or inside $( )
CURL_CMD = re.compile(r"(^|[|;&]\s*|\$\(\s*)curl\s")
PROVIDERS = ("generic", "github", "standard", "stripe", "slack", "shopify", "gitlab")


class Example:
    def __init__(self, path, line, text, provider):
        self.path = path
        self.line = line
        self.text = text
        self.provider = provider

    def __repr__(self):
        return "%s:%d" % (os.path.relpath(self.path, harness.SRCDIR), self.line)


def runs_curl(text):
    for line in text.splitlines():
        code = line.split(" #")[0]
        if code.lstrip().startswith("#"):
            continue
        if CURL_CMD.search(code.strip()):
            return True
    return False


def examples():
    found = []
    for path in DOCS:
        with open(path) as f:
            lines = f.read().split("\n")
        provider, fence, start, body = "generic", None, 0, []
        for i, line in enumerate(lines, 1):
            heading = re.match(r"^##\s+(\w+)", line)
            if heading and fence is None and path.endswith("providers.md"):
                word = heading.group(1).lower()
                provider = word if word in PROVIDERS else provider
            m = re.match(r"^(\s*)```(\w*)\s*$", line)
            if m and fence is None:
                fence, start, body = m.group(1), i, []
                info = m.group(2)
                continue
            if fence is not None and line.strip() == "```":
                text = textwrap.dedent("\n".join(body))
                if info in ("", "sh", "bash", "shell") and runs_curl(text):
                    found.append(Example(path, start, text, provider))
                fence = None
                continue
            if fence is not None:
                body.append(line)
            else:
                for span in re.findall(r"`(curl [^`]+)`", line):
                    found.append(Example(path, i, span, provider))
    return found


EXAMPLES = examples()


def test_the_docs_have_curl_examples():
    files = {os.path.basename(e.path) for e in EXAMPLES}
    assert {"README.md", "api.md", "providers.md", "shared-hosting.md", "deployment.md"} <= files, files
    assert len(EXAMPLES) >= 30, EXAMPLES


# ---------------------------------------------------------------- the world an example runs in

@pytest.fixture(scope="module")
def docs_world(ctl, stack):
    slug = harness.unique_slug("docs")
    ctl("workspace", "create", slug, "--name", "doc examples")
    key = ctl("apikey", "create", "--workspace", slug, "--scope", "write", "--name", "docs")["key"]
    return {"slug": slug, "key": key}


@pytest.fixture
def wrapper(tmp_path):
    """A curl that runs the real one and logs its exit status and HTTP code, one line a call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "curl.log"
    curl = bin_dir / "curl"
    curl.write_text(textwrap.dedent("""\
        #!/bin/sh
        out=$(mktemp)
        code=$(/usr/bin/curl --max-time 30 -o "$out" -w '%%{http_code}' "$@")
        rc=$?
        cat "$out"
        rm -f "$out"
        printf '%%s %%s\\n' "$rc" "$code" >> %s
        exit $rc
        """ % log))
    curl.chmod(curl.stat().st_mode | stat.S_IEXEC)
    return bin_dir, log


SECRET = "doc-examples-secret-0123456789abcdef"


def fill(ex, world, ctl, front):
    """The rows an example needs, and the text and environment it runs with."""
    base = front.url("")
    headers = {"Authorization": "Bearer " + world["key"]}
    runtime = ctl("runtime", "create", "--workspace", world["slug"], "--name", "docs")
    ap = ctl("autopilot", "create", "--workspace", world["slug"], "--title", "docs")
    trig = ctl("trigger", "create", "--autopilot", ap["id"], "--provider", "generic")
    out = ctl("trigger", "set-secret", trig["id"], input=SECRET + "\n")
    assert out["has_signing_secret"]
    deliveries = []
    for n in range(2):
        body = json.dumps({"event": "order.created", "n": n}).encode()
        resp = requests.post(front.url(trig["webhook_path"]), data=body, timeout=30,
                             headers={"Content-Type": "application/json",
                                      "X-Hub-Signature-256": harness.sign(SECRET, body)})
        assert resp.status_code == 200, resp.text
        deliveries.append(resp.json()["delivery_id"])
    runs = []
    for _ in range(2):
        resp = requests.post(front.url("/api/runs/claim"), headers=headers, timeout=30,
                             json={"runtime_id": runtime["id"], "autopilot_id": ap["id"]})
        assert resp.status_code == 200, resp.text
        runs.append(resp.json()["run"]["id"])
    env = {"HGK": world["key"], "BASE": base, "AUTOPILOT_ID": ap["id"],
           "TOKEN": trig["webhook_token"], "TRIGGER_ID": trig["id"], "SECRET": SECRET,
           "URL": front.url(trig["webhook_path"])}
    if ex.provider != "generic":
        # the trigger of the provider the example's section is about, with the secret it uses
        own = re.search(r"^SECRET='([^']+)'", ex.text, re.M)
        secret = own.group(1) if own else SECRET
        ptrig = ctl("trigger", "create", "--autopilot", ap["id"], "--provider", ex.provider)
        ctl("trigger", "set-secret", ptrig["id"], input=secret + "\n")
        env.update(TRIGGER_ID=ptrig["id"], SECRET=secret, URL=front.url(ptrig["webhook_path"]))
    ids = {
        "5d0f9c1e-8f0a-4c55-b1f6-0d1f6e3b2a10": ap["id"], "5d0f...": ap["id"],
        "c2a0f4f1-1d8b-4a7e-8d55-1a2b3c4d5e6f": trig["id"], "c2a0...": trig["id"],
        "0b6c5f3e-6c1f-4a7e-9d55-3c1b0f0f9a11": deliveries[0], "0b6c...": deliveries[0],
        "9e1d2c3b-4a5f-4e6d-8c7b-6a5f4e3d2c1b": runs[0], "9e1d...": runs[0],
        "a7c4...": runs[1],
        "3f9a0c1d-2b3e-4f50-8a6b-7c8d9e0f1a2b": runtime["id"], "3f9a...": runtime["id"],
        "7c9e6679-7425-40de-944b-e07fc1f90ae7": runtime["id"],
        # the hosts that stand for hookgate's base URL
        "https://hooks.example.com": base, "https://example.com/hooks": base,
        "http://localhost": base,
    }
    text = ex.text
    for placeholder in sorted(ids, key=len, reverse=True):
        text = text.replace(placeholder, ids[placeholder])
    return text, env


@pytest.mark.parametrize("ex", EXAMPLES, ids=repr)
def test_example_runs_as_printed(ex, docs_world, ctl, stack, pool_front, wrapper, tmp_path):
    for tool in ("jq", "openssl"):
        if re.search(r"\b%s\b" % tool, ex.text) and not shutil.which(tool):
            pytest.skip("this example needs %s (Debian: apt-get install %s)" % (tool, tool))
    text, env = fill(ex, docs_world, ctl, pool_front)
    bin_dir, log = wrapper
    work = tmp_path / "work"
    work.mkdir()
    (work / "secret.txt").write_text(SECRET + "\n")   # the signing-secret example reads it
    env = harness.clean_env(PATH="%s:%s:/usr/local/bin:/usr/bin:/bin" % (bin_dir, harness.BUILDDIR),
                            HOOKGATE_CONFIG=stack.config, HOME=str(tmp_path), **env)
    script = "set -eu -o pipefail\n" + text + "\n"
    p = subprocess.run(["bash", "-c", script], cwd=str(work), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    calls = log.read_text().split("\n")[:-1] if log.exists() else []
    detail = "%r\n---- script\n%s\n---- stdout\n%s\n---- stderr\n%s\n---- curl calls\n%s" % (
        ex, text, p.stdout[-3000:], p.stderr[-3000:], "\n".join(calls))
    assert p.returncode == 0, detail
    assert calls, "the example made no curl call: " + detail
    for call in calls:
        rc, code = call.split()
        assert rc == "0" and 200 <= int(code) < 300, detail
