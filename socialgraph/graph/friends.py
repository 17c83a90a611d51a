"""Friendships, friend requests and follow requests (locked accounts).

Graph:

- ``(a)-[:FRIEND_REQUEST {created_at}]->(b)``: a asked b; at most one per pair.
- ``(a)-[:FRIENDS_WITH {since}]->(b)``: ONE relationship per pair, its
  direction meaningless (always matched undirected). Accepting also makes a
  follow each way (friends see each other's posts); unfriending removes the
  friendship and those follows.
- ``(a)-[:FOLLOW_REQUEST {created_at}]->(b)``: a asked to follow locked b;
  approving turns it into ``FOLLOWS``.

Concurrency: every change runs in one write transaction that first locks
both users (``cypher/graph/friends/lock_users.cypher``, in uid order), then reads
the pair's state and decides. Two racing requests (duplicate sends, accept
against cancel) are serialised: the loser sees the winner's result and gets
:class:`Conflict` (409), and the graph never holds two friendships or two
requests for a pair. ArcadeDB (the local stand-in) is optimistic instead of
locking: the later committer fails with a transient error
(``DeadlockDetected``) and the driver retries the whole function, which then
sees the winner's result. A race still lost after the driver's retries is
also a 409.

Every function takes the acting user's uid and a username; unknown users and
users blocked either way are :class:`NotFound`, oneself is
:class:`ValidationFailed`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import fields
from functools import lru_cache, partial
from typing import Callable

from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core import clock, events
from socialgraph.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    clamp_limit,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from socialgraph.graph import ordered, people
from socialgraph.graph.caches import forget_following
from socialgraph.graph.pairs import locked_change
from socialgraph.graph.people import resolve_uid
from socialgraph.graph.privacy import Access, require_list_access
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache, rediskeys

log = logging.getLogger(__name__)


def other_uid(actor: str, username: str) -> str:
    """uid of ``username``; :class:`NotFound` if unknown, :class:`ValidationFailed` if ``actor``."""

    uid = resolve_uid(username)
    if uid == actor:
        raise ValidationFailed("not possible with yourself",
                               errors=[{"field": "username", "message": "is yourself"}])
    return uid


def _locked_change(actor: str, other: str, username: str, decide: Callable[[object, dict], dict]) -> dict:
    """:func:`socialgraph.graph.pairs.locked_change` locking both users, then
    the cached following and friend sets of both are dropped."""
    result = locked_change(actor, other, username, decide)
    forget_following(actor, other)
    forget_friends(actor, other)
    return result


# -- friend requests --------------------------------------------------------
def send_request(requester: str, username: str) -> dict:
    """``requester`` asks ``username`` to be friends.

    Returns ``{"status": "pending", "created_at"}``. Raises
    :class:`ValidationFailed` (oneself), :class:`NotFound` (unknown or
    blocked either way), :class:`Conflict` (already friends, a request
    pending either way: accept theirs instead) and :class:`Forbidden` (the
    target's ``friend_requests_from`` does not allow it).
    Publishes ``friend.requested`` {requester, target}.
    """
    target = other_uid(requester, username)

    def decide(tx, s):
        if s["friends"]:
            raise Conflict("you are already friends")
        if s["request_sent"]:
            raise Conflict("you already sent a friend request to this user")
        if s["request_received"]:
            raise Conflict("this user already sent you a friend request: accept it instead")
        rule = s["friend_requests_from"]
        if rule == "nobody" or (rule == "friends_of_friends" and not tx.run(
                "graph/friends/get_friends_of_friends", actor=requester, other=target)[0]["friends_of_friends"]):
            raise Forbidden("this user does not accept friend requests from you")
        rows = tx.run("graph/friends/create_friend_request", requester=requester, target=target,
                      created_at=clock.now())
        return {"status": "pending", "created_at": as_utc(rows[0]["created_at"])}

    out = _locked_change(requester, target, username, decide)
    events.publish("friend.requested", requester=requester, target=target)
    return out


def cancel_request(requester: str, username: str) -> dict:
    """Withdraw ``requester``'s pending request to ``username``.

    Returns ``{"status": "cancelled"}``. Raises :class:`Conflict` when there
    is no pending request (never sent, already accepted, declined or cancelled).
    """
    target = other_uid(requester, username)

    def decide(tx, s):
        if not s["request_sent"]:
            raise Conflict("already friends" if s["friends"] else "no pending friend request to this user")
        tx.run("graph/friends/delete_friend_request", requester=requester, target=target)
        return {"status": "cancelled"}

    return _locked_change(requester, target, username, decide)


def accept_request(target: str, username: str) -> dict:
    """``target`` accepts the pending request from ``username``: one
    ``FRIENDS_WITH`` and a follow each way.

    Returns ``{"status": "friends", "since"}``. Raises :class:`Conflict` when
    no request is pending (e.g. it was cancelled, or accepted by a racing
    call). Publishes ``friend.accepted`` {requester, target}.
    """
    requester = other_uid(target, username)

    def decide(tx, s):
        if not s["request_received"]:
            raise Conflict("already friends" if s["friends"] else "no pending friend request from this user")
        tx.run("graph/friends/delete_friend_request", requester=requester, target=target)
        rows = tx.run("graph/friends/create_friendship", requester=requester, target=target, since=clock.now())
        return {"status": "friends", "since": as_utc(rows[0]["since"])}

    out = _locked_change(target, requester, username, decide)
    events.publish("friend.accepted", requester=requester, target=target)
    return out


def decline_request(target: str, username: str) -> dict:
    """``target`` declines the pending request from ``username`` (the
    requester is not told). Returns ``{"status": "declined"}``; :class:`Conflict`
    when none is pending."""
    requester = other_uid(target, username)

    def decide(tx, s):
        if not s["request_received"]:
            raise Conflict("already friends" if s["friends"] else "no pending friend request from this user")
        tx.run("graph/friends/delete_friend_request", requester=requester, target=target)
        return {"status": "declined"}

    return _locked_change(target, requester, username, decide)


def unfriend(actor: str, username: str) -> dict:
    """End the friendship with ``username`` (and the follows both ways).
    Idempotent: ``{"friends": False, "deleted": bool}``. Publishes
    ``friend.removed`` {actor, other} and ``user.unfollowed`` for each follow removed."""
    other = other_uid(actor, username)

    def decide(tx, s):
        if not s["friends"]:
            return {"friends": False, "deleted": False}
        tx.run("graph/friends/delete_friendship", a=actor, b=other)
        return {"friends": False, "deleted": True}

    out = _locked_change(actor, other, username, decide)
    if out["deleted"]:
        events.publish("friend.removed", actor=actor, other=other)
        events.publish("user.unfollowed", follower=actor, followee=other)
        events.publish("user.unfollowed", follower=other, followee=actor)
    return out


# -- follow requests (locked accounts; asked by socialgraph.graph.follows.follow) --
def approve_follow_request(owner: str, username: str) -> dict:
    """``owner`` (locked) lets ``username`` follow them.

    Returns ``{"status": "approved"}``; :class:`Conflict` when no request is
    pending. Publishes ``follow.approved`` {requester, target} and ``user.followed``.
    """
    requester = other_uid(owner, username)

    def decide(tx, s):
        if not s["follow_request_received"]:
            raise Conflict("no pending follow request from this user")
        tx.run("graph/friends/delete_follow_request", requester=requester, target=owner)
        tx.run("graph/follows/create_follow", follower=requester, followee=owner, created_at=clock.now())
        return {"status": "approved"}

    out = _locked_change(owner, requester, username, decide)
    events.publish("follow.approved", requester=requester, target=owner)
    events.publish("user.followed", follower=requester, followee=owner)
    return out


def reject_follow_request(owner: str, username: str) -> dict:
    """``owner`` rejects the pending follow request of ``username``:
    ``{"status": "rejected"}``; :class:`Conflict` when none is pending."""
    requester = other_uid(owner, username)

    def decide(tx, s):
        if not s["follow_request_received"]:
            raise Conflict("no pending follow request from this user")
        tx.run("graph/friends/delete_follow_request", requester=requester, target=owner)
        return {"status": "rejected"}

    return _locked_change(owner, requester, username, decide)


# -- lists ------------------------------------------------------------------
def page_people(query: str, cursor: str | None, limit: int | None, **params) -> Page:
    """Run a people-list query keyset-paginated on (``at``, uid), newest first:
    items ``{uid, username, display_name, at}``."""
    return keyset_page(partial(stores.graph().read, query, **params), cursor, limit,
                       lambda r: {"uid": r["uid"], "username": r["username"],
                                  "display_name": r["display_name"], "at": as_utc(r["at"])})


def incoming_requests(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Friend requests sent to ``uid``, newest first: items ``{uid, username,
    display_name, at}`` (request time); cursor pagination."""
    return page_people("graph/friends/list_incoming_requests", cursor, limit, uid=uid)


def outgoing_requests(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Friend requests ``uid`` sent and still pending, newest first."""
    return page_people("graph/friends/list_outgoing_requests", cursor, limit, uid=uid)


def follow_requests(uid: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Pending follow requests to ``uid`` (a locked account), newest first."""
    return page_people("graph/friends/list_follow_requests", cursor, limit, uid=uid)


def list_friends(username: str, viewer: str | None, cursor: str | None = None,
                 limit: int | None = None) -> Page:
    """Friends of ``username``, newest friendship first (``at`` = since).

    Raises :class:`NotFound` (unknown, or blocked either way with the viewer)
    and :class:`Forbidden` (profile or friends list hidden by privacy
    settings). Users blocked either way by the viewer are left out.
    """

    owner = resolve_uid(username)
    require_list_access(viewer, owner, "friends")
    hidden = blocked_either_way(viewer)
    graph_read = partial(stores.graph().read, "graph/friends/list_friends", uid=owner, hidden=sorted(hidden))
    # a long list is read from its ordered Redis copy (the graph sorts every friendship per page)
    return keyset_page(ordered.page_reader("friends", owner, set(hidden), graph_read), cursor, limit,
                       lambda r: {"uid": r["uid"], "username": r["username"],
                                  "display_name": r["display_name"], "at": as_utc(r["at"])})


def mutual_friends(viewer: str, username: str, cursor: str | None = None, limit: int | None = None) -> dict:
    """Friends ``viewer`` and ``username`` have in common, by uid; plus ``count``.

    Returns ``{"count": n, "items": [{uid, username, display_name}], "next_cursor"}``.
    Raises :class:`NotFound` (unknown or blocked either way),
    :class:`ValidationFailed` (oneself) and :class:`Forbidden` (the other's
    friends list is hidden from the viewer).
    """

    other = other_uid(viewer, username)
    require_list_access(viewer, other, "friends")
    limit = clamp_limit(limit)
    key = decode_cursor(cursor, "uid")
    g = stores.graph()
    rows = g.read("graph/friends/list_mutual_friends", a=viewer, b=other, hidden=sorted(blocked_either_way(viewer)),
                  after_uid=str(key["uid"]) if key else None, limit=limit + 1)
    count = mutual_count(viewer, other)["count"]
    next_cursor = encode_cursor({"uid": rows[limit - 1]["uid"]}) if len(rows) > limit else None
    return {"count": count, "items": rows[:limit], "next_cursor": next_cursor}


def mutual_count(a: str, b: str, b_friends: list[str] | None = None,
                 prefetched: dict[str, tuple[bytes | None, str]] | None = None) -> dict:
    """``{"count", "sample"}``: how many friends ``a`` and ``b`` share and the
    first three of their usernames in alphabetical order (no authorisation:
    callers check it). Both friend lists come in one query and are intersected
    here (O(n + m)); ``b_friends``: ``b``'s friends' usernames when the caller
    already read them (used when ``b`` has no copy); ``prefetched``: as for
    :func:`friend_usernames`."""
    lists = friend_usernames([a, b], known={b: b_friends} if b_friends is not None else None,
                             prefetched=prefetched, as_sets=True)
    if a not in lists or b not in lists:
        return {"count": 0, "sample": []}
    common = lists[a] & lists[b]  # CPython walks the smaller set
    return {"count": len(common), "sample": sorted(common)[:3]}


MUTUAL_KEY = "sg:mutual:{viewer}:{owner}"


def mutual_count_with_hub(viewer: str, hub: str,
                          prefetched: tuple[bytes | None, list[str]] | None = None) -> dict:
    """:func:`mutual_count` for an owner with :data:`socialgraph.graph.people.HUB_DEGREE`
    friends or more: one graph query from the viewer's side
    (``graph/friends/list_mutual_friend_names``) instead of reading and
    caching the hub's whole friend list. ``{"count", "sample"}``.

    The shared names are kept in Redis (``sg:mutual:<viewer>:<hub>``,
    ``FRIENDS_CACHE_SECONDS``) with the versions of both friend-list
    copies (``sg:friends:<uid>``) read before the query: the copy counts
    only while both versions are unchanged, and every friendship change,
    block or account deletion touching either user bumps theirs
    (:func:`forget_friends`). A warm hit is one Redis round trip, none with
    ``prefetched``: ``(copy, [viewer's version, hub's version])`` the caller
    read in its own round trip (the profile's script)."""
    key = MUTUAL_KEY.format(viewer=viewer, owner=hub)
    vkeys = [readcache.version_key(FRIENDS_KEY.format(uid=u)) for u in (viewer, hub)]
    versions = None
    try:
        if prefetched is not None:
            raw, versions = prefetched
        else:
            raw, *vs = rediskeys.mget(stores.read_cache(), [key, *vkeys])
            versions = [(v.decode() if v else "0") for v in vs]
        if raw:
            copy = json.loads(raw)
            if copy["v"] == versions:
                common = copy["names"]
                return {"count": len(common), "sample": common[:3]}
    except RedisError:
        pass
    rows = stores.graph().read("graph/friends/list_mutual_friend_names", viewer=viewer, owner=hub)
    common = sorted(r["username"] for r in rows)
    if versions is not None:
        try:
            stores.read_cache().set(key, json.dumps({"v": versions, "names": common}),
                                    ex=int(current_app.config["FRIENDS_CACHE_SECONDS"]))
        except RedisError:
            log.warning("could not store the shared friends of %s and %s", viewer, hub)
    return {"count": len(common), "sample": common[:3]}


FRIENDS_KEY = "sg:friends:{uid}"


#: A friend-list copy this long (bytes of JSON, about 300 friends) or longer is
#: decoded once per process and kept (:func:`_decoded_set`).
BIG_LIST_BYTES = 4096


@lru_cache(maxsize=8)
def _decoded_set(raw: bytes) -> frozenset[str]:
    """The usernames of a friend-list copy's JSON as a set, remembered for
    the last 8 big copies (keyed by the copy's bytes, so a changed list is a
    new entry: nothing to invalidate). Issue 22 session 7: a viewer with
    9,492 friends decoded and hashed their list on every profile they read
    (about 1.3 ms of CPU a profile); at most ~1 MB a copy, 8 MB a process."""
    return frozenset(json.loads(raw))


def _decode(raw: bytes, as_set: bool):
    if as_set:
        return _decoded_set(raw) if len(raw) >= BIG_LIST_BYTES else frozenset(json.loads(raw))
    return json.loads(raw)


def friend_usernames(uids: list[str], known: dict[str, list[str]] | None = None,
                     prefetched: dict[str, tuple[bytes | None, str]] | None = None,
                     as_sets: bool = False) -> dict[str, list[str]] | dict[str, frozenset[str]]:
    """``uid -> usernames of their friends`` for those of ``uids`` that exist:
    Redis copies (``sg:friends:<uid>``, versioned, ``FRIENDS_CACHE_SECONDS``;
    dropped by every friendship change and block), the rest in one graph query.
    ``known``: lists the caller read from the graph just now, used where no
    copy is but not stored (they were read before the copy's version, so
    storing them could keep a list a concurrent change made stale).
    ``prefetched``: ``key -> (copy, version)`` the caller read in its own
    round trip; used (no ``MGET``) when it holds every key asked.
    ``as_sets``: the values are frozensets (big copies decoded once per
    process, :func:`_decoded_set`), for intersecting."""
    keys = [FRIENDS_KEY.format(uid=u) for u in uids]
    if prefetched is not None and all(k in prefetched for k in keys):
        copies, versions = [prefetched[k][0] for k in keys], [prefetched[k][1] for k in keys]
    else:
        try:
            copies, versions = readcache.get_many(keys)
        except RedisError:
            copies, versions = [None] * len(keys), None
    out = {u: _decode(raw, as_sets) for u, raw in zip(uids, copies) if raw}
    missing = [u for u in uids if u not in out]
    if missing:
        known = known or {}
        asked = [u for u in missing if u not in known]
        rows = stores.graph().read("graph/friends/list_friend_usernames", uids=asked) if asked else []
        found = {r["uid"]: r["friends"] for r in rows}
        conv = frozenset if as_sets else (lambda names: names)
        out.update({u: conv(f) for u, f in found.items()})
        out.update({u: conv(known[u]) for u in missing if u in known})
        if versions is not None:
            v_of = dict(zip(uids, versions))
            readcache.put_many(((FRIENDS_KEY.format(uid=u), v_of[u], json.dumps(f)) for u, f in found.items()),
                               int(current_app.config["FRIENDS_CACHE_SECONDS"]))
    return out


def forget_friends(*uids: str) -> None:
    """After a friendship change, a block or an account deletion."""

    readcache.invalidate(*[FRIENDS_KEY.format(uid=u) for u in uids])
    ordered.forget(*uids)


def connection(viewer: str, username: str) -> dict:
    """"How you are connected": one shortest chain of friendships from
    ``viewer`` to ``username``, at most 4 hops, never through users who block
    or are blocked by either end (BFS by the graph store's ``shortestPath``).

    Returns ``{"degree": hops or None, "path": [{uid, username, display_name}]}``
    (``path`` from the viewer to the other, empty when not connected within
    4 hops). Raises :class:`NotFound` / :class:`ValidationFailed`.
    """

    other = other_uid(viewer, username)
    if other in blocked_either_way(viewer):
        raise NotFound(f"no user named {username!r}")
    rows = stores.graph().read("graph/friends/get_friendship_path", viewer=viewer, other=other)
    if not rows:
        return {"degree": None, "path": []}
    path = rows[0]["path"]
    return {"degree": len(path) - 1, "path": path}


# -- profiles ---------------------------------------------------------------
RESTRICTED_KEEP = ("uid", "username", "display_name", "avatar_id", "avatar_blurhash")


def profile_extras(profile: dict, viewer: str | None, row: dict,
                   prefetched: dict[str, tuple[bytes | None, str]] | None = None, *, mutual: bool = True) -> dict:
    """Add friendship fields to a profile (``socialgraph.graph.users.get_profile``) and
    apply the owner's privacy settings. ``row``: the profile card and viewer
    relation (:func:`socialgraph.graph.users.profile_card`: privacy settings, friends
    count, how the viewer stands to the owner; ``owner_friends`` when the
    owner's friend list was read with them, ``mutual_names`` when a hub's
    shared friends were).

    Adds ``restricted`` (bool), ``locked``, ``friends_count``, ``friendship``
    (``none`` | ``friends`` | ``request_sent`` | ``request_received`` | ``self``;
    ``None`` anonymous), ``follow_requested`` and ``mutual_friends``
    (``{count, sample}``: up to three usernames; ``None`` for anonymous
    viewers, oneself, or when the owner hides their friends list). A profile
    the viewer may not see keeps only uid, username and display name, with
    everything else ``None`` and ``restricted: true``. Raises :class:`NotFound`
    for blocks either way. ``prefetched``: the friend-list copies
    (``sg:friends:<uid>``) and the shared-friends copy (``sg:mutual:...``, its
    value ``(copy, [versions])``) the caller already read, ``key -> (copy,
    version)``: no Redis round trip for them then. ``mutual=False``:
    ``mutual_friends`` is ``None`` without being counted (a caller that does
    not show it: the count walks a hub's 9,000 friends when no copy holds it).
    """
    owner = profile["uid"]
    if row["blocked"]:
        raise NotFound("no such user")
    acc = Access(owner=owner, viewer=viewer,
                 **{f.name: row[f.name] for f in fields(Access) if f.name in row})
    friendship = None
    if viewer:
        friendship = ("self" if acc.is_self else "friends" if row["friends"] else
                      "request_sent" if row["request_sent"] else
                      "request_received" if row["request_received"] else "none")
    want_mutual, mutual = mutual, None
    if want_mutual and viewer and not acc.is_self and acc.friend_list:
        if row.get("mutual_names") is not None:  # a hub's cold card: counted by the card's query
            common = sorted(set(row["mutual_names"]))
            mutual = {"count": len(common), "sample": common[:3]}
        elif row.get("owner_friends") is None and row["friends_count"] >= people.HUB_DEGREE:
            mkey = MUTUAL_KEY.format(viewer=viewer, owner=owner)
            mutual = mutual_count_with_hub(viewer, owner, (prefetched or {}).get(mkey))
        else:
            mutual = mutual_count(viewer, owner, row.get("owner_friends"), prefetched)
    out = {**profile, "restricted": not acc.profile, "locked": acc.locked,
           "friends_count": row["friends_count"] if acc.friend_list else None,
           "friendship": friendship, "follow_requested": bool(row["follow_requested"]),
           "mutual_friends": mutual}
    if not acc.profile:
        out = {k: (v if k in RESTRICTED_KEEP or k in ("restricted", "locked", "friendship",
                                                     "follow_requested") else None)
               for k, v in out.items()}
    return out
