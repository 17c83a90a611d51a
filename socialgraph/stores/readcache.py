"""Versioned read-through caching in Redis, safe against the stale-set race.

The read paths that run on every page (the home feed above all) keep copies
of store data in Redis: post documents (:mod:`socialgraph.content.postcache`), short
profiles, a user's reactions. A plain "read the store, then SET the copy"
loses against a concurrent write: the reader fetches the old document, the
writer updates the store and deletes the copy, then the reader stores the old
document for a whole TTL. Each cached item therefore has a *version* key,
bumped by every writer after its store write:

- reader: read the version ``v0`` (in the same MGET as the copy); on a miss
  read the store, then store the copy only if the version is still ``v0``
  (one Lua script, atomic in Redis);
- writer: write the store, then :func:`invalidate` (``INCR`` the version,
  ``DEL`` the copy).

A writer that finishes between the reader's two steps makes the reader's copy
not stored; a writer that finishes after it deletes it. This is the version
check of Facebook's memcache "leases" (Nishtala et al., *Scaling Memcache at
Facebook*, NSDI 2013, section 3.2.1) reduced to what Redis does atomically.

When Redis is away the callers read the store directly (the copies are an
optimisation, never the source of truth); :func:`invalidate` that cannot
reach Redis logs the keys: their copies expire within their TTL.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from pymongo.errors import PyMongoError
from redis.exceptions import NoScriptError, RedisError

from socialgraph import stores
from socialgraph.stores import rediskeys
from socialgraph.stores.rediskeys import companion

log = logging.getLogger(__name__)

#: Version keys outlive every copy's TTL (a missing version reads as "0").
VERSION_SECONDS = 86400

#: KEYS[1] copy, KEYS[2] version; ARGV[1] version read before the store read,
#: ARGV[2] TTL seconds, ARGV[3] value. SET only when the version is unchanged.
_SET_IF_UNCHANGED = """
local v = redis.call('GET', KEYS[2]) or '0'
if v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[2]))
  return 1
