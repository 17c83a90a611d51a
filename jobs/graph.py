"""Social-graph jobs: friend suggestions (precomputation and invalidation) and
the INTERACTED_WITH mirror of engagement."""
from __future__ import annotations

from socialgraph.graph import interactions, suggestions

from . import in_app

#: event -> (payload key of one user, of the other, whether a friendship
#: changed, whether only the first user's suggestions change). The rule
#: (``list_friend_suggestions``) leaves out the users one follows, mutes or
#: sent a follow request to: those change only for the actor. Friend
#: requests and blocks are excluded either way: both change.
_PAIRS = {
    "friend.accepted": ("requester", "target", True, False),
    "friend.removed": ("actor", "other", True, False),
    "user.blocked": ("blocker", "blocked", True, False),
    "friend.requested": ("requester", "target", False, False),
    "follow.requested": ("requester", "target", False, True),
    "user.muted": ("muter", "muted", False, True),
    "user.followed": ("follower", "followee", False, True),
    "user.unfollowed": ("follower", "followee", False, True),
}


@in_app
def refresh_suggestions(uid: str) -> int:
    """Precompute and cache the friend suggestions of ``uid``; returns how many."""
    return suggestions.precompute(uid)


@in_app
def suggestions_event(event: str, **payload: str) -> dict:
    """Subscriber of graph events: drop the suggestion caches the change
    affects and precompute those of heavy users (idempotent)."""
    a_key, b_key, friendship, only_a = _PAIRS[event]
    return suggestions.graph_changed(payload[a_key], payload[b_key], friendship, only_a=only_a)


@in_app
def precompute_heavy_suggestions(source: str | None = None) -> dict:
    """After an import: precompute and cache the suggestions of every heavy
    user (at least ``SUGGESTIONS_HEAVY_FRIENDS`` friends) of ``source`` (all
    sources when None), biggest first. Routed to the ``heavy`` queue: a bulk
    job never delays the light ones. Idempotent. Returns ``{"users": n}``."""
    return suggestions.precompute_heavy(source)


@in_app
def interaction_event(event: str, **payload: str) -> int:
    """Subscriber of the engagement events (reaction, comment, mention, share,
    direct message): count the act once in the ledger and mirror the pair's
    ``INTERACTED_WITH`` figures into the graph through the coalesced mirror
    (:func:`mirror_interactions`, queued unless one waits; idempotent).
    Returns the acts counted now."""
    return interactions.on_event(event, **payload)


@in_app
def mirror_interactions() -> dict:
    """The coalesced ``INTERACTED_WITH`` mirror: every marked pair written to
    the graph in batches (:func:`socialgraph.graph.interactions.mirror_pending`;
    default lane, idempotent). Returns ``{"pairs": n}``."""
    return interactions.mirror_pending()
