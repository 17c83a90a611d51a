"""Audiences, blocks and shares on every read path, through HTTP."""
from __future__ import annotations

import pytest

from socialgraph import stores
from socialgraph.feeds import home as feeds
from socialgraph.operations.degrees import recount

AUDIENCES = ("public", "followers", "friends", "close_friends", "only_me")


def _link(kind: str, a_uid: str, b_uid: str) -> None:
    # FRIENDS_WITH and CLOSE_FRIEND are created by other features; tests write them directly
    stores.graph().run_text(
        f"MATCH (a:User {{uid: $a}}), (b:User {{uid: $b}}) CREATE (a)-[:{kind}]->(b)", a=a_uid, b=b_uid)
    recount(a_uid, b_uid)  # the degree counts a hand-written friendship bypasses


@pytest.fixture()
def circle(make_user, ctx):
    """An author with one post per audience and readers in each relation."""
    author, follower, friend, close, stranger = (make_user(p) for p in ("auth", "fol", "fri", "clo", "str"))
    follower.put(f"/api/v1/users/{author.username}/follow")
    _link("FRIENDS_WITH", author.uid, friend.uid)
    _link("CLOSE_FRIEND", author.uid, close.uid)
    posts = {}
    for aud in AUDIENCES:
        r = author.post("/api/v1/posts", json={"text": f"{aud} post #circle{author.uid[:6]} zebra{author.uid[:6]}",
                                               "visibility": aud})
        assert r.status_code == 201 and r.get_json()["visibility"] == aud
        posts[aud] = r.get_json()["id"]
    return {"author": author, "follower": follower, "friend": friend, "close": close, "stranger": stranger,
            "posts": posts}


EXPECTED = {
    "author": set(AUDIENCES),
    "follower": {"public", "followers"},
    "friend": {"public", "friends"},
    "close": {"public", "close_friends"},
    "stranger": {"public"},
    None: {"public"},
}


def test_audiences_on_single_reads_lists_tags_search_and_threads(circle, client):
    author, posts = circle["author"], circle["posts"]
    by_id = {v: k for k, v in posts.items()}
    tag, word = f"circle{author.uid[:6]}", f"zebra{author.uid[:6]}"
    for who, expected in EXPECTED.items():
        get = circle[who].get if who else client.get
        for aud, pid in posts.items():
            code = get(f"/api/v1/posts/{pid}").status_code
            assert code == (200 if aud in expected else 404), (who, aud)
            # comments, reactions and history of a hidden post are hidden too
            for sub in ("comments", "reactions", "history"):
                assert get(f"/api/v1/posts/{pid}/{sub}").status_code == code, (who, aud, sub)
        timeline = get(f"/api/v1/users/{author.username}/posts", query_string={"limit": 2})
        seen, page = [], timeline.get_json()
        while True:  # the prefilter keeps pages full: no empty page before the end
            assert page["items"] or not page["next_cursor"]
            seen += [by_id[p["id"]] for p in page["items"]]
            if not page["next_cursor"]:
                break
            page = get(f"/api/v1/users/{author.username}/posts",
                       query_string={"limit": 2, "cursor": page["next_cursor"]}).get_json()
        assert set(seen) == expected, who
        assert {by_id[p["id"]] for p in get(f"/api/v1/tags/{tag}/posts").get_json()["items"]} == expected
        found = get("/api/v1/search/posts", query_string={"q": word}).get_json()["items"]
        assert {by_id[p["id"]] for p in found} == expected, who
    # the tag count counts public posts only
    assert client.get(f"/api/v1/tags/%23{tag.upper()}").get_json() == {"tag": tag, "posts_count": 1}
    # the home feed of a follower has the followers-only post, not the friends' one
    home = circle["follower"].get("/api/v1/feeds/home").get_json()["items"]
    assert {by_id[p["id"]] for p in home if p["id"] in by_id} == {"public", "followers"}
    disc = circle["friend"].get("/api/v1/feeds/discover", query_string={"limit": 100}).get_json()["items"]
    assert {by_id[p["id"]] for p in disc if p["id"] in by_id} == {"public"}
    # nobody but the audience can comment on or react to a hidden post
    stranger = circle["stranger"]
    assert stranger.post(f"/api/v1/posts/{posts['friends']}/comments", json={"text": "hi"}).status_code == 404
    assert stranger.put(f"/api/v1/posts/{posts['friends']}/reaction", json={"type": "love"}).status_code == 404
    assert circle["friend"].post(f"/api/v1/posts/{posts['friends']}/comments", json={"text": "hi"}).status_code == 201


