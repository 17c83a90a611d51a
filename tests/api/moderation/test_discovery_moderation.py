"""Hashtag pages, search and moderation through HTTP."""
from __future__ import annotations

from bson import ObjectId

from socialgraph import stores
from tests.conftest import unique


def test_hashtag_page_newest_first_and_search(make_user, client):
    a, b = make_user(), make_user()
    tag = unique("tag").replace("_", "")  # one search word (word splitting may cut at "_")
    ids = [a.post("/api/v1/posts", json={"text": f"Brewing day {i} #{tag}"}).get_json()["id"] for i in range(3)]
    page1 = client.get(f"/api/v1/tags/{tag.upper()}/posts", query_string={"limit": 2}).get_json()
    page2 = client.get(f"/api/v1/tags/{tag}/posts", query_string={"limit": 2, "cursor": page1["next_cursor"]}).get_json()
    assert [p["id"] for p in page1["items"] + page2["items"]] == list(reversed(ids))
    assert client.get(f"/api/v1/tags/{tag}").get_json()["posts_count"] == 3
    # words (any case, any order, any inflection) and hashtags
    hits = client.get("/api/v1/search/posts", query_string={"q": f"DAYS 1 #{tag}"}).get_json()["items"]
    assert [p["id"] for p in hits] == list(reversed(ids))  # "1" is too short to count
    # ranked by how many words match, then newest: a word no post has does not hide the others
    other = b.post("/api/v1/posts", json={"text": f"brewed {tag} nothinglikethis"}).get_json()["id"]
    hits = client.get("/api/v1/search/posts", query_string={"q": f"brewing {tag} nothinglikethis"}).get_json()
    assert [p["id"] for p in hits["items"]] == [other, *reversed(ids)]
    page1 = client.get("/api/v1/search/posts", query_string={"q": f"brewing {tag} nothinglikethis", "limit": 2}).get_json()
    page2 = client.get("/api/v1/search/posts", query_string={"q": f"brewing {tag} nothinglikethis", "limit": 2,
                                                              "cursor": page1["next_cursor"]}).get_json()
    assert [p["id"] for p in page1["items"] + page2["items"]] == [other, *reversed(ids)]
    assert page2["next_cursor"] is None
    b.delete(f"/api/v1/posts/{other}")
    assert client.get("/api/v1/search/posts", query_string={"q": "!"}).status_code == 422
    # an edit updates the keywords
    a.patch(f"/api/v1/posts/{ids[0]}", json={"text": "renamed entirely"})
    hits = client.get("/api/v1/search/posts", query_string={"q": tag}).get_json()["items"]
    assert ids[0] not in [p["id"] for p in hits]
    # search hides blocked authors
    b.put(f"/api/v1/users/{a.username}/block")
    assert b.get("/api/v1/search/posts", query_string={"q": tag}).get_json()["items"] == []


def test_user_search_by_prefix_and_display_name(make_user, client):
    stem = unique("zq")
    u1, u2, u3 = make_user(stem + "a"), make_user(stem + "b"), make_user()
    u3.patch("/api/v1/me", json={"display_name": f"Ada {stem.upper()}lace"})
    # two by username prefix, one by a display-name word; ordered by the matching name
    expected = [name for _, name in sorted([(u1.username, u1.username), (u2.username, u2.username),
                                             ((stem + "lace").lower(), u3.username)])]
    items = client.get("/api/v1/search/users", query_string={"q": stem.upper(), "limit": 2}).get_json()
    assert [i["username"] for i in items["items"]] == expected[:2]
    more = client.get("/api/v1/search/users", query_string={"q": stem, "cursor": items["next_cursor"]}).get_json()
    assert [i["username"] for i in more["items"]] == expected[2:] and more["next_cursor"] is None
    # a word of the display name must start with the query, not contain it
    found = client.get("/api/v1/search/users", query_string={"q": stem[3:] + "lace"}).get_json()["items"]
    assert u3.username not in [i["username"] for i in found]
    u1.put(f"/api/v1/users/{u2.username}/block")
    names = [i["username"] for i in u2.get("/api/v1/search/users", query_string={"q": stem}).get_json()["items"]]
    assert u1.username not in names and u3.username in names


def _admin(make_user):
    admin = make_user("admin")
    stores.mongo().accounts.update_one({"_id": admin.uid}, {"$set": {"role": "admin"}})
    return admin


