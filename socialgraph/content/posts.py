"""Posts (statuses), comment threads and reactions, stored in MongoDB.

Documents:

- ``posts``: ``{_id: ObjectId, author_id, text, hashtags[], mentions[],
  keywords[] (search terms, see :mod:`socialgraph.content.search`), media_ids[],
  sensitive, content_warning, visibility (audience, see
  :mod:`socialgraph.content.visibility`), kind ("post" | "repost" | "quote"),
  share_of (ObjectId of the shared post, for reposts and quotes), created_at,
  edited_at, history [{text, content_warning, sensitive, visibility, at}],
  counts: {comments, shares, reactions: {type: n}}, source_key?}``
- ``comments``: ``{_id, post_id, parent_id, root_id, depth, author_id, text,
  created_at, edited_at, reply_count, deleted}``; a reply points at its parent
  and at the top-level comment of its thread (``root_id``).
- ``reactions``: ``{target: "post:<id>" | "comment:<id>", user_id, type,
  created_at}``, one per user and target (unique index).

Counters are kept on the post/comment with ``$inc`` in the same request as
the write they count. Only the author may edit or delete; a missing or
malformed id is a 404, and so is a post the caller may not see
(:func:`socialgraph.content.visibility.can_view_post`): every read path here
(single post, lists, comments, reactions, history) applies that rule.
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from flask import current_app
from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.content import media, postcache
from socialgraph.content.keywords import keywords
from socialgraph.content.visibility import AUDIENCES, can_view_post, prefilter
from socialgraph.core import clock, events
from socialgraph.core.errors import (
    Conflict,
    Forbidden,
    MalformedRequest,
    NotFound,
    ValidationFailed,
)
from socialgraph.core.pagination import (
    Page,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)
from socialgraph.core.text import extract_hashtags, extract_mentions
from socialgraph.graph.people import resolve_uid, short_profiles
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache

MAX_TEXT = 5000
MAX_COMMENT = 2000
REACTION_TYPES = ("like", "love", "laugh", "angry", "sad")
#: replies shown inline under each comment of a thread page, per level
INLINE_REPLIES = 3
INLINE_DEPTH = 3


def _db():
    return stores.mongo()


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
def _mention_events(text: str, by_uid: str, post_id: str, comment_id: str = "") -> None:
    """Publish ``user.mentioned`` for each mentioned user that exists, is not
    the author and is not blocked either way."""

    names = extract_mentions(text)
    if not names:
        return
    blocked = blocked_either_way(by_uid)
    for row in stores.graph().read("users/get_uids_by_usernames", usernames=names):
        if row["uid"] != by_uid and row["uid"] not in blocked:
            events.publish("user.mentioned", mentioned_uid=row["uid"], by_uid=by_uid, post_id=post_id,
                           comment_id=comment_id)


def _check_options(visibility: str | None, content_warning: str | None) -> None:
    if visibility is not None and visibility not in AUDIENCES:
        raise ValidationFailed("unknown audience", errors=[
            {"field": "visibility", "message": "one of " + ", ".join(AUDIENCES)}])
    if content_warning is not None and len(content_warning) > 200:
        raise ValidationFailed("content warning too long",
                               errors=[{"field": "content_warning", "message": "at most 200 characters"}])


def create_post(author_id: str, text: str = "", *, media_ids: list[str] | None = None,
                visibility: str = "public", sensitive: bool = False, content_warning: str | None = None,
                kind: str = "post", share_of=None, group_id: str | None = None) -> dict:
    """Create a post; returns it in :func:`present_posts` shape.

    ``text``: up to 5,000 characters, required unless media are attached;
    ``media_ids``: up to 10 of the author's uploads (:mod:`socialgraph.content.media`);
    ``visibility``: one of :data:`socialgraph.content.visibility.AUDIENCES`;
    ``sensitive``/``content_warning`` (<= 200 chars; implies sensitive).
    Hashtags, @mentions and search keywords are parsed and stored. Publishes
    ``post.created`` and ``user.mentioned``. Raises :class:`ValidationFailed`.
    ``group_id``: a group post (``visibility: "group"``); the caller
    (:func:`socialgraph.groups.service.create_group_post`) has checked membership.
    """

    media_ids = media_ids or []
    if media_ids or kind == "repost":
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            _check_text(text, MAX_TEXT)
    else:
        text = _check_text(text, MAX_TEXT)
    _check_options(visibility, content_warning)
    content_warning = (content_warning or "").strip() or None
    now = clock.now()
    doc = {
        "_id": ObjectId(),
        "author_id": author_id, "text": text, "hashtags": extract_hashtags(text),
        "mentions": extract_mentions(text), "keywords": keywords(text), "created_at": now, "edited_at": None,
        "visibility": visibility, "sensitive": bool(sensitive or content_warning),
        "content_warning": content_warning, "kind": kind, "share_of": share_of, "media_ids": [],
        "counts": {"comments": 0, "shares": 0, "reactions": {}},
    }
    if group_id:
        doc.update(group_id=group_id, visibility="group")
    if media_ids:
        doc["media_ids"] = media.attach(author_id, media_ids, doc["_id"])
    try:
        _db().posts.insert_one(doc)
    except Exception:
        _db().media.update_many({"post_id": doc["_id"]}, {"$set": {"post_id": None}})
        raise
    post_id = str(doc["_id"])
    events.publish("post.created", post_id=post_id, author_id=author_id)
    _mention_events(text, author_id, post_id)
    return present_posts([doc], viewer=author_id)[0]


def _hidden_from(viewer: str | None, *authors: str | None) -> bool:
    """True when ``viewer`` and any of ``authors`` block each other."""
    if not viewer:
        return False

    blocked = blocked_either_way(viewer)
    return any(a in blocked for a in authors if a)


def _comment_hidden(doc: dict, viewer: str | None) -> bool:
    """A comment is hidden from ``viewer`` if its author or its post's author blocks them (either way)."""
    if not viewer:
        return False
    post = postcache.get_post(doc["post_id"]) or {}
    return _hidden_from(viewer, doc.get("author_id"), post.get("author_id"))


