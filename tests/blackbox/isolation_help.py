"""isolation_help: the route table of src/fcgi/routes.c, row snapshots, a response recorder and the
two-workspace world used by test_api_isolation.py (SPEC 4, 8.3, 8.4; issue 3)."""

import base64
import collections
import os
import re
import secrets
import types
import urllib.parse
import uuid


import harness
from apihelp import Workspace
from harness import assert_json_response

# ---------------------------------------------------------------- the route table

Route = collections.namedtuple("Route", "method pattern handler needs_key needs_write console")

_FLAG_BITS = {
    "0": set(),
    "KEY": {"key"},
    "WRITE": {"key", "write"},
    "ROUTE_NEEDS_KEY": {"key"},
    "ROUTE_NEEDS_WRITE": {"write"},
    "NOCEIL": set(),
    "ROUTE_NO_CEILING": set(),
    "PAGE": {"console"},
    "ROUTE_CONSOLE": {"console"},
}

# the routes that need no API key: the ingress (its token is the credential) and the probes
PUBLIC_ROUTES = {
    ("POST", "/api/webhooks/autopilots/{token}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
}


def parse_routes(path=None):
    """Every entry of `static const struct route routes[]` in src/fcgi/routes.c, in table order."""
    path = path or os.path.join(harness.SRCDIR, "src", "fcgi", "routes.c")
    with open(path) as f:
        text = f.read()
    m = re.search(r"static\s+const\s+struct\s+route\s+routes\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;",
                  text, re.S)
    assert m, "no route table found in %s" % path
    body = re.sub(r"/\*.*?\*/", " ", m.group(1), flags=re.S)
    body = re.sub(r"//[^\n]*", " ", body)
    entry = r'\{\s*"([A-Z]+)"\s*,\s*"([^"]*)"\s*,\s*([A-Za-z_]\w*)\s*,\s*([^{}]*?)\s*\}'
    entries = re.findall(entry, body)
    # every entry opens with { "METHOD": the regular expression above must have read them all
    assert len(entries) == len(re.findall(r'\{\s*"', body)), \
        "could not parse every entry of the route table in %s" % path
    routes = []
    for method, pattern, handler, flags in entries:
        bits = set()
        for tok in re.split(r"\s*\|\s*", flags.strip().strip("()")):
            assert tok in _FLAG_BITS, \
                "unknown route flag %r in %s (teach isolation_help)" % (tok, path)
            bits |= _FLAG_BITS[tok]
        routes.append(Route(method, pattern, handler, "key" in bits, "write" in bits,
                            "console" in bits))
    assert routes, "empty route table"
    return routes


def console_routes(routes=None):
    """The console's pages (SPEC 11): their sessions are checked by the handlers (test_console.py)."""
    return [r for r in (routes or parse_routes()) if r.console]


def api_routes(routes=None):
    """The management API: every route of the table that needs an API key."""
    return [r for r in (routes or parse_routes()) if r.needs_key]


def route_id(route):
    return "%s %s" % (route.method, route.pattern)


def placeholders(pattern):
    return re.findall(r"\{(\w+)\}", pattern)


def fill(pattern, values):
    """The pattern with each {name} replaced by values[name] (all of them, no other)."""
    names = placeholders(pattern)
    assert set(names) == set(values), "path parameters %s for %s" % (sorted(values), pattern)
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], pattern)


def route_of(routes, method, path):
    """The route of the table that a request path matches (first match, as the dispatcher does)."""
    for r in routes:
        rx = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(r.pattern)) + "$"
        if r.method == method and re.match(rx, path):
            return r
    return None


# ---------------------------------------------------------------- secrets and keys seen

SECRETS = []     # every signing secret this module sent (also the refused ones)
KEYS = []        # every API key hookgatectl created while this module ran
WORKSPACES = []  # every workspace this module created through World or register_workspace


def register_workspace(ws):
    WORKSPACES.append(ws.id)
    return ws


def new_secret(n=32):
    s = "Sx" + secrets.token_urlsafe(n)[:n - 2]
    SECRETS.append(s)
    return s


def windows(s, n):
    """Every n-character substring of s (s itself when shorter)."""
    return {s[i:i + n] for i in range(max(1, len(s) - n + 1))}


