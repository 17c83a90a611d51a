"""Social-graph jobs: friend suggestions (precomputation and invalidation)."""
from __future__ import annotations

from socialgraph.graph import suggestions

from . import in_app

#: event -> (payload key of one user, of the other, whether a friendship changed)
_PAIRS = {
    "friend.accepted": ("requester", "target", True),
    "friend.removed": ("actor", "other", True),
    "user.blocked": ("blocker", "blocked", True),
    "friend.requested": ("requester", "target", False),
    "follow.requested": ("requester", "target", False),
    "user.muted": ("muter", "muted", False),
    "user.followed": ("follower", "followee", False),
    "user.unfollowed": ("follower", "followee", False),
}


@in_app
def refresh_suggestions(uid: str) -> int:
    """Precompute and cache the friend suggestions of ``uid``; returns how many."""
    return suggestions.precompute(uid)


@in_app
def suggestions_event(event: str, **payload: str) -> dict:
    """Subscriber of graph events: drop the suggestion caches the change
    affects and precompute those of heavy users (idempotent)."""
    a_key, b_key, friendship = _PAIRS[event]
    return suggestions.graph_changed(payload[a_key], payload[b_key], friendship)
