"""Blocks and mutes: the writes and the cache invalidation they need
(the reads are in :mod:`socialgraph.graph.relations`).
"""
from __future__ import annotations

import logging

from socialgraph import stores
from socialgraph.core import clock, events
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.graph import suggestions
from socialgraph.graph.caches import forget_following
from socialgraph.graph.friends import forget_friends
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

    Returns ``{"blocking": True, "created": bool}``. Raises NotFound / ValidationFailed.
    """

    other = _target(actor, username)
    rows = stores.graph().write("graph/relations/create_block", blocker=actor, blocked=other, created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget(actor, other)
    forget_following(actor, other)

    forget_friends(actor, other)
    created = bool(rows[0]["created"])
    if created:
        events.publish("user.blocked", blocker=actor, blocked=other)
    return {"blocking": True, "created": created}


def unblock(actor: str, username: str) -> dict:
    """Remove the block (nothing else is restored)."""
    other = _target(actor, username)
    rows = stores.graph().write("graph/relations/delete_block", blocker=actor, blocked=other)
    forget(actor, other)
    return {"blocking": False, "deleted": bool(rows and rows[0]["deleted"])}


def mute(actor: str, username: str) -> dict:
    other = _target(actor, username)
    rows = stores.graph().write("graph/relations/create_mute", muter=actor, muted=other, created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget(actor)
    if rows[0]["created"]:
        events.publish("user.muted", muter=actor, muted=other)
    return {"muting": True, "created": bool(rows[0]["created"])}


def unmute(actor: str, username: str) -> dict:
    other = _target(actor, username)
    rows = stores.graph().write("graph/relations/delete_mute", muter=actor, muted=other)
    forget(actor)
    return {"muting": False, "deleted": bool(rows and rows[0]["deleted"])}
