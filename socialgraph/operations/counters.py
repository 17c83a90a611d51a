"""Doctor check ``counters``: stored counters against the data they count.

Posts keep ``counts.reactions.<type>``, ``counts.comments`` and
``counts.shares``; comments keep ``counts.reactions.<type>`` and
``reply_count`` (all ``$inc``-maintained, :mod:`socialgraph.content`). The
check recounts them from ``reactions``, ``comments`` (placeholders,
``deleted: true``, are not counted, whether the author deleted the comment
or the account: :func:`socialgraph.content.comments.erase_comments_of`) and shares (posts with
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
from socialgraph.content import postcache
from socialgraph.operations.doctor import Finding, register_check

#: posts per recount (their comments and reactions are read with indexed
#: ``$in`` finds and counted here: SecantusDB runs ``$group`` pipelines
#: without its indexes, seconds per batch on the beer data set)
BATCH = 100
#: values per ``$in`` of one reactions query
IN_CHUNK = 100


def _stored_reactions(doc: dict) -> dict[str, int]:
    return {k: int(v) for k, v in ((doc.get("counts") or {}).get("reactions") or {}).items() if v}


def _reaction_counts(db, targets: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for i in range(0, len(targets), IN_CHUNK):
        for r in db.reactions.find({"target": {"$in": targets[i:i + IN_CHUNK]}}, {"target": 1, "type": 1, "_id": 0}):
            per = out.setdefault(r["target"], {})
            per[r["type"]] = per.get(r["type"], 0) + 1
    return out


def _share_counts(db) -> dict:
    """``{original _id: shares}`` over every post that is a share (one pass)."""
    out: dict = {}
    for d in db.posts.find({"share_of": {"$ne": None}}, {"share_of": 1}):
        if d.get("share_of") is not None:
            out[d["share_of"]] = out.get(d["share_of"], 0) + 1
    return out


def _set(coll: str, oid, values: dict) -> Callable[[], object]:
    """The repair of one document; a post's cached copy (and its pre-serialised
    body, which shows the counts) is dropped after the write."""

    def repair():
        result = stores.mongo()[coll].update_one({"_id": oid}, {"$set": values})
        if coll == "posts":
            postcache.forget_post(oid)  # the counts are the post's; its thread copy stays
        return result

    return repair


def _compare(what: str, doc: dict, actual_reactions: dict, others: list[tuple[str, str, int, int]]):
    """Lines and the ``$set`` of one document: ``others`` = [(label, field, stored, counted)]."""
    wrong, fix = [], {}
    if _stored_reactions(doc) != actual_reactions:
        wrong.append(f"reactions {_stored_reactions(doc)} stored, {actual_reactions} counted")
        fix["counts.reactions"] = actual_reactions
    for label, field, stored, counted in others:
        if stored != counted:
            wrong.append(f"{label} {stored} stored, {counted} counted")
            fix[field] = counted
    return wrong, fix


def check_counters(progress) -> Iterable[Finding]:
    """Findings ``counters: post <id>: reactions {'like': 17} stored, {'like': 34} counted; ...``
    (posts, then the comments of each batch of posts)."""
    db = stores.mongo()
    shares = _share_counts(db)
    total = max(db.posts.estimated_document_count(), 1)
    done, last = 0, None
    while True:
        page = list(db.posts.find({} if last is None else {"_id": {"$gt": last}}, {"counts": 1},
                                  sort=[("_id", 1)], limit=BATCH))
        if not page:
            break
        last = page[-1]["_id"]
        ids = [d["_id"] for d in page]
        comments = list(db.comments.find({"post_id": {"$in": ids}},
                                         {"post_id": 1, "parent_id": 1, "deleted": 1, "counts": 1,
                                          "reply_count": 1}))
        live_on: dict = {}
        replies_to: dict = {}
        for c in comments:
            if not c.get("deleted"):
                live_on[c["post_id"]] = live_on.get(c["post_id"], 0) + 1
            if c.get("parent_id") is not None:  # a reply_count counts the replies that exist, placeholders
                # too: a comment is hard-deleted only at reply_count 0 (content.comments.delete_comment)
                replies_to[c["parent_id"]] = replies_to.get(c["parent_id"], 0) + 1
        reactions = _reaction_counts(db, [f"post:{i}" for i in ids] + [f"comment:{c['_id']}" for c in comments])
        for d in page:
            counts = d.get("counts") or {}
            wrong, fix = _compare("post", d, reactions.get(f"post:{d['_id']}", {}), [
                ("comments", "counts.comments", int(counts.get("comments") or 0), live_on.get(d["_id"], 0)),
                ("shares", "counts.shares", int(counts.get("shares") or 0), shares.get(d["_id"], 0))])
            if wrong:
                yield Finding("counters", f"post {d['_id']}: " + "; ".join(wrong), repair=_set("posts", d["_id"], fix))
        for c in comments:
            wrong, fix = _compare("comment", c, reactions.get(f"comment:{c['_id']}", {}), [
                ("replies", "reply_count", int(c.get("reply_count") or 0), replies_to.get(c["_id"], 0))])
            if wrong:
                yield Finding("counters", f"comment {c['_id']}: " + "; ".join(wrong),
                              repair=_set("comments", c["_id"], fix))
        done += len(page)
        progress(done, max(total, done))


register_check("counters", check_counters)
