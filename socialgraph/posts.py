"""Posts (statuses), comment threads and reactions, stored in MongoDB.

Documents:

- ``posts``: ``{_id: ObjectId, author_id, text, hashtags[], mentions[],
  created_at, edited_at, visibility, counts: {comments, reactions: {type: n}},
  source_key?}``
- ``comments``: ``{_id, post_id, parent_id, root_id, depth, author_id, text,
  created_at, edited_at, reply_count, deleted}``; a reply points at its parent
  and at the top-level comment of its thread (``root_id``).
- ``reactions``: ``{target: "post:<id>" | "comment:<id>", user_id, type,
  created_at}``, one per user and target (unique index).

Counters are kept on the post/comment with ``$inc`` in the same request as
the write they count. Only the author may edit or delete; a missing or
malformed id is a 404.
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from . import clock, extensions
from .errors import Forbidden, NotFound, ValidationFailed
from .pagination import Page, clamp_limit, decode_cursor, encode_cursor, ms_to_datetime, datetime_to_ms
from .text import extract_hashtags, extract_mentions

MAX_TEXT = 5000
MAX_COMMENT = 2000
REACTION_TYPES = ("like", "love", "laugh", "angry", "sad")
#: replies shown inline under each comment of a thread page, per level
INLINE_REPLIES = 3
INLINE_DEPTH = 3


def _db():
    return extensions.mongo()


def parse_id(value: str, what: str = "post") -> ObjectId:
    """``ObjectId`` of a client-given id; malformed ids are :class:`NotFound`."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"{what} not found")


