"""Opaque cursors for keyset (cursor) pagination.

A cursor is the sort key of the last item of a page, JSON-encoded and
base64url'd: clients pass it back as ``?cursor=`` and never build one. No
offsets are used, so pages stay stable while new items arrive.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, Sequence, TypeVar

from socialgraph.core.errors import MalformedRequest

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    """One page: ``items`` and the ``next_cursor`` (``None`` on the last page)."""

    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=_default).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, *fields: str) -> dict[str, Any] | None:
    """Decode a cursor made by :func:`encode_cursor`; ``None`` for no cursor.

    Raises :class:`MalformedRequest` for anything a client did not get from us.
    """
    if not cursor:
        return None
    try:
        pad = "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(cursor + pad))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
    if not isinstance(key, dict) or any(f not in key for f in fields):
        raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
    return key


def ms_to_datetime(ms: int) -> datetime:
    if not isinstance(ms, int) or isinstance(ms, bool):
        raise MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": "not a cursor"}])
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def as_utc(value):
    """A Python aware datetime from a Python or neo4j datetime (naive = UTC); ``None`` stays."""
    if value is None:
        return None
    if isinstance(value, (int, float)):  # epoch seconds
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if hasattr(value, "to_native"):
        value = value.to_native()
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def datetime_to_ms(value) -> int:
    """Milliseconds since the epoch for a Python or neo4j datetime (naive = UTC)."""
    return int(round(as_utc(value).timestamp() * 1000))


def clamp_limit(limit: int | None) -> int:
    if not limit:
        return DEFAULT_LIMIT
    return max(1, min(int(limit), MAX_LIMIT))


def _default(value):
    if isinstance(value, datetime):
        return datetime_to_ms(value)
    raise TypeError(type(value))
