"""Comment threads on posts: nested replies (``parent_id``, ``root_id``,
``depth``), edits, soft and hard deletion, stored in MongoDB ``comments``
(document shape in :mod:`socialgraph.content.posts`).
"""
from __future__ import annotations

import logging

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.content import postcache
from socialgraph.content.reactions import viewer_reactions
from socialgraph.content.warm import thread_copy
from socialgraph.content.posts import (
    MAX_COMMENT,
    _check_text,
    _hidden_from,
    _mention_events,
    _visible_doc,
)
from socialgraph.core import clock, events
from socialgraph.core.errors import Forbidden, NotFound
from socialgraph.core.pagination import (
    Page,
    as_utc,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.graph.people import short_profiles
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache
from socialgraph.stores.documents import parse_id

log = logging.getLogger(__name__)


def _db():
    return stores.mongo()


#: replies shown inline under each comment of a thread page, per level
INLINE_REPLIES = 3


INLINE_DEPTH = 3


def _comment_hidden(doc: dict, viewer: str | None) -> bool:
    """A comment is hidden from ``viewer`` if its author or its post's author blocks them (either way)."""
    if not viewer:
        return False
    post = postcache.get_post(doc["post_id"]) or {}
    return _hidden_from(viewer, doc.get("author_id"), post.get("author_id"))


# -- comments ---------------------------------------------------------------
def add_comment(post_id: str, author_id: str, text: str, parent_id: str | None = None) -> dict:
    """Comment on a post, or reply to a comment of it (``parent_id``).

    Returns the comment. Raises :class:`NotFound` (post deleted or hidden
    from the author, parent gone or deleted, or the parent belongs to another
    post, also when the post or parent is deleted at the same moment: both are
    checked by conditional writes in MongoDB, not in a cached copy) and
    :class:`ValidationFailed`. Publishes ``comment.created`` and ``user.mentioned``.
    """
    text = _check_text(text, MAX_COMMENT)
    post = _visible_doc(post_id, author_id)
    db = _db()
    parent = None
    if parent_id:
        # reserve the parent first: its reply_count goes up only while it is
        # still a live comment of this post, so a deletion racing this reply
        # sees the reply coming and leaves a placeholder instead of
        # hard-deleting (delete_comment deletes only at reply_count 0)
        parent_oid = parse_id(parent_id, "comment")
        try:
            parent = db.comments.find_one_and_update(
                {"_id": parent_oid, "post_id": post["_id"], "deleted": False},
                {"$inc": {"reply_count": 1}}, return_document=ReturnDocument.AFTER)
        except PyMongoError:  # applied, and only its answer lost? the job recounts the parent
            _settle_later(post["_id"], None, parent_oid)
            raise
        if parent is None:
            raise NotFound("parent comment not found")
    now = clock.now()
    doc = {
        "post_id": post["_id"], "parent_id": parent["_id"] if parent else None,
        "root_id": (parent.get("root_id") or parent["_id"]) if parent else None,
        "depth": (parent["depth"] + 1) if parent else 0,
        "author_id": author_id, "text": text, "created_at": now, "edited_at": None,
        "reply_count": 0, "deleted": False, "counts": {"reactions": {}},
    }
    if post.get("group_id"):
        doc["group_id"] = post["group_id"]  # group activity figures
    # whatever happens from the insert on, the post's copies are dropped at the
    # end, so the thread copy shows what MongoDB holds (issue 22 fault test)
    done = False
    try:
        try:
            doc["_id"] = db.comments.insert_one(doc).inserted_id
        except Exception:  # applied, and only its answer lost? (pymongo set doc["_id"] before sending)
            _unknown_outcome(db, post["_id"], doc.get("_id"), parent, counted=False)
            raise
        # the post must still exist, asked of the store after the insert: if it
        # was deleted meanwhile its purge may already have run, so the comment
        # takes itself out again (a purge running later finds it anyway)
        try:
            counted = db.posts.update_one({"_id": post["_id"]}, {"$inc": {"counts.comments": 1}}).matched_count
        except PyMongoError:  # the writer is answered an error: the comment goes again
            _unknown_outcome(db, post["_id"], doc["_id"], parent, counted=None)
            raise
        if not counted:
            db.comments.delete_one({"_id": doc["_id"]})
            raise NotFound("post not found")
        done = True
    finally:
        if not done:  # a step failed, or the post went: drop, do not make again
            postcache.forget(post["_id"])
    postcache.written(post["_id"], post=True, thread=True)  # the count and the thread, made again at once
    cid = str(doc["_id"])
    events.publish("comment.created", comment_id=cid, post_id=str(post["_id"]), author_id=author_id,
                   post_author_id=post["author_id"], parent_author_id=parent["author_id"] if parent else "")
    _mention_events(text, author_id, str(post["_id"]), cid)
    return _present_comments([doc])[0]


#: seconds after a comment write that failed half-way before
#: :func:`settle_comment` runs for it as a job (past the store timeouts of
#: every other write of the same post still under way then, whose own
#: ``$inc`` a recount made before it lands would miss or count twice)
SETTLE_SECONDS = 10


def _unknown_outcome(db, post_oid, comment_oid, parent: dict | None, counted: bool | None) -> None:
    """A comment write whose step raised (its outcome unknown: MongoDB may have
    applied it and lost the answer) and whose writer is answered the error: the
    comment is taken out again (unless a reply hangs under it already), the
    parent's reservation undone once the comment is known gone, and, when the
    post's ``$inc`` may have been applied (``counted`` None), the post's
    ``counts.comments`` recounted from the stored comments at once; then
    :func:`settle_comment` is queued :data:`SETTLE_SECONDS` later to do it all
    again, idempotently (also what a MongoDB that fails again here leaves)."""
    parent_settled = parent is None
    try:
        gone = True
        if comment_oid is not None:
            gone = bool(db.comments.delete_one(
                {"_id": comment_oid, "reply_count": {"$not": {"$gt": 0}}}).deleted_count) \
                or db.comments.find_one({"_id": comment_oid}, {"_id": 1}) is None
        if gone and parent is not None:  # the reservation was applied (its answer came): undo it exactly once
            db.comments.update_one({"_id": parent["_id"]}, {"$inc": {"reply_count": -1}})
            parent_settled = True
        if counted is None:
            _recount_comments(db, post_oid)
        elif gone and parent_settled:
            return  # nothing counted, nothing left: exact already
    except PyMongoError as exc:
        log.warning("comment %s on post %s: could not settle after a failed write now: %s",
                    comment_oid, post_oid, exc)
    _settle_later(post_oid, comment_oid, None if parent_settled else parent["_id"])


def _settle_later(post_oid, comment_oid, parent_oid, withdraw: bool = True) -> None:
    """Queue :func:`settle_comment` for these ids in :data:`SETTLE_SECONDS`;
    a queue that fails too is logged (the doctor's ``counters`` check is left)."""
    args = (str(post_oid), str(comment_oid) if comment_oid else None, str(parent_oid) if parent_oid else None,
            withdraw)
    try:
        stores.tasks().enqueue_debounced(f"settle-comment:{args[1] or args[2] or args[0]}", SETTLE_SECONDS,
                                         "jobs.posts.settle_comment", *args)
    except Exception as exc:  # noqa: BLE001 - the writer is answered its own error, not this one
        log.warning("could not queue the settling of comment %s on post %s: %s", args[1], args[0], exc)


def _recount_comments(db, post_oid) -> int:
    """Set the post's ``counts.comments`` to its live comments as stored
    (placeholders, ``deleted: true``, not counted: the doctor's ``counters``
    rule); returns the count. One indexed count and one update."""
    n = db.comments.count_documents({"post_id": post_oid, "deleted": {"$ne": True}})
    db.posts.update_one({"_id": post_oid}, {"$set": {"counts.comments": n}})
    return n


def settle_comment(post_id: str, comment_id: str | None = None, parent_id: str | None = None,
                   withdraw: bool = True) -> dict:
    """Make the stored counts agree with the stored comments after a comment
    write whose writer was answered an error (a step raised after MongoDB may
    have applied it): the comment ``comment_id`` (if given) is taken out
    unless a reply hangs under it (``withdraw``: a new comment; a deletion
    passes False and the comment stays as it is), its reactions go if it is
    gone or a placeholder; the post's
    ``counts.comments`` and, with ``parent_id``, the parent's ``reply_count``
    are recounted from the stored comments (the doctor's ``counters`` rules)
    and set; the post's copies are dropped. Idempotent (run as the job
    ``jobs.posts.settle_comment``, :data:`SETTLE_SECONDS` after the write).

    Returns ``{"withdrawn": bool, "comments": n, "replies": m | None}``.
    Raises :class:`pymongo.errors.PyMongoError` while MongoDB does not answer
    (the job is retried)."""
    db = _db()
    post_oid = parse_id(post_id, "post")
    withdrawn = False
    if comment_id:
        cid = parse_id(comment_id, "comment")
        if withdraw:
            withdrawn = bool(db.comments.delete_one(
                {"_id": cid, "reply_count": {"$not": {"$gt": 0}}}).deleted_count)
        left = None if withdrawn else db.comments.find_one({"_id": cid}, {"deleted": 1})
        if left is None or left.get("deleted"):
            db.reactions.delete_many({"target": f"comment:{cid}"})
    replies = None
    if parent_id:
        parent_oid = parse_id(parent_id, "comment")
        replies = db.comments.count_documents({"post_id": post_oid, "parent_id": parent_oid})
        db.comments.update_one({"_id": parent_oid}, {"$set": {"reply_count": replies}})
    n = _recount_comments(db, post_oid)
    postcache.forget(post_oid)
    return {"withdrawn": withdrawn, "comments": n, "replies": replies}


def _present_comments(docs: list[dict]) -> list[dict]:
    authors = short_profiles([d["author_id"] for d in docs if not d.get("deleted")])
    out = []
    for d in docs:
        deleted = bool(d.get("deleted"))
        a = authors.get(d["author_id"]) if not deleted else None
        out.append({
            "id": str(d["_id"]), "post_id": str(d["post_id"]),
            "parent_id": str(d["parent_id"]) if d.get("parent_id") else None,
            "depth": d["depth"],
            "author": None if deleted else {"uid": d["author_id"], "username": a and a["username"],
                                            "display_name": a and a["display_name"],
                                            "avatar_id": a and a.get("avatar_id")},
            "text": None if deleted else d["text"], "deleted": deleted,
            "created_at": d["created_at"], "edited_at": d.get("edited_at"),
            "reply_count": d.get("reply_count", 0),
            "reactions": {k: v for k, v in (d.get("counts", {}).get("reactions") or {}).items() if v > 0},
            "viewer_reaction": None,
        })
    return out


def _with_viewer_reactions(items: list[dict], viewer: str | None) -> None:
    """Fill ``viewer_reaction`` of ``items`` and their nested ``replies`` (one lookup)."""
    if not viewer:
        return
    everything, todo = [], list(items)
    while todo:
        it = todo.pop()
        everything.append(it)
        todo.extend(it.get("replies") or [])
    mine = viewer_reactions(viewer, [f"comment:{it['id']}" for it in everything if not it["deleted"]])
    for it in everything:
        it["viewer_reaction"] = mine.get(f"comment:{it['id']}")


def get_comment(comment_id: str, viewer: str | None) -> dict:
    """One comment (without ``replies``), with its reaction counts and the
    viewer's reaction: what a client re-reads when told a comment changed.
    A deleted placeholder comes as ``deleted: true`` without author or text.
    Raises :class:`NotFound` (unknown, post hidden from ``viewer``, author
    blocked either way)."""
    doc = _db().comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or _comment_hidden(doc, viewer):
        raise NotFound("comment not found")
    _visible_doc(str(doc["post_id"]), viewer)  # NotFound when the post is hidden from the viewer
    item = _present_comments([doc])[0]
    item["replies"] = []
    _with_viewer_reactions([item], viewer)
    return item


def list_comments(post_id: str, parent_id: str | None = None, cursor: str | None = None,
                  limit: int | None = None, viewer: str | None = None) -> Page:
    """One level of a thread, oldest first, each comment with up to
    ``INLINE_REPLIES`` replies nested ``INLINE_DEPTH`` levels deep (``replies``)
    and its ``reply_count``; fetch more of a level with ``parent_id`` + cursor.
    Comments by users blocked either way are left out. Raises
    :class:`NotFound` (also when ``viewer`` may not see the post)."""

    post = _visible_doc(post_id, viewer)
    blocked = sorted(blocked_either_way(viewer))
    db = _db()
    parent_oid = None
    if parent_id:
        parent_oid = parse_id(parent_id, "comment")
        if not db.comments.find_one({"_id": parent_oid, "post_id": post["_id"]}, {"_id": 1}):
            raise NotFound("comment not found")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    flt: dict = {"post_id": post["_id"], "parent_id": parent_oid}
    if blocked:
        flt["author_id"] = {"$nin": blocked}
    if key:
        at, oid = ms_to_datetime(key["at"]), parse_id(str(key["id"]), "cursor")
        flt = {"$and": [flt, {"$or": [{"created_at": {"$gt": at}}, {"created_at": at, "_id": {"$gt": oid}}]}]}
    # the first page as a viewer who blocks nobody sees it is the thread copy
    # (socialgraph.content.warm): its version is read before the store reads
    copy_key = postcache.THREAD_KEY.format(id=post["_id"]) if not parent_id and not key and not blocked else None
    version = None
    if copy_key:
        try:
            version = readcache.get_many([copy_key])[1][0]
        except RedisError:
            copy_key = None
    items, next_cursor, fetched = _level(post["_id"], flt, limit, blocked)
    if copy_key:
        _store_thread_copy(copy_key, version, limit, items, next_cursor, fetched)
    _with_viewer_reactions(items, viewer)
    return Page(items, next_cursor)


def _level(post_oid, flt: dict, limit: int, blocked: list[str]) -> tuple[list[dict], str | None, list]:
    """``(items with their nested replies, next cursor, uids of every comment
    read)`` of one page of a thread level matching ``flt``, oldest first."""
    docs = list(_db().comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(limit + 1))
    fetched = [d.get("author_id") for d in docs]
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["created_at"]), "id": str(last["_id"])})
    items = _present_comments(docs[:limit])
    _attach_replies(post_oid, items, INLINE_DEPTH, blocked, fetched)
    return items, next_cursor, fetched


