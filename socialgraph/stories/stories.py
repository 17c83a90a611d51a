"""Stories: image or text posts that expire 24 hours after posting.

Documents (MongoDB):

- ``stories``: ``{_id, author_id, kind: "text"|"image"|"video", text, background,
  overlays: [{text, x, y, size, color, rotation}], stickers: [{type, value,
  x, y, scale, rotation}], media_key, audience: "everyone"|"friends"|
  "close_friends"|"custom", audience_uids: [uid], created_at, expires_at,
  purge_at, kept, view_count}``. ``purge_at`` carries the TTL index
  (``expireAfterSeconds=0``) and is removed while the story is saved to a
  highlight (``kept: true``); a story back out of every highlight gets it again.
- ``story_views``: ``{story_id, viewer_id, author_id, viewed_at, reaction,
  purge_at}``, unique per (story, viewer): each viewer is recorded once.
- ``story_replies``: ``{story_id, author_id, viewer_id, text, created_at}``
  (a reply becomes a direct message once messages exist; event ``story.replied``).
- ``story_media``: ``{_id: object key, story_id, author_id, expires_at, kept}``,
  the ledger of S3 objects the cleanup job (:func:`purge_expired`) removes
  once their story expired unkept (the TTL index removes documents only).
- ``highlights``: ``{_id, owner_id, title, story_ids: [ObjectId], created_at,
  updated_at}``, named collections on a profile that keep saved stories.

Rules: every read path filters ``expires_at > clock.now()`` so a story is
gone at the exact millisecond of expiry, before the TTL sweep; kept stories
are read only through highlights. Audience: ``everyone``; ``friends``
(``FRIENDS_WITH``); ``close_friends`` (the author's ``CLOSE_FRIEND`` list);
``custom`` (explicit uids). A block in either direction always wins. A
viewer outside the audience gets 404, as for a story that does not exist.
Only the author sees viewers and their count.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from bson import ObjectId

from socialgraph import stores
from socialgraph.content import media
from socialgraph.content.images import (
    delete_object,
    presigned_url,
    put_jpeg,
    reencode_jpeg,
)
from socialgraph.core import clock, events
from socialgraph.core.areas import register_area
from socialgraph.core.errors import Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import as_utc
from socialgraph.graph.people import following_uids, resolve_uid, short_profiles
from socialgraph.graph.profiles import (
    OWNER,
    UNDECIDED,
    FlagProbe,
    register_profile_flag,
)
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores.documents import parse_id

log = logging.getLogger(__name__)

LIFETIME = timedelta(hours=24)
AUDIENCES = ("everyone", "friends", "close_friends", "custom")
QUICK_REACTIONS = ("❤️", "😂", "😮", "😢", "😡", "👏", "🔥", "😍")
MAX_TEXT = 500
MAX_REPLY = 1000
MAX_CUSTOM_AUDIENCE = 500
MAX_HIGHLIGHTS_STORIES = 100
#: story images live at ``stories/<author_uid>/<story_id>.jpg``
MEDIA_KEY = "stories/{author}/{story_id}.jpg"
#: lifetime of presigned media URLs, seconds
URL_SECONDS = 3600


def _db():
    return stores.mongo()


def _oid(value: str, what: str = "story") -> ObjectId:
    return parse_id(value, what)


# -- audience ---------------------------------------------------------------------
def _audience_sets(viewer: str) -> dict[str, set[str]]:
    """``{"friends", "close_friend_of"}`` uid sets of ``viewer`` (one graph read)."""
    rows = stores.graph().read("stories/get_audience_sets", viewer=viewer)
    row = rows[0] if rows else {"friends": [], "close_friend_of": []}
    return {"friends": set(row["friends"]), "close_friend_of": set(row["close_friend_of"])}


def _in_audience(doc: dict, viewer: str | None, sets: dict | None = None, blocked: set | None = None) -> bool:
    """Whether ``viewer`` may see story ``doc`` (the author always may; blocks win)."""

    author = doc["author_id"]
    if viewer == author:
        return True
    if not viewer:
        return False
    if author in (blocked if blocked is not None else blocked_either_way(viewer)):
        return False
    audience = doc.get("audience", "everyone")
    if audience == "everyone":
        return True
    if audience == "custom":
        return viewer in (doc.get("audience_uids") or [])
    sets = sets if sets is not None else _audience_sets(viewer)
    if audience == "friends":
        return author in sets["friends"]
    if audience == "close_friends":
        return author in sets["close_friend_of"]
    return False


def _check_audience(author: str, audience: str, custom: list[str] | None) -> list[str]:
    if audience not in AUDIENCES:
        raise ValidationFailed("unknown audience", errors=[{"field": "audience", "message": "one of " + ", ".join(AUDIENCES)}])
    if audience != "custom":
        return []
    uids = sorted({str(u) for u in (custom or []) if u and str(u) != author})
    if not uids or len(uids) > MAX_CUSTOM_AUDIENCE:
        raise ValidationFailed("a custom audience needs people", errors=[
            {"field": "custom_audience", "message": f"1 to {MAX_CUSTOM_AUDIENCE} user ids other than yourself"}])
    known = short_profiles(uids)
    unknown = [u for u in uids if u not in known]
    if unknown:
        raise ValidationFailed("unknown users in the audience",
                               errors=[{"field": "custom_audience", "message": f"unknown user id {u}"} for u in unknown[:5]])
    return uids


# -- create ---------------------------------------------------------------------------
def _new_doc(author: str, kind: str, audience: str, custom: list[str] | None, overlays: list | None,
             stickers: list | None) -> dict:
    now = clock.now()
    return {"_id": ObjectId(), "author_id": author, "kind": kind, "text": None, "background": None,
            "overlays": list(overlays or []), "stickers": list(stickers or []), "media_key": None,
            "audience": audience, "audience_uids": _check_audience(author, audience, custom),
            "created_at": now, "expires_at": now + LIFETIME, "purge_at": now + LIFETIME,
            "kept": False, "view_count": 0}


def create_text_story(author: str, text: str, background: str = "#000000", overlays: list | None = None,
                      stickers: list | None = None, audience: str = "everyone",
                      custom_audience: list[str] | None = None) -> dict:
    """A text story (``text`` 1..500 characters on ``background``, plus
    overlays and stickers as structured data, validated by the API schema).
    Returns :func:`present` shape. Raises :class:`ValidationFailed`."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed("invalid text", errors=[{"field": "text", "message": f"1 to {MAX_TEXT} characters"}])
    doc = _new_doc(author, "text", audience, custom_audience, overlays, stickers)
    doc.update(text=text, background=background)
    _db().stories.insert_one(doc)
    _note_active(doc)
    return present([doc], author)[0]


