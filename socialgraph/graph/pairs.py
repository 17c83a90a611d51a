"""The one way a relationship between two users changes: inside one write
transaction that first locks the users, then reads the pair's state and
decides on what it read there.

Every pair relationship (``FOLLOWS``, ``FOLLOW_REQUEST``, ``FRIEND_REQUEST``,
``FRIENDS_WITH``, ``BLOCKS``, ``MUTES``) is written through
:func:`locked_change`, never by a bare ``MERGE``: ``MERGE`` does not
serialise two racing writers (on ArcadeDB at all, on Neo4j without a
uniqueness constraint on the relationship or a lock), and a check made
before the transaction (a cached block set, a pending request read a moment
earlier) may be stale by the time the write lands.

The lock (``cypher/graph/friends/lock_users.cypher``) bumps ``graph_rev`` on
the users in uid order. On Neo4j that write takes the node's exclusive lock,
so a second transaction locking the same user waits for the first to
commit and then reads its result. ArcadeDB (the local stand-in) is
optimistic instead: the later committer fails with a transient error
(``DeadlockDetected``/concurrent modification), the driver retries the whole
function, and the retry reads the winner's result. A race still lost after
the driver's retries is :class:`Conflict` (409), never a 500.

Which users are locked: both for friendships, friend requests, blocks and
mutes; only the follower for a follow or an unfollow. Every other change to
the pair (a block either way, accepting or ending a friendship, approving a
follow request) locks both users, so it also takes the follower's lock and
is serialised against the follow, while new followers of one account (a
hub with 100,000 followers) do not queue behind each other's locks.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from socialgraph import stores
from socialgraph.core.errors import Conflict, NotFound
from socialgraph.graph.people import forget_relation

log = logging.getLogger(__name__)


def locked_change(actor: str, other: str, username: str, decide: Callable[[object, dict], dict], *,
                  lock: Iterable[str] | None = None, allow_blocked: bool = False) -> dict:
    """Run ``decide(tx, state)`` in one write transaction after locking users.

    ``state`` is the row of ``cypher/graph/friends/get_pair_state`` seen from
    ``actor`` (``blocked`` either way, ``blocking`` by the actor, ``friends``,
    ``request_sent``/``request_received``, ``following``, ``follow_requested``,
    ``follow_request_received``, ``muting``, ``locked``, ...), read after the
    locks were taken. ``lock`` names the uids to lock (default: both).

    Raises :class:`NotFound` when a user is unknown or, unless
    ``allow_blocked``, when a block stands either way; :class:`Conflict`
    when the change still lost a race after the driver's retries. Whatever
    ``decide`` raises rolls the transaction back and propagates.
    """
    from neo4j.exceptions import TransientError

    uids = sorted(set(lock if lock is not None else (actor, other)))

    def work(tx):
        tx.run("graph/friends/lock_users", uids=uids)
        rows = tx.run("graph/friends/get_pair_state", actor=actor, other=other)
        if not rows or (rows[0]["blocked"] and not allow_blocked):
            raise NotFound(f"no user named {username!r}")
        return decide(tx, rows[0])

    try:
        out = stores.graph().transaction(work)
    except TransientError as exc:  # still racing after the driver's retries (deadlock, MVCC conflict)
        log.info("pair change %s -> %s lost a race: %s", actor, other, exc)
        raise Conflict("another change to this relationship happened at the same time; try again")
    forget_relation(actor, other)  # the cached profile relations of the pair, both ways
    return out