def rebuild_thread_copy(post_oid) -> tuple[bytes, int]:
    """``(value, TTL seconds)`` of a post's thread copy read from the store now,
    as :func:`list_comments` makes it for its first page at the default page
    size (``limit`` absent or 20: what clients send), for the writer of a
    comment (new, edit, deletion, reaction) to store after its durable write
    under the version its bump answered
    (:func:`socialgraph.content.postcache.written`), so the next reader of the
    thread finds it warm. Cost: one ``find`` for the top level and one per
    comment with replies per inline level, the authors' short profiles (one
    ``MGET`` when copied)."""
    limit = clamp_limit(None)
    items, next_cursor, fetched = _level(post_oid, {"post_id": post_oid, "parent_id": None}, limit, [])
    return _thread_value(limit, items, next_cursor, fetched), THREAD_COPY_SECONDS


postcache.register_thread_builder(rebuild_thread_copy)


#: seconds a thread copy lives (every comment write drops it before; the TTL
#: bounds what a repair outside the service functions, e.g. the doctor's, leaves)
THREAD_COPY_SECONDS = 300


def _copy_item(it: dict, shorts: list[str], ids: list[str]) -> dict:
    """A comment item as ``CommentOut`` dumps it, ``author`` as the uid (or None)."""
    if not it["deleted"]:
        ids.append(it["id"])
        shorts.append(it["author"]["uid"])
    return {"id": it["id"], "post_id": it["post_id"], "parent_id": it["parent_id"], "depth": it["depth"],
            "author": None if it["author"] is None else it["author"]["uid"], "text": it["text"],
            "deleted": it["deleted"], "created_at": as_utc(it["created_at"]).isoformat(),
            "edited_at": None if it.get("edited_at") is None else as_utc(it["edited_at"]).isoformat(),
            "reply_count": it["reply_count"], "reactions": {str(k): int(v) for k, v in it["reactions"].items()},
            "viewer_reaction": None, "replies": [_copy_item(r, shorts, ids) for r in it["replies"]]}


