"""Active sessions (one per login: the ``sid`` shared by its access and refresh
JWTs) and their revocation.

**MongoDB is the truth, Redis a cache of it.**

- MongoDB ``sessions``: ``{_id: sid, uid, created_at, last_used_at, ip,
  user_agent, expires_at, revoked_at}`` (TTL index on ``expires_at``). A
  session is usable while ``revoked_at`` is ``None`` and the document exists
  (its expiry is the refresh JWT's ``exp``; the TTL index then removes it).
- MongoDB ``accounts.sessions_not_before`` (a date, millisecond precision):
  every session authenticated before it is dead (password reset,
  suspension, deletion). The account must also be ``status: "active"``.
  "Before" is strict, everywhere (the cached and the cold check, refresh,
  ``revoke_all_sessions``' own ``created_at < cut-off`` and the sockets): a
  session signed in during the cut-off's very millisecond lives. Within one
  millisecond the order cannot be told; the strict rule keeps a sign-in right
  after a reset working and never refuses a session MongoDB holds as
  unrevoked. (It does not decide the race of a sign-in whose password check
  precedes a reset but whose session is written after it: that session's
  ``auth_ms`` is after the cut-off either way.)
- Redis caches the verdict: ``sg:session:{u:<uid>}:<sid>`` (``"ok:<uid>"`` or
  ``"revoked"``) and ``sg:not-before:{u:<uid>}`` (one hash slot) (epoch ms, ``"0"`` for none).
  A warm check (:func:`is_token_revoked`) is one ``MGET``; when either key is
  missing (expired, evicted, FLUSHALL, a Redis restart without persistence)
  the verdict is read from MongoDB and written back. A valid verdict is kept
  only :data:`VALID_CACHE_SECONDS`, so even a cache write lost in a Redis
  blip cannot keep a revoked session alive for longer than that.

Every revocation writes MongoDB first, then the cache, then tells the
listeners in :data:`REVOCATION_LISTENERS` (the real-time layer closes the
session's WebSockets; :mod:`socialgraph.messaging.realtime` registers itself
there, since accounts must not import messaging).

Tokens carry ``sid`` and ``auth_ms`` (epoch ms of the sign-in that started
the session; a refreshed access token keeps it), so the cut-off is compared
with millisecond precision: signing in the same second as a password reset
gives a working token.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import current_app, has_request_context, request
from flask_jwt_extended.exceptions import RevokedTokenError

from socialgraph import stores
from socialgraph.stores import rediskeys
from socialgraph.core import clock
from socialgraph.core.errors import InvalidToken, NotFound
from socialgraph.core.pagination import as_utc

log = logging.getLogger(__name__)

#: the cached verdict of one session and the account's cut-off, read together in one MGET:
#: both carry the user's hash tag ``{u:<uid>}`` (one Redis Cluster slot; socialgraph.stores.rediskeys)
SESSION_KEY = "sg:session:{{u:{uid}}}:{sid}"
NOT_BEFORE_KEY = "sg:not-before:{{u:{uid}}}"

#: seconds a cached "this session is fine" verdict lives (a revoked one lives
#: as long as a refresh token could)
VALID_CACHE_SECONDS = 300

#: ``listener(uid, sids, reason)`` called after sessions were revoked: ``sids``
#: lists the sessions ended, ``None`` means every session of ``uid``
#: authenticated before now. ``reason`` is ``logout``, ``revoked``,
#: ``password-changed``, ``password-reset``, ``suspended`` or ``deleted``.
#: Filled at import by higher packages (the WebSocket layer). A failing
#: listener is logged, never raised: the revocation itself has happened.
REVOCATION_LISTENERS: list[Callable[[str, list[str] | None, str], None]] = []


def _coll():
    return stores.mongo().sessions


def _ms(value) -> int:
    return int(as_utc(value).timestamp() * 1000)


def now_ms() -> int:
    """Epoch milliseconds of :func:`socialgraph.core.clock.now`."""
    return _ms(clock.now())


def _revoked_ttl() -> int:
    return int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())


def _notify(uid: str, sids: list[str] | None, reason: str) -> None:
    for listener in REVOCATION_LISTENERS:
        try:
            listener(uid, sids, reason)
        except Exception:  # the sockets also re-check their token on their own
            log.warning("session revocation listener %r failed for %s", listener, uid, exc_info=True)


def create(uid: str, sid: str, ip: str | None, user_agent: str | None, at=None, *,
           lifetime=None, app: dict | None = None) -> None:
    """Record a new session (``at``: its sign-in time, default now).

    ``lifetime`` (a ``timedelta``, default the refresh token's) sets
    ``expires_at``; ``app`` (``{"id", "name", "website", "scopes"}``) marks a
    session an OAuth application holds (:mod:`socialgraph.accounts.oauth`)."""
    now = at or clock.now()
    doc = {"_id": sid, "uid": uid, "created_at": now, "last_used_at": now, "ip": ip,
           "user_agent": (user_agent or "")[:512], "revoked_at": None,
           "expires_at": now + (lifetime or current_app.config["JWT_REFRESH_TOKEN_EXPIRES"])}
    if app:
        doc["app"] = app
    _coll().insert_one(doc)


def touch(sid: str, lifetime=None) -> None:
    """Note that the session was used now; with ``lifetime`` (a ``timedelta``)
    its expiry moves to now + ``lifetime`` (sliding: OAuth sessions)."""
    now = clock.now()
    change = {"last_used_at": now}
    if lifetime is not None:
        change["expires_at"] = now + lifetime
    _coll().update_one({"_id": sid, "revoked_at": None}, {"$set": change})


def mark_revoked(sid: str) -> None:
    _coll().update_one({"_id": sid, "revoked_at": None}, {"$set": {"revoked_at": clock.now()}})


def list_active(uid: str, current_sid: str | None) -> list[dict]:
    """The account's unrevoked, unexpired sessions, newest first:
    ``[{id, created_at, last_used_at, ip, user_agent, current, app}]`` (``app``:
    ``{id, name, website, scopes}`` of the OAuth application holding it, else ``None``)."""
    docs = _coll().find({"uid": uid, "revoked_at": None, "expires_at": {"$gt": clock.now()}}).sort("created_at", -1)
    return [{"id": d["_id"], "created_at": d["created_at"], "last_used_at": d.get("last_used_at"),
             "ip": d.get("ip"), "user_agent": d.get("user_agent"), "current": d["_id"] == current_sid,
             "app": d.get("app")}
            for d in docs]


def revoke(uid: str, sid: str) -> None:
    """Revoke one of the caller's sessions. Raises :class:`NotFound` (not theirs or gone)."""

    doc = _coll().find_one({"_id": sid, "uid": uid, "revoked_at": None}, ["_id"])
    if doc is None:
        raise NotFound("session not found")
    logout(sid, uid=uid, reason="revoked")


def revoke_all(uid: str, except_sid: str | None = None, reason: str = "revoked") -> int:
    """Revoke every session of ``uid`` but ``except_sid``; returns how many."""

    sids = [d["_id"] for d in _coll().find({"uid": uid, "revoked_at": None, "_id": {"$ne": except_sid}},
                                           ["_id"])]
    if not sids:
        return 0
    _coll().update_many({"_id": {"$in": sids}, "revoked_at": None}, {"$set": {"revoked_at": clock.now()}})
    pipe = stores.cache().pipeline(transaction=False)  # pragma: no mutate (MULTI or not, the same keys are set)
    for sid in sids:
        pipe.set(SESSION_KEY.format(uid=uid, sid=sid), "revoked", ex=_revoked_ttl())
    pipe.execute()
    _notify(uid, sids, reason)
    return len(sids)


def logout(sid: str, uid: str | None = None, reason: str = "logout") -> None:
    """Revoke the session: its access and refresh tokens stop working at once
    (MongoDB first, then the cache), and its WebSockets are closed."""

    if uid is None:
        doc = _coll().find_one({"_id": sid}, ["uid"])
        uid = doc["uid"] if doc else None
    mark_revoked(sid)
    if uid:  # (no uid: no such session, which the durable check refuses anyway)
        stores.cache().set(SESSION_KEY.format(uid=uid, sid=sid), "revoked", ex=_revoked_ttl())
        _notify(uid, [sid], reason)


def revoke_all_sessions(uid: str, reason: str = "revoked") -> None:
    """End every session of ``uid`` authenticated before now (the durable
    cut-off ``accounts.sessions_not_before``, millisecond precision)."""
    now = clock.now()
    stores.mongo().accounts.update_one({"_id": uid}, {"$set": {"sessions_not_before": now}})
    _coll().update_many({"uid": uid, "revoked_at": None, "created_at": {"$lt": now}},
                        {"$set": {"revoked_at": now}})
    stores.cache().set(NOT_BEFORE_KEY.format(uid=uid), _ms(now), ex=_revoked_ttl())
    _notify(uid, None, reason)


def token_auth_ms(payload: dict) -> int:
    """The sign-in time of the token's session, epoch ms (old tokens: ``iat``)."""
    value = payload.get("auth_ms")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(payload.get("iat", 0)) * 1000


def _load(uid: str, sid: str) -> tuple[bool, int]:
    """From MongoDB: (session usable, cut-off ms); fills the cache."""
    return _load_many([(uid, sid)])[0]


def _load_many(pairs: list[tuple[str, str]]) -> list[tuple[bool, int]]:
    """:func:`_load` for many ``(uid, sid)`` at once: two MongoDB reads (``$in``) and one
    pipelined refill of the cache, whatever the count."""
    # expiry is the JWT's own ``exp`` (same lifetime) and the TTL index removes the document
    sids, uids = sorted({sid for _, sid in pairs}), sorted({uid for uid, _ in pairs})
    docs = {d["_id"]: d for d in _coll().find({"_id": {"$in": sids}}, {"uid": 1, "revoked_at": 1})}
    accts = {a["_id"]: a for a in stores.mongo().accounts.find({"_id": {"$in": uids}},
                                                              {"status": 1, "sessions_not_before": 1})}
    out = []
    pipe = stores.cache().pipeline(transaction=False)
    for uid, sid in pairs:
        doc, acct = docs.get(sid), accts.get(uid)
        usable = bool(doc and doc.get("uid") == uid and doc.get("revoked_at") is None
                      and acct and acct.get("status") == "active")
        not_before = _ms(acct["sessions_not_before"]) if acct and acct.get("sessions_not_before") else 0
        if usable:
            pipe.set(SESSION_KEY.format(uid=uid, sid=sid), f"ok:{uid}", ex=VALID_CACHE_SECONDS)
        else:
            pipe.set(SESSION_KEY.format(uid=uid, sid=sid), "revoked", ex=_revoked_ttl())
        pipe.set(NOT_BEFORE_KEY.format(uid=uid), not_before,
                 ex=VALID_CACHE_SECONDS if not not_before else _revoked_ttl())
        out.append((usable, not_before))
    pipe.execute()
    return out


def revoked_among(payloads: list[dict], ask_store: bool = True) -> list[bool]:
    """:func:`is_token_revoked` for many tokens' claims at once: one ``MGET`` of the
    cached verdicts and cut-offs (per slot on a Redis Cluster), then for the tokens
    whose verdict is not cached two MongoDB reads for all of them. Same answers, in
    order. Raises the stores' errors.

    ``ask_store=False`` (the WebSocket hub's periodic fallback over every socket of a
    process): a verdict no longer cached counts as not revoked and MongoDB is not read.
    Every revocation writes a mark that outlives any refresh token (the session's
    ``revoked``, the account's cut-off), so only a Redis that lost its keys *and* a
    missed pub/sub message escape this check; such a socket still ends with its access
    token (``SG_JWT_ACCESS_SECONDS``), and its next connection is checked in full."""
    out = [True] * len(payloads)
    known = [i for i, p in enumerate(payloads) if p.get("sid") and p.get("sub")]
    keys = []
    for i in known:
        keys += [SESSION_KEY.format(uid=payloads[i]["sub"], sid=payloads[i]["sid"]),
                 NOT_BEFORE_KEY.format(uid=payloads[i]["sub"])]
    raw = rediskeys.mget(stores.cache(), keys) if keys else []
    cold = []
    for j, i in enumerate(known):
        session, not_before = raw[2 * j], raw[2 * j + 1]
        if session == b"revoked":
            continue
        if session is None or not_before is None or session != f"ok:{payloads[i]['sub']}".encode():
            if ask_store:
                cold.append(i)
            else:  # unknown here: revoked only if the cut-off that is cached says so
                out[i] = not_before is not None and 0 < int(not_before) and token_auth_ms(payloads[i]) < int(not_before)
            continue
        cut = int(not_before)
        out[i] = cut > 0 and token_auth_ms(payloads[i]) < cut
    if cold:
        for i, (usable, cut) in zip(cold, _load_many([(payloads[i]["sub"], payloads[i]["sid"]) for i in cold])):
            out[i] = not usable or (cut > 0 and token_auth_ms(payloads[i]) < cut)
    return out


def verdict(payload: dict, session: bytes | None, not_before: bytes | None) -> bool | None:
    """The revocation answer from the two cached keys (``sg:session:{u:<uid>}:<sid>``,
    ``sg:not-before:{u:<uid>}``, one slot, as read by the caller): True revoked, False
    usable, None when the cache cannot tell (a key missing: ask
    :func:`is_token_revoked`, which reads MongoDB)."""
    uid = payload.get("sub")
    if not payload.get("sid") or not uid:
        return True
    if session == b"revoked":
        return True
    if session is None or not_before is None or session != f"ok:{uid}".encode():
        return None
    return token_auth_ms(payload) < int(not_before)  # "0": no cut-off (no session began before 1970)


def is_token_revoked(payload: dict) -> bool:
    """True when the token's session was revoked, expired or belongs to an
    inactive account, or the session began before the account's cut-off.

    Warm: one Redis ``MGET``. Cold (a key missing): two MongoDB reads, then
    the cache is filled again."""
    sid = payload.get("sid")
    uid = payload.get("sub")
    if not sid or not uid:
        return True
    session, not_before = stores.cache().mget(SESSION_KEY.format(uid=uid, sid=sid), NOT_BEFORE_KEY.format(uid=uid))
    answer = verdict(payload, session, not_before)
    if answer is not None:
        return answer
    usable, cut = _load(uid, sid)
    return not usable or token_auth_ms(payload) < cut


# -- the revocation check answered by the page's own round trip (issue 22) ------
# A view whose store read can answer the revocation check in the same Redis
# round trip (the warm home page) asks for it before the token is verified
# (:func:`defer_check`); the blocklist loader then records the token instead of
# reading Redis (:func:`deferred`), and the view settles it (:func:`settle`).
# The view's wrapper settles whatever is still open before any answer leaves
# (:func:`settle_pending`), so no path answers with an unchecked token.
_DEFER, _PENDING = "sg_defer_revocation", "sg_pending_revocation"


def _state() -> dict:
    """This request's deferral state: kept in the WSGI environ, not in ``g``,
    because an application context may outlive one request (tests, the CLI)
    and a deferral must never carry over to the next request; outside a
    request, a throwaway dict (nothing is deferred)."""
    return request.environ if has_request_context() else {}


def defer_check() -> None:
    """This request's view will answer the revocation check itself."""
    _state()[_DEFER] = True


def deferred(header: dict, payload: dict) -> bool:
    """For the blocklist loader: True (and the token recorded) when this
    request's view answers the check (:func:`defer_check`)."""
    if not _state().get(_DEFER):
        return False
    _state()[_PENDING] = (header, payload)
    return True


def pending() -> dict | None:
    """The payload of the token whose revocation check is still open, or None."""
    held = _state().get(_PENDING)
    return held[1] if held else None


def settle(revoked: bool) -> None:
    """Close the open check: raises flask-jwt-extended's ``RevokedTokenError``
    (the same 401 problem+json as the blocklist loader's) when ``revoked``."""
    held = _state().pop(_PENDING, None)
    if held and revoked:
        raise RevokedTokenError(*held)


def settle_pending() -> None:
    """Close a check still open (the view did not answer it): one Redis MGET,
    MongoDB when cold. Raises ``RevokedTokenError`` for a revoked token."""
    payload = pending()
    if payload is not None:
        settle(is_token_revoked(payload))


def require_active(uid: str, sid: str, auth_ms: int) -> None:
    """For ``refresh``: the durable session (MongoDB, not the cache) is
    unrevoked and unexpired, the account exists and is active, and the session
    began after the cut-off. Raises :class:`InvalidToken`."""
    usable, cut = _load(uid, sid)
    if not usable or auth_ms < cut:
        raise InvalidToken("the session has ended; sign in again")
