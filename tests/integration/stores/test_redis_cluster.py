"""The app on a real Redis Cluster: three Valkey masters in cluster mode
(:class:`~socialgraph.stores.localstack.LocalRedisCluster`, slots split in
three), ``SG_REDIS_URL`` and ``SG_CACHE_REDIS_URL`` set to its
``redis+cluster://`` URL, RQ on the plain Redis of the test stack
(``SG_QUEUE_REDIS_URL``). Home feeds (fan-out over keys on every node, reads,
rebuilds), read-through copies and their invalidation, rate limits,
Idempotency-Key, the session cache and its revocation, the user search index,
the e-mail digest and real-time delivery over pub/sub all run against it.
One cluster and one app for the module (the cluster starts in ~2 s)."""
from __future__ import annotations

import json
import queue
import time

import pytest
import redis
import simple_websocket
from redis.cluster import RedisCluster

from socialgraph import stores
from socialgraph.core.config import ConfigError
from socialgraph.stores import rediskeys
from socialgraph.stores.localstack import LocalRedisCluster
from tests.conftest import serve, unique


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LocalRedisCluster(tmp_path_factory.mktemp("redis-cluster")) as c:
        yield c


@pytest.fixture(scope="module")
def cluster_app(app_config, cluster):
    from socialgraph.app import create_app

    application = create_app({**app_config, "REDIS_URL": cluster.url, "CACHE_REDIS_URL": cluster.url,
                              "QUEUE_REDIS_URL": app_config["REDIS_URL"],
                              "RATELIMIT_KEY_PREFIX": unique("rlc"), "RATELIMIT_POSTING": "3 per hour"})
    yield application
    application.extensions["socialgraph"].close()


@pytest.fixture()
def client(cluster_app):
    """The ``client`` that ``make_user`` registers through: the cluster app's."""
    return cluster_app.test_client()


@pytest.fixture()
def cctx(cluster_app):
    with cluster_app.app_context():
        yield cluster_app


def _node_of(key: str, cluster) -> int:
    """The port of the node serving ``key`` (asked of the cluster itself)."""
    r = redis.Redis(port=cluster.ports[0])
    try:
        slot = r.execute_command("CLUSTER", "KEYSLOT", key)
        for start, end, (_host, port, *_rest), *_ in r.execute_command("CLUSTER", "SLOTS"):
            if start <= slot <= end:
                return port
    finally:
        r.close()
    raise AssertionError(f"no node serves {key}")


def test_roles_cluster_for_cache_and_plain_redis_for_rq(cctx, app_config):
    assert isinstance(stores.cache(), RedisCluster) and isinstance(stores.read_cache(), RedisCluster)
    assert not rediskeys.is_cluster(stores.queue_redis())
    assert len(stores.cache().get_primaries()) == 3
    assert stores.tasks().queue().connection is stores.queue_redis()


def test_rq_on_a_cluster_is_refused(app_config, cluster):
    from socialgraph.app import create_app

    with pytest.raises(ConfigError, match="SG_QUEUE_REDIS_URL"):
        create_app({**app_config, "REDIS_URL": cluster.url, "QUEUE_REDIS_URL": ""})
    with pytest.raises(ConfigError, match="SG_QUEUE_REDIS_URL"):
        create_app({**app_config, "QUEUE_REDIS_URL": cluster.url})


def test_home_feed_fan_out_read_and_rebuild(cluster_app, cluster, make_user):
    from socialgraph.feeds import home

    author = make_user("clf")
    readers = [make_user("clr") for _ in range(6)]
    for reader in readers:
        assert reader.put(f"/api/v1/users/{author.username}/follow").status_code == 200
        assert reader.get("/api/v1/feeds/home").get_json()["rebuilding"] is False  # builds each set
    feed_keys = [home.FEED_KEY.format(uid=r.uid) for r in readers]
    assert len({_node_of(k, cluster) for k in feed_keys}) >= 2  # the fan-out writes more than one node
    r = author.post("/api/v1/posts", json={"text": "hello cluster"})
    assert r.status_code == 201
    post_id = r.get_json()["id"]
    for reader in readers:  # fan-out on write reached every follower's feed, on every node
        items = reader.get("/api/v1/feeds/home").get_json()["items"]
        assert [p["id"] for p in items] == [post_id]
    with cluster_app.app_context():
        # a lost feed is rebuilt in one MULTI (its :tmp key shares the feed's slot)
        home.forget_feed(readers[0].uid)
        assert home.rebuild_feed(readers[0].uid) == 1
        assert stores.cache().zscore(feed_keys[0], post_id) is not None
        assert home.push("000000000000000000000000", 1, [x.uid for x in readers]) == [x.uid for x in readers]
        for k in feed_keys:
            stores.cache().zrem(k, "000000000000000000000000")
    assert author.delete(f"/api/v1/posts/{post_id}").status_code == 204
    assert all(x.get("/api/v1/feeds/home").get_json()["items"] == [] for x in readers)


