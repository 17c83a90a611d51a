"""Following: follow (or ask to follow a locked account), unfollow, and the
follower/following lists (keyset-paginated on follow time and uid, newest first).

Following is directed: ``(a)-[:FOLLOWS]->(b)`` means a sees b's posts in the home feed.
"""
from __future__ import annotations

import logging

from socialgraph import stores
from socialgraph.core import clock, events
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.graph.caches import forget_following
from socialgraph.graph.friends import request_follow, withdraw_follow_request
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.privacy import get_settings, require_list_access
from socialgraph.graph.relations import blocked_either_way

log = logging.getLogger(__name__)


def follow(follower: str, username: str) -> dict:
    """``follower`` (uid) follows ``username``. Idempotent.

    Returns ``{"following": True, "created": bool}``. Raises
    :class:`NotFound` (unknown user) and :class:`ValidationFailed` (oneself).
    """

    followee = resolve_uid(username)
    if followee == follower:
        raise ValidationFailed("you cannot follow yourself",
                               errors=[{"field": "username", "message": "is yourself"}])
    if followee in blocked_either_way(follower):
        raise NotFound(f"no user named {username!r}")

    if get_settings(followee)["locked"]:  # a locked account approves its followers

        return request_follow(follower, followee, username)
    rows = stores.graph().write("graph/follows/create_follow", follower=follower, followee=followee,
                                    created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget_following(follower, followee, suggestions_of=(follower,))  # the followee's are unchanged
    if rows[0]["created"]:
        events.publish("user.followed", follower=follower, followee=followee)
    return {"following": True, "created": bool(rows[0]["created"])}


def unfollow(follower: str, username: str) -> dict:
    """Stop following, or withdraw a pending follow request to a locked account.
    Idempotent: ``{"following": False, "deleted": bool}``. Publishes
    ``user.unfollowed`` {follower, followee} when a follow was removed."""

    followee = resolve_uid(username)
    if followee in blocked_either_way(follower):
        raise NotFound(f"no user named {username!r}")
    rows = stores.graph().write("graph/follows/delete_follow", follower=follower, followee=followee)
    forget_following(follower, followee, suggestions_of=(follower,))  # the followee's are unchanged
    deleted = bool(rows and rows[0]["deleted"])
    withdrawn = withdraw_follow_request(follower, followee)
    if deleted:
        events.publish("user.unfollowed", follower=follower, followee=followee)
    return {"following": False, "deleted": deleted or withdrawn}


def _list(query: str, username: str, cursor: str | None, limit: int | None,
          viewer: str | None = None) -> Page:

    uid = resolve_uid(username)
    require_list_access(viewer, uid, "followers")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "uid")
    rows = stores.graph().read(
        query, uid=uid, limit=limit + 1, hidden=sorted(blocked_either_way(viewer)),
        after_at=ms_to_datetime(key["at"]) if key else None,
        after_uid=str(key["uid"]) if key else None)
    items = [{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
              "followed_at": as_utc(r["followed_at"])} for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["followed_at"]), "uid": last["uid"]})
    return Page(items, next_cursor)


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
