"""Doctor check ``jobs``: background work stuck past its deadline.

Media ``processing``, exports ``pending``/``building``, imports ``pending``
and account deletions not ``done`` for longer than ``SWEEP_STUCK_SECONDS``
(:mod:`socialgraph.operations.sweeper`), and RQ jobs whose worker died
(their heartbeat expired in the started registry). The repair is what the
sweeper does: re-queue, or after ``MAX_SWEEPS`` attempts fail the item
visibly; jobs of dead workers go back to their queues.
"""
from __future__ import annotations

from typing import Iterable

from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp

from socialgraph import stores
from socialgraph.operations import sweeper
from socialgraph.operations.doctor import Finding, register_check


def check_jobs(progress) -> Iterable[Finding]:
    stuck = sweeper.stuck_items()
    total = sum(len(v) for v in stuck.values())
    done = 0
    for collection, docs in stuck.items():
        for doc in docs:
            status = doc.get("status")
            yield Finding("jobs", f"{collection} {doc['_id']}: {status} past its deadline "
                                  f"(swept {int(doc.get('sweeps') or 0)} time(s))",
                          repair=lambda c=collection, d=doc: sweeper.sweep_item(c, d))
            done += 1
            progress(done, total)
    tasks = stores.tasks()
    if not tasks.is_async:
        return
    conn = stores.queue_redis()  # RQ's registries live on SG_QUEUE_REDIS_URL
    for name in tasks.queue_names:
        for job_id in StartedJobRegistry(name, connection=conn).get_expired_job_ids(current_timestamp()):
            yield Finding("jobs", f"job {job_id} on queue {name}: its worker died",
                          repair=tasks.requeue_abandoned)


register_check("jobs", check_jobs)
