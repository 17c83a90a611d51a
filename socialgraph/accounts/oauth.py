"""OAuth 2.0 applications, authorization codes and tokens (issue 24): what the
Mastodon client API's OAuth server (:mod:`socialgraph.mastodon.oauth`, Authlib)
stores, with no HTTP in it.

**An OAuth token is a session like any other.** Each user token belongs to a
session of :mod:`socialgraph.accounts.sessions` (``sessions._id = sid``, with
``app: {id, name, website, scopes}``): it is listed in ``/me/sessions``, ends
with ``DELETE /me/sessions/{id}``, a password change or reset, a suspension
or a deletion, exactly like a web sign-in, because every use of the token
asks :func:`socialgraph.accounts.sessions.is_token_revoked` (one Redis MGET
when warm). The session's lifetime slides: ``SG_OAUTH_SESSION_SECONDS``
(a year) from its last use, renewed at most every
:data:`TOKEN_CACHE_SECONDS`. Mastodon tokens never expire; ours end after a
year unused.

MongoDB (the truth; Redis only caches token lookups):

- ``oauth_apps``: ``{_id: client_id, secret_hash, name, website,
  redirect_uris: [..], scopes: [..], created_at}``;
- ``oauth_codes``: ``{_id: sha256(code), client_id, uid, redirect_uri,
  scope, code_challenge, code_challenge_method, auth_ms, ip, user_agent,
  expires_at}`` (TTL index; a code works once);
- ``oauth_tokens``: ``{_id: sha256(access token), refresh_hash, client_id,
  uid (None for a client-credentials token), sid, scope, created_at,
  revoked_at, expires_at}`` (TTL index).

Tokens and secrets are stored as SHA-256 digests only (they are 256-bit
random strings, so a plain hash is enough; RFC 6819 §5.1.4.1.3).

Scopes are Mastodon's (https://docs.joinmastodon.org/api/oauth-scopes/):
``read``, ``write``, ``follow``, ``push``, ``profile`` and the granular
``read:<area>`` / ``write:<area>``; ``read`` grants every ``read:*``,
``write`` every ``write:*``, ``follow`` the (deprecated) follow, block and
mute ones (:func:`grants`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from datetime import timedelta

from flask import current_app

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.core import clock
from socialgraph.core.areas import register_area
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.core.pagination import as_utc

log = logging.getLogger(__name__)

READ_AREAS = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes",
              "notifications", "search", "statuses")
WRITE_AREAS = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows",
               "lists", "media", "mutes", "notifications", "reports", "statuses")
#: what the deprecated ``follow`` scope grants
FOLLOW_SCOPES = ("read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes")
TOP_SCOPES = ("read", "write", "follow", "push", "profile")
#: every scope an application may ask for
KNOWN_SCOPES = frozenset(TOP_SCOPES + tuple(f"read:{a}" for a in READ_AREAS)
                         + tuple(f"write:{a}" for a in WRITE_AREAS))
DEFAULT_SCOPES = ("read",)
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"

#: seconds a token lookup is cached in Redis (the session verdict is checked on every use anyway)
TOKEN_CACHE_SECONDS = 300
TOKEN_KEY = "sg:oauth:token:{digest}"


def digest(value: str) -> str:
    """SHA-256 hex digest of a token, code or secret."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(value) -> list[str]:
    """``"read write:statuses"`` or a list -> ``["read", "write:statuses"]``
    (order kept, duplicates dropped). Raises :class:`ValidationFailed` for an
    unknown scope."""
    items = _words(value, "scopes")
    out = []
    for item in items:
        for part in item.split():
            if part not in KNOWN_SCOPES:
                raise ValidationFailed(f"unknown scope {part[:60]!r}", errors=[{"field": "scopes",
                                                                              "message": f"unknown scope {part[:60]!r}"}])
            if part not in out:
                out.append(part)
    return out


def grants(held: list[str] | set[str], wanted: str) -> bool:
    """Whether the scopes ``held`` cover the scope ``wanted`` (``read`` covers
    ``read:statuses``; ``follow`` covers the follow/block/mute ones)."""
    held = set(held)
    if wanted in held:
        return True
    top = wanted.split(":", 1)[0]
    if ":" in wanted and top in held:
        return True
    return "follow" in held and wanted in FOLLOW_SCOPES


def allowed_subset(registered: list[str], requested: list[str]) -> list[str]:
    """The requested scopes the application registered for (each covered by one of ``registered``)."""
    return [s for s in requested if grants(registered, s) or all(grants(registered, f) for f in _expand(s))]


def _expand(scope: str) -> tuple[str, ...]:
    if scope == "read":
        return tuple(f"read:{a}" for a in READ_AREAS)
    if scope == "write":
        return tuple(f"write:{a}" for a in WRITE_AREAS)
    if scope == "follow":
        return FOLLOW_SCOPES
    return (scope,)


