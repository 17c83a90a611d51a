"""The warm first home page (issue 22): one Redis round trip that also answers
the token's revocation check, items assembled from pre-serialised post bodies.
It must give exactly what the general path and the schema give, refuse a
revoked token, and show every write at once (edit, delete, reaction,
comment, media, moderation removal, account deletion, blocks, mutes)."""
from __future__ import annotations

import orjson
from flask_jwt_extended import decode_token

from api.realtime_schemas import HomePage
from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.content import postcache
from socialgraph.content.reactions import REACTIONS_KEY
from socialgraph.feeds import home as feeds
from socialgraph.graph import people as people_keys
from tests.conftest import config, record_redis_commands


def page(user, **params):
    r = user.get("/api/v1/feeds/home", query_string={"limit": 20, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def items(user):
    """The page after a write, read twice: the first read may refill the copies
    the write dropped (general path), the second must be served warm, and both
    must agree."""
    first = page(user)
    feeds.WARM_MISSES.clear()
    second = page(user)
    assert not feeds.WARM_MISSES, dict(feeds.WARM_MISSES)
    assert second == first
    return {p["id"]: p for p in second["items"]}


def warm(user):
    """Read twice: the first read makes the copies, the second is warm."""
    page(user)
    page(user)


def general(uid, limit=20):
    return HomePage().dump(feeds.json_page(feeds.home_feed(uid, None, limit)))


def test_warm_page_is_the_schema_dump_of_the_general_path(make_user, ctx):
    author, other, muted, reader = make_user("au"), make_user("ot"), make_user("mu"), make_user("rd")
    for u in (author, other, muted):
        reader.put(f"/api/v1/users/{u.username}/follow")
    reader.put(f"/api/v1/users/{muted.username}/mute")
    warm(reader)
    p1 = author.post("/api/v1/posts", json={"text": "first #hops @" + other.username}).get_json()["id"]
    p2 = author.post("/api/v1/posts", json={"text": "followers only", "visibility": "followers",
                                            "sensitive": True, "content_warning": "beer"}).get_json()["id"]
    p3 = other.post("/api/v1/posts", json={"text": "to be edited"}).get_json()["id"]
    hidden = muted.post("/api/v1/posts", json={"text": "muted"}).get_json()["id"]
    other.patch(f"/api/v1/posts/{p3}", json={"text": "edited"})
    other.put(f"/api/v1/posts/{p1}/reaction", json={"type": "laugh"})
    reader.put(f"/api/v1/posts/{p2}/reaction", json={"type": "love"})
    other.post(f"/api/v1/posts/{p1}/comments", json={"text": "a comment"})
    warm(reader)
    feeds.WARM_MISSES.clear()
    warm_page = feeds.warm_first_page(reader.uid, 20)
    assert warm_page is not None, dict(feeds.WARM_MISSES)
    fast, cursor = warm_page
    expected = general(reader.uid)
    assert orjson.loads(fast) == expected
    got = {p["id"]: p for p in orjson.loads(fast)["items"]}
    assert set(got) == {p1, p2, p3} and hidden not in got
    assert got[p2]["viewer_reaction"] == "love" and got[p1]["counts"]["comments"] == 1
    assert got[p3]["edited"] is True and got[p1]["hashtags"] == ["hops"]
    # a shorter page: the same next cursor as the general path
    body2, cursor2 = feeds.warm_first_page(reader.uid, 2)
    fast2 = orjson.loads(body2)
    assert fast2 == general(reader.uid, 2) and fast2["next_cursor"] is not None
    assert cursor2 == fast2["next_cursor"] and cursor is None
    # and through HTTP the answer is the fast one
    assert page(reader) == expected


def test_warm_page_is_one_redis_round_trip(make_user, ctx, monkeypatch):
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    for i in range(3):
        author.post("/api/v1/posts", json={"text": f"post {i}"})
    warm(reader)
    sent = record_redis_commands(monkeypatch)
    feeds.WARM_MISSES.clear()
    body = page(reader)
    assert len(body["items"]) == 3 and not feeds.WARM_MISSES
    # the rate limiter's own script (socialgraph.http.limits: one for all its limits) aside,
    # one EVALSHA: session verdict, copies, feed, follows, profiles, reactions
    page_trips = [c for c in sent if b"LIMITS:" not in c]
    assert len(page_trips) == 1 and b"EVALSHA" in page_trips[0]


def test_warm_page_refuses_revoked_tokens(make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    author.post("/api/v1/posts", json={"text": "hello"})
    warm(reader)
    # the cached verdict gone: MongoDB answers, the page is still served
    claims = decode_token(reader.tokens["access_token"])
    stores.cache().delete(sessions.SESSION_KEY.format(uid=reader.uid, sid=claims["sid"]))
    assert len(page(reader)["items"]) == 1
    # logout: the same token is refused by the warm page itself
    assert reader.post("/api/v1/auth/logout").status_code == 204
    r = reader.get("/api/v1/feeds/home")
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
    # every session before a cut-off (password reset, suspension)
    other = make_user("ot")
    other.put(f"/api/v1/users/{author.username}/follow")
    warm(other)
    sessions.revoke_all_sessions(other.uid)
    r = other.get("/api/v1/feeds/home")
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
    # a revoked token with bad arguments still answers 401, not 422
    r = other.get("/api/v1/feeds/home", query_string={"limit": 0})
    assert r.status_code == 401


def test_every_write_shows_on_the_warm_page(app, make_user, client, ctx, subtests):
    """Each kind of write a subtest on the same warm page: one stale copy does
    not hide the others (a step names the state the earlier ones left)."""
    author, fan, reader = make_user("au"), make_user("fa"), make_user("rd")
    for u in (author, fan):
        assert reader.put(f"/api/v1/users/{u.username}/follow").status_code == 200
    warm(reader)
    pid = author.post("/api/v1/posts", json={"text": "v1"}).get_json()["id"]
    fan_pid = fan.post("/api/v1/posts", json={"text": "fan post"}).get_json()["id"]
    warm(reader)
    assert stores.cache().get(postcache.KEY.format(id=pid)).count(b"\n") == 1  # document + body
    with subtests.test("an edit"):
        assert author.patch(f"/api/v1/posts/{pid}", json={"text": "v2"}).status_code == 200
        assert (items(reader)[pid]["text"], items(reader)[pid]["edited"]) == ("v2", True)
    with subtests.test("another's reaction"):
        assert fan.put(f"/api/v1/posts/{pid}/reaction", json={"type": "like"}).status_code == 200
        assert items(reader)[pid]["counts"]["reactions"] == {"like": 1}
    with subtests.test("the reader's own reaction"):
        assert reader.put(f"/api/v1/posts/{pid}/reaction", json={"type": "sad"}).status_code == 200
        got = items(reader)[pid]
        assert (got["viewer_reaction"], got["counts"]["reactions_total"]) == ("sad", 2)
    with subtests.test("a comment, then its deletion"):
        cid = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}).get_json()["id"]
        assert items(reader)[pid]["counts"]["comments"] == 1
        assert fan.delete(f"/api/v1/comments/{cid}").status_code == 204
        assert items(reader)[pid]["counts"]["comments"] == 0
    with subtests.test("the author's new name shows on the cached body's post"):
        assert author.patch("/api/v1/me", json={"display_name": "Renamed Author"}).status_code == 200
        assert items(reader)[pid]["author"]["display_name"] == "Renamed Author"
    with subtests.test("a block by the author hides the post at once, an unblock brings it back"):
        assert author.put(f"/api/v1/users/{reader.username}/block").status_code == 200
        assert pid not in items(reader)
        assert author.delete(f"/api/v1/users/{reader.username}/block").status_code == 200
        assert reader.put(f"/api/v1/users/{author.username}/follow").status_code == 200
        assert pid in items(reader)
    with subtests.test("a moderator's removal"):
        admin = make_user("ad")
        stores.mongo().accounts.update_one({"_id": admin.uid}, {"$set": {"role": "admin"}})
        rep = fan.post("/api/v1/reports", json={"target_type": "post", "target_id": pid,
                                                "reason": "spam"}).get_json()["id"]
        assert admin.post(f"/api/v1/moderation/reports/{rep}/actions",
                          json={"action": "remove_content"}).status_code == 200
        assert pid not in items(reader)
    pid2 = author.post("/api/v1/posts", json={"text": "second"}).get_json()["id"]
    with subtests.test("a reactor's account deletion: the counts on another's post drop"):
        assert fan.put(f"/api/v1/posts/{pid2}/reaction", json={"type": "love"}).status_code == 200
        assert items(reader)[pid2]["counts"]["reactions"] == {"love": 1}
        assert fan.post("/api/v1/me/deletion", json={"password": fan.password}).status_code == 202
        got = items(reader)
        assert fan_pid not in got and got[pid2]["counts"]["reactions"] == {}
    with subtests.test("a post's deletion"):
        assert author.delete(f"/api/v1/posts/{pid2}").status_code == 204
        assert pid2 not in items(reader)


def test_media_posts_are_left_to_the_general_path(make_user, ctx):
    """Posts with media carry presigned URLs that expire: the warm page does not
    cache them and hands such a page to the general path (media read per request)."""
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    pid = author.post("/api/v1/posts", json={"text": "plain"}).get_json()["id"]
    warm(reader)
    stores.mongo().posts.update_one({"_id": postcache.ObjectId(pid)}, {"$set": {"media_ids": [postcache.ObjectId()]}})
    postcache.forget(pid)
    warm(reader)
    feeds.WARM_MISSES.clear()
    assert feeds.warm_first_page(reader.uid, 20) is None
    assert dict(feeds.WARM_MISSES) == {"media-share-or-friends": 1}


def test_own_posts_alone_stay_warm_without_the_following_set(make_user, ctx, monkeypatch):
    """Session 6 (the mix's probe): a reader whose page holds only their own
    posts never has the following set reloaded by the general path (it asks
    the set about others' posts only), so once the set expired every page
    missed. The set decides only others' posts: without it such a page is
    served warm, and a page with another's post still leaves it to the
    general path, which answers exactly."""
    from socialgraph.graph.people import FOLLOWING_KEY

    me, other = make_user("ow"), make_user("ot")
    mine = me.post("/api/v1/posts", json={"text": "mine alone"}).get_json()["id"]
    warm(me)
    stores.cache().delete(FOLLOWING_KEY.format(uid=me.uid))  # expired
    feeds.WARM_MISSES.clear()
    with monkeypatch.context() as m:
        sent = record_redis_commands(m)
        got = page(me)
    assert not feeds.WARM_MISSES, dict(feeds.WARM_MISSES)
    assert len([x for x in sent if b"LIMITS:" not in x]) == 1  # the rate limiter's own trips aside
    assert [p["id"] for p in got["items"]] == [mine] and got == general(me.uid)
    # another's post on the page: the set must decide
    me.put(f"/api/v1/users/{other.username}/follow")
    theirs = other.post("/api/v1/posts", json={"text": "theirs"}).get_json()["id"]
    warm(me)
    stores.cache().delete(FOLLOWING_KEY.format(uid=me.uid))
    feeds.WARM_MISSES.clear()
    got = page(me)
    assert dict(feeds.WARM_MISSES) == {"following-copy-missing": 1}
    assert [p["id"] for p in got["items"]] == [theirs, mine]


def test_a_new_post_reaches_followers_with_its_copy(make_user, ctx):
    """Session 6 (the mix's probe): the fan-out stored the entry but not the
    post copy, so each new post sent its first reader's home page to the
    general path (``post-copy-missing``). The fan-out reads the post through
    its copy: the next page of a follower is warm and shows it."""
    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    author.post("/api/v1/posts", json={"text": "older"})
    warm(reader)
    pid = author.post("/api/v1/posts", json={"text": "fresh"}).get_json()["id"]  # jobs run inline in tests
    # as under RQ, where the fan-out may run before anything else read the post: no copy yet
    stores.read_cache().delete(postcache.KEY.format(id=pid))
    feeds.fanout_post(pid, author.uid)  # idempotent
    assert stores.read_cache().exists(postcache.KEY.format(id=pid))
    feeds.WARM_MISSES.clear()
    got = page(reader)
    assert not feeds.WARM_MISSES, dict(feeds.WARM_MISSES)
    assert got["items"][0]["id"] == pid and got == general(reader.uid)


def test_an_empty_home_page_is_warm(make_user, ctx):
    """Session 6: the general path of an empty page reloads neither the
    following set nor the reactions copy, so an empty feed never went warm;
    neither decides an empty page."""
    lonely = make_user("ly")
    warm(lonely)
    feeds.WARM_MISSES.clear()
    got = page(lonely)
    assert not feeds.WARM_MISSES, dict(feeds.WARM_MISSES)
    assert got["items"] == [] and got == general(lonely.uid)
def test_warm_page_link_and_etag_come_without_parsing_the_page_again(make_user, ctx, monkeypatch):
    from socialgraph.http import conventions

    author, reader = make_user("au"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    for i in range(3):
        author.post("/api/v1/posts", json={"text": f"linked {i}"})
    for _ in range(2):
        reader.get("/api/v1/feeds/home", query_string={"limit": 2})
    monkeypatch.setattr(conventions, "_next_cursor", lambda data: (_ for _ in ()).throw(AssertionError("parsed")))
    feeds.WARM_MISSES.clear()
    r = reader.get("/api/v1/feeds/home", query_string={"limit": 2})
    assert r.status_code == 200 and not feeds.WARM_MISSES, dict(feeds.WARM_MISSES)
    cursor = r.get_json()["next_cursor"]
    assert cursor and r.headers["Link"].endswith(f'cursor={cursor}>; rel="next"')
    assert r.headers["ETag"] and r.headers["Vary"] == "Authorization"
    assert "Link" not in reader.get("/api/v1/feeds/home", query_string={"limit": 20}).headers
def _star_and_friend(app, make_user):
    """A reader following a big account (two followers; threshold 2: merged at
    read time) and a plain one (fanned out), with posts of both interleaved."""
    star, fan, friend, reader = make_user("st"), make_user("fa"), make_user("fr"), make_user("rd")
    for u in (star, friend):
        assert reader.put(f"/api/v1/users/{u.username}/follow").status_code == 200
    assert fan.put(f"/api/v1/users/{star.username}/follow").status_code == 200
    warm(reader)
    ids = [u.post("/api/v1/posts", json={"text": f"post {i}"}).get_json()["id"]
           for i, u in enumerate((friend, star, friend, star, friend))]
    stores.cache().delete(feeds.BIG_KEY.format(uid=reader.uid))
    return star, reader, ids


def test_followed_big_accounts_are_merged_on_the_warm_page(app, make_user, ctx):
    """Issue 22 (session 6): a reader who follows a big account (hybrid fan-out)
    was always left to the general path (MUSAE readers: 50 of 128 follow one of
    the two accounts with 5,000 followers); the warm script merges the
    account's author timeline with the set's entries, newest first."""
    with config(app, FEED_HYBRID_THRESHOLD=2):
        _star, reader, ids = _star_and_friend(app, make_user)
        assert ids[1] not in stores.cache().zrange(feeds.FEED_KEY.format(uid=reader.uid), 0, -1)
        warm(reader)
        feeds.WARM_MISSES.clear()
        warm_page = feeds.warm_first_page(reader.uid, 20)
        assert warm_page is not None, dict(feeds.WARM_MISSES)
        fast = warm_page[0]
        assert orjson.loads(fast) == general(reader.uid)
        assert [p["id"] for p in orjson.loads(fast)["items"]] == list(reversed(ids))
        short = orjson.loads(feeds.warm_first_page(reader.uid, 2)[0])
        assert short == general(reader.uid, 2) and short["next_cursor"] is not None
        assert page(reader) == general(reader.uid)


def test_a_trimmed_timeline_is_exact_on_the_warm_page(app, make_user, ctx):
    """A big account's timeline without its completeness marker (trimmed) may
    hold older posts only in MongoDB: the warm page uses the merged entries
    above its oldest entry only, and leaves a page that needs more to the
    general path."""
    with config(app, FEED_HYBRID_THRESHOLD=2):
        star, reader, ids = _star_and_friend(app, make_user)
        warm(reader)
        timeline = feeds.TIMELINE_KEY.format(uid=star.uid)
        r = stores.cache()
        r.zrem(timeline, feeds.COMPLETE, ids[1])  # trimmed: the star's older post is in MongoDB only
        feeds.WARM_MISSES.clear()
        assert feeds.warm_first_page(reader.uid, 20) is None
        assert dict(feeds.WARM_MISSES) == {"short-chunk": 1}
        assert [p["id"] for p in general(reader.uid)["items"]] == list(reversed(ids))
        # the newest two are above the timeline's oldest entry: exact
        assert orjson.loads(feeds.warm_first_page(reader.uid, 1)[0]) == general(reader.uid, 1)


def test_an_empty_page_needs_no_following_or_reactions_copy(make_user, ctx):
    """A reader whose feed holds no post (most MUSAE readers follow a few
    accounts that never posted) has no reactions copy (it is made when a page
    has posts): the empty page is still served warm."""
    reader, quiet = make_user("rd"), make_user("qu")
    assert reader.put(f"/api/v1/users/{quiet.username}/follow").status_code == 200
    warm(reader)
    stores.cache().delete(people_keys.FOLLOWING_KEY.format(uid=reader.uid),
                          REACTIONS_KEY.format(uid=reader.uid))
    feeds.WARM_MISSES.clear()
    warm_page = feeds.warm_first_page(reader.uid, 20)
    assert warm_page is not None, dict(feeds.WARM_MISSES)
    assert orjson.loads(warm_page[0]) == general(reader.uid) == {"items": [], "next_cursor": None, "rebuilding": False}
