"""Discovery: hashtag pages, tag counts and search for users and posts.

MongoDB's ``$text`` is not available on the local stand-in (SecantusDB), and
a text index would not honour audiences anyway, so posts carry a normalised
``keywords`` array (:mod:`socialgraph.content.keywords`: folded, accent-free,
Snowball-stemmed words and ``#tag`` terms; written on create/edit, by the
importers and the archive import, and backfilled by ``socialgraph search
reindex``) with a multikey index ``(keywords, created_at, _id)``.

Post search (:func:`search_posts`) normalises the query the same way, takes
up to :data:`SEARCH_CANDIDATES` visible posts (the visibility prefilter is
part of the query, so privacy and blocks hold): the newest with every term,
then the newest with some of them, and ranks them by relevance, then recency. Relevance is coordination
level matching (Salton & McGill, *Introduction to Modern Information
Retrieval*, 1983, ch. 4): the number of distinct query terms a post holds,
so posts with every word come first. How a larger deployment replaces this
behind the same function is in the README (search). Users are searched in
the graph: prefix of the username (unique index) or of a word of the display
name.
"""
from __future__ import annotations

import base64

from bson import ObjectId
from bson.errors import InvalidId
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.content.keywords import VERSION as KEYWORDS_VERSION
from socialgraph.content.keywords import keywords, query_terms
from socialgraph.content.posts import page_posts, present_posts
from socialgraph.content.visibility import PUBLIC, prefilter
from socialgraph.core.errors import MalformedRequest, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.core.text import fold, normalise_tag
from socialgraph.graph import usersearch
from socialgraph.graph.people import short_profiles
from socialgraph.graph.relations import blocked_either_way

MAX_QUERY_TERMS = 8
#: newest matching posts ranked per search: bounds the work of one query (a
#: term as common as "beer" on the beer site would otherwise rank every post)
SEARCH_CANDIDATES = 1000


def _query_terms(q: str) -> list[str]:
    terms = query_terms(q)
    if not terms:
        raise ValidationFailed("empty search", errors=[{"field": "q", "message": "needs a word of 2+ characters"}])
    return terms[:MAX_QUERY_TERMS]


def search_posts(q: str, viewer: str | None, cursor: str | None = None, limit: int | None = None) -> Page:
    """Posts matching ``q`` that the viewer may see, most relevant first
    (how many of the query's terms they hold), then newest; cursor
    pagination (cursor = the last item's score, created_at and id).

    ``q``: words (any case and accents, any inflection: "Hops" finds "hop")
    and ``#tags`` (the tag only); a word also finds posts tagged with it.
    Raises :class:`ValidationFailed` (no usable word),
    :class:`MalformedRequest` (bad cursor)."""
    terms = _query_terms(q)
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "s", "at", "id")
    if key:
        try:
            after = (int(key["s"]), ms_to_datetime(key["at"]), ObjectId(str(key["id"])))
        except (InvalidId, TypeError, ValueError):
            raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
    db = stores.mongo()
    visible = prefilter(viewer)
    newest = [("created_at", -1), ("_id", -1)]
    # the posts with every term first, so common words in the query ("what", "an")
    # cannot push them out of the candidates; then those with some of them
    cands = list(db.posts.find({"$and": [{"keywords": {"$all": terms}}, visible]}, {"keywords": 1, "created_at": 1})
                 .sort(newest).limit(SEARCH_CANDIDATES))
    if len(terms) > 1 and len(cands) < SEARCH_CANDIDATES:
        cands += list(db.posts.find({"$and": [{"keywords": {"$in": terms}}, visible,
                                              {"_id": {"$nin": [d["_id"] for d in cands]}}]},
                                    {"keywords": 1, "created_at": 1})
                      .sort(newest).limit(SEARCH_CANDIDATES - len(cands)))
    wanted = set(terms)
    ranked = sorted(((len(wanted.intersection(d.get("keywords") or ())), d["created_at"], d["_id"])
                     for d in cands), reverse=True)
    if key:
        ranked = [r for r in ranked if r < after]
    page = ranked[:limit]
    by_id = {d["_id"]: d for d in db.posts.find({"_id": {"$in": [r[2] for r in page]}})}
    docs = [by_id[r[2]] for r in page if r[2] in by_id]
    next_cursor = None
    if len(ranked) > limit:
        s, at, oid = page[-1]
        next_cursor = encode_cursor({"s": s, "at": datetime_to_ms(at), "id": str(oid)})
    return Page(present_posts(docs, viewer), next_cursor)


