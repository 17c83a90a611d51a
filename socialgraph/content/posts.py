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
the write they count. When a step of such a write raises (MongoDB may have
applied it and lost the answer), the counts it touches are recounted from
what is stored, at once and by a ``jobs.posts.settle_*`` job a few seconds
later (:func:`socialgraph.content.comments.settle_comment`,
:func:`socialgraph.content.reactions.settle_reactions`, :func:`settle_shares`). Only the author may edit or delete; a missing or
malformed id is a 404, and so is a post the caller may not see
(:func:`socialgraph.content.visibility.can_view_post`): every read path here
(single post, lists, comments, reactions, history) applies that rule.
"""
from __future__ import annotations

import logging

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError

from socialgraph import stores
from socialgraph.content import media, postcache
from socialgraph.content.keywords import VERSION as KEYWORDS_VERSION
from socialgraph.content.keywords import keywords
from socialgraph.content.reactions import viewer_reactions
from socialgraph.content.visibility import AUDIENCES, can_view_post, is_public, prefilter
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
from socialgraph.graph.privacy import is_private
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores.documents import parse_id

log = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_COMMENT = 2000


def _db():
    return stores.mongo()




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
    for row in stores.graph().read("graph/users/get_uids_by_usernames", usernames=names):
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
    (:func:`socialgraph.groups.posts.create_group_post`) has checked membership.
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
        "mentions": extract_mentions(text), "keywords": keywords(text),
        "keywords_v": KEYWORDS_VERSION, "created_at": now, "edited_at": None,
        "visibility": visibility, "sensitive": bool(sensitive or content_warning),
        "content_warning": content_warning, "kind": kind, "share_of": share_of, "media_ids": [],
        "counts": {"comments": 0, "shares": 0, "reactions": {}},
    }
    if group_id:
        doc.update(group_id=group_id, visibility="group")
    elif is_private(author_id):
        doc["author_private"] = True  # a private account's public posts are for its followers
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
                       keywords=keywords(text), keywords_v=KEYWORDS_VERSION)
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
    postcache.written(doc["_id"])  # made again at once; the comment thread's copy stays
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
    try:
        res = _db().posts.delete_one({"_id": doc["_id"]})
        if res.deleted_count and doc.get("share_of"):
            _db().posts.update_one({"_id": doc["share_of"]}, {"$inc": {"counts.shares": -1}})
    except PyMongoError:  # applied, and only its answer lost? the original's shares are recounted
        if doc.get("share_of"):
            _shares_unknown(doc["share_of"])
        raise
    postcache.forget(doc["_id"], doc.get("share_of"))
    events.publish("post.deleted", post_id=str(doc["_id"]), author_id=doc["author_id"])


#: passes of :func:`purge_post` at most (each pass after the first only
#: finds writes that were already under way when the post was deleted)
PURGE_PASSES = 5


def purge_post(post_id: str) -> dict:
    """Remove comments, reactions and media of a deleted post (idempotent).

    Returns ``{"comments", "reactions", "media", "passes"}`` (counts removed).
    Re-runs until a pass finds nothing (at most :data:`PURGE_PASSES`): a
    comment or reaction whose write was under way when the post went may
    land after the first pass. Writers also check the post in MongoDB after
    their write and take themselves out (:func:`socialgraph.content.comments.add_comment`,
    :func:`socialgraph.content.reactions.react`), so nothing lands for good
    after the last pass either.
    """

    oid = ObjectId(post_id)
    db = _db()
    out = {"comments": 0, "reactions": 0, "media": 0, "passes": 0}
    for _ in range(PURGE_PASSES):
        out["passes"] += 1
        comment_ids = [c["_id"] for c in db.comments.find({"post_id": oid}, {"_id": 1})]
        targets = [f"post:{post_id}"] + [f"comment:{c}" for c in comment_ids]
        reactions = db.reactions.delete_many({"target": {"$in": targets}}).deleted_count
        comments = db.comments.delete_many({"post_id": oid}).deleted_count
        removed = media.purge_post_media(post_id)
        out["reactions"] += reactions
        out["comments"] += comments
        out["media"] += removed
        if not (reactions or comments or removed):
            break
    return out


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
            "author": {"uid": author["uid"], "username": author["username"], "display_name": author["display_name"],
                       "avatar_id": author.get("avatar_id")},
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
    return uid_posts(uid, cursor, limit, viewer)


def uid_posts(uid: str, cursor: str | None = None, limit: int | None = None,
              viewer: str | None = None) -> Page:
    """The posts of the user ``uid`` (not group posts) that ``viewer`` may see,
    newest first; cursor = (created_at, id). Empty for an unknown uid; a
    block either way answers :class:`NotFound` (as :func:`user_posts`)."""
    if uid in blocked_either_way(viewer):
        raise NotFound("user not found")
    return page_posts({"author_id": uid, "group_id": None}, cursor, limit, viewer)


def cursor_key(post_id: str) -> dict:
    """``{"at": created_at ms, "id"}``: where the post ``post_id`` sits in a
    newest-first keyset order. The post need not exist or be visible (its
    ObjectId time stands in); a malformed id is a :class:`MalformedRequest`."""
    try:
        oid = ObjectId(str(post_id))
    except (InvalidId, TypeError):
        raise MalformedRequest("invalid id", errors=[{"field": "max_id", "message": "not a status id"}])
    doc = postcache.get_post(oid)
    at = doc["created_at"] if doc else oid.generation_time
    return {"at": datetime_to_ms(at), "id": str(oid)}


def cursor_at(post_id: str) -> str:
    """The keyset cursor that pages *below* the post ``post_id`` (see
    :func:`cursor_key`): what a Mastodon ``max_id`` means."""
    return encode_cursor(cursor_key(post_id))




































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
    :class:`ValidationFailed`; a MongoDB error half-way after the original's
    shares are recounted (:func:`_shares_unknown`).
    """
    original = _visible_doc(post_id, user_id)
    if original.get("share_of") and original.get("kind") == "repost":
        original = _visible_doc(str(original["share_of"]), user_id)  # share the original, not the repost
    if not is_public(original):  # a private account's posts stay with its followers
        raise Forbidden("only public posts can be shared")
    text = (text or "").strip()
    kind = "quote" if text else "repost"
    if kind == "repost" and _db().posts.find_one({"author_id": user_id, "kind": "repost",
                                                  "share_of": original["_id"]}, {"_id": 1}):
        raise Conflict("you already reposted this post")
    try:
        share = create_post(user_id, text, visibility=visibility, kind=kind, share_of=original["_id"])
        _db().posts.update_one({"_id": original["_id"]}, {"$inc": {"counts.shares": 1}})
    except PyMongoError:  # the share stored, its count maybe not (or twice): recounted from the shares
        _shares_unknown(original["_id"])
        raise
    postcache.written(original["_id"])  # the share count, made again at once; the thread copy stays
    events.publish("post.shared", post_id=str(original["_id"]), share_id=share["id"], user_id=user_id,
                   owner_id=original["author_id"])
    return present_posts([_get_doc(share["id"])], user_id)[0]


