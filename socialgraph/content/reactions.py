"""Typed reactions on posts and comments, one per user and target, written by
compare-and-set (document shape in :mod:`socialgraph.content.posts`).
"""
from __future__ import annotations

import logging

from flask import current_app
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.content import postcache
from socialgraph.content.visibility import can_view_post
from socialgraph.core import clock, events
from socialgraph.core.errors import Conflict, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
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


REACTION_TYPES = ("like", "love", "laugh", "angry", "sad")


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
    :class:`ValidationFailed` for an unknown type, :class:`NotFound` (also
    when the target is deleted at the same moment),
    :class:`Conflict` when concurrent changes of the same reaction keep
    winning (:func:`_swap_reaction`). Publishes ``reaction.created`` for a
    new or changed reaction. A MongoDB error half-way (the reaction maybe
    stored, its count maybe not) is raised after the target's counts are
    recounted from the stored reactions (:func:`_unknown_outcome`).
    """
    if reaction not in REACTION_TYPES:
        raise ValidationFailed("unknown reaction type", errors=[
            {"field": "type", "message": "one of " + ", ".join(REACTION_TYPES)}])
    coll, doc, target, post = _target(kind, target_id, user_id)
    db = _db()
    try:
        old_type = _swap_reaction(target, user_id, reaction)
        inc = {}
        if old_type is None:
            inc[f"counts.reactions.{reaction}"] = 1
        elif old_type != reaction:
            inc[f"counts.reactions.{reaction}"] = 1
            inc[f"counts.reactions.{old_type}"] = -1
        # the target must still exist, asked of the store after the write (the
        # check above may have read a cached copy): if the post or comment was
        # deleted meanwhile, its purge may already have run, so the reaction
        # takes itself out again (a purge running later removes it anyway)
        matched = bool(inc) and db[coll].update_one({"_id": doc["_id"], "deleted": {"$ne": True}},
                                                    {"$inc": inc}).matched_count
    except PyMongoError:  # a write applied with its answer lost? the counts are recounted
        _unknown_outcome(coll, doc["_id"], target, user_id, post["_id"])
        raise
    if inc:
        if not matched:
            _db().reactions.delete_one({"target": target, "user_id": user_id})
            _reaction_written(coll, doc["_id"], user_id, target, None, post["_id"])
            raise NotFound(f"{kind} not found")
        fresh = _reaction_written(coll, doc["_id"], user_id, target, reaction, post["_id"])
        events.publish("reaction.created", target=target, user_id=user_id, owner_id=doc["author_id"],
                       type=reaction, post_id=str(post["_id"]))
        return {"reaction": reaction, "counts": _counts(coll, doc["_id"], fresh)}
    return {"reaction": reaction, "counts": _counts(coll, doc["_id"])}


def unreact(kind: str, target_id: str, user_id: str) -> dict:
    """Remove the user's reaction, if any. Returns ``{"reaction": None, "counts"}``.
    Raises :class:`NotFound`; a MongoDB error half-way is raised after the
    counts are recounted, as :func:`react`'s."""
    coll, doc, target, post = _target(kind, target_id, user_id)
    db = _db()
    try:
        old = _remove_reaction(target, user_id)
        if old is not None:
            db[coll].update_one({"_id": doc["_id"]}, {"$inc": {f"counts.reactions.{old['type']}": -1}})
    except PyMongoError:  # a write applied with its answer lost? the counts are recounted
        _unknown_outcome(coll, doc["_id"], target, user_id, post["_id"])
        raise
    fresh = None
    if old is not None:
        fresh = _reaction_written(coll, doc["_id"], user_id, target, None, post["_id"])
    return {"reaction": None, "counts": _counts(coll, doc["_id"], fresh)}


#: seconds after a reaction write that failed half-way before
#: :func:`settle_reactions` recounts its target again as a job (past the store
#: timeouts of other writes on the target still under way then)
SETTLE_SECONDS = 10


def _recount(db, coll: str, oid, target: str) -> dict[str, int] | None:
    """Set ``counts.reactions`` of the post or comment ``oid`` to its reactions
    as stored (``{type: n}``, the doctor's ``counters`` rule); returns them,
    or None when the target is gone. One indexed ``find`` of the target's
    reactions (counted here: no ``$group``, which SecantusDB runs without its
    indexes), one update."""
    counts: dict[str, int] = {}
    for r in db.reactions.find({"target": target}, {"type": 1, "_id": 0}):
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    if not db[coll].update_one({"_id": oid}, {"$set": {"counts.reactions": counts}}).matched_count:
        return None
    return counts