def _get_doc(post_id: str, viewer: str | None = None, full: bool = False) -> dict:
    """The post document (its cached copy, :mod:`socialgraph.content.postcache`, unless
    ``full``: every field, e.g. the edit history); :class:`NotFound` if missing
    or if its author and ``viewer`` block each other (a block answers as if
    the post did not exist)."""
    oid = parse_id(post_id)
    doc = _db().posts.find_one({"_id": oid}) if full else postcache.get_post(oid)
    if doc is None or _hidden_from(viewer, doc["author_id"]):
        raise NotFound("post not found")
    return doc


def _visible_doc(post_id: str, viewer: str | None, full: bool = False) -> dict:
    """The post doc if ``viewer`` may see it; :class:`NotFound` otherwise."""
    doc = _get_doc(post_id, full=full)
    if not can_view_post(viewer, doc):
        raise NotFound("post not found")
    return doc


def get_post(post_id: str, viewer: str | None = None) -> dict:
    """One post, if ``viewer`` may see it. A repost whose original the viewer
    can no longer see is gone too. Raises :class:`NotFound`."""
    doc = _visible_doc(post_id, viewer)
    items = present_posts([doc], viewer)
    if not items:
        raise NotFound("post not found")
    return items[0]


def post_history(post_id: str, viewer: str | None = None) -> list[dict]:
    """Earlier versions of a visible post, oldest first: ``[{text,
    content_warning, sensitive, visibility, at}]`` (``at``: when that version
    was written). Raises :class:`NotFound`."""
    doc = _visible_doc(post_id, viewer, full=True)
    return [{"text": h.get("text"), "content_warning": h.get("content_warning"),
             "sensitive": bool(h.get("sensitive")), "visibility": h.get("visibility"), "at": h["at"]}
            for h in doc.get("history") or []]


_UNSET = object()


