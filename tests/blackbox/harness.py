"""harness: throwaway PostgreSQL, the responder pool, lighttpd, hookgatectl and helpers.

Everything lives in one mkdtemp directory per session; nothing is written into
HG_SRCDIR (make distcheck runs with a read-only source tree).
"""

import hashlib
import hmac
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import psycopg
import requests
from psycopg.rows import dict_row

SRCDIR = os.environ.get("HG_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("HG_BUILDDIR") or SRCDIR
FCGI = os.path.join(BUILDDIR, "hookgate-fcgi")
CTL = os.path.join(BUILDDIR, "hookgatectl")
LIGHTTPD = os.environ.get("HG_LIGHTTPD") or shutil.which(
    "lighttpd", path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin") or "/usr/sbin/lighttpd"
PGBOUNCER = os.environ.get("HG_PGBOUNCER") or shutil.which(
    "pgbouncer", path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin")  # None: tests skip


def _find_pgbin():
    if os.environ.get("HG_PGBIN"):
        return os.environ["HG_PGBIN"]
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for v in sorted(os.listdir(base), key=lambda s: int(s) if s.isdigit() else 0, reverse=True):
            if os.path.exists(os.path.join(base, v, "bin", "initdb")):
                return os.path.join(base, v, "bin")
    return "/usr/lib/postgresql/15/bin"


PGBIN = _find_pgbin()


def pg_tool(name):
    """A PostgreSQL server program: in PGBIN, else beside the file that PGBIN's initdb links to."""
    path = os.path.join(PGBIN, name)
    if os.path.exists(path):
        return path
    return os.path.join(os.path.dirname(os.path.realpath(os.path.join(PGBIN, "initdb"))), name)
IS_ROOT = os.geteuid() == 0

WEBHOOK_PREFIX = "/api/webhooks/autopilots/"


# ---------------------------------------------------------------- utilities

def clean_env(**extra):
    """The environment for child processes: no stray HOOKGATE_* or PG* variables.

    It carries the session's sanitizer options (sanitizer_env), so every
    hookgate program the suite starts reports into the session's folder.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HOOKGATE_") and not k.startswith("PG")}
    env.update(sanitizer_env())
    env.update(extra)
    return env


# ---------------------------------------------------------------- sanitizers and valgrind
#
# A build made with ./configure --enable-sanitizers runs every program of the
# suite under ASan, LeakSanitizer and UBSan. Their reports go to files in the
# session's folder (log_path), never to a response or a log the tests parse;
# the suite fails a test that left a report (conftest) and fails the session
# on any report found at teardown. LeakSanitizer runs where a process ends by
# itself: each CGI request, hookgatectl, the pool supervisor and, through a
# check in serve.c, each pool worker stopped by SIGTERM; a worker killed by
# SIGKILL is never leak-checked (doc/testing.md).

SANITIZER_DIR = None    # set by make_base
VALGRIND = os.environ.get("HG_VALGRIND") == "1"
VALGRIND_DIR = None     # set by make_base in HG_VALGRIND=1 mode


def _binary_has(path, marker):
    try:
        with open(path, "rb") as f:
            return marker in f.read()
    except OSError:
        return False


# The binaries carry the ASan runtime (clang links it in) or a reference to it (gcc).
SANITIZED = _binary_has(FCGI, b"__asan_init") or _binary_has(FCGI, b"libasan.so")


def sanitizer_env():
    """ASAN_OPTIONS and UBSAN_OPTIONS that send every report to the session's folder."""
    if SANITIZER_DIR is None:
        return {}
    asan = "log_path=%s/asan:detect_leaks=1:halt_on_error=1:strict_string_checks=1" % SANITIZER_DIR
    if os.path.exists(LSAN_SUPPRESSIONS):
        lsan = "suppressions=%s:print_suppressions=0" % LSAN_SUPPRESSIONS
    else:
        lsan = ""
    return {
        "ASAN_OPTIONS": asan,
        "LSAN_OPTIONS": lsan,
        "UBSAN_OPTIONS": "log_path=%s/ubsan:print_stacktrace=1:halt_on_error=1" % SANITIZER_DIR,
    }


LSAN_SUPPRESSIONS = os.path.join(SRCDIR, "tests", "lsan.supp")


def format_reports(reports):
    return "\n".join("==== %s\n%s" % kv for kv in reports.items())


def close_base(base, label):
    """End of a session: keep base when asked or when a sanitizer report is in it, else remove it;
    then fail on any report (the last processes stopped at teardown) and on valgrind's findings."""
    reports = sanitizer_reports()
    vg = valgrind_summary() if VALGRIND else {}
    if os.environ.get("HG_KEEP_TMP") or reports:
        print("\nhookgate %s temp dir kept: %s" % (label, base))
    else:
        shutil.rmtree(base, ignore_errors=True)
    assert not reports, "sanitizer reports:\n" + format_reports(reports)
    if VALGRIND:
        assert_valgrind_clean(vg)


def session_base(label):
    """The body of a session's base_dir fixture (a generator): the binaries are there, one base
    folder for the session, closed at its end (close_base)."""
    import pytest
    for path in (FCGI, CTL):
        if not os.access(path, os.X_OK):
            pytest.exit("missing binary %s (set HG_BUILDDIR to the build directory)" % path, 1)
    base = make_base()
    yield base
    # every stack is closed by now: the last processes have written their reports
    close_base(base, label)


def no_new_report(what):
    """The body of an autouse fixture (a generator): fail the test (what: "test", "scenario")
    after which a hookgate process left a sanitizer report, showing it."""
    import pytest
    before = set(sanitizer_reports())
    yield
    new = reports_since(before)
    if new:
        pytest.fail("sanitizer report(s) during this %s:\n%s" % (what, new), pytrace=False)


def reports_since(before):
    """The sanitizer reports that are not in before (a set of paths), formatted; "" when none."""
    new = {p: t for p, t in sanitizer_reports().items() if p not in before}
    return format_reports(new) if new else ""


def sanitizer_reports():
    """{path: text} of every non-empty sanitizer report written in this session."""
    out = {}
    if SANITIZER_DIR is None or not os.path.isdir(SANITIZER_DIR):
        return out
    for name in sorted(os.listdir(SANITIZER_DIR)):
        path = os.path.join(SANITIZER_DIR, name)
        try:
            if os.path.getsize(path) > 0:
                out[path] = tail(path, 80)
        except OSError:
            pass
    return out


VALGRIND_BIN = shutil.which("valgrind") or "/usr/bin/valgrind"
VALGRIND_SUPPRESSIONS = os.path.join(SRCDIR, "tests", "valgrind.supp")


def valgrind_prefix(tag):
    """The argv prefix that runs a hookgate program under memcheck (HG_VALGRIND=1), else []."""
    if not VALGRIND:
        return []
    argv = [VALGRIND_BIN, "--tool=memcheck", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--num-callers=30", "--child-silent-after-fork=no",
            "--log-file=%s/%s.%%p.log" % (VALGRIND_DIR, tag)]
    if os.path.exists(VALGRIND_SUPPRESSIONS):
        argv.append("--suppressions=" + VALGRIND_SUPPRESSIONS)
    return argv


def valgrind_summary():
    """Per valgrind log: (pid, errors, definitely lost, indirectly lost), None when it has no summary."""
    import re
    out = {}
    if VALGRIND_DIR is None or not os.path.isdir(VALGRIND_DIR):
        return out
    for name in sorted(os.listdir(VALGRIND_DIR)):
        path = os.path.join(VALGRIND_DIR, name)
        with open(path, errors="replace") as f:
            text = f.read()
        errors = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
        if not errors:
            out[path] = None
            continue

        def lost(kind):
            m = re.search(kind + r" lost: ([\d,]+) bytes", text)
            return int(m.group(1).replace(",", "")) if m else 0
        out[path] = (int(errors.group(1).replace(",", "")), lost("definitely"), lost("indirectly"))
    return out


def tail(path, n=40):
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate(proc):
    """SIGTERM a child started by the harness, SIGKILL if it is still there after 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_for(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def sign(secret, body, upper=False):
    """The X-Hub-Signature-256 value for body (bytes) under secret (str)."""
    if isinstance(body, str):
        body = body.encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return "sha256=" + (digest.upper() if upper else digest)


def encode_body(body):
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":")).encode()


def unique_slug(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:16])


# ---------------------------------------------------------------- PostgreSQL

class PgCluster:
    """A PostgreSQL cluster in DIR/data, reachable only on a unix socket in DIR."""

    PORT = 5432

    def __init__(self, base, name="pg"):
        self.dir = os.path.join(base, name)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        os.mkdir(self.dir, 0o755)
        if IS_ROOT:
            pw = pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.conninfo = "host=%s port=%d user=hookgate dbname=postgres" % (self.dir, self.PORT)

    def _run(self, argv, check=True):
        if IS_ROOT:
            argv = ["runuser", "-u", "nobody", "--"] + argv
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=clean_env(LC_ALL="C"), cwd=self.dir, text=True)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s\n--- postgres.log:\n%s"
                               % (" ".join(argv), p.returncode, p.stdout, tail(self.log)))
        return p

    def init(self):
        self._run([os.path.join(PGBIN, "initdb"), "-D", self.data, "-U", "hookgate",
                   "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        return self

    def init_standby(self, primary, name):
        """This cluster as a streaming standby of primary (pg_basebackup -R), application_name name."""
        self._run([pg_tool("pg_basebackup"), "-D", self.data, "-R", "-X", "stream",
                   "-c", "fast", "--no-sync", "-d",
                   "host=%s port=%d user=hookgate application_name=%s" % (primary.dir, self.PORT, name)])
        return self

    def start(self, **settings):
        """Start; settings are extra -c name=value server settings for this start only."""
        opts = "-c listen_addresses='' -k %s -p %d -c fsync=off -c max_connections=150" % (
            shlex.quote(self.dir), self.PORT)
        opts += "".join(" -c %s=%s" % (k, shlex.quote(str(v))) for k, v in settings.items())
        self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                   "-w", "-t", "60", "-o", opts, "start"])
        return self

    def promote(self):
        """pg_ctl promote a standby, waiting until it accepts writes."""
        self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-w", "-t", "60", "promote"])

    def kill(self):
        """SIGKILL the postmaster and every process it started at once, as when its machine dies."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            lines = f.read().split("\n")
        postmaster = int(lines[0])
        victims = [postmaster] + children(postmaster)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for(lambda: not [p for p, st, _, _ in processes() if p in victims and st != "Z"],
                 10, "the killed PostgreSQL processes to exit")
        # the SysV segment that a dead postmaster leaves behind (line 7: key and id)
        if len(lines) > 6 and len(lines[6].split()) == 2:
            subprocess.run(["ipcrm", "-m", lines[6].split()[1]], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return victims

    def stop(self, mode="fast", check=True):
        return self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", mode,
                          "-w", "-t", "60", "stop"], check=check)

    def running(self):
        p = self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "status"], check=False)
        return p.returncode == 0

    def connect(self):
        return psycopg.connect(self.conninfo, autocommit=True, row_factory=dict_row)


