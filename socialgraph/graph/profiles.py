"""Profiles as a viewer sees them: the card, the viewer's relation, the
friendship fields and the per-viewer flags other packages register.

A profile reads up to nine Redis copies (the card, the pair's relation or,
on a first view of the pair, the viewer's following and followers sets (or the
owner's following set) and pending requests, the viewer's block sets, both
friend lists or the shared friends of a hub, and what each flag needs) and, in a view that deferred it, the token's revocation
verdict. :func:`get_profile` reads them all in **one** Lua script
(:data:`_PROFILE_LUA`, issue 22: under gunicorn's threads every round trip
waits for the GIL again, so their number sets a read's latency under load);
what is missing is then filled from the graph exactly as before, each copy
stored only if its version is unchanged (:mod:`socialgraph.stores.readcache`).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core.errors import NotFound
from socialgraph.core.pagination import as_utc
from socialgraph.core.text import normalise_username
from socialgraph.graph import people
from socialgraph.graph.friends import FRIENDS_KEY, MUTUAL_KEY, profile_extras
from socialgraph.graph.people import (
    FOLLOWERS_KEY,
    FOLLOWING_KEY,
    PENDING_FIELDS,
    PENDING_KEY,
    PROFILE_KEY,
    RELATION_FIELDS,
    RELATION_KEY,
    profile_card,
)
from socialgraph.graph.relations import CACHE_KEY as BLOCKS_KEY
from socialgraph.graph.relations import blocked_either_way
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

#: name -> ``flag(viewer_uid | None, owner_uid) -> value``: per-viewer profile
#: fields that packages above the graph compute (stories registers
#: ``has_unseen_stories``); filled when those packages are imported.
PROFILE_FLAGS: dict[str, Callable[[str | None, str], Any]] = {}

#: Stands for the owner's uid in a :class:`FlagProbe`'s keys and arguments.
OWNER = "\x01"

#: What a :class:`FlagProbe`'s ``decide`` returns when its reads cannot tell
#: (the flag function then answers).
UNDECIDED = object()

#: The read-only commands a probe may send (one key, at most one argument).
PROBE_COMMANDS = ("GET", "EXISTS", "ZSCORE", "SISMEMBER", "HGET")


@dataclass(frozen=True)
class FlagProbe:
    """The Redis reads that usually answer a profile flag, run in the
    profile's script: ``reads`` are ``(command, key, argument or None)`` of
    :data:`PROBE_COMMANDS`, :data:`OWNER` in a key or argument standing for
    the owner's uid; ``decide(viewer, owner, replies)`` gives the flag's value
    from their replies, or :data:`UNDECIDED` (the flag function answers)."""

    reads: tuple[tuple[str, str, str | None], ...]
    decide: Callable[[str | None, str, list], Any]


#: name -> :class:`FlagProbe` of the flags registered with one
PROFILE_FLAG_PROBES: dict[str, FlagProbe] = {}


def register_profile_flag(name: str, flag: Callable[[str | None, str], Any], probe: FlagProbe | None = None) -> None:
    """Add the profile field ``name`` computed by ``flag(viewer, owner)``;
    ``probe``: the reads that usually answer it in the profile's own round trip."""
    for cmd, _key, _arg in (probe.reads if probe else ()):
        if cmd not in PROBE_COMMANDS:
            raise ValueError(f"a profile flag probe may not send {cmd}")
    PROFILE_FLAGS[name] = flag
    if probe is not None:
        PROFILE_FLAG_PROBES[name] = probe


