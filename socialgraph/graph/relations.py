"""Blocks and mutes, and the one place that answers "how does A stand to B?".

Graph: ``(a)-[:BLOCKS {created_at}]->(b)``, ``(a)-[:MUTES {created_at}]->(b)``.
A block removes follows, friendship and pending requests both ways in the
same transaction (``cypher/graph/relations/create_block.cypher``).

Rules every read path applies (through :func:`hidden_authors` and
:func:`relationship`): a block in either direction hides each user from the
other everywhere and answers as if the other did not exist (404); a mute
hides the muted user's posts from the muter's feeds and notifications only,
and the muted user cannot tell.

The per-user sets are cached in Redis (``sg:rel:<uid>``, 5 min) and dropped
when the user blocks, unblocks, mutes or unmutes, or is (un)blocked.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from socialgraph import stores
from socialgraph.graph.people import following_among
from socialgraph.stores import readcache

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
    rows = stores.graph().read("graph/relations/get_relationship", viewer=viewer, other=other)
    return Relationship(**rows[0]) if rows else Relationship()


def sets(uid: str, prefetched: tuple[bytes | None, str] | None = None) -> dict[str, set[str]]:
    """``{"blocking", "blocked_by", "muting"}`` uid sets of ``uid``: a Redis copy
    (versioned, :mod:`socialgraph.stores.readcache`, so a block is never undone by a
    reader storing the sets it read just before), else one graph query.
    ``prefetched``: ``(copy, version)`` of :data:`CACHE_KEY` already read by
    the caller in another round trip (the profile's ``MGET``)."""

    def compute():
        rows = stores.graph().read("graph/relations/list_block_uids", uid=uid)
        return rows[0] if rows else {"blocking": [], "blocked_by": [], "muting": []}

    if prefetched is not None:
        raw, version = prefetched
        if raw is not None:
            found = json.loads(raw)
        else:
            found = compute()
            readcache.put_many([(CACHE_KEY.format(uid=uid), version, json.dumps(found))], CACHE_SECONDS)
        return {k: set(v) for k, v in found.items()}
    return {k: set(v) for k, v in readcache.read_through(CACHE_KEY.format(uid=uid), CACHE_SECONDS, compute).items()}


def blocked_either_way(uid: str | None, prefetched: tuple[bytes | None, str] | None = None) -> set[str]:
    """uids ``uid`` blocks or is blocked by: never shown to ``uid`` anywhere
    (``prefetched``: as for :func:`sets`)."""
    if not uid:
        return set()
    s = sets(uid, prefetched)
    return s["blocking"] | s["blocked_by"]


def hidden_authors(uid: str | None) -> set[str]:
    """uids whose posts ``uid`` must not see in feeds: blocks both ways + mutes."""
    if not uid:
        return set()
    s = sets(uid)
    return s["blocking"] | s["blocked_by"] | s["muting"]














def audience_sets(viewer: str | None) -> dict[str, set[str]]:
    """``{"following", "friends", "close_friend_of"}`` uid sets of ``viewer``
    (empty sets for anonymous), for checking many authors' audiences at once
    in lists and feeds. One graph round trip, not cached (follows change often)."""
    empty = {"following": set(), "friends": set(), "close_friend_of": set()}
    if not viewer:
        return empty
    rows = stores.graph().read("graph/relations/list_audience_uids", uid=viewer)
    if not rows:
        return empty
    return {k: set(rows[0].get(k) or []) for k in empty}


def audience_among(viewer: str, authors: set[str], kinds: set[str]) -> dict[str, set[str]]:
    """Like :func:`audience_sets` restricted to ``authors`` (the authors of one
    page of posts): ``following`` from the cached following set
    (:func:`socialgraph.graph.users.following_among`); ``friends`` and
    ``close_friend_of`` only when ``kinds`` asks for them (the page holds posts
    with those audiences), in one graph query over those authors only."""

    out = {"following": following_among(viewer, authors), "friends": set(), "close_friend_of": set()}
    need = kinds & {"friends", "close_friend_of"}
    if need and authors:
        for row in stores.graph().read("graph/relations/list_audience_among", uid=viewer, authors=sorted(authors)):
            for k in need:
                if row[k]:
                    out[k].add(row["uid"])
    return out
