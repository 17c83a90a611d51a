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

The mirror is coalesced: an event's job inserts the act and marks its pair
(``HINCRBY`` in :data:`DIRTY_KEY`, the queue Redis) and queues the mirror job
(``jobs.graph.mirror_interactions``) unless one is already waiting
(:meth:`~socialgraph.stores.queue.TaskQueue.enqueue_once`). That job
(:func:`mirror_pending`) takes the marked pairs in batches of
:data:`MIRROR_BATCH`, re-reads each pair's counts from the ledger (index
``(a, b)``) and writes them to the relationships in one
``graph/interactions/merge_interactions_batch``: per reaction no Bolt write of
its own (``bench/bench_writes.py``). Each figure only grows, so jobs that run
twice, out of order or at once converge on the ledger. The marks are as
durable as the RQ jobs (both in the queue Redis); a pair whose mark was lost
is written again with its next act, or by the rebuild.

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
#: marked pairs per batch of the coalesced mirror (one Cypher each)
MIRROR_BATCH = 500
#: the pairs waiting for the coalesced mirror: a hash in the queue Redis,
#: field ``"<a> <b>"`` -> how often marked (as durable as the RQ jobs themselves)
DIRTY_KEY = "sg:interactions:dirty"
#: the job of the coalesced mirror, and its :meth:`TaskQueue.enqueue_once` key
MIRROR_JOB = "jobs.graph.mirror_interactions"
MIRROR_KEY = "interactions:mirror"


def _db():
    return stores.mongo()[COLLECTION]


def record(kind: str, a: str, b: str, key: str, at: datetime | None = None) -> bool:
    """Count one act of ``kind`` (one of :data:`KINDS`) by ``a`` towards ``b``,
    named by ``key``, at ``at`` (now by default), once, in the ledger; the
    graph is written by the coalesced mirror (:func:`on_event` marks the pair,
    :func:`mirror_pending`). Returns whether the act was counted now (False
    for an act towards oneself, an unknown kind, or one counted before). Idempotent."""
    if not a or not b or a == b or kind not in KINDS:
        return False
    try:
        _db().insert_one({"_id": f"{kind}:{key}:{a}:{b}", "a": a, "b": b, "kind": kind, "at": at or clock.now()})
    except DuplicateKeyError:
        return False
    return True


def mark(pairs: list[tuple[str, str]]) -> None:
    """Mark ``pairs`` for the coalesced mirror (``HINCRBY`` of their fields in
    :data:`DIRTY_KEY`, one pipeline) and queue :func:`mirror_pending` unless a
    run waits (:func:`queue_mirror`). Raises ``redis.RedisError`` when the
    queue Redis is away (the event's job is then retried)."""
    if not pairs:
        return
    pipe = stores.queue_redis().pipeline(transaction=False)
    for a, b in pairs:
        pipe.hincrby(DIRTY_KEY, f"{a} {b}", 1)
    pipe.execute()
    queue_mirror()


#: compare-and-delete of the fields a mirror run has written: a field whose
#: count changed meanwhile (an act after the run read its pair) stays for the next run
_SETTLE_LUA = """
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
"""


def mirror_pending(batch: int = MIRROR_BATCH, max_batches: int = 20) -> dict:
    """The coalesced mirror (job ``jobs.graph.mirror_interactions``): for up
    to ``batch`` marked pairs at a time (``HRANDFIELD`` of :data:`DIRTY_KEY`),
    the ledger's counts of each (:func:`counts`, the ``(a, b)`` index: one
    indexed aggregation per pair, as before; an ``$or`` over many pairs makes
    SecantusDB scan the collection), written to the graph in one
    ``merge_interactions_batch``, then the marks settled (a mark whose count
    grew meanwhile stays). Until no mark is left, at most ``max_batches``
    batches (then it queues its next run). Returns ``{"pairs": n}``
    (relationships written). Idempotent: a failure leaves the marks for the
    retry; jobs at once or twice converge (each figure only grows)."""
    stores.tasks().started_once(MIRROR_KEY)
    r = stores.queue_redis()
    written = 0
    for _ in range(max_batches):
        flat = r.hrandfield(DIRTY_KEY, batch, withvalues=True) or []
        if not flat:
            return {"pairs": written}
        marks = [(flat[i].decode(), flat[i + 1].decode()) for i in range(0, len(flat), 2)]
        rows = []
        for field, _n in marks:
            a, _, b = field.partition(" ")
            c = counts(a, b)
            if c["last_at"] is not None:
                rows.append({"a": a, "b": b, **c})
        if rows:
            res = stores.graph().write("graph/interactions/merge_interactions_batch", rows=rows)
            written += int(res[0]["pairs"]) if res else 0
        r.register_script(_SETTLE_LUA)(keys=[DIRTY_KEY], args=[x for m in marks for x in m])
        if len(marks) < batch:
            return {"pairs": written}
    queue_mirror()
    return {"pairs": written}


def has_pending() -> bool:
    """Whether a pair waits for the mirror (the sweeper's check)."""
    return bool(stores.queue_redis().hlen(DIRTY_KEY))


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
    once and mark its pair for the coalesced mirror (:func:`mark`; also after
    an act counted before, which a failed earlier run may have left
    unmarked). Returns how many acts were counted now."""
    counted = 0
    seen: list[tuple[str, str]] = []
    for kind, actor, other, keys in EVENTS.get(event, []):
        a, b = payload.get(actor) or "", payload.get(other) or ""
        if (a, b) in seen or not a or not b or a == b:
            continue
        seen.append((a, b))
        key = "/".join(str(payload.get(k) or "") for k in keys)
        counted += record(kind, a, b, key)
    mark(seen)
    return counted


def _erase(uid: str) -> dict:
    """Account deletion: the ledger entries by and towards ``uid`` and its
    pairs' marks for the mirror (the relationships go with the user node)."""
    res = _db().delete_many({"$or": [{"a": uid}, {"b": uid}]})
    r = stores.queue_redis()
    marked = [f for f, _ in r.hscan_iter(DIRTY_KEY) if uid in f.decode().split(" ")]
    if marked:
        r.hdel(DIRTY_KEY, *marked)
    return {"interactions": res.deleted_count, "marked_pairs": len(marked)}


register_area("interactions", order=70, erase=_erase)
