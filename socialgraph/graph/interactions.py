"""Engagement between two users, mirrored into the graph.

One relationship per ordered pair, ``(a:User)-[:INTERACTED_WITH {reactions,
comments, mentions, shares, messages, last_at}]->(b:User)``: how often ``a``
reacted to ``b``'s posts and comments, commented on ``b``'s posts (or replied
to ``b``'s comments), mentioned ``b``, shared ``b``'s posts and wrote to ``b``
in a direct conversation, and when last. Friend suggestions read it as a
feature (:mod:`socialgraph.graph.suggestions`); analysts ask the graph who
engages with whom (``cypher/analytics/list_top_interactions.cypher``).

The truth is a MongoDB ledger, ``interactions``: one document per counted act,
``{_id: "<kind>:<key>:<a>:<b>", a, b, kind, at}``, where ``key`` names the
act (the reaction's target, the comment, the post or comment that mentions,
the share, the message), so an act is counted once however often its job
runs (RQ retries). After each insert the pair's counts are re-read from the
ledger (index ``(a, b)``) and written to the relationship by
``graph/interactions/merge_interactions``, which only lets each figure grow:
jobs that run twice, out of order or at once converge on the ledger.

Kept current by :func:`on_event`, the subscriber (``jobs.graph.interaction_event``)
of ``reaction.created``, ``comment.created``, ``user.mentioned``,
``post.shared`` and ``message.sent``; rebuilt for existing data by
``socialgraph suggestions rebuild-interactions``
(:mod:`socialgraph.operations.interactions`). Acts are history: deleting a
post or a reaction later does not lower the counts; deleting an account
erases its ledger entries both ways (area ``interactions``) and the
relationships go with its node (area ``graph``).
"""
from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import register_area

COLLECTION = "interactions"
KINDS = ("reactions", "comments", "mentions", "shares", "messages")


def _db():
    return stores.mongo()[COLLECTION]


def record(kind: str, a: str, b: str, key: str, at: datetime | None = None) -> dict | None:
    """Count one act of ``kind`` (one of :data:`KINDS`) by ``a`` towards ``b``,
    named by ``key``, at ``at`` (now by default), once; then mirror the pair.
    Returns the pair's figures ``{reactions, comments, mentions, shares,
    messages, last_at}`` as now in the graph (None for an act towards oneself
    or an unknown kind). Idempotent."""
    if not a or not b or a == b or kind not in KINDS:
        return None
    try:
        _db().insert_one({"_id": f"{kind}:{key}:{a}:{b}", "a": a, "b": b, "kind": kind, "at": at or clock.now()})
    except DuplicateKeyError:
        pass
    return mirror(a, b)


def counts(a: str, b: str) -> dict:
    """The ledger's figures of ``a`` towards ``b``: ``{reactions, comments,
    mentions, shares, messages, last_at}`` (``last_at`` None without any act)."""
    out: dict = {k: 0 for k in KINDS}
    out["last_at"] = None
    for row in _db().aggregate([{"$match": {"a": a, "b": b}},
                                {"$group": {"_id": "$kind", "n": {"$sum": 1}, "last": {"$max": "$at"}}}]):
        out[row["_id"]] = int(row["n"])
        if out["last_at"] is None or row["last"] > out["last_at"]:
            out["last_at"] = row["last"]
    return out


def mirror(a: str, b: str) -> dict | None:
    """Write the ledger's figures of ``a`` towards ``b`` to the graph; returns
    the relationship's figures (None when either user has no node or no act)."""
    c = counts(a, b)
    if c["last_at"] is None:
        return None
    rows = stores.graph().write("graph/interactions/merge_interactions", a=a, b=b, **c)
    return rows[0] if rows else None


def between(a: str, b: str) -> dict | None:
    """The graph's ``INTERACTED_WITH`` figures of ``a`` towards ``b`` (None when none)."""
    rows = stores.graph().read("graph/interactions/get_interactions", a=a, b=b)
    return rows[0] if rows else None


#: event -> [(kind, actor key, other key, act key(s))]: one event may count towards two people
#: (a reply counts for the post's author and for the parent comment's author)
EVENTS = {
    "reaction.created": [("reactions", "user_id", "owner_id", ("target",))],
    "comment.created": [("comments", "author_id", "post_author_id", ("comment_id",)),
                        ("comments", "author_id", "parent_author_id", ("comment_id",))],
    "user.mentioned": [("mentions", "by_uid", "mentioned_uid", ("post_id", "comment_id"))],
    "post.shared": [("shares", "user_id", "owner_id", ("share_id",))],
    "message.sent": [("messages", "sender_id", "recipient_id", ("message_id",))],
}


def on_event(event: str, **payload: str) -> int:
    """The subscriber of the engagement events (:data:`EVENTS`): count each act
    once and mirror its pair. Returns how many pairs were written."""
    written = 0
    seen = set()
    for kind, actor, other, keys in EVENTS.get(event, []):
        a, b = payload.get(actor) or "", payload.get(other) or ""
        if (a, b) in seen:
            continue
        seen.add((a, b))
        key = "/".join(str(payload.get(k) or "") for k in keys)
        if record(kind, a, b, key) is not None:
            written += 1
    return written


def _erase(uid: str) -> dict:
    """Account deletion: the ledger entries by and towards ``uid`` (the
    relationships go with the user node)."""
    res = _db().delete_many({"$or": [{"a": uid}, {"b": uid}]})
    return {"interactions": res.deleted_count}


register_area("interactions", order=70, erase=_erase)
