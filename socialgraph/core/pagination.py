"""Opaque cursors for keyset (cursor) pagination.

A cursor is the sort key of the last item of a page, JSON-encoded and
base64url'd: clients pass it back as ``?cursor=`` and never build one. No
offsets are used, so pages stay stable while new items arrive.

Cursors come back from clients, so :func:`decode_cursor` treats them as
hostile: every field a caller asks for is checked against its type and
range in :data:`CURSOR_FIELDS` (a forged ``{"at": 1e20}``, ``{"m": "x"}``,
``{"rank": true}``, ``NaN`` or ``{"seq": 1e20}`` is a 400, never a 500 from
a datetime overflow, a comparison of str with int or a 64-bit overflow in
a store).
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Generic, Mapping, Sequence, TypeVar

from socialgraph.core.errors import MalformedRequest

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

#: Longest cursor accepted (characters); ours are well under 200.
MAX_CURSOR_CHARS = 1000
#: Epoch milliseconds of 9999-12-31T23:59:59.999Z, the last instant Python's
#: ``datetime`` (and BSON dates in practice) can hold.
MAX_EPOCH_MS = 253_402_300_799_999
MIN_EPOCH_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
INT64_MAX = 2 ** 63 - 1


def _int_in(low: int, high: int):
    def check(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
    return check


def _finite_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 1e300


def _short_str(v) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 200


#: Cursor field -> its check. ``at``: epoch ms (:func:`encode_cursor` of a
#: datetime); ``seq``: a 64-bit sequence number; ``m``: a count; ``rank``: a
#: finite score; ids, uids, usernames and names: short strings.
CURSOR_FIELDS = {
    "at": _int_in(MIN_EPOCH_MS, MAX_EPOCH_MS),
    "seq": _int_in(0, INT64_MAX),
    "m": _int_in(0, 2 ** 31),
    "rank": _finite_number,
    "id": _short_str, "uid": _short_str, "u": _short_str, "name": _short_str,
}


def _bad_cursor(message: str = "not a cursor"):
    return MalformedRequest("invalid cursor", errors=[{"field": "cursor", "message": message}])


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


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

    Every field in ``fields`` must be present and pass its check in
    :data:`CURSOR_FIELDS` (fields without one must be present only). Raises
    :class:`MalformedRequest` (400) for anything a client did not get from us.
    """
    if not cursor:
        return None
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS:
        raise _bad_cursor()
    try:
        pad = "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(cursor + pad), parse_constant=_no_constants)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _bad_cursor()
    if not isinstance(key, dict) or any(f not in key for f in fields):
        raise _bad_cursor()
    for f in fields:
        check = CURSOR_FIELDS.get(f)
        if check is not None and not check(key[f]):
            raise _bad_cursor(f"{f} is out of range or of the wrong type")
    return key


def ms_to_datetime(ms: int) -> datetime:
    """Epoch milliseconds (:data:`MIN_EPOCH_MS`..:data:`MAX_EPOCH_MS`) -> aware UTC datetime; else 400."""
    if not CURSOR_FIELDS["at"](ms):
        raise _bad_cursor()
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


def keyset_page(read: Callable[..., Sequence[Mapping[str, Any]]], cursor: str | None, limit: int | None,
                shape: Callable[[Mapping[str, Any]], T], *, at_field: str = "at",
                keep: Callable[[Mapping[str, Any]], bool] | None = None) -> Page[T]:
    """One page of a list keyset-paginated on (time, uid), the order the query
    itself gives (newest or oldest first).

    ``read(limit=, after_at=, after_uid=)`` runs the query for at most
    ``limit`` rows after the key (``after_at`` an aware datetime, ``None`` on
    the first page); every row has ``uid`` and the time in ``at_field``.
    ``limit`` is clamped (:func:`clamp_limit`) and one row more is asked for,
    to know whether there is a next page. ``shape`` turns a row into an item;
    ``keep`` drops rows from the items (a filter applied after the read, so the
    cursor still moves past them). Raises :class:`MalformedRequest` (400) for
    a cursor we did not make."""
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "uid")
    rows = read(limit=limit + 1,
                after_at=ms_to_datetime(key["at"]) if key else None,
                after_uid=str(key["uid"]) if key else None)
    items = [shape(r) for r in rows[:limit] if keep is None or keep(r)]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last[at_field]), "uid": last["uid"]})
    return Page(items, next_cursor)


def _default(value):
    if isinstance(value, datetime):
        return datetime_to_ms(value)
    raise TypeError(type(value))
