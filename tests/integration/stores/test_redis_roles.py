"""SG_REDIS_URL / SG_CACHE_REDIS_URL / SG_QUEUE_REDIS_URL on three real,
separate Valkey servers: RQ's queues go to the queue server, read-through
copies to the cache server, sessions, feeds and presence stay on the main one;
each falls back to SG_REDIS_URL when unset."""
from __future__ import annotations

import socket
import subprocess
import time

import pytest
import redis

from socialgraph import stores
from socialgraph.core.config import load_config
from socialgraph.stores.localstack import _valkey_binary, free_port


@pytest.fixture(scope="module")
def two_more_redis(tmp_path_factory):
    procs, urls = [], []
    for name in ("cache", "queue"):
        port, d = free_port(), tmp_path_factory.mktemp(f"valkey-{name}")
        procs.append(subprocess.Popen([_valkey_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", str(d)], cwd=d,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "valkey did not start"
            time.sleep(0.05)
        urls.append(f"redis://127.0.0.1:{port}/0")
    yield urls
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def test_each_role_on_its_own_server(app_config, two_more_redis):
    from socialgraph.app import create_app
    from socialgraph.stores import readcache

    cache_url, queue_url = two_more_redis
    app = create_app({**app_config, "RQ_ASYNC": True, "RQ_QUEUE": "roles-test",
                      "CACHE_REDIS_URL": cache_url, "QUEUE_REDIS_URL": queue_url})
    main, cache, queue = (redis.Redis.from_url(u) for u in (app_config["REDIS_URL"], cache_url, queue_url))
    with app.app_context():
        assert stores.queue_redis() is not stores.cache() and stores.read_cache() is not stores.cache()
        assert stores.tasks().enqueue("jobs.stories.purge_expired", reschedule=False) == "queued"  # default lane
        assert queue.llen("rq:queue:roles-test") == 1 and main.llen("rq:queue:roles-test") == 0
        # a read-through copy lands on the cache server only
        key = f"sg:test:roles:{time.time_ns()}"
        assert readcache.read_through(key, 60, lambda: {"v": 1}) == {"v": 1}
        assert cache.get(key) is not None and main.get(key) is None
        readcache.invalidate(key)
        assert cache.get(key) is None and int(cache.get(readcache.version_key(key))) >= 1
    queue.delete("rq:queue:roles-test")
    for client in (main, cache, queue):
        client.close()
    app.extensions["socialgraph"].close()


def test_roles_default_to_the_main_url(app_config):
    from socialgraph.app import create_app

    cfg = load_config({"SG_REDIS_URL": "redis://main:6379/0", "SG_QUEUE_REDIS_URL": "redis://q:6379/0"})
    assert cfg["QUEUE_REDIS_URL"] == "redis://q:6379/0" and cfg["CACHE_REDIS_URL"] == ""
    # an app given only REDIS_URL (tests, or an operator's single Redis) uses it for every role
    app = create_app(dict(app_config))
    with app.app_context():
        assert stores.queue_redis() is stores.cache() and stores.read_cache() is stores.cache()
        assert stores.tasks().queue().connection is stores.cache()
    app.extensions["socialgraph"].close()