def _thread_value(limit: int, items: list[dict], next_cursor, fetched) -> bytes:
    shorts: list[str] = []
    ids: list[str] = []
    page = {"items": [_copy_item(it, shorts, ids) for it in items], "next_cursor": next_cursor}
    return thread_copy(limit, page, fetched, list(dict.fromkeys(shorts)), ids)


def _store_thread_copy(copy_key: str, version: str, limit: int, items: list[dict], next_cursor, fetched) -> None:
    readcache.put_many([(copy_key, version, _thread_value(limit, items, next_cursor, fetched))], THREAD_COPY_SECONDS)


def _attach_replies(post_oid, items: list[dict], depth_left: int, blocked: list[str] = (),
                    fetched: list | None = None) -> None:
    if depth_left <= 0 or not items:
        for it in items:
            it["replies"] = []
        return
    with_replies = [it for it in items if it["reply_count"]]
    for it in items:
        it["replies"] = []
    if not with_replies:
        return
    # one query per parent (the first INLINE_REPLIES replies of each), one
    # short-profile lookup per level (for every parent's replies together)
    children: list[dict] = []
    per_parent: list[tuple[dict, int]] = []
    level_docs: list[dict] = []
    for it in with_replies:
        flt = {"post_id": post_oid, "parent_id": ObjectId(it["id"])}
        if blocked:
            flt["author_id"] = {"$nin": list(blocked)}
        docs = list(_db().comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(INLINE_REPLIES))
        if fetched is not None:
            fetched.extend(d.get("author_id") for d in docs)
        per_parent.append((it, len(docs)))
        level_docs.extend(docs)
    presented = _present_comments(level_docs)
    at = 0
    for it, k in per_parent:
        it["replies"] = presented[at:at + k]
        at += k
        children.extend(it["replies"])
    _attach_replies(post_oid, children, depth_left - 1, blocked, fetched)


