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
runs (RQ retries).

The mirror is coalesced: an event's job only inserts the act with
``pending: true`` (sparse index ``pending``) and queues the mirror job
(``jobs.graph.mirror_interactions``) unless one is already waiting
(:meth:`~socialgraph.stores.queue.TaskQueue.enqueue_once`). That job
(:func:`mirror_pending`) takes the pending acts in batches of
:data:`MIRROR_BATCH`, re-reads the counts of their pairs from the ledger (one
aggregation, index ``(a, b)``), writes them to the relationships in one
``graph/interactions/merge_interactions_batch`` and clears ``pending``: per
reaction one MongoDB insert instead of an insert, an aggregation and a Bolt
write (``bench/bench_writes.py``). Each figure only grows, so jobs that run
twice, out of order or at once converge on the ledger; an act stays pending
(durably, in MongoDB) until a mirror job has written its pair, and the
sweeper (``jobs.operations.sweep``) queues one for acts left pending.

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
#: pending acts per batch of the coalesced mirror (one aggregation, one Cypher, one update each)
MIRROR_BATCH = 500
#: the job of the coalesced mirror, and its :meth:`TaskQueue.enqueue_once` key
MIRROR_JOB = "jobs.graph.mirror_interactions"
MIRROR_KEY = "interactions:mirror"


def _db():
    return stores.mongo()[COLLECTION]


def record(kind: str, a: str, b: str, key: str, at: datetime | None = None) -> bool:
    """Count one act of ``kind`` (one of :data:`KINDS`) by ``a`` towards ``b``,
    named by ``key``, at ``at`` (now by default), once, as pending: the pair
    is mirrored by the next :func:`mirror_pending` (queued by the caller,
    :func:`on_event`). Returns whether the act was counted now (False for an
    act towards oneself, an unknown kind, or one counted before). Idempotent."""
    if not a or not b or a == b or kind not in KINDS:
        return False
    try:
        _db().insert_one({"_id": f"{kind}:{key}:{a}:{b}", "a": a, "b": b, "kind": kind, "at": at or clock.now(),
                          "pending": True})
    except DuplicateKeyError:
        return False
    return True


def _counts_of(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The ledger's figures of each ``(a, b)`` of ``pairs`` (one aggregation):
    ``{(a, b): {reactions, comments, mentions, shares, messages, last_at}}``;
    a pair without any act is left out."""
    out: dict[tuple[str, str], dict] = {}
    if not pairs:
        return out
    for row in _db().aggregate([{"$match": {"$or": [{"a": a, "b": b} for a, b in pairs]}},
                                {"$group": {"_id": {"a": "$a", "b": "$b", "kind": "$kind"}, "n": {"$sum": 1},
                                            "last": {"$max": "$at"}}}], batchSize=len(pairs) * len(KINDS)):
        pair = (row["_id"]["a"], row["_id"]["b"])
        c = out.setdefault(pair, {**{k: 0 for k in KINDS}, "last_at": None})
        if row["_id"]["kind"] in KINDS:
            c[row["_id"]["kind"]] = int(row["n"])
        if c["last_at"] is None or row["last"] > c["last_at"]:
            c["last_at"] = row["last"]
    return out


def mirror_pending(batch: int = MIRROR_BATCH) -> dict:
    """The coalesced mirror (job ``jobs.graph.mirror_interactions``): write
    the pairs of every pending act to the graph, :data:`MIRROR_BATCH` acts at a
    time (their pairs' counts in one aggregation, one
    ``merge_interactions_batch``, then ``pending`` cleared on exactly those
    acts), until none is left. Returns ``{"acts": n, "pairs": n}`` (acts
    cleared, relationships written). Idempotent; a store error leaves the
    acts of the batch pending (the job's retry takes them again)."""
    stores.tasks().started_once(MIRROR_KEY)
    acts = written = 0
    while True:
        docs = list(_db().find({"pending": True}, {"a": 1, "b": 1}, batch_size=batch).limit(batch))
        if not docs:
            break
        pairs = sorted({(d["a"], d["b"]) for d in docs})
        counted = _counts_of(pairs)
        rows = [{"a": a, "b": b, **counted[(a, b)]} for a, b in pairs if (a, b) in counted]
        if rows:
            res = stores.graph().write("graph/interactions/merge_interactions_batch", rows=rows)
            written += int(res[0]["pairs"]) if res else 0
        _db().update_many({"_id": {"$in": [d["_id"] for d in docs]}}, {"$unset": {"pending": ""}})
        acts += len(docs)
        if len(docs) < batch:
            break
    return {"acts": acts, "pairs": written}


def has_pending() -> bool:
    """Whether an act waits for the mirror (the sweeper's check)."""
    return _db().find_one({"pending": True}, {"_id": 1}) is not None


def queue_mirror() -> str:
    """Queue :func:`mirror_pending` unless a run is already waiting; returns
    what :meth:`~socialgraph.stores.queue.TaskQueue.enqueue_once` returns."""
    return stores.tasks().enqueue_once(MIRROR_KEY, MIRROR_JOB)


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
    once (pending) and queue the coalesced mirror (:func:`queue_mirror`; also
    after an act counted before, which a failed earlier run may have left
    unqueued). Returns how many acts were counted now."""
    counted = 0
    seen = set()
    for kind, actor, other, keys in EVENTS.get(event, []):
        a, b = payload.get(actor) or "", payload.get(other) or ""
        if (a, b) in seen or not a or not b or a == b:
            continue
        seen.add((a, b))
        key = "/".join(str(payload.get(k) or "") for k in keys)
        counted += record(kind, a, b, key)
    if seen:
        queue_mirror()
    return counted


def _erase(uid: str) -> dict:
    """Account deletion: the ledger entries by and towards ``uid`` (the
    relationships go with the user node)."""
    res = _db().delete_many({"$or": [{"a": uid}, {"b": uid}]})
    return {"interactions": res.deleted_count}


register_area("interactions", order=70, erase=_erase)