def test_reports_queue_actions_and_audit_log(make_user, client, ctx, subtests):
    """A scenario in steps, each a subtest: a step that breaks does not hide the later ones."""
    admin = _admin(make_user)
    author, reporter, other = make_user(), make_user(), make_user()
    pid = author.post("/api/v1/posts", json={"text": "buy cheap stuff"}).get_json()["id"]
    cid = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "spam comment"}).get_json()["id"]
    r = reporter.post("/api/v1/reports", json={"target_type": "post", "target_id": pid, "reason": "spam"})
    assert r.status_code == 201 and r.get_json()["status"] == "open"
    rep_post = r.get_json()["id"]
    assert other.post("/api/v1/reports", json={"target_type": "post", "target_id": pid,
                                               "reason": "other"}).status_code == 201
    rep_comment = reporter.post("/api/v1/reports", json={"target_type": "comment", "target_id": cid,
                                                         "reason": "spam"}).get_json()["id"]
    rep_user = reporter.post("/api/v1/reports", json={"target_type": "user", "target_id": author.username,
                                                      "reason": "harassment", "details": "DMs"}).get_json()["id"]

    with subtests.test("filing: twice is 409, an unknown reason 422, an unknown post 404"):
        assert reporter.post("/api/v1/reports", json={"target_type": "post", "target_id": pid,
                                                      "reason": "spam"}).status_code == 409
        assert reporter.post("/api/v1/reports", json={"target_type": "post", "target_id": pid,
                                                      "reason": "boring"}).status_code == 422
        assert reporter.post("/api/v1/reports", json={"target_type": "post", "target_id": str(ObjectId()),
                                                      "reason": "spam"}).status_code == 404
    with subtests.test("only admins see the queue and act"):
        assert reporter.get("/api/v1/moderation/reports").status_code == 403
        assert reporter.post(f"/api/v1/moderation/reports/{rep_post}/actions",
                             json={"action": "dismiss"}).status_code == 403
        queue = admin.get("/api/v1/moderation/reports", query_string={"limit": 100})
        assert queue.status_code == 200
        mine = [q["id"] for q in queue.get_json()["items"]]
        assert {rep_post, rep_comment, rep_user} <= set(mine)
    with subtests.test("remove_content deletes the post with its comments"):
        r = admin.post(f"/api/v1/moderation/reports/{rep_post}/actions", json={"action": "remove_content", "note": "spam"})
        assert r.status_code == 200 and r.get_json()["status"] == "actioned"
        assert client.get(f"/api/v1/posts/{pid}").status_code == 404
        assert stores.mongo().comments.count_documents({"post_id": ObjectId(pid)}) == 0
    with subtests.test("the other report on the post is closed too; acting twice is a conflict"):
        open_ids = [q["id"] for q in admin.get("/api/v1/moderation/reports",
                                                query_string={"limit": 100}).get_json()["items"]]
        assert rep_post not in open_ids and rep_comment in open_ids
        assert admin.post(f"/api/v1/moderation/reports/{rep_post}/actions", json={"action": "dismiss"}).status_code == 409
    with subtests.test("remove_content on a user is 422; a dismiss is 200"):
        assert admin.post(f"/api/v1/moderation/reports/{rep_user}/actions",
                          json={"action": "remove_content"}).status_code == 422
        assert admin.post(f"/api/v1/moderation/reports/{rep_comment}/actions",
                          json={"action": "dismiss"}).status_code == 200
    with subtests.test("suspension: sessions end at once and login is refused"):
        assert author.get("/api/v1/me").status_code == 200
        r = admin.post(f"/api/v1/moderation/reports/{rep_user}/actions", json={"action": "suspend_user"})
        assert r.status_code == 200
        assert stores.mongo().accounts.find_one({"_id": author.uid})["status"] == "suspended"
        assert author.post("/api/v1/posts", json={"text": "still here?"}).status_code == 401
        login = client.post("/api/v1/auth/login", json={"login": author.username, "password": author.password})
        assert login.status_code == 401
    with subtests.test("the audit log: newest first, with actor and note; admins only"):
        audit = admin.get("/api/v1/moderation/audit", query_string={"limit": 100}).get_json()["items"]
        mine = [e for e in audit if e["report_id"] in (rep_post, rep_comment, rep_user)]
        assert [e["action"] for e in mine] == ["suspend_user", "dismiss", "remove_content"]
        assert mine[2]["actor_id"] == admin.uid and mine[2]["note"] == "spam" and mine[2]["target_id"] == pid
        assert reporter.get("/api/v1/moderation/audit").status_code == 403


def test_moderator_removes_a_comment_with_replies_as_placeholder(make_user, client, ctx):
    admin = _admin(make_user)
    a, b = make_user(), make_user()
    pid = a.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    cid = b.post(f"/api/v1/posts/{pid}/comments", json={"text": "rude"}).get_json()["id"]
    a.post(f"/api/v1/posts/{pid}/comments", json={"text": "reply", "parent_id": cid})
    rid = a.post("/api/v1/reports", json={"target_type": "comment", "target_id": cid,
                                          "reason": "harassment"}).get_json()["id"]
    assert admin.post(f"/api/v1/moderation/reports/{rid}/actions", json={"action": "remove_content"}).status_code == 200
    top = client.get(f"/api/v1/posts/{pid}/comments").get_json()["items"][0]
    assert top["deleted"] and top["text"] is None and top["replies"][0]["text"] == "reply"
    # when its last reply goes, the placeholder goes too
    assert a.delete(f"/api/v1/comments/{top['replies'][0]['id']}").status_code == 204
    assert client.get(f"/api/v1/posts/{pid}/comments").get_json()["items"] == []
    assert client.get(f"/api/v1/posts/{pid}").get_json()["counts"]["comments"] == 0
