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
#:   post.updated        post_id, author_id
#:   comment.created     comment_id, post_id, author_id, post_author_id, parent_author_id ("" if none)
#:   reaction.created    target ("post:<id>"|"comment:<id>"), user_id, owner_id, type
#:   post.shared         post_id, share_id, user_id, owner_id
#:   user.mentioned      mentioned_uid, by_uid, post_id, comment_id ("" if none)
#:   follow.requested / follow.approved / friend.requested / friend.accepted   requester, target
#:   group.invited       group_id, inviter, invitee
#:   story.viewed / story.reacted   story_id, viewer, author_id
SUBSCRIBERS: dict[str, list[str]] = {
    "post.deleted": ["jobs.posts.purge_post_event", "jobs.feeds.on_graph_event"],
    # feeds (issue 6)
    "post.created": ["jobs.feeds.fanout_post_event"],
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
    "friend.accepted": ["jobs.notifications.on_event"],
    "group.invited": ["jobs.notifications.on_event"],
    "story.viewed": ["jobs.notifications.on_event"],
    "story.reacted": ["jobs.notifications.on_event"],
}


def publish(event: str, **payload: str) -> list[str]:
    """Queue every subscriber of ``event`` with ``payload``; returns the job paths."""
    jobs = SUBSCRIBERS.get(event, [])
    queue = extensions.tasks()
    for job in jobs:
        queue.enqueue(job, event=event, **payload)
    return jobs