# -- applications ------------------------------------------------------------
def _words(value, field: str) -> list[str]:
    """A space-separated text or a list of texts -> its words. Raises :class:`ValidationFailed`."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [w for v in value for w in v.split()]
    raise ValidationFailed(f"{field} must be a text or a list of texts",
                           errors=[{"field": field, "message": "a text or a list of texts"}])


def _redirect_uris(value) -> list[str]:
    items = _words(value, "redirect_uris")
    uris = [u.strip() for item in items for u in item.split() if u.strip()]
    if not uris:
        uris = [OOB_REDIRECT]
    for uri in uris:
        ok = uri == OOB_REDIRECT or ("://" in uri and len(uri) <= 2000 and not uri.lower().startswith(
            ("javascript:", "data:", "vbscript:")))
        if not ok:
            raise ValidationFailed("redirect_uris must be absolute URIs", errors=[
                {"field": "redirect_uris", "message": f"not an absolute URI: {uri[:80]!r}"}])
    return uris[:20]


def create_app(name: str, redirect_uris=None, scopes=None, website: str | None = None) -> dict:
    """Register an OAuth application (``POST /api/v1/apps``).

    Returns ``{id, client_id, client_secret, name, website, redirect_uris,
    scopes, created_at}``; the secret is shown this once (only its digest is
    kept). Raises :class:`ValidationFailed` (no name, a bad redirect URI, an
    unknown scope)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("client_name is required (at most 200 characters)",
                               errors=[{"field": "client_name", "message": "required, 1 to 200 characters"}])
    uris = _redirect_uris(redirect_uris)
    scope_list = parse_scopes(scopes) if scopes else list(DEFAULT_SCOPES)
    website = (website or "").strip()[:2000] or None
    client_id = secrets.token_urlsafe(32)
    secret = secrets.token_urlsafe(32)
    doc = {"_id": client_id, "secret_hash": digest(secret), "name": name, "website": website,
           "redirect_uris": uris, "scopes": scope_list, "created_at": clock.now(),
           "app_id": uuid.uuid4().int % 10**15}
    stores.mongo().oauth_apps.insert_one(doc)
    return {**public_app(doc), "client_id": client_id, "client_secret": secret}


def public_app(doc: dict) -> dict:
    return {"id": str(doc.get("app_id") or doc["_id"]), "client_id": doc["_id"], "name": doc["name"],
            "website": doc.get("website"), "redirect_uris": list(doc["redirect_uris"]),
            "scopes": list(doc["scopes"]), "created_at": doc["created_at"]}


def get_app(client_id: str) -> dict | None:
    """The application document, or ``None``."""
    if not isinstance(client_id, str) or not client_id or len(client_id) > 200:
        return None
    return stores.mongo().oauth_apps.find_one({"_id": client_id})


def check_secret(app: dict, secret: str | None) -> bool:
    return bool(secret) and secrets.compare_digest(app["secret_hash"], digest(secret))


# -- authorization codes -----------------------------------------------------
def save_code(code: str, client_id: str, uid: str, redirect_uri: str, scope: str,
              code_challenge: str | None, code_challenge_method: str | None, auth_ms: int,
              ip: str | None, user_agent: str | None) -> None:
    """Keep an authorization code for ``SG_OAUTH_CODE_SECONDS`` (10 min)."""
    now = clock.now()
    stores.mongo().oauth_codes.insert_one({
        "_id": digest(code), "client_id": client_id, "uid": uid, "redirect_uri": redirect_uri,
        "scope": scope, "code_challenge": code_challenge, "code_challenge_method": code_challenge_method,
        "auth_ms": auth_ms, "ip": ip, "user_agent": (user_agent or "")[:512], "created_at": now,
        "expires_at": now + timedelta(seconds=current_app.config["OAUTH_CODE_SECONDS"])})


def find_code(code: str, client_id: str) -> dict | None:
    """The unexpired code of ``client_id``, or ``None``."""
    doc = stores.mongo().oauth_codes.find_one({"_id": digest(code), "client_id": client_id})
    if doc is None or clock.now() >= as_utc(doc["expires_at"]):
        return None
    return doc


def use_code(doc: dict) -> bool:
    """Consume a code (works once: a second exchange finds nothing). True if this call consumed it."""
    return stores.mongo().oauth_codes.delete_one({"_id": doc["_id"]}).deleted_count == 1


# -- tokens -------------------------------------------------------------------
def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["OAUTH_SESSION_SECONDS"])


