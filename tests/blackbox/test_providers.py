"""Providers (SPEC 7): every signature scheme over HTTP, dedupe identifiers, events, rotation, form bodies.

Signatures are computed here with Python's hmac, hashlib and base64 only, as
each provider documents them: a cross-check of the C code, not a copy of it.
Standard Webhooks' Ed25519 signatures (v1a) come from python3-cryptography
(Debian's package; those tests skip, loudly, without it).
Tests marked "needs the ingress wiring" exercise provider_event,
provider_url_verification and body_parse_typed, which ingress.c calls once wired.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.parse
import uuid

import pytest

from harness import assert_json_response, assert_recorded, sign as hub256

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
except ImportError:  # python3-cryptography is not installed
    Ed25519PrivateKey = None

TOLERANCE = 300


# ---------------------------------------------------------------- independent signers

def _hmac(key, msg):
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, msg, hashlib.sha256).digest()


def standard_key(secret):
    """Standard Webhooks: base64 after whsec_ (hookgate's documented fallback: raw bytes)."""
    text = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        if key:
            return key
    except ValueError:
        pass
    return secret.encode()


def sign_standard(secret, msg_id, ts, raw):
    return "v1," + base64.b64encode(_hmac(standard_key(secret), b"%s.%d." % (msg_id.encode(), ts) + raw)).decode()


def sign_stripe(secret, ts, raw, extra_v1=()):
    parts = ["t=%d" % ts] + ["v1=%s" % v for v in extra_v1]
    parts.append("v1=" + _hmac(secret, b"%d." % ts + raw).hex())
    return ",".join(parts)


def sign_slack(secret, ts, raw):
    return "v0=" + _hmac(secret, b"v0:%d:" % ts + raw).hex()


def sign_shopify(secret, raw):
    return base64.b64encode(_hmac(secret, raw)).decode()


class PublicKey(str):
    """A whpk_ secret as hookgate stores it; .private is the sender's key that signs for it."""

    private = None


def ed25519_pair():
    """A new sender key: the whpk_ text of its public half, carrying the private half."""
    if Ed25519PrivateKey is None:
        pytest.skip("python3-cryptography is not installed (Debian: apt-get install python3-cryptography)")
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    key = PublicKey("whpk_" + base64.b64encode(raw).decode())
    key.private = private
    return key


def sign_standard_v1a(secret, msg_id, ts, raw):
    """v1a,<base64 Ed25519 signature>; a secret that is no PublicKey signs with a key hookgate never saw."""
    private = getattr(secret, "private", None) or ed25519_pair().private
    sig = private.sign(b"%s.%d." % (msg_id.encode(), ts) + raw)
    assert len(sig) == 64
    return "v1a," + base64.b64encode(sig).decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def random_secret(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:20])


# ---------------------------------------------------------------- one class per provider

class Scheme:
    """What a sender of this provider puts on the wire."""

    name = None               # the provider
    variant = None            # a second way the same provider sends
    timestamped = False
    signs_body = True
    sig_headers = ()          # removed for the "no signature header" case
    event = None
    dedupe_source = None

    def new_secret(self):
        return random_secret("bb-" + self.name)

    def body(self, key):
        raise NotImplementedError

    def headers(self, secret, raw, key, ts):
        raise NotImplementedError


class Generic(Scheme):
    name = "generic"
    sig_headers = ("X-Hub-Signature-256",)
    event = "bb.generic"
    dedupe_source = "idempotency-key"

    def body(self, key):
        return compact({"type": "bb.generic", "n": 1})

    def headers(self, secret, raw, key, ts):
        return {"X-Hub-Signature-256": hub256(secret, raw), "Idempotency-Key": key}


class GitHub(Scheme):
    name = "github"
    sig_headers = ("X-Hub-Signature-256",)
    event = "github.issues.opened"
    dedupe_source = "x-github-delivery"

    def body(self, key):
        return compact({"action": "opened", "issue": {"number": 1}})

    def headers(self, secret, raw, key, ts):
        return {"X-Hub-Signature-256": hub256(secret, raw), "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": key}