def edit_comment(comment_id: str, editor: str, text: str) -> dict:
    """Replace a comment's text (its author only). Raises :class:`NotFound`
    (gone, deleted), :class:`Forbidden`, :class:`ValidationFailed`."""
    text = _check_text(text, MAX_COMMENT)
    doc = _db().comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted") or _comment_hidden(doc, editor):
        raise NotFound("comment not found")
    if doc["author_id"] != editor:
        raise Forbidden("only the author can edit this comment")
    try:
        doc = _db().comments.find_one_and_update(
            {"_id": doc["_id"]}, {"$set": {"text": text, "edited_at": clock.now()}},
            return_document=ReturnDocument.AFTER)
    except BaseException:  # also when the answer is lost: the edit may have been applied
        postcache.forget_thread(doc["post_id"])
        raise
    postcache.written(doc["post_id"], post=False, thread=True)
    item = _present_comments([doc])[0]
    _with_viewer_reactions([item], editor)
    return item


def delete_comment(comment_id: str, actor: str, *, moderator: bool = False) -> None:
    """Delete a comment (its author, the post's author or a moderator). One
    with replies stays as a placeholder (``deleted: true``, no text or
    author) until its last reply is deleted; the choice is a conditional
    write, so a reply arriving at the same moment is never orphaned. Raises
    :class:`NotFound`, :class:`Forbidden`."""
    db = _db()
    doc = db.comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted") or _comment_hidden(doc, actor):
        raise NotFound("comment not found")
    post = db.posts.find_one({"_id": doc["post_id"]}, {"author_id": 1})
    if not moderator and actor != doc["author_id"] and not (post and post["author_id"] == actor):
        raise Forbidden("only the comment's or the post's author can delete this comment")
    if not _remove(db, doc):
        raise NotFound("comment not found")  # a racing deletion won


