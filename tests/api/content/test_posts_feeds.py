"""Posts, comments, reactions and feeds through HTTP."""
from __future__ import annotations

from bson import ObjectId

PROBLEM = "application/problem+json"


def test_post_crud_and_ownership(client, make_user, ctx):
    a, b = make_user("author"), make_user("other")
    r = a.post("/api/v1/posts", json={"text": "Hello #World and #world, ping @" + b.username})
    assert r.status_code == 201
    post = r.get_json()
    assert post["hashtags"] == ["world"] and post["mentions"] == [b.username]
    assert post["author"]["username"] == a.username

    r = client.get(f"/api/v1/posts/{post['id']}")
    assert r.status_code == 200 and (r.get_json()["id"], r.get_json()["text"]) == (post["id"], post["text"])
    r = b.patch(f"/api/v1/posts/{post['id']}", json={"text": "hijacked"})
    assert r.status_code == 403 and r.mimetype == PROBLEM
    assert b.delete(f"/api/v1/posts/{post['id']}").status_code == 403
    assert client.get(f"/api/v1/posts/{post['id']}").get_json()["text"].startswith("Hello")

    r = a.patch(f"/api/v1/posts/{post['id']}", json={"text": "edited #new"})
    assert r.status_code == 200 and r.get_json()["hashtags"] == ["new"] and r.get_json()["edited_at"]

    a.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "a comment"})
    a.put(f"/api/v1/posts/{post['id']}/reaction", json={"type": "love"})
    assert a.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    assert client.get(f"/api/v1/posts/{post['id']}").status_code == 404
    from socialgraph import stores

    db = stores.mongo()
    assert db.comments.count_documents({"post_id": ObjectId(post["id"])}) == 0
    assert db.reactions.count_documents({"target": f"post:{post['id']}"}) == 0


def test_post_validation_nothing_written(make_user, ctx):
    from socialgraph import stores

    a = make_user()
    before = stores.mongo().posts.count_documents({"author_id": a.uid})
    for body in ({"text": ""}, {"text": "x" * 5001}, {"text": 5}, {"text": "ok", "visibility": "x"}, {}):
        r = a.post("/api/v1/posts", json=body)
        assert r.status_code == 422, body
        assert r.mimetype == PROBLEM
    assert stores.mongo().posts.count_documents({"author_id": a.uid}) == before
    assert a.get("/api/v1/posts/not-an-id").status_code == 404
    assert a.get(f"/api/v1/posts/{ObjectId()}").status_code == 404


def test_comment_thread_shape(client, make_user):
    a, b = make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    c1 = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "top"}).get_json()
    c2 = a.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply", "parent_id": c1["id"]}).get_json()
    c3 = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply to reply",
                                                       "parent_id": c2["id"]}).get_json()
    assert (c1["depth"], c2["depth"], c3["depth"]) == (0, 1, 2)
    thread = client.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]
    assert len(thread) == 1 and thread[0]["reply_count"] == 1
    assert thread[0]["replies"][0]["id"] == c2["id"]
    assert thread[0]["replies"][0]["replies"][0]["text"] == "reply to reply"
    assert client.get(f"/api/v1/posts/{pid}").get_json()["counts"]["comments"] == 3

    # a reply to a comment of another post is refused
    other = a.post("/api/v1/posts", json={"text": "other"}).get_json()["id"]
    r = a.post(f"/api/v1/posts/{other}/comments", json={"text": "x", "parent_id": c1["id"]})
    assert r.status_code == 404

    # deleting a comment with replies leaves a placeholder
    assert a.delete(f"/api/v1/comments/{c1['id']}").status_code == 204  # post author may
    thread = client.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]
    assert thread[0]["deleted"] is True and thread[0]["text"] is None and thread[0]["author"] is None
    assert thread[0]["replies"][0]["id"] == c2["id"]
    # a stranger cannot delete
    stranger = make_user()
    assert stranger.delete(f"/api/v1/comments/{c3['id']}").status_code == 403


