"""Active sessions (one per login: the ``sid`` shared by its access and refresh JWTs).

MongoDB ``sessions``: ``{_id: sid, uid, created_at, last_used_at, ip,
user_agent, expires_at, revoked_at}`` (TTL index on ``expires_at``). A
revoked session is also put on the Redis blocklist
(:func:`logout`), which is what the JWT check reads.
"""
from __future__ import annotations

from flask import current_app

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.errors import NotFound


def _coll():
    return stores.mongo().sessions


def create(uid: str, sid: str, ip: str | None, user_agent: str | None) -> None:
    now = clock.now()
    _coll().insert_one({"_id": sid, "uid": uid, "created_at": now, "last_used_at": now, "ip": ip,
                        "user_agent": (user_agent or "")[:512], "revoked_at": None,
                        "expires_at": now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]})


def touch(sid: str) -> None:
    _coll().update_one({"_id": sid}, {"$set": {"last_used_at": clock.now()}})


def mark_revoked(sid: str) -> None:
    _coll().update_one({"_id": sid, "revoked_at": None}, {"$set": {"revoked_at": clock.now()}})


def list_active(uid: str, current_sid: str | None) -> list[dict]:
    """The account's unrevoked, unexpired sessions, newest first:
    ``[{id, created_at, last_used_at, ip, user_agent, current}]``."""
    docs = _coll().find({"uid": uid, "revoked_at": None, "expires_at": {"$gt": clock.now()}}).sort("created_at", -1)
    return [{"id": d["_id"], "created_at": d["created_at"], "last_used_at": d.get("last_used_at"),
             "ip": d.get("ip"), "user_agent": d.get("user_agent"), "current": d["_id"] == current_sid}
            for d in docs]


def revoke(uid: str, sid: str) -> None:
    """Revoke one of the caller's sessions. Raises :class:`NotFound` (not theirs or gone)."""

    doc = _coll().find_one({"_id": sid, "uid": uid, "revoked_at": None}, {"_id": 1})
    if doc is None:
        raise NotFound("session not found")
    logout(sid)


def revoke_all(uid: str, except_sid: str | None = None) -> int:
    """Revoke every session of ``uid`` but ``except_sid``; returns how many."""

    n = 0
    for d in _coll().find({"uid": uid, "revoked_at": None, "_id": {"$ne": except_sid}}, {"_id": 1}):
        logout(d["_id"])
        n += 1
    return n


REVOKED_KEY = "sg:revoked-session:{sid}"


NOT_BEFORE_KEY = "sg:not-before:{uid}"


def logout(sid: str) -> None:
    """Revoke the session: its access and refresh tokens stop working at once."""

    ttl = int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())
    stores.cache().set(REVOKED_KEY.format(sid=sid), 1, ex=ttl)
    mark_revoked(sid)


def is_token_revoked(payload: dict) -> bool:
    """True when the token's session was revoked or issued before the user's cut-off."""
    sid = payload.get("sid")
    uid = payload.get("sub")
    revoked, not_before = stores.cache().mget(
        REVOKED_KEY.format(sid=sid), NOT_BEFORE_KEY.format(uid=uid))
    if revoked:
        return True
    return bool(not_before) and int(payload.get("iat", 0)) < int(not_before)


def revoke_all_sessions(uid: str) -> None:
    """End every session of ``uid`` issued before now."""
    ttl = int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())
    stores.cache().set(NOT_BEFORE_KEY.format(uid=uid), int(clock.now().timestamp()) + 1, ex=ttl)