end
return 0
"""


def version_key(key: str) -> str:
    """The version key of the copy at ``key``: ``{key}:v``, in ``key``'s cluster slot
    (the scripts below read both; :func:`socialgraph.stores.rediskeys.companion`)."""
    return companion(key, ":v")


#: invalidations that could not reach Redis are kept in this MongoDB collection
#: and replayed when Redis answers again (a Redis that restarts *with* its data,
#: AOF, would otherwise serve the copies a write could not drop)
PENDING = "cache_invalidations"
_dirty = threading.Event()  # this process has pending invalidations to replay


def _keep_pending(keys: tuple[str, ...]) -> None:
    try:
        stores.mongo()[PENDING].insert_one({"keys": list(keys), "at": datetime.now(timezone.utc)})
        _dirty.set()
    except PyMongoError:
        log.error("could not record pending invalidation of %s; the copies expire within their TTL", keys)


def replay_pending(limit: int = 1000) -> int:
    """Apply the invalidations kept while Redis was away (every process calls
    this before its next cache read once it had one; workers every few
    seconds). Returns how many were applied. Raises ``RedisError`` while
    Redis is still away (the records stay)."""
    coll = stores.mongo()[PENDING]
    done = 0
    for doc in coll.find({}).sort("at", 1).limit(limit):
        _bump(doc["keys"])
        coll.delete_one({"_id": doc["_id"]})
        done += 1
    if done < limit:
        _dirty.clear()
    return done


def replay_if_dirty() -> None:
    """Apply pending invalidations first, if this process has any (callers
    that read copies with their own Redis commands call this before)."""
    if _dirty.is_set():
        try:
            replay_pending()
        except (RedisError, PyMongoError):
            pass


def one_trip_client(refused: Callable[[], None] | None = None):
    """The Redis client for a read in one round trip that mixes copies with
    session or feed keys: only when the copies live on the same server
    (``stores.read_cache()`` is ``stores.cache()``) and it is not a cluster
    (the keys would span slots), after :func:`replay_if_dirty`. Otherwise
    None, and ``refused()`` is called first (a caller settles what it
    deferred to the round trip, e.g. the token's revocation check)."""
    r = stores.cache()
    if stores.read_cache() is not r or rediskeys.is_cluster(r):
        if refused is not None:
            refused()
        return None
    replay_if_dirty()
    return r


def get_many(keys: list[str]) -> tuple[list[bytes | None], list[str]]:
    """``(copies, versions)`` of ``keys`` in one round trip (``MGET`` of the
    copies and their version keys; versions as strings, ``"0"`` when unset)."""
    if not keys:
        return [], []
    replay_if_dirty()
    raw = rediskeys.mget(stores.read_cache(), keys + [version_key(k) for k in keys])
    n = len(keys)
    return raw[:n], [(v.decode() if v else "0") for v in raw[n:]]


def put_many(items: Iterable[tuple[str, str, bytes | str]], ttl: int) -> None:
    """Store ``(key, version read before the store read, value)`` copies, each
    only if its version is unchanged (pipelined; errors are logged, not raised).
    On a single Redis one round trip: a pipeline of ``EVALSHA`` (redis-py's
    pipeline of a registered script asks ``SCRIPT EXISTS`` first, a second
    round trip); a server that does not know the script yet (``NOSCRIPT``)
    gets the pipeline again the usual way (storing a copy twice is harmless)."""
    items = list(items)
    if not items:
        return
    r = stores.read_cache()
    script = r.register_script(_SET_IF_UNCHANGED)
    calls = [([key, version_key(key)], [v0, ttl, value]) for key, v0, value in items]
    try:
        if not rediskeys.is_cluster(r):
            pipe = r.pipeline(transaction=False)
            for keys, args in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            if not any(isinstance(x, NoScriptError) for x in pipe.execute(raise_on_error=False)):
                return
        rediskeys.eval_many(r, script, calls)
    except RedisError:
        log.warning("could not store %d cached copies", len(items))


#: KEYS[1] the set, KEYS[2] its version; ARGV[1] version read before the store
#: read, ARGV[2] TTL seconds, ARGV[3..] members. Replace the set only when the
#: version is unchanged (SADD 5,000 at a time: Lua's unpack limit is ~8,000 values).
_SET_MEMBERS_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 5000 do
  redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + 4999, #ARGV)))
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


def put_set(key: str, version: str, members: list[str], ttl: int) -> None:
    """:func:`put_many` for a set copy: store ``members`` (``"-"`` alone for an
    empty set) at ``key`` for ``ttl`` seconds if its version is still
    ``version`` (read before the store read; :data:`_SET_MEMBERS_IF_UNCHANGED`).
    Raises ``RedisError``."""
    r = stores.read_cache()
    script = getattr(r, "_sg_set_members_if_unchanged", None)
    if script is None:  # one Script per client: its SHA1 computed once
        script = r._sg_set_members_if_unchanged = r.register_script(_SET_MEMBERS_IF_UNCHANGED)
    script(keys=[key, version_key(key)], args=[version, ttl, *(members or ["-"])])


def read_through(key: str, ttl: int, compute: Callable[[], Any], *, encode: Callable[[Any], str] = json.dumps,
                 decode: Callable[[bytes], Any] = json.loads) -> Any:
    """The copy at ``key`` (decoded), else ``compute()``, stored for ``ttl``
    seconds if the version is unchanged meanwhile. ``None`` results are not
    stored. When Redis is away, ``compute()`` answers alone."""
    try:
        (raw,), (version,) = get_many([key])
    except RedisError:
        return compute()
    if raw is not None:
        return decode(raw)
    value = compute()
    if value is not None:
        put_many([(key, version, encode(value))], ttl)
    return value


def _bump(keys) -> list[tuple[str, bool]]:
    """``(new version, whether a copy was there)`` of each key, after the bump."""
    pipe = stores.read_cache().pipeline(transaction=False)
    for key in keys:
        vk = version_key(key)
        pipe.incr(vk)
        pipe.expire(vk, VERSION_SECONDS)
        pipe.delete(key)  # one key per DEL: a cluster pipeline splits commands by slot
    res = pipe.execute()
    return [(str(res[i]), bool(res[i + 2])) for i in range(0, len(res), 3)]


def invalidate(*keys: str) -> None:
    """After a store write: bump the versions of ``keys`` and drop their copies.

    Redis away: the keys are kept in MongoDB :data:`PENDING` and dropped when
    Redis answers again (:func:`replay_pending`), so a Redis that comes back
    with its data does not serve what the write changed."""
    invalidate_versions(*keys)


def invalidate_versions(*keys: str) -> list[tuple[str, bool]] | None:
    """:func:`invalidate`, answering for each key ``(the version the bump set,
    whether a copy was dropped)``, or None when Redis is away (the keys kept
    as :func:`invalidate` keeps them).

    For **write-through** (issue 22): a writer that then reads the store
    *after* this call and stores the copy with :func:`put_many` under the
    version answered here follows the reader's protocol exactly (version
    read before the store read), so a concurrent older reader cannot store
    stale data and a later writer's bump makes this one's copy not stored."""
    if not keys:
        return []
    try:
        return _bump(keys)
    except RedisError:
        log.warning("could not invalidate cached copies %s; kept to drop when Redis is back", keys)
        _keep_pending(keys)
        return None


#: Milliseconds a copy kept by :func:`keep_versions` may still be served: a
#: writer that never makes it again (its process gone between the bump and its
#: :func:`replace_or_drop`) leaves the copy it was changing for at most this long.
KEPT_MS = 2000

#: KEYS[1] copy, KEYS[2] version, KEYS[3] the copy's "kept" mark; ARGV[1]
#: version TTL seconds, ARGV[2] :data:`KEPT_MS`. Bump the version; a copy that
#: is there stays, for at most ARGV[2] ms more, marked as kept. A copy not
#: there but still marked (an earlier writer's kept copy, dropped because a
#: later write came in: :data:`_REPLACE_OR_DROP`) counts as there: this writer
#: makes it. Answers ``{new version, 1 if a copy was there}``.
_BUMP_KEEP = """
local v = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 and redis.call('EXISTS', KEYS[3]) == 0 then return {v, 0} end
if ttl == -1 or ttl > tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
redis.call('SET', KEYS[3], '1', 'PX', tonumber(ARGV[2]))
return {v, 1}
"""

#: KEYS[1] copy, KEYS[2] version, KEYS[3] kept mark; ARGV[1] version answered
#: by the bump, ARGV[2] TTL seconds, ARGV[3] value. Unchanged version: store
#: the value (the mark goes). Else a later writer bumped: a copy still marked
#: kept is the old one and goes, the mark stays (the later writer makes the
#: copy, and so does any writer whose bump comes before it has); one without
#: the mark was made after the last bump (by that writer or a reader) and
#: stays. Answers 1 stored, 0 dropped, -1 left.
_REPLACE_OR_DROP = """
local v = redis.call('GET', KEYS[2]) or '0'
if v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[2]))
  redis.call('DEL', KEYS[3])
  return 1
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return -1
"""


def kept_key(key: str) -> str:
    """The mark of a copy kept by :func:`keep_versions` until its writer made it
    again: ``{key}:k``, in ``key``'s cluster slot."""
    return companion(key, ":k")


def _eval_each(text: str, calls: list[tuple[list[str], list]]) -> list:
    """Run the script ``text`` once per ``(keys, args)`` of ``calls`` (each call's
    keys in one slot) in one round trip on a single Redis (a pipeline of
    ``EVALSHA``; the pipeline again the usual way after ``NOSCRIPT``), or
    :func:`rediskeys.eval_many` on a cluster. Raises ``RedisError``."""
    r = stores.read_cache()
    script = r.register_script(text)
    if not rediskeys.is_cluster(r):
        pipe = r.pipeline(transaction=False)
        for keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        res = pipe.execute(raise_on_error=False)
        if not any(isinstance(x, NoScriptError) for x in res):
            for x in res:
                if isinstance(x, Exception):
                    raise x
            return res
    return rediskeys.eval_many(r, script, calls)


def keep_versions(*keys: str) -> list[tuple[str, bool]] | None:
    """For **write-through in place** (issue 22, the mix's post and thread
    copies): after a store write, bump the versions of ``keys`` as
    :func:`invalidate_versions` does but *keep* the copies that are there
    (for at most :data:`KEPT_MS`, marked as kept), so readers keep being
    served the copy while the writer reads the store and makes it again with
    :func:`replace_or_drop`, instead of all leaving the warm path for the
    store the writer is busy with. What they are served meanwhile is the state
    before this write, which is not answered yet (the writer answers after
    :func:`replace_or_drop`). Answers ``(the version the bump set, whether a
    copy was there)`` per key, or None when Redis is away (the keys kept as
    :func:`invalidate` keeps them, to drop when Redis is back). One round trip."""
    if not keys:
        return []
    try:
        res = _eval_each(_BUMP_KEEP, [([k, version_key(k), kept_key(k)], [VERSION_SECONDS, KEPT_MS]) for k in keys])
    except RedisError:
        log.warning("could not invalidate cached copies %s; kept to drop when Redis is back", keys)
        _keep_pending(keys)
        return None
    return [(str(v), bool(there)) for v, there in res]


def replace_or_drop(items: Iterable[tuple[str, str, bytes | str, int]]) -> None:
    """The end of a write-through begun by :func:`keep_versions`: store each
    ``(key, version it answered, value read from the store after it, TTL
    seconds)`` if the version is unchanged; else (a later write bumped it)
    drop the kept copy, unless the copy was made again after that bump (by the
    later writer or a reader: it is not older than this write, so it stays);
    the kept mark stays meanwhile, so every later writer, also one whose bump
    comes after the drop, still makes the copy. One round trip.
    Redis failing here: the keys are invalidated (:func:`invalidate`: dropped,
    or kept to drop when Redis is back), never left serving the old copy."""
    items = list(items)
    if not items:
        return
    try:
        _eval_each(_REPLACE_OR_DROP, [([k, version_key(k), kept_key(k)], [v, ttl, value]) for k, v, value, ttl in items])
    except RedisError:
        log.warning("could not store %d cached copies; dropping them", len(items))
        invalidate(*[item[0] for item in items])


#: KEYS[1] hash, KEYS[2] version; ARGV[1] version read before the store read,
#: ARGV[2] TTL seconds, ARGV[3..] field, value, ... Replace the hash only when
#: the version is unchanged.
_HASH_IF_UNCHANGED = """
local v = redis.call('GET', KEYS[2]) or '0'
if v ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

#: KEYS[1] hash, KEYS[2] version; ARGV[1] field, ARGV[2] value ('' deletes),
#: ARGV[3] version TTL. Bump the version; update the field if the hash exists.
_HASH_WRITE_THROUGH = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
end
return 1
"""

#: Hashes are filled with at most this many fields (Lua's unpack limit is ~8,000 values).
HASH_MAX_FIELDS = 3000
EMPTY_FIELD = "-"  # the field of a cached empty hash


def hash_get(key: str, fields: list[str]) -> tuple[list[bytes | None] | None, str]:
    """``(values of fields or None when the hash is not cached, version)`` in one round trip."""
    replay_if_dirty()
    pipe = stores.read_cache().pipeline(transaction=False)
    pipe.exists(key)
    pipe.hmget(key, fields or [EMPTY_FIELD])
    pipe.get(version_key(key))
    exists, values, v = pipe.execute()
    return (values if exists else None), (v.decode() if v else "0")


def hash_put(key: str, version: str, mapping: dict[str, str], ttl: int) -> None:
    """Store a whole hash (``mapping``, at most :data:`HASH_MAX_FIELDS`) if the
    version is still ``version``; errors are logged."""
    flat: list[str] = [EMPTY_FIELD, ""]
    for k, v in mapping.items():
        flat += [k, v]
    r = stores.read_cache()
    try:
        r.register_script(_HASH_IF_UNCHANGED)(keys=[key, version_key(key)], args=[version, ttl, *flat])
    except RedisError:
        log.warning("could not store cached hash %s", key)


def hash_write_through(key: str, field: str, value: str | None) -> None:
    """After a store write: bump the hash's version and update ``field`` in the
    copy if there is one (``value`` None removes the field)."""
    r = stores.read_cache()
    try:
        r.register_script(_HASH_WRITE_THROUGH)(keys=[key, version_key(key)],
                                               args=[field, value or "", VERSION_SECONDS])
    except RedisError:
        log.warning("could not update cached hash %s; dropping it", key)
        try:
            r.delete(key)
        except RedisError:
            log.warning("could not drop cached hash %s; it expires within its TTL", key)