def edit_post(post_id: str, editor: str, text=_UNSET, *, visibility=None, sensitive=None,
              content_warning=_UNSET) -> dict:
    """Change text, audience, sensitive flag or content warning (author only).

    The previous version goes to ``history``. Publishes ``post.updated``
    (and ``user.mentioned`` for newly mentioned users). Raises
    :class:`NotFound`, :class:`Forbidden`, :class:`ValidationFailed`.
    """

    doc = _visible_doc(post_id, editor, full=True)
    if doc["author_id"] != editor:
        raise Forbidden("only the author can edit this post")
    changes: dict = {}
    if text is not _UNSET:
        if doc.get("media_ids") or doc.get("kind") == "repost":
            text = (text or "").strip()
            if len(text) > MAX_TEXT:
                _check_text(text, MAX_TEXT)
        else:
            text = _check_text(text, MAX_TEXT)
        changes.update(text=text, hashtags=extract_hashtags(text), mentions=extract_mentions(text),
                       keywords=keywords(text))
    _check_options(visibility, None if content_warning is _UNSET else content_warning)
    if visibility is not None:
        changes["visibility"] = visibility
    if content_warning is not _UNSET:
        changes["content_warning"] = (content_warning or "").strip() or None
        if changes["content_warning"]:
            changes["sensitive"] = True
    if sensitive is not None:
        changes["sensitive"] = bool(sensitive) or bool(changes.get("content_warning", doc.get("content_warning")))
    if not changes:
        raise ValidationFailed("nothing to change", errors=[{"field": "_body", "message": "no field given"}])
    changes["edited_at"] = clock.now()
    old = {"text": doc["text"], "content_warning": doc.get("content_warning"),
           "sensitive": bool(doc.get("sensitive")), "visibility": doc.get("visibility", "public"),
           "at": doc.get("edited_at") or doc["created_at"]}
    updated = _db().posts.find_one_and_update(
        {"_id": doc["_id"], "author_id": editor}, {"$set": changes, "$push": {"history": old}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise NotFound("post not found")
    postcache.forget(doc["_id"])
    events.publish("post.updated", post_id=post_id, author_id=editor)
    if "text" in changes:
        before = set(doc.get("mentions") or [])
        new_names = [m for m in changes["mentions"] if m not in before]
        if new_names:
            _mention_events(" ".join("@" + m for m in new_names), editor, post_id)
    return present_posts([updated], editor)[0]


def delete_post(post_id: str, actor: str, *, moderator: bool = False) -> None:
    """Delete a post (author only, or a moderator); its comments, reactions and
    media (objects included) are purged by jobs subscribed to ``post.deleted``;
    a share decrements its original's ``counts.shares``. Raises
    :class:`NotFound`, :class:`Forbidden`."""
    doc = _get_doc(post_id) if moderator else _visible_doc(post_id, actor)
    if doc["author_id"] != actor and not moderator:
        raise Forbidden("only the author can delete this post")
    res = _db().posts.delete_one({"_id": doc["_id"]})
    if res.deleted_count and doc.get("share_of"):
        _db().posts.update_one({"_id": doc["share_of"]}, {"$inc": {"counts.shares": -1}})
    postcache.forget(doc["_id"], doc.get("share_of"))
    events.publish("post.deleted", post_id=str(doc["_id"]), author_id=doc["author_id"])


def purge_post(post_id: str) -> dict:
    """Remove comments, reactions and media of a deleted post (idempotent)."""

    oid = ObjectId(post_id)
    db = _db()
    comment_ids = [c["_id"] for c in db.comments.find({"post_id": oid}, {"_id": 1})]
    targets = [f"post:{post_id}"] + [f"comment:{c}" for c in comment_ids]
    reactions = db.reactions.delete_many({"target": {"$in": targets}}).deleted_count
    comments = db.comments.delete_many({"post_id": oid}).deleted_count
    removed = media.purge_post_media(post_id)
    return {"comments": comments, "reactions": reactions, "media": removed}


def present_posts(docs: list[dict], viewer: str | None = None) -> list[dict]:
    """API shape of posts: ``{id, kind, author: {uid, username, display_name},
    text, hashtags, mentions, visibility, sensitive, content_warning, media:
    [media.present shape], shared_post (the embedded original of a repost or
    quote, ``null`` when it is gone or hidden from the viewer),
    share_unavailable, created_at, edited_at, edited, counts: {comments,
    shares, reactions: {type: n}, reactions_total}, viewer_reaction}``.

    Reposts whose original the viewer may not see are dropped (the result can
    be shorter than ``docs``). ``docs`` must already be visible to ``viewer``.
    """

    originals: dict = {}
    share_ids = [d["share_of"] for d in docs if d.get("share_of")]
    if share_ids:
        for o in postcache.get_posts(share_ids).values():
            if can_view_post(viewer, o):
                originals[o["_id"]] = o
    docs = [d for d in docs if d.get("kind") != "repost" or d.get("share_of") in originals]
    all_docs = docs + list(originals.values())
    authors = short_profiles([d["author_id"] for d in all_docs])
    media_docs = media.media_for_posts(all_docs)
    mine = viewer_reactions(viewer, [f"post:{d['_id']}" for d in docs]) if viewer and docs else {}

    def one(d: dict, embed: bool) -> dict:
        counts = d.get("counts", {})
        reactions = {k: v for k, v in (counts.get("reactions") or {}).items() if v > 0}
        author = authors.get(d["author_id"], {"uid": d["author_id"], "username": None, "display_name": None})
        shared = None
        if embed and d.get("share_of"):
            o = originals.get(d["share_of"])
            shared = one(o, False) if o else None
        return {
            "id": str(d["_id"]), "kind": d.get("kind") or "post",
            "author": {"uid": author["uid"], "username": author["username"], "display_name": author["display_name"]},
            "text": d["text"], "hashtags": d.get("hashtags", []), "mentions": d.get("mentions", []),
            "visibility": d.get("visibility") or "public", "sensitive": bool(d.get("sensitive")),
            "content_warning": d.get("content_warning"),
            "media": media.present([media_docs[m] for m in d.get("media_ids") or [] if m in media_docs], viewer),
            "shared_post": shared, "share_unavailable": bool(d.get("share_of")) and shared is None and embed,
            "created_at": d["created_at"], "edited_at": d.get("edited_at"), "edited": bool(d.get("edited_at")),
            "counts": {"comments": counts.get("comments", 0), "shares": counts.get("shares", 0),
                       "reactions": reactions, "reactions_total": sum(reactions.values())},
            "viewer_reaction": mine.get(f"post:{d['_id']}"),
            "group_id": d.get("group_id"),
        }

    return [one(d, True) for d in docs]


def page_posts(query: dict, cursor: str | None, limit: int | None, viewer: str | None,
               hint: str | None = None, audience: dict | None = None,
               group_ids: list[str] | None = None) -> Page:
    """Newest-first keyset page of the posts matching ``query`` (a filter built by
    our code, never from raw client input) that ``viewer`` may see: the
    visibility :func:`~socialgraph.content.visibility.prefilter` is always added, so
    the database filters and pages stay full. Cursor = (created_at, _id).
    ``audience``: precomputed :func:`relations.audience_sets` of the viewer;
    ``group_ids``: groups whose posts the caller has checked the viewer may read."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "id")
    query = {"$and": [query, prefilter(viewer, audience=audience, group_ids=group_ids)]}
    flt = dict(query)
    if key:
        try:
            at, oid = ms_to_datetime(key["at"]), ObjectId(str(key["id"]))
        except InvalidId:
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

    uid = resolve_uid(username)
    if uid in blocked_either_way(viewer):
        raise NotFound(f"no user named {username!r}")
    return page_posts({"author_id": uid, "group_id": None}, cursor, limit, viewer)


# -- comments ---------------------------------------------------------------
def add_comment(post_id: str, author_id: str, text: str, parent_id: str | None = None) -> dict:
    """Comment on a post, or reply to a comment of it (``parent_id``).

    Returns the comment. Raises :class:`NotFound` (post deleted or hidden
    from the author, parent gone or deleted, or the parent belongs to another
    post) and :class:`ValidationFailed`. Publishes ``comment.created`` and
    ``user.mentioned``.
    """
    text = _check_text(text, MAX_COMMENT)
    post = _visible_doc(post_id, author_id)
    db = _db()
    parent = None
    if parent_id:
        parent = db.comments.find_one({"_id": parse_id(parent_id, "comment"), "post_id": post["_id"]})
        if parent is None or parent.get("deleted"):
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
    doc["_id"] = db.comments.insert_one(doc).inserted_id
    if parent:
        db.comments.update_one({"_id": parent["_id"]}, {"$inc": {"reply_count": 1}})
    db.posts.update_one({"_id": post["_id"]}, {"$inc": {"counts.comments": 1}})
    postcache.forget(post["_id"])
    cid = str(doc["_id"])
    events.publish("comment.created", comment_id=cid, post_id=str(post["_id"]), author_id=author_id,
                   post_author_id=post["author_id"], parent_author_id=parent["author_id"] if parent else "")
    _mention_events(text, author_id, str(post["_id"]), cid)
    return _present_comments([doc])[0]


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
                                            "display_name": a and a["display_name"]},
            "text": None if deleted else d["text"], "deleted": deleted,
            "created_at": d["created_at"], "edited_at": d.get("edited_at"),
            "reply_count": d.get("reply_count", 0),
            "reactions": {k: v for k, v in (d.get("counts", {}).get("reactions") or {}).items() if v > 0},
        })
    return out


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
    docs = list(db.comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(limit + 1))
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["created_at"]), "id": str(last["_id"])})
    docs = docs[:limit]
    items = _present_comments(docs)
    _attach_replies(post["_id"], items, INLINE_DEPTH, blocked)
    return Page(items, next_cursor)


def _attach_replies(post_oid, items: list[dict], depth_left: int, blocked: list[str] = ()) -> None:
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
        flt = {"post_id": post_oid, "parent_id": ObjectId(it["id"])}
        if blocked:
            flt["author_id"] = {"$nin": list(blocked)}
        docs = list(_db().comments.find(flt).sort([("created_at", 1), ("_id", 1)]).limit(INLINE_REPLIES))
        it["replies"] = _present_comments(docs)
        children.extend(it["replies"])
    _attach_replies(post_oid, children, depth_left - 1, blocked)


def edit_comment(comment_id: str, editor: str, text: str) -> dict:
    """Replace a comment's text (its author only). Raises :class:`NotFound`
    (gone, deleted), :class:`Forbidden`, :class:`ValidationFailed`."""
    text = _check_text(text, MAX_COMMENT)
    doc = _db().comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted") or _comment_hidden(doc, editor):
        raise NotFound("comment not found")
    if doc["author_id"] != editor:
        raise Forbidden("only the author can edit this comment")
    doc = _db().comments.find_one_and_update(
        {"_id": doc["_id"]}, {"$set": {"text": text, "edited_at": clock.now()}},
        return_document=ReturnDocument.AFTER)
    return _present_comments([doc])[0]


def delete_comment(comment_id: str, actor: str, *, moderator: bool = False) -> None:
    """Delete a comment (its author, the post's author or a moderator). One
    with replies stays as a placeholder (``deleted: true``, no text or
    author) until its last reply is deleted. Raises :class:`NotFound`,
    :class:`Forbidden`."""
    db = _db()
    doc = db.comments.find_one({"_id": parse_id(comment_id, "comment")})
    if doc is None or doc.get("deleted") or _comment_hidden(doc, actor):
        raise NotFound("comment not found")
    post = db.posts.find_one({"_id": doc["post_id"]}, {"author_id": 1})
    if not moderator and actor != doc["author_id"] and not (post and post["author_id"] == actor):
        raise Forbidden("only the comment's or the post's author can delete this comment")
    if doc.get("reply_count"):
        db.comments.update_one({"_id": doc["_id"]}, {"$set": {"deleted": True, "text": ""}})
    else:
        db.comments.delete_one({"_id": doc["_id"]})
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
    postcache.forget(doc["post_id"])


# -- reactions --------------------------------------------------------------
def _target(kind: str, target_id: str, viewer: str | None) -> tuple[str, dict, str, dict]:
    """``(collection, doc, target key, post doc)`` of a reaction target the
    viewer may see. Raises :class:`NotFound` (gone, deleted comment, hidden post)."""
    coll = "posts" if kind == "post" else "comments"
    oid = parse_id(target_id, kind)
    doc = postcache.get_post(oid) if kind == "post" else _db().comments.find_one({"_id": oid})
    if doc is None or doc.get("deleted"):
        raise NotFound(f"{kind} not found")
    post = doc if kind == "post" else postcache.get_post(doc["post_id"])
    if post is None or not can_view_post(viewer, post):
        raise NotFound(f"{kind} not found")
    if kind == "comment" and viewer and viewer != doc["author_id"]:

        if doc["author_id"] in blocked_either_way(viewer):
            raise NotFound("comment not found")
    return coll, doc, f"{kind}:{doc['_id']}", post


def react(kind: str, target_id: str, user_id: str, reaction: str = "like") -> dict:
    """Set the user's reaction on a post or comment (one per user, changeable).

    Returns ``{"reaction": type, "counts": {type: n}}``. Raises
    :class:`ValidationFailed` for an unknown type, :class:`NotFound`,
    :class:`Conflict` when concurrent changes of the same reaction keep
    winning (:func:`_swap_reaction`). Publishes ``reaction.created`` for a
    new or changed reaction.
    """
    if reaction not in REACTION_TYPES:
        raise ValidationFailed("unknown reaction type", errors=[
            {"field": "type", "message": "one of " + ", ".join(REACTION_TYPES)}])
    coll, doc, target, _post = _target(kind, target_id, user_id)
    db = _db()
    old_type = _swap_reaction(target, user_id, reaction)
    inc = {}
    if old_type is None:
        inc[f"counts.reactions.{reaction}"] = 1
    elif old_type != reaction:
        inc[f"counts.reactions.{reaction}"] = 1
        inc[f"counts.reactions.{old_type}"] = -1
    if inc:
        db[coll].update_one({"_id": doc["_id"]}, {"$inc": inc})
        _reaction_written(coll, doc["_id"], user_id, target, reaction)
        events.publish("reaction.created", target=target, user_id=user_id, owner_id=doc["author_id"],
                       type=reaction)
    return {"reaction": reaction, "counts": _counts(coll, doc["_id"])}


def unreact(kind: str, target_id: str, user_id: str) -> dict:
    """Remove the user's reaction, if any. Returns ``{"reaction": None, "counts"}``."""
    coll, doc, target, _post = _target(kind, target_id, user_id)
    db = _db()
    old = _remove_reaction(target, user_id)
    if old is not None:
        db[coll].update_one({"_id": doc["_id"]}, {"$inc": {f"counts.reactions.{old['type']}": -1}})
        _reaction_written(coll, doc["_id"], user_id, target, None)
    return {"reaction": None, "counts": _counts(coll, doc["_id"])}


#: compare-and-set attempts before a reaction write gives up (only concurrent
#: writes of the same user on the same target make a second one necessary)
_CAS_ATTEMPTS = 5


def _swap_reaction(target: str, user_id: str, reaction: str) -> str | None:
    """Store ``user_id``'s ``reaction`` on ``target`` and return the type it
    replaced (None: there was none). Compare-and-set: read the reaction, then
    insert it (the unique index refuses a concurrent twin) or update it only
    if its type is still the one read; retried on a lost race. (Not a
    ``findAndModify``: on SecantusDB one that matches an existing document
    takes ~250 ms on 21,000 reactions, against ~2 ms for these two calls.)
    Raises :class:`Conflict` after :data:`_CAS_ATTEMPTS` lost races."""
    from pymongo.errors import DuplicateKeyError

    reactions = _db().reactions
    key = {"target": target, "user_id": user_id}
    for _ in range(_CAS_ATTEMPTS):
        old = reactions.find_one(key, {"type": 1})
        now = clock.now()
        if old is None:
            try:
                reactions.insert_one({**key, "type": reaction, "created_at": now})
                return None
            except DuplicateKeyError:
                continue
        if reactions.update_one({"_id": old["_id"], "type": old["type"]},
                                {"$set": {"type": reaction, "created_at": now}}).matched_count:
            return old["type"]
    raise Conflict("the reaction changed meanwhile; try again")


def _remove_reaction(target: str, user_id: str) -> dict | None:
    """Delete ``user_id``'s reaction on ``target``; the removed document or
    None. Compare-and-set like :func:`_swap_reaction`."""
    reactions = _db().reactions
    key = {"target": target, "user_id": user_id}
    for _ in range(_CAS_ATTEMPTS):
        old = reactions.find_one(key, {"type": 1})
        if old is None:
            return None
        if reactions.delete_one({"_id": old["_id"], "type": old["type"]}).deleted_count:
            return old
    raise Conflict("the reaction changed meanwhile; try again")


REACTIONS_KEY = "sg:reactions:{uid}"


def viewer_reactions(viewer: str, targets: list[str]) -> dict[str, str]:
    """``target -> type`` of ``viewer``'s reactions among ``targets`` (``"post:<id>"``,
    ``"comment:<id>"``), from a Redis copy of all the viewer's reactions
    (``sg:reactions:<uid>``, ``REACTION_CACHE_SECONDS``, kept current by
    :func:`react`/:func:`unreact`); users with more than
    :data:`readcache.HASH_MAX_FIELDS` reactions are asked of MongoDB per page."""
    from redis.exceptions import RedisError

    if not targets:
        return {}
    key = REACTIONS_KEY.format(uid=viewer)
    try:
        values, version = readcache.hash_get(key, targets)
    except RedisError:
        values, version = None, None
    if values is not None:
        return {t: v.decode() for t, v in zip(targets, values) if v}
    if version is not None:
        cap = readcache.HASH_MAX_FIELDS
        rows = list(_db().reactions.find({"user_id": viewer}, {"target": 1, "type": 1, "_id": 0}).limit(cap + 1))
        if len(rows) <= cap:
            everything = {r["target"]: r["type"] for r in rows}
            readcache.hash_put(key, version, everything, int(current_app.config["REACTION_CACHE_SECONDS"]))
            return {t: everything[t] for t in targets if t in everything}
    return {r["target"]: r["type"] for r in
            _db().reactions.find({"target": {"$in": targets}, "user_id": viewer}, {"target": 1, "type": 1})}


def _reaction_written(coll: str, oid, user_id: str, target: str, reaction: str | None) -> None:
    """After a reaction write: the post's cached copy (counts) and the user's reactions copy."""

    if coll == "posts":
        postcache.forget(oid)
    readcache.hash_write_through(REACTIONS_KEY.format(uid=user_id), target, reaction)


def list_reactions(kind: str, target_id: str, viewer: str | None, type_: str | None = None,
                   cursor: str | None = None, limit: int | None = None) -> Page:
    """Who reacted to a post or comment, newest first, optionally one ``type_``:
    items ``{user: {uid, username, display_name}, type, created_at}``; users
    blocked either way with the viewer are left out. Cursor = (created_at, _id).
    Raises :class:`NotFound`, :class:`ValidationFailed` (unknown type)."""

    if type_ is not None and type_ not in REACTION_TYPES:
        raise ValidationFailed("unknown reaction type", errors=[
            {"field": "type", "message": "one of " + ", ".join(REACTION_TYPES)}])
    _coll, _doc, target, _post = _target(kind, target_id, viewer)
    limit = clamp_limit(limit)
    flt: dict = {"target": target}
    if type_:
        flt["type"] = type_
    blocked = blocked_either_way(viewer)
    if blocked:
        flt["user_id"] = {"$nin": sorted(blocked)}
    key = decode_cursor(cursor, "at", "id")
    if key:
        at, oid = ms_to_datetime(key["at"]), parse_id(str(key["id"]), "cursor")
        flt = {"$and": [flt, {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": oid}}]}]}
    docs = list(_db().reactions.find(flt).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1))
    next_cursor = None
    if len(docs) > limit:
        last = docs[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["created_at"]), "id": str(last["_id"])})
    docs = docs[:limit]
    users = short_profiles([d["user_id"] for d in docs])
    items = [{"user": users.get(d["user_id"], {"uid": d["user_id"], "username": None, "display_name": None}),
              "type": d["type"], "created_at": d["created_at"]} for d in docs]
    return Page(items, next_cursor)


def _counts(coll: str, oid) -> dict:
    doc = _db()[coll].find_one({"_id": oid}, {"counts.reactions": 1}) or {}
    return {k: v for k, v in (doc.get("counts", {}).get("reactions") or {}).items() if v > 0}


# -- shares -----------------------------------------------------------------
def share_post(post_id: str, user_id: str, text: str | None = None, visibility: str = "public") -> dict:
    """Repost (no ``text``) or quote (with ``text``) a post the user can see.

    Only public posts can be shared (a share must not widen a post's
    audience); one repost per user and post. The share is a post of its own
    (``kind`` "repost"/"quote", ``share_of``), shown with the original
    embedded while the viewer may still see it: a repost of a post that is
    deleted or becomes hidden disappears, a quote shows ``shared_post: null``.
    Increments the original's ``counts.shares``; publishes ``post.shared``.
    Raises :class:`NotFound`, :class:`Forbidden`, :class:`Conflict`,
    :class:`ValidationFailed`.
    """
    original = _visible_doc(post_id, user_id)
    if original.get("share_of") and original.get("kind") == "repost":
        original = _visible_doc(str(original["share_of"]), user_id)  # share the original, not the repost
    if (original.get("visibility") or "public") != "public" or original.get("group_id"):
        raise Forbidden("only public posts can be shared")
    text = (text or "").strip()
    kind = "quote" if text else "repost"
    if kind == "repost" and _db().posts.find_one({"author_id": user_id, "kind": "repost",
                                                  "share_of": original["_id"]}, {"_id": 1}):
        raise Conflict("you already reposted this post")
    share = create_post(user_id, text, visibility=visibility, kind=kind, share_of=original["_id"])
    _db().posts.update_one({"_id": original["_id"]}, {"$inc": {"counts.shares": 1}})
    postcache.forget(original["_id"])
    events.publish("post.shared", post_id=str(original["_id"]), share_id=share["id"], user_id=user_id,
                   owner_id=original["author_id"])
    return present_posts([_get_doc(share["id"])], user_id)[0]