#: KEYS: 1-2 the keys the caller reads with the profile (the token's session
#: verdict and not-before cut-off; any key when none), 3 the card copy, 4 its
#: version, 5-6 the relation copy and version, 7-8 the viewer's block sets
#: and version, 9-10 the viewer's friend list and version.
#: ARGV: 1 the viewer's uid ('' anonymous), 2 HUB_DEGREE, 3-4 the friend-list
#: key template around the owner's uid (prefix, suffix), 5-6 its version key
#: template, 7-8 the shared-friends key template, 9-10 the owner's uid and
#: friends count when the caller knows them ('' else), 11 the copies' TTL,
#: 12 the number of copies to store first, 13 the number of probe reads,
#: 14 the viewer's following-set key ('' anonymous), 15-16 the following-set
#: key template around the owner's uid, 17 the viewer's pending-requests copy
#: key, 18 the owner's username when the caller knows it ('' else), 19 the
#: viewer's followers-set key; then
#: five per copy (key, version key, version read before, value, TTL seconds:
#: stored only if the version is unchanged, as :func:`readcache.put_many`), then three per
#: probe read (command, key, argument or ''; byte 1 stands for the owner).
#: Reply: the values of KEYS 1-8, the friend lists (9 viewer, 11 owner) and
#: their versions (10, 12), the shared-friends copy (13, for an owner with
#: HUB_DEGREE friends or more, then 16 is 1), the owner's uid (14), the probe
#: replies (15); when the owner is not known (no card copy), 17 is whether the
#: viewer's friend list copy exists (1/0) and 10 its version. 18, for a viewer
#: other than the owner: the relation's shared copies (:func:`_shared_relation`),
#: ``{viewer follows owner, owner follows viewer, friends}`` each 1/0 or -1
#: when its copy is missing (the viewer's following set; the viewer's followers
#: set, else the owner's following set; the viewer's friend list searched for
#: the owner's username), then the viewer's pending-requests copy and the
#: state of the viewer's followers set (0 missing, 1 copied, 2 too long to copy);
#: with no card copy, 18 is nil, 19 the size of the viewer's following set copy
#: (``SCARD``, 0 when absent) and 20 the length of their friend-list copy in
#: bytes (``STRLEN``, 0 when absent): the hints that the viewer is a hub
#: (:func:`_viewer_is_hub`). The owner's uid, username and friends count come from the card copy
#: (JSON of ``json.dumps``: an escaped string never holds ``"uid": "``), else
#: from ARGV 9-10 and 18.
_PROFILE_LUA = """
local function owned(s, owner)
  return (string.gsub(s, '\\1', (string.gsub(owner, '%%', '%%%%'))))
end
local nputs, nprobes = tonumber(ARGV[12]), tonumber(ARGV[13])
for i = 0, nputs - 1 do
  local b = 20 + 5 * i
  if (redis.call('GET', ARGV[b + 1]) or '0') == ARGV[b + 2] then
    redis.call('SET', ARGV[b], ARGV[b + 3], 'EX', tonumber(ARGV[b + 4]))
  end
end
local out = {false, false, false, false, false, false, false, false, false, false,
             false, false, false, false, {}, 0, false, false}
out[1] = redis.call('GET', KEYS[1])
out[2] = redis.call('GET', KEYS[2])
local card = redis.call('GET', KEYS[3])
out[3] = card
out[4] = redis.call('GET', KEYS[4])
local viewer = ARGV[1]
if viewer ~= '' then
  out[5] = redis.call('GET', KEYS[5])
  out[6] = redis.call('GET', KEYS[6])
  out[7] = redis.call('GET', KEYS[7])
  out[8] = redis.call('GET', KEYS[8])
end
local owner = card and string.match(card, '"uid": "([^"\\\\]*)"')
local friends = card and tonumber(string.match(card, '"friends_count": (%d+)') or '0')
if not owner and ARGV[9] ~= '' then
  owner, friends = ARGV[9], tonumber(ARGV[10])
end
if not owner then
  if viewer ~= '' then  -- a cold card: whether its query should bring the viewer's friend list too
    out[17] = redis.call('EXISTS', KEYS[9])
    out[10] = redis.call('GET', KEYS[10])
    out[18] = false
    out[19] = redis.call('SCARD', ARGV[14])
    out[20] = redis.call('STRLEN', KEYS[9])
  end
  return out
end
out[14] = owner
if viewer ~= '' and viewer ~= owner then
  out[10] = redis.call('GET', KEYS[10])
  out[12] = redis.call('GET', ARGV[5] .. owner .. ARGV[6])
  if friends >= tonumber(ARGV[2]) then
    out[16] = 1
    out[13] = redis.call('GET', ARGV[7] .. owner .. ARGV[8])
  else
    out[9] = redis.call('GET', KEYS[9])
    out[11] = redis.call('GET', ARGV[3] .. owner .. ARGV[4])
  end
  local rel = {-1, -1, -1, false, 0}  -- how the viewer stands to the owner, from copies shared across pairs
  if redis.call('EXISTS', ARGV[14]) == 1 then rel[1] = redis.call('SISMEMBER', ARGV[14], owner) end
  if redis.call('EXISTS', ARGV[19]) == 1 then  -- the viewer's followers, unless too many to copy
    if redis.call('SISMEMBER', ARGV[19], '!over') == 1 then rel[5] = 2 else
      rel[5] = 1
      rel[2] = redis.call('SISMEMBER', ARGV[19], owner)
    end
  end
  local theirs = ARGV[15] .. owner .. ARGV[16]
  if rel[2] == -1 and redis.call('EXISTS', theirs) == 1 then rel[2] = redis.call('SISMEMBER', theirs, viewer) end
  local list = out[9]
  if out[16] == 1 then list = redis.call('GET', KEYS[9]) end
  local name = card and string.match(card, '"username": "([^"\\\\]*)"')
  if not name and ARGV[18] ~= '' then name = ARGV[18] end
  if list and name then  -- a JSON list of usernames ([a-z0-9_]): '"name"' is one whole entry
    if string.find(list, '"' .. name .. '"', 1, true) then rel[3] = 1 else rel[3] = 0 end
  end
  rel[4] = redis.call('GET', ARGV[17])
  out[18] = rel
end
local replies = {}
local base = 20 + 5 * nputs
for i = 0, nprobes - 1 do
  local b = base + 3 * i
  local cmd, key, arg = ARGV[b], owned(ARGV[b + 1], owner), ARGV[b + 2]
  local r
  if arg == '' then r = redis.call(cmd, key) else r = redis.call(cmd, key, owned(arg, owner)) end
  replies[#replies + 1] = r
end
out[15] = replies
return out
"""