class Standard(Scheme):
    name = "standard"
    timestamped = True
    sig_headers = ("webhook-signature",)
    event = "invoice.paid"
    dedupe_source = "webhook-id"

    def new_secret(self):
        return "whsec_" + base64.b64encode(os.urandom(24)).decode()

    def body(self, key):
        return compact({"type": "invoice.paid", "data": {"invoice": key}})

    def headers(self, secret, raw, key, ts):
        return {"webhook-id": key, "webhook-timestamp": str(ts),
                "webhook-signature": sign_standard(secret, key, ts, raw)}


class Stripe(Scheme):
    name = "stripe"
    timestamped = True
    sig_headers = ("Stripe-Signature",)
    event = "checkout.session.completed"
    dedupe_source = "body.id"

    def new_secret(self):
        return "whsec_" + uuid.uuid4().hex

    def body(self, key):
        return compact({"id": key, "object": "event", "type": "checkout.session.completed",
                        "data": {"object": {"id": "cs_test_1"}}})

    def headers(self, secret, raw, key, ts):
        return {"Stripe-Signature": sign_stripe(secret, ts, raw)}


class Slack(Scheme):
    name = "slack"
    timestamped = True
    sig_headers = ("X-Slack-Signature",)
    event = "slack.app_mention"
    dedupe_source = "body.event_id"

    def body(self, key):
        return compact({"type": "event_callback", "team_id": "T1DC2JH3J", "event_id": key,
                        "event": {"type": "app_mention", "text": "<@U0LAN0Z89> hi"}})

    def headers(self, secret, raw, key, ts):
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign_slack(secret, ts, raw)}


class Shopify(Scheme):
    name = "shopify"
    sig_headers = ("X-Shopify-Hmac-Sha256",)
    event = "shopify.orders/create"
    dedupe_source = "x-shopify-webhook-id"

    def body(self, key):
        return compact({"id": 820982911946154508, "email": "jon@doe.ca", "note": key})

    def headers(self, secret, raw, key, ts):
        return {"X-Shopify-Hmac-Sha256": sign_shopify(secret, raw), "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": key}


class ShopifyEvents(Shopify):
    """Shopify's newer event webhooks: the same headers without the X- prefix."""

    variant = "events"
    sig_headers = ("shopify-hmac-sha256",)
    event = "shopify.products/update"
    dedupe_source = "shopify-webhook-id"

    def headers(self, secret, raw, key, ts):
        return {"shopify-hmac-sha256": sign_shopify(secret, raw), "shopify-topic": "products/update",
                "shopify-webhook-id": key, "shopify-event-id": "ev-" + key,
                "shopify-shop-domain": "bb-shop.myshopify.com", "shopify-api-version": "2025-07"}


class StandardEd25519(Standard):
    """Standard Webhooks' asymmetric scheme: hookgate holds the sender's public key (whpk_)."""

    variant = "ed25519"

    def new_secret(self):
        return ed25519_pair()

    def headers(self, secret, raw, key, ts):
        return {"webhook-id": key, "webhook-timestamp": str(ts),
                "webhook-signature": sign_standard_v1a(secret, key, ts, raw)}


class GitLab(Scheme):
    name = "gitlab"
    signs_body = False
    sig_headers = ("X-Gitlab-Token",)
    event = "gitlab.Push Hook"
    dedupe_source = "x-gitlab-event-uuid"

    def body(self, key):
        return compact({"object_kind": "push", "ref": "refs/heads/main"})

    def headers(self, secret, raw, key, ts):
        return {"X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": key}


SCHEMES = [Generic(), GitHub(), Standard(), StandardEd25519(), Stripe(), Slack(), Shopify(), ShopifyEvents(),
           GitLab()]
TIMED = [s for s in SCHEMES if s.timestamped]
BODY_SIGNED = [s for s in SCHEMES if s.signs_body]


def ids(schemes):
    return [s.name + ("-" + s.variant if s.variant else "") for s in schemes]


def new_key(scheme):
    return "%s-%s" % (scheme.name, uuid.uuid4().hex)


def send(front, trig, scheme, secret, key=None, ts=None, raw=None, drop=(), extra=None,
         content_type="application/json"):
    """Sign and send scheme's body for key (fresh unless given) with timestamp ts (now unless given)."""
    key = key or new_key(scheme)
    ts = int(time.time()) if ts is None else ts
    raw = scheme.body(key) if raw is None else raw
    h = scheme.headers(secret, raw, key, ts)
    for name in drop:
        h.pop(name, None)
    h["Content-Type"] = content_type
    h.update(extra or {})
    return front.hook(trig, raw, headers=h)


