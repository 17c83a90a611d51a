"""Web Push: subscriptions and delivery (what browsers and Mastodon use).

- RFC 8030 (Generic Event Delivery Using HTTP Push): a subscription is a
  push-service URL (``endpoint``) the browser got from
  ``PushManager.subscribe``; the server POSTs one message to it with a
  ``TTL`` and ``Urgency``; the push service answers 201, or 404/410 when the
  subscription is gone (then it is deleted here).
- RFC 8291 (Message Encryption for Web Push): the payload is encrypted for
  the subscription's P-256 key (``keys.p256dh``) and auth secret
  (``keys.auth``) with ``aes128gcm`` (RFC 8188); only the browser reads it.
- RFC 8292 (VAPID): every request carries a JWT signed with the server's
  P-256 key, whose public half the client passed to ``subscribe`` as
  ``applicationServerKey`` (``GET /api/v1/push/server-key``).

Encryption and signing are done by pywebpush (with http_ece and py_vapid),
the library Mastodon's Python clients and most servers use.

A subscription belongs to the session that made it (as in Mastodon's
``/api/v1/push/subscription``, one per access token): creating it again
replaces it; it is dropped when the session ends (checked at delivery).
``alerts`` choose the notification types pushed (default: all); delivery
also honours the user's notification preferences (channel ``push``).

Keys: ``SG_VAPID_PRIVATE_KEY`` (PEM, or the base64url 32-byte raw key) and
``SG_VAPID_SUBJECT``; without them, ``socialgraph db init`` generates a pair
once and keeps it in MongoDB ``settings`` (``_id: "vapid"``), so every
process signs with the same key.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import logging
from urllib.parse import urlsplit

from flask import current_app

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import register_area
from socialgraph.core.errors import NotFound, StoreUnavailable, ValidationFailed

log = logging.getLogger(__name__)

VAPID_SETTINGS_ID = "vapid"
#: one process-wide copy of the signing key: (private PEM, public base64url)
_KEYS: dict[str, tuple[bytes, str]] = {}


def _db():
    return stores.mongo()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- VAPID keys --------------------------------------------------------------
def _public_b64(vapid) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64url(vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def _from_config(raw: str):
    from py_vapid import Vapid02

    raw = raw.strip()
    if raw.startswith("-----BEGIN"):
        return Vapid02.from_pem(raw.encode())
    return Vapid02.from_raw(raw.encode())


def ensure_vapid_keys() -> tuple[bool, str]:
    """``db init``: make sure a VAPID key exists. Returns ``(generated, public
    key)``; a configured ``SG_VAPID_PRIVATE_KEY`` wins, else the stored pair,
    else a new pair is generated and stored (insert-if-absent, so two
    processes racing keep the same one)."""
    from py_vapid import Vapid02

    raw = current_app.config.get("VAPID_PRIVATE_KEY")
    if raw:
        return False, _public_b64(_from_config(raw))
    doc = _db().settings.find_one({"_id": VAPID_SETTINGS_ID})
    if doc:
        return False, doc["public_key"]
    v = Vapid02()
    v.generate_keys()
    pem = v.private_pem().decode()
    _db().settings.update_one({"_id": VAPID_SETTINGS_ID},
                              {"$setOnInsert": {"private_pem": pem, "public_key": _public_b64(v),
                                                "created_at": clock.now()}}, upsert=True)
    _KEYS.clear()
    return True, _db().settings.find_one({"_id": VAPID_SETTINGS_ID})["public_key"]


def _keys() -> tuple[bytes, str]:
    raw = current_app.config.get("VAPID_PRIVATE_KEY") or ""
    cached = _KEYS.get(raw)
    if cached:
        return cached
    if raw:
        v = _from_config(raw)
        keys = (v.private_pem(), _public_b64(v))
    else:
        doc = _db().settings.find_one({"_id": VAPID_SETTINGS_ID})
        if not doc:
            raise StoreUnavailable("Web Push is not set up: run `socialgraph db init` or set SG_VAPID_PRIVATE_KEY")
        keys = (doc["private_pem"].encode(), doc["public_key"])
    _KEYS[raw] = keys
    return keys


def server_key() -> str:
    """The VAPID public key (base64url, uncompressed P-256 point): the
    ``applicationServerKey`` for ``PushManager.subscribe``."""
    return _keys()[1]


# -- subscriptions -----------------------------------------------------------
#: the notification types a subscription may ask for (filled by socialgraph.messaging.notifications at import)
ALERT_TYPES: list[str] = []


def _check_endpoint(endpoint: str) -> str:
    bad = lambda msg: ValidationFailed("invalid push endpoint", errors=[
        {"field": "subscription.endpoint", "message": msg}])
    parts = urlsplit(endpoint or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise bad("an absolute https URL is required")
    if current_app.config.get("PUSH_ALLOW_INSECURE"):
        return endpoint
    if parts.scheme != "https":
        raise bad("an https URL is required")
    host = parts.hostname
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if host == "localhost" or host.endswith(".localhost") or (ip and not ip.is_global):
        raise bad("must be a public push service")  # no requests to our own network (SSRF)
    return endpoint


def _check_keys(keys: dict) -> dict:
    errors = []
    try:
        p256dh = _unb64url(keys.get("p256dh") or "")
        if len(p256dh) != 65 or p256dh[0] != 4:
            raise ValueError
    except (ValueError, TypeError):
        errors.append({"field": "subscription.keys.p256dh",
                       "message": "the base64url uncompressed P-256 public key (65 bytes)"})
    try:
        if len(_unb64url(keys.get("auth") or "")) != 16:
            raise ValueError
    except (ValueError, TypeError):
        errors.append({"field": "subscription.keys.auth", "message": "the base64url 16-byte auth secret"})
    if errors:
        raise ValidationFailed("invalid push subscription keys", errors=errors)
    return {"p256dh": keys["p256dh"], "auth": keys["auth"]}


def _alerts(changes: dict | None, current: dict | None = None) -> dict[str, bool]:
    unknown = [t for t in (changes or {}) if t not in ALERT_TYPES]
    if unknown:
        raise ValidationFailed("unknown alert types", errors=[
            {"field": f"data.alerts.{t}", "message": "not a notification type"} for t in unknown])
    base = {t: True for t in ALERT_TYPES} | (current or {})
    return base | {t: bool(v) for t, v in (changes or {}).items()}


def _present(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "endpoint": doc["endpoint"], "alerts": doc["alerts"],
            "server_key": server_key(), "created_at": doc["created_at"],
            "encoding": doc.get("encoding", "aes128gcm")}


#: ``name -> formatter(payload, ntype) -> payload``: message shapes other than ours,
#: chosen per subscription (``format``); the Mastodon API registers ``"mastodon"``.
PAYLOAD_FORMATS: dict = {}
#: content codings a subscription may ask for: RFC 8291's ``aes128gcm`` (ours, the
#: default) and the draft ``aesgcm`` that Mastodon clients before 4.4 decrypt
ENCODINGS = ("aes128gcm", "aesgcm")


def subscribe(uid: str, sid: str, endpoint: str, keys: dict, alerts: dict | None = None, *,
              fmt: str | None = None, encoding: str = "aes128gcm", default_alert: bool = True) -> dict:
    """Create (or replace) the push subscription of session ``sid``.

    Returns ``{id, endpoint, alerts: {type: bool}, server_key, created_at}``.
    ``fmt`` names a :data:`PAYLOAD_FORMATS` entry for the message body,
    ``encoding`` one of :data:`ENCODINGS`; ``default_alert`` is the value of
    the alert types ``alerts`` does not name.
    Raises :class:`ValidationFailed` for a non-https or private endpoint,
    malformed keys or unknown alert types."""
    base = None if default_alert else {t: False for t in ALERT_TYPES}
    doc = {"_id": sid, "user_id": uid, "endpoint": _check_endpoint(endpoint), "keys": _check_keys(keys or {}),
           "alerts": _alerts(alerts, base), "created_at": clock.now()}
    if fmt:
        doc["format"] = fmt
    if encoding != "aes128gcm":
        doc["encoding"] = encoding if encoding in ENCODINGS else "aes128gcm"
    db = _db()
    db.push_subscriptions.delete_many({"endpoint": doc["endpoint"], "_id": {"$ne": sid}})  # moved to this session
    db.push_subscriptions.replace_one({"_id": sid}, doc, upsert=True)
    return _present(doc)


def get_subscription(uid: str, sid: str) -> dict:
    """The caller's session's subscription. Raises :class:`NotFound`."""
    doc = _db().push_subscriptions.find_one({"_id": sid, "user_id": uid})
    if not doc:
        raise NotFound("this session has no push subscription")
    return _present(doc)


def update_alerts(uid: str, sid: str, alerts: dict) -> dict:
    """Change the alert types of the session's subscription. Raises :class:`NotFound`."""
    doc = _db().push_subscriptions.find_one({"_id": sid, "user_id": uid})
    if not doc:
        raise NotFound("this session has no push subscription")
    doc["alerts"] = _alerts(alerts, doc.get("alerts"))
    _db().push_subscriptions.update_one({"_id": sid}, {"$set": {"alerts": doc["alerts"]}})
    return _present(doc)