def test_read_through_copies_and_invalidation_across_slots(cctx, cluster):
    from socialgraph.stores import readcache

    keys = [f"sg:test:cluster:{unique()}" for _ in range(12)]
    assert len({_node_of(k, cluster) for k in keys}) == 3
    for k in keys:  # a copy and its version key always share a slot
        assert rediskeys.slot(readcache.version_key(k)) == rediskeys.slot(k)
    copies, versions = readcache.get_many(keys)
    assert copies == [None] * 12 and versions == ["0"] * 12
    readcache.put_many([(k, "0", json.dumps(i)) for i, k in enumerate(keys)], 60)
    copies, _ = readcache.get_many(keys)
    assert [json.loads(c) for c in copies] == list(range(12))
    readcache.invalidate(*keys)
    copies, versions = readcache.get_many(keys)
    assert copies == [None] * 12 and versions == ["1"] * 12
    readcache.put_many([(keys[0], "0", "stale")], 60)  # a reader that read before the write: not stored
    assert readcache.get_many(keys[:1])[0] == [None]
    assert readcache.read_through(keys[1], 60, lambda: {"n": 1}) == {"n": 1}
    assert readcache.read_through(keys[1], 60, lambda: {"n": 2}) == {"n": 1}  # served from the copy
    # hashes (a user's reactions): whole-hash fill and write-through, version-checked
    h = f"sg:test:cluster:hash:{unique()}"
    values, version = readcache.hash_get(h, ["a"])
    assert values is None and version == "0"
    readcache.hash_put(h, version, {"a": "1", "b": "2"}, 60)
    readcache.hash_write_through(h, "b", "3")
    values, version = readcache.hash_get(h, ["a", "b"])
    assert values == [b"1", b"3"] and version == "1"
    stores.read_cache().delete(*keys, h)


def test_cached_profiles_and_posts_are_invalidated_on_edit(cluster_app, make_user):
    me = make_user("clp")
    other = make_user("clq")
    assert other.put(f"/api/v1/users/{me.username}/follow").status_code == 200
    post_id = me.post("/api/v1/posts", json={"text": "first"}).get_json()["id"]
    assert other.get(f"/api/v1/posts/{post_id}").get_json()["text"] == "first"  # cached now
    assert me.patch(f"/api/v1/posts/{post_id}", json={"text": "edited"}).status_code == 200
    assert other.get(f"/api/v1/posts/{post_id}").get_json()["text"] == "edited"
    assert other.get(f"/api/v1/users/{me.username}").get_json()["display_name"] in (None, "", me.username)
    assert me.patch("/api/v1/me", json={"display_name": "Cluster Person"}).status_code == 200
    assert other.get(f"/api/v1/users/{me.username}").get_json()["display_name"] == "Cluster Person"