def test_prefilter_agrees_with_can_view_post(circle):
    from socialgraph.content import visibility
    from socialgraph.graph import relations

    db = stores.mongo()
    for who in ("author", "follower", "friend", "close", "stranger"):
        uid = circle[who].uid
        docs = list(db.posts.find({"author_id": circle["author"].uid}))
        one_by_one = {str(d["_id"]) for d in docs if visibility.can_view_post(uid, d)}
        flt = {"$and": [{"author_id": circle["author"].uid}, visibility.prefilter(uid)]}
        assert {str(d["_id"]) for d in db.posts.find(flt)} == one_by_one
        in_memory = {str(d["_id"]) for d in docs if visibility.visible_with(
            uid, d, audience=relations.audience_sets(uid), blocked=relations.blocked_either_way(uid))}
        assert in_memory == one_by_one


def test_blocks_hide_posts_threads_and_reactions_both_ways(make_user, client):
    a, b, c = make_user(), make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "before the block"}).get_json()["id"]
    cid = c.post(f"/api/v1/posts/{pid}/comments", json={"text": "c comments"}).get_json()["id"]
    b.post(f"/api/v1/posts/{pid}/comments", json={"text": "b comments"})
    b.put(f"/api/v1/posts/{pid}/reaction", json={"type": "sad"})
    assert b.put(f"/api/v1/users/{a.username}/block").status_code == 200
    for path in ("", "/comments", "/reactions", "/history"):
        assert b.get(f"/api/v1/posts/{pid}{path}").status_code == 404
    assert b.get(f"/api/v1/users/{a.username}/posts").status_code == 404
    assert a.get(f"/api/v1/posts/{pid}").status_code == 200
    # a no longer sees b's comment nor b's reaction in the lists
    texts = [x["text"] for x in a.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]]
    assert texts == ["c comments"]
    assert a.get(f"/api/v1/posts/{pid}/reactions").get_json()["items"] == []
    assert c.get(f"/api/v1/posts/{pid}/reactions").get_json()["items"][0]["user"]["uid"] == b.uid
    assert b.put(f"/api/v1/comments/{cid}/reaction", json={}).status_code == 404


def test_edit_history_and_foreign_edits(make_user, client):
    a, b = make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "first #one"}).get_json()["id"]
    assert a.patch(f"/api/v1/posts/{pid}", json={"text": "second #two"}).status_code == 200
    r = a.patch(f"/api/v1/posts/{pid}", json={"content_warning": "cw", "visibility": "followers"})
    assert r.status_code == 200
    post = r.get_json()
    assert post["sensitive"] and post["content_warning"] == "cw" and post["edited"] and post["text"] == "second #two"
    assert a.patch(f"/api/v1/posts/{pid}", json={}).status_code == 422
    assert a.patch(f"/api/v1/posts/{pid}", json={"visibility": "everyone"}).status_code == 422
    hist = a.get(f"/api/v1/posts/{pid}/history").get_json()["items"]
    assert [h["text"] for h in hist] == ["first #one", "second #two"]
    assert [h["visibility"] for h in hist] == ["public", "public"]
    # b is not a follower any more able to see it; a follower can read the history
    assert b.get(f"/api/v1/posts/{pid}/history").status_code == 404
    b.put(f"/api/v1/users/{a.username}/follow")
    assert b.get(f"/api/v1/posts/{pid}/history").status_code == 200
    assert b.patch(f"/api/v1/posts/{pid}", json={"text": "mine now"}).status_code == 403
    assert b.delete(f"/api/v1/posts/{pid}").status_code == 403
    cid = a.post(f"/api/v1/posts/{pid}/comments", json={"text": "a's comment"}).get_json()["id"]
    assert b.patch(f"/api/v1/comments/{cid}", json={"text": "b edits"}).status_code == 403
    assert b.delete(f"/api/v1/comments/{cid}").status_code == 403
    assert a.get(f"/api/v1/posts/{pid}").get_json()["text"] == "second #two"