def issue(access_token: str, refresh_token: str | None, client_id: str, scope: str, uid: str | None,
          *, sid: str | None = None, auth_ms: int | None = None, ip: str | None = None,
          user_agent: str | None = None) -> dict:
    """Store a token pair. For a user token without ``sid`` a new session is
    started (listed in ``/me/sessions`` under the application's name); with
    ``sid`` (a refresh) the session goes on. Returns the token document."""
    app = get_app(client_id)
    if app is None:
        raise NotFound("application not found")
    now = clock.now()
    if uid and sid is None:
        sid = uuid.uuid4().hex
        sessions.create(uid, sid, ip, user_agent, at=now, lifetime=_lifetime(),
                        app={"id": client_id, "name": app["name"], "website": app.get("website"),
                             "scopes": scope.split()})
        auth_ms = auth_ms if auth_ms is not None else sessions.now_ms()
    doc = {"_id": digest(access_token), "refresh_hash": digest(refresh_token) if refresh_token else None,
           "client_id": client_id, "uid": uid, "sid": sid, "scope": scope, "auth_ms": auth_ms,
           "created_at": now, "revoked_at": None, "expires_at": now + _lifetime()}
    stores.mongo().oauth_tokens.insert_one(doc)
    return doc


def find_refresh(refresh_token: str) -> dict | None:
    """The unrevoked token document of ``refresh_token``, or ``None``."""
    if not refresh_token:
        return None
    return stores.mongo().oauth_tokens.find_one({"refresh_hash": digest(refresh_token), "revoked_at": None})


def find_token(token: str) -> dict | None:
    """The token document of an access token (revoked or not), or ``None``."""
    return stores.mongo().oauth_tokens.find_one({"_id": digest(token)}) if token else None


def retire(doc: dict) -> None:
    """A refreshed token pair stops working (its session goes on with the new pair)."""
    stores.mongo().oauth_tokens.update_one({"_id": doc["_id"]}, {"$set": {"revoked_at": clock.now()}})
    stores.cache().delete(TOKEN_KEY.format(digest=doc["_id"]))


def revoke(doc: dict) -> None:
    """``POST /oauth/revoke``: the token and, for a user token, its whole session end."""
    retire(doc)
    if doc.get("sid"):
        stores.mongo().oauth_tokens.update_many({"sid": doc["sid"], "revoked_at": None},
                                                {"$set": {"revoked_at": clock.now()}})
        sessions.logout(doc["sid"], uid=doc.get("uid"), reason="revoked")


def resolve(token: str) -> dict | None:
    """What an access token stands for: ``{uid, sid, scopes, client_id}``
    (``uid``/``sid`` ``None`` for an application token), or ``None`` when it
    is unknown, revoked, or its session has ended (the one session rule,
    :func:`socialgraph.accounts.sessions.is_token_revoked`).

    Warm: one Redis GET plus the session MGET. Cold: one MongoDB read, and
    the session's expiry slides forward."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    key = TOKEN_KEY.format(digest=digest(token))
    r = stores.cache()
    raw = r.get(key)
    if raw is not None:
        info = json.loads(raw)
    else:
        doc = stores.mongo().oauth_tokens.find_one({"_id": digest(token)})
        if doc is None or doc.get("revoked_at") is not None or clock.now() >= as_utc(doc["expires_at"]):
            return None
        info = {"uid": doc.get("uid"), "sid": doc.get("sid"), "scopes": doc["scope"].split(),
                "client_id": doc["client_id"], "auth_ms": doc.get("auth_ms") or 0}
        if info["sid"]:
            sessions.touch(info["sid"], _lifetime())
            stores.mongo().oauth_tokens.update_one({"_id": doc["_id"]},
                                                   {"$set": {"expires_at": clock.now() + _lifetime()}})
        r.set(key, json.dumps(info), ex=TOKEN_CACHE_SECONDS)
    if info["uid"]:
        if sessions.is_token_revoked({"sid": info["sid"], "sub": info["uid"], "auth_ms": info["auth_ms"]}):
            return None
    return info


def uid_of(token: str) -> str | None:
    """The account a token acts for (rate limits count per account), or ``None``."""
    info = resolve(token)
    return info["uid"] if info else None


def _erase_area(uid: str) -> dict:
    """Account deletion: the account's codes and tokens (its sessions are the sessions area's)."""
    db = stores.mongo()
    digests = [d["_id"] for d in db.oauth_tokens.find({"uid": uid}, {"_id": 1})]
    if digests:
        stores.cache().delete(*[TOKEN_KEY.format(digest=d) for d in digests])
    return {"tokens": db.oauth_tokens.delete_many({"uid": uid}).deleted_count,
            "codes": db.oauth_codes.delete_many({"uid": uid}).deleted_count}


register_area("oauth", order=15, erase=_erase_area)
