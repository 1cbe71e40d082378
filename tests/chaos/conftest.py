"""conftest: the chaos suite's stack (tests/blackbox/harness.py: real PostgreSQL, pool, lighttpd)."""

import os
import sys
import types

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blackbox"))
pytest.register_assert_rewrite("harness", "load")

import harness  # noqa: E402
from harness import WEBHOOK_PREFIX, unique_slug  # noqa: E402

LONG = os.environ.get("HG_CHAOS") == "long"


def pytest_report_header(config):
    return ["hookgate chaos: %s mode, builddir %s" % ("long" if LONG else "short", harness.BUILDDIR)]


@pytest.fixture(scope="session")
def base_dir():
    yield from harness.session_base("chaos")


@pytest.fixture(autouse=True)
def no_sanitizer_report(base_dir):
    yield from harness.no_new_report("scenario")


@pytest.fixture
def make_stack(base_dir, request):
    """Start a cluster, a pool and lighttpd of the scenario's own (scenarios break things)."""
    started = []

    def start(name="s", workers=4, **config):
        s = harness.Stack(base_dir, "%s-%s" % (request.node.name[:32], name), workers=workers,
                          cgi=False, **config)
        started.append(s)
        return s

    yield start
    for s in reversed(started):
        s.close()
        if harness.group_members(s.pool.proc.pid):
            s.pool.kill()


def make_trigger(ctl, secret=None, provider="generic", runtime=None):
    """A workspace, an autopilot and a webhook trigger (with a signing secret when given); with
    runtime (a name), a runtime of that name, seen now, that the autopilot names (.runtime_id)."""
    slug = unique_slug("chaos")
    ctl("workspace", "create", slug)
    rt_args = []
    if runtime:
        rt = ctl("runtime", "create", "--workspace", slug, "--name", runtime)["id"]
        ctl("runtime", "heartbeat", rt)      # online: its runs are admitted as pending
        rt_args = ["--runtime", rt]
    ap = ctl("autopilot", "create", "--workspace", slug, "--title", "chaos", *rt_args)
    tr = ctl("trigger", "create", "--autopilot", ap["id"], "--provider", provider)
    assert tr["webhook_path"].startswith(WEBHOOK_PREFIX)
    if secret:
        ctl("trigger", "set-secret", tr["id"], input=secret + "\n")
    return types.SimpleNamespace(id=tr["id"], autopilot_id=ap["id"], path=tr["webhook_path"],
                                 secret=secret, runtime_id=rt_args[1] if rt_args else None)
