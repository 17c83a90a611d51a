"""Following: follow (or ask to follow a locked account), unfollow, and the
follower/following lists (keyset-paginated on follow time and uid, newest first).

Following is directed: ``(a)-[:FOLLOWS]->(b)`` means a sees b's posts in the home feed.
"""
from __future__ import annotations

import logging
from functools import partial

from socialgraph import stores
from socialgraph.core import clock, events
from socialgraph.core.errors import ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    keyset_page,
)
from socialgraph.graph import ordered
from socialgraph.graph.caches import forget_following
from socialgraph.graph.pairs import locked_change
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.privacy import require_list_access
from socialgraph.graph.relations import blocked_either_way

log = logging.getLogger(__name__)


def follow(follower: str, username: str) -> dict:
    """``follower`` (uid) follows ``username``, or asks to if the account is
    locked. Idempotent.

    Returns ``{"following": True, "created": bool}``, or for a locked account
    ``{"following": False, "requested": True, "created": bool}``. Raises
    :class:`NotFound` (unknown user, or blocked either way),
    :class:`ValidationFailed` (oneself) and :class:`Conflict` (the change
    still lost a race after the store's retries). Publishes ``user.followed``
    {follower, followee} or ``follow.requested`` {requester, target} when
    something was created.

    One locking transaction (:func:`socialgraph.graph.pairs.locked_change`,
    the follower's lock): the block, the locked flag and the existing follow
    are read inside it, so a double tap makes one ``FOLLOWS`` and one
    ``created: true``, and a follow racing a block never survives it.
    """

    followee = resolve_uid(username)
    if followee == follower:
        raise ValidationFailed("you cannot follow yourself",
                               errors=[{"field": "username", "message": "is yourself"}])

    def decide(tx, s):
        if s["following"]:
            return {"following": True, "created": False}
        if s["locked"]:  # a locked account approves its followers
            if s["follow_requested"]:
                return {"following": False, "requested": True, "created": False}
            tx.run("graph/friends/create_follow_request", requester=follower, target=followee,
                   created_at=clock.now())
            return {"following": False, "requested": True, "created": True}
        tx.run("graph/follows/create_follow", follower=follower, followee=followee, created_at=clock.now())
        return {"following": True, "created": True}

    out = locked_change(follower, followee, username, decide, lock=[follower])
    forget_following(follower, followee, suggestions_of=(follower,))  # the followee's are unchanged
    if out["created"]:
        if out.get("requested"):
            events.publish("follow.requested", requester=follower, target=followee)
        else:
            events.publish("user.followed", follower=follower, followee=followee)
    return out


def unfollow(follower: str, username: str) -> dict:
    """Stop following, or withdraw a pending follow request to a locked account.
    Idempotent: ``{"following": False, "deleted": bool}``. Raises
    :class:`NotFound` (unknown, blocked either way) and :class:`Conflict`
    (lost a race after retries). Publishes ``user.unfollowed`` {follower,
    followee} when a follow was removed. One locking transaction, like
    :func:`follow`."""

    followee = resolve_uid(username)

    def decide(tx, s):
        deleted = withdrawn = False
        if s["following"]:
            deleted = bool(tx.run("graph/follows/delete_follow", follower=follower, followee=followee)[0]["deleted"])
        if s["follow_requested"]:
            withdrawn = bool(tx.run("graph/friends/delete_follow_request", requester=follower,
                                    target=followee)[0]["deleted"])
        return {"deleted": deleted, "withdrawn": withdrawn}

    out = locked_change(follower, followee, username, decide, lock=[follower])
    forget_following(follower, followee, suggestions_of=(follower,))  # the followee's are unchanged
    if out["deleted"]:
        events.publish("user.unfollowed", follower=follower, followee=followee)
    return {"following": False, "deleted": out["deleted"] or out["withdrawn"]}


def _list(query: str, username: str, cursor: str | None, limit: int | None,
          viewer: str | None = None) -> Page:

    uid = resolve_uid(username)
    require_list_access(viewer, uid, "followers")
    hidden = blocked_either_way(viewer)
    graph_read = partial(stores.graph().read, query, uid=uid, hidden=sorted(hidden))
    kind = "followers" if query.endswith("list_followers") else "following"
    # a long list is read from its ordered Redis copy (the graph sorts every follow per page)
    return keyset_page(
        ordered.page_reader(kind, uid, set(hidden), graph_read, at_field="followed_at"),
        cursor, limit,
        lambda r: {"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
                   "followed_at": as_utc(r["followed_at"])},
        at_field="followed_at")


def list_followers(username: str, cursor: str | None = None, limit: int | None = None,
                   viewer: str | None = None) -> Page:
    """Who follows ``username``, newest first; users blocked either way by
    ``viewer`` are left out. Raises :class:`NotFound` (unknown, or blocked
    either way) and :class:`Forbidden` (hidden by privacy settings)."""
    return _list("graph/follows/list_followers", username, cursor, limit, viewer)


def list_following(username: str, cursor: str | None = None, limit: int | None = None,
                   viewer: str | None = None) -> Page:
    """Whom ``username`` follows, newest first (same rules as :func:`list_followers`)."""
    return _list("graph/follows/list_following", username, cursor, limit, viewer)


def familiar_followers(viewer: str, target: str, limit: int = 40) -> list[str]:
    """uids of accounts ``viewer`` follows that follow ``target`` (Mastodon's
    familiar followers), at most ``limit``, without users blocked either way
    by the viewer. ``[]`` for oneself. One graph query anchored at the
    viewer (``graph/follows/list_familiar_followers``)."""
    if viewer == target:
        return []
    rows = stores.graph().read("graph/follows/list_familiar_followers", viewer=viewer, target=target,
                               hidden=sorted(blocked_either_way(viewer)), limit=int(limit))
    return [r["uid"] for r in rows]
