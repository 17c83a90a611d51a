"""Group posts: ``posts`` documents with ``group_id`` and ``visibility: "group"``
(made by :func:`socialgraph.content.posts.create_post`), pinned announcements
and the group activity summary.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from socialgraph.content import postcache, posts
from socialgraph.core import clock, events
from socialgraph.core.errors import Forbidden, NotFound
from socialgraph.core.pagination import (
    Page,
    as_utc,
)
from socialgraph.graph.relations import blocked_either_way
from socialgraph.groups.directory import RANK, _db, _member, _readable
from socialgraph.stores import documents


# -- posts -----------------------------------------------------------------------
def create_group_post(group_id: str, author: str, text: str) -> dict:
    """A member posts in the group (event ``group.post_created``); the post has
    the profile post shape plus ``group_id``."""

    _member(group_id, author)
    post = posts.create_post(author, text, group_id=group_id)
    events.publish("group.post_created", group_id=group_id, post_id=post["id"], author_id=author)
    return post


def group_posts(group_id: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """The group's posts, newest first (authors blocked either way left out)."""

    _readable(group_id, viewer)
    query: dict = {"group_id": group_id}
    hidden = blocked_either_way(viewer)
    if hidden:
        query["author_id"] = {"$nin": sorted(hidden)}
    return posts.page_posts(query, cursor, limit, viewer, group_ids=[group_id])


def _group_post(group_id: str, post_id: str) -> dict:
    doc = _db().posts.find_one({"_id": documents.parse_id(post_id), "group_id": group_id})
    if doc is None:
        raise NotFound("post not found")
    return doc


def delete_group_post(group_id: str, post_id: str, actor: str) -> None:
    """Delete a group post: its author, or a moderator/admin of the group."""
    row = _member(group_id, actor)
    doc = _group_post(group_id, post_id)
    if doc["author_id"] != actor and RANK[row["role"]] < RANK["moderator"]:
        raise Forbidden("only the author or a moderator can delete this post")
    _db().posts.delete_one({"_id": doc["_id"]})
    postcache.forget(doc["_id"])
    events.publish("post.deleted", post_id=str(doc["_id"]), author_id=doc["author_id"])


def pin_post(group_id: str, post_id: str, actor: str, pinned: bool = True) -> dict:
    """Pin (announcement) or unpin a group post (moderators and admins)."""

    _member(group_id, actor, "moderator")
    doc = _group_post(group_id, post_id)
    _db().posts.update_one({"_id": doc["_id"]}, {"$set": {"pinned_at": clock.now() if pinned else None}})
    postcache.forget_post(doc["_id"])
    return {**posts.get_post(post_id, actor), "pinned": pinned}


def announcements(group_id: str, viewer: str | None) -> list[dict]:
    """Pinned posts of the group, most recently pinned first (at most 20)."""

    _readable(group_id, viewer)
    docs = list(_db().posts.find({"group_id": group_id, "pinned_at": {"$ne": None}})
                .sort([("pinned_at", -1), ("_id", -1)]).limit(20))
    return [{**p, "pinned": True} for p in posts.present_posts(docs, viewer)]


# -- activity -----------------------------------------------------------------------
def activity(group_id: str, actor: str, weeks: int = 4) -> dict:
    """Member activity for admins: per ISO week (Monday 00:00 UTC) of the last
    ``weeks`` (1..52, the current week included): posts, comments and active
    members (distinct authors of posts or comments), newest week first.

    ``{"weeks": [{"week_start": datetime, "posts": n, "comments": n,
    "active_members": n}], "member_count": n}``. Raises :class:`Forbidden`
    for non-admins.
    """
    row = _member(group_id, actor, "admin")
    weeks = max(1, min(int(weeks), 52))
    now = clock.now()
    this_week = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_week - timedelta(weeks=weeks - 1)
    posts, comments = Counter(), Counter()
    authors: dict = {}
    db = _db()
    proj = {"author_id": 1, "created_at": 1}
    for coll, counter in ((db.posts, posts), (db.comments, comments)):
        for d in coll.find({"group_id": group_id, "created_at": {"$gte": start}}, proj):
            at = as_utc(d["created_at"])
            idx = (at - start).days // 7
            if 0 <= idx < weeks:
                counter[idx] += 1
                authors.setdefault(idx, set()).add(d["author_id"])
    out = [{"week_start": start + timedelta(weeks=i), "posts": posts[i], "comments": comments[i],
            "active_members": len(authors.get(i, ()))} for i in reversed(range(weeks))]
    return {"weeks": out, "member_count": row["member_count"]}
