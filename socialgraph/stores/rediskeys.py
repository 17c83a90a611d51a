"""Redis key naming and the multi-key operations that stay correct on Redis Cluster.

``SG_REDIS_URL`` / ``SG_CACHE_REDIS_URL`` may name a Redis Cluster
(``redis+cluster://host:port[,host:port...]``, the scheme of the ``limits``
library; see :func:`socialgraph.stores.clients.redis_from_url`). A cluster
spreads keys over 16,384 hash slots, and refuses a Lua script, a ``MULTI``
transaction or an ``MGET`` whose keys fall in more than one slot
(``CROSSSLOT``). Only the part of a key between the first ``{`` and the next
``}`` (its *hash tag*) is hashed when there is one, so keys that must meet in
one command share a tag. The rules of this code base:

- **companion keys** (a read copy's version key, a ``:tmp`` key renamed over
  its original) are named :func:`companion` ``(key, suffix)`` =
  ``"{<key>}<suffix>"``: the tag is the whole original key, which therefore
  keeps its name (a key without braces hashes whole, so ``sg:feed:42`` and
  ``{sg:feed:42}:tmp`` are in one slot);
- **per-user families** read together (the session verdict and the account's
  cut-off) carry the user's tag :func:`user_tag` = ``{u:<uid>}``;
- **global structures** that work together (the user search index and its
  names hash) share the tag of the main key;
- operations over *many* users' keys (fan-out into followers' feeds, reading
  many posts' copies) are split per slot: :func:`mget` (``MGET`` per slot,
  pipelined per node) and :func:`eval_many` (one script call per group of
  keys, pipelined); on a single Redis both are one round trip as before.

A transaction that must stay atomic is written ``pipeline(transaction=True)``
(redis-py's cluster pipeline is not transactional by default) and touches one
slot. ``SG_QUEUE_REDIS_URL`` (RQ) must stay a plain Redis: RQ's own scripts
and transactions span many keys.
"""
from __future__ import annotations

from typing import Any, Sequence

from redis.cluster import ClusterPipeline, RedisCluster
from redis.crc import key_slot

from socialgraph.core.config import REDIS_CLUSTER_SCHEMES, is_cluster_url

__all__ = ["REDIS_CLUSTER_SCHEMES", "is_cluster_url", "is_cluster", "has_tag", "companion", "user_tag", "slot",
           "group_by_slot", "mget", "eval_many", "rename", "any_node"]


def is_cluster(client: Any) -> bool:
    """True for a ``RedisCluster`` client or one of its pipelines."""
    return isinstance(client, (RedisCluster, ClusterPipeline))


def has_tag(key: str) -> bool:
    """True when ``key`` has a hash tag (a non-empty ``{...}``, the first one counts)."""
    start = key.find("{")
    return start >= 0 and key.find("}", start + 2) > start


def companion(key: str, suffix: str) -> str:
    """The name of a key that must share ``key``'s slot: ``{key}suffix``
    (``key`` + ``suffix`` when ``key`` has a hash tag already)."""
    return key + suffix if has_tag(key) else "{" + key + "}" + suffix


def user_tag(uid: str) -> str:
    """``{u:<uid>}``: the hash tag of a user's keys that are read together."""
    return "{u:" + uid + "}"


def slot(key: str | bytes) -> int:
    """The cluster hash slot of ``key`` (CRC16 of its tag, mod 16,384)."""
    return key_slot(key.encode() if isinstance(key, str) else key)


def group_by_slot(keys: Sequence[str]) -> list[list[int]]:
    """Indexes of ``keys`` grouped by hash slot, in first-seen order."""
    groups: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(slot(k), []).append(i)
    return list(groups.values())


def mget(client: Any, keys: Sequence[str]) -> list:
    """``MGET`` of ``keys`` in their order: one command on a single Redis;
    on a cluster one ``MGET`` per slot, pipelined per node (not atomic across
    slots, which no caller needs)."""
    if is_cluster(client):
        return client.mget_nonatomic(list(keys))
    return client.mget(list(keys))


def eval_many(client: Any, script: Any, calls: Sequence[tuple[Sequence[str], Sequence[Any]]]) -> list:
    """Run the registered ``script`` (``client.register_script(text)``) once
    per ``(keys, args)`` of ``calls``, pipelined, and return the results in
    order. Each call's keys must share one slot on a cluster, where the
    calls go as ``EVAL`` of the script's text (redis-py's cluster pipeline
    refuses ``EVALSHA``; the server keeps the compiled script by its SHA1)."""
    if not calls:
        return []
    pipe = client.pipeline(transaction=False)
    if is_cluster(client):
        for keys, args in calls:
            pipe.execute_command("EVAL", script.script, len(keys), *keys, *args)
    else:
        for keys, args in calls:
            script(keys=list(keys), args=list(args), client=pipe)
    return pipe.execute()


def rename(pipe: Any, src: str, dst: str) -> None:
    """Queue ``RENAME src dst`` on ``pipe`` (both keys in one slot on a cluster:
    redis-py's cluster pipeline refuses its ``rename`` method, not the command)."""
    pipe.execute_command("RENAME", src, dst)


def any_node(client: Any) -> Any:
    """A plain ``redis.Redis`` on one node of a cluster (``client`` itself on a
    single Redis), for commands no slot owns: a classic ``PUBLISH`` reaches the
    subscribers of every node from any node, and redis-py's cluster pipeline
    refuses to pipeline it."""
    if not is_cluster(client):
        return client
    return client.get_redis_connection(client.get_default_node())