def _around(key: str) -> tuple[str, str]:
    """(prefix, suffix) around the NUL byte standing for the owner's uid in ``key``."""
    pre, _, post = key.partition("\0")
    return pre, post


def _version(raw: bytes | None) -> str:
    return raw.decode() if raw else "0"


@dataclass
class _Reads:
    """What the profile's script read: ``card`` (copies, versions) of the card
    and relation keys, ``blocks`` (copy, version) of the viewer's block sets,
    ``friends`` the friend-list and shared-friends copies by key, ``flags``
    the values the probes decided, ``owner`` the uid the card copy names,
    ``viewer_friends`` the version of the viewer's friend-list copy when the
    script found no card copy and no friend-list copy (the card's query then
    brings the list), else None; ``shared`` the relation's shared copies
    (reply 18 of :data:`_PROFILE_LUA`: ``[viewer follows owner, owner follows
    viewer, friends, pending-requests copy]``) or None (anonymous, oneself,
    owner unknown); ``viewer_hub`` whether the viewer's copies say they are a
    hub (:func:`_viewer_is_hub`; read only with no card copy)."""

    card: tuple[list[bytes | None], list[str]]
    blocks: tuple[bytes | None, str] | None
    friends: dict[str, tuple]
    flags: dict[str, Any]
    owner: str | None
    viewer_friends: str | None = None
    shared: list | None = None
    viewer_hub: bool = False


#: A friend-list copy (``json.dumps`` of usernames) at least this long, in
#: bytes, hints at :data:`people.HUB_DEGREE` friends or more: 12 bytes a name
#: (MUSAE's usernames average 8-9 characters, plus quotes and ``", "``).
HUB_FRIENDS_BYTES = 12 * people.HUB_DEGREE


def _viewer_is_hub(following: int, friends_bytes: int) -> bool:
    """Whether the viewer's copies say they have :data:`people.HUB_DEGREE`
    relationships or more: a following set (``SCARD``) of that size, or a
    friend-list copy of :data:`HUB_FRIENDS_BYTES` or more. Only a hint for
    which side a cold card's relation patterns start from (the answers are
    the same from either side): a viewer whose copies are cold counts as small."""
    return following >= people.HUB_DEGREE or friends_bytes >= HUB_FRIENDS_BYTES


