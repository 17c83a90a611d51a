"""Story jobs."""
from __future__ import annotations

from socialgraph import stories

from . import in_app


@in_app
def purge_expired() -> dict:
    """Remove media objects, documents and views of expired stories not saved
    to a highlight (idempotent; the TTL index removes documents too, this
    removes the S3 objects it cannot). Run every few minutes (cron:
    ``socialgraph stories purge-expired``)."""
    return stories.purge_expired()
