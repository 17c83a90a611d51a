"""Discovery: hashtag pages, tag counts and search for users and posts.

MongoDB's ``$text`` is not available on the local stand-in (SecantusDB), and
a text index would not honour audiences anyway, so posts carry a normalised
``keywords`` array (written by :mod:`socialgraph.content.posts` on create/edit) with a
multikey index ``(keywords, created_at, _id)``. A query is normalised the same
way and matched with ``$all`` (every word must occur), combined with the
visibility prefilter, newest first. Users are searched in the graph: prefix
of the username (unique index) or of a word of the display name.

Normalisation (:func:`keywords`): NFKC, case-folded, words of Unicode letters
and digits (``\\w+``) of 2..40 characters, hashtags without ``#``, at most 200
distinct terms per post; no stemming and no stop words.
"""
from __future__ import annotations

import unicodedata

from socialgraph import stores
from socialgraph.content.keywords import _terms
from socialgraph.content.posts import page_posts
from socialgraph.content.visibility import PUBLIC
from socialgraph.core.errors import ValidationFailed
from socialgraph.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from socialgraph.core.text import normalise_tag
from socialgraph.graph.relations import blocked_either_way

MAX_QUERY_TERMS = 8






def _query_terms(q: str) -> list[str]:
    terms = _terms(q)
    if not terms:
        raise ValidationFailed("empty search", errors=[{"field": "q", "message": "needs a word of 2+ characters"}])
    return terms[:MAX_QUERY_TERMS]


def search_posts(q: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """Posts containing every word of ``q`` (``#tag`` matches the hashtag and
    the word), that the viewer may see, newest first; cursor pagination.
    Raises :class:`ValidationFailed` (no usable word)."""

    terms = _query_terms(q)
    return page_posts({"keywords": {"$all": terms}}, cursor, limit, viewer)


def hashtag_posts(tag: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """The hashtag page: visible posts tagged ``tag`` (with or without ``#``,
    any case), newest first; cursor pagination."""

    return page_posts({"hashtags": normalise_tag(tag)}, cursor, limit, viewer)


def hashtag_count(tag: str) -> dict:
    """``{"tag", "posts_count"}``: how many public posts carry ``tag``
    (only public posts are counted, so the number reveals nothing private)."""
    t = normalise_tag(tag)
    n = stores.mongo().posts.count_documents({"hashtags": t, **PUBLIC, "group_id": None})
    return {"tag": t, "posts_count": n}


def search_users(q: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """Users whose username starts with ``q`` or whose display name has a word
    starting with ``q`` (case-insensitive), by username; users blocked either
    way are left out. Items ``{uid, username, display_name}``. Cursor = last username."""

    needle = unicodedata.normalize("NFKC", (q or "").strip().lstrip("@")).casefold()
    if not needle:
        raise ValidationFailed("empty search", errors=[{"field": "q", "message": "must not be empty"}])
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "u")
    rows = stores.graph().read("graph/users/search_users", q=needle, after=str(key["u"]) if key else "",
                                   exclude=sorted(blocked_either_way(viewer)), limit=limit + 1)
    next_cursor = encode_cursor({"u": rows[limit - 1]["username"]}) if len(rows) > limit else None
    return Page([{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"]}
                 for r in rows[:limit]], next_cursor)
