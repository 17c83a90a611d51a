"""Cache invalidation after graph changes that several modules make
(follows, friendships, requests, blocks).
"""
from __future__ import annotations

import logging

from socialgraph import stores
from socialgraph.graph import suggestions
from socialgraph.graph.people import FOLLOWING_KEY, forget_profile

log = logging.getLogger(__name__)


def forget_following(*uids: str, suggestions_of_first_only: bool = False) -> None:
    """After a follow, friendship or request change: drop the cached following
    sets and friend suggestions of ``uids`` (suggestions leave out whom one
    follows, friends and pending requests); if Redis is away their TTL bounds
    the staleness. ``suggestions_of_first_only``: a follow changes only the
    follower's suggestions (a hub followed by thousands keeps its copy)."""
    from redis.exceptions import RedisError

    try:
        stores.cache().delete(*[FOLLOWING_KEY.format(uid=uid) for uid in uids])
    except RedisError:
        log.warning("could not drop following cache of %s; expires in its TTL", uids)
    suggestions.forget(*(uids[:1] if suggestions_of_first_only else uids))
    forget_profile(*uids)