def _one_trip(username: str, viewer: str | None, also: list[str] | None,
              also_then: Callable[[list | None], None] | None,
              owner: tuple[str, int, str] | None = None, puts: list[tuple[str, str, str]] = ()) -> _Reads | None:
    """Run :data:`_PROFILE_LUA`; None when it cannot run (Redis away, the
    copies and the session keys on two servers, a cluster), ``also_then``
    called with None first. ``owner``: (uid, friends count, username) when the caller
    knows them (the card came from the graph); ``puts``: copies
    ``(key, version, value[, TTL seconds])`` to store first, each if its
    version is unchanged (TTL: ``PROFILE_CACHE_SECONDS`` unless given)."""
    r = readcache.one_trip_client(None if also_then is None else lambda: also_then(None))
    if r is None:
        return None
    uid = viewer or ""
    keys = [PROFILE_KEY.format(username=username), RELATION_KEY.format(viewer=uid or "-", username=username),
            BLOCKS_KEY.format(uid=uid or "-"), FRIENDS_KEY.format(uid=uid or "-")]
    extra = list(also or [])[:2]
    extra += [keys[0]] * (2 - len(extra))
    friends_pre, friends_post = _around(FRIENDS_KEY.format(uid="\0"))
    fv_pre, fv_post = _around(readcache.version_key(FRIENDS_KEY.format(uid="\0")))
    mutual_pre, mutual_post = _around(MUTUAL_KEY.format(viewer=uid or "-", owner="\0"))
    following_pre, following_post = _around(FOLLOWING_KEY.format(uid="\0"))
    probes = [(name, p) for name, p in PROFILE_FLAG_PROBES.items() if name in PROFILE_FLAGS]
    reads = [x for _name, p in probes for cmd, key, arg in p.reads for x in (cmd, key, arg or "")]
    ttl = int(current_app.config["PROFILE_CACHE_SECONDS"])
    stores_first = [x for key, v0, value, *life in puts
                    for x in (key, readcache.version_key(key), v0, value, life[0] if life else ttl)]
    script = getattr(r, "_sg_profile", None)
    if script is None:  # one Script per client: its SHA1 computed once
        script = r._sg_profile = r.register_script(_PROFILE_LUA)
    try:
        res = script(keys=[*extra, keys[0], readcache.version_key(keys[0]), keys[1], readcache.version_key(keys[1]),
                           keys[2], readcache.version_key(keys[2]), keys[3], readcache.version_key(keys[3])],
                     args=[uid, people.HUB_DEGREE, friends_pre, friends_post, fv_pre, fv_post, mutual_pre, mutual_post,
                           owner[0] if owner else "", owner[1] if owner else "",
                           ttl, len(puts), len(reads) // 3,
                           FOLLOWING_KEY.format(uid=uid or "-"), following_pre, following_post,
                           PENDING_KEY.format(uid=uid or "-"), owner[2] if owner else "",
                           FOLLOWERS_KEY.format(uid=uid or "-"),
                           *stores_first, *reads])
    except RedisError:
        if also_then is not None:
            also_then(None)  # the view's own fallback (a check that needs Redis fails as it would have)
        return None
    if also_then is not None:
        also_then(res[:2])
    owner_uid = res[13].decode() if res[13] else None
    card = ([res[2], res[4]], [_version(res[3]), _version(res[5])])
    blocks = (res[6], _version(res[7])) if viewer else None
    friends: dict[str, tuple] = {}
    flags: dict[str, Any] = {}
    if owner_uid is not None:
        owner = owner_uid
        if viewer and viewer != owner:
            vkey, okey = FRIENDS_KEY.format(uid=viewer), FRIENDS_KEY.format(uid=owner)
            versions = [_version(res[9]), _version(res[11])]
            if res[15]:  # a hub: its shared friends with the viewer were read
                friends[MUTUAL_KEY.format(viewer=viewer, owner=owner)] = (res[12], versions)
            else:
                friends[vkey], friends[okey] = (res[8], versions[0]), (res[10], versions[1])
        replies, i = res[14], 0
        for name, p in probes:
            value = p.decide(viewer, owner, replies[i:i + len(p.reads)])
            i += len(p.reads)
            if value is not UNDECIDED:
                flags[name] = value
    viewer_friends = _version(res[9]) if owner_uid is None and len(res) > 16 and res[16] == 0 else None
    shared = res[17] if len(res) > 17 and res[17] else None
    viewer_hub = owner_uid is None and len(res) > 19 and _viewer_is_hub(int(res[18]), int(res[19]))
    return _Reads(card=card, blocks=blocks, friends=friends, flags=flags, owner=owner_uid,
                  viewer_friends=viewer_friends, shared=shared, viewer_hub=viewer_hub)


