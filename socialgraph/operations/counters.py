"""Doctor check ``counters``: stored counters against the data they count.

Posts keep ``counts.reactions.<type>``, ``counts.comments`` and
``counts.shares``; comments keep ``counts.reactions.<type>`` and
``reply_count`` (all ``$inc``-maintained, :mod:`socialgraph.content`). The
check recounts them from ``reactions``, ``comments`` (placeholders of
deleted comments, ``deleted: true``, are not counted) and shares (posts with
``share_of``), a batch of :data:`BATCH` documents at a time, and the repair
sets the recounted values. Follower, following and member counts are not
stored: they are counted in the graph on every read
(``get_profile_by_uid``, ``get_group``), so they cannot disagree.

A repair races with writes made while it runs (it ``$set``s what it just
counted); run it again, or at a quiet time, if findings come back.
"""
from __future__ import annotations

from typing import Callable, Iterable

from socialgraph import stores
from socialgraph.operations.doctor import Finding, register_check

#: documents per recount query
BATCH = 500


def _stored_reactions(doc: dict) -> dict[str, int]:
    return {k: int(v) for k, v in ((doc.get("counts") or {}).get("reactions") or {}).items() if v}


def _recount(db, coll: str, field: str, ids: list) -> dict:
    """``{_id: n}`` of non-deleted documents of ``coll`` whose ``field`` is in ``ids``."""
    rows = db[coll].aggregate([{"$match": {field: {"$in": ids}, "deleted": {"$ne": True}}},
                               {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}])
    return {r["_id"]: r["n"] for r in rows}


def _reaction_counts(db, targets: list[str]) -> dict[str, dict[str, int]]:
    rows = db.reactions.aggregate([{"$match": {"target": {"$in": targets}}},
                                   {"$group": {"_id": {"target": "$target", "type": "$type"}, "n": {"$sum": 1}}}])
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["_id"]["target"], {})[r["_id"]["type"]] = r["n"]
    return out


def _batches(coll, projection: dict, progress: Callable) -> Iterable[list[dict]]:
    total = coll.estimated_document_count()
    done, last = 0, None
    while True:
        page = list(coll.find({} if last is None else {"_id": {"$gt": last}}, projection,
                              sort=[("_id", 1)], limit=BATCH))
        if not page:
            return
        yield page
        last = page[-1]["_id"]
        done += len(page)
        progress(done, max(total, done))


def _set(coll: str, oid, values: dict) -> Callable[[], object]:
    return lambda: stores.mongo()[coll].update_one({"_id": oid}, {"$set": values})


def check_counters(progress) -> Iterable[Finding]:
    """Findings ``counters: post <id>: like 17 stored, 34 counted; ...``."""
    db = stores.mongo()
    for page in _batches(db.posts, {"counts": 1}, progress):
        ids = [d["_id"] for d in page]
        reactions = _reaction_counts(db, [f"post:{i}" for i in ids])
        comments = _recount(db, "comments", "post_id", ids)
        shares = _recount(db, "posts", "share_of", ids)
        for d in page:
            counts = d.get("counts") or {}
            wrong, fix = [], {}
            actual = reactions.get(f"post:{d['_id']}", {})
            if _stored_reactions(d) != actual:
                wrong.append(f"reactions {_stored_reactions(d)} stored, {actual} counted")
                fix["counts.reactions"] = actual
            for name, got in (("comments", comments.get(d["_id"], 0)), ("shares", shares.get(d["_id"], 0))):
                if int(counts.get(name) or 0) != got:
                    wrong.append(f"{name} {int(counts.get(name) or 0)} stored, {got} counted")
                    fix[f"counts.{name}"] = got
            if wrong:
                yield Finding("counters", f"post {d['_id']}: " + "; ".join(wrong), repair=_set("posts", d["_id"], fix))
    for page in _batches(db.comments, {"counts": 1, "reply_count": 1}, progress):
        ids = [d["_id"] for d in page]
        reactions = _reaction_counts(db, [f"comment:{i}" for i in ids])
        replies = _recount(db, "comments", "parent_id", ids)
        for d in page:
            wrong, fix = [], {}
            actual = reactions.get(f"comment:{d['_id']}", {})
            if _stored_reactions(d) != actual:
                wrong.append(f"reactions {_stored_reactions(d)} stored, {actual} counted")
                fix["counts.reactions"] = actual
            got = replies.get(d["_id"], 0)
            if int(d.get("reply_count") or 0) != got:
                wrong.append(f"replies {int(d.get('reply_count') or 0)} stored, {got} counted")
                fix["reply_count"] = got
            if wrong:
                yield Finding("counters", f"comment {d['_id']}: " + "; ".join(wrong),
                              repair=_set("comments", d["_id"], fix))


register_check("counters", check_counters)
