"""The runner of an event's subscribers in one job (``socialgraph.core.events.ONE_JOB``)."""
from __future__ import annotations

import logging

from rq.utils import import_attribute

from socialgraph import stores

from . import in_app

log = logging.getLogger(__name__)


@in_app
def run_subscribers(event: str, subscribers: list[str], **payload: str) -> dict[str, object]:
    """Run the subscriber jobs ``subscribers`` (dotted paths, in order) of
    ``event`` with ``payload``, one after the other in this job. Returns
    ``{path: its result, or "requeued"}``.

    A subscriber that raises is queued again as its own job (its lane, its
    retries with backoff; the outbox when Redis is away) and the others still
    run, so a failure of one (the graph away for the interaction mirror) never
    makes RQ re-run the others. Raises only when that re-queueing fails too
    (then RQ retries this job: every subscriber is idempotent)."""
    done: dict[str, object] = {}
    for path in subscribers:
        try:
            done[path] = import_attribute(path)(event=event, **payload)
        except Exception as exc:  # noqa: BLE001 - any failure: the subscriber's own job retries it
            log.warning("subscriber %s of %s failed, queued on its own: %s", path, event, exc)
            stores.tasks().enqueue(path, event=event, **payload)
            done[path] = "requeued"
    return done