def rejected(fx, resp, reason, sig_status):
    out = assert_json_response(resp, 401)
    assert out["status"] == "rejected", out
    assert out["reason"] == reason, out
    d = fx.delivery(out["delivery_id"])
    assert d["status"] == "rejected"
    assert d["signature_status"] == sig_status
    assert d["autopilot_run_id"] is None
    assert_recorded(resp, d)
    return d


def accepted(fx, resp, sig_status="valid"):
    out = assert_json_response(resp, 200)
    assert out["status"] == "accepted", out
    d = fx.delivery(out["delivery_id"])
    assert d["status"] == "dispatched"
    assert d["signature_status"] == sig_status
    assert_recorded(resp, d)
    return out, d


# ---------------------------------------------------------------- every scheme

@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_valid_signature_accepted(front, fx, scheme):
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    key = new_key(scheme)
    resp = send(front, trig, scheme, secret, key=key)
    out, d = accepted(fx, resp)
    assert d["provider"] == scheme.name
    assert (d["dedupe_source"], d["dedupe_key"]) == (scheme.dedupe_source, key)
    assert bytes(d["raw_body"]) == scheme.body(key)
    assert secret not in json.dumps(d["selected_headers"]), "a secret reached selected_headers"
    assert d["selected_headers"].get("signature_present") is True
    assert secret not in resp.text
    assert fx.run(out["run_id"])["status"] == "pending"


@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_event_name(pool_front, fx, scheme):
    """Needs the ingress wiring (provider_event) for slack and shopify."""
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    key = new_key(scheme)
    out, d = accepted(fx, send(pool_front, trig, scheme, secret, key=key))
    assert d["event"] == scheme.event
    payload = fx.run(out["run_id"])["trigger_payload"]
    assert payload["event"] == scheme.event
    assert payload["eventPayload"] == json.loads(scheme.body(key))


@pytest.mark.parametrize("scheme", BODY_SIGNED, ids=ids(BODY_SIGNED))
def test_tampered_body_rejected(pool_front, fx, scheme):
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    key = new_key(scheme)
    ts = int(time.time())
    raw = scheme.body(key)
    h = scheme.headers(secret, raw, key, ts)
    tampered = raw.replace(b"}", b',"x":1}', 1)
    assert tampered != raw
    rejected(fx, pool_front.hook(trig, tampered, headers=h), "invalid_signature", "invalid")
    assert fx.runs(trig) == []


def test_gitlab_wrong_token_rejected(pool_front, fx):
    scheme = GitLab()
    secret = scheme.new_secret()
    trig = fx.trigger(provider="gitlab", secret=secret)
    for token in (secret[:-1], secret + "x", secret.upper(), "x" * len(secret)):
        resp = send(pool_front, trig, scheme, token)
        d = rejected(fx, resp, "invalid_signature", "invalid")
        assert token not in json.dumps(d["selected_headers"])
    # a token compares the secret only: GitLab does not sign the body
    key = new_key(scheme)
    resp = send(pool_front, trig, scheme, secret, key=key, raw=compact({"object_kind": "other"}))
    accepted(fx, resp)


@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_missing_signature_rejected(front, fx, scheme):
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    rejected(fx, send(front, trig, scheme, secret, drop=scheme.sig_headers),
             "missing_signature", "missing")
    assert fx.runs(trig) == []


@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_no_secret_not_required(pool_front, fx, scheme):
    trig = fx.trigger(provider=scheme.name)
    out, d = accepted(fx, send(pool_front, trig, scheme, "some-secret-the-trigger-lacks"),
                      sig_status="not_required")
    out, d = accepted(fx, send(pool_front, trig, scheme, "x", drop=scheme.sig_headers),
                      sig_status="not_required")