def create_image_story(author: str, data: bytes, overlays: list | None = None, stickers: list | None = None,
                       audience: str = "everyone", custom_audience: list[str] | None = None) -> dict:
    """An image story: ``data`` is verified and re-encoded by Pillow (EXIF
    stripped, at most 1080x1920) and stored at ``stories/<author>/<id>.jpg``
    before the document is written; the media ledger row lets the cleanup job
    remove it after expiry. Raises :class:`ValidationFailed`."""

    doc = _new_doc(author, "image", audience, custom_audience, overlays, stickers)
    jpeg = reencode_jpeg(data)
    key = MEDIA_KEY.format(author=author, story_id=doc["_id"])
    db = _db()
    db.story_media.insert_one({"_id": key, "story_id": doc["_id"], "author_id": author,
                               "expires_at": doc["expires_at"], "kept": False})
    put_jpeg(key, jpeg)
    doc["media_key"] = key
    db.stories.insert_one(doc)
    _note_active(doc)
    return present([doc], author)[0]


def create_video_story(author: str, media_id: str, overlays: list | None = None, stickers: list | None = None,
                       audience: str = "everyone", custom_audience: list[str] | None = None) -> dict:
    """A video story from the author's own video upload (``POST /media``: probed,
    postered and transcoded to H.264/AAC MP4 by the media job). The upload is
    claimed for the story (it can no longer go on a post) and deleted with the
    story at expiry unless the story is kept in a highlight. Returns
    :func:`present` shape. Raises :class:`ValidationFailed`."""

    doc = _new_doc(author, "video", audience, custom_audience, overlays, stickers)
    mdoc = media.claim_for_story(author, media_id, doc["_id"])
    doc["media_id"] = mdoc["_id"]
    try:
        _db().stories.insert_one(doc)
        _note_active(doc)
    except Exception:
        _db().media.update_one({"_id": mdoc["_id"]}, {"$set": {"story_id": None}})
        raise
    return present([doc], author)[0]


