"""Profiles and the follow graph (Neo4j through the Cypher catalog).

Following is directed: ``(a)-[:FOLLOWS]->(b)`` means a sees b's posts in
the home feed. Lists are keyset-paginated on (follow time, uid), newest
first. A change to who a user follows drops that user's cached following
set (used by the home feed).
"""
from __future__ import annotations

import logging
from datetime import datetime

from socialgraph.core import clock
from socialgraph import stores
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.core.pagination import Page, as_utc, clamp_limit, datetime_to_ms, decode_cursor, encode_cursor, ms_to_datetime
from socialgraph.core.text import normalise_username

log = logging.getLogger(__name__)

FOLLOWING_KEY = "sg:following:{uid}"


def resolve_uid(username: str) -> str:
    """uid of ``username``. Raises :class:`NotFound`."""
    rows = stores.graph().read("users/get_uid_by_username", username=normalise_username(username))
    if not rows:
        raise NotFound(f"no user named {username!r}")
    return rows[0]["uid"]


def get_profile(username: str, viewer: str | None = None) -> dict:
    """Public profile: ``{uid, username, display_name, bio, created_at,
    followers_count, following_count, followed_by_viewer, follows_viewer}``
    plus, from :func:`socialgraph.graph.friends.profile_extras`, ``restricted``,
    ``friends_count``, ``friendship`` and ``mutual_friends``. A profile
    hidden by its privacy settings is ``restricted``: only uid, username and
    display name. ``has_unseen_stories``: the viewer may see an active story
    of this user they have not opened (:func:`socialgraph.stories.service.has_unseen_stories`).
    Raises :class:`NotFound` (also for blocks either way)."""
    from socialgraph.graph.friends import profile_extras
    from socialgraph.graph.relations import blocked_either_way
    from socialgraph.stories.service import has_unseen_stories

    card, relation = profile_card(normalise_username(username), viewer)
    if card is None or card["user"]["uid"] in blocked_either_way(viewer):
        raise NotFound(f"no user named {username!r}")
    if relation is None:
        relation = dict.fromkeys(RELATION_FIELDS, False)
        if viewer and viewer != card["user"]["uid"]:
            degree = card["followers_count"] + card["following_count"] + card["friends_count"]
            query = "users/get_viewer_relation_of_hub" if degree >= HUB_DEGREE else "users/get_viewer_relation"
            rows = stores.graph().read(query, viewer=viewer, owner=card["user"]["uid"])
            if rows:
                relation = rows[0]
    row = {**card, **relation}
    profile = {**row["user"], "created_at": as_utc(row["user"].get("created_at")),
               "followers_count": row["followers_count"],
               "following_count": row["following_count"],
               "followed_by_viewer": bool(viewer) and row["followed_by_viewer"],
               "follows_viewer": bool(viewer) and row["follows_viewer"],
               "has_unseen_stories": has_unseen_stories(viewer, row["user"]["uid"])}
    return profile_extras(profile, viewer, row)


PROFILE_KEY = "sg:profile:{username}"
#: The viewer-independent columns of a profile (``users/get_profile_card``).
CARD_FIELDS = ("user", "followers_count", "following_count", "friends_count", "profile_visibility",
               "friend_requests_from", "messages_from", "show_followers", "show_friends", "locked")
#: Owners with at least this many follow and friendship relationships get the
#: viewer-anchored relation query (``users/get_viewer_relation_of_hub``): the
#: graph then walks the viewer's relationships, not the hub's.
HUB_DEGREE = 1000
#: How a viewer stands to the owner (``users/get_viewer_relation``).
RELATION_FIELDS = ("followed_by_viewer", "follows_viewer", "blocked", "friends", "request_sent",
                   "request_received", "follow_requested")