@pytest.mark.parametrize("scheme", TIMED, ids=ids(TIMED))
def test_stale_timestamp_rejected(pool_front, fx, scheme):
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    now = int(time.time())
    # 301 s old: the server reads its clock after this, so it sees at least 301
    rejected(fx, send(pool_front, trig, scheme, secret, ts=now - TOLERANCE - 1),
             "stale_timestamp", "stale")
    # far-future timestamps are stale too (Standard Webhooks requires it; hookgate does it for
    # all). 301 s ahead as the request leaves: the server's whole-second clock may already
    # have ticked once more by the time it reads it, so the sender's second is the next one.
    now = int(time.time()) + 1
    rejected(fx, send(pool_front, trig, scheme, secret, ts=now + TOLERANCE + 1),
             "stale_timestamp", "stale")
    rejected(fx, send(pool_front, trig, scheme, secret, ts=now - 86400),
             "stale_timestamp", "stale")
    # within the window, either way
    accepted(fx, send(pool_front, trig, scheme, secret, ts=now - TOLERANCE + 30))
    accepted(fx, send(pool_front, trig, scheme, secret, ts=now + TOLERANCE - 30))
    assert len(fx.runs(trig)) == 2


@pytest.mark.parametrize("scheme", TIMED, ids=ids(TIMED))
def test_stale_and_forged_is_invalid(pool_front, fx, scheme):
    """A forger learns nothing: a wrong signature is invalid whatever its timestamp."""
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    old = int(time.time()) - 3600
    rejected(fx, send(pool_front, trig, scheme, scheme.new_secret(), ts=old), "invalid_signature", "invalid")


@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_retry_is_duplicate(pool_front, fx, scheme):
    """The provider's retry carries the same identifier (re-signed, with a new timestamp)."""
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    key = new_key(scheme)
    now = int(time.time())
    first, d = accepted(fx, send(pool_front, trig, scheme, secret, key=key, ts=now - 60))
    extra = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"} if scheme.name == "slack" else {}
    resp = send(pool_front, trig, scheme, secret, key=key, ts=now, extra=extra)
    again = assert_json_response(resp, 200)
    assert again == {"status": "duplicate", "delivery_id": first["delivery_id"], "run_id": first["run_id"]}
    rows = fx.deliveries(trig)
    assert len(rows) == 1 and rows[0]["attempt_count"] == 2
    assert (rows[0]["dedupe_source"], rows[0]["dedupe_key"]) == (scheme.dedupe_source, key)
    assert len(fx.runs(trig)) == 1
    # another identifier is another delivery
    accepted(fx, send(pool_front, trig, scheme, secret))
    assert len(fx.runs(trig)) == 2


@pytest.mark.parametrize("scheme", TIMED, ids=ids(TIMED))
def test_rejected_retry_does_not_block(pool_front, fx, scheme):
    """A stale or forged request with a key never takes that key from the real delivery."""
    secret = scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=secret)
    key = new_key(scheme)
    rejected(fx, send(pool_front, trig, scheme, secret, key=key, ts=int(time.time()) - 3600),
             "stale_timestamp", "stale")
    accepted(fx, send(pool_front, trig, scheme, secret, key=key))


@pytest.mark.parametrize("scheme", SCHEMES, ids=ids(SCHEMES))
def test_rotation(pool_front, fx, db, scheme):
    old, new = scheme.new_secret(), scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=old)
    out = fx.set_secret(trig.id, new, keep_previous=120)
    assert out.get("has_previous_signing_secret") is True, out
    for secret in (old, new):
        accepted(fx, send(pool_front, trig, scheme, secret))
    rejected(fx, send(pool_front, trig, scheme, scheme.new_secret()), "invalid_signature", "invalid")
    db.execute("UPDATE autopilot_trigger SET previous_secret_expires_at = now() - interval '1 second'"
               " WHERE id = %s", (trig.id,))
    rejected(fx, send(pool_front, trig, scheme, old), "invalid_signature", "invalid")
    accepted(fx, send(pool_front, trig, scheme, new))


@pytest.mark.parametrize("scheme", [Standard(), Slack()], ids=["standard", "slack"])
def test_rotation_real_expiry(pool_front, fx, scheme):
    """--keep-previous N really ends after N seconds (no clock games in the database)."""
    old, new = scheme.new_secret(), scheme.new_secret()
    trig = fx.trigger(provider=scheme.name, secret=old)
    fx.set_secret(trig.id, new, keep_previous=4)
    accepted(fx, send(pool_front, trig, scheme, old))
    time.sleep(4.5)
    rejected(fx, send(pool_front, trig, scheme, old), "invalid_signature", "invalid")
    accepted(fx, send(pool_front, trig, scheme, new))