def erase_comments_of(uid: str) -> dict:
    """Account erasure: every live comment of ``uid`` is deleted as if its
    author deleted it (:func:`delete_comment`: hard-deleted, or a placeholder
    while replies hang under it; uncounted either way), then every
    placeholder left with their id is anonymised (``author_id: None``,
    ``anonymised: true``). One rule for a comment whose content is gone,
    whoever removed it: the post's ``counts.comments`` counts live comments
    only (the doctor's ``counters`` check recounts it so).

    Returns ``{"comments_deleted": n, "comments_anonymised": m}``; a batch of
    :data:`ERASE_BATCH` comments per query, so a heavy commenter is erased
    in bounded reads.
    """
    db = _db()
    deleted = 0
    while True:
        page = list(db.comments.find({"author_id": uid, "deleted": False}, limit=ERASE_BATCH))
        if not page:
            break
        for doc in page:
            deleted += bool(_remove(db, doc, rewrite=False))  # False: a racing deletion won, already uncounted
    posts_of = db.comments.distinct("post_id", {"author_id": uid})
    anonymised = db.comments.update_many({"author_id": uid}, {"$set": {
        "author_id": None, "text": "", "deleted": True, "anonymised": True}}).modified_count
    postcache.forget_thread(*posts_of)
    return {"comments_deleted": deleted, "comments_anonymised": anonymised}


