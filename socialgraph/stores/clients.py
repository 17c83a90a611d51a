"""Clients of the backing stores, kept in ``app.extensions["socialgraph"]``.

Nothing connects at import time or in ``create_app``: each client is made
on first use in the process (so gunicorn workers and RQ workers each get
their own after fork) and reached through the small accessors below:

- :func:`graph` -> :class:`GraphStore` (neo4j driver over Bolt + the Cypher catalog)
- :func:`mongo` -> ``pymongo.database.Database`` (primary reads); :func:`analytics_mongo` the same
  with ``secondaryPreferred`` reads, for periodic scans
- :func:`objects` -> ``minio.Minio`` (the internal endpoint: reads, writes, deletes)
- :func:`public_objects` -> ``minio.Minio`` that only signs URLs for clients
  (``SG_S3_PUBLIC_ENDPOINT``; see :mod:`socialgraph.stores.objecturls`)
- :func:`cache` -> ``redis.Redis`` (``SG_REDIS_URL``; a ``redis.cluster.RedisCluster`` for a
  ``redis+cluster://`` URL, see :mod:`socialgraph.stores.rediskeys`)
- :func:`read_cache` -> ``redis.Redis`` for read-through copies (``SG_CACHE_REDIS_URL``)
- :func:`queue_redis` -> ``redis.Redis`` for RQ (``SG_QUEUE_REDIS_URL``)
- :func:`cypher` -> :class:`~socialgraph.stores.graphdb.CypherCatalog`
- :func:`tasks` -> :class:`~socialgraph.stores.queue.TaskQueue`
"""
from __future__ import annotations

import threading
from typing import Any, Callable
from urllib.parse import unquote, urlparse

from flask import Flask, current_app, g, has_app_context

from socialgraph.core import events
from socialgraph.stores.graphdb import DEFAULT_DIR, CypherCatalog, GraphStore
from socialgraph.stores.queue import TaskQueue
from socialgraph.stores.rediskeys import is_cluster_url

EXTENSION_KEY = "socialgraph"