def _shared_relation(reads: _Reads) -> dict | None:
    """How the viewer stands to the owner (:data:`RELATION_FIELDS`) from the
    copies the profile's script read that are shared across pairs, or None
    when one of them is missing (or a pending-requests list is too long to be
    copied): followed_by_viewer from the viewer's following set
    (:data:`socialgraph.graph.people.FOLLOWING_KEY`), follows_viewer from the
    viewer's followers set (:data:`socialgraph.graph.people.FOLLOWERS_KEY`:
    one copy serves the viewer's first views of every owner), or for a viewer
    with more than :data:`socialgraph.graph.people.FOLLOWERS_SET_MAX`
    followers (an author with 100,000) from the owner's following set (bounded
    by the accounts one follows: a hub following 9,000), blocked from the viewer's block
    sets, friends from the viewer's friend list, the three pending-request
    flags from the viewer's pending-requests copy
    (:data:`socialgraph.graph.people.PENDING_KEY`). Each copy is versioned
    and dropped by every write that changes it, as the pair's own copy is."""
    if reads.shared is None or reads.blocks is None or reads.blocks[0] is None:
        return None
    follows, followed, friends, pending, _followers = reads.shared
    if -1 in (follows, followed, friends) or pending is None:
        return None
    pending = json.loads(pending)
    if pending.get("over"):
        return None
    owner, blocks = reads.owner, json.loads(reads.blocks[0])
    return {"followed_by_viewer": follows == 1, "follows_viewer": followed == 1,
            "blocked": owner in blocks["blocking"] or owner in blocks["blocked_by"],
            "friends": friends == 1, "request_sent": owner in pending["sent"],
            "request_received": owner in pending["received"], "follow_requested": owner in pending["follow_sent"]}


def _fill_shared(reads: _Reads, viewer: str, card: dict) -> None:
    """After a first view of a warm card answered by the graph: make the shared
    copies :func:`_shared_relation` missed, so the viewer's next first views
    need no pair query: the viewer's following and followers sets, friend list
    and pending requests in one graph query
    (``graph/users/list_viewer_relation_sets``), each stored only if its
    version, read before the query, is unchanged; for a viewer with too many
    followers to copy, the owner's following set (at most
    :data:`socialgraph.graph.people.FOLLOWING_SET_MAX` entries). Redis errors are left to the copies'
    next reader."""
    follows, followed, friends, pending, followers = reads.shared
    want = {"following": follows == -1, "followers": followed == -1 and followers == 0,
            "friends": friends == -1, "pending": pending is None}
    keys = {"following": FOLLOWING_KEY.format(uid=viewer), "followers": FOLLOWERS_KEY.format(uid=viewer),
            "friends": FRIENDS_KEY.format(uid=viewer), "pending": PENDING_KEY.format(uid=viewer)}
    try:
        if any(want.values()):
            asked = [k for k, w in want.items() if w]
            versions = [(v.decode() if v else "0") for v in
                        stores.read_cache().mget([readcache.version_key(keys[k]) for k in asked])]
            v_of = dict(zip(asked, versions))
            rows = stores.graph().read("graph/users/list_viewer_relation_sets", uid=viewer, cap=people.FOLLOWERS_SET_MAX,
                                       pending_cap=people.PENDING_MAX, **want)
            if rows:
                row = rows[0]
                short = int(current_app.config["FOLLOWING_CACHE_SECONDS"])
                long = int(current_app.config["PROFILE_CACHE_SECONDS"])
                if want["following"]:
                    readcache.put_set(keys["following"], v_of["following"], row["following"], short)
                if want["followers"]:
                    if row["followers"] is None:  # too many to copy: the owner's following set answers
                        followers = 2
                    readcache.put_set(keys["followers"], v_of["followers"],
                                     [people.OVER] if row["followers"] is None else row["followers"], long)
                copies = []
                if want["friends"]:
                    copies.append((keys["friends"], v_of["friends"], json.dumps(row["friends"]),
                                   int(current_app.config["FRIENDS_CACHE_SECONDS"])))
                if want["pending"]:
                    over = any(row[k] is None for k in PENDING_FIELDS)
                    value = {"over": True} if over else {k: row[k] for k in PENDING_FIELDS}
                    copies.append((keys["pending"], v_of["pending"], json.dumps(value), long))
                for ttl in {c[3] for c in copies}:
                    readcache.put_many([c[:3] for c in copies if c[3] == ttl], ttl)
        if followed == -1 and followers == 2 and card["following_count"] <= people.FOLLOWING_SET_MAX:
            people.following_uids(card["user"]["uid"])
    except RedisError:
        log.info("could not make the shared relation copies of %s", viewer)