def _delete_story_media(docs: list[dict]) -> int:
    """Delete the video uploads of ``docs`` (stories), objects included."""

    ids = [d["media_id"] for d in docs if d.get("media_id")]
    n = 0
    for m in _db().media.find({"_id": {"$in": ids}}) if ids else []:
        media.delete_media_doc(m)
        n += 1
    return n


# -- read ---------------------------------------------------------------------------------
def present(docs: list[dict], viewer: str | None, seen: set | None = None) -> list[dict]:
    """API shape: ``{id, author: {uid, username, display_name}, kind, text,
    background, overlays, stickers, media_url (presigned, 1 h), created_at,
    expires_at, seen, viewer_reaction}``; for the author also ``audience``,
    ``custom_audience``, ``view_count`` and ``kept``."""

    authors = short_profiles([d["author_id"] for d in docs])
    video_ids = [d["media_id"] for d in docs if d.get("media_id")]
    videos = {m["_id"]: m for m in _db().media.find({"_id": {"$in": video_ids}})} if video_ids else {}
    mine = {}
    if viewer and docs:
        mine = {v["story_id"]: v for v in _db().story_views.find(
            {"story_id": {"$in": [d["_id"] for d in docs]}, "viewer_id": viewer})}
    out = []
    for d in docs:
        a = authors.get(d["author_id"], {"uid": d["author_id"], "username": None, "display_name": None})
        item = {"id": str(d["_id"]), "author": {"uid": a["uid"], "username": a["username"],
                                                "display_name": a["display_name"],
                                                "avatar_id": a.get("avatar_id")},
                "kind": d["kind"], "text": d.get("text"), "background": d.get("background"),
                "overlays": d.get("overlays", []), "stickers": d.get("stickers", []),
                "media_url": presigned_url(d.get("media_key"), URL_SECONDS),
                "media": media.present([videos[d["media_id"]]], viewer)[0] if d.get("media_id") in videos else None,
                "created_at": d["created_at"], "expires_at": d["expires_at"],
                "seen": d["author_id"] == viewer or d["_id"] in mine or bool(seen and d["_id"] in seen),
                "viewer_reaction": (mine.get(d["_id"]) or {}).get("reaction")}
        if viewer == d["author_id"]:
            item.update(audience=d.get("audience"), custom_audience=d.get("audience_uids", []),
                        view_count=d.get("view_count", 0), kept=bool(d.get("kept")))
        out.append(item)
    return out


def _active(story_id: str, viewer: str | None) -> dict:
    """The active story if ``viewer`` may see it, else :class:`NotFound`
    (expired, unknown, outside the audience or blocked: the same answer)."""
    doc = _db().stories.find_one({"_id": _oid(story_id), "expires_at": {"$gt": clock.now()}})
    if doc is None or not _in_audience(doc, viewer):
        raise NotFound("story not found")
    return doc


def _record_view(doc: dict, viewer: str, reaction: str | None = None) -> bool:
    """Record ``viewer``'s view once (and ``reaction``); True for a first view."""
    if viewer == doc["author_id"]:
        return False
    db = _db()
    update: dict = {"$setOnInsert": {"viewed_at": clock.now(), "author_id": doc["author_id"],
                                     "purge_at": doc["expires_at"]}}
    if reaction:
        update["$set"] = {"reaction": reaction, "reacted_at": clock.now()}
    else:
        update["$setOnInsert"]["reaction"] = None
    res = db.story_views.update_one({"story_id": doc["_id"], "viewer_id": viewer}, update, upsert=True)
    if res.upserted_id is not None:
        db.stories.update_one({"_id": doc["_id"]}, {"$inc": {"view_count": 1}})
        events.publish("story.viewed", story_id=str(doc["_id"]), viewer=viewer, author_id=doc["author_id"])
        return True
    return False


