"""Cache invalidation after graph changes that several modules make
(follows, friendships, requests, blocks).
"""
from __future__ import annotations

import logging

from socialgraph import stores
from socialgraph.graph import ordered, suggestions
from socialgraph.graph.people import FOLLOWERS_KEY, FOLLOWING_KEY, forget_profile
from socialgraph.stores import readcache

log = logging.getLogger(__name__)


def forget_following(*uids: str, suggestions_of: tuple[str, ...] | None = None) -> None:
    """After a follow, friendship or request change: drop the cached following
    sets of ``uids`` and the friend suggestions of ``suggestions_of`` (default:
    ``uids``). Suggestions leave out whom one follows, friends and pending requests, so a follow
    changes the follower's only (a hub followed by thousands keeps its copy).
    The following sets are versioned copies when the read copies share their
    Redis (:func:`socialgraph.graph.people.following_uids`; the profile answers
    "follows" from them, and from the followers sets,
    :data:`socialgraph.graph.people.FOLLOWERS_KEY`): their versions bumped and the sets dropped by
    :func:`readcache.invalidate` (Redis away: kept and replayed). Else only
    dropped; if Redis is away their TTL bounds the staleness."""
    from redis.exceptions import RedisError

    keys = [FOLLOWING_KEY.format(uid=uid) for uid in uids]
    if stores.read_cache() is stores.cache():  # with the followers sets (the profile's, same versioning)
        readcache.invalidate(*keys, *[FOLLOWERS_KEY.format(uid=uid) for uid in uids])
    else:
        try:
            stores.cache().delete(*keys)
        except RedisError:
            log.warning("could not drop following cache of %s; expires in its TTL", uids)
    suggestions.forget(*(uids if suggestions_of is None else suggestions_of))
    forget_profile(*uids)
    ordered.forget(*uids)  # their followers / following / friends list copies