class Stores:
    """Lazily made, per-process store clients for one app's configuration."""

    def __init__(self, config: dict):
        self.config = config
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self.catalog = CypherCatalog.load(config.get("CYPHER_DIR") or DEFAULT_DIR)

    def _get(self, name: str, factory: Callable[[], Any]) -> Any:
        client = self._clients.get(name)
        if client is None:
            with self._lock:
                client = self._clients.get(name)
                if client is None:
                    client = self._clients[name] = factory()
        return client

    # factories ---------------------------------------------------------
    def graph(self) -> GraphStore:
        def make():
            import neo4j

            c = self.config
            timeout = c["STORE_TIMEOUT_SECONDS"]
            def connect():
                return neo4j.GraphDatabase.driver(
                    c["BOLT_URI"], auth=(c["BOLT_USER"], c["BOLT_PASSWORD"]),
                    connection_timeout=timeout, connection_acquisition_timeout=timeout * 2,
                    max_transaction_retry_time=timeout * 2, max_connection_pool_size=50,
                )

            driver = connect()
            _bind_neomodel(driver, c["BOLT_DATABASE"])
            return GraphStore(driver, c["BOLT_DATABASE"], self.catalog, retry_seconds=timeout * 2,
                              bookmarks=unit_of_work_bookmarks,
                              connect=connect)

        return self._get("graph", make)

    def mongo(self):
        def make():
            import pymongo

            c = self.config
            ms = int(c["STORE_TIMEOUT_SECONDS"] * 1000)
            client = pymongo.MongoClient(
                c["MONGO_URI"], serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
                socketTimeoutMS=ms * 4, tz_aware=True, uuidRepresentation="standard",
                retryWrites=True, appname="socialgraph",
            )
            return client[c["MONGO_DATABASE"]]

        return self._get("mongo", make)

    def analytics_mongo(self):
        """The same database with ``secondaryPreferred`` reads: for periodic whole-collection
        scans (trends) that tolerate replication lag and should not load the primary. Every
        request path reads the primary (``readPreference=primary`` in ``SG_MONGO_URI``), so a
        user always reads their own writes."""
        def make():
            from pymongo.read_preferences import SecondaryPreferred

            return self.mongo().with_options(read_preference=SecondaryPreferred())

        return self._get("analytics_mongo", make)

    def objects(self):
        def make():
            from minio import Minio

            c = self.config
            url = urlparse(c["S3_ENDPOINT"])
            return Minio(url.netloc, access_key=c["S3_ACCESS_KEY"], secret_key=c["S3_SECRET_KEY"],
                         secure=url.scheme == "https", region=c["S3_REGION"])

        return self._get("objects", make)

    def public_objects(self):
        """A client for ``SG_S3_PUBLIC_ENDPOINT`` (default: the internal one), used only to sign
        URLs handed to browsers. It never connects: presigning is local when the region is set."""
        public = (self.config.get("S3_PUBLIC_ENDPOINT") or "").rstrip("/")
        if not public or public == self.config["S3_ENDPOINT"].rstrip("/"):
            return self.objects()

        def make():
            from minio import Minio

            c = self.config
            url = urlparse(public)
            return Minio(url.netloc, access_key=c["S3_ACCESS_KEY"], secret_key=c["S3_SECRET_KEY"],
                         secure=url.scheme == "https", region=c["S3_REGION"])

        return self._get("public_objects " + public, make)

    def _redis(self, url: str):
        import redis

        t = self.config["STORE_TIMEOUT_SECONDS"]
        if is_cluster_url(url):
            return redis_from_url(url, max_connections=self.config.get("REDIS_MAX_CONNECTIONS", 1000),
                                  socket_connect_timeout=t, socket_timeout=t * 2, health_check_interval=30)
        # a blocking pool: past SG_REDIS_MAX_CONNECTIONS busy connections a caller waits
        # (up to 2 x the store timeout) instead of failing; matters under the stream
        # service's gevent worker, where thousands of sockets share one process
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=self.config.get("REDIS_MAX_CONNECTIONS", 1000),
            timeout=t * 2, socket_connect_timeout=t, socket_timeout=t * 2, health_check_interval=30)
        return redis.Redis(connection_pool=pool)

    def cache(self):
        """``SG_REDIS_URL``: feeds, sessions, limits, idempotency keys, pub/sub."""
        return self._get("cache", lambda: self._redis(self.config["REDIS_URL"]))

    def _other_redis(self, key: str):
        url = self.config.get(key) or self.config["REDIS_URL"]
        if url == self.config["REDIS_URL"]:
            return self.cache()
        return self._get(f"redis {url}", lambda: self._redis(url))

    def read_cache(self):
        """``SG_CACHE_REDIS_URL`` (default ``SG_REDIS_URL``): read-through copies only."""
        return self._other_redis("CACHE_REDIS_URL")

    def queue_redis(self):
        """``SG_QUEUE_REDIS_URL`` (default ``SG_REDIS_URL``): RQ's queues, jobs and scheduler.
        Always a plain Redis (RQ's scripts span many keys): a cluster URL is refused at start-up
        (:func:`socialgraph.core.config.validate`)."""
        return self._other_redis("QUEUE_REDIS_URL")

    def tasks(self):
        def make():
            c = self.config
            return TaskQueue(self.queue_redis, self.mongo, c["RQ_QUEUE"], c["RQ_ASYNC"],
                             routes=lane_routes(c),
                             lanes=[c["RQ_NOTIFY_QUEUE"], c["RQ_FEED_QUEUE"], c["RQ_QUEUE"], c["RQ_HEAVY_QUEUE"]])

        return self._get("tasks", make)

    def close(self) -> None:
        """Close every client made so far (tests, shutdown)."""
        with self._lock:
            g = self._clients.pop("graph", None)
            if g is not None:
                g.driver.close()
            m = self._clients.pop("mongo", None)
            if m is not None:
                m.client.close()
            for name in [n for n in self._clients if n == "cache" or n.startswith("redis ")]:
                self._clients.pop(name).close()
            for client in self._clients.values():  # anything else that holds connections
                closer = getattr(client, "close", None)
                if callable(closer):
                    try:
                        closer()
                    except Exception:  # noqa: BLE001 - shutting down
                        pass
            self._clients.clear()


