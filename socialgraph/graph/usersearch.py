"""The user-search index: a Redis sorted set of name terms, for prefix search.

The graph answers "users whose username or a display-name word starts with
q" only by scanning every user (0.6-1.3 s on the 37,700 MUSAE users). This
index keeps one member per name term, ``<term>\\x00<uid>``, all with score
0, so Redis orders them bytewise and ``ZRANGEBYLEX [q [q\\xff`` walks exactly
the terms starting with ``q`` (O(log N + M); Redis's documented
autocomplete pattern, https://redis.io/docs/latest/commands/zrangebylex/).
Terms are the username and the words of the display name, NFKC, case-folded,
accents removed.

Redis is a cache that may lose its keys: the graph stays the truth. The
index counts only while its marker :data:`READY_KEY` exists; without it,
search runs the graph query and a rebuild is queued
(``jobs.search.rebuild_user_index``; one at a time). Next to the terms, the
hash :data:`NAMES_KEY` keeps each user's names and avatar, so a search is
two Redis calls and no graph read. Every hit is checked against those
names, so a term left over from an old name drops out, and a user is
counted only at the first of their terms that matches, so pages never
repeat anyone. Users are added or updated by :func:`index_user`
(registration, profile and avatar changes via
:func:`people.forget_short_profile`, imports rebuild) and removed by
:func:`remove_user` (account deletion, an area of :mod:`socialgraph.core.areas`).
"""
from __future__ import annotations

import json
import logging

from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core.areas import register_area
from socialgraph.core.text import fold
from socialgraph.stores import rediskeys
from socialgraph.stores.rediskeys import companion

log = logging.getLogger(__name__)

INDEX_KEY = "sg:usersearch"
#: uid -> the names and avatar the terms were made from (JSON), so a search
#: needs no graph read; kept in step with the terms, dropped with the account.
#: Every key of the index is tagged with INDEX_KEY's name (one Redis Cluster slot:
#: the terms and names change in one MULTI, the rebuild swaps both in one).
NAMES_KEY = companion(INDEX_KEY, ":names")
READY_KEY = companion(INDEX_KEY, ":ready")
BUILDING_KEY = companion(INDEX_KEY, ":building")
#: seconds a rebuild may hold the "building" lock
BUILD_LOCK_SECONDS = 600
#: users read from the graph per rebuild query
BUILD_BATCH = 5000


def name_terms(username: str | None, display_name: str | None) -> list[str]:
    """The searchable terms of a user: the username and each display-name word, folded."""
    terms = [fold(username)] if username else []
    for word in fold(display_name).split():
        word = word.strip(".,;:!?()[]{}\"'")
        if word:
            terms.append(word)
    return sorted({t for t in terms if t})


def _member(term: str, uid: str) -> bytes:
    return term.encode() + b"\x00" + uid.encode()


def _names(uid: str, username, display_name, avatar_id=None, avatar_blurhash=None) -> str:
    return json.dumps({"uid": uid, "username": username, "display_name": display_name,
                       "avatar_id": avatar_id, "avatar_blurhash": avatar_blurhash}, separators=(",", ":"))


def index_user(uid: str, username: str | None, display_name: str | None, avatar_id: str | None = None,
               avatar_blurhash: str | None = None) -> None:
    """Add or update a user (new, renamed, new avatar): their terms and names.
    Old terms are removed. A Redis error is logged, not raised: the index is a
    cache (rebuilt by ``socialgraph search reindex`` or when lost)."""
    terms = name_terms(username, display_name)
    try:
        r = stores.cache()
        old = r.hget(NAMES_KEY, uid)
        pipe = r.pipeline(transaction=True)
        if old:
            prev = json.loads(old)
            stale = set(name_terms(prev.get("username"), prev.get("display_name"))) - set(terms)
            if stale:
                pipe.zrem(INDEX_KEY, *[_member(t, uid) for t in stale])
        if terms:
            pipe.zadd(INDEX_KEY, {_member(t, uid): 0 for t in terms})
        pipe.hset(NAMES_KEY, uid, _names(uid, username, display_name, avatar_id, avatar_blurhash))
        pipe.execute()
    except RedisError as exc:
        log.warning("user search index: could not add %s (%s)", uid, exc)


def remove_user(uid: str) -> dict:
    """Drop a user from the index (account deletion; idempotent)."""
    r = stores.cache()
    old = r.hget(NAMES_KEY, uid)
    removed = 0
    if old:
        prev = json.loads(old)
        terms = name_terms(prev.get("username"), prev.get("display_name"))
        if terms:
            removed = r.zrem(INDEX_KEY, *[_member(t, uid) for t in terms])
    r.hdel(NAMES_KEY, uid)
    return {"search_terms": removed}


def is_ready() -> bool:
    """True when the index is complete (its marker exists); False when Redis does not answer."""
    try:
        return bool(stores.cache().exists(READY_KEY))
    except RedisError:
        return False