def reindex_posts(batch: int = 1000, progress=None, everything: bool = False) -> dict:
    """Backfill the search terms of stored posts: every post whose
    ``keywords_v`` is not the current :data:`keywords.VERSION` (all posts with
    ``everything``) gets :func:`keywords.keywords` of its text and hashtags.
    Resumable (a re-run continues with the posts still to do) and safe next
    to live traffic (one bulk write per ``batch``; an edit meanwhile writes
    the same terms). ``progress(label, done, total)`` is called per batch.
    Returns ``{"posts": n updated, "total": n considered}``."""
    from pymongo import UpdateOne

    db = stores.mongo()
    flt = {} if everything else {"keywords_v": {"$ne": KEYWORDS_VERSION}}
    total = db.posts.count_documents(flt)
    done, last = 0, None
    while True:
        page_flt = {"$and": [flt, {"_id": {"$gt": last}}]} if last is not None else flt
        docs = list(db.posts.find(page_flt, {"text": 1, "hashtags": 1}).sort("_id", 1).limit(batch))
        if not docs:
            break
        db.posts.bulk_write([UpdateOne({"_id": d["_id"]}, {"$set": {
            "keywords": keywords(d.get("text") or "", d.get("hashtags") or []),
            "keywords_v": KEYWORDS_VERSION}}) for d in docs], ordered=False)
        done += len(docs)
        last = docs[-1]["_id"]
        if progress:
            progress("posts", done, total)
    return {"posts": done, "total": total}


def reindex(batch: int = 1000, progress=None, everything: bool = False) -> dict:
    """``socialgraph search reindex``: :func:`reindex_posts`, then a rebuild of
    the user-search index. Returns ``{"posts", "total", "users"}``."""
    out = reindex_posts(batch, progress, everything)
    out["users"] = usersearch.rebuild()
    return out


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
    """Users whose username or a display-name word starts with ``q`` (any
    case or accents; a leading ``@`` is ignored), ordered by the matching
    name, then uid; users blocked either way are left out. Items
    ``{uid, username, display_name, avatar_id, avatar_blurhash}``; cursor
    pagination. Answered from the Redis prefix index
    (:mod:`socialgraph.graph.usersearch`); while it is missing or being
    rebuilt, from the graph (a scan, ordered by username).
    Raises :class:`ValidationFailed` (empty ``q``), :class:`MalformedRequest` (bad cursor)."""

    needle = fold((q or "").strip().lstrip("@"))
    if not needle:
        raise ValidationFailed("empty search", errors=[{"field": "q", "message": "must not be empty"}])
    limit = clamp_limit(limit)
    exclude = blocked_either_way(viewer)
    key = decode_cursor(cursor, "k")
    if key is None or key["k"].startswith("i:"):
        after = None
        if key:
            try:
                after = base64.urlsafe_b64decode(key["k"][2:].encode())
            except (ValueError, TypeError):
                raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
        try:
            found = usersearch.search(needle, exclude, limit, after, profiles=short_profiles)  # None: not ready
            if found is None and key is None:
                usersearch.request_rebuild()  # a worker rebuilds it (inline when jobs run synchronously)
                found = usersearch.search(needle, exclude, limit, after, profiles=short_profiles)
        except RedisError:
            found = None  # Redis went away: the graph answers
        if found is not None:
            items, nxt = found
            return Page(items, encode_cursor({"k": "i:" + base64.urlsafe_b64encode(nxt).decode()}) if nxt else None)
        key = key if key and key["k"].startswith("g:") else None
    after = key["k"][2:] if key and key["k"].startswith("g:") else ""
    rows = stores.graph().read("graph/users/search_users", q=needle, after=after,
                               exclude=sorted(exclude), limit=limit + 1)
    next_cursor = encode_cursor({"k": "g:" + rows[limit - 1]["username"]}) if len(rows) > limit else None
    return Page([{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
                  "avatar_id": r.get("avatar_id"), "avatar_blurhash": r.get("avatar_blurhash")}
                 for r in rows[:limit]], next_cursor)
