"""Subscriber jobs for the one-job runner test: calls counted in Redis by key."""
from __future__ import annotations

from socialgraph import stores


def count(event: str, key: str) -> int:
    return stores.cache().incr(f"{key}:ok")


def fail(event: str, key: str) -> int:
    stores.cache().incr(f"{key}:failed")
    raise RuntimeError("this subscriber always fails")