def unsubscribe(uid: str, sid: str) -> None:
    """Remove the session's subscription (idempotent)."""
    _db().push_subscriptions.delete_many({"_id": sid, "user_id": uid})


def has_subscriptions(uid: str) -> bool:
    """True when ``uid`` has any push subscription (one indexed read)."""
    return _db().push_subscriptions.find_one({"user_id": uid}, {"_id": 1}) is not None


# -- delivery ----------------------------------------------------------------
def send(uid: str, ntype: str, payload: dict) -> dict:
    """Push ``payload`` (JSON, at most ~3 KB) to every subscription of ``uid``
    whose alerts include ``ntype`` and whose session is still active.

    Returns ``{"sent", "removed", "failed"}``. Subscriptions answered 404 or
    410 (RFC 8030 section 7.3: gone) and those of ended sessions are deleted;
    other failures are logged and counted (RQ retries the job only when a
    store fails, so one broken push service cannot delay the rest)."""
    import requests
    from pywebpush import WebPushException, webpush

    cfg = current_app.config
    db = _db()
    subs = list(db.push_subscriptions.find({"user_id": uid, f"alerts.{ntype}": {"$ne": False}}))
    if not subs:
        return {"sent": 0, "removed": 0, "failed": 0}
    live = {d["_id"] for d in db.sessions.find({"_id": {"$in": [s["_id"] for s in subs]}, "revoked_at": None,
                                                 "expires_at": {"$gt": clock.now()}}, {"_id": 1})}
    pem, _ = _keys()
    from py_vapid import Vapid01, Vapid02

    vapid = Vapid02.from_pem(pem)
    # the aesgcm draft goes with draft VAPID (``Authorization: WebPush``, ``Crypto-Key: p256ecdsa=``),
    # as Mastodon before 4.4 sends it and its clients expect
    vapid_draft = Vapid01.from_pem(pem)
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sent = removed = failed = 0
    gone = [s["_id"] for s in subs if s["_id"] not in live]
    for s in subs:
        if s["_id"] not in live:
            continue
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(s["endpoint"]))
        body = data
        if s.get("format") in PAYLOAD_FORMATS:
            body = json.dumps(PAYLOAD_FORMATS[s["format"]](payload, ntype), ensure_ascii=False,
                              separators=(",", ":"))
        try:
            draft = s.get("encoding") == "aesgcm"
            webpush({"endpoint": s["endpoint"], "keys": s["keys"]}, data=body,
                    vapid_private_key=vapid_draft if draft else vapid,
                    content_encoding=s.get("encoding", "aes128gcm"),
                    vapid_claims={"sub": cfg["VAPID_SUBJECT"], "aud": origin},
                    ttl=int(cfg["PUSH_TTL_SECONDS"]), timeout=float(cfg["PUSH_TIMEOUT_SECONDS"]),
                    headers={"Urgency": "normal", "Topic": ntype[:32]})
            sent += 1
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                gone.append(s["_id"])
            else:
                failed += 1
                log.warning("web push to %s failed: %s", origin, status or exc)
        except requests.RequestException as exc:  # network errors of one push service
            failed += 1
            log.warning("web push to %s failed: %s", origin, exc)
    if gone:
        removed = db.push_subscriptions.delete_many({"_id": {"$in": gone}}).deleted_count
    return {"sent": sent, "removed": removed, "failed": failed}


# -- data portability --------------------------------------------------------
def _export_area(ctx) -> None:
    """``push_subscriptions.json``: endpoints and alert types (not the keys)."""
    items = [{"endpoint": d["endpoint"], "alerts": d["alerts"], "created_at": d["created_at"]}
             for d in _db().push_subscriptions.find({"user_id": ctx.uid})]
    ctx.add_json("push_subscriptions.json", items)


def _erase_area(uid: str) -> dict:
    return {"push_subscriptions": _db().push_subscriptions.delete_many({"user_id": uid}).deleted_count}


register_area("push", order=57, export=_export_area, erase=_erase_area)