def get_profile(username: str, viewer: str | None = None, *, also: list[str] | None = None,
                also_then: Callable[[list | None], None] | None = None, mutual: bool = True) -> dict:
    """Public profile: ``{uid, username, display_name, bio, created_at,
    followers_count, following_count, followed_by_viewer, follows_viewer}``
    plus, from :func:`socialgraph.graph.friends.profile_extras`, ``restricted``,
    ``friends_count``, ``friendship`` and ``mutual_friends``. A profile
    hidden by its privacy settings is ``restricted``: only uid, username and
    display name. ``has_unseen_stories``: the viewer may see an active story
    of this user they have not opened (registered by :mod:`socialgraph.stories.stories` in :data:`PROFILE_FLAGS`).
    Raises :class:`NotFound` (also for blocks either way).

    Warm (card, relation, block sets, friend lists or a hub's shared friends
    copied, flags decided by their probes): one Redis script, no graph query.
    ``also``: up to two more keys to read in that script (the token's session
    keys, in a view that deferred its revocation check); ``also_then`` gets
    their values right after it ran, before anything else is read (None when
    the script could not run: Redis away or split, a cluster). Redis away:
    the graph answers, as it always did. The first view of a pair (no
    relation copy) is answered by copies shared across pairs, read in the
    same script (:func:`_shared_relation`: the viewer's following and
    followers sets, block sets, friend list and pending requests; issue 22,
    target 2c: ~9,600 pairs against ~1,000 profile reads a run made nearly
    every read a first view); when one of them is missing,
    the relation's graph query and a second script that stores the pair's
    copy answer as before, and the missing shared copies are made after the
    answer (:func:`_fill_shared`). A card read from the graph: the same
    second script also reads the owner's friend list (or shared friends) and
    flag probes.
    ``mutual=False``: ``mutual_friends`` is ``None``, not counted (the Mastodon
    ``Account`` has no such field; counting it for each author of a page cost a
    hub viewer 1.2-1.7 s per hub author)."""
    name = normalise_username(username)
    fill = None
    reads = _one_trip(name, viewer, also, also_then)
    blocks_key = BLOCKS_KEY.format(uid=viewer) if viewer else None
    if reads is None:
        prefetch = {blocks_key: None} if viewer else {}
        card, relation = profile_card(name, viewer, prefetch)  # + the viewer's block sets
        blocks = prefetch.get(blocks_key)
    else:
        puts: list[tuple] = []
        shared = _shared_relation(reads) if viewer else None
        card, relation = profile_card(name, viewer, read=reads.card, defer=puts,
                                      viewer_friends=reads.viewer_friends is not None, relation=shared,
                                      viewer_hub=reads.viewer_hub)
        blocks = reads.blocks
        if (viewer and shared is None and reads.shared is not None and reads.card[0][1] is None
                and card is not None and card["user"]["uid"] == reads.owner):
            fill = (reads, card)  # a warm card, no pair copy: the graph answered the relation
        if reads.viewer_friends is not None and puts and (relation or {}).get("viewer_friends") is not None:
            # the viewer's friend list came with the cold card: stored by the same second script
            # (if its version read before the query is unchanged), which reads it back for the count
            puts.append((FRIENDS_KEY.format(uid=viewer), reads.viewer_friends, json.dumps(relation["viewer_friends"]),
                         int(current_app.config["FRIENDS_CACHE_SECONDS"])))
        if card is not None and (puts or reads.owner != card["user"]["uid"]):
            # the copies the graph answered stored, and what the owner's uid keys, in one more trip
            later = _one_trip(name, viewer, None, None,
                              (card["user"]["uid"], card["friends_count"], card["user"]["username"]), puts)
            if later is not None:
                reads = _Reads(card=reads.card, blocks=blocks, friends=later.friends, flags=later.flags,
                               owner=later.owner, shared=later.shared)
    if card is None or card["user"]["uid"] in blocked_either_way(viewer, blocks):
        raise NotFound(f"no user named {username!r}")
    owner = card["user"]["uid"]
    decided = reads.flags if reads is not None and reads.owner == owner else {}
    friends = reads.friends if reads is not None and reads.owner == owner else None
    if relation is None:  # anonymous
        relation = dict.fromkeys(RELATION_FIELDS, False)
    row = {**card, **relation}
    profile = {**row["user"], "created_at": as_utc(row["user"].get("created_at")),
               "followers_count": row["followers_count"],
               "following_count": row["following_count"],
               "followed_by_viewer": bool(viewer) and row["followed_by_viewer"],
               "follows_viewer": bool(viewer) and row["follows_viewer"],
               **{n: decided[n] if n in decided else flag(viewer, owner) for n, flag in PROFILE_FLAGS.items()}}
    out = profile_extras(profile, viewer, row, friends, mutual=mutual)
    if fill is not None:
        _fill_shared(fill[0], viewer, fill[1])
    return out