def test_rate_limit_counts_on_the_cluster(cluster_app, make_user):
    user = make_user("cll")
    codes = [user.post("/api/v1/posts", json={"text": f"n{i}"}).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    with cluster_app.app_context():
        prefix = cluster_app.config["RATELIMIT_KEY_PREFIX"]
        assert any(True for _ in stores.cache().scan_iter(match=f"*{prefix}*", count=1000))


def test_idempotency_key_replays_on_the_cluster(make_user):
    user = make_user("cli")
    h = {"Idempotency-Key": unique("idem")}
    first = user.client.post("/api/v1/posts", json={"text": "once"}, headers={**user.headers, **h})
    again = user.client.post("/api/v1/posts", json={"text": "once"}, headers={**user.headers, **h})
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = user.client.post("/api/v1/posts", json={"text": "different"}, headers={**user.headers, **h})
    assert other.status_code == 422 and other.get_json()["type"] == "/problems/idempotency-key-reused"


def test_session_cache_and_revocation_on_the_cluster(cluster_app, make_user):
    from socialgraph.accounts import sessions

    user = make_user("cls")
    assert user.get("/api/v1/me").status_code == 200  # fills the verdict
    with cluster_app.app_context():
        sid = next(iter(sessions.list_active(user.uid, None)))["id"]
        key = sessions.SESSION_KEY.format(uid=user.uid, sid=sid)
        assert rediskeys.slot(key) == rediskeys.slot(sessions.NOT_BEFORE_KEY.format(uid=user.uid))
        assert stores.cache().get(key) == f"ok:{user.uid}".encode()
    assert user.post("/api/v1/auth/logout").status_code == 204
    assert user.get("/api/v1/me").status_code == 401
    with cluster_app.app_context():
        assert stores.cache().get(key) == b"revoked"


def test_realtime_delivery_over_cluster_pub_sub(cluster_app, make_user):
    """A notification reaches a WebSocket held by the app on the cluster, and
    presence-filtered publishes (``publish_if_online``) reach the hub too."""
    from socialgraph.messaging import hub as hubmod

    owner, fan = make_user("clw"), make_user("clx")
    post_id = owner.post("/api/v1/posts", json={"text": "react to me"}).get_json()["id"]
    server = serve(cluster_app)
    try:
        ws = simple_websocket.Client.connect(f"ws://127.0.0.1:{server.server_port}/api/v1/stream",
                                             headers={"Authorization": "Bearer " + owner.tokens["access_token"]})
        assert json.loads(ws.receive(timeout=10))["type"] == "hello"
        assert fan.put(f"/api/v1/posts/{post_id}/reaction", json={"type": "like"}).status_code == 200
        frames, deadline = [], time.monotonic() + 10
        while time.monotonic() < deadline and not any(f["type"] == "notification" for f in frames):
            raw = ws.receive(timeout=0.5)
            if raw:
                frames.append(json.loads(raw))
        note = next(f for f in frames if f["type"] == "notification")
        assert note["notification"]["type"] == "reaction" and note["notification"]["actors"][0]["uid"] == fan.uid
        ws.close()
    finally:
        server.shutdown()
        server.server_close()
    with cluster_app.app_context():
        h, q = hubmod.hub(), queue.Queue()
        uids = [unique("rt") for _ in range(5)]
        for uid in uids:
            h.register(uid, q)
        stores.cache().zadd(hubmod.ONLINE_KEY, {u: time.time() * 1000 for u in uids})
        assert hubmod.publish_if_online(uids + ["nobody-online"], {"type": "feed.update", "n": 1}) == 5
        got = [json.loads(q.get(timeout=5)) for _ in uids]
        assert got == [{"type": "feed.update", "n": 1}] * 5
        for uid in uids:
            h.unregister(uid, q)
        stores.cache().zrem(hubmod.ONLINE_KEY, *uids)


def test_user_search_index_and_mail_digest_transactions(cctx):
    from socialgraph.graph import usersearch
    from socialgraph.messaging import notifications

    for k in (usersearch.NAMES_KEY, usersearch.READY_KEY, usersearch.BUILDING_KEY):
        assert rediskeys.slot(k) == rediskeys.slot(usersearch.INDEX_KEY)
    usersearch.index_user("cl-uid-1", "clusteruser", "Cluster User")
    assert usersearch.rebuild() >= 1 and usersearch.is_ready()
    usersearch.index_user("cl-uid-2", "clustersearch", "Cluster Search")
    items, _ = usersearch.search("clustersea", set(), 20)  # one script over the index's keys (one slot)
    assert [p["username"] for p in items] == ["clustersearch"]
    uid = unique("dig")
    r = stores.cache()
    r.rpush(notifications.MAIL_KEY.format(uid=uid), "one", "two")
    r.set(notifications.MAIL_SCHEDULED_KEY.format(uid=uid), 1)
    notifications.email_digest(uid)  # no account: nothing sent, but the pending list is taken
    assert r.exists(notifications.MAIL_KEY.format(uid=uid), notifications.MAIL_SCHEDULED_KEY.format(uid=uid)) == 0
