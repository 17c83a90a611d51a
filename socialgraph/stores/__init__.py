"""The store layer: one module per backing store and its conventions.

=================  ==========================================================
``clients``        the lazily made, per-process clients in ``app.extensions``
``graphdb``        Bolt: :class:`GraphStore`, the Cypher catalog
``graph_models``   neomodel node classes (schema of the graph)
``schema``         idempotent graph constraints, MongoDB indexes, the bucket
``readcache``      Redis: versioned read-through copies
``rediskeys``      Redis key naming (hash tags) and cluster-safe multi-key calls
``queue``          RQ: :class:`TaskQueue` and the MongoDB outbox
``objecturls``     presigned URLs for clients, signed for the public endpoint
``mail``           outgoing mail (SMTP or the development outbox directory)
``localstack``     the four real local servers for development and tests
=================  ==========================================================

Domain packages reach a store only through the accessors re-exported here
(``stores.graph()``, ``stores.mongo()``, ``stores.objects()``,
``stores.cache()``, ``stores.tasks()``, ``stores.cypher()``); nothing
connects at import time. This package imports only :mod:`socialgraph.core`.
"""
from socialgraph.stores.clients import (
    Stores,
    analytics_mongo,
    bind_neomodel,
    cache,
    cypher,
    graph,
    init_app,
    mongo,
    objects,
    public_objects,
    queue_redis,
    read_cache,
    redis_from_url,
    stores,
    tasks,
)

__all__ = ["Stores", "analytics_mongo", "bind_neomodel", "cache", "cypher", "graph", "init_app", "mongo", "objects",
           "public_objects", "queue_redis", "redis_from_url",
           "read_cache", "stores", "tasks"]
