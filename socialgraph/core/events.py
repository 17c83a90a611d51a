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

from typing import Any, Callable

log = logging.getLogger(__name__)

#: event -> job paths. Payloads (all ids are strings):
#:   post.created        post_id, author_id
#:   post.updated        post_id, author_id
#:   post.deleted        post_id, author_id
#:   post.shared         post_id, share_id, user_id, owner_id
#:   comment.created     comment_id, post_id, author_id, post_author_id, parent_author_id ("" for top level)
#:   reaction.created    target ("post:<id>"|"comment:<id>"), user_id, owner_id, type, post_id
#:   user.mentioned      mentioned_uid, by_uid, post_id, comment_id ("" for a post)
#:   user.followed       follower, followee
#:   user.unfollowed     follower, followee
#:   user.blocked        blocker, blocked
#:   user.muted          muter, muted
#:   post.updated        post_id, author_id
#:   comment.created     comment_id, post_id, author_id, post_author_id, parent_author_id ("" if none)
#:   reaction.created    target ("post:<id>"|"comment:<id>"), user_id, owner_id, type, post_id
#:   post.shared         post_id, share_id, user_id, owner_id
#:   user.mentioned      mentioned_uid, by_uid, post_id, comment_id ("" if none)
#:   group.invited       group_id, inviter, invitee
#:   group.join_requested group_id, requester
#:   group.join_approved group_id, user_id, approver
#:   group.post_created  group_id, post_id, author_id
#:   story.viewed        story_id, viewer, author_id   (first view only)
#:   story.reacted       story_id, viewer, author_id
#:   story.replied       story_id, viewer, author_id
#:   friend.requested    requester, target
#:   friend.accepted     requester, target
#:   friend.removed      actor, other
#:   follow.requested    requester, target
#:   follow.approved     requester, target
#:   message.sent        message_id, conversation_id, sender_id, recipient_id (direct conversations only)
#:   export.ready        user_id, export_id   (data archive built; see socialgraph.portability.service)
SUBSCRIBERS: dict[str, list[str]] = {
    "post.deleted": ["jobs.posts.purge_post_event", "jobs.feeds.on_graph_event"],
    "export.ready": ["jobs.accounts.export_ready_email", "jobs.notifications.on_event"],
    # feeds (issue 6)
    "post.created": ["jobs.feeds.fanout_post_event", "jobs.mastodon.stream_post_event"],
    "user.followed": ["jobs.feeds.on_graph_event", "jobs.notifications.on_event"],
    "user.unfollowed": ["jobs.feeds.on_graph_event"],
    "user.blocked": ["jobs.feeds.on_graph_event"],
    "user.muted": ["jobs.feeds.on_graph_event"],
    # notifications (issue 6)
    "comment.created": ["jobs.notifications.on_event"],
    "reaction.created": ["jobs.notifications.on_event"],
    "post.shared": ["jobs.notifications.on_event"],
    "user.mentioned": ["jobs.notifications.on_event"],
    "follow.requested": ["jobs.notifications.on_event"],
    "follow.approved": ["jobs.notifications.on_event"],
    "friend.requested": ["jobs.notifications.on_event"],
    "friend.accepted": ["jobs.notifications.on_event", "jobs.feeds.on_graph_event"],
    "group.invited": ["jobs.notifications.on_event"],
    "group.join_approved": ["jobs.notifications.on_event"],
    "group.post_created": ["jobs.notifications.on_event"],
    "story.viewed": ["jobs.notifications.on_event"],
    "story.reacted": ["jobs.notifications.on_event"],
    "story.replied": ["jobs.notifications.on_event"],
}

#: engagement mirrored into the graph as INTERACTED_WITH (socialgraph.graph.interactions)
for _event in ("reaction.created", "comment.created", "user.mentioned", "post.shared", "message.sent"):
    SUBSCRIBERS.setdefault(_event, []).append("jobs.graph.interaction_event")

#: graph changes that make cached friend suggestions stale (socialgraph.graph.suggestions)
for _event in ("friend.accepted", "friend.removed", "user.blocked", "friend.requested",
               "follow.requested", "user.muted", "user.followed", "user.unfollowed"):
    SUBSCRIBERS.setdefault(_event, []).append("jobs.graph.suggestions_event")


#: events whose subscribers run one after the other in **one** RQ job
#: (:data:`RUNNER`, ``jobs.events.run_subscribers``), queued on the lane of the
#: first subscriber with the longest timeout of them. These are the mix's
#: writes (a reaction, a comment, a new post) and their kin: each subscriber is
#: a few milliseconds (a notification, one ledger insert and mark for the
#: coalesced ``INTERACTED_WITH`` mirror, the Mastodon
#: stream push; a post's fan-out writes one partial batch itself and queues larger
#: ones as jobs of their own), while RQ's own
#: bookkeeping of a job (enqueue, dequeue, heartbeats, finish: ~22 Redis round
#: trips, ~2.5 ms of worker CPU; ~10 round trips since our workers' thrifty
#: heartbeat, :class:`socialgraph.stores.queue._ThriftyHeartbeat`;
#: ``bench/bench_writes.py``) cost more than the
#: work. A subscriber that fails inside the runner is queued again as its own
#: job (its own retries), so one failing subscriber never re-runs the others.
ONE_JOB = frozenset({"reaction.created", "comment.created", "user.mentioned", "post.shared", "post.created"})
RUNNER = "jobs.events.run_subscribers"

#: how a subscriber's job is queued: ``enqueue(job_path, route_as=None, **kwargs)``
#: (``route_as``: the job paths a :data:`RUNNER` job runs, which pick its lane
#: and timeout). The store layer sets it (:mod:`socialgraph.stores.clients`: RQ,
#: with the MongoDB outbox when Redis is away), so this module depends on nothing of ours.
_TRANSPORT: list[Callable[..., Any]] = []


def set_transport(enqueue: Callable[..., Any]) -> None:
    """Install the function that queues one job by its dotted path."""
    _TRANSPORT[:] = [enqueue]


def publish(event: str, **payload: str) -> list[str]:
    """Queue every subscriber of ``event`` with ``payload``; returns the job paths.

    The subscribers of an event in :data:`ONE_JOB` go in one :data:`RUNNER`
    job (``subscribers=[paths]``, in :data:`SUBSCRIBERS` order); every other
    subscriber is its own job. Raises ``RuntimeError`` when no transport was
    installed (the store layer was never imported)."""
    jobs = SUBSCRIBERS.get(event, [])
    if jobs and not _TRANSPORT:
        raise RuntimeError("no event transport: import socialgraph.stores first")
    if len(jobs) > 1 and event in ONE_JOB:
        _TRANSPORT[0](RUNNER, route_as=tuple(jobs), event=event, subscribers=list(jobs), **payload)
        return jobs
    for job in jobs:
        _TRANSPORT[0](job, event=event, **payload)
    return jobs
