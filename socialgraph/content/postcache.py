"""Post documents by id, read through a Redis copy (``sg:post:<id>``).

Every list of posts (home feed above all) ends in "fetch these ids"; with the
copies a page is served from Redis alone in the common case. A copy holds
the fields :func:`socialgraph.content.posts.present_posts` and the visibility rule
read (not ``keywords`` or the edit ``history``), as JSON, for
``POST_CACHE_SECONDS`` (default 900 s). Every write to a post document drops
the copy after the store write (edit, delete, counts of comments, reactions
and shares, pins, imports of user data): :func:`forget` (the copy and the
thread copy), :func:`forget_post` (the copy alone, for writes that leave the
comments as they are), or :func:`written`, which instead keeps the copies
while the writer reads the store and replaces them before it answers
(write-through in place: the hot writes, reactions, comments, edits,
shares); the version check of :mod:`socialgraph.stores.readcache` keeps a
concurrent reader, or an earlier writer, from storing the old document again.

Each copy also carries the post's **viewer-independent API body**
(issue 22), serialised once when the copy is made: ``<document JSON>\n<body
JSON>`` (JSON never holds a raw newline). The body is the part of the
``FullPostOut`` shape that is the same for every viewer (:data:`BODY_FIELDS`:
id, kind, text, hashtags, mentions, visibility, sensitive, content warning,
dates, edited, counts, group id), encoded as marshmallow would dump it and
with sorted keys. What depends on the viewer or changes elsewhere is added
per request by the warm home page (:func:`socialgraph.feeds.home.warm_first_page`):
author (short profile copy), media (presigned URLs), the shared post,
``viewer_reaction``. Because the body lives in the same copy, every write
that drops the copy (:func:`forget`) drops the body with it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import orjson
from bson import ObjectId
from flask import current_app
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core.pagination import as_utc
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

KEY = "sg:post:{id}"
#: the first page of a post's comment thread, pre-serialised (:func:`socialgraph.content.warm.thread_copy`)
THREAD_KEY = "sg:cthread:{id}"
FIELDS = ("author_id", "text", "hashtags", "mentions", "visibility", "author_private", "sensitive", "content_warning", "kind",
          "media_ids", "share_of", "counts", "group_id", "created_at", "edited_at", "pinned_at")
_DATES = ("created_at", "edited_at", "pinned_at")
_OIDS = ("share_of",)


#: what a copy needs of a document (:func:`written` reads no more)
_PROJECTION = {f: 1 for f in FIELDS}

#: keys of :func:`body` (the viewer-independent part of a post's API shape)
BODY_FIELDS = ("content_warning", "counts", "created_at", "edited", "edited_at", "group_id", "hashtags", "id",
               "kind", "mentions", "sensitive", "text", "visibility")


def _iso(value) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _strs(values) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def body(doc: dict) -> dict:
    """The viewer-independent fields of a post in its API shape, as the
    ``FullPostOut`` schema dumps them (dates ISO 8601 UTC, counts with the
    positive reactions only and their total): ``{id, kind, text, hashtags,
    mentions, visibility, sensitive, content_warning, created_at, edited_at,
    edited, counts: {comments, shares, reactions, reactions_total}, group_id}``."""
    counts = doc.get("counts") or {}
    reactions = {str(k): int(v) for k, v in (counts.get("reactions") or {}).items() if v > 0}
    text = doc.get("text")
    return {
        "id": str(doc["_id"]), "kind": doc.get("kind") or "post",
        "text": None if text is None else str(text),
        "hashtags": _strs(doc.get("hashtags", [])), "mentions": _strs(doc.get("mentions", [])),
        "visibility": doc.get("visibility") or "public", "sensitive": bool(doc.get("sensitive")),
        "content_warning": doc.get("content_warning"),
        "created_at": _iso(doc["created_at"]), "edited_at": _iso(doc.get("edited_at")),
        "edited": bool(doc.get("edited_at")),
        "counts": {"comments": int(counts.get("comments", 0)), "shares": int(counts.get("shares", 0)),
                   "reactions": reactions, "reactions_total": sum(reactions.values())},
        "group_id": None if doc.get("group_id") is None else str(doc["group_id"]),
    }


def _dumps(doc: dict) -> bytes:
    """The copy: the document's :data:`FIELDS` as JSON (``_id`` and
    ``author_id`` first: the warm page's script reads the author from the
    head), a newline, the pre-serialised :func:`body`."""
    out = {"_id": str(doc["_id"]), "author_id": doc.get("author_id")}
    for f in FIELDS:
        if f not in doc:
            continue
        v = doc[f]
        if f in _DATES and v is not None:
            v = v.isoformat()
        elif f in _OIDS and v is not None:
            v = str(v)
        elif f == "media_ids":
            v = [str(m) for m in v or []]
        out[f] = v
    return orjson.dumps(out) + b"\n" + orjson.dumps(body(doc), option=orjson.OPT_SORT_KEYS)


def split_raw(raw: bytes) -> tuple[bytes, bytes | None]:
    """``(document JSON, body JSON or None)`` of a copy, both as the bytes stored
    (a copy made before bodies has none); nothing parsed."""
    head, _, tail = raw.partition(b"\n")
    return head, (tail or None)


def split(raw: bytes) -> tuple[dict, bytes | None]:
    """``(document fields as stored: ids and dates as strings, body JSON or None)``
    of a copy (a copy made before bodies has none): what the warm home page
    reads, without converting what it does not use."""
    head, tail = split_raw(raw)
    return orjson.loads(head), tail


def _loads(raw: bytes) -> dict:
    doc = orjson.loads(raw.partition(b"\n")[0])
    doc["_id"] = ObjectId(doc["_id"])
    for f in _DATES:
        if doc.get(f):
            d = datetime.fromisoformat(doc[f])
            doc[f] = d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    for f in _OIDS:
        if doc.get(f):
            doc[f] = ObjectId(doc[f])
    doc["media_ids"] = [ObjectId(m) for m in doc.get("media_ids") or []]
    return doc


def get_posts(ids: list) -> dict[str, dict]:
    """``post id (str) -> document`` for those of ``ids`` (str or ObjectId) that
    exist: copies from Redis, the rest from MongoDB in one ``$in`` find (then
    copied). Documents carry the fields of :data:`FIELDS` (all of them when
    read from MongoDB). Falls back to MongoDB alone when Redis is away."""
    keys_of = {str(i): KEY.format(id=i) for i in ids}
    if not keys_of:
        return {}
    sids = list(keys_of)
    try:
        copies, versions = readcache.get_many([keys_of[s] for s in sids])
    except RedisError:
        copies, versions = [None] * len(sids), None
    out: dict[str, dict] = {}
    missing: dict[str, str] = {}
    for sid, raw, v in zip(sids, copies, versions or ["0"] * len(sids)):
        if raw:
            out[sid] = _loads(raw)
        else:
            missing[sid] = v
    if missing:
        oids = []
        for sid in missing:
            try:
                oids.append(ObjectId(sid))
            except Exception:  # noqa: BLE001 - not an id: not a post
                continue
        found = {str(d["_id"]): d for d in stores.mongo().posts.find({"_id": {"$in": oids}})}
        out.update(found)
        if versions is not None:
            readcache.put_many(((keys_of[s], missing[s], _dumps(d)) for s, d in found.items()),
                               int(current_app.config["POST_CACHE_SECONDS"]))
    return out


def get_post(post_id) -> dict | None:
    """One document by id (see :func:`get_posts`), or None."""
    return get_posts([post_id]).get(str(post_id))


def forget(*post_ids) -> None:
    """After a write that changes these posts' documents *and* their comment
    threads (deletion, a comment counted or uncounted): drop their copies and
    their thread copies (versioned)."""
    ids = [p for p in post_ids if p is not None]
    readcache.invalidate(*[KEY.format(id=p) for p in ids], *[THREAD_KEY.format(id=p) for p in ids])


def forget_post(*post_ids) -> None:
    """After a write to these posts' documents that leaves their comments as
    they are (edit, reaction, share count, pin, privacy, counter repair): drop
    their copies, not their thread copies. A thread copy
    (:func:`socialgraph.content.warm.thread_copy`) holds the comments alone
    (ids, authors as uids, texts, dates, counts); what it shows of the post,
    whether the viewer may see it, the warm thread reads from the post copy
    in the same script, so a thread copy outlives every post-only write."""
    readcache.invalidate(*[KEY.format(id=p) for p in post_ids if p is not None])


def forget_thread(*post_ids) -> None:
    """After a write to a comment of these posts (edit, reaction, erasure) that
    leaves the post document as it is: drop their thread copies (versioned)."""
    readcache.invalidate(*[THREAD_KEY.format(id=p) for p in post_ids if p is not None])


#: ``(post ObjectId) -> (value bytes, TTL seconds)``: a post's thread copy read
#: from the store now (registered by :mod:`socialgraph.content.comments`, which imports this module)
_THREAD_BUILDERS: list = []


def register_thread_builder(build) -> None:
    """Register the function :func:`written` calls to read a thread copy again
    from the store (one; a later registration replaces it)."""
    _THREAD_BUILDERS[:] = [build]


def written(post_id, *, post: bool = True, thread: bool = False) -> dict | None:
    """After the durable write to one post's document (``post``) and/or to its
    comment thread (``thread``): make those copies again at once from the store
    (**write-through in place**, issue 22), so no reader leaves the warm path
    for it: the copies that are there are *kept* while the writer reads the
    store (:func:`socialgraph.stores.readcache.keep_versions`: the version
    bumped, the copy served for at most ``readcache.KEPT_MS`` more), then
    replaced (:func:`socialgraph.stores.readcache.replace_or_drop`). Before
    this, the copies were dropped first: every reader of the post between the
    drop and the rebuild (tens of ms on a busy store) paid the general path on
    the store the writer was busy with, and a second write in that window
    found no copy, made none, and made the first writer's copy refused: the
    copy stayed gone until the next reader made it.

    Readers meanwhile are served the state before this write, which is not
    answered yet: the writer is answered after the copies are replaced or
    dropped. Exactly right by the versions: the bump answers the new versions,
    the store is read after it, and a copy is stored only if no later write
    bumped the version meanwhile; if one did, the kept (old) copy is dropped
    unless the later writer or a reader made it again already. A copy that was
    not there is not made (a post nobody reads stays out of Redis). The
    writer's cost: the bump (one round trip, as :func:`forget`), for a post
    copy one ``find`` by id, for a thread copy the thread builder (the first
    page at the default page size: one ``find`` per level with replies, the
    authors' short profiles), then one round trip for both copies.

    Returns the post document read from MongoDB (its :data:`FIELDS`) when the
    post copy was made again (what a reaction answers its counts from), else
    None. Redis away: the keys are kept as :func:`forget` keeps them, nothing
    is made. A store failing while a copy is made again is logged, not raised,
    and its kept copy dropped (:func:`socialgraph.stores.readcache.invalidate`):
    the write is durable, so the writer must not be answered an error it would
    retry (a second comment), nor be shown the copy without its write."""
    if post_id is None:
        return None
    oid = post_id if isinstance(post_id, ObjectId) else ObjectId(str(post_id))
    kinds = ([("post", KEY.format(id=oid))] if post else []) + ([("thread", THREAD_KEY.format(id=oid))] if thread else [])
    bumped = readcache.keep_versions(*[key for _, key in kinds])
    if not bumped:
        return None
    doc = None
    made: list[tuple[str, str, bytes, int]] = []
    for (kind, key), (version, existed) in zip(kinds, bumped):
        if not existed:
            continue
        try:
            if kind == "post":
                doc = stores.mongo().posts.find_one({"_id": oid}, _PROJECTION)  # not the edit history
                if doc is None:
                    readcache.invalidate(key)
                    continue
                made.append((key, version, _dumps(doc), int(current_app.config["POST_CACHE_SECONDS"])))
            elif _THREAD_BUILDERS:
                made.append((key, version, *_THREAD_BUILDERS[0](oid)))
            else:
                readcache.invalidate(key)
        except (RedisError, PyMongoError) as exc:  # the write is done: the kept copy goes, a reader makes it
            log.warning("could not make the %s copy of %s again: %s", kind, oid, exc)
            readcache.invalidate(key)
            if kind == "post":
                doc = None
    readcache.replace_or_drop(made)  # one round trip for both
    return doc