def profile_card(username: str, viewer: str | None = None) -> tuple[dict | None, dict | None]:
    """``(card, relation)``. ``card``: the viewer-independent part of a profile
    (user, counts, privacy settings; None for an unknown user), a Redis copy
    (``sg:profile:<username>``, versioned, ``PROFILE_CACHE_SECONDS``) dropped
    by :func:`forget_profile` on every follow, friendship, block, privacy or
    profile change of the user. When the copy is missing and ``viewer`` is
    given, one graph query (``users/get_profile_card_for_viewer``) also
    answers how the viewer stands to the owner and who the owner's friends
    are: ``relation`` is then that dict (:data:`RELATION_FIELDS` and
    ``owner_friends``, usernames), else None (the caller asks
    ``users/get_viewer_relation`` when it needs it)."""
    import json

    from flask import current_app

    from socialgraph.stores import readcache

    relation: dict | None = None

    def compute():
        nonlocal relation
        if viewer:
            rows = stores.graph().read("users/get_profile_card_for_viewer", username=username, viewer=viewer)
        else:
            rows = stores.graph().read("users/get_profile_card", username=username)
        if not rows:
            return None
        if viewer:
            relation = {k: rows[0][k] for k in (*RELATION_FIELDS, "owner_friends")}
        return {k: rows[0][k] for k in CARD_FIELDS}

    def encode(card):
        created = card["user"].get("created_at")
        return json.dumps({**card, "user": {**card["user"], "created_at": as_utc(created).isoformat()
                                            if created else None}})

    def decode(raw):
        card = json.loads(raw)
        if card["user"].get("created_at"):
            card["user"]["created_at"] = datetime.fromisoformat(card["user"]["created_at"])
        return card

    card = readcache.read_through(PROFILE_KEY.format(username=username),
                                  int(current_app.config["PROFILE_CACHE_SECONDS"]), compute,
                                  encode=encode, decode=decode)
    return card, relation


def forget_profile(*uids: str) -> None:
    """Drop the cached profile cards of ``uids`` (their usernames from the short profiles)."""
    from socialgraph.stores import readcache

    names = [p["username"] for p in short_profiles(list(uids)).values() if p.get("username")]
    readcache.invalidate(*[PROFILE_KEY.format(username=n) for n in names])


def follow(follower: str, username: str) -> dict:
    """``follower`` (uid) follows ``username``. Idempotent.

    Returns ``{"following": True, "created": bool}``. Raises
    :class:`NotFound` (unknown user) and :class:`ValidationFailed` (oneself).
    """
    from socialgraph.core import events
    from socialgraph.graph.relations import blocked_either_way

    followee = resolve_uid(username)
    if followee == follower:
        raise ValidationFailed("you cannot follow yourself",
                               errors=[{"field": "username", "message": "is yourself"}])
    if followee in blocked_either_way(follower):
        raise NotFound(f"no user named {username!r}")
    from socialgraph.graph.privacy import get_settings

    if get_settings(followee)["locked"]:  # a locked account approves its followers
        from socialgraph.graph.friends import request_follow

        return request_follow(follower, followee, username)
    rows = stores.graph().write("follows/create_follow", follower=follower, followee=followee,
                                    created_at=clock.now())
    if not rows:
        raise NotFound(f"no user named {username!r}")
    forget_following(follower, followee)
    if rows[0]["created"]:
        events.publish("user.followed", follower=follower, followee=followee)
    return {"following": True, "created": bool(rows[0]["created"])}


def unfollow(follower: str, username: str) -> dict:
    """Stop following, or withdraw a pending follow request to a locked account.
    Idempotent: ``{"following": False, "deleted": bool}``. Publishes
    ``user.unfollowed`` {follower, followee} when a follow was removed."""
    from socialgraph.core import events
    from socialgraph.graph.friends import withdraw_follow_request
    from socialgraph.graph.relations import blocked_either_way

    followee = resolve_uid(username)
    if followee in blocked_either_way(follower):
        raise NotFound(f"no user named {username!r}")
    rows = stores.graph().write("follows/delete_follow", follower=follower, followee=followee)
    forget_following(follower, followee)
    deleted = bool(rows and rows[0]["deleted"])
    withdrawn = withdraw_follow_request(follower, followee)
    if deleted:
        events.publish("user.unfollowed", follower=follower, followee=followee)
    return {"following": False, "deleted": deleted or withdrawn}