# ---------------------------------------------------------------- pgbouncer

class Pgbouncer:
    """pgbouncer in front of a cluster, on a unix socket in its own directory.

    Set up as doc/scaling.md says: transaction pooling, and the "options"
    startup parameter (hookgate's session settings) ignored, since pgbouncer
    1.18 refuses it; the role's own settings take its place.
    """

    PORT = 6432

    def __init__(self, base, name, cluster, pool_mode="transaction", pool_size=10):
        self.dir = os.path.join(base, name)
        self.ini = os.path.join(self.dir, "pgbouncer.ini")
        self.log = os.path.join(self.dir, "pgbouncer.log")
        self.cluster = cluster
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.proc = None
        os.mkdir(self.dir, 0o755)
        self.conninfo = "host=%s port=%d user=hookgate dbname=postgres" % (self.dir, self.PORT)

    def start(self):
        with open(self.ini, "w") as f:
            f.write("\n".join([
                "[databases]",
                "* = host=%s port=%d" % (self.cluster.dir, self.cluster.PORT),
                "[pgbouncer]",
                "listen_addr =",
                "listen_port = %d" % self.PORT,
                "unix_socket_dir = %s" % self.dir,
                "auth_type = trust",
                "admin_users = hookgate",
                "auth_file = %s" % os.path.join(self.dir, "users.txt"),
                "pool_mode = %s" % self.pool_mode,
                "default_pool_size = %d" % self.pool_size,
                "max_client_conn = 500",
                "ignore_startup_parameters = options",
                "logfile = %s" % self.log,
                "pidfile = %s" % os.path.join(self.dir, "pgbouncer.pid"),
            ]) + "\n")
        with open(os.path.join(self.dir, "users.txt"), "w") as f:
            f.write('"hookgate" ""\n')
        kw = {}
        if IS_ROOT:  # pgbouncer refuses to run as root
            pw = pwd.getpwnam("nobody")
            for path in (self.dir, self.ini, os.path.join(self.dir, "users.txt")):
                os.chown(path, pw.pw_uid, pw.pw_gid)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        self.proc = subprocess.Popen([PGBOUNCER, self.ini], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=clean_env(), cwd=self.dir, start_new_session=True, **kw)
        sock = os.path.join(self.dir, ".s.PGSQL.%d" % self.PORT)
        wait_for(lambda: os.path.exists(sock) or self.proc.poll() is not None, 20,
                 "pgbouncer's socket %s" % sock)
        if self.proc.poll() is not None:
            raise RuntimeError("pgbouncer exited with %s\n%s" % (self.proc.returncode, tail(self.log)))
        return self

    def stop(self):
        terminate(self.proc)