def view_story(story_id: str, viewer: str) -> dict:
    """Open a story: returns it and records ``viewer``'s view (once per viewer;
    event ``story.viewed`` on the first). :class:`NotFound` when expired,
    outside the audience or blocked either way."""
    doc = _active(story_id, viewer)
    _record_view(doc, viewer)
    return present([doc], viewer)[0]


def user_stories(username: str, viewer: str) -> list[dict]:
    """Active stories of ``username`` that ``viewer`` may see, oldest first
    (the order they play in). :class:`NotFound` for unknown or blocked users."""

    author = resolve_uid(username)
    if author in blocked_either_way(viewer):
        raise NotFound(f"no user named {username!r}")
    docs = list(_db().stories.find({"author_id": author, "expires_at": {"$gt": clock.now()}})
                .sort([("created_at", 1), ("_id", 1)]).limit(100))
    sets = _audience_sets(viewer) if viewer and viewer != author else None
    docs = [d for d in docs if _in_audience(d, viewer, sets, blocked=set())]
    return present(docs, viewer)


def list_viewers(story_id: str, actor: str) -> dict:
    """The author's view list: ``{"count": n, "items": [{user: {uid,
    username, display_name}, viewed_at, reaction}]}``, newest first (at most
    500; users blocked since are left out of the list). Others: 403 if they
    can see the story, else 404."""

    doc = _active(story_id, actor)
    if doc["author_id"] != actor:
        raise Forbidden("only the author sees who viewed a story")
    hidden = blocked_either_way(actor)
    views = [v for v in _db().story_views.find({"story_id": doc["_id"]}).sort([("viewed_at", -1)]).limit(500)
             if v["viewer_id"] not in hidden]
    users = short_profiles([v["viewer_id"] for v in views])
    items = [{"user": users.get(v["viewer_id"], {"uid": v["viewer_id"], "username": None, "display_name": None}),
              "viewed_at": v["viewed_at"], "reaction": v.get("reaction")} for v in views]
    return {"count": doc.get("view_count", 0), "items": items}


def react(story_id: str, viewer: str, emoji: str) -> dict:
    """A quick emoji reaction (one of :data:`QUICK_REACTIONS`; the latest
    counts), which also records the view. Event ``story.reacted``.
    Raises :class:`NotFound`, :class:`ValidationFailed` (unknown emoji or own story)."""
    if emoji not in QUICK_REACTIONS:
        raise ValidationFailed("unknown reaction", errors=[{"field": "emoji", "message": "one of " + " ".join(QUICK_REACTIONS)}])
    doc = _active(story_id, viewer)
    if doc["author_id"] == viewer:
        raise ValidationFailed("you cannot react to your own story", errors=[{"field": "story_id", "message": "is yours"}])
    _record_view(doc, viewer, reaction=emoji)
    events.publish("story.reacted", story_id=str(doc["_id"]), viewer=viewer, author_id=doc["author_id"])
    return {"reaction": emoji}


def reply(story_id: str, viewer: str, text: str) -> dict:
    """Reply to a story (kept in ``story_replies``; event ``story.replied``
    so messaging can turn it into a direct message). Returns ``{id,
    story_id, text, created_at}``."""
    text = (text or "").strip()
    if not text or len(text) > MAX_REPLY:
        raise ValidationFailed("invalid reply", errors=[{"field": "text", "message": f"1 to {MAX_REPLY} characters"}])
    doc = _active(story_id, viewer)
    if doc["author_id"] == viewer:
        raise ValidationFailed("you cannot reply to your own story", errors=[{"field": "story_id", "message": "is yours"}])
    row = {"story_id": doc["_id"], "author_id": doc["author_id"], "viewer_id": viewer, "text": text,
           "created_at": clock.now()}
    row["_id"] = _db().story_replies.insert_one(row).inserted_id
    _record_view(doc, viewer)
    events.publish("story.replied", story_id=str(doc["_id"]), viewer=viewer, author_id=doc["author_id"])
    return {"id": str(row["_id"]), "story_id": str(doc["_id"]), "text": text, "created_at": row["created_at"]}