class Recorder:
    """Every HTTP response of this module (requests.Session.request is wrapped)."""

    def __init__(self):
        self.responses = []   # namespaces: method, url, path, status, text

    def mark(self):
        return len(self.responses)

    def since(self, mark):
        return self.responses[mark:]

    def add(self, method, url, resp):
        path = urllib.parse.urlsplit(url).path
        self.responses.append(types.SimpleNamespace(method=method.upper(), url=url, path=path,
                                                    status=resp.status_code, text=resp.text))


# ---------------------------------------------------------------- row snapshots

SNAPSHOT_SQL = collections.OrderedDict([
    ("workspace", "SELECT * FROM workspace WHERE id = %(ws)s::uuid ORDER BY id"),
    ("api_key", "SELECT * FROM api_key WHERE workspace_id = %(ws)s::uuid ORDER BY id"),
    ("runtime", "SELECT * FROM runtime WHERE workspace_id = %(ws)s::uuid ORDER BY id"),
    ("autopilot", "SELECT * FROM autopilot WHERE workspace_id = %(ws)s::uuid ORDER BY id"),
    ("autopilot_trigger",
     "SELECT t.* FROM autopilot_trigger t JOIN autopilot a ON a.id = t.autopilot_id"
     " WHERE a.workspace_id = %(ws)s::uuid ORDER BY t.id"),
    ("webhook_delivery",
     "SELECT d.* FROM webhook_delivery d WHERE d.workspace_id = %(ws)s::uuid"
     "    OR d.autopilot_id IN (SELECT id FROM autopilot WHERE workspace_id = %(ws)s::uuid)"
     " ORDER BY d.id"),
    ("autopilot_run",
     "SELECT r.* FROM autopilot_run r JOIN autopilot a ON a.id = r.autopilot_id"
     " WHERE a.workspace_id = %(ws)s::uuid ORDER BY r.id"),
])

IGNORED = "<ignored: the calling key's last_used_at>"


def snapshot(db, workspace_id, ignore_key_ids=()):
    """Every row of the workspace, whole, table by table; only the last_used_at of the keys
    in ignore_key_ids (the ones making the requests) is left out."""
    out = collections.OrderedDict()
    ignore = {str(k) for k in ignore_key_ids}
    for table, sql in SNAPSHOT_SQL.items():
        rows = db.execute(sql, {"ws": workspace_id}).fetchall()
        if table == "api_key":
            for row in rows:
                if str(row["id"]) in ignore:
                    row["last_used_at"] = IGNORED
        out[table] = rows
    return out


def snapshot_diff(before, after):
    """Human-readable differences between two snapshots: [] when equal."""
    out = []
    for table in before:
        b = collections.OrderedDict((str(r["id"]), r) for r in before[table])
        a = collections.OrderedDict((str(r["id"]), r) for r in after[table])
        for rid in list(b) + [k for k in a if k not in b]:
            if rid not in a:
                out.append("%s %s: deleted" % (table, rid))
            elif rid not in b:
                out.append("%s %s: inserted %r" % (table, rid, a[rid]))
            elif a[rid] != b[rid]:
                cols = [c for c in b[rid] if b[rid][c] != a[rid].get(c)]
                out.append("%s %s: %s" % (table, rid, ", ".join(
                    "%s %r -> %r" % (c, b[rid][c], a[rid].get(c)) for c in cols)))
    return out


# ---------------------------------------------------------------- the two workspaces