def redis_from_url(url: str, **options):
    """A Redis client for ``url``: ``redis.Redis`` for ``redis://``/``rediss://``/``unix://``,
    ``redis.cluster.RedisCluster`` for ``redis+cluster://[user:password@]host:port[,host:port...]``
    (the scheme of the ``limits`` library; any listed node is a startup node, the client
    discovers the others and follows ``MOVED``/``ASK``). ``options`` go to the client
    (timeouts, ``max_connections`` per node for a cluster). Connects lazily (a cluster
    client asks for the slot map when made)."""
    import redis

    if not is_cluster_url(url):
        return redis.Redis.from_url(url, **options)
    from redis.cluster import ClusterNode, RedisCluster

    parsed = urlparse(url)
    nodes = []
    for part in parsed.netloc.rpartition("@")[2].split(","):
        host, _, port = part.rpartition(":")
        nodes.append(ClusterNode(host or "127.0.0.1", int(port or 6379)))
    if parsed.username:
        options.setdefault("username", unquote(parsed.username))
    if parsed.password:
        options.setdefault("password", unquote(parsed.password))
    if parsed.scheme.lower().startswith("rediss"):
        options.setdefault("ssl", True)
    return RedisCluster(startup_nodes=nodes, **options)


def unit_of_work_bookmarks():
    """The Neo4j bookmark manager of the current app context (one per request, one per RQ
    job: each runs in its own app context), made on first use; ``None`` outside a context."""
    if not has_app_context():
        return None
    manager = g.get("_sg_graph_bookmarks")
    if manager is None:
        import neo4j

        manager = g._sg_graph_bookmarks = neo4j.GraphDatabase.bookmark_manager()
    return manager


def lane_routes(config: dict) -> dict[str, str]:
    """Job path prefix -> queue: the work lanes. Highest priority first:
    notifications and mail (a user waits for them), feed fan-out, the default
    queue (media processing, purges), heavy work (suggestion recomputation,
    exports, imports, account deletion, trends, the doctor). A feed rebuild
    of a returning user stays on the feed lane: the user is looking at it."""
    notify, feeds, heavy = config["RQ_NOTIFY_QUEUE"], config["RQ_FEED_QUEUE"], config["RQ_HEAVY_QUEUE"]
    return {
        "jobs.notifications.": notify,
        "jobs.mail.": notify,
        "jobs.accounts.send_new_device_email": notify,
        "jobs.accounts.export_ready_email": notify,
        "jobs.feeds.": feeds,
        "jobs.graph.": heavy,
        "jobs.graph.interaction_event": config["RQ_QUEUE"],  # one pair, milliseconds: not heavy work
        "jobs.graph.mirror_interactions": config["RQ_QUEUE"],  # a batch of pairs, one Cypher: not heavy
        "jobs.accounts.build_export": heavy,
        "jobs.accounts.run_import": heavy,
        "jobs.accounts.delete_account": heavy,
        "jobs.trends.": heavy,
        "jobs.operations.": heavy,
    }


def _bind_neomodel(driver, database: str) -> None:
    """Point neomodel's process-wide ``db`` at our driver (neomodel models share it)."""
    from neomodel import db, get_config

    get_config().database_name = database
    db.set_connection(driver=driver)


def init_app(app: Flask) -> Stores:
    stores = Stores(app.config)
    app.extensions[EXTENSION_KEY] = stores
    return stores


def stores() -> Stores:
    return current_app.extensions[EXTENSION_KEY]


def graph() -> GraphStore:
    return stores().graph()


def bind_neomodel() -> GraphStore:
    """Point neomodel's process-wide connection at this app's driver before using a model.

    neomodel keeps one driver per process; with several apps in one process
    (tests, fault scripts) the last app to make its graph client would win,
    even after it was closed. Cheap when already bound.
    """
    g = graph()
    from neomodel import db

    conn = getattr(db, "_connection", None)
    if getattr(conn, "driver", None) is not g.driver:
        _bind_neomodel(g.driver, g.database)
    return g


def mongo():
    return stores().mongo()


def analytics_mongo():
    return stores().analytics_mongo()


def objects():
    return stores().objects()


def public_objects():
    return stores().public_objects()


def cache():
    return stores().cache()


def read_cache():
    return stores().read_cache()


def queue_redis():
    return stores().queue_redis()


def cypher() -> CypherCatalog:
    return stores().catalog


def tasks():
    return stores().tasks()


# domain events are queued as RQ jobs through this process's task queue
events.set_transport(lambda job, route_as=None, **kwargs: tasks().enqueue(job, route_as=route_as, **kwargs))
