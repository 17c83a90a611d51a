"""The warm post and the warm comment thread (issue 22): one Redis round trip
that also answers the token's revocation check, JSON from pre-serialised
parts. They must give exactly what the general path and the schema give,
refuse a revoked token, leave blocked authors to the general path, and show
every comment write at once (new comment, reply, edit, reaction, deletion,
account erasure)."""
from __future__ import annotations

import orjson
from flask_jwt_extended import decode_token

from api.content_schemas import FullPostOut
from api.schemas import CommentPage
from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.content import comments, posts, postcache, warm
from tests.conftest import record_redis_commands


def get(user, path, **params):
    r = user.get(path, query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def twice(user, path, **params):
    """Read twice after a write: the first read may refill the copies the write
    dropped (general path), the second must be served warm; both agree."""
    first = get(user, path, **params)
    warm.WARM_MISSES.clear()
    second = get(user, path, **params)
    assert not warm.WARM_MISSES, dict(warm.WARM_MISSES)
    assert second == first
    return second


def thread_of(pid, viewer, limit=20):
    page = comments.list_comments(pid, None, None, limit, viewer=viewer)
    return CommentPage().dump({"items": page.items, "next_cursor": page.next_cursor})


def ids(items):
    out = []
    for it in items:
        out.append(it["id"])
        out.extend(ids(it["replies"]))
    return out


def test_warm_post_and_thread_are_the_schema_dump_of_the_general_path(make_user, ctx):
    author, other, reader = make_user("au"), make_user("ot"), make_user("rd")
    reader.put(f"/api/v1/users/{author.username}/follow")
    pid = author.post("/api/v1/posts", json={"text": "a post #hops @" + other.username}).get_json()["id"]
    fol = author.post("/api/v1/posts", json={"text": "followers", "visibility": "followers",
                                             "sensitive": True, "content_warning": "cw"}).get_json()["id"]
    c1 = other.post(f"/api/v1/posts/{pid}/comments", json={"text": "first"}).get_json()["id"]
    c2 = reader.post(f"/api/v1/posts/{pid}/comments", json={"text": "second"}).get_json()["id"]
    r1 = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply", "parent_id": c1}).get_json()["id"]
    rr = other.post(f"/api/v1/posts/{pid}/comments", json={"text": "deeper", "parent_id": r1}).get_json()["id"]
    gone = other.post(f"/api/v1/posts/{pid}/comments", json={"text": "will go", "parent_id": c2}).get_json()["id"]
    other.post(f"/api/v1/posts/{pid}/comments", json={"text": "under it", "parent_id": gone})
    other.delete(f"/api/v1/comments/{gone}")  # a placeholder: deleted, no author
    reader.put(f"/api/v1/comments/{r1}/reaction", json={"type": "love"})
    other.put(f"/api/v1/comments/{c1}/reaction", json={"type": "laugh"})
    reader.put(f"/api/v1/posts/{pid}/reaction", json={"type": "sad"})
    get(reader, "/api/v1/feeds/home")  # copies the following set (a followers-only post needs it)
    for path in (f"/api/v1/posts/{pid}", f"/api/v1/posts/{fol}"):
        got = twice(reader, path)
        assert got == FullPostOut().dump(posts.get_post(path.rsplit("/", 1)[1], viewer=reader.uid))
    assert get(reader, f"/api/v1/posts/{pid}")["viewer_reaction"] == "sad"
    page = twice(reader, f"/api/v1/posts/{pid}/comments", limit=20)
    assert page == thread_of(pid, reader.uid)
    assert set(ids(page["items"])) >= {c1, c2, r1, rr, gone}
    flat = {}
    todo = list(page["items"])
    while todo:
        it = todo.pop()
        flat[it["id"]] = it
        todo.extend(it["replies"])
    assert flat[r1]["viewer_reaction"] == "love" and flat[c1]["viewer_reaction"] is None
    assert flat[c1]["reactions"] == {"laugh": 1} and flat[gone]["deleted"] and flat[gone]["author"] is None
    assert flat[c2]["author"]["username"] == reader.username and flat[c2]["author"]["avatar_urls"]
    # the fast answer itself, not only through HTTP
    warm.WARM_MISSES.clear()
    fast = warm.warm_thread(reader.uid, pid, 20)
    assert fast is not None, dict(warm.WARM_MISSES)
    assert orjson.loads(fast) == thread_of(pid, reader.uid)
    fast = warm.warm_post(reader.uid, pid)
    assert fast is not None, dict(warm.WARM_MISSES)
    assert orjson.loads(fast) == FullPostOut().dump(posts.get_post(pid, viewer=reader.uid))
    # another viewer sees their own reactions, an anonymous one none
    twice(other, f"/api/v1/posts/{pid}/comments", limit=20)  # other's own copies (blocks, reactions)
    assert orjson.loads(warm.warm_thread(other.uid, pid, 20)) == thread_of(pid, other.uid)
    assert orjson.loads(warm.warm_thread(None, pid, 20)) == thread_of(pid, None)
    # another limit: the general path answers, with a cursor, and the copy follows it
    two = get(reader, f"/api/v1/posts/{pid}/comments", limit=1)
    assert len(two["items"]) == 1 and two["next_cursor"]
    assert twice(reader, f"/api/v1/posts/{pid}/comments", limit=1) == two


def test_warm_post_and_thread_are_one_redis_round_trip(make_user, ctx, monkeypatch):
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "one"}).get_json()["id"]
    reader.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"})
    for path in (f"/api/v1/posts/{pid}", f"/api/v1/posts/{pid}/comments"):
        get(reader, path)
        get(reader, path)
    sent = record_redis_commands(monkeypatch)
    for path in (f"/api/v1/posts/{pid}", f"/api/v1/posts/{pid}/comments"):
        sent.clear()
        warm.WARM_MISSES.clear()
        get(reader, path)
        assert not warm.WARM_MISSES
        trips = [c for c in sent if b"LIMITS:" not in c]
        assert len(trips) == 1 and b"EVALSHA" in trips[0], path


