"""The Redis copies read by every page (posts, short profiles, a user's
reactions, block/mute and group sets, author timelines) never show what a
write has changed: each write path is exercised after the copy was made."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.content import postcache
from socialgraph.feeds import home as feeds
from socialgraph.operations.degrees import recount
from socialgraph.stores import readcache
from tests.conftest import config, record_redis_commands


def home(user, **params):
    r = user.get("/api/v1/feeds/home", query_string={"limit": 50, **params})
    assert r.status_code == 200, r.get_json()
    return {p["id"]: p for p in r.get_json()["items"]}


def test_a_reader_never_stores_a_copy_older_than_a_write(ctx):
    """The stale-set race: the reader reads the version, a writer writes and
    invalidates, then the reader's store of the old value is refused."""
    key = "sg:test:race"
    readcache.invalidate(key)
    (copy,), (v0,) = readcache.get_many([key])
    assert copy is None
    readcache.invalidate(key)  # a write lands between the reader's store read and its SET
    readcache.put_many([(key, v0, "old")], 60)
    assert readcache.get_many([key])[0] == [None]
    (_,), (v1,) = readcache.get_many([key])
    readcache.put_many([(key, v1, "new")], 60)
    assert readcache.get_many([key])[0] == [b"new"]


def test_copies_are_stored_in_one_round_trip_also_after_a_script_flush(ctx, monkeypatch):
    """``put_many`` on a single Redis: one pipeline of EVALSHA (no SCRIPT
    EXISTS first); a server that lost its scripts still gets the copies, and
    the version check still refuses a stale one."""
    keys = [f"sg:test:put:{i}" for i in range(3)]
    readcache.invalidate(*keys)
    _, versions = readcache.get_many(keys)
    stores.read_cache().script_flush()
    readcache.put_many([(k, v, f"first {k}") for k, v in zip(keys, versions)], 60)  # NOSCRIPT: loaded, stored
    assert readcache.get_many(keys)[0] == [f"first {k}".encode() for k in keys]
    readcache.invalidate(keys[0])
    sent = record_redis_commands(monkeypatch)
    readcache.put_many([(k, v, "second") for k, v in zip(keys, versions)], 60)
    assert len(sent) == 1
    monkeypatch.undo()
    # keys[0] was written since its version was read: not stored; the others are
    assert readcache.get_many(keys)[0] == [None, b"second", b"second"]


def test_post_copies_follow_reactions_comments_edits_and_deletes(make_user, ctx):
    author, reader, other = make_user("au"), make_user("rd"), make_user("ot")
    reader.put(f"/api/v1/users/{author.username}/follow")
    home(reader)
    pid = author.post("/api/v1/posts", json={"text": "cache me"}).get_json()["id"]
    item = home(reader)[pid]
    assert stores.cache().exists(postcache.KEY.format(id=pid))  # served from a copy from now on
    assert item["counts"]["reactions_total"] == 0 and item["viewer_reaction"] is None
    other.put(f"/api/v1/posts/{pid}/reaction", json={"type": "laugh"})
    reader.put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"})
    item = home(reader)[pid]
    assert item["counts"]["reactions"] == {"laugh": 1, "love": 1} and item["viewer_reaction"] == "love"
    reader.put(f"/api/v1/posts/{pid}/reaction", json={"type": "sad"})
    assert home(reader)[pid]["viewer_reaction"] == "sad"
    reader.delete(f"/api/v1/posts/{pid}/reaction")
    item = home(reader)[pid]
    assert item["viewer_reaction"] is None and item["counts"]["reactions"] == {"laugh": 1}
    cid = other.post(f"/api/v1/posts/{pid}/comments", json={"text": "first"}).get_json()["id"]
    assert home(reader)[pid]["counts"]["comments"] == 1
    other.delete(f"/api/v1/comments/{cid}")
    assert home(reader)[pid]["counts"]["comments"] == 0
    author.patch(f"/api/v1/posts/{pid}", json={"text": "edited text", "visibility": "friends"})
    assert pid not in home(reader)  # now friends-only: the follower no longer sees it
    assert reader.get(f"/api/v1/posts/{pid}").status_code == 404
    author.patch(f"/api/v1/posts/{pid}", json={"visibility": "public"})
    assert home(reader)[pid]["text"] == "edited text"
    assert reader.get(f"/api/v1/posts/{pid}").get_json()["edited"] is True
    author.delete(f"/api/v1/posts/{pid}")
    assert pid not in home(reader)
    assert reader.get(f"/api/v1/posts/{pid}").status_code == 404


