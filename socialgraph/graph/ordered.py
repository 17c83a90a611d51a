"""Ordered copies of long people lists (friends, followers, following) in Redis.

A page of a hub's friend list (9,492 friends) cost 650 ms: the graph store
reads and sorts every relationship on every page, whatever the keyset says
(issue 22, session 5). For owners whose stored degree count is at least
:data:`MIN_ENTRIES`, the whole list is read once (``graph/*/list_*_times``,
one query) into a Redis sorted set ``sg:order:<kind>:<uid>`` whose members
are ``"<time ms, 16 digits>|<uid>"`` (all scores 0): Redis orders them like
the graph query's ``ORDER BY time DESC, uid DESC``, and a page is one
``ZRANGE ... BYLEX REV`` from the cursor's member (exclusive), exact whatever
the ties. Shorter lists keep the graph query (a copy holding only the marker
:data:`SMALL` says so for the copy's lifetime).

Copies live :data:`TTL_SECONDS` and are versioned like
:mod:`socialgraph.stores.readcache` copies (stored only when no write bumped
the version meanwhile); every friendship change, follow change and block
drops them (:func:`forget`, called by ``forget_friends`` and
``forget_following``), and so do the degree recounts that bulk writes run
after bypassing the services (imports: ``importers.set_degree_counts``;
repairs and tests: ``operations.degrees.recount``). A bulk write that runs
neither is seen within the TTL. Users blocked either way by the viewer and users gone
from the graph are left out of each page, as the graph query does.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.core.pagination import as_utc, datetime_to_ms
from socialgraph.graph.people import short_profiles
from socialgraph.stores import readcache

log = logging.getLogger(__name__)

KEY = "sg:order:{kind}:{uid}"
#: the source query of each list kind (rows ``uid``, ``at``; none below ``$min``)
QUERIES = {"friends": "graph/friends/list_friend_times",
           "followers": "graph/follows/list_follower_times",
           "following": "graph/follows/list_following_times"}
#: lists at least this long are served from a copy (shorter: one graph query per page)
MIN_ENTRIES = 1000
#: lifetime of a copy (seconds): building a hub's costs 1.5-3 s on the graph
#: store (9,492 rows), and every write through the services drops it
TTL_SECONDS = 3600
#: the member of a copy that says "short list: ask the graph"; sorts below every entry
SMALL = "!small"
#: KEYS[1] copy, KEYS[2] version; ARGV[1] version read before the graph read,
#: ARGV[2] TTL seconds, ARGV[3..] members (ZADD 3,000 at a time: Lua's unpack
#: limit is ~8,000 values). Replace the copy only when the version is unchanged.
_STORE_IF_UNCHANGED = """
local v = redis.call('GET', KEYS[2]) or '0'
if v ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local args = {}
for i = 3, #ARGV do
  args[#args + 1] = 0
  args[#args + 1] = ARGV[i]
  if #args >= 6000 then
    redis.call('ZADD', KEYS[1], unpack(args))
    args = {}
  end
end
if #args > 0 then redis.call('ZADD', KEYS[1], unpack(args)) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


def member(at_ms: int, uid: str) -> str:
    """The sorted-set member of one entry: time ms zero-padded to 16 digits, ``|``, uid."""
    return f"{int(at_ms):016d}|{uid}"


def _at(ms: int) -> datetime:
    """Epoch ms -> aware UTC datetime, exact to the millisecond (no float rounding)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=ms % 1000 * 1000)


def forget(*uids: str) -> None:
    """After a change of the friends, followers or following of ``uids``: drop
    (and version-bump) their ordered copies."""
    readcache.invalidate(*[KEY.format(kind=k, uid=u) for u in uids for k in QUERIES])


def _build(kind: str, uid: str, version: str) -> list[str] | None:
    """Read the whole list from the graph and store it (if the version is
    unchanged); returns its members newest first, or None for a short list."""
    rows = stores.graph().read(QUERIES[kind], uid=uid, min=MIN_ENTRIES)
    members = sorted((member(datetime_to_ms(as_utc(r["at"])), r["uid"]) for r in rows if r["at"] is not None),
                     reverse=True) if rows else []
    ttl = TTL_SECONDS
    key = KEY.format(kind=kind, uid=uid)
    try:
        stores.read_cache().register_script(_STORE_IF_UNCHANGED)(
            keys=[key, readcache.version_key(key)], args=[version, ttl, *(members or [SMALL])])
    except RedisError:
        log.warning("could not store the ordered copy %s", key)
    return members or None


def page_reader(kind: str, uid: str, hidden: set[str], fallback: Callable[..., list[dict]],
                at_field: str = "at") -> Callable[..., list[dict]]:
    """A ``read(limit=, after_at=, after_uid=)`` for
    :func:`socialgraph.core.pagination.keyset_page`: ``uid``'s ``kind`` list
    (``friends``, ``followers``, ``following``) from its ordered copy (built on
    a miss), rows ``{uid, username, display_name, <at_field>}`` newest first,
    users in ``hidden`` and users gone from the graph left out; ``fallback``
    (the same signature: the list's graph query) answers when the list is
    short (:data:`MIN_ENTRIES`) or Redis is away. One Redis round trip for the
    entries and one ``MGET`` of short profiles per page when warm."""
    key = KEY.format(kind=kind, uid=uid)

    def read(limit: int, after_at, after_uid) -> list[dict]:
        start = "(" + member(datetime_to_ms(after_at), after_uid) if after_at is not None else "+"
        r = stores.read_cache()
        built: list[str] | None = None
        rows: list[dict] = []
        first = True
        while len(rows) < limit:
            want = limit - len(rows) + len(hidden)
            if built is not None:  # just read from the graph (stored, or not when a write raced)
                chunk = [m for m in built if start == "+" or m < start[1:]][:want]
            else:
                try:
                    pipe = r.pipeline(transaction=False)
                    pipe.zrange(key, start, "-", desc=True, bylex=True, offset=0, num=want)
                    if first:
                        pipe.exists(key)
                        pipe.zscore(key, SMALL)
                        pipe.get(readcache.version_key(key))
                    res = pipe.execute()
                except RedisError:
                    return fallback(limit=limit, after_at=after_at, after_uid=after_uid)
                if first:
                    exists, small, version = res[1], res[2], res[3]
                    if exists and small is not None:
                        return fallback(limit=limit, after_at=after_at, after_uid=after_uid)
                    if not exists:
                        built = _build(kind, uid, version.decode() if version else "0")
                        if built is None:
                            return fallback(limit=limit, after_at=after_at, after_uid=after_uid)
                        first = False
                        continue
                chunk = [m.decode() for m in res[0]]
            first = False
            entries = [(m.split("|", 1)[1], int(m.split("|", 1)[0])) for m in chunk]
            shown = [(u, at) for u, at in entries if u not in hidden]
            people = short_profiles([u for u, _ in shown])
            rows += [{"uid": u, "username": people[u]["username"], "display_name": people[u].get("display_name"),
                      at_field: _at(at)} for u, at in shown if u in people]
            if len(chunk) < want:
                break
            start = "(" + chunk[-1]
        return rows[:limit]

    return read