# ---------------------------------------------------------------- configuration and CLI

def write_config(path, conninfo, shm_name, **extra):
    values = {
        "database_url": conninfo,
        "max_body_bytes": 65536,
        "ip_ceiling": 0,
        "ip_bad_credentials": 0,
        "token_rate": 0,
        "shm_name": shm_name,
        "log_level": "info",
    }
    values.update(extra)
    with open(path, "w") as f:
        f.write("# written by tests/blackbox/harness.py\n")
        for k, v in values.items():
            f.write("%s = %s\n" % (k, v))
    os.chmod(path, 0o644)
    return path


class CtlError(Exception):
    def __init__(self, proc):
        self.proc = proc
        super().__init__("hookgatectl %s -> exit %d\nstdout: %s\nstderr: %s" % (
            " ".join(proc.args[3:]), proc.returncode, proc.stdout, proc.stderr))


class Ctl:
    """hookgatectl with a given configuration file."""

    def __init__(self, config):
        self.config = config

    # called with (args, input, completed process) after every run: the secrets sweep listens
    observers = []

    def raw(self, *args, input=None):
        args = [str(a) for a in args]
        p = subprocess.run([CTL, "-c", self.config] + args,
                           input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=clean_env(), timeout=60)
        for observe in Ctl.observers:
            observe(args, input, p)
        return p

    def __call__(self, *args, input=None):
        p = self.raw(*args, input=input)
        if p.returncode != 0:
            raise CtlError(p)
        try:
            return json.loads(p.stdout)
        except ValueError:
            raise AssertionError("hookgatectl %s printed no JSON object: %r (stderr %r)"
                                 % (" ".join(map(str, args)), p.stdout, p.stderr))


