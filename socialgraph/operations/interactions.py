"""Rebuild of the ``INTERACTED_WITH`` mirror from existing data
(``socialgraph suggestions rebuild-interactions``).

:mod:`socialgraph.graph.interactions` keeps the engagement ledger current from
events; data written before it existed (or while its jobs were lost) is
counted here by reading the durable collections, with the same act keys as
the events, so the rebuild and the jobs never count one act twice:

- ``reactions`` ``{target: "post:<id>"|"comment:<id>", user_id}`` towards
  the author of the target (key: the target);
- ``comments`` ``{post_id, parent_id, author_id}`` towards the post's author
  and the parent comment's author (key: the comment id), and the users its
  text @mentions (key: ``<post id>/<comment id>``);
- ``posts`` ``{author_id, mentions[], share_of}``: @mentions (key:
  ``<post id>/``) and shares towards the original's author (key: the share's id);
- ``messages`` of ``direct`` conversations towards the other member (key: the message id).

Idempotent: run it as often as wanted; every touched pair is mirrored again.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.errors import BulkWriteError

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.text import extract_mentions
from socialgraph.graph import interactions

BATCH = 2000


class _Ledger:
    """Buffered, idempotent ledger inserts; remembers the pairs touched."""

    def __init__(self):
        self.buf: list[dict] = []
        self.pairs: set[tuple[str, str]] = set()
        self.acts = 0

    def add(self, kind: str, a, b, key: str, at) -> None:
        if not a or not b or a == b:
            return
        self.buf.append({"_id": f"{kind}:{key}:{a}:{b}", "a": a, "b": b, "kind": kind, "at": at or clock.now()})
        self.pairs.add((a, b))
        self.acts += 1
        if len(self.buf) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        try:
            stores.mongo()[interactions.COLLECTION].insert_many(self.buf, ordered=False)
        except BulkWriteError as exc:  # already counted (duplicate _id): that is the idempotence
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
        self.buf = []


def _authors(collection: str, ids: set) -> dict:
    if not ids:
        return {}
    return {d["_id"]: d["author_id"] for d in stores.mongo()[collection].find({"_id": {"$in": list(ids)}},
                                                                               {"author_id": 1})}


def _uids(names: set[str]) -> dict[str, str]:
    if not names:
        return {}
    rows = stores.graph().read("graph/users/get_uids_by_usernames", usernames=sorted(names))
    return {r["username"]: r["uid"] for r in rows}


def _oid(value: str):
    try:
        return ObjectId(value)
    except Exception:  # noqa: BLE001 - a malformed id counts for nobody
        return None


def _chunks(cursor):
    chunk = []
    for doc in cursor:
        chunk.append(doc)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rebuild() -> dict:
    """Count every existing act into the ledger and mirror each pair into the
    graph. Returns ``{"acts": n, "pairs": n}`` (acts seen, pairs mirrored)."""
    db = stores.mongo()
    led = _Ledger()
    for chunk in _chunks(db.reactions.find({}, {"target": 1, "user_id": 1, "created_at": 1})):
        posts = {_oid(r["target"][5:]) for r in chunk if r["target"].startswith("post:")} - {None}
        comments = {_oid(r["target"][8:]) for r in chunk if r["target"].startswith("comment:")} - {None}
        owners = {**{f"post:{k}": v for k, v in _authors("posts", posts).items()},
                  **{f"comment:{k}": v for k, v in _authors("comments", comments).items()}}
        for r in chunk:
            led.add("reactions", r["user_id"], owners.get(r["target"]), r["target"], r.get("created_at"))
    for chunk in _chunks(db.comments.find({"deleted": {"$ne": True}},
                                          {"post_id": 1, "parent_id": 1, "author_id": 1, "text": 1, "created_at": 1})):
        post_authors = _authors("posts", {c["post_id"] for c in chunk})
        parent_authors = _authors("comments", {c["parent_id"] for c in chunk if c.get("parent_id")})
        names = _uids({n for c in chunk for n in extract_mentions(c.get("text") or "")})
        for c in chunk:
            cid, at = str(c["_id"]), c.get("created_at")
            led.add("comments", c["author_id"], post_authors.get(c["post_id"]), cid, at)
            if c.get("parent_id"):
                led.add("comments", c["author_id"], parent_authors.get(c["parent_id"]), cid, at)
            for n in extract_mentions(c.get("text") or ""):
                led.add("mentions", c["author_id"], names.get(n), f"{c['post_id']}/{cid}", at)
    flt = {"$or": [{"mentions.0": {"$exists": True}}, {"share_of": {"$ne": None}}]}
    for chunk in _chunks(db.posts.find(flt, {"author_id": 1, "mentions": 1, "share_of": 1, "created_at": 1})):
        originals = _authors("posts", {p["share_of"] for p in chunk if p.get("share_of")})
        names = _uids({n for p in chunk for n in p.get("mentions") or []})
        for p in chunk:
            pid, at = str(p["_id"]), p.get("created_at")
            for n in p.get("mentions") or []:
                led.add("mentions", p["author_id"], names.get(n), f"{pid}/", at)
            if p.get("share_of"):
                led.add("shares", p["author_id"], originals.get(p["share_of"]), pid, at)
    direct = {c["_id"]: c["members"] for c in db.conversations.find({"kind": "direct"}, {"members": 1})}
    if direct:
        for chunk in _chunks(db.messages.find({"conversation_id": {"$in": list(direct)}},
                                              {"conversation_id": 1, "sender_id": 1, "created_at": 1})):
            for m in chunk:
                others = [u for u in direct[m["conversation_id"]] if u != m["sender_id"]]
                if others:
                    led.add("messages", m["sender_id"], others[0], str(m["_id"]), m.get("created_at"))
    led.flush()
    written = sum(1 for a, b in sorted(led.pairs) if interactions.mirror(a, b) is not None)
    return {"acts": led.acts, "pairs": written}