def _forget(coll: str, oid, user_id: str, post_oid) -> None:
    """Drop the copies a reaction write may have left stale: the user's reactions
    copy, and the post's copy (a post's reaction) or its thread copy (a comment's)."""
    readcache.invalidate(REACTIONS_KEY.format(uid=user_id))
    if coll == "posts":
        postcache.forget_post(oid)
    else:
        postcache.forget_thread(post_oid)


def _unknown_outcome(coll: str, oid, target: str, user_id: str, post_oid) -> None:
    """A reaction write whose step raised (MongoDB may have applied it and lost
    the answer; the writer is answered the error): the reaction stays as
    stored, whatever it is (a retry sets the same: one per user and target),
    and the target's counts are recounted from it at once (if MongoDB answers)
    and again by :func:`settle_reactions` :data:`SETTLE_SECONDS` later; the
    copies are dropped."""
    try:
        _recount(_db(), coll, oid, target)
    except PyMongoError as exc:
        log.warning("could not recount the reactions of %s after a failed write now: %s", target, exc)
    try:
        _forget(coll, oid, user_id, post_oid)
    except RedisError as exc:
        log.warning("could not drop the copies of %s after a failed write: %s", target, exc)
    try:
        stores.tasks().enqueue_debounced(f"settle-reactions:{target}:{user_id}", SETTLE_SECONDS,
                                         "jobs.posts.settle_reactions", target, user_id)
    except Exception as exc:  # noqa: BLE001 - the writer is answered its own error, not this one
        log.warning("could not queue the recount of the reactions of %s: %s", target, exc)


def settle_reactions(target: str, user_id: str) -> dict[str, int] | None:
    """Recount ``counts.reactions`` of ``target`` (``"post:<id>"`` or
    ``"comment:<id>"``) from the stored reactions and drop the copies
    (``user_id``'s reactions copy, the post's or the thread's), after a
    reaction write of ``user_id`` answered with an error. Idempotent (the job
    ``jobs.posts.settle_reactions``). Returns the counts set (``{type: n}``),
    None when the target is gone. Raises :class:`pymongo.errors.PyMongoError`
    while MongoDB does not answer (the job is retried)."""
    kind, _, raw = target.partition(":")
    coll = "posts" if kind == "post" else "comments"
    oid = parse_id(raw, kind)
    db = _db()
    doc = db[coll].find_one({"_id": oid}, {"post_id": 1})
    if doc is None:
        return None
    counts = _recount(db, coll, oid, target)
    _forget(coll, oid, user_id, doc.get("post_id"))
    return counts


#: compare-and-set attempts before a reaction write gives up (only concurrent
#: writes of the same user on the same target make a second one necessary)
_CAS_ATTEMPTS = 5


def _swap_reaction(target: str, user_id: str, reaction: str) -> str | None:
    """Store ``user_id``'s ``reaction`` on ``target`` and return the type it
    replaced (None: there was none). Compare-and-set: insert it first (the
    unique index on ``(target, user_id)`` refuses it when there is one: a
    first reaction, the common write, is one round trip), else read the
    reaction and update it only if its type is still the one read; retried
    on a lost race. (Not a ``findAndModify``: on SecantusDB one that matches
    an existing document takes ~250 ms on 21,000 reactions, against ~2 ms
    for these calls.) Raises :class:`Conflict` after :data:`_CAS_ATTEMPTS` lost races."""
    from pymongo.errors import DuplicateKeyError

    reactions = _db().reactions
    key = {"target": target, "user_id": user_id}
    for _ in range(_CAS_ATTEMPTS):
        now = clock.now()
        try:
            reactions.insert_one({**key, "type": reaction, "created_at": now})
            return None
        except DuplicateKeyError:
            pass
        old = reactions.find_one(key, {"type": 1})
        if old is None:  # removed meanwhile: insert again
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


def _reaction_written(coll: str, oid, user_id: str, target: str, reaction: str | None, post_id=None) -> dict | None:
    """After a reaction write: the post's cached copy (counts; not its thread
    copy, which shows nothing of the post), or for a comment its post's thread
    copy, each made again at once if it was there (:func:`postcache.written`),
    and the user's reactions copy. Returns the post document read after the
    write when the post copy was made again (its counts answer the request)."""
    readcache.hash_write_through(REACTIONS_KEY.format(uid=user_id), target, reaction)
    if coll == "posts":
        return postcache.written(oid, post=True, thread=False)
    postcache.written(post_id, post=False, thread=True)
    return None


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


def _counts(coll: str, oid, fresh: dict | None = None) -> dict:
    """The positive reaction counts of a target: from ``fresh`` (its document
    read after the write) when given, else one ``find``."""
    doc = fresh if fresh is not None else (_db()[coll].find_one({"_id": oid}, {"counts.reactions": 1}) or {})
    return {k: v for k, v in (doc.get("counts", {}).get("reactions") or {}).items() if v > 0}
