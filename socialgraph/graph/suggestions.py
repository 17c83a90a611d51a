"""Friend suggestions ("people you may know").

Algorithm: friends of friends ranked by the number of mutual friends, ties
by uid, the classic triadic-closure heuristic (M. Granovetter, "The Strength
of Weak Ties", 1973; used as the "common neighbours" predictor in D.
Liben-Nowell and J. Kleinberg, "The Link-Prediction Problem for Social
Networks", 2007). Left out: the user, existing friends, users they follow,
pending friend requests either way, follow requests they sent, blocks either
way and users they mute (``cypher/graph/suggestions/list_friend_suggestions.cypher``).
Each suggestion carries a reason such as "3 mutual friends: a, b and 1 other".

Heavy users (at least ``SUGGESTIONS_HEAVY_FRIENDS`` friends) get the ranked
top ``MAX_SUGGESTIONS`` precomputed by an RQ job (``jobs.graph``) and cached
in Redis (``sg:suggest:<uid>``, ``SUGGESTIONS_CACHE_SECONDS``); everyone else
is computed on demand. A graph change drops the affected caches (the two
users, and for friendship changes their friends, whose friends-of-friends
changed) and re-queues the precomputation for heavy users involved; blocks
are also filtered on every read, so a stale cache never shows a blocked user.
"""
from __future__ import annotations

import json
import logging

from flask import current_app

from socialgraph import stores
from socialgraph.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

CACHE_KEY = "sg:suggest:{uid}"
MAX_SUGGESTIONS = 200


def reason(mutual: int, sample: list[str]) -> str:
    """Human reason of a suggestion: "1 mutual friend: a", "2 mutual friends: a
    and b", "3 mutual friends: a, b and 1 other", "7 mutual friends: a, b and 5 others"."""
    noun = "mutual friend" if mutual == 1 else "mutual friends"
    names = list(sample[:2])
    if not names:
        return f"{mutual} {noun}"
    rest = mutual - len(names)
    if rest <= 0:
        listed = " and ".join(names)
    else:
        listed = ", ".join(names) + f" and {rest} other" + ("s" if rest > 1 else "")
    return f"{mutual} {noun}: {listed}"


def compute(uid: str) -> list[dict]:
    """The ranked suggestions of ``uid`` from the graph (at most ``MAX_SUGGESTIONS``):
    ``[{uid, username, display_name, mutual_friends, reason}]``."""
    rows = stores.graph().read("graph/suggestions/list_friend_suggestions", uid=uid, limit=MAX_SUGGESTIONS)
    return [{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
             "mutual_friends": r["mutual"], "reason": reason(r["mutual"], r["sample"])} for r in rows]


def is_heavy(uid: str) -> bool:
    """Whether ``uid`` has enough friends to get precomputed, cached suggestions."""
    rows = stores.graph().read("graph/friends/count_friends", uid=uid)
    return bool(rows) and rows[0]["friends"] >= current_app.config.get("SUGGESTIONS_HEAVY_FRIENDS", 100)


def precompute(uid: str) -> int:
    """Compute and cache ``uid``'s suggestions (the RQ job's work); returns how many."""

    key = CACHE_KEY.format(uid=uid)
    (_,), (version,) = readcache.get_many([key])
    items = compute(uid)
    readcache.put_many([(key, version, json.dumps(items))],
                       int(current_app.config.get("SUGGESTIONS_CACHE_SECONDS", 3600)))
    return len(items)


def _ranked(uid: str) -> list[dict]:
    """The cached ranking, else computed and cached (every user: the
    friends-of-friends expansion costs the graph tens to hundreds of ms; the
    copy is versioned, :mod:`socialgraph.stores.readcache`, so a graph change during
    the computation is not hidden for a whole TTL)."""

    return readcache.read_through(CACHE_KEY.format(uid=uid),
                                  int(current_app.config.get("SUGGESTIONS_CACHE_SECONDS", 3600)),
                                  lambda: compute(uid))


def suggest(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """A page of ``uid``'s friend suggestions, best first: items ``{uid,
    username, display_name, mutual_friends, reason}``; keyset cursor on
    (mutual friends, uid). At most ``MAX_SUGGESTIONS`` in all.
    Raises :class:`~socialgraph.core.errors.MalformedRequest` for a bad cursor."""

    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "m", "uid")
    hidden = blocked_either_way(uid)
    items = [i for i in _ranked(uid) if i["uid"] not in hidden]
    if key:
        m, after = key["m"], str(key["uid"])
        items = [i for i in items if i["mutual_friends"] < m or (i["mutual_friends"] == m and i["uid"] > after)]
    page = items[:limit]
    next_cursor = None
    if len(items) > limit:
        last = page[-1]
        next_cursor = encode_cursor({"m": last["mutual_friends"], "uid": last["uid"]})
    return Page(page, next_cursor)


def forget(*uids: str) -> None:
    """Drop cached suggestions of ``uids`` (Redis away: their TTL bounds staleness)."""
    if not uids:
        return

    readcache.invalidate(*[CACHE_KEY.format(uid=u) for u in uids])


def graph_changed(a: str, b: str, friendship: bool, only_a: bool = False) -> dict:
    """Invalidate after a change between ``a`` and ``b`` (the job's work).

    Drops the caches of the users whose suggestions the change can alter:
    ``a`` alone with ``only_a`` (``a`` followed, unfollowed, muted or asked
    to follow ``b``: only ``a``'s exclusions changed; ``b``'s suggestions
    are the same, so a follow of a hub never recomputes the hub's), else
    both, and, for a friendship change, their friends (whose friends of
    friends changed). The heavy ones among ``a`` and ``b`` get one
    recomputation queued per ``SUGGESTIONS_DEBOUNCE_SECONDS`` window
    (:meth:`~socialgraph.stores.queue.TaskQueue.enqueue_debounced`; a burst
    of changes costs one run). Returns ``{"dropped": n, "precomputed": n}``
    (precomputations queued or run). Idempotent.
    """
    direct = [a] if only_a else [a, b]
    affected = set(direct)
    if friendship:
        g = stores.graph()
        for uid in direct:
            affected |= {r["uid"] for r in g.read("graph/friends/list_friend_uids", uid=uid)}
    forget(*affected)
    precomputed = 0
    window = int(current_app.config.get("SUGGESTIONS_DEBOUNCE_SECONDS", 30))
    for uid in direct:
        if is_heavy(uid):
            stores.tasks().enqueue_debounced(f"suggest:{uid}", window, "jobs.graph.refresh_suggestions", uid)
            precomputed += 1
    return {"dropped": len(affected), "precomputed": precomputed}
