"""Domain events: producers publish, subscribers (RQ jobs) react.

Services call :func:`publish` with an event name and ids (never objects).
Each subscriber in :data:`SUBSCRIBERS` is an RQ job path that gets the
payload as keyword arguments; services never call notifications, feeds or
search directly. Add a subscriber by adding a row here (``socialgraph``
names jobs by path, it never imports them).

Event names are ``<noun>.<past-tense verb>``; payload keys are documented
next to each event.
"""
from __future__ import annotations

import logging

from . import extensions

log = logging.getLogger(__name__)

#: event -> job paths. Payloads (all ids are strings):
#:   post.created        post_id, author_id
#:   post.deleted        post_id, author_id
#:   user.followed       follower, followee
#:   user.unfollowed     follower, followee
#:   user.blocked        blocker, blocked
#:   user.muted          muter, muted
#:   export.ready        user_id, export_id   (data archive built; see socialgraph.portability)
SUBSCRIBERS: dict[str, list[str]] = {
    "post.deleted": ["jobs.posts.purge_post_event"],
    "export.ready": ["jobs.accounts.export_ready_email"],
}


def publish(event: str, **payload: str) -> list[str]:
    """Queue every subscriber of ``event`` with ``payload``; returns the job paths."""
    jobs = SUBSCRIBERS.get(event, [])
    queue = extensions.tasks()
    for job in jobs:
        queue.enqueue(job, event=event, **payload)
    return jobs
