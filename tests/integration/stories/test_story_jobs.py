"""The story cleanup job on a real RQ worker: it runs and schedules its next run."""
from __future__ import annotations

import time

from socialgraph import stores


def test_purge_job_runs_on_a_worker_and_reschedules_itself(ctx):
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    from jobs.stories import PURGE_EVERY_SECONDS, purge_job_id

    tasks = stores.tasks()
    tasks.is_async = True
    try:
        tasks.enqueue("jobs.stories.purge_expired", reschedule=True)
        q = tasks.queue()
        before = time.time()
        assert SimpleWorker([q], connection=stores.cache()).work(burst=True)
        registry = ScheduledJobRegistry(queue=q)
        slot = int(before // PURGE_EVERY_SECONDS) + 1
        ids = registry.get_job_ids()
        assert purge_job_id(slot) in ids or purge_job_id(slot + 1) in ids
        for job_id in ids:
            registry.remove(job_id, delete_job=True)
    finally:
        tasks.is_async = False
