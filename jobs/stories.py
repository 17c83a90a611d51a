"""Story jobs."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from socialgraph import stores
from socialgraph.stories import stories

from . import in_app

#: how often the media cleanup runs, seconds
PURGE_EVERY_SECONDS = 600


def purge_job_id(slot: int) -> str:
    """One job id per time slot, so chains started by several workers merge."""
    return f"stories-purge-expired-{slot}"


def schedule_purge(now: float | None = None) -> str:
    """Queue :func:`purge_expired` for the next slot (RQ scheduler; workers run
    ``with_scheduler=True``). Returns the job id."""
    now = time.time() if now is None else now
    slot = int(now // PURGE_EVERY_SECONDS) + 1
    job_id = purge_job_id(slot)
    stores.tasks().queue().enqueue_at(datetime.fromtimestamp(slot * PURGE_EVERY_SECONDS, tz=timezone.utc),
                                          "jobs.stories.purge_expired", kwargs={"reschedule": True}, job_id=job_id)
    return job_id


@in_app
def purge_expired(reschedule: bool = False) -> dict:
    """Remove media objects, documents and views of expired stories not saved
    to a highlight (idempotent; the TTL index removes documents too, this
    removes the S3 objects it cannot). With ``reschedule`` it queues its next
    run :data:`PURGE_EVERY_SECONDS` later (started by ``socialgraph worker``;
    ``socialgraph stories purge-expired`` runs it by hand or from cron)."""
    result = stories.purge_expired()
    if reschedule:
        schedule_purge()
    return result