# ---------------------------------------------------------------- the responder pool

class Pool:
    """hookgate-fcgi --listen unix:SOCK --workers N, in the foreground, logging to a file."""

    def __init__(self, base, name, config, workers=8, env=None):
        self.sock = os.path.join(base, name + ".sock")
        self.log = os.path.join(base, name + ".log")
        self.config = config
        self.workers = workers
        self.env = env or {}
        self.proc = None

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            valgrind_prefix("pool") + [FCGI, "-c", self.config, "--listen", "unix:" + self.sock,
                                       "--workers", str(self.workers)],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=clean_env(**self.env),
            start_new_session=True)
        logf.close()
        try:
            wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None,
                     20, "the pool socket %s" % self.sock)
        except TimeoutError:
            self.kill()
            raise RuntimeError("pool did not create its socket\n" + tail(self.log))
        if self.proc.poll() is not None:
            raise RuntimeError("pool exited with %s at startup\n%s"
                               % (self.proc.returncode, tail(self.log)))
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        with open(self.log, "r", errors="replace") as f:
            return f.read()

    def stop(self, timeout=15):
        """SIGTERM (graceful stop); returns the exit status, or None if it had to be killed."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        """Last resort: SIGKILL the process group that this harness created for the pool."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass


def processes():
    """(pid, state, ppid, pgrp) of every process in /proc."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(d), fields[0], int(fields[1]), int(fields[2])


def group_members(pgid):
    """Pids of live (non-zombie) processes in process group pgid."""
    return [pid for pid, state, _, pgrp in processes() if pgrp == pgid and state != "Z"]


def children(pid, zombies=False):
    """Pids of pid's live children (or, with zombies, of its unreaped dead ones)."""
    return [p for p, state, ppid, _ in processes() if ppid == pid and (state == "Z") == zombies]