def test_rotation_without_keep(pool_front, fx):
    scheme = Stripe()
    old, new = scheme.new_secret(), scheme.new_secret()
    trig = fx.trigger(provider="stripe", secret=old)
    fx.set_secret(trig.id, new)
    rejected(fx, send(pool_front, trig, scheme, old), "invalid_signature", "invalid")
    accepted(fx, send(pool_front, trig, scheme, new))


# ---------------------------------------------------------------- scheme details

def test_standard_multiple_signatures(pool_front, fx):
    scheme = Standard()
    secret = scheme.new_secret()
    trig = fx.trigger(provider="standard", secret=secret)
    key, ts = new_key(scheme), int(time.time())
    raw = scheme.body(key)
    good = sign_standard(secret, key, ts, raw)
    other = sign_standard(scheme.new_secret(), key, ts, raw)
    h = {"webhook-id": key, "webhook-timestamp": str(ts),
         "webhook-signature": "v1a,bm90LWVkMjU1MTk= %s %s" % (other, good)}
    accepted(fx, pool_front.hook(trig, raw, headers=h))
    key = new_key(scheme)
    raw = scheme.body(key)
    h = {"webhook-id": key, "webhook-timestamp": str(ts),
         "webhook-signature": "%s %s" % (sign_standard(scheme.new_secret(), key, ts, raw), other)}
    rejected(fx, pool_front.hook(trig, raw, headers=h), "invalid_signature", "invalid")


def test_standard_svix_headers(pool_front, fx):
    scheme = Standard()
    secret = scheme.new_secret()
    trig = fx.trigger(provider="standard", secret=secret)
    key, ts = "msg_" + uuid.uuid4().hex, int(time.time())
    raw = scheme.body(key)
    h = {"svix-id": key, "svix-timestamp": str(ts), "svix-signature": sign_standard(secret, key, ts, raw)}
    out, d = accepted(fx, pool_front.hook(trig, raw, headers=h))
    assert (d["dedupe_source"], d["dedupe_key"]) == ("svix-id", key)
    dup = assert_json_response(pool_front.hook(trig, raw, headers=h), 200)
    assert dup["status"] == "duplicate" and dup["delivery_id"] == out["delivery_id"]
    h["svix-timestamp"] = str(ts - TOLERANCE - 1)
    h["svix-signature"] = sign_standard(secret, key, ts - TOLERANCE - 1, raw)
    rejected(fx, pool_front.hook(trig, raw, headers=h), "stale_timestamp", "stale")


