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