def delete_story(story_id: str, actor: str) -> None:
    """The author deletes a story (active or kept): document, views, media
    object and its place in highlights. Others: 404/403 as for reading."""

    db = _db()
    doc = db.stories.find_one({"_id": _oid(story_id)})
    if doc is None or (doc["author_id"] != actor and not (doc["expires_at"] > clock.now() and _in_audience(doc, actor))):
        raise NotFound("story not found")
    if doc["author_id"] != actor:
        raise Forbidden("only the author can delete a story")
    db.stories.delete_one({"_id": doc["_id"]})
    db.story_views.delete_many({"story_id": doc["_id"]})
    db.highlights.update_many({"owner_id": actor}, {"$pull": {"story_ids": doc["_id"]}})
    if doc.get("media_key"):
        delete_object(doc["media_key"])
        db.story_media.delete_one({"_id": doc["media_key"]})
    _delete_story_media([doc])


# -- tray and unseen flag ---------------------------------------------------------------------
def _visible_active(viewer: str, authors: list[str]) -> list[dict]:
    if not authors:
        return []
    hidden = blocked_either_way(viewer)
    authors = [a for a in authors if a not in hidden]
    docs = list(_db().stories.find({"author_id": {"$in": authors}, "expires_at": {"$gt": clock.now()}},
                                   {"author_id": 1, "audience": 1, "audience_uids": 1, "created_at": 1}))
    if not docs:
        return []
    sets = _audience_sets(viewer)
    return [d for d in docs if _in_audience(d, viewer, sets, blocked=hidden)]


def _seen(viewer: str, docs: list[dict]) -> set:
    if not docs:
        return set()
    return {v["story_id"] for v in _db().story_views.find(
        {"story_id": {"$in": [d["_id"] for d in docs]}, "viewer_id": viewer}, {"story_id": 1})}


def tray(viewer: str) -> list[dict]:
    """The story tray: users ``viewer`` follows with active stories ``viewer``
    may see, those with unseen stories first, then by latest story (newest
    first). ``[{user: {uid, username, display_name}, story_count,
    has_unseen_stories, latest_at}]``; the viewer's own entry, if any, leads."""

    docs = _visible_active(viewer, following_uids(viewer) + [viewer])
    seen = _seen(viewer, docs)
    by_author: dict[str, dict] = {}
    for d in docs:
        e = by_author.setdefault(d["author_id"], {"story_count": 0, "has_unseen_stories": False,
                                                  "latest_at": d["created_at"]})
        e["story_count"] += 1
        e["latest_at"] = max(e["latest_at"], d["created_at"])
        if d["_id"] not in seen and d["author_id"] != viewer:
            e["has_unseen_stories"] = True
    users = short_profiles(list(by_author))
    items = [{"user": users.get(a, {"uid": a, "username": None, "display_name": None}), **e}
             for a, e in by_author.items()]
    items.sort(key=lambda e: (e["user"]["uid"] != viewer, not e["has_unseen_stories"],
                              -as_utc(e["latest_at"]).timestamp()))
    return items


#: Authors with a story that may still be active: ZSET uid -> expiry (epoch
#: seconds) of their last story. Only ever raised (``ZADD GT``) when a story is
#: posted, so concurrent writers cannot lower it; a deleted story leaves its
#: entry until expiry (a false "maybe", which the MongoDB read of
#: :func:`has_unseen_stories` then answers). Complete while
#: :data:`ACTIVE_READY_KEY` exists; rebuilt from MongoDB when it does not
#: (a Redis restart, or hourly, which also trims expired entries).
ACTIVE_KEY = "sg:stories:active"
ACTIVE_READY_KEY = "sg:stories:active:ready"
ACTIVE_READY_SECONDS = 3600


