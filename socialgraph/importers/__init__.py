"""Loaders for the real public data sets in ``../shared/data`` (see its README).

Every loader is idempotent (a second run adds nothing: graph rows are
MERGEd on deterministic uids, documents are upserted on a ``source_key``
with ``$setOnInsert``), batched (``UNWIND`` batches and ``bulk_write``) and
reports progress through a ``progress(label, done, total)`` callback.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from bson import ObjectId

from socialgraph import stores
from socialgraph.graph import ordered

#: uuid5 namespace of imported ids, so the same source row always gets the same uid.
IMPORT_NAMESPACE = uuid.UUID("6f1c2a9e-3d4b-5a6c-8e7f-1029384756ab")


def import_uid(source: str, native_id: str | int) -> str:
    """Deterministic 32-hex uid of an imported user."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{source}:{native_id}").hex


def import_object_id(source_key: str, created_at: datetime) -> ObjectId:
    """Deterministic ObjectId: the creation time (so ids sort like dates) + a hash of the key."""
    ts = int(created_at.timestamp()).to_bytes(4, "big", signed=False)
    return ObjectId(ts + hashlib.sha1(source_key.encode()).digest()[:8])


def batched(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def no_progress(label: str, done: int, total: int | None = None) -> None:
    return None


def write_batches(query: str, rows: list[dict], batch: int, label: str, progress=no_progress, **params) -> None:
    """Run the catalog write ``query`` over ``rows`` in ``UNWIND`` batches of ``batch``."""

    g = stores.graph()
    done = 0
    for chunk in batched(rows, batch):
        g.write(query, rows=chunk, **params)
        done += len(chunk)
        progress(label, done, len(rows))


def write_friendship_graph(source: str, users: list[dict], edges: list[tuple], created_at, batch: int,
                           progress=no_progress) -> None:
    """Users (``importers/merge_users`` rows) and an undirected edge list of native
    ids of ``source``: each edge becomes two ``FOLLOWS`` and one ``FRIENDS_WITH``
    (MERGE: idempotent). At the end the degree counts stored on each of
    ``users`` (``followers_count``, ``following_count``, ``friends_count``)
    are set from their relationships, one query per batch
    (:func:`set_degree_counts`): the bulk MERGEs do not keep them."""
    write_batches("importers/merge_users", users, batch, "users", progress)
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges})
    friendships = [{"a": import_uid(source, a), "b": import_uid(source, b)} for a, b in pairs]
    follows = friendships + [{"a": f["b"], "b": f["a"]} for f in friendships]
    write_batches("importers/merge_follows", follows, batch, "follows", progress, created_at=created_at)
    write_batches("importers/merge_friendships", friendships, batch, "friendships", progress, created_at=created_at)
    set_degree_counts([u["uid"] for u in users], batch, progress)


def set_degree_counts(uids: list[str], batch: int = 2000, progress=no_progress) -> None:
    """Store the exact degree counts of ``uids`` counted over their
    relationships (``graph/users/set_degree_counts``, one query per batch):
    what a bulk write that bypasses the counted writes (an import, a
    benchmark's copy of follows) runs when it is done."""
    g = stores.graph()
    done = 0
    for chunk in batched(uids, batch):
        g.write("graph/users/set_degree_counts", uids=chunk)
        ordered.forget(*chunk)  # their people-list copies (socialgraph.graph.ordered)
        done += len(chunk)
        progress("degree counts", done, len(uids))
