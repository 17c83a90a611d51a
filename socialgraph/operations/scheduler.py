"""The scheduler service: every periodic job, queued on time from inside the
deployment (``socialgraph scheduler``; the ``scheduler`` service in
docker-compose.yml), so nothing is left to an outside cron.

Time is cut into slots of each job's period (slot = floor(unix time / period)).
At each tick the scheduler claims each job's current slot with a Redis
``SET NX`` on ``sg:periodic:<name>:<slot>`` (expiring after two periods) and
queues the job only if the claim is new. So:

- two scheduler replicas (or a restart inside a slot) never queue a job twice
  for one slot;
- a scheduler that was down for a while queues each job once when it comes
  back, not once per missed slot;
- if Redis loses its keys, at most one extra run happens (every periodic job
  is idempotent).

While Redis is away nothing is claimed or queued (the workers need Redis
too); the next tick after it is back queues each job once.

Why not RQ's own ``CronScheduler`` (``rq cron``): it needs the job functions
imported (``jobs/`` sits above this package) and keeps its schedule in process
memory, so a restart runs every job at once and two replicas double each job.

Periodic jobs (registered in :data:`socialgraph.core.periodic.PERIODIC`):

=================  ===============================  ===================================
name               job                              period
=================  ===============================  ===================================
``trends``         ``jobs.trends.compute_trends``   ``SG_TRENDS_INTERVAL_SECONDS`` (300)
``stories-purge``  ``jobs.stories.purge_expired``   ``SG_STORIES_PURGE_SECONDS`` (600)
``media-cleanup``  ``jobs.media.cleanup_orphans``   ``SG_MEDIA_CLEANUP_SECONDS`` (3600)
=================  ===============================  ===================================
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import current_app

from socialgraph import stores
from socialgraph.core.periodic import PERIODIC, PeriodicJob, register_periodic

log = logging.getLogger(__name__)

#: the longest sleep between ticks, seconds (also how soon a stop is noticed)
MAX_SLEEP_SECONDS = 30.0

register_periodic("trends", "jobs.trends.compute_trends", "TRENDS_INTERVAL_SECONDS", reschedule=False)
register_periodic("stories-purge", "jobs.stories.purge_expired", "STORIES_PURGE_SECONDS")
register_periodic("media-cleanup", "jobs.media.cleanup_orphans", "MEDIA_CLEANUP_SECONDS")
register_periodic("unverified-expiry", "jobs.accounts.expire_unverified_accounts", 3600)
register_periodic("sweeper", "jobs.operations.sweep", "SWEEP_EVERY_SECONDS")


def claim_key(name: str, slot: int) -> str:
    return f"sg:periodic:{name}:{slot}"


def tick(now: float | None = None) -> list[str]:
    """Queue every periodic job whose slot at ``now`` (unix seconds, default the
    clock) is unclaimed; returns the names queued. Needs an app context."""
    now = time.time() if now is None else now
    queued = []
    for entry in list(PERIODIC.values()):
        if _run_if_due(entry, now):
            queued.append(entry.name)
    return queued


def _run_if_due(entry: PeriodicJob, now: float) -> bool:
    from redis.exceptions import RedisError

    period = entry.seconds(current_app.config)
    slot = int(now // period)
    key = claim_key(entry.name, slot)
    try:
        if not stores.queue_redis().set(key, f"{now:.3f}", nx=True, ex=2 * period):
            return False  # this slot's run is already queued (another replica, or before a restart)
    except RedisError as exc:  # the workers need Redis too: the next tick tries again
        log.warning("scheduler: redis unavailable (%s); %s waits", exc, entry.name)
        return False
    try:
        stores.tasks().enqueue(entry.job, job_id=f"sg-periodic-{entry.name}-{slot}", **entry.kwargs)
    except Exception:
        stores.queue_redis().delete(key)  # not queued: let the next tick try
        raise
    log.info("scheduler: queued %s (slot %s)", entry.job, slot)
    return True


def seconds_to_next_slot(now: float | None = None) -> float:
    """Seconds until the earliest next slot of any job (at most :data:`MAX_SLEEP_SECONDS`)."""
    now = time.time() if now is None else now
    waits = [(int(now // p) + 1) * p - now for p in (e.seconds(current_app.config) for e in PERIODIC.values())]
    return max(0.05, min([MAX_SLEEP_SECONDS, *waits]))


def run(stop: Callable[[], bool] = lambda: False, sleep: Callable[[float], None] = time.sleep) -> None:
    """Tick until ``stop()`` is true; a failing tick is logged and retried at the next one."""
    while not stop():
        try:
            tick()
        except Exception:
            log.exception("scheduler tick failed; retrying")
        sleep(seconds_to_next_slot())