def _active_until(author: str) -> float:
    """When ``author``'s last story may expire (epoch seconds; 0 when they have
    none active): one ``ZSCORE`` of :data:`ACTIVE_KEY`, so profiles of the many
    users without stories do not ask MongoDB. Falls back to MongoDB when Redis
    is away."""
    from redis.exceptions import RedisError

    r = stores.cache()
    try:
        pipe = r.pipeline(transaction=False)
        pipe.exists(ACTIVE_READY_KEY)
        pipe.zscore(ACTIVE_KEY, author)
        ready, until = pipe.execute()
        if not ready:
            _rebuild_active()
            until = r.zscore(ACTIVE_KEY, author)
        return float(until or 0.0)
    except RedisError:
        last = _db().stories.find_one({"author_id": author, "expires_at": {"$gt": clock.now()}},
                                      {"expires_at": 1}, sort=[("expires_at", -1)])
        return as_utc(last["expires_at"]).timestamp() if last else 0.0


def _rebuild_active() -> None:
    """Fill :data:`ACTIVE_KEY` from MongoDB (the active stories: at most 24 h
    of them, grouped by author), drop expired entries, mark it complete."""
    now = clock.now()
    rows = _db().stories.aggregate([{"$match": {"expires_at": {"$gt": now}}},
                                    {"$group": {"_id": "$author_id", "until": {"$max": "$expires_at"}}}])
    mapping = {row["_id"]: as_utc(row["until"]).timestamp() for row in rows}
    pipe = stores.cache().pipeline(transaction=False)
    if mapping:
        pipe.zadd(ACTIVE_KEY, mapping, gt=True)
    pipe.zremrangebyscore(ACTIVE_KEY, "-inf", now.timestamp())
    pipe.set(ACTIVE_READY_KEY, "1", ex=ACTIVE_READY_SECONDS)
    pipe.execute()


def _note_active(doc: dict) -> None:
    """A story was posted: raise its author's entry to the story's expiry."""
    from redis.exceptions import RedisError

    try:
        stores.cache().zadd(ACTIVE_KEY, {doc["author_id"]: as_utc(doc["expires_at"]).timestamp()}, gt=True)
    except RedisError:  # the entry comes back with the next rebuild (at most ACTIVE_READY_SECONDS)
        log.warning("could not note the active story of %s", doc["author_id"])


def has_unseen_stories(viewer: str | None, author: str) -> bool:
    """Whether ``author`` has an active story ``viewer`` may see and has not
    seen (the profile summary flag); ``False`` for anonymous viewers and oneself."""
    if not viewer or viewer == author:
        return False
    if _active_until(author) <= clock.now().timestamp():
        return False
    docs = _visible_active(viewer, [author])
    return bool(docs) and len(_seen(viewer, docs)) < len(docs)


















# -- cleanup ------------------------------------------------------------------------------------
def purge_expired(limit: int = 1000) -> dict:
    """Physical removal after expiry (idempotent; run by the
    ``jobs.stories.purge_expired`` job): media objects of expired, unkept
    stories leave object storage, and expired unkept story documents and
    their views go even if the TTL sweep has not run yet.
    Returns ``{"media": n, "stories": n}``."""

    db = _db()
    now = clock.now()
    media = 0
    for row in db.story_media.find({"expires_at": {"$lte": now}, "kept": False}).limit(limit):
        story = db.stories.find_one({"_id": row["story_id"]}, {"kept": 1})
        if story is not None and story.get("kept"):
            db.story_media.update_one({"_id": row["_id"]}, {"$set": {"kept": True}})
            continue
        delete_object(row["_id"])
        db.story_media.delete_one({"_id": row["_id"]})
        media += 1
    gone = [d["_id"] for d in db.stories.find({"expires_at": {"$lte": now}, "kept": {"$ne": True}}, {"_id": 1})
            .limit(limit)]
    if gone:
        media += _delete_story_media(list(db.stories.find({"_id": {"$in": gone}, "media_id": {"$exists": True}},
                                                          {"media_id": 1})))
        db.stories.delete_many({"_id": {"$in": gone}, "kept": {"$ne": True}})
        db.story_views.delete_many({"story_id": {"$in": gone}})
    return {"media": media, "stories": len(gone)}


# -- data portability (socialgraph.portability.service) -------------------------------------------------
def _story_prefix(uid: str) -> str:
    return MEDIA_KEY.format(author=uid, story_id="")[:-len(".jpg")]


