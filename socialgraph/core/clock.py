"""The one source of "now" (UTC, millisecond precision).

Millisecond precision matches MongoDB's dates, so a time written to the
graph and to MongoDB compares equal in both and round-trips through cursors.
Tests replace the clock with :func:`set_clock` instead of sleeping.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

_clock: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current UTC time, truncated to milliseconds."""
    value = _clock() if _clock else datetime.now(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Use ``clock`` for :func:`now` (``None`` restores the system clock)."""
    global _clock
    _clock = clock
