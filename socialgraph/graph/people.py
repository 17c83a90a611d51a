"""People: uids by username, short profiles, profile cards and following sets,
with their Redis read-through copies. The lowest module of the graph package:
everything else in it may use these lookups.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core.errors import NotFound
from socialgraph.core.pagination import as_utc
from socialgraph.core.text import normalise_username
from socialgraph.graph import usersearch
from socialgraph.stores import readcache
from socialgraph.stores.readcache import version_key

log = logging.getLogger(__name__)


FOLLOWING_KEY = "sg:following:{uid}"


def resolve_uid(username: str) -> str:
    """uid of ``username``. Raises :class:`NotFound`."""
    rows = stores.graph().read("graph/users/get_uid_by_username", username=normalise_username(username))
    if not rows:
        raise NotFound(f"no user named {username!r}")
    return rows[0]["uid"]


PROFILE_KEY = "sg:profile:{username}"


#: The viewer-independent columns of a profile (``graph/users/get_profile_card``).
CARD_FIELDS = ("user", "followers_count", "following_count", "friends_count", "profile_visibility",
               "friend_requests_from", "messages_from", "show_followers", "show_friends", "locked")


#: Owners with at least this many follow and friendship relationships get the
#: viewer-anchored relation query (``graph/users/get_viewer_relation_of_hub``): the
#: graph then walks the viewer's relationships, not the hub's.
HUB_DEGREE = 1000


#: How a viewer stands to the owner (``graph/users/get_viewer_relation``).
RELATION_FIELDS = ("followed_by_viewer", "follows_viewer", "blocked", "friends", "request_sent",
                   "request_received", "follow_requested")


RELATION_KEY = "sg:relation:{viewer}:{username}"


#: A user's pending requests, ``{"sent", "received", "follow_sent"}``: the uids
#: it sent a friend request to, received one from, and asked to follow (locked
#: accounts), or ``{"over": true}`` when a list holds more than :data:`PENDING_MAX`
#: (made by :func:`socialgraph.graph.profiles._fill_shared`). A versioned copy
#: (:mod:`socialgraph.stores.readcache`), dropped with the relation copies by
#: every pair change (:func:`forget_relation`).
PENDING_KEY = "sg:pending:{uid}"

#: The lists of a pending-requests copy: friend requests sent, received, follow requests sent.
PENDING_FIELDS = ("sent", "received", "follow_sent")

#: A pending-requests list longer than this is not copied (the copy says
#: ``{"over": true}``; the profile asks the graph about the pair instead).
PENDING_MAX = 1000

#: Owners following more accounts than this get no following-set copy from a
#: profile read (the profile asks the graph about the pair instead).
FOLLOWING_SET_MAX = 10000

#: The uids following a user (a versioned set, like :data:`FOLLOWING_KEY`;
#: dropped with it by every follow change): "does the owner follow the viewer?"
#: on a profile's first view, from the viewer's side (the viewer's copy serves
#: the first views of every owner).
FOLLOWERS_KEY = "sg:followers:{uid}"

#: Users with more followers than this get no followers-set copy: the set then
#: holds only :data:`OVER` (an author with 100,000 followers), and the owner's
#: following set answers instead.
FOLLOWERS_SET_MAX = 10000

#: The member of a followers set too long to be copied.
OVER = "!over"


def profile_card(username: str, viewer: str | None = None,
                 prefetch: dict[str, tuple[bytes | None, str] | None] | None = None,
                 read: tuple[list[bytes | None], list[str] | None] | None = None,
                 defer: list[tuple[str, str, str]] | None = None,
                 viewer_friends: bool = False, relation: dict | None = None,
                 viewer_hub: bool = False) -> tuple[dict | None, dict | None]:
    """``(card, relation)``. ``card``: the viewer-independent part of a profile
    (user, counts, privacy settings; None for an unknown user), a Redis copy
    (``sg:profile:<username>``, versioned, ``PROFILE_CACHE_SECONDS``) dropped
    by :func:`forget_profile` on every follow, friendship, block, privacy or
    profile change of the user. The counts are the ones stored on the user
    node (no walk over a hub's relationships).

    ``relation`` (None without ``viewer``): how the viewer stands to the
    owner (:data:`RELATION_FIELDS`), a Redis copy
    (``sg:relation:<viewer>:<username>``, versioned, same TTL) read in the
    same round trip as the card and dropped by :func:`forget_relation` after
    every change to the pair (:func:`socialgraph.graph.pairs.locked_change`).
    When the card is missing, one graph query
    (``graph/users/get_profile_card_for_viewer``) answers card and relation
    and adds ``owner_friends`` (the owner's friends' usernames; None for an
    owner with :data:`HUB_DEGREE` friends or more) and ``mutual_names`` (the
    usernames of the friends viewer and owner share, for such an owner; else
    None); when only the relation is missing, ``graph/users/get_viewer_relation``
    (``..._of_hub`` for an owner with :data:`HUB_DEGREE` relationships or
    more). So a warm profile costs one Redis round trip here and no graph
    query. Redis away: the graph answers alone. ``prefetch``: other
    versioned copies to read in the same ``MGET`` (its keys); each value is
    set to ``(copy, version)``, or stays None when Redis did not answer.
    ``read``: ``(copies, versions)`` of the card and relation keys (in that
    order; versions None when Redis did not answer) that the caller already
    read in its own round trip (:func:`socialgraph.graph.profiles.get_profile`'s
    script): no ``MGET`` then, and ``prefetch`` is not read. ``defer``: a
    list that gets the copies to store, ``(key, version, value)``, instead of
    storing them here (the caller stores them in its next round trip, each only
    if its version is unchanged). ``viewer_friends``: the caller holds no copy
    of the viewer's friend list; a card read from the graph then also brings
    it (``relation["viewer_friends"]``: the viewer's friends' usernames, None
    for oneself or an owner with :data:`HUB_DEGREE` friends or more), in the
    same query. ``relation``: how the viewer stands to the owner of the card
    copy in ``read`` as the caller worked it out from copies shared across
    pairs (:func:`socialgraph.graph.profiles._shared_relation`): used when
    there is no pair copy, instead of the relation's graph query (and nothing
    is stored for the pair). ``viewer_hub``: the viewer has :data:`HUB_DEGREE`
    relationships or more (a hint from their copies): a cold card's query
    then walks the relation patterns from the owner's side
    (``graph/users/get_profile_card_for_hub_viewer``; same answers)."""
    keys = [PROFILE_KEY.format(username=username)]
    if viewer:
        keys.append(RELATION_KEY.format(viewer=viewer, username=username))
    extra = list(prefetch or ()) if read is None else []
    if read is not None:
        copies, versions = read
    else:
        try:
            copies, versions = readcache.get_many(keys + extra)
        except RedisError:
            copies, versions = [None] * (len(keys) + len(extra)), None
    if versions is not None:
        for i, k in enumerate(extra, len(keys)):
            prefetch[k] = (copies[i], versions[i])
    card = _decode_card(copies[0]) if copies[0] else None
    relation = json.loads(copies[1]) if viewer and copies[1] else (relation if viewer else None)
    puts = []
    if card is None:
        g = stores.graph()
        if viewer:
            query = "graph/users/get_profile_card_for_hub_viewer" if viewer_hub else "graph/users/get_profile_card_for_viewer"
            rows = g.read(query, username=username, viewer=viewer,
                          hub_degree=HUB_DEGREE, viewer_friends=viewer_friends)
        else:
            rows = g.read("graph/users/get_profile_card", username=username)
        if not rows:
            return None, None
        card = {k: rows[0][k] for k in CARD_FIELDS}
        puts.append((keys[0], card))
        if viewer:
            relation = {k: rows[0][k] for k in RELATION_FIELDS}
            puts.append((keys[1], relation))
            relation = {**relation, "owner_friends": rows[0]["owner_friends"],
                        "mutual_names": rows[0]["mutual_names"], "viewer_friends": rows[0]["viewer_friends"]}
    elif viewer and relation is None:
        degree = card["followers_count"] + card["following_count"] + card["friends_count"]
        query = "graph/users/get_viewer_relation_of_hub" if degree >= HUB_DEGREE else "graph/users/get_viewer_relation"
        rows = stores.graph().read(query, viewer=viewer, owner=card["user"]["uid"])
        relation = rows[0] if rows else dict.fromkeys(RELATION_FIELDS, False)
        puts.append((keys[1], relation))
    if puts and versions is not None:
        v_of = dict(zip(keys, versions))
        todo = [(k, v_of[k], _encode_card(v) if k == keys[0] else json.dumps(v)) for k, v in puts]
        if defer is not None:
            defer.extend(todo)
        else:
            readcache.put_many(todo, int(current_app.config["PROFILE_CACHE_SECONDS"]))
    return card, relation


def _encode_card(card: dict) -> str:
    created = card["user"].get("created_at")
    return json.dumps({**card, "user": {**card["user"], "created_at": as_utc(created).isoformat()
                                        if created else None}})


def _decode_card(raw: bytes) -> dict:
    card = json.loads(raw)
    if card["user"].get("created_at"):
        card["user"]["created_at"] = datetime.fromisoformat(card["user"]["created_at"])
    return card


def forget_relation(a: str, b: str) -> None:
    """After a change to the pair ``a``, ``b`` (follow, request, friendship,
    block, mute): drop the cached relation copies of each towards the other
    and the pending-requests copies of both (:data:`PENDING_KEY`), in one
    invalidation (Redis away: kept and replayed, :func:`readcache.invalidate`)."""
    names = {p["uid"]: p["username"] for p in short_profiles([a, b]).values() if p.get("username")}
    keys = [RELATION_KEY.format(viewer=x, username=names[y]) for x, y in ((a, b), (b, a)) if y in names]
    readcache.invalidate(*keys, PENDING_KEY.format(uid=a), PENDING_KEY.format(uid=b))


def forget_pending(*uids: str) -> None:
    """Drop the pending-requests copies of ``uids`` (an account deletion's related users)."""
    readcache.invalidate(*[PENDING_KEY.format(uid=u) for u in uids])


def forget_profile(*uids: str) -> None:
    """Drop the cached profile cards of ``uids`` (their usernames from the short profiles)."""

    names = [p["username"] for p in short_profiles(list(uids)).values() if p.get("username")]
    readcache.invalidate(*[PROFILE_KEY.format(username=n) for n in names])


def following_uids(uid: str) -> list[str]:
    """All uids ``uid`` follows, cached in Redis for ``FOLLOWING_CACHE_SECONDS``
    (a set, ``"-"`` marking an empty one). Versioned like a
    :mod:`socialgraph.stores.readcache` copy when the read copies share its
    Redis (the version read with the set, the set stored only if no follow
    change bumped it meanwhile: :func:`socialgraph.graph.caches.forget_following`),
    so the profile may answer "follows" from it exactly; else stored as read.
    Raises ``RedisError`` when Redis is away."""
    r = stores.cache()
    key = FOLLOWING_KEY.format(uid=uid)
    versioned = stores.read_cache() is r
    if versioned:
        readcache.replay_if_dirty()  # follow changes whose invalidation Redis missed
    pipe = r.pipeline(transaction=False)
    pipe.smembers(key)
    if versioned:
        pipe.get(version_key(key))
    cached, *version = pipe.execute()
    if cached:
        return [m.decode() for m in cached if m != b"-"]
    uids = [row["uid"] for row in stores.graph().read("graph/follows/list_following_uids", uid=uid)]
    ttl = int(current_app.config["FOLLOWING_CACHE_SECONDS"])
    if versioned:
        readcache.put_set(key, version[0].decode() if version[0] else "0", uids, ttl)
        return uids
    pipe = r.pipeline(transaction=True)
    pipe.sadd(key, *(uids or ["-"]))  # "-" marks a cached empty set
    pipe.expire(key, ttl)
    pipe.execute()
    return uids


def following_among(uid: str, authors: set[str]) -> set[str]:
    """Those of ``authors`` whom ``uid`` follows (``SMISMEMBER`` on the cached
    following set; loads it first when it is not cached)."""
    if not authors:
        return set()
    r = stores.cache()
    key = FOLLOWING_KEY.format(uid=uid)
    ordered = sorted(authors)
    pipe = r.pipeline(transaction=False)
    pipe.exists(key)
    pipe.smismember(key, ordered)
    exists, flags = pipe.execute()
    if not exists:
        return authors & set(following_uids(uid))
    return {a for a, f in zip(ordered, flags) if f}


SHORT_KEY = "sg:short:{uid}"


def short_profiles(uids: list[str]) -> dict[str, dict]:
    """``uid -> {uid, username, display_name, avatar_id, avatar_blurhash}`` for
    the given uids that exist (``avatar_id`` None for the generated avatar):
    Redis copies (``sg:short:<uid>``, ``PROFILE_CACHE_SECONDS``, dropped by
    :func:`forget_short_profile` when a profile changes or goes), the rest in
    one graph query."""
    wanted = list(dict.fromkeys(u for u in uids if u))
    if not wanted:
        return {}
    keys = [SHORT_KEY.format(uid=u) for u in wanted]
    try:
        copies, versions = readcache.get_many(keys)
    except RedisError:
        copies, versions = [None] * len(keys), None
    out, missing = {}, {}
    for u, raw, v in zip(wanted, copies, versions or ["0"] * len(keys)):
        if raw:
            out[u] = json.loads(raw)
        else:
            missing[u] = v
    if missing:
        rows = stores.graph().read("graph/users/get_users_by_uid", uids=list(missing))
        found = {r["uid"]: {"uid": r["uid"], "username": r["username"], "display_name": r.get("display_name"),
                           "avatar_id": r.get("avatar_id"), "avatar_blurhash": r.get("avatar_blurhash")}
                 for r in rows}
        out.update(found)
        if versions is not None:
            readcache.put_many(((SHORT_KEY.format(uid=u), missing[u], json.dumps(p)) for u, p in found.items()),
                               int(current_app.config["PROFILE_CACHE_SECONDS"]))
    return out


def forget_short_profile(*uids: str) -> None:
    """After a profile write or an account deletion: drop the cached short
    profiles and profile cards."""

    forget_profile(*uids)
    readcache.invalidate(*[SHORT_KEY.format(uid=u) for u in uids])
    for p in short_profiles(list(uids)).values():  # a new display name: its words become searchable
        usersearch.index_user(p["uid"], p["username"], p.get("display_name"), p.get("avatar_id"),
                              p.get("avatar_blurhash"))