def _export_area(ctx) -> None:
    """``stories.json`` (the user's stored stories, highlights, the views and
    reactions they gave and the replies they sent) and the story images as
    ``stories/<story_id>.jpg``."""
    from flask import current_app

    db = _db()
    fields = ("kind", "text", "background", "overlays", "stickers", "audience", "created_at", "expires_at",
              "kept", "view_count")
    ctx.add_json("stories.json", {
        "stories": [{"id": str(s["_id"]), **{k: s.get(k) for k in fields},
                     "file": f"stories/{s['_id']}.jpg" if s.get("media_key") else None}
                    for s in db.stories.find({"author_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)])],
        "highlights": [{"id": str(h["_id"]), "title": h["title"], "story_ids": [str(i) for i in h.get("story_ids", [])],
                        "created_at": h["created_at"], "updated_at": h.get("updated_at")}
                       for h in db.highlights.find({"owner_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)])],
        "views": [{"story_id": str(v["story_id"]), "viewed_at": v.get("viewed_at"), "reaction": v.get("reaction")}
                  for v in db.story_views.find({"viewer_id": ctx.uid}).sort("viewed_at", 1)],
        "replies": [{"story_id": str(r["story_id"]), "text": r["text"], "created_at": r["created_at"]}
                    for r in db.story_replies.find({"viewer_id": ctx.uid}).sort("created_at", 1)],
    })
    s3, bucket, prefix = stores.objects(), current_app.config["S3_BUCKET"], _story_prefix(ctx.uid)
    for obj in s3.list_objects(bucket, prefix=prefix, recursive=True):
        resp = s3.get_object(bucket, obj.object_name)
        try:
            ctx.add_bytes("stories/" + obj.object_name[len(prefix):], resp.read())
        finally:
            resp.close()
            resp.release_conn()


def _erase_area(uid: str) -> dict:
    """The user's stories (with their views and replies), highlights, media
    ledger and objects under ``stories/<uid>/``; the views, reactions and
    replies the user gave on others' stories. Idempotent."""
    from flask import current_app
    from minio.deleteobjects import DeleteObject

    db = _db()
    story_ids = [s["_id"] for s in db.stories.find({"author_id": uid}, {"_id": 1})]
    out = {
        "views": db.story_views.delete_many({"$or": [{"viewer_id": uid}, {"author_id": uid},
                                                     {"story_id": {"$in": story_ids}}]}).deleted_count,
        "replies": db.story_replies.delete_many({"$or": [{"viewer_id": uid}, {"author_id": uid}]}).deleted_count,
        "highlights": db.highlights.delete_many({"owner_id": uid}).deleted_count,
        "story_media": db.story_media.delete_many({"author_id": uid}).deleted_count,
    }
    s3, bucket = stores.objects(), current_app.config["S3_BUCKET"]
    names = [o.object_name for o in s3.list_objects(bucket, prefix=_story_prefix(uid), recursive=True)]
    errors = list(s3.remove_objects(bucket, [DeleteObject(n) for n in names]))
    if errors:
        raise RuntimeError(f"could not delete {len(errors)} story object(s): {errors[0]}")
    out["objects"] = len(names)
    out["stories"] = db.stories.delete_many({"author_id": uid}).deleted_count
    return out


def _register_portability() -> None:
    register_area("stories", order=62, export=_export_area, erase=_erase_area)


_register_portability()


def _unseen_from_index(viewer: str | None, author: str, replies: list) -> bool | object:
    """:func:`has_unseen_stories` from the profile script's reads of the active
    index (``EXISTS`` :data:`ACTIVE_READY_KEY`, ``ZSCORE`` :data:`ACTIVE_KEY`
    author): False for anonymous viewers, oneself, and an author whose last
    story has expired while the index is complete; else
    :data:`~socialgraph.graph.profiles.UNDECIDED` (MongoDB decides)."""
    if not viewer or viewer == author:
        return False
    ready, until = replies
    if ready and float(until or 0.0) <= clock.now().timestamp():
        return False
    return UNDECIDED


register_profile_flag("has_unseen_stories", has_unseen_stories,
                      FlagProbe(reads=(("EXISTS", ACTIVE_READY_KEY, None), ("ZSCORE", ACTIVE_KEY, OWNER)),
                                decide=_unseen_from_index))