def _list(query: str, username: str, cursor: str | None, limit: int | None,
          viewer: str | None = None) -> Page:
    from socialgraph.graph.privacy import require_list_access
    from socialgraph.graph.relations import blocked_either_way

    uid = resolve_uid(username)
    require_list_access(viewer, uid, "followers")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "at", "uid")
    rows = stores.graph().read(
        query, uid=uid, limit=limit + 1, hidden=sorted(blocked_either_way(viewer)),
        after_at=ms_to_datetime(key["at"]) if key else None,
        after_uid=str(key["uid"]) if key else None)
    items = [{"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
              "followed_at": as_utc(r["followed_at"])} for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"at": datetime_to_ms(last["followed_at"]), "uid": last["uid"]})
    return Page(items, next_cursor)


def list_followers(username: str, cursor: str | None = None, limit: int | None = None,
                   viewer: str | None = None) -> Page:
    """Who follows ``username``, newest first; users blocked either way by
    ``viewer`` are left out. Raises :class:`NotFound` (unknown, or blocked
    either way) and :class:`Forbidden` (hidden by privacy settings)."""
    return _list("follows/list_followers", username, cursor, limit, viewer)


def list_following(username: str, cursor: str | None = None, limit: int | None = None,
                   viewer: str | None = None) -> Page:
    """Whom ``username`` follows, newest first (same rules as :func:`list_followers`)."""
    return _list("follows/list_following", username, cursor, limit, viewer)


def following_uids(uid: str) -> list[str]:
    """All uids ``uid`` follows, cached in Redis for ``FOLLOWING_CACHE_SECONDS``."""
    from flask import current_app

    r = stores.cache()
    key = FOLLOWING_KEY.format(uid=uid)
    cached = r.smembers(key)
    if cached:
        return [m.decode() for m in cached if m != b"-"]
    uids = [row["uid"] for row in stores.graph().read("follows/list_following_uids", uid=uid)]
    pipe = r.pipeline()
    pipe.sadd(key, *(uids or ["-"]))  # "-" marks a cached empty set
    pipe.expire(key, current_app.config["FOLLOWING_CACHE_SECONDS"])
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


def forget_following(*uids: str) -> None:
    """After a follow, friendship or request change: drop the cached following
    sets and friend suggestions of ``uids`` (suggestions leave out whom one
    follows, friends and pending requests); if Redis is away their TTL bounds
    the staleness."""
    from redis.exceptions import RedisError

    from socialgraph.graph import suggestions

    try:
        stores.cache().delete(*[FOLLOWING_KEY.format(uid=uid) for uid in uids])
    except RedisError:
        log.warning("could not drop following cache of %s; expires in its TTL", uids)
    suggestions.forget(*uids)
    forget_profile(*uids)


SHORT_KEY = "sg:short:{uid}"


def short_profiles(uids: list[str]) -> dict[str, dict]:
    """``uid -> {uid, username, display_name}`` for the given uids that exist:
    Redis copies (``sg:short:<uid>``, ``PROFILE_CACHE_SECONDS``, dropped by
    :func:`forget_short_profile` when a profile changes or goes), the rest in
    one graph query."""
    import json

    from flask import current_app
    from redis.exceptions import RedisError

    from socialgraph.stores import readcache

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
        rows = stores.graph().read("users/get_users_by_uid", uids=list(missing))
        found = {r["uid"]: {"uid": r["uid"], "username": r["username"], "display_name": r.get("display_name")}
                 for r in rows}
        out.update(found)
        if versions is not None:
            readcache.put_many(((SHORT_KEY.format(uid=u), missing[u], json.dumps(p)) for u, p in found.items()),
                               int(current_app.config["PROFILE_CACHE_SECONDS"]))
    return out


def forget_short_profile(*uids: str) -> None:
    """After a profile write or an account deletion: drop the cached short
    profiles and profile cards."""
    from socialgraph.stores import readcache

    forget_profile(*uids)
    readcache.invalidate(*[SHORT_KEY.format(uid=u) for u in uids])
