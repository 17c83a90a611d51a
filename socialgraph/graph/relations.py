"""Blocks and mutes, and the one place that answers "how does A stand to B?".

Graph: ``(a)-[:BLOCKS {created_at}]->(b)``, ``(a)-[:MUTES {created_at}]->(b)``.
A block removes follows, friendship and pending requests both ways in the
same transaction (``cypher/relations/create_block.cypher``).

Rules every read path applies (through :func:`hidden_authors` and
:func:`relationship`): a block in either direction hides each user from the
other everywhere and answers as if the other did not exist (404); a mute
hides the muted user's posts from the muter's feeds and notifications only,
and the muted user cannot tell.

The per-user sets are cached in Redis (``sg:rel:<uid>``, 5 min) and dropped
when the user blocks, unblocks, mutes or unmutes, or is (un)blocked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from socialgraph.core import clock
from socialgraph import stores
from socialgraph.core.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

CACHE_KEY = "sg:rel:{uid}"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Relationship:
    """How ``viewer`` stands to ``other`` (all False for an anonymous viewer)."""

    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    following: bool = False
    followed_by: bool = False
    friends: bool = False
    close_friend_of: bool = False

    @property
    def blocked_either_way(self) -> bool:
        return self.blocking or self.blocked_by


def relationship(viewer: str | None, other: str) -> Relationship:
    """One graph round trip; ``Relationship()`` for anonymous or self."""
    if not viewer or viewer == other:
        return Relationship()
    rows = stores.graph().read("relations/get_relationship", viewer=viewer, other=other)
    return Relationship(**rows[0]) if rows else Relationship()


def sets(uid: str) -> dict[str, set[str]]:
    """``{"blocking", "blocked_by", "muting"}`` uid sets of ``uid``: a Redis copy
    (versioned, :mod:`socialgraph.stores.readcache`, so a block is never undone by a
    reader storing the sets it read just before), else one graph query."""
    from socialgraph.stores import readcache

    def compute():
        rows = stores.graph().read("relations/list_block_uids", uid=uid)
        return rows[0] if rows else {"blocking": [], "blocked_by": [], "muting": []}

    return {k: set(v) for k, v in readcache.read_through(CACHE_KEY.format(uid=uid), CACHE_SECONDS, compute).items()}


def blocked_either_way(uid: str | None) -> set[str]:
    """uids ``uid`` blocks or is blocked by: never shown to ``uid`` anywhere."""
    if not uid:
        return set()
    s = sets(uid)
    return s["blocking"] | s["blocked_by"]


def hidden_authors(uid: str | None) -> set[str]:
    """uids whose posts ``uid`` must not see in feeds: blocks both ways + mutes."""
    if not uid:
        return set()
    s = sets(uid)
    return s["blocking"] | s["blocked_by"] | s["muting"]


def forget(*uids: str) -> None:
    """After a block, unblock, mute or unmute: drop the cached sets and the
    friend suggestions (which leave out blocks and mutes) of ``uids``."""
    from socialgraph.stores import readcache
    from socialgraph.graph import suggestions

    readcache.invalidate(*[CACHE_KEY.format(uid=u) for u in uids])
    suggestions.forget(*uids)


def _target(actor: str, username: str) -> str:
    from socialgraph.graph.users import resolve_uid

    uid = resolve_uid(username)
    if uid == actor:
        raise ValidationFailed("not possible with yourself", errors=[{"field": "username", "message": "is yourself"}])
    return uid


def block(actor: str, username: str) -> dict:
    """``actor`` blocks ``username``; follows, friendship and requests both ways go.

    Returns ``{"blocking": True, "created": bool}``. Raises NotFound / ValidationFailed.
    """
    from socialgraph.core import events
    from socialgraph.graph.users import forget_following

    other = _target(actor, username)
    rows = stores.graph().write("relations/create_block", blocker=actor, blocked=other, created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget(actor, other)
    forget_following(actor, other)
    from socialgraph.graph.friends import forget_friends

    forget_friends(actor, other)
    created = bool(rows[0]["created"])
    if created:
        events.publish("user.blocked", blocker=actor, blocked=other)
    return {"blocking": True, "created": created}


def unblock(actor: str, username: str) -> dict:
    """Remove the block (nothing else is restored)."""
    other = _target(actor, username)
    rows = stores.graph().write("relations/delete_block", blocker=actor, blocked=other)
    forget(actor, other)
    return {"blocking": False, "deleted": bool(rows and rows[0]["deleted"])}


def mute(actor: str, username: str) -> dict:
    from socialgraph.core import events

    other = _target(actor, username)
    rows = stores.graph().write("relations/create_mute", muter=actor, muted=other, created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget(actor)
    if rows[0]["created"]:
        events.publish("user.muted", muter=actor, muted=other)
    return {"muting": True, "created": bool(rows[0]["created"])}


def unmute(actor: str, username: str) -> dict:
    other = _target(actor, username)
    rows = stores.graph().write("relations/delete_mute", muter=actor, muted=other)
    forget(actor)
    return {"muting": False, "deleted": bool(rows and rows[0]["deleted"])}


def audience_sets(viewer: str | None) -> dict[str, set[str]]:
    """``{"following", "friends", "close_friend_of"}`` uid sets of ``viewer``
    (empty sets for anonymous), for checking many authors' audiences at once
    in lists and feeds. One graph round trip, not cached (follows change often)."""
    empty = {"following": set(), "friends": set(), "close_friend_of": set()}
    if not viewer:
        return empty
    rows = stores.graph().read("relations/list_audience_uids", uid=viewer)
    if not rows:
        return empty
    return {k: set(rows[0].get(k) or []) for k in empty}


def audience_among(viewer: str, authors: set[str], kinds: set[str]) -> dict[str, set[str]]:
    """Like :func:`audience_sets` restricted to ``authors`` (the authors of one
    page of posts): ``following`` from the cached following set
    (:func:`socialgraph.graph.users.following_among`); ``friends`` and
    ``close_friend_of`` only when ``kinds`` asks for them (the page holds posts
    with those audiences), in one graph query over those authors only."""
    from socialgraph.graph.users import following_among

    out = {"following": following_among(viewer, authors), "friends": set(), "close_friend_of": set()}
    need = kinds & {"friends", "close_friend_of"}
    if need and authors:
        for row in stores.graph().read("relations/list_audience_among", uid=viewer, authors=sorted(authors)):
            for k in need:
                if row[k]:
                    out[k].add(row["uid"])
    return out