def test_author_names_blocks_and_friends_audience_in_the_home_feed(make_user, ctx):
    author, friend, follower = make_user("au"), make_user("fr"), make_user("fo")
    for u in (friend, follower):
        u.put(f"/api/v1/users/{author.username}/follow")
        home(u)
    stores.graph().run_text("MATCH (a:User {uid: $a}), (b:User {uid: $b}) CREATE (a)-[:FRIENDS_WITH]->(b)",
                                a=author.uid, b=friend.uid)
    recount(author.uid, friend.uid)  # the degree counts a hand-written friendship bypasses
    pub = author.post("/api/v1/posts", json={"text": "for all"}).get_json()["id"]
    fri = author.post("/api/v1/posts", json={"text": "for friends", "visibility": "friends"}).get_json()["id"]
    assert {pub, fri} <= set(home(friend)) and set(home(follower)) >= {pub} and fri not in home(follower)
    assert home(friend)[pub]["author"]["display_name"] != "Renamed Author"
    author.patch("/api/v1/me", json={"display_name": "Renamed Author"})
    assert home(friend)[pub]["author"]["display_name"] == "Renamed Author"
    friend.put(f"/api/v1/users/{author.username}/block")
    assert home(friend) == {} or not ({pub, fri} & set(home(friend)))
    assert follower.get(f"/api/v1/posts/{pub}").status_code == 200
    author.put(f"/api/v1/users/{follower.username}/block")  # blocked by the author: gone at once
    assert pub not in home(follower)
    assert follower.get(f"/api/v1/posts/{pub}").status_code == 404


def test_leaving_a_group_hides_its_posts_from_the_home_feed_at_once(make_user, ctx):
    admin, member = make_user("ad"), make_user("me")
    gid = admin.post("/api/v1/groups", json={"name": "cache group", "privacy": "private"}).get_json()["id"]
    stores.graph().run_text(
        "MATCH (g:Group {uid: $g}), (u:User {uid: $u}) CREATE (u)-[:MEMBER_OF {role: 'member', since: datetime()}]->(g)",
        g=gid, u=member.uid)
    from socialgraph.groups import directory

    directory.forget_member_groups(member.uid)  # written directly above, not through the service
    gp = admin.post(f"/api/v1/groups/{gid}/posts", json={"text": "members only"}).get_json()["id"]
    assert gp in home(member)
    assert member.post(f"/api/v1/groups/{gid}/leave").status_code == 204
    assert gp not in home(member)


def test_big_accounts_are_read_from_their_author_timeline(app, make_user, ctx):
    star, fan = make_user("star"), make_user("fan")
    fan.put(f"/api/v1/users/{star.username}/follow")
    home(fan)
    stores.cache().delete(feeds.BIG_KEY.format(uid=fan.uid))
    with config(app, FEED_HYBRID_THRESHOLD=1):
        first = star.post("/api/v1/posts", json={"text": "one"}).get_json()["id"]
        assert list(home(fan)) == [first]
        tl = feeds.TIMELINE_KEY.format(uid=star.uid)
        assert stores.cache().zscore(tl, first) is not None  # built on the first read
        second = star.post("/api/v1/posts", json={"text": "two"}).get_json()["id"]
        assert stores.cache().zscore(tl, second) is not None  # pushed at post time
        assert list(home(fan)) == [second, first]
        star.delete(f"/api/v1/posts/{second}")
        assert list(home(fan)) == [first]
        assert stores.cache().zscore(tl, second) is None
    stores.cache().delete(feeds.BIG_KEY.format(uid=fan.uid))


