"""Home feed and discovery feed.

This slice builds the home feed on read: the posts of the user and of
everyone they follow (following set from the graph, cached in Redis),
newest first, keyset-paginated on (created_at, _id) with one indexed
MongoDB query. Discovery lists recent public posts of everyone.

Both go through :func:`socialgraph.posts.page_posts`, which adds the
visibility prefilter (:func:`socialgraph.visibility.prefilter`: audiences,
blocks both ways) to the query, so posts the reader may not see never reach
a page, and reposts of posts that became hidden are dropped.
"""
from __future__ import annotations

from .pagination import Page
from .posts import page_posts
from .users import following_uids


def home_feed(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """The home feed of ``uid``: own and followed users' posts (not their
    group posts) and the posts of ``uid``'s groups, newest first."""
    from .relations import hidden_authors

    hidden = hidden_authors(uid)
    authors = [a for a in following_uids(uid) if a not in hidden] + [uid]
    query, group_ids = _with_group_posts(uid, {"author_id": {"$in": authors}, "group_id": None}, hidden)
    return page_posts(query, cursor, limit, viewer=uid, group_ids=group_ids)


def _with_group_posts(uid: str, query: dict, hidden: set[str]) -> tuple[dict, list[str]]:
    """``query`` widened to the posts of the groups ``uid`` belongs to (group
    posts of followed users in other groups stay out: ``group_id: None``
    above), and those groups' ids. Kept separate so a fan-out-on-write feed can take it over."""
    from .groups import group_post_filter, member_group_ids

    groups = group_post_filter(uid, hidden)
    return ({"$or": [query, groups]}, member_group_ids(uid)) if groups else (query, [])


def discovery_feed(cursor: str | None = None, limit: int | None = None, viewer: str | None = None) -> Page:
    """Recent public posts of everyone but users hidden from the viewer, newest first."""
    from .relations import hidden_authors

    query: dict = {"visibility": "public"}
    hidden = hidden_authors(viewer)
    if hidden:
        query["author_id"] = {"$nin": sorted(hidden)}
    return page_posts(query, cursor, limit, viewer)