def test_warm_post_and_thread_refuse_revoked_tokens(make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "hello"}).get_json()["id"]
    paths = (f"/api/v1/posts/{pid}", f"/api/v1/posts/{pid}/comments")
    for path in paths:
        twice(reader, path)
    claims = decode_token(reader.tokens["access_token"])
    stores.cache().delete(sessions.SESSION_KEY.format(uid=reader.uid, sid=claims["sid"]))
    for path in paths:  # the cached verdict gone: MongoDB answers, still served
        get(reader, path)
    assert reader.post("/api/v1/auth/logout").status_code in (200, 204)
    for path in paths:
        r = reader.get(path)
        assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked", path


def test_anonymous_and_hidden_posts(make_user, client, ctx):
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "public"}).get_json()["id"]
    mine = author.post("/api/v1/posts", json={"text": "me", "visibility": "only_me"}).get_json()["id"]
    fol = author.post("/api/v1/posts", json={"text": "f", "visibility": "followers"}).get_json()["id"]
    for _ in range(2):
        assert client.get(f"/api/v1/posts/{pid}").status_code == 200
    warm.WARM_MISSES.clear()
    assert client.get(f"/api/v1/posts/{pid}").get_json()["text"] == "public"
    assert not warm.WARM_MISSES
    for p in (mine, fol):
        assert client.get(f"/api/v1/posts/{p}").status_code == 404
        assert reader.get(f"/api/v1/posts/{p}").status_code == 404
        assert reader.get(f"/api/v1/posts/{p}/comments").status_code == 404
    assert twice(author, f"/api/v1/posts/{mine}")["text"] == "me"  # the author's own
    reader.put(f"/api/v1/users/{author.username}/follow")
    get(reader, "/api/v1/feeds/home")  # copies the following set
    assert twice(reader, f"/api/v1/posts/{fol}")["text"] == "f"
    reader.delete(f"/api/v1/users/{author.username}/follow")
    assert reader.get(f"/api/v1/posts/{fol}").status_code == 404
    # a block either way: 404 for the post, the general path decides
    twice(reader, f"/api/v1/posts/{pid}")
    author.put(f"/api/v1/users/{reader.username}/block")
    assert reader.get(f"/api/v1/posts/{pid}").status_code == 404
    assert reader.get(f"/api/v1/posts/{pid}/comments").status_code == 404


def test_every_comment_write_shows_on_the_warm_thread(make_user, ctx):
    author, fan, reader, blocker = make_user("au"), make_user("fa"), make_user("rd"), make_user("bl")
    pid = author.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    path = f"/api/v1/posts/{pid}/comments"
    assert twice(reader, path)["items"] == []
    cid = fan.post(path, json={"text": "c1"}).get_json()["id"]
    assert [c["text"] for c in twice(reader, path)["items"]] == ["c1"]
    assert stores.cache().get(postcache.THREAD_KEY.format(id=pid)) is not None
    rid = author.post(path, json={"text": "r1", "parent_id": cid}).get_json()["id"]
    got = twice(reader, path)["items"][0]
    assert got["reply_count"] == 1 and got["replies"][0]["id"] == rid
    fan.patch(f"/api/v1/comments/{cid}", json={"text": "c1 edited"})
    got = twice(reader, path)["items"][0]
    assert got["text"] == "c1 edited" and got["edited_at"] is not None
    author.put(f"/api/v1/comments/{cid}/reaction", json={"type": "like"})
    assert twice(reader, path)["items"][0]["reactions"] == {"like": 1}
    reader.put(f"/api/v1/comments/{cid}/reaction", json={"type": "sad"})
    got = twice(reader, path)["items"][0]
    assert got["viewer_reaction"] == "sad" and got["reactions"] == {"like": 1, "sad": 1}
    reader.delete(f"/api/v1/comments/{cid}/reaction")
    got = twice(reader, path)["items"][0]
    assert got["viewer_reaction"] is None and got["reactions"] == {"like": 1}
    fan.patch("/api/v1/me", json={"display_name": "Renamed Fan"})
    assert twice(reader, path)["items"][0]["author"]["display_name"] == "Renamed Fan"
    # a viewer who blocks an author of the thread: the general path leaves them out
    bc = blocker.post(path, json={"text": "by the blocker"}).get_json()["id"]
    assert bc in ids(twice(reader, path)["items"])
    reader.put(f"/api/v1/users/{blocker.username}/block")
    get(reader, path)  # refills the block copy the block dropped
    warm.WARM_MISSES.clear()
    got = get(reader, path)
    assert bc not in ids(got["items"]) and dict(warm.WARM_MISSES) == {"thread-blocked-author": 1}
    assert got == thread_of(pid, reader.uid)
    assert bc in ids(twice(fan, path)["items"])  # others still see it, warm
    # deletion of the reply, then erasure of the commenter's account
    author.delete(f"/api/v1/comments/{rid}")
    got = twice(fan, path)["items"][0]
    assert got["reply_count"] == 0 and got["replies"] == []
    author.put(f"/api/v1/comments/{bc}/reaction", json={"type": "love"})
    assert blocker.post("/api/v1/me/deletion", json={"password": blocker.password}).status_code == 202
    assert bc not in ids(twice(fan, path)["items"])
    # the post deleted: 404, whatever copy is left
    author.delete(f"/api/v1/posts/{pid}")
    assert reader.get(path).status_code == 404 and fan.get(path).status_code == 404