def test_comment_on_deleted_post_and_reply_levels(make_user, ctx):
    from bson import ObjectId

    a, b = make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "short-lived"}).get_json()["id"]
    top = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "top"}).get_json()
    for i in range(5):
        a.post(f"/api/v1/posts/{pid}/comments", json={"text": f"reply {i}", "parent_id": top["id"]})
    thread = b.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]
    assert thread[0]["reply_count"] == 5 and len(thread[0]["replies"]) == 3  # inline preview
    page1 = b.get(f"/api/v1/posts/{pid}/comments", query_string={"parent_id": top["id"], "limit": 2}).get_json()
    page2 = b.get(f"/api/v1/posts/{pid}/comments",
                  query_string={"parent_id": top["id"], "limit": 10, "cursor": page1["next_cursor"]}).get_json()
    assert [c["text"] for c in page1["items"] + page2["items"]] == [f"reply {i}" for i in range(5)]
    assert page2["next_cursor"] is None
    assert a.delete(f"/api/v1/posts/{pid}").status_code == 204
    r = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "too late"})
    assert r.status_code == 404
    assert stores.mongo().comments.count_documents({"post_id": ObjectId(pid)}) == 0


def test_reaction_types_counts_and_who_reacted(make_user):
    a = make_user()
    pid = a.post("/api/v1/posts", json={"text": "react"}).get_json()["id"]
    users = [make_user() for _ in range(4)]
    for u, t in zip(users, ("love", "love", "laugh", "angry")):
        assert u.put(f"/api/v1/posts/{pid}/reaction", json={"type": t}).status_code == 200
    assert a.put(f"/api/v1/posts/{pid}/reaction", json={"type": "wow"}).status_code == 422
    post = a.get(f"/api/v1/posts/{pid}").get_json()
    assert post["counts"]["reactions"] == {"love": 2, "laugh": 1, "angry": 1}
    p1 = a.get(f"/api/v1/posts/{pid}/reactions", query_string={"limit": 3}).get_json()
    p2 = a.get(f"/api/v1/posts/{pid}/reactions", query_string={"limit": 3, "cursor": p1["next_cursor"]}).get_json()
    assert [x["user"]["uid"] for x in p1["items"] + p2["items"]] == [u.uid for u in reversed(users)]
    loves = a.get(f"/api/v1/posts/{pid}/reactions", query_string={"type": "love"}).get_json()["items"]
    assert {x["user"]["username"] for x in loves} == {users[0].username, users[1].username}
    assert a.get(f"/api/v1/posts/{pid}/reactions", query_string={"type": "meh"}).status_code == 422
    cid = a.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}).get_json()["id"]
    users[0].put(f"/api/v1/comments/{cid}/reaction", json={"type": "sad"})
    assert a.get(f"/api/v1/comments/{cid}/reactions").get_json()["items"][0]["type"] == "sad"


def test_reposts_and_quotes_follow_the_original(make_user, client):
    a, b, c = make_user("orig"), make_user("sharer"), make_user("reader")
    pid = a.post("/api/v1/posts", json={"text": "worth sharing"}).get_json()["id"]
    repost = b.post(f"/api/v1/posts/{pid}/shares", json={})
    assert repost.status_code == 201
    repost = repost.get_json()
    assert repost["kind"] == "repost" and repost["shared_post"]["id"] == pid
    assert repost["shared_post"]["counts"]["shares"] == 1
    assert b.post(f"/api/v1/posts/{pid}/shares", json={}).status_code == 409
    quote = c.post(f"/api/v1/posts/{pid}/shares", json={"text": "so true"}).get_json()
    assert quote["kind"] == "quote" and quote["text"] == "so true"
    assert client.get(f"/api/v1/posts/{pid}").get_json()["counts"]["shares"] == 2
    private = a.post("/api/v1/posts", json={"text": "mine", "visibility": "friends"}).get_json()["id"]
    assert a.post(f"/api/v1/posts/{private}/shares", json={}).status_code == 403
    assert b.post(f"/api/v1/posts/{private}/shares", json={}).status_code == 404

    # the original becomes hidden (only me): the repost disappears, the quote stays without it
    a.patch(f"/api/v1/posts/{pid}", json={"visibility": "only_me"})
    assert c.get(f"/api/v1/posts/{repost['id']}").status_code == 404
    assert [p["id"] for p in c.get(f"/api/v1/users/{b.username}/posts").get_json()["items"]] == []
    q = c.get(f"/api/v1/posts/{quote['id']}").get_json()
    assert q["shared_post"] is None and q["share_unavailable"] is True
    # the original's author still sees the repost of their own post
    assert a.get(f"/api/v1/posts/{repost['id']}").status_code == 200
    # deleting a share decrements the count
    assert b.delete(f"/api/v1/posts/{repost['id']}").status_code == 204
    assert a.get(f"/api/v1/posts/{pid}").get_json()["counts"]["shares"] == 1