def request_rebuild() -> bool:
    """Queue one rebuild job unless one is running; True when queued (False
    too when Redis does not answer: the next search asks again)."""
    try:
        if not stores.cache().set(BUILDING_KEY, "1", nx=True, ex=BUILD_LOCK_SECONDS):
            return False
    except RedisError:
        return False
    stores.tasks().enqueue("jobs.search.rebuild_user_index")
    return True


def rebuild(batch: int = BUILD_BATCH) -> int:
    """Rebuild the index from the graph (every user, paged by uid) into a new
    key, swapped in atomically with ``RENAME``; sets the marker. Returns the
    number of users indexed."""
    r, g = stores.cache(), stores.graph()
    tmp, tmp_names = companion(INDEX_KEY, ":new"), companion(INDEX_KEY, ":names:new")
    r.delete(tmp, tmp_names)
    after, count = "", 0
    while True:
        rows = g.read("graph/users/list_user_names", after=after, limit=batch)
        if not rows:
            break
        members = {_member(t, row["uid"]): 0 for row in rows
                   for t in name_terms(row["username"], row.get("display_name"))}
        pipe = r.pipeline(transaction=False)
        if members:
            pipe.zadd(tmp, members)
        pipe.hset(tmp_names, mapping={row["uid"]: _names(row["uid"], row["username"], row.get("display_name"),
                                                         row.get("avatar_id"), row.get("avatar_blurhash"))
                                      for row in rows})
        pipe.execute()
        count += len(rows)
        after = rows[-1]["uid"]
    pipe = r.pipeline(transaction=True)
    if count:
        rediskeys.rename(pipe, tmp, INDEX_KEY)
        rediskeys.rename(pipe, tmp_names, NAMES_KEY)
    else:
        pipe.delete(INDEX_KEY)
        pipe.delete(NAMES_KEY)
    pipe.set(READY_KEY, "1")
    pipe.delete(BUILDING_KEY)
    pipe.execute()
    return count


#: One chunk of a search in one round trip: nil when the index is not ready
#: (no READY_KEY), else ``{members, names}``: up to ARGV[3] members of the
#: term range ARGV[1]..ARGV[2] and the names (HMGET) of their uids.
_CHUNK = """
if redis.call('EXISTS', KEYS[3]) == 0 then return false end
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #members == 0 then return {members, {}} end
local uids = {}
for i, m in ipairs(members) do
  local p = string.find(m, '\\0', 1, true)
  uids[i] = string.sub(m, p + 1)
end
return {members, redis.call('HMGET', KEYS[2], unpack(uids))}
"""


def search(prefix: str, exclude: set[str], limit: int, after: bytes | None = None,
           profiles=None) -> tuple[list[dict], bytes | None] | None:
    """Up to ``limit`` users with a term starting with ``prefix`` (folded),
    ordered by the matching term, then uid; ``exclude``: uids to leave out.
    ``after``: the member a previous page ended at. ``profiles``: the
    short-profile lookup (``uids -> {uid: profile}``). Returns ``(items,
    next_after)``; items are short profiles. ``None`` when the index is not
    ready (:func:`is_ready`; checked in the same round trip). Each chunk of
    terms is one script (the terms and their users' names together): a page
    is usually one Redis round trip. Raises ``RedisError``."""
    r = stores.cache()
    chunk_of = r.register_script(_CHUNK)
    needle = fold(prefix)
    lo = b"(" + after if after else b"[" + needle.encode()
    hi = b"[" + needle.encode() + b"\xff"
    out: list[tuple[bytes, dict]] = []
    chunk = max(limit * 2, 40)
    while len(out) <= limit:
        reply = chunk_of(keys=[INDEX_KEY, NAMES_KEY, READY_KEY], args=[lo, hi, chunk])
        if reply is None:
            return None
        members, raw = reply
        if not members:
            break
        hits = []
        for m in members:
            term, _, uid = m.partition(b"\x00")
            hits.append((m, term.decode(), uid.decode()))
        current = {u: json.loads(v) for (_, _, u), v in zip(hits, raw) if v and u not in exclude}
        missing = [u for _, _, u in hits if u not in exclude and u not in current]
        if missing:  # written before the names were kept: ask the short profiles
            current.update(profiles(missing))
        for m, term, uid in hits:
            p = current.get(uid)
            if uid in exclude or not p:
                continue
            matching = [t for t in name_terms(p.get("username"), p.get("display_name")) if t.startswith(needle)]
            if not matching or matching[0] != term:
                continue  # a stale term, or not this user's first matching term
            out.append((m, p))
            if len(out) > limit:
                break
        if len(members) < chunk or len(out) > limit:
            break
        lo = b"(" + members[-1]
    items = [p for _, p in out[:limit]]
    return items, (out[limit - 1][0] if len(out) > limit else None)


register_area("usersearch", order=60, erase=remove_user)
