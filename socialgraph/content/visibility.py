"""Who may see a post: the one rule, for single reads and for lists.

Audiences (``visibility`` field of a post):

===================  ==========================================================
``public``           everyone, signed in or not
``followers``        users who follow the author
``friends``          the author's friends (``FRIENDS_WITH``)
``close_friends``    users the author put on their close-friends list
                     (``(author)-[:CLOSE_FRIEND]->(viewer)``)
``only_me``          the author
===================  ==========================================================

On top of the audience, a block in either direction hides the post, and the
author always sees their own posts.

**Private accounts** (Instagram's rule): when the author's
``profile_visibility`` is ``private``, their ``public`` posts are for their
approved followers only, on every read path (profile, post page, its
comments and reactions, search, hashtag pages, discovery, trends, home
feed). The posts carry ``author_private: true`` (set when written, and on
every post of the author when the setting changes, through
:func:`socialgraph.graph.privacy.register_visibility_listener`), so lists
filter on it in the database; :func:`effective_audience` is the one place
that reads it. Combine it with ``locked`` so that following needs approval. A post with a ``group_id`` is governed by
its group (the reader that :mod:`socialgraph.groups.directory` registers).

:func:`can_view_post` answers for one post; :func:`prefilter` gives a MongoDB
filter with the same answer for lists, so pages are filtered by the database
and not emptied afterwards. Both are tested to agree.
"""
from __future__ import annotations

from typing import Callable

from socialgraph import stores
from socialgraph.content import postcache
from socialgraph.graph import privacy, relations

AUDIENCES = ("public", "followers", "friends", "close_friends", "only_me")

#: ``reader(viewer_uid | None, group_id) -> bool``: who may read a group's posts.
#: The groups package (above content) registers it when imported; until then
#: group posts are visible to nobody but their author.
GROUP_READERS: list[Callable[[str | None, str], bool]] = []


def register_group_reader(reader: Callable[[str | None, str], bool]) -> None:
    """Set the rule for posts with a ``group_id`` (groups: ``can_read_group_content``)."""
    GROUP_READERS[:] = [reader]


#: The MongoDB filter of posts anyone may see (anonymous readers, discovery,
#: trends, hashtag counts): public, by an account that is not private.
PUBLIC = {"visibility": "public", "author_private": {"$ne": True}}


def effective_audience(post: dict) -> str:
    """The audience that applies: ``visibility``, except that a ``public`` post
    of a private account is for its ``followers``."""
    audience = post.get("visibility") or "public"
    if audience == "public" and post.get("author_private"):
        return "followers"
    return audience


def is_public(post: dict) -> bool:
    """Whether anyone, signed in or not, may see ``post`` (not counting blocks)."""
    return not post.get("group_id") and effective_audience(post) == "public"


def can_view_post(viewer: str | None, post: dict) -> bool:
    """True when ``viewer`` (uid or ``None`` for anonymous) may see ``post`` (a Mongo doc).

    An ``only_me`` post, and a non-public one for an anonymous viewer, are
    refused without a graph read; an audience outside :data:`AUDIENCES` (a
    document no write path makes) is refused whatever the relationship."""
    author = post.get("author_id")
    if viewer and viewer == author:
        return True
    if viewer and author in relations.blocked_either_way(viewer):
        return False
    if post.get("group_id"):
        return any(reader(viewer, post["group_id"]) for reader in GROUP_READERS)
    audience = effective_audience(post)
    if audience == "public":
        return True
    if not viewer or audience == "only_me":
        return False
    rel = relations.relationship(viewer, author)
    if audience == "followers":
        return rel.following
    if audience == "friends":
        return rel.friends
    if audience == "close_friends":
        return rel.close_friend_of
    return False


def visible_with(viewer: str, post: dict, *, audience: dict[str, set[str]], blocked: set[str],
                 group_ids: list[str] | tuple = ()) -> bool:
    """In memory, the answer :func:`prefilter` gives for one post, from sets the
    caller already holds (``audience``: :func:`relations.audience_sets`,
    ``blocked``: :func:`relations.blocked_either_way`). Used where documents
    are fetched by id (the fan-out home feed) so that the database is not asked
    to evaluate large ``$in`` lists."""
    author = post.get("author_id")
    if author in blocked:
        return False
    if post.get("group_id"):
        return post["group_id"] in group_ids
    if author == viewer:
        return True
    audience_name = effective_audience(post)
    if audience_name == "public":
        return True
    key = {"followers": "following", "friends": "friends", "close_friends": "close_friend_of"}.get(audience_name)
    return bool(key) and author in audience[key]


def prefilter(viewer: str | None, *, audience: dict[str, set[str]] | None = None,
              group_ids: list[str] | None = None) -> dict:
    """A MongoDB filter matching exactly the posts ``viewer`` may see.

    ``audience``: a precomputed :func:`relations.audience_sets` result. Group
    posts are left out of general lists unless their group is in
    ``group_ids`` (groups whose content the caller has checked the viewer may
    read: a group's page, or the viewer's groups in the home feed).
    """
    if not viewer:
        flt = {**PUBLIC, "group_id": None}
        return {"$or": [flt, {"group_id": {"$in": list(group_ids)}}]} if group_ids else flt
    aud = audience if audience is not None else relations.audience_sets(viewer)
    ors: list[dict] = [{"author_id": viewer}, dict(PUBLIC)]
    for name, key in (("followers", "following"), ("friends", "friends"), ("close_friends", "close_friend_of")):
        if aud[key]:
            # followers also see the public posts of the private accounts they follow
            names = {"$in": ["followers", "public"]} if name == "followers" else name
            ors.append({"visibility": names, "author_id": {"$in": sorted(aud[key])}})
    flt: dict = {"$or": ors, "group_id": None}
    if group_ids:
        flt = {"$or": [flt, {"group_id": {"$in": list(group_ids)}}]}
    blocked = relations.blocked_either_way(viewer)
    if blocked:
        flt["author_id"] = {"$nin": sorted(blocked)}
    return flt


def mark_author_posts(uid: str, private: bool) -> int:
    """Set ``author_private`` on every non-group post of ``uid`` (the
    :data:`~socialgraph.graph.privacy.VISIBILITY_LISTENERS` entry) and drop
    their cached copies. Returns how many documents changed."""
    posts = stores.mongo().posts
    flt = {"author_id": uid, "group_id": None, "author_private": {"$ne": True} if private else True}
    ids = [d["_id"] for d in posts.find(flt, {"_id": 1})]
    if not ids:
        return 0
    changed = 0
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        changed += posts.update_many({"_id": {"$in": chunk}}, {"$set": {"author_private": private}}).modified_count
        postcache.forget_post(*chunk)  # the thread copies show nothing of the post
    return changed


privacy.register_visibility_listener(mark_author_posts)