def test_standard_reference_vector_secret(pool_front, fx):
    """The Standard Webhooks reference secret, with a fresh timestamp and message."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    trig = fx.trigger(provider="standard", secret=secret)
    ts, msg = int(time.time()), "msg_p5jXN8AQM9LWM0D4loKWxJek-" + uuid.uuid4().hex[:8]
    raw = b'{"test": 2432232314}'
    h = {"webhook-id": msg, "webhook-timestamp": str(ts), "webhook-signature": sign_standard(secret, msg, ts, raw)}
    accepted(fx, pool_front.hook(trig, raw, headers=h))


def test_standard_raw_secret(pool_front, fx):
    """A secret that is not base64 is used as raw bytes (doc/providers.md)."""
    scheme = Standard()
    secret = "not*base64*secret-" + uuid.uuid4().hex
    trig = fx.trigger(provider="standard", secret=secret)
    accepted(fx, send(pool_front, trig, scheme, secret))
    key, ts = new_key(scheme), int(time.time())
    raw = scheme.body(key)
    h = {"webhook-id": key, "webhook-timestamp": str(ts),
         "webhook-signature": "v1," + base64.b64encode(_hmac(secret, b"%s.%d." % (key.encode(), ts) + raw)).decode()}
    accepted(fx, pool_front.hook(trig, raw, headers=h))


def test_stripe_several_v1(pool_front, fx):
    scheme = Stripe()
    secret = scheme.new_secret()
    trig = fx.trigger(provider="stripe", secret=secret)
    key, ts = new_key(scheme), int(time.time())
    raw = scheme.body(key)
    bogus = _hmac("another-secret", b"%d." % ts + raw).hex()
    h = {"Stripe-Signature": sign_stripe(secret, ts, raw, extra_v1=[bogus]) + ",v0=" + bogus}
    out, d = accepted(fx, pool_front.hook(trig, raw, headers=h))
    assert (d["dedupe_source"], d["dedupe_key"]) == ("body.id", key)
    # the signature of another timestamp does not hold for this one
    h = {"Stripe-Signature": "t=%d,v1=%s" % (ts + 1, _hmac(secret, b"%d." % ts + raw).hex())}
    rejected(fx, pool_front.hook(trig, raw, headers=h), "invalid_signature", "invalid")


def test_slack_documented_vector_is_stale_now(pool_front, fx):
    """Slack's own example (2018) is correctly signed, and far outside the window today."""
    trig = fx.trigger(provider="slack", secret="8f742231b10e8888abcd99yyyzzz85a5")
    raw = SLACK_DOC_BODY
    h = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "1531420618",
         "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"}
    assert sign_slack("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, raw) == h["X-Slack-Signature"]
    resp = pool_front.hook(trig, raw, headers=h)
    # a form body: 401 stale once the ingress parses forms (400 invalid JSON before)
    rejected(fx, resp, "stale_timestamp", "stale")


# ---------------------------------------------------------------- Ed25519 (v1a) and Shopify's event webhooks

def v1a_headers(secret, key, ts, raw, extra_entries=()):
    sig = " ".join(list(extra_entries) + [sign_standard_v1a(secret, key, ts, raw)])
    return {"webhook-id": key, "webhook-timestamp": str(ts), "webhook-signature": sig}


def standard_setup(fx, scheme):
    """A standard trigger with a new secret of scheme's kind, and a fresh message: (secret, trig, msg, ts, raw)."""
    secret = scheme.new_secret()
    trig = fx.trigger(provider="standard", secret=secret)
    msg = new_key(scheme)
    return secret, trig, msg, int(time.time()), scheme.body(msg)


def test_standard_ed25519_signed_by_another_key(pool_front, fx):
    scheme = StandardEd25519()
    key, trig, msg, ts, raw = standard_setup(fx, scheme)
    # the same message signed by a key hookgate does not hold
    rejected(fx, pool_front.hook(trig, raw, headers=v1a_headers(scheme.new_secret(), msg, ts, raw)),
             "invalid_signature", "invalid")
    # the sender's own retry with its real key is then accepted: the forgery took no key away
    out, d = accepted(fx, pool_front.hook(trig, raw, headers=v1a_headers(key, msg, ts, raw)))
    assert (d["dedupe_source"], d["dedupe_key"]) == ("webhook-id", msg)
    assert fx.run(out["run_id"])["trigger_payload"]["event"] == "invoice.paid"


def test_standard_bad_v1_beside_good_v1a(pool_front, fx):
    """A sender migrating to Ed25519 sends both kinds; a v1 entry means nothing to a whpk_ key."""
    scheme = StandardEd25519()
    key, trig, msg, ts, raw = standard_setup(fx, scheme)
    bad_v1 = sign_standard(Standard().new_secret(), msg, ts, raw)
    h = v1a_headers(key, msg, ts, raw, extra_entries=[bad_v1, "v2,bm90LWEtdmVyc2lvbg=="])
    assert h["webhook-signature"].startswith("v1,")
    accepted(fx, pool_front.hook(trig, raw, headers=h))
    # a v1 entry correctly signed under the public key's text verifies nothing either
    msg = new_key(scheme)
    raw = scheme.body(msg)
    h = {"webhook-id": msg, "webhook-timestamp": str(ts), "webhook-signature": sign_standard(str(key), msg, ts, raw)}
    rejected(fx, pool_front.hook(trig, raw, headers=h), "invalid_signature", "invalid")


def test_standard_whsec_skips_v1a(pool_front, fx):
    """A v1a entry is not an error for a whsec_ trigger: skipped, the v1 entry decides."""
    secret, trig, msg, ts, raw = standard_setup(fx, Standard())
    only_v1a = {"webhook-id": msg, "webhook-timestamp": str(ts),
                "webhook-signature": sign_standard_v1a(ed25519_pair(), msg, ts, raw)}
    rejected(fx, pool_front.hook(trig, raw, headers=only_v1a), "invalid_signature", "invalid")
    both = dict(only_v1a, **{"webhook-signature": only_v1a["webhook-signature"] + " " +
                             sign_standard(secret, msg, ts, raw)})
    accepted(fx, pool_front.hook(trig, raw, headers=both))


def test_standard_rotation_whsec_to_whpk(pool_front, fx, db):
    old, new = Standard().new_secret(), StandardEd25519().new_secret()
    trig = fx.trigger(provider="standard", secret=old)
    out = fx.set_secret(trig.id, new, keep_previous=120)
    assert out["has_previous_signing_secret"] is True and out["signing_secret_hint"] == new[-4:], out
    accepted(fx, send(pool_front, trig, Standard(), old))
    accepted(fx, send(pool_front, trig, StandardEd25519(), new))
    db.execute("UPDATE autopilot_trigger SET previous_secret_expires_at = now() - interval '1 second'"
               " WHERE id = %s", (trig.id,))
    rejected(fx, send(pool_front, trig, Standard(), old), "invalid_signature", "invalid")
    accepted(fx, send(pool_front, trig, StandardEd25519(), new))


def test_shopify_events_headers_kept(pool_front, fx):
    """selected_headers keeps the debugging headers of both spellings, never the signature."""
    secret = Shopify().new_secret()
    trig = fx.trigger(provider="shopify", secret=secret)
    for scheme, prefix in ((ShopifyEvents(), ""), (Shopify(), "x-")):
        key = new_key(scheme)
        raw = scheme.body(key)
        h = scheme.headers(secret, raw, key, 0)
        h.update({"X-Shopify-Event-Id": "ev-" + key, "X-Shopify-Shop-Domain": "bb-shop.myshopify.com",
                  "X-Shopify-API-Version": "2025-07", "X-Shopify-Triggered-At": "2025-07-01T10:00:00Z"}
                 if prefix else {"shopify-triggered-at": "2025-07-01T10:00:00Z"})
        out, d = accepted(fx, pool_front.hook(trig, raw, headers=h))
        sel = d["selected_headers"]
        assert sel[prefix + "shopify-topic"] == h[("X-Shopify-Topic" if prefix else "shopify-topic")], sel
        assert sel[prefix + "shopify-webhook-id"] == key, sel
        assert sel[prefix + "shopify-event-id"] == "ev-" + key, sel
        assert sel[prefix + "shopify-shop-domain"] == "bb-shop.myshopify.com", sel
        assert sel[prefix + "shopify-api-version"] == "2025-07", sel
        assert sel[prefix + "shopify-triggered-at"] == "2025-07-01T10:00:00Z", sel
        assert sel["signature_present"] is True
        assert (d["dedupe_source"], d["dedupe_key"]) == (prefix + "shopify-webhook-id", key)
        signature = h["X-Shopify-Hmac-Sha256" if prefix else "shopify-hmac-sha256"]
        assert signature not in json.dumps(sel), "a signature reached selected_headers"
        assert d["event"] == scheme.event


# ---------------------------------------------------------------- form bodies (need the ingress wiring)

SLACK_DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")

FORM = "application/x-www-form-urlencoded"


def test_github_form_post(front, fx):
    secret = random_secret("bb-ghform")
    trig = fx.trigger(provider="github", secret=secret)
    payload = {"action": "opened", "issue": {"number": 7, "title": "a+b & c=d / é"}}
    raw = b"payload=" + urllib.parse.quote_plus(json.dumps(payload)).encode()
    delivery = str(uuid.uuid4())
    resp = front.hook(trig, raw, headers={"Content-Type": FORM, "X-GitHub-Event": "issues",
                                          "X-GitHub-Delivery": delivery,
                                          "X-Hub-Signature-256": hub256(secret, raw)})
    out, d = accepted(fx, resp)
    assert bytes(d["raw_body"]) == raw, "raw_body keeps the bytes as sent"
    assert d["content_type"] == FORM
    assert d["event"] == "github.issues.opened"
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["eventPayload"] == payload
    assert env["event"] == "github.issues.opened"
    assert env["request"]["contentType"] == FORM
    # the signature is over the raw form bytes, not the decoded JSON
    resp = form_hook(front, trig, raw, hub256(secret, compact(payload)))
    rejected(fx, resp, "invalid_signature", "invalid")


def form_hook(front, trig, raw, signature):
    return front.hook(trig, raw, headers={"Content-Type": FORM, "X-GitHub-Event": "issues",
                                          "X-Hub-Signature-256": signature})


def test_slack_slash_command(pool_front, fx):
    secret = random_secret("bb-slash")
    trig = fx.trigger(provider="slack", secret=secret)
    ts = int(time.time())
    resp = pool_front.hook(trig, SLACK_DOC_BODY, headers={
        "Content-Type": FORM, "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign_slack(secret, ts, SLACK_DOC_BODY)})
    out, d = accepted(fx, resp)
    fields = {k: v[0] for k, v in urllib.parse.parse_qs(SLACK_DOC_BODY.decode(), keep_blank_values=True).items()}
    env = fx.run(out["run_id"])["trigger_payload"]
    assert env["eventPayload"] == fields
    assert env["eventPayload"]["command"] == "/webhook-collect"
    assert env["eventPayload"]["text"] == ""
    assert d["dedupe_key"] is None, "a slash command has no event_id"


def test_slack_interactivity_payload(pool_front, fx):
    secret = random_secret("bb-interact")
    trig = fx.trigger(provider="slack", secret=secret)
    payload = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "approve"}]}
    raw = b"payload=" + urllib.parse.quote(json.dumps(payload)).encode()
    ts = int(time.time())
    out, d = accepted(fx, pool_front.hook(trig, raw, headers={
        "Content-Type": FORM, "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign_slack(secret, ts, raw)}))
    assert fx.run(out["run_id"])["trigger_payload"]["eventPayload"] == payload


@pytest.mark.parametrize("raw", [b"a=%zz", b"a=%00", b"a=%C3"], ids=["bad-escape", "nul", "bad-utf8"])
def test_invalid_form_is_400(pool_front, fx, raw):
    trig = fx.trigger()
    resp = pool_front.hook(trig, raw, headers={"Content-Type": FORM})
    assert assert_json_response(resp, 400) == {"error": "invalid form body"}
    assert fx.deliveries(trig) == []


def test_empty_form_is_400(pool_front, fx):
    trig = fx.trigger()
    resp = pool_front.hook(trig, b"", headers={"Content-Type": FORM})
    assert assert_json_response(resp, 400) == {"error": "empty body"}


# ---------------------------------------------------------------- Slack's URL verification (needs the wiring)

def test_slack_url_verification(front, fx):
    secret = random_secret("bb-urlver")
    trig = fx.trigger(provider="slack", secret=secret)
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P-" + uuid.uuid4().hex[:6]
    raw = compact({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"})
    ts = int(time.time())
    resp = front.hook(trig, raw, headers={"X-Slack-Request-Timestamp": str(ts),
                                          "X-Slack-Signature": sign_slack(secret, ts, raw)})
    assert assert_json_response(resp, 200) == {"challenge": challenge}
    rows = fx.deliveries(trig)
    assert len(rows) == 1
    d = rows[0]
    assert d["status"] == "ignored"
    assert d["signature_status"] == "valid"
    assert d["autopilot_run_id"] is None
    assert d["response_status"] == 200
    assert json.loads(d["response_body"]) == {"challenge": challenge}
    assert d["response_body"] == resp.text
    assert "url_verification" in (d["error"] or "", d["event"] or ""), \
        "the row does not say url_verification: %r" % ({k: d[k] for k in ("event", "error")},)
    assert fx.runs(trig) == []


def test_slack_url_verification_forged(pool_front, fx):
    secret = random_secret("bb-urlver")
    trig = fx.trigger(provider="slack", secret=secret)
    raw = compact({"challenge": "c", "type": "url_verification"})
    ts = int(time.time())
    resp = pool_front.hook(trig, raw, headers={"X-Slack-Request-Timestamp": str(ts),
                                               "X-Slack-Signature": sign_slack("wrong-secret-xxxxxx", ts, raw)})
    rejected(fx, resp, "invalid_signature", "invalid")
    assert "challenge" not in resp.json()


def test_url_verification_only_for_slack(pool_front, fx):
    trig = fx.trigger(provider="generic")
    raw = compact({"challenge": "c", "type": "url_verification"})
    out, d = accepted(fx, pool_front.hook(trig, raw), sig_status="not_required")
    assert "challenge" not in out