def _check_text(text: str, limit: int, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(f"{field} is empty", errors=[{"field": field, "message": "must not be empty"}])
    if len(text) > limit:
        raise ValidationFailed(f"{field} is too long",
                               errors=[{"field": field, "message": f"at most {limit} characters"}])
    return text


# -- posts ------------------------------------------------------------------
def create_post(author_id: str, text: str) -> dict:
    """Create a post; returns it in :func:`present_posts` shape.

    ``text``: 1..5,000 characters; hashtags and @mentions are parsed and stored.
    Raises :class:`ValidationFailed`.
    """
    text = _check_text(text, MAX_TEXT)
    now = clock.now()
    doc = {
        "author_id": author_id, "text": text, "hashtags": extract_hashtags(text),
        "mentions": extract_mentions(text), "created_at": now, "edited_at": None,
        "visibility": "public", "counts": {"comments": 0, "reactions": {}},
    }
    doc["_id"] = _db().posts.insert_one(doc).inserted_id
    from . import events

    events.publish("post.created", post_id=str(doc["_id"]), author_id=author_id)
    return present_posts([doc], viewer=author_id)[0]


def _get_doc(post_id: str) -> dict:
    doc = _db().posts.find_one({"_id": parse_id(post_id)})
    if doc is None:
        raise NotFound("post not found")
    return doc


def get_post(post_id: str, viewer: str | None = None) -> dict:
    """One post. Raises :class:`NotFound`."""
    return present_posts([_get_doc(post_id)], viewer)[0]


def edit_post(post_id: str, editor: str, text: str) -> dict:
    """Replace the text (author only). Raises :class:`NotFound`, :class:`Forbidden`."""
    doc = _get_doc(post_id)
    if doc["author_id"] != editor:
        raise Forbidden("only the author can edit this post")
    text = _check_text(text, MAX_TEXT)
    updated = _db().posts.find_one_and_update(
        {"_id": doc["_id"], "author_id": editor},
        {"$set": {"text": text, "hashtags": extract_hashtags(text), "mentions": extract_mentions(text),
                  "edited_at": clock.now()},
         "$push": {"history": {"text": doc["text"], "at": doc.get("edited_at") or doc["created_at"]}}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise NotFound("post not found")
    return present_posts([updated], editor)[0]


def delete_post(post_id: str, actor: str) -> None:
    """Delete a post (author only); its comments and reactions are purged by a job."""
    doc = _get_doc(post_id)
    if doc["author_id"] != actor:
        raise Forbidden("only the author can delete this post")
    from . import events

    _db().posts.delete_one({"_id": doc["_id"]})
    events.publish("post.deleted", post_id=str(doc["_id"]), author_id=actor)


def purge_post(post_id: str) -> dict:
    """Remove comments and reactions of a deleted post (idempotent)."""
    oid = ObjectId(post_id)
    db = _db()
    comment_ids = [c["_id"] for c in db.comments.find({"post_id": oid}, {"_id": 1})]
    targets = [f"post:{post_id}"] + [f"comment:{c}" for c in comment_ids]
    reactions = db.reactions.delete_many({"target": {"$in": targets}}).deleted_count
    comments = db.comments.delete_many({"post_id": oid}).deleted_count
    return {"comments": comments, "reactions": reactions}


def present_posts(docs: list[dict], viewer: str | None = None) -> list[dict]:
    """API shape of posts: ``{id, author: {uid, username, display_name}, text,
    hashtags, mentions, created_at, edited_at, counts: {comments, reactions:
    {type: n}, reactions_total}, viewer_reaction}``."""
    from .users import short_profiles

    authors = short_profiles([d["author_id"] for d in docs])
    mine = {}
    if viewer and docs:
        targets = [f"post:{d['_id']}" for d in docs]
        mine = {r["target"]: r["type"] for r in
                _db().reactions.find({"target": {"$in": targets}, "user_id": viewer}, {"target": 1, "type": 1})}
    out = []
    for d in docs:
        reactions = {k: v for k, v in (d.get("counts", {}).get("reactions") or {}).items() if v > 0}
        author = authors.get(d["author_id"], {"uid": d["author_id"], "username": None, "display_name": None})
        out.append({
            "id": str(d["_id"]),
            "author": {"uid": author["uid"], "username": author["username"], "display_name": author["display_name"]},
            "text": d["text"], "hashtags": d.get("hashtags", []), "mentions": d.get("mentions", []),
            "created_at": d["created_at"], "edited_at": d.get("edited_at"),
            "counts": {"comments": d.get("counts", {}).get("comments", 0), "reactions": reactions,
                       "reactions_total": sum(reactions.values())},
            "viewer_reaction": mine.get(f"post:{d['_id']}"),
        })
    return out


def page_posts(query: dict, cursor: str | None, limit: int | None, viewer: str | None,
               hint: str | None = None) -> Page:
    """Newest-first keyset page of posts matching ``query`` (a filter built by
    our code, never from raw client input). Cursor = (created_at, _id)."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    flt = dict(query)
    if key:
        try:
            at, oid = ms_to_datetime(key["at"]), ObjectId(str(key["id"]))
        except InvalidId:
            from .errors import MalformedRequest
            raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
        flt = {"$and": [query, {"$or": [{"created_at": {"$lt": at}},
                                        {"created_at": at, "_id": {"$lt": oid}}]}]}
    cur = _db().posts.find(flt).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1)
    if hint:
        cur = cur.hint(hint)
    docs = list(cur)
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["created_at"]), "id": str(last["_id"])})
    return Page(present_posts(docs[:limit], viewer), next_cursor)


def user_posts(username: str, cursor: str | None = None, limit: int | None = None,
               viewer: str | None = None) -> Page:
    """A user's posts, newest first. Raises :class:`NotFound` for unknown users."""
    from .users import resolve_uid

    return page_posts({"author_id": resolve_uid(username)}, cursor, limit, viewer)


# -- comments ---------------------------------------------------------------
def add_comment(post_id: str, author_id: str, text: str, parent_id: str | None = None) -> dict:
    """Comment on a post, or reply to a comment of it (``parent_id``).

    Returns the comment. Raises :class:`NotFound` (post or parent gone, or the
    parent belongs to another post) and :class:`ValidationFailed`.
    """
    text = _check_text(text, MAX_COMMENT)
    post = _get_doc(post_id)
    db = _db()
    parent = None
    if parent_id:
        parent = db.comments.find_one({"_id": parse_id(parent_id, "comment"), "post_id": post["_id"]})
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
    doc["_id"] = db.comments.insert_one(doc).inserted_id
    if parent:
        db.comments.update_one({"_id": parent["_id"]}, {"$inc": {"reply_count": 1}})
    db.posts.update_one({"_id": post["_id"]}, {"$inc": {"counts.comments": 1}})
    from . import events

    events.publish("comment.created", comment_id=str(doc["_id"]), post_id=str(post["_id"]), author_id=author_id,
                   post_author_id=post["author_id"], parent_author_id=parent["author_id"] if parent else "")
    return _present_comments([doc])[0]


def _present_comments(docs: list[dict]) -> list[dict]:
    from .users import short_profiles

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
                                            "display_name": a and a["display_name"]},
            "text": None if deleted else d["text"], "deleted": deleted,
            "created_at": d["created_at"], "edited_at": d.get("edited_at"),
            "reply_count": d.get("reply_count", 0),
            "reactions": {k: v for k, v in (d.get("counts", {}).get("reactions") or {}).items() if v > 0},
        })
    return out


def list_comments(post_id: str, parent_id: str | None = None, cursor: str | None = None,
                  limit: int | None = None) -> Page:
    """One level of a thread, oldest first, each comment with up to
    ``INLINE_REPLIES`` replies nested ``INLINE_DEPTH`` levels deep (``replies``)
    and its ``reply_count``; fetch more of a level with ``parent_id`` + cursor.
    Raises :class:`NotFound`."""
    post = _get_doc(post_id)
    db = _db()
    parent_oid = None
    if parent_id:
        parent_oid = parse_id(parent_id, "comment")
        if not db.comments.find_one({"_id": parent_oid, "post_id": post["_id"]}, {"_id": 1}):
            raise NotFound("comment not found")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    flt: dict = {"post_id": post["_id"], "parent_id": parent_oid}
    if key:
        at, oid = ms_to_datetime(key["at"]), parse_id(str(key["id"]), "cursor")
        flt = {"$and": [flt, {"$or": [{"created_at": {"$gt": at}}, {"created_at": at, "_id": {"$gt": oid}}]}]}
    docs = list(db.comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(limit + 1))
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["created_at"]), "id": str(last["_id"])})
    docs = docs[:limit]
    items = _present_comments(docs)
    _attach_replies(post["_id"], items, INLINE_DEPTH)
    return Page(items, next_cursor)


