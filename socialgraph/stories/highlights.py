"""Story highlights: stories a user keeps on their profile after the 24 h
are over (``story_highlights``), in the owner's order.
"""
from __future__ import annotations


from bson import ObjectId
from pymongo import ReturnDocument

from socialgraph.core import clock
from socialgraph.core.errors import Forbidden, NotFound, ValidationFailed
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stories.stories import MAX_HIGHLIGHTS_STORIES, _audience_sets, _db, _in_audience, _oid, present


# -- highlights -----------------------------------------------------------------------------
def _keep(story_oids: list[ObjectId], keep: bool) -> None:
    """Mark stories kept (TTL field removed) or not kept (TTL back at expiry)."""
    db = _db()
    if not story_oids:
        return
    if keep:
        db.stories.update_many({"_id": {"$in": story_oids}}, {"$set": {"kept": True}, "$unset": {"purge_at": ""}})
        db.story_media.update_many({"story_id": {"$in": story_oids}}, {"$set": {"kept": True}})
        return
    for doc in db.stories.find({"_id": {"$in": story_oids}}, {"expires_at": 1, "author_id": 1}):
        if db.highlights.count_documents({"owner_id": doc["author_id"], "story_ids": doc["_id"]}, limit=1):
            continue  # still in another highlight
        db.stories.update_one({"_id": doc["_id"]}, {"$set": {"kept": False, "purge_at": doc["expires_at"]}})
        db.story_media.update_many({"story_id": doc["_id"]}, {"$set": {"kept": False}})


def _own_saveable(owner: str, ids: list[str]) -> list[ObjectId]:
    """Own stories that are active or already kept (an expired, unkept story is gone)."""
    oids = [_oid(i) for i in dict.fromkeys(ids)]
    if not oids:
        return []
    found = {d["_id"] for d in _db().stories.find(
        {"_id": {"$in": oids}, "author_id": owner,
         "$or": [{"expires_at": {"$gt": clock.now()}}, {"kept": True}]}, {"_id": 1})}
    missing = [str(o) for o in oids if o not in found]
    if missing:
        raise ValidationFailed("unknown or expired stories",
                               errors=[{"field": "story_ids", "message": f"no story {m} of yours to keep"} for m in missing[:5]])
    return oids


def _present_highlights(docs: list[dict], viewer: str | None) -> list[dict]:
    all_ids = [i for d in docs for i in d.get("story_ids", [])]
    stories = {s["_id"]: s for s in _db().stories.find({"_id": {"$in": all_ids}})} if all_ids else {}
    sets = _audience_sets(viewer) if viewer else None
    blocked = blocked_either_way(viewer)
    out = []
    for d in docs:
        visible = [stories[i] for i in d.get("story_ids", []) if i in stories
                   and (stories[i].get("kept") or stories[i]["expires_at"] > clock.now())
                   and _in_audience(stories[i], viewer, sets, blocked)]
        out.append({"id": str(d["_id"]), "title": d["title"], "created_at": d["created_at"],
                    "updated_at": d.get("updated_at"), "stories": present(visible, viewer)})
    return out


def create_highlight(owner: str, title: str, story_ids: list[str]) -> dict:
    """A named highlight of own stories (active or already kept); they are
    kept past their expiry. ``{id, title, created_at, updated_at, stories}``."""
    title = (title or "").strip()
    if not title or len(title) > 50:
        raise ValidationFailed("invalid title", errors=[{"field": "title", "message": "1 to 50 characters"}])
    oids = _own_saveable(owner, story_ids)
    if len(oids) > MAX_HIGHLIGHTS_STORIES:
        raise ValidationFailed("too many stories", errors=[{"field": "story_ids", "message": f"at most {MAX_HIGHLIGHTS_STORIES}"}])
    now = clock.now()
    doc = {"owner_id": owner, "title": title, "story_ids": oids, "created_at": now, "updated_at": now}
    _keep(oids, True)
    doc["_id"] = _db().highlights.insert_one(doc).inserted_id
    return _present_highlights([doc], owner)[0]


def _own_highlight(highlight_id: str, owner: str) -> dict:
    """The highlight if ``owner`` owns it. :class:`NotFound` when missing or
    its owner is blocked either way with the caller (as on the profile);
    :class:`Forbidden` for anyone else."""

    doc = _db().highlights.find_one({"_id": _oid(highlight_id, "highlight")})
    if doc is None or doc["owner_id"] in blocked_either_way(owner):
        raise NotFound("highlight not found")
    if doc["owner_id"] != owner:
        raise Forbidden("only the owner can change a highlight")
    return doc


def update_highlight(highlight_id: str, owner: str, title: str | None = None, add: list[str] | None = None,
                     remove: list[str] | None = None) -> dict:
    """Rename, add stories (active or kept, own) and remove stories; a story
    left in no highlight expires again (at once if its 24 h are over)."""
    doc = _own_highlight(highlight_id, owner)
    db = _db()
    update: dict = {"$set": {"updated_at": clock.now()}}
    if title is not None:
        if not title.strip() or len(title.strip()) > 50:
            raise ValidationFailed("invalid title", errors=[{"field": "title", "message": "1 to 50 characters"}])
        update["$set"]["title"] = title.strip()
    add_oids = _own_saveable(owner, add or [])
    remove_oids = [_oid(i) for i in (remove or [])]
    ids = [i for i in doc["story_ids"] if i not in remove_oids] + [i for i in add_oids if i not in doc["story_ids"]]
    update["$set"]["story_ids"] = ids[:MAX_HIGHLIGHTS_STORIES]
    _keep(add_oids, True)
    doc = db.highlights.find_one_and_update({"_id": doc["_id"]}, update, return_document=ReturnDocument.AFTER)
    _keep([o for o in remove_oids if o not in ids], False)
    return _present_highlights([doc], owner)[0]


def delete_highlight(highlight_id: str, owner: str) -> None:
    """Delete a highlight; its stories expire again unless in another one."""
    doc = _own_highlight(highlight_id, owner)
    _db().highlights.delete_one({"_id": doc["_id"]})
    _keep(doc["story_ids"], False)


def user_highlights(username: str, viewer: str | None) -> list[dict]:
    """Highlights on ``username``'s profile, newest first, each with the
    stories ``viewer`` may see. :class:`NotFound` for unknown or blocked users."""

    owner = resolve_uid(username)
    if owner in blocked_either_way(viewer):
        raise NotFound(f"no user named {username!r}")
    docs = list(_db().highlights.find({"owner_id": owner}).sort([("created_at", -1), ("_id", -1)]).limit(100))
    return _present_highlights(docs, viewer)