def test_media_posts_are_left_to_the_general_path(make_user, ctx):
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "plain"}).get_json()["id"]
    twice(reader, f"/api/v1/posts/{pid}")
    stores.mongo().posts.update_one({"_id": postcache.ObjectId(pid)}, {"$set": {"media_ids": [postcache.ObjectId()]}})
    postcache.forget(pid)
    get(reader, f"/api/v1/posts/{pid}")
    warm.WARM_MISSES.clear()
    assert warm.warm_post(reader.uid, pid) is None
    assert dict(warm.WARM_MISSES) == {"media-or-share": 1}


def test_rate_limits_cost_one_round_trip(make_user, ctx, monkeypatch):
    """With rate limits on, all the limits of a request are one script that
    also answers their TTLs; the ``X-RateLimit-*`` headers come from what it
    answered (flask-limiter sent one script per limit, plus a ``GET`` and a
    ``TTL`` per request before session 4)."""
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "limited"}).get_json()["id"]
    twice(reader, f"/api/v1/posts/{pid}")
    sent = record_redis_commands(monkeypatch)
    r = reader.get(f"/api/v1/posts/{pid}")
    assert r.status_code == 200
    limit_trips = [c for c in sent if b"LIMITS:" in c]
    # per account, per IP, per endpoint: one script, nothing else
    assert len(limit_trips) == 1 and b"EVALSHA" in limit_trips[0], limit_trips
    remaining = int(r.headers["X-RateLimit-Remaining"])
    assert 0 <= remaining < int(r.headers["X-RateLimit-Limit"]) and int(r.headers["X-RateLimit-Reset"]) > 0
    assert len(sent) == 2  # and the post itself: one script


def test_a_deferred_revocation_check_does_not_outlive_its_request(make_user, client, ctx):
    """The deferral is per request: after a warm read (which defers the check
    to its script) in the same application context, a revoked token on an
    ordinary endpoint is still refused (it was not, when the deferral lived in
    ``g``: the moderation suite's suspended author could still post)."""
    author, reader = make_user("au"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "p"}).get_json()["id"]
    assert client.get(f"/api/v1/posts/{pid}").status_code == 200  # anonymous, deferred, nothing pending
    assert reader.get(f"/api/v1/posts/{pid}/comments").status_code == 200
    sessions.revoke_all_sessions(author.uid)
    assert client.get(f"/api/v1/posts/{pid}").status_code == 200
    assert author.post("/api/v1/posts", json={"text": "still here?"}).status_code == 401
    assert author.get("/api/v1/me").status_code == 401


def test_the_warm_thread_is_byte_for_byte_the_general_answer(make_user, ctx):
    """Same bytes, so the same ``ETag``: a client's ``If-None-Match`` from a
    general-path answer still gets its 304 from the warm path."""
    author, fan, reader = make_user("au"), make_user("fa"), make_user("rd")
    pid = author.post("/api/v1/posts", json={"text": "etag"}).get_json()["id"]
    cid = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}).get_json()["id"]
    author.post(f"/api/v1/posts/{pid}/comments", json={"text": "r", "parent_id": cid})
    reader.put(f"/api/v1/comments/{cid}/reaction", json={"type": "like"})
    path = f"/api/v1/posts/{pid}/comments"
    twice(reader, path)
    postcache.forget_thread(pid)
    warm.WARM_MISSES.clear()
    general = reader.get(path)
    assert warm.WARM_MISSES["thread-copy-missing"] == 1
    warm.WARM_MISSES.clear()
    fast = reader.get(path)
    assert not warm.WARM_MISSES
    assert fast.data == general.data and fast.headers["ETag"] == general.headers["ETag"]
    assert reader.client.get(path, headers={**reader.headers, "If-None-Match": general.headers["ETag"]}).status_code == 304