def test_reactions_one_per_user_changeable(client, make_user):
    a, b = make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "react to me"}).get_json()["id"]
    assert b.put(f"/api/v1/posts/{pid}/reaction", json={}).get_json()["counts"] == {"like": 1}
    assert b.put(f"/api/v1/posts/{pid}/reaction", json={"type": "like"}).get_json()["counts"] == {"like": 1}
    assert b.put(f"/api/v1/posts/{pid}/reaction", json={"type": "laugh"}).get_json()["counts"] == {"laugh": 1}
    assert a.put(f"/api/v1/posts/{pid}/reaction", json={"type": "laugh"}).get_json()["counts"] == {"laugh": 2}
    post = b.get(f"/api/v1/posts/{pid}").get_json()
    assert post["viewer_reaction"] == "laugh" and post["counts"]["reactions_total"] == 2
    r = b.put(f"/api/v1/posts/{pid}/reaction", json={"type": "meh"})
    assert r.status_code == 422
    assert b.delete(f"/api/v1/posts/{pid}/reaction").get_json()["counts"] == {"laugh": 1}
    assert b.delete(f"/api/v1/posts/{pid}/reaction").get_json()["counts"] == {"laugh": 1}


def test_home_feed_follows_and_pagination(client, make_user):
    reader, w1, w2, stranger = make_user("reader"), make_user("w1"), make_user("w2"), make_user("s")
    reader.put(f"/api/v1/users/{w1.username}/follow")
    reader.put(f"/api/v1/users/{w2.username}/follow")
    ids = []
    for i in range(7):
        writer = (w1, w2)[i % 2]
        ids.append(writer.post("/api/v1/posts", json={"text": f"post {i}"}).get_json()["id"])
    stranger.post("/api/v1/posts", json={"text": "not for the reader"})
    own = reader.post("/api/v1/posts", json={"text": "my own"}).get_json()["id"]

    got, cursor = [], None
    while True:
        r = reader.get("/api/v1/feeds/home", query_string={"limit": 3} | ({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200
        got += [p["id"] for p in r.get_json()["items"]]
        cursor = r.get_json()["next_cursor"]
        if not cursor:
            break
    assert got == [own] + list(reversed(ids))

    reader.delete(f"/api/v1/users/{w2.username}/follow")
    feed = reader.get("/api/v1/feeds/home", query_string={"limit": 50}).get_json()["items"]
    assert {p["author"]["username"] for p in feed} == {reader.username, w1.username}
    assert client.get("/api/v1/feeds/home").status_code == 401

    disc = client.get("/api/v1/feeds/discover", query_string={"limit": 5, "sort": "new"}).get_json()["items"]
    assert disc[0]["id"] == own


def test_concurrent_reaction_changes_keep_counts_exact(app, make_user):
    """Reaction writes are compare-and-set: threads changing and removing the
    same user's reaction at once leave counts equal to what is stored."""
    import threading

    from socialgraph import stores
    from socialgraph.content import reactions
    from socialgraph.core.errors import Conflict

    author, fan = make_user("ca"), make_user("cf")
    pid = author.post("/api/v1/posts", json={"text": "race"}).get_json()["id"]

    def worker(seq):
        with app.app_context():
            for t in seq:
                try:
                    reactions.unreact("post", pid, fan.uid) if t is None else reactions.react("post", pid, fan.uid, t)
                except Conflict:
                    pass

    seqs = [["like", "love", None, "sad"] * 4, ["laugh", None, "like", "angry"] * 4,
            ["sad", "sad", "love", None] * 4, ["angry", "like", "laugh", "love"] * 4]
    threads = [threading.Thread(target=worker, args=(s,)) for s in seqs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        db = stores.mongo()
        counts = (db.posts.find_one({"_id": ObjectId(pid)})["counts"].get("reactions") or {})
        stored = list(db.reactions.find({"target": f"post:{pid}"}))
    assert len(stored) <= 1  # one per user and target, whichever write came last
    assert {k: v for k, v in counts.items() if v} == {d["type"]: 1 for d in stored}
    assert all(v >= 0 for v in counts.values())
