"""Bulk graph fixtures for the hub tests: many imported users in one query
(the importers' own ``importers/merge_users``), as MUSAE's are made."""
from __future__ import annotations

from datetime import datetime

from socialgraph import stores
from socialgraph.core import clock
from tests.conftest import unique


def imported_users(n: int, prefix: str, display: str = "{uid}", at: datetime | None = None) -> list[str]:
    """``n`` new imported users (source ``test``) created at ``at`` (now); their
    uids, which are also their usernames; display names ``display.format(uid=...)``.
    Relationships to them written by hand must be recounted
    (:func:`socialgraph.operations.degrees.recount`)."""
    uids = [unique(prefix) for _ in range(n)]
    now = at or clock.now()
    stores.graph().write("importers/merge_users", rows=[
        {"uid": u, "username": u, "display_name": display.format(uid=u), "source": "test", "created_at": now}
        for u in uids])
    return uids
