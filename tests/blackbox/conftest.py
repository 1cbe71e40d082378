"""conftest: session fixtures (cluster, migrations, pool, lighttpd) and per-test fixture factories."""

import json
import os
import signal
import types

import pytest

pytest.register_assert_rewrite("harness")

import harness  # noqa: E402
import sweep  # noqa: E402
from harness import Front, Stack, unique_slug, WEBHOOK_PREFIX  # noqa: E402

sweep.install()     # the secrets sweep (test_zz_secrets.py) records every answer of the session


def pytest_configure(config):
    # make `kill PID` (e.g. from timeout(1)) tear the fixtures down like Ctrl-C does:
    # pg_ctl daemonizes PostgreSQL, which would otherwise outlive the session
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, on_term)


def pytest_report_header(config):
    return ["hookgate: builddir %s, lighttpd %s, PostgreSQL %s"
            % (harness.BUILDDIR, harness.LIGHTTPD, harness.PGBIN)]


@pytest.fixture(scope="session")
def base_dir():
    yield from harness.session_base("black-box")


@pytest.fixture(autouse=True)
def no_sanitizer_report(base_dir):
    """A test after which a hookgate process left a sanitizer report fails (the report is shown)."""
    yield from harness.no_new_report("test")


@pytest.fixture(scope="session")
def stack(base_dir):
    """The shared cluster (migrated once), an 8-worker pool, and both lighttpd front-ends."""
    s = Stack(base_dir, "main", workers=2 if harness.VALGRIND else 8)
    yield s
    s.close()


@pytest.fixture(scope="session")
def ctl(stack):
    return stack.ctl


@pytest.fixture(scope="session")
def db(stack):
    conn = stack.cluster.connect()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def pool_front(stack):
    return Front("pool", stack.fastcgi)


@pytest.fixture(scope="session")
def cgi_front(stack):
    return Front("cgi", stack.cgi)


@pytest.fixture(params=["pool", "cgi"])
def front(request, pool_front, cgi_front):
    """Parametrizes a test over both front-ends."""
    return pool_front if request.param == "pool" else cgi_front


class Fixtures:
    """Creates rows through hookgatectl, under one workspace unique to the test."""

    def __init__(self, ctl, db, front=None, slug=None):
        self.ctl = ctl
        self.db = db
        self.front = front
        self._read_key = None
        self.slug = slug or unique_slug()
        self.workspace = ctl("workspace", "create", self.slug, "--name", "bb " + self.slug)

    def runtime(self, name="worker"):
        return self.ctl("runtime", "create", "--workspace", self.slug, "--name", name)

    def autopilot(self, status=None, runtime=None, title="bb autopilot"):
        args = ["autopilot", "create", "--workspace", self.slug, "--title", title]
        if status:
            args += ["--status", status]
        if runtime:
            args += ["--runtime", runtime["id"] if isinstance(runtime, dict) else runtime]
        return self.ctl(*args)

    def trigger(self, provider="generic", secret=None, status=None, runtime=None,
                disabled=False, label=None, autopilot=None):
        """A webhook trigger (on a new autopilot unless one is given); returns a namespace."""
        ap = autopilot or self.autopilot(status=status, runtime=runtime)
        args = ["trigger", "create", "--autopilot", ap["id"], "--provider", provider]
        if label:
            args += ["--label", label]
        if disabled:
            args.append("--disabled")
        tr = self.ctl(*args)
        assert tr["webhook_path"] == WEBHOOK_PREFIX + tr["webhook_token"], tr
        if secret is not None:
            self.set_secret(tr["id"], secret)
        return types.SimpleNamespace(autopilot=ap, trigger=tr, id=tr["id"], autopilot_id=ap["id"],
                                     token=tr["webhook_token"], path=tr["webhook_path"],
                                     secret=secret)

    def set_secret(self, trigger_id, secret, keep_previous=None):
        args = ["trigger", "set-secret", trigger_id]
        if keep_previous is not None:
            args += ["--keep-previous", keep_previous]
        out = self.ctl(*args, input=secret + "\n")
        assert secret not in json.dumps(out), "set-secret printed the secret"
        return out

    # ---- assertions on rows

    def deliveries(self, trig):
        return self.db.execute(
            "SELECT * FROM webhook_delivery WHERE trigger_id = %s ORDER BY received_at, created_at, id",
            (trig.id,)).fetchall()

    def delivery(self, delivery_id):
        return self.db.execute("SELECT * FROM webhook_delivery WHERE id = %s",
                               (delivery_id,)).fetchone()

    def runs(self, trig):
        return self.db.execute(
            "SELECT * FROM autopilot_run WHERE autopilot_id = %s ORDER BY created_at, id",
            (trig.autopilot_id,)).fetchall()

    def run(self, run_id):
        return self.db.execute("SELECT * FROM autopilot_run WHERE id = %s", (run_id,)).fetchone()

    def trigger_row(self, trig):
        return self.db.execute("SELECT * FROM autopilot_trigger WHERE id = %s",
                               (trig.id,)).fetchone()

    def autopilot_row(self, trig):
        return self.db.execute("SELECT * FROM autopilot WHERE id = %s",
                               (trig.autopilot_id,)).fetchone()

    # ---- what the API shows (last_fired_at, last_run_at are derived at read time, SPEC 2)

    def shown(self, trig):
        """GET /api/autopilots/{id} with a read key: (autopilot, the trigger's JSON)."""
        if self._read_key is None:
            self._read_key = self.ctl("apikey", "create", "--workspace", self.slug,
                                      "--scope", "read")["key"]
        resp = self.front.get("/api/autopilots/" + trig.autopilot_id,
                              headers={"Authorization": "Bearer " + self._read_key})
        assert resp.status_code == 200, resp.text
        out = resp.json()
        trigger = [t for t in out["triggers"] if t["id"] == trig.id]
        assert len(trigger) == 1, out
        return out["autopilot"], trigger[0]

    def last_fired_at(self, trig):
        return self.shown(trig)[1]["last_fired_at"]

    def last_run_at(self, trig):
        return self.shown(trig)[0]["last_run_at"]


@pytest.fixture
def fx(ctl, db, stack):
    return Fixtures(ctl, db, Front("pool", stack.fastcgi))


@pytest.fixture(scope="session")
def down_stack(base_dir):
    """A second, independent stack whose database the tests stop and start; not migrated up front."""
    s = Stack(base_dir, "down", workers=3, migrate=False, cgi=False)
    yield s
    s.close()


@pytest.fixture
def make_pool(stack, fx):
    """Start extra pools (own config, own shm, own lighttpd) on the shared cluster; stopped after the test."""
    started = []

    def start(workers=2, env=None, **config_extra):
        name = "pool-%s-%d" % (fx.slug, len(started))
        base = os.path.join(stack.base, name)
        os.mkdir(base)
        config = harness.write_config(os.path.join(base, "hookgate.conf"), stack.cluster.conninfo,
                                      "/hookgate-bb-%d-%s-%d" % (os.getpid(), fx.slug[-8:], len(started)),
                                      **config_extra)
        pool = harness.Pool(base, "pool", config, workers=workers, env=env).start()
        web = harness.Lighttpd(base, "lighttpd", "fastcgi", pool_socket=pool.sock).start()
        started.append((pool, web))
        return pool, Front(name, web)

    yield start
    for pool, web in reversed(started):
        web.stop()
        if pool.stop() is None or harness.group_members(pool.proc.pid):
            pool.kill()  # only our own process group: it still exists, so its id is not reused
