"""Home feed by fan-out on write (Redis sorted sets), hybrid merge, rebuilds,
and the read-time rules (blocks, mutes, unfollows, deletions)."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.feeds import home as feeds
from tests.conftest import config


def feed_ids(user, limit=100, **params):
    got, cursor = [], None
    while True:
        q = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        r = user.get("/api/v1/feeds/home", query_string=q)
        assert r.status_code == 200, r.get_json()
        got += [p["id"] for p in r.get_json()["items"]]
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            return got


def zset(uid):
    return [m.decode() for m in stores.cache().zrange(feeds.FEED_KEY.format(uid=uid), 0, -1)]


def test_fanout_writes_only_active_followers_feeds(make_user, ctx):
    author, active, inactive = make_user("au"), make_user("act"), make_user("ina")
    for u in (active, inactive):
        u.put(f"/api/v1/users/{author.username}/follow")
    assert active.get("/api/v1/feeds/home").get_json()["rebuilding"] is False  # builds the set
    feeds.forget_feed(inactive.uid)  # as if its TTL (FEED_ACTIVE_DAYS) had run out
    pid = author.post("/api/v1/posts", json={"text": "fan me out", "visibility": "followers",
                                             "content_warning": "spoilers"}).get_json()["id"]
    assert pid in zset(active.uid)
    # feed items have the full post shape (audience, content warning, media, shares)
    item = active.get("/api/v1/feeds/home").get_json()["items"][0]
    assert (item["id"], item["visibility"], item["content_warning"], item["media"]) == (pid, "followers", "spoilers", [])
    assert item["counts"]["shares"] == 0
    assert not stores.cache().exists(feeds.FEED_KEY.format(uid=inactive.uid))
    ttl = stores.cache().ttl(feeds.FEED_KEY.format(uid=active.uid))
    assert 0 < ttl <= ctx.config["FEED_ACTIVE_DAYS"] * 86400
    # the returning user gets a rebuilt feed holding the post
    assert feed_ids(inactive) == [pid]
    assert pid in zset(inactive.uid)


def test_returning_user_is_told_while_rebuilding(make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    pid = author.post("/api/v1/posts", json={"text": "while you were away"}).get_json()["id"]
    feeds.forget_feed(reader.uid)
    # a rebuild is already running on a worker (the marker is set): the API says so
    stores.cache().set(feeds.REBUILD_KEY.format(uid=reader.uid), 1, ex=60)
    body = reader.get("/api/v1/feeds/home").get_json()
    assert body["rebuilding"] is True and [p["id"] for p in body["items"]] == [pid]
    feeds.rebuild_feed(reader.uid)
    body = reader.get("/api/v1/feeds/home").get_json()
    assert body["rebuilding"] is False and [p["id"] for p in body["items"]] == [pid]


def test_capped_set_falls_back_to_database_for_older_pages(app, make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    with config(app, FEED_MAX_ITEMS=4):
        feed_ids(reader)
        ids = [author.post("/api/v1/posts", json={"text": f"p{i}"}).get_json()["id"] for i in range(7)]
        assert len(zset(reader.uid)) == 4 and feeds.COMPLETE not in zset(reader.uid)
        assert feed_ids(reader, limit=3) == list(reversed(ids))


def test_hybrid_big_accounts_are_merged_at_read_time(app, make_user, ctx):
    star, reader = make_user("star"), make_user("fan")
    reader.put(f"/api/v1/users/{star.username}/follow")
    feed_ids(reader)
    stores.cache().delete(feeds.BIG_KEY.format(uid=reader.uid))
    with config(app, FEED_HYBRID_THRESHOLD=1):
        pid = star.post("/api/v1/posts", json={"text": "too famous to fan out"}).get_json()["id"]
        assert pid not in zset(reader.uid)
        assert feed_ids(reader) == [pid]
    stores.cache().delete(feeds.BIG_KEY.format(uid=reader.uid))


def test_unfollow_block_mute_delete_update_feeds(make_user, ctx):
    reader, a, b, c, d = (make_user(p) for p in ("rd", "a", "b", "c", "d"))
    for u in (a, b, c, d):
        reader.put(f"/api/v1/users/{u.username}/follow")
    feed_ids(reader)
    pa, pb, pc, pd = (u.post("/api/v1/posts", json={"text": "hi"}).get_json()["id"] for u in (a, b, c, d))
    assert set(zset(reader.uid)) >= {pa, pb, pc, pd}
    reader.delete(f"/api/v1/users/{a.username}/follow")
    b.put(f"/api/v1/users/{reader.username}/block")
    reader.put(f"/api/v1/users/{c.username}/mute")
    assert d.delete(f"/api/v1/posts/{pd}").status_code == 204
    assert not set(zset(reader.uid)) & {pa, pb, pc, pd}
    assert feed_ids(reader) == []
    # a muted author's new posts are not even fanned out to the muter
    pc2 = c.post("/api/v1/posts", json={"text": "still muted"}).get_json()["id"]
    assert pc2 not in zset(reader.uid)
    # following again brings the author's posts back into the set
    reader.put(f"/api/v1/users/{a.username}/follow")
    assert pa in zset(reader.uid) and feed_ids(reader) == [pa]


def test_read_time_rules_hold_even_if_the_set_is_stale(make_user, ctx):
    reader, m = make_user("rd"), make_user("m")
    reader.put(f"/api/v1/users/{m.username}/follow")
    feed_ids(reader)
    pid = m.post("/api/v1/posts", json={"text": "x"}).get_json()["id"]
    reader.put(f"/api/v1/users/{m.username}/mute")
    stores.cache().zadd(feeds.FEED_KEY.format(uid=reader.uid), {pid: 1})  # a stale entry
    assert pid not in feed_ids(reader)
    assert reader.get("/api/v1/feeds/home", query_string={"cursor": "garbage"}).status_code == 400


def test_discovery_hot_ranks_engagement_and_recency(make_user, ctx):
    a, fans = make_user("a"), [make_user("f") for _ in range(3)]
    quiet = a.post("/api/v1/posts", json={"text": "quiet"}).get_json()["id"]
    popular = a.post("/api/v1/posts", json={"text": "popular"}).get_json()["id"]
    newest = a.post("/api/v1/posts", json={"text": "newest"}).get_json()["id"]
    for f in fans:
        f.put(f"/api/v1/posts/{popular}/reaction", json={"type": "love"})
    feeds.refresh_discovery()
    got, cursor = [], None
    while True:
        r = a.get("/api/v1/feeds/discover", query_string={"limit": 50} | ({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200
        got += [p["id"] for p in r.get_json()["items"]]
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            break
    assert len(got) == len(set(got))
    assert got.index(popular) < got.index(newest) < got.index(quiet)
    new = [p["id"] for p in a.get("/api/v1/feeds/discover", query_string={"sort": "new"}).get_json()["items"]]
    assert new.index(newest) < new.index(popular) < new.index(quiet)
    assert a.get("/api/v1/feeds/discover", query_string={"sort": "best"}).status_code == 422


def test_rebuilding_feed_of_a_user_following_many_is_left_to_the_worker(app, make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    author.post("/api/v1/posts", json={"text": "not read in the web process"})
    feeds.forget_feed(reader.uid)
    stores.cache().set(feeds.REBUILD_KEY.format(uid=reader.uid), 1, ex=60)  # a rebuild is running
    with config(app, FEED_REBUILD_READ_MAX_AUTHORS=1):  # the reader and one followee: over the limit
        body = reader.get("/api/v1/feeds/home").get_json()
    assert body == {"items": [], "next_cursor": None, "rebuilding": True}
    feeds.rebuild_feed(reader.uid)
    assert len(reader.get("/api/v1/feeds/home").get_json()["items"]) == 1


def test_a_new_posts_fanout_starts_with_one_graph_query(app, make_user, graph_reads):
    """The follower count (hybrid or not) and the first batch come in one query
    (feeds/get_fanout_start); a muter is left out of the batch but counted."""
    author, fan, muter = make_user("fs"), make_user("ff"), make_user("fm")
    for u in (fan, muter):
        u.put(f"/api/v1/users/{author.username}/follow")
        feed_ids(u)
    muter.put(f"/api/v1/users/{author.username}/mute")
    pid = author.post("/api/v1/posts", json={"text": "one query"}).get_json()["id"]
    assert pid in zset(fan.uid) and pid not in zset(muter.uid)
    graph_reads.clear()
    assert feeds.fanout_post(pid, author.uid) == {"batches": 1, "hybrid": False}  # idempotent
    assert [n for n in graph_reads if n.startswith("feeds/")] == ["feeds/get_fanout_start"]
    with config(app, FEED_HYBRID_THRESHOLD=2):  # the muter counts as a follower: big
        assert feeds.fanout_post(pid, author.uid) == {"batches": 0, "hybrid": True}
