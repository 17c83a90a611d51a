"""Profiles as a viewer sees them: the card, the viewer's relation, the
friendship fields and the per-viewer flags other packages register.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from socialgraph.core.errors import NotFound
from socialgraph.core.pagination import as_utc
from socialgraph.core.text import normalise_username
from socialgraph.graph.friends import profile_extras
from socialgraph.graph.people import RELATION_FIELDS, profile_card
from socialgraph.graph.relations import CACHE_KEY as BLOCKS_KEY
from socialgraph.graph.relations import blocked_either_way

log = logging.getLogger(__name__)

#: name -> ``flag(viewer_uid | None, owner_uid) -> value``: per-viewer profile
#: fields that packages above the graph compute (stories registers
#: ``has_unseen_stories``); filled when those packages are imported.
PROFILE_FLAGS: dict[str, Callable[[str | None, str], Any]] = {}


def register_profile_flag(name: str, flag: Callable[[str | None, str], Any]) -> None:
    """Add the profile field ``name`` computed by ``flag(viewer, owner)``."""
    PROFILE_FLAGS[name] = flag


def get_profile(username: str, viewer: str | None = None) -> dict:
    """Public profile: ``{uid, username, display_name, bio, created_at,
    followers_count, following_count, followed_by_viewer, follows_viewer}``
    plus, from :func:`socialgraph.graph.friends.profile_extras`, ``restricted``,
    ``friends_count``, ``friendship`` and ``mutual_friends``. A profile
    hidden by its privacy settings is ``restricted``: only uid, username and
    display name. ``has_unseen_stories``: the viewer may see an active story
    of this user they have not opened (registered by :mod:`socialgraph.stories.stories` in :data:`PROFILE_FLAGS`).
    Raises :class:`NotFound` (also for blocks either way)."""

    blocks_key = BLOCKS_KEY.format(uid=viewer) if viewer else None
    prefetch = {blocks_key: None} if viewer else {}
    card, relation = profile_card(normalise_username(username), viewer, prefetch)  # + the viewer's block sets
    if card is None or card["user"]["uid"] in blocked_either_way(viewer, prefetch.get(blocks_key)):
        raise NotFound(f"no user named {username!r}")
    if relation is None:  # anonymous
        relation = dict.fromkeys(RELATION_FIELDS, False)
    row = {**card, **relation}
    profile = {**row["user"], "created_at": as_utc(row["user"].get("created_at")),
               "followers_count": row["followers_count"],
               "following_count": row["following_count"],
               "followed_by_viewer": bool(viewer) and row["followed_by_viewer"],
               "follows_viewer": bool(viewer) and row["follows_viewer"],
               **{name: flag(viewer, row["user"]["uid"]) for name, flag in PROFILE_FLAGS.items()}}
    return profile_extras(profile, viewer, row)