#: seconds after a share write that failed half-way before :func:`settle_shares`
#: recounts the original again as a job (past the store timeouts of other
#: share writes still under way then)
SETTLE_SECONDS = 10


def _recount_shares(oid) -> int:
    """Set ``counts.shares`` of post ``oid`` to the posts stored with
    ``share_of`` = it (reposts and quotes, the doctor's ``counters`` rule);
    returns the count. One indexed count (index ``shares``), one update."""
    n = _db().posts.count_documents({"share_of": oid})
    _db().posts.update_one({"_id": oid}, {"$set": {"counts.shares": n}})
    return n


def _shares_unknown(oid) -> None:
    """A share or unshare whose step raised (MongoDB may have applied it and
    lost the answer; the writer is answered the error): the original's
    ``counts.shares`` is recounted at once (if MongoDB answers) and again by
    :func:`settle_shares` :data:`SETTLE_SECONDS` later; its copy is dropped."""
    try:
        _recount_shares(oid)
    except PyMongoError as exc:
        log.warning("could not recount the shares of post %s after a failed write now: %s", oid, exc)
    postcache.forget_post(oid)
    try:
        stores.tasks().enqueue_debounced(f"settle-shares:{oid}", SETTLE_SECONDS, "jobs.posts.settle_shares",
                                         str(oid))
    except Exception as exc:  # noqa: BLE001 - the writer is answered its own error, not this one
        log.warning("could not queue the recount of the shares of post %s: %s", oid, exc)


def settle_shares(post_id: str) -> int:
    """Recount ``counts.shares`` of ``post_id`` from the stored shares and drop
    its copy, after a share write answered with an error. Idempotent (the job
    ``jobs.posts.settle_shares``). Returns the count set. Raises
    :class:`pymongo.errors.PyMongoError` while MongoDB does not answer (the job
    is retried)."""
    oid = parse_id(post_id, "post")
    n = _recount_shares(oid)
    postcache.forget_post(oid)
    return n


def unshare_post(post_id: str, user_id: str) -> bool:
    """Undo ``user_id``'s repost of ``post_id`` (the original, or one of its
    reposts): deletes the repost (:func:`delete_post`). Returns whether there
    was one. Raises :class:`NotFound` when the post is gone or hidden."""
    original = _visible_doc(post_id, user_id)
    if original.get("share_of") and original.get("kind") == "repost":
        original = _get_doc(str(original["share_of"]), user_id)
    mine = _db().posts.find_one({"author_id": user_id, "kind": "repost", "share_of": original["_id"]}, {"_id": 1})
    if mine is None:
        return False
    delete_post(str(mine["_id"]), user_id)
    return True


def reposted_among(viewer: str | None, post_ids: list[str]) -> set[str]:
    """Which of ``post_ids`` ``viewer`` has reposted (one indexed query)."""
    oids = [ObjectId(p) for p in post_ids if ObjectId.is_valid(p)]
    if not viewer or not oids:
        return set()
    return {str(d["share_of"]) for d in _db().posts.find(
        {"author_id": viewer, "kind": "repost", "share_of": {"$in": oids}}, {"share_of": 1})}


#: reposters listed at most by :func:`reposters`
MAX_REPOSTERS = 80


def reposters(post_id: str, viewer: str | None, limit: int = 40) -> list[dict]:
    """Who reposted a post the viewer may see, newest first, at most ``limit``
    (<= :data:`MAX_REPOSTERS`): short profiles; users blocked either way with
    the viewer are left out. Raises :class:`NotFound`."""
    doc = _visible_doc(post_id, viewer)
    limit = max(1, min(int(limit), MAX_REPOSTERS))
    flt: dict = {"share_of": doc["_id"], "kind": "repost"}
    blocked = blocked_either_way(viewer)
    if blocked:
        flt["author_id"] = {"$nin": sorted(blocked)}
    rows = list(_db().posts.find(flt, {"author_id": 1}).sort([("created_at", -1), ("_id", -1)]).limit(limit))
    profiles = short_profiles([r["author_id"] for r in rows])
    return [profiles[r["author_id"]] for r in rows if r["author_id"] in profiles]

