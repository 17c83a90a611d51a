"""Cache invalidation after graph changes that several modules make
(follows, friendships, requests, blocks).
"""
from __future__ import annotations

import logging

from socialgraph import stores
from socialgraph.graph import suggestions
from socialgraph.graph.people import FOLLOWING_KEY, forget_profile

log = logging.getLogger(__name__)


def forget_following(*uids: str) -> None:
    """After a follow, friendship or request change: drop the cached following
    sets and friend suggestions of ``uids`` (suggestions leave out whom one
    follows, friends and pending requests); if Redis is away their TTL bounds
    the staleness."""
    from redis.exceptions import RedisError

    try:
        stores.cache().delete(*[FOLLOWING_KEY.format(uid=uid) for uid in uids])
    except RedisError:
        log.warning("could not drop following cache of %s; expires in its TTL", uids)
    suggestions.forget(*uids)
    forget_profile(*uids)