#: comments read per query by :func:`erase_comments_of`
ERASE_BATCH = 500


def _remove(db, doc: dict, rewrite: bool = True) -> bool:
    """Delete the live comment ``doc`` (no permission check): ``False`` when a
    racing deletion won. ``rewrite``: make the post and thread copies again at
    once (:func:`postcache.written`); an erasure removing many comments only
    drops them (:func:`postcache.forget`), once per comment."""
    # hard-delete only if it still has no replies at this moment (a reply
    # reserves its parent by raising reply_count first, see add_comment);
    # otherwise it stays as a placeholder. Either write matches only a live
    # comment, so of two racing deletions one counts. The post's copies are
    # dropped at the end also when a step fails half-way, so the thread copy
    # never shows a comment MongoDB no longer holds; the count is recounted
    # (at once, and by settle_comment's job later).
    done = False
    try:
        hard = not doc.get("reply_count") and db.comments.delete_one(
            {"_id": doc["_id"], "deleted": False, "reply_count": {"$not": {"$gt": 0}}}).deleted_count
        if not hard:
            if not db.comments.update_one({"_id": doc["_id"], "deleted": False},
                                          {"$set": {"deleted": True, "text": ""}}).matched_count:
                return False
        else:
            parent_id = doc.get("parent_id")
            while parent_id:  # a placeholder whose last reply goes is removed too (already uncounted)
                parent = db.comments.find_one_and_update({"_id": parent_id}, {"$inc": {"reply_count": -1}},
                                                         return_document=ReturnDocument.AFTER)
                if not parent or not parent.get("deleted") or parent.get("reply_count", 0) > 0:
                    break
                db.comments.delete_one({"_id": parent["_id"], "deleted": True, "reply_count": {"$lte": 0}})
                parent_id = parent.get("parent_id")
        db.reactions.delete_many({"target": f"comment:{doc['_id']}"})
        db.posts.update_one({"_id": doc["post_id"]}, {"$inc": {"counts.comments": -1}})
        done = True
    except PyMongoError:  # a step raised, maybe applied: recount now and again later, as a new comment's
        try:
            _recount_comments(db, doc["post_id"])
        except PyMongoError as exc:
            log.warning("comment %s: could not recount post %s after a failed deletion: %s",
                        doc["_id"], doc["post_id"], exc)
        _settle_later(doc["post_id"], doc["_id"], doc.get("parent_id"), withdraw=False)
        raise
    finally:
        if not done:  # a step failed or a racing deletion won: drop, do not make again
            postcache.forget(doc["post_id"])
    if rewrite:
        postcache.written(doc["post_id"], post=True, thread=True)
    else:
        postcache.forget(doc["post_id"])
    return True


#: comments of one post that :func:`thread` returns at most
THREAD_MAX = 500


def thread(post_id: str, viewer: str | None = None, limit: int = THREAD_MAX) -> list[dict]:
    """The whole comment tree of a post the viewer may see, flattened in
    reading order (each comment followed by its replies, depth first, oldest
    first at every level), at most ``limit`` (<= :data:`THREAD_MAX`) comments,
    the oldest kept. Comments by users blocked either way are left out with
    their replies; deleted placeholders stay (``deleted: true``). Items as
    :func:`list_comments` items without ``replies``. Raises :class:`NotFound`.
    Used by Mastodon's ``/statuses/:id/context`` (descendants)."""
    post = _visible_doc(post_id, viewer)
    limit = max(1, min(int(limit), THREAD_MAX))
    blocked = sorted(blocked_either_way(viewer))
    flt: dict = {"post_id": post["_id"]}
    docs = list(_db().comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(limit))
    children: dict = {}
    for d in docs:
        children.setdefault(d.get("parent_id"), []).append(d)
    ordered: list[dict] = []

    def walk(parent) -> None:
        for d in children.get(parent, ()):
            if d["author_id"] in blocked and not d.get("deleted"):
                continue  # a blocked author's comment goes with its replies
            ordered.append(d)
            walk(d["_id"])

    walk(None)
    return _present_comments(ordered)