# ---------------------------------------------------------------- lighttpd

class Lighttpd:
    """lighttpd -D in front of the pool (mod_fastcgi at "/") or running the responder as CGI."""

    def __init__(self, base, name, mode, pool_socket=None, config=None):
        assert mode in ("fastcgi", "cgi")
        self.base = base
        self.name = name
        self.mode = mode
        self.pool_socket = pool_socket
        self.config = config
        self.dir = os.path.join(base, name)
        self.docroot = os.path.join(self.dir, "docroot")
        self.upload = os.path.join(self.dir, "upload")
        self.conf = os.path.join(self.dir, "lighttpd.conf")
        self.errorlog = os.path.join(self.dir, "error.log")
        self.proc = None
        self.port = None
        os.makedirs(self.docroot)
        os.makedirs(self.upload)
        if mode == "cgi" and VALGRIND:
            script = os.path.join(self.docroot, "hookgate.cgi")
            with open(script, "w") as f:
                f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (
                    " ".join(shlex.quote(a) for a in valgrind_prefix("cgi")), shlex.quote(FCGI)))
            os.chmod(script, 0o755)
        elif mode == "cgi":
            os.symlink(FCGI, os.path.join(self.docroot, "hookgate.cgi"))
        self.prefix = "/hookgate.cgi" if mode == "cgi" else ""

    def _write_conf(self):
        lines = [
            'server.document-root = "%s"' % self.docroot,
            'server.bind = "127.0.0.1"',
            'server.port = %d' % self.port,
            'server.errorlog = "%s"' % self.errorlog,
            'server.upload-dirs = ( "%s" )' % self.upload,
            'server.max-connections = 512',
            'server.max-keep-alive-requests = 0',
        ]
        if self.mode == "fastcgi":
            lines += [
                'server.modules = ( "mod_fastcgi" )',
                # fix-root-scriptname: with a "/" mount lighttpd otherwise splits
                # /api/webhooks/... into SCRIPT_NAME=/api and PATH_INFO=/webhooks/...
                'fastcgi.server = ( "/" => ( ( "socket" => "%s", "check-local" => "disable",'
                ' "fix-root-scriptname" => "enable" ) ) )' % self.pool_socket,
            ]
        else:
            lines += [
                'server.modules = ( "mod_cgi", "mod_setenv" )',
                'cgi.assign = ( ".cgi" => "" )',
                'setenv.add-environment = ( %s )' % ", ".join(
                    '"%s" => "%s"' % (k, v) for k, v in
                    sorted(dict(sanitizer_env(), HOOKGATE_CONFIG=self.config).items())),
            ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _spawn(self, timeout=15):
        """Start lighttpd on self.port; whether it is up (False: it exited)."""
        self.proc = subprocess.Popen([LIGHTTPD, "-D", "-f", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.errorlog, "ab"), env=clean_env(),
                                     start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                return True
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, timeout, "lighttpd on port %d" % self.port)
        return self.proc.poll() is None

    def start(self):
        for attempt in range(5):
            self.port = free_port()
            self._write_conf()
            if self._spawn():
                return self
        raise RuntimeError("lighttpd would not start\n" + tail(self.errorlog))

    def url(self, path):
        return "http://127.0.0.1:%d%s%s" % (self.port, self.prefix, path)

    def restart(self):
        """Stop, then start again on the same port (the chaos suite restarts it under load)."""
        self.stop()
        if not self._spawn():
            raise RuntimeError("lighttpd would not start again\n" + tail(self.errorlog))
        return self

    def stop(self):
        terminate(self.proc)


# ---------------------------------------------------------------- one stack

class Stack:
    """A cluster, its config, a pool and lighttpd front-ends."""

    counter = 0

    def __init__(self, base, name, workers=8, migrate=True, cgi=True, cluster=None,
                 database_url=None, **config_extra):
        """cluster: an existing one (not stopped by close) instead of a new one;
        database_url: what hookgate connects to instead of the cluster (pgbouncer, several hosts)."""
        Stack.counter += 1
        self.base = os.path.join(base, name)
        os.mkdir(self.base, 0o755)
        self.own_cluster = cluster is None
        self.cluster = cluster or PgCluster(self.base).init().start()
        self.config = write_config(
            os.path.join(self.base, "hookgate.conf"), database_url or self.cluster.conninfo,
            "/hookgate-bb-%d-%d" % (os.getpid(), Stack.counter), **config_extra)
        self.ctl = Ctl(self.config)
        self.migrated = None
        if migrate:
            self.migrate()
        self.pool = Pool(self.base, "pool", self.config, workers).start()
        self.fastcgi = Lighttpd(self.base, "lighttpd-fcgi", "fastcgi",
                                pool_socket=self.pool.sock).start()
        self.cgi = Lighttpd(self.base, "lighttpd-cgi", "cgi", config=self.config).start() if cgi else None

    def migrate(self):
        self.migrated = self.ctl("migrate")
        return self.migrated

    def close(self):
        for part in (self.cgi, self.fastcgi):
            if part is not None:
                part.stop()
        self.pool.stop()
        if self.own_cluster and self.cluster.running():
            self.cluster.stop(check=False)


# ---------------------------------------------------------------- HTTP front-ends

class Front:
    """One HTTP front-end: lighttpd + pool (FastCGI) or lighttpd + CGI."""

    def __init__(self, name, server):
        self.name = name
        self.server = server

    def url(self, path):
        return self.server.url(path)

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.get(self.url(path), **kw)

    def post(self, path, data=b"", headers=None, **kw):
        kw.setdefault("timeout", 30)
        return requests.post(self.url(path), data=data, headers=headers or {}, **kw)

    def hook(self, trig, body, headers=None, secret=None, upper=False, session=None, **kw):
        """POST body (dict/list -> compact JSON, str/bytes as is) to trig's webhook path.

        With secret, sign the exact bytes sent. Content-Type defaults to application/json.
        """
        streamed = hasattr(body, "__next__")  # a generator: sent chunked, never signed
        raw = body if streamed else encode_body(body)
        h = {"Content-Type": "application/json"}
        if secret is not None:
            assert not streamed, "cannot sign a streamed body"
            h["X-Hub-Signature-256"] = sign(secret, raw, upper=upper)
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        kw.setdefault("timeout", 30)
        return (session or requests).post(self.url(trig.path), data=raw, headers=h, **kw)


# ---------------------------------------------------------------- shared assertions

def assert_json_response(resp, status):
    assert resp.status_code == status, "HTTP %d, wanted %d: %r" % (resp.status_code, status, resp.text)
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", "Content-Type %r" % ctype
    assert resp.headers.get("X-Request-Id"), "no X-Request-Id header"
    return resp.json()


def assert_recorded(resp, row):
    """The delivery row records exactly what the client received."""
    assert row is not None, "no delivery row"
    assert row["response_status"] == resp.status_code
    assert row["response_body"] is not None
    assert json.loads(row["response_body"]) == resp.json()
    assert row["response_body"] == resp.text, "stored %r, sent %r" % (row["response_body"], resp.text)


def make_base():
    global SANITIZER_DIR, VALGRIND_DIR
    base = tempfile.mkdtemp(prefix="hookgate-bb-")
    os.chmod(base, 0o755)  # nobody (postgres) must traverse it
    SANITIZER_DIR = os.path.join(base, "sanitizer")
    os.mkdir(SANITIZER_DIR)
    if VALGRIND:
        VALGRIND_DIR = os.path.join(base, "valgrind")
        os.mkdir(VALGRIND_DIR)
    return base


def assert_valgrind_clean(summary, min_logs=1):
    """Every valgrind log ended with a summary of 0 errors and 0 bytes definitely or indirectly lost."""
    assert len(summary) >= min_logs, "no valgrind log in %s" % VALGRIND_DIR
    unfinished = [p for p, v in summary.items() if v is None]
    dirty = {p: v for p, v in summary.items() if v and v != (0, 0, 0)}
    print("\nvalgrind: %d processes checked, %d clean" % (
        len(summary), len(summary) - len(unfinished) - len(dirty)))
    assert not unfinished, "processes killed before valgrind's summary: %s" % unfinished
    assert not dirty, "valgrind (errors, definitely, indirectly lost):\n" + "\n".join(
        "==== %s %s\n%s" % (p, v, tail(p, 120)) for p, v in dirty.items())