def test_profile_cards_follow_counts_privacy_profile_and_blocks(make_user, ctx):
    owner, fan, other = make_user("ow"), make_user("fa"), make_user("ot")

    def profile(viewer):
        r = viewer.get(f"/api/v1/users/{owner.username}")
        return r.status_code, r.get_json()

    code, p = profile(fan)  # caches the card
    assert code == 200 and p["followers_count"] == 0 and p["followed_by_viewer"] is False
    fan.put(f"/api/v1/users/{owner.username}/follow")
    code, p = profile(other)
    assert p["followers_count"] == 1 and p["followed_by_viewer"] is False
    assert profile(fan)[1]["followed_by_viewer"] is True
    owner.patch("/api/v1/me", json={"display_name": "Fresh Name"})
    assert profile(other)[1]["display_name"] == "Fresh Name"
    owner.patch("/api/v1/me/privacy", json={"profile_visibility": "friends"})
    code, p = profile(other)
    assert code == 200 and p["restricted"] is True and p["followers_count"] is None
    owner.patch("/api/v1/me/privacy", json={"profile_visibility": "public"})
    assert profile(other)[1]["restricted"] is False
    fan.delete(f"/api/v1/users/{owner.username}/follow")
    assert profile(other)[1]["followers_count"] == 0
    owner.put(f"/api/v1/users/{other.username}/block")
    assert profile(other)[0] == 404


def test_profile_relation_is_the_same_from_either_end_and_for_hubs(make_user, ctx, monkeypatch):
    """The viewer relation has two query shapes (anchored on the owner, or on
    the viewer for hubs) and a third inside the cold-card query: all three
    answer the same for follows both ways, friendship, requests and blocks."""
    from socialgraph.graph import people

    owner, fan, friend, asker, blocker = (make_user(p) for p in ("ro", "rf", "rr", "ra", "rb"))
    fan.put(f"/api/v1/users/{owner.username}/follow")
    owner.put(f"/api/v1/users/{fan.username}/follow")
    assert friend.post(f"/api/v1/users/{owner.username}/friend-request").status_code == 201
    assert owner.post(f"/api/v1/me/friend-requests/{friend.username}/accept").status_code == 200
    assert asker.post(f"/api/v1/users/{owner.username}/friend-request").status_code == 201
    assert owner.post(f"/api/v1/users/{fan.username}/friend-request").status_code == 201
    g = stores.graph()
    expected = {
        fan: dict(followed_by_viewer=True, follows_viewer=True, friends=False, request_sent=False,
                  request_received=True),
        friend: dict(followed_by_viewer=True, follows_viewer=True, friends=True, request_sent=False,
                     request_received=False),
        asker: dict(followed_by_viewer=False, follows_viewer=False, friends=False, request_sent=True,
                    request_received=False),
    }
    for viewer, want in expected.items():
        a = g.read("graph/users/get_viewer_relation", viewer=viewer.uid, owner=owner.uid)[0]
        b = g.read("graph/users/get_viewer_relation_of_hub", viewer=viewer.uid, owner=owner.uid)[0]
        c = g.read("graph/users/get_profile_card_for_viewer", username=owner.username, viewer=viewer.uid,
                   hub_degree=people.HUB_DEGREE, viewer_friends=False)[0]
        assert a == b == {k: c[k] for k in people.RELATION_FIELDS}
        assert {k: a[k] for k in want} == want and a["blocked"] is False
    blocker.put(f"/api/v1/users/{owner.username}/block")
    for q in ("graph/users/get_viewer_relation", "graph/users/get_viewer_relation_of_hub"):
        assert g.read(q, viewer=owner.uid, owner=blocker.uid)[0]["blocked"] is True
    # through the API, with every owner treated as a hub (cached card: second view)
    monkeypatch.setattr(people, "HUB_DEGREE", 0)
    for _ in range(2):
        p = fan.get(f"/api/v1/users/{owner.username}").get_json()
        assert (p["followed_by_viewer"], p["follows_viewer"], p["friendship"]) == (True, True, "request_received")
        p = friend.get(f"/api/v1/users/{owner.username}").get_json()
        assert p["friendship"] == "friends" and p["mutual_friends"] == {"count": 0, "sample": []}
