"""MongoDB conventions shared by every collection: ids and the database handle.

Documents use ``ObjectId`` keys except where a natural key exists (accounts,
sessions: uid/sid strings). Index definitions are in
:mod:`socialgraph.stores.schema`.
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from socialgraph.core.errors import NotFound


def parse_id(value: str, what: str = "post") -> ObjectId:
    """``ObjectId`` of a client-given id; malformed ids are :class:`NotFound`."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"{what} not found")