def _attach_replies(post_oid, items: list[dict], depth_left: int) -> None:
    if depth_left <= 0 or not items:
        for it in items:
            it["replies"] = []
        return
    with_replies = [it for it in items if it["reply_count"]]
    for it in items:
        it["replies"] = []
    if not with_replies:
        return
    # one query per level: the first INLINE_REPLIES replies of each parent
    children: list[dict] = []
    for it in with_replies:
        docs = list(_db().comments.find({"post_id": post_oid, "parent_id": ObjectId(it["id"])})
                    .sort([("created_at", 1), ("_id", 1)]).limit(INLINE_REPLIES))
        it["replies"] = _present_comments(docs)
        children.extend(it["replies"])
    _attach_replies(post_oid, children, depth_left - 1)


def edit_comment(comment_id: str, editor: str, text: str) -> dict:
    text = _check_text(text, MAX_COMMENT)
    doc = _db().comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted"):
        raise NotFound("comment not found")
    if doc["author_id"] != editor:
        raise Forbidden("only the author can edit this comment")
    doc = _db().comments.find_one_and_update(
        {"_id": doc["_id"]}, {"$set": {"text": text, "edited_at": clock.now()}},
        return_document=ReturnDocument.AFTER)
    return _present_comments([doc])[0]


def delete_comment(comment_id: str, actor: str) -> None:
    """Delete a comment (its author or the post's author). One with replies
    stays as a placeholder (``deleted: true``, no text or author)."""
    db = _db()
    doc = db.comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted"):
        raise NotFound("comment not found")
    post = db.posts.find_one({"_id": doc["post_id"]}, {"author_id": 1})
    if actor != doc["author_id"] and not (post and post["author_id"] == actor):
        raise Forbidden("only the comment's or the post's author can delete this comment")
    if doc.get("reply_count"):
        db.comments.update_one({"_id": doc["_id"]}, {"$set": {"deleted": True, "text": ""}})
    else:
        db.comments.delete_one({"_id": doc["_id"]})
        if doc.get("parent_id"):
            db.comments.update_one({"_id": doc["parent_id"]}, {"$inc": {"reply_count": -1}})
    db.reactions.delete_many({"target": f"comment:{doc['_id']}"})
    db.posts.update_one({"_id": doc["post_id"]}, {"$inc": {"counts.comments": -1}})


# -- reactions --------------------------------------------------------------
def _target(kind: str, target_id: str) -> tuple[str, dict, str]:
    coll = "posts" if kind == "post" else "comments"
    doc = _db()[coll].find_one({"_id": parse_id(target_id, kind)}, {"_id": 1, "deleted": 1, "author_id": 1})
    if doc is None or doc.get("deleted"):
        raise NotFound(f"{kind} not found")
    return coll, doc, f"{kind}:{doc['_id']}"


def react(kind: str, target_id: str, user_id: str, reaction: str = "like") -> dict:
    """Set the user's reaction on a post or comment (one per user, changeable).

    Returns ``{"reaction": type, "counts": {type: n}}``. Raises
    :class:`ValidationFailed` for an unknown type, :class:`NotFound`.
    """
    if reaction not in REACTION_TYPES:
        raise ValidationFailed("unknown reaction type", errors=[
            {"field": "type", "message": "one of " + ", ".join(REACTION_TYPES)}])
    coll, doc, target = _target(kind, target_id)
    db = _db()
    old = db.reactions.find_one_and_update(
        {"target": target, "user_id": user_id},
        {"$set": {"type": reaction, "created_at": clock.now()}}, upsert=True)
    inc = {}
    if old is None:
        inc[f"counts.reactions.{reaction}"] = 1
    elif old["type"] != reaction:
        inc[f"counts.reactions.{reaction}"] = 1
        inc[f"counts.reactions.{old['type']}"] = -1
    if inc:
        db[coll].update_one({"_id": doc["_id"]}, {"$inc": inc})
        from . import events

        events.publish("reaction.created", target=target, user_id=user_id, owner_id=doc.get("author_id", ""),
                       type=reaction)
    return {"reaction": reaction, "counts": _counts(coll, doc["_id"])}


def unreact(kind: str, target_id: str, user_id: str) -> dict:
    """Remove the user's reaction, if any. Returns ``{"reaction": None, "counts"}``."""
    coll, doc, target = _target(kind, target_id)
    db = _db()
    old = db.reactions.find_one_and_delete({"target": target, "user_id": user_id})
    if old is not None:
        db[coll].update_one({"_id": doc["_id"]}, {"$inc": {f"counts.reactions.{old['type']}": -1}})
    return {"reaction": None, "counts": _counts(coll, doc["_id"])}


def _counts(coll: str, oid) -> dict:
    doc = _db()[coll].find_one({"_id": oid}, {"counts.reactions": 1}) or {}
    return {k: v for k, v in (doc.get("counts", {}).get("reactions") or {}).items() if v > 0}