def far_cursor(row_id):
    """A well-formed list cursor positioned after everything (year 2100) at row_id."""
    raw = ("2100-01-01T00:00:00+00:00|%s" % row_id).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class World:
    """Workspace A (the victim) and workspace B (the other tenant), each with keys and rows.

    Names used by the isolation matrix (owner A, A2 = A's second autopilot, or B):
      rtA apA trA dA runA (runA running, claimed by rtA; runA_p pending)   owner A
      apA2 trA2 dA2 runA2                                                   owner A2
      rtB apB trB dB runB (runB running, claimed by rtB)                   owner B
    """

    def __init__(self, fx, front):
        self.db = fx.db
        self.front = front
        self.A = register_workspace(Workspace(fx, front))
        self.B = register_workspace(Workspace(type(fx)(fx.ctl, fx.db), front))
        self.ids = {}
        self.owner = {}
        self.tokens = {}
        self.marker = "isoA-" + uuid.uuid4().hex[:12]   # in every text field of A's rows
        self.secretA = new_secret()
        self._build_a()
        self._build_b()

    # ---- building

    def _add(self, name, owner, obj_id):
        self.ids[name] = str(obj_id)
        self.owner[name] = owner

    def _heartbeat(self, api, rt_id):
        api.post("/api/runtimes/%s/heartbeat" % rt_id, status=200)

    def _claim(self, api, rt_id):
        return api.post("/api/runs/claim", {"runtime_id": rt_id}, status=200)["run"]

    def _hook(self, trigger, body, secret=None):
        trig = types.SimpleNamespace(path=trigger["webhook_path"])
        return assert_json_response(self.front.hook(trig, body, secret=secret), 200)

    def _build_a(self):
        w, mk = self.A.write, self.marker
        rt = w.runtime(mk + " runtime")
        self._heartbeat(w, rt["id"])
        ap = w.autopilot(title=mk + " autopilot", description=mk + " description",
                         runtime_id=rt["id"])
        tr = w.trigger(ap["id"], label=mk + " label", provider="github")
        out = w.put("/api/autopilots/%s/triggers/%s/signing-secret" % (ap["id"], tr["id"]),
                    {"signing_secret": self.secretA})
        assert out["trigger"]["signing_secret_hint"] == self.secretA[-4:]
        first = self._hook(tr, {"event": mk + ".first", "marker": mk}, secret=self.secretA)
        second = self._hook(tr, {"event": mk + ".second", "marker": mk}, secret=self.secretA)
        assert first["status"] == second["status"] == "accepted", (first, second)
        claimed = self._claim(w, rt["id"])
        assert claimed["id"] == first["run_id"], "the oldest run was not claimed first"
        self._add("rtA", "A", rt["id"])
        self._add("apA", "A", ap["id"])
        self._add("trA", "A", tr["id"])
        self._add("dA", "A", first["delivery_id"])
        self._add("runA", "A", first["run_id"])
        self._add("dA_p", "A", second["delivery_id"])
        self._add("runA_p", "A", second["run_id"])
        self.tokens["trA"] = tr["webhook_token"]

        ap2 = w.autopilot(title=mk + " second autopilot")
        tr2 = w.trigger(ap2["id"], label=mk + " second label")
        third = self._hook(tr2, {"event": mk + ".third", "marker": mk})
        assert third["status"] == "accepted", third
        self._add("apA2", "A2", ap2["id"])
        self._add("trA2", "A2", tr2["id"])
        self._add("dA2", "A2", third["delivery_id"])
        self._add("runA2", "A2", third["run_id"])
        self.tokens["trA2"] = tr2["webhook_token"]

    def _build_b(self):
        w = self.B.write
        rt = w.runtime("isoB runtime")
        self._heartbeat(w, rt["id"])
        ap = w.autopilot(title="isoB autopilot", runtime_id=rt["id"])
        tr = w.trigger(ap["id"], label="isoB label")
        sent = self._hook(tr, {"event": "isoB.event"})
        assert sent["status"] == "accepted", sent
        claimed = self._claim(w, rt["id"])
        assert claimed["id"] == sent["run_id"]
        self._add("rtB", "B", rt["id"])
        self._add("apB", "B", ap["id"])
        self._add("trB", "B", tr["id"])
        self._add("dB", "B", sent["delivery_id"])
        self._add("runB", "B", sent["run_id"])

    # ---- using

    def workspace(self, who):
        return {"A": self.A, "B": self.B}[who]

    def snapshots(self, ignore_key_ids=()):
        return {"A": snapshot(self.db, self.A.id, ignore_key_ids),
                "B": snapshot(self.db, self.B.id, ignore_key_ids)}

    def a_strings(self):
        """What of A must never reach B: its ids, webhook tokens and the marker of its texts."""
        return ([v for k, v in self.ids.items() if self.owner[k] in ("A", "A2")]
                + list(self.tokens.values()) + [self.marker, self.secretA])



# ---------------------------------------------------------------- leak search

def grams(text, n):
    """Every n-character run of base64url characters in text (where a secret or key could hide)."""
    out = set()
    for run in set(re.findall(r"[A-Za-z0-9_-]{%d,}" % n, text)):
        out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def leaked(text, needles, n):
    """The needles of which text holds the whole, or any n consecutive characters."""
    have = grams(text, n)
    return [s for s in needles if s in text or windows(s, n) & have]