def test_content_events_are_published(make_user, monkeypatch):
    from socialgraph.core import events

    seen = []
    real = events.publish
    monkeypatch.setattr(events, "publish", lambda name, **p: seen.append((name, p)) or real(name, **p))
    a, b, blocked = make_user(), make_user(), make_user()
    blocked.put(f"/api/v1/users/{a.username}/block")
    pid = a.post("/api/v1/posts", json={"text": f"hi @{b.username} @{blocked.username} @nobody_here_x"}).get_json()["id"]
    cid = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "top"}).get_json()["id"]
    a.post(f"/api/v1/posts/{pid}/comments", json={"text": f"re @{b.username}", "parent_id": cid})
    b.put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"})
    share = b.post(f"/api/v1/posts/{pid}/shares", json={"text": "quoting"}).get_json()["id"]
    a.patch(f"/api/v1/posts/{pid}", json={"text": "edited"})
    names = [n for n, _ in seen]
    assert names.count("post.created") == 2 and "post.updated" in names and "post.shared" in names
    mentions = [p for n, p in seen if n == "user.mentioned"]
    assert mentions[0] == {"mentioned_uid": b.uid, "by_uid": a.uid, "post_id": pid, "comment_id": ""}
    assert len(mentions) == 2 and mentions[1]["comment_id"] and mentions[1]["mentioned_uid"] == b.uid
    comments = [p for n, p in seen if n == "comment.created"]
    assert comments[0]["parent_author_id"] == "" and comments[1]["parent_author_id"] == b.uid
    assert comments[1]["post_author_id"] == a.uid
    assert ("reaction.created", {"target": f"post:{pid}", "user_id": b.uid, "owner_id": a.uid, "type": "love",
                                 "post_id": pid}) in seen
    assert ("post.shared", {"post_id": pid, "share_id": share, "user_id": b.uid, "owner_id": a.uid}) in seen


def test_comment_reactions_counts_viewer_reaction_and_notification_link(make_user):
    """Issue 19: typed reactions on comments as on posts: counts and the caller's
    own reaction on every comment of a thread (nested replies too) and on
    ``GET /comments/{id}``; the author's notification leads to the post."""
    a, b, c = make_user("cr"), make_user("cr"), make_user("cr")
    pid = a.post("/api/v1/posts", json={"text": "thread for reactions"}).get_json()["id"]
    top = a.post(f"/api/v1/posts/{pid}/comments", json={"text": "top"}).get_json()
    assert top["viewer_reaction"] is None and top["reactions"] == {}
    reply = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply", "parent_id": top["id"]}).get_json()
    assert b.put(f"/api/v1/comments/{top['id']}/reaction", json={"type": "love"}).get_json() == {
        "reaction": "love", "counts": {"love": 1}}
    c.put(f"/api/v1/comments/{top['id']}/reaction", json={"type": "laugh"})
    c.put(f"/api/v1/comments/{reply['id']}/reaction", json={"type": "sad"})
    thread = c.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]
    assert thread[0]["reactions"] == {"love": 1, "laugh": 1} and thread[0]["viewer_reaction"] == "laugh"
    assert thread[0]["replies"][0]["reactions"] == {"sad": 1} and thread[0]["replies"][0]["viewer_reaction"] == "sad"
    mine = b.get(f"/api/v1/comments/{top['id']}").get_json()
    assert mine["viewer_reaction"] == "love" and mine["reactions"] == {"love": 1, "laugh": 1} and mine["replies"] == []
    # taking it back
    b.delete(f"/api/v1/comments/{top['id']}/reaction")
    assert b.get(f"/api/v1/comments/{top['id']}").get_json()["viewer_reaction"] is None
    assert a.get(f"/api/v1/comments/{top['id']}").get_json()["reactions"] == {"laugh": 1}
    # the comment's author is told, with a link to the post and the comment
    n = [x for x in a.get("/api/v1/notifications").get_json()["items"] if x["type"] == "reaction"][0]
    assert n["object"]["post_id"] == pid and n["object"]["comment_id"] == top["id"]
    assert n["summary"].endswith("reacted to your comment")
    # hidden like its post: a blocked user gets 404
    a.put(f"/api/v1/users/{c.username}/block")
    assert c.get(f"/api/v1/comments/{top['id']}").status_code == 404
    assert c.get("/api/v1/comments/000000000000000000000000").status_code == 404
