"""hookgatectl without a configuration (SPEC 9): one line naming the file it looked for and how to name another."""

import os
import subprocess

import pytest

import harness
from harness import clean_env

DEFAULT = "/etc/hookgate/hookgate.conf"


def run(*args, env=None):
    return subprocess.run([harness.CTL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=clean_env(**(env or {})), timeout=60)


def assert_names(p, path):
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert p.stdout == ""
    assert p.stderr.startswith("hookgatectl: ") and p.stderr.count("\n") == 1, p.stderr
    assert path in p.stderr and "-c FILE" in p.stderr and "HOOKGATE_CONFIG" in p.stderr, p.stderr


@pytest.mark.skipif(os.path.exists(DEFAULT), reason="*** %s exists on this machine: SKIPPED ***" % DEFAULT)
@pytest.mark.parametrize("args", [("migrate",), ("workspace", "list"),
                                  ("autopilot", "list", "--workspace", "x"),
                                  ("trigger", "show", "00000000-0000-4000-8000-000000000000")])
def test_no_file_and_no_database_url(args):
    p = run(*args)
    assert_names(p, DEFAULT)
    assert "HOOKGATE_DATABASE_URL" in p.stderr


def test_named_file_missing(tmp_path):
    missing = str(tmp_path / "nowhere.conf")
    assert_names(run("-c", missing, "workspace", "list"), missing)
    assert_names(run("workspace", "list", env={"HOOKGATE_CONFIG": missing}), missing)
    # an unreadable file is named too, and even with a database URL set
    assert_names(run("-c", missing, "migrate", env={"HOOKGATE_DATABASE_URL": "dbname=x"}), missing)


def test_database_url_alone_is_a_configuration(stack):
    """No file, but HOOKGATE_DATABASE_URL: the command runs."""
    if os.path.exists(DEFAULT):
        pytest.skip("%s exists on this machine" % DEFAULT)
    p = run("workspace", "list", env={"HOOKGATE_DATABASE_URL": stack.cluster.conninfo})
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("[")


def test_usage_needs_no_configuration():
    """Wrong usage and --help are answered before any configuration is read."""
    p = run("--help")
    assert p.returncode == 0 and "workspace list" in p.stdout and "autopilot show" in p.stdout
    p = run("autopilot", "list")
    assert p.returncode == 2 and "missing option --workspace" in p.stderr
