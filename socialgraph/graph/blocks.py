"""Blocks and mutes: the writes and the cache invalidation they need
(the reads are in :mod:`socialgraph.graph.relations`).
"""
from __future__ import annotations

import logging

from socialgraph.core import clock, events
from socialgraph.core.errors import ValidationFailed
from socialgraph.core.pagination import Page
from socialgraph.graph import suggestions
from socialgraph.graph.caches import forget_following
from socialgraph.graph.friends import forget_friends, page_people
from socialgraph.graph.pairs import locked_change
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.relations import CACHE_KEY
from socialgraph.stores import readcache

log = logging.getLogger(__name__)


def forget(*uids: str) -> None:
    """After a block, unblock, mute or unmute: drop the cached sets and the
    friend suggestions (which leave out blocks and mutes) of ``uids``."""

    readcache.invalidate(*[CACHE_KEY.format(uid=u) for u in uids])
    suggestions.forget(*uids)


def _target(actor: str, username: str) -> str:
    uid = resolve_uid(username)
    if uid == actor:
        raise ValidationFailed("not possible with yourself", errors=[{"field": "username", "message": "is yourself"}])
    return uid


def block(actor: str, username: str) -> dict:
    """``actor`` blocks ``username``; follows, friendship and requests both ways go.

    Returns ``{"blocking": True, "created": bool}``. Raises :class:`NotFound`
    (unknown user), :class:`ValidationFailed` (oneself), :class:`Conflict`
    (lost a race after retries). Publishes ``user.blocked`` {blocker, blocked}.

    Runs in the locking transaction of :func:`socialgraph.graph.pairs.locked_change`
    (both users), so a follow, an accepted friend request or a follow request
    racing the block is either removed by it or sees it and is refused.
    """

    other = _target(actor, username)

    def decide(tx, s):
        rows = tx.run("graph/relations/create_block", blocker=actor, blocked=other, created_at=clock.now())
        return {"blocking": True, "created": bool(rows[0]["created"])}

    out = locked_change(actor, other, username, decide, allow_blocked=True)
    forget(actor, other)
    forget_following(actor, other)
    forget_friends(actor, other)
    if out["created"]:
        events.publish("user.blocked", blocker=actor, blocked=other)
    return out


def unblock(actor: str, username: str) -> dict:
    """Remove the block (nothing else is restored): ``{"blocking": False,
    "deleted": bool}``. Same locking as :func:`block`."""
    other = _target(actor, username)

    def decide(tx, s):
        if not s["blocking"]:
            return {"blocking": False, "deleted": False}
        rows = tx.run("graph/relations/delete_block", blocker=actor, blocked=other)
        return {"blocking": False, "deleted": bool(rows and rows[0]["deleted"])}

    out = locked_change(actor, other, username, decide, allow_blocked=True)
    forget(actor, other)
    return out


def mute(actor: str, username: str) -> dict:
    """``actor`` mutes ``username``: ``{"muting": True, "created": bool}``
    (publishes ``user.muted`` when created). Raises :class:`NotFound`,
    :class:`ValidationFailed`, :class:`Conflict`. Locked like :func:`block`."""
    other = _target(actor, username)

    def decide(tx, s):
        if s["muting"]:
            return {"muting": True, "created": False}
        tx.run("graph/relations/create_mute", muter=actor, muted=other, created_at=clock.now())
        return {"muting": True, "created": True}

    out = locked_change(actor, other, username, decide, allow_blocked=True)
    forget(actor)
    if out["created"]:
        events.publish("user.muted", muter=actor, muted=other)
    return out


def unmute(actor: str, username: str) -> dict:
    """Lift a mute: ``{"muting": False, "deleted": bool}``."""
    other = _target(actor, username)

    def decide(tx, s):
        if not s["muting"]:
            return {"muting": False, "deleted": False}
        tx.run("graph/relations/delete_mute", muter=actor, muted=other)
        return {"muting": False, "deleted": True}

    out = locked_change(actor, other, username, decide, allow_blocked=True)
    forget(actor)
    return out


def list_blocked(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Whom ``uid`` blocks, newest first: items ``{uid, username, display_name, at}``
    (keyset cursor on (time, uid); only the blocker sees this list)."""
    return page_people("graph/relations/list_blocked_people", cursor, limit, uid=uid)


def list_muted(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Whom ``uid`` mutes, newest first (same shape as :func:`list_blocked`)."""
    return page_people("graph/relations/list_muted_people", cursor, limit, uid=uid)
