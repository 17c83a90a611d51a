"""Export (zip, AS2, presigned link, event + email), import into another
account, and account deletion across all four stores (resumable)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from socialgraph.core import events


@pytest.fixture()
def published(monkeypatch):
    """Record domain events as they are published (and still queue their subscribers)."""
    seen = []
    real = events.publish

    def spy(event, **payload):
        seen.append((event, payload))
        return real(event, **payload)

    monkeypatch.setattr(events, "publish", spy)
    return seen


def _put_media(app, uid, name=b"hello media"):
    from socialgraph import stores

    with app.app_context():
        stores.objects().put_object(app.config["S3_BUCKET"], f"users/{uid}/media/a.txt", io.BytesIO(name), len(name))


def _populated(make_user):
    owner, friend, pest = make_user("exp"), make_user("fr"), make_user("pest")
    owner.patch("/api/v1/me", json={"display_name": "Exporter", "bio": "my bio"})
    owner.put(f"/api/v1/users/{friend.username}/follow")
    friend.put(f"/api/v1/users/{owner.username}/follow")
    owner.put(f"/api/v1/users/{pest.username}/block")
    p1 = owner.post("/api/v1/posts", json={"text": "first #hello post"}).get_json()
    p2 = owner.post("/api/v1/posts", json={"text": "second post"}).get_json()
    fp = friend.post("/api/v1/posts", json={"text": "friend's post"}).get_json()
    c1 = owner.post(f"/api/v1/posts/{fp['id']}/comments", json={"text": "nice"}).get_json()
    friend.post(f"/api/v1/posts/{fp['id']}/comments", json={"text": "reply", "parent_id": c1["id"]})
    owner.put(f"/api/v1/posts/{fp['id']}/reaction", json={"type": "love"})
    friend.put(f"/api/v1/posts/{p1['id']}/reaction", json={"type": "like"})
    friend.post(f"/api/v1/posts/{p1['id']}/comments", json={"text": "on owner's post"})
    _populate_new_areas(owner, friend)
    return owner, friend, pest, p1, p2, fp, c1


def _populate_new_areas(owner, friend):
    """Messages, notifications, stories, groups, media and lists of ``owner``."""
    from tests.mediafiles import png

    conv = owner.post("/api/v1/conversations", json={"members": [friend.username]}).get_json()
    assert owner.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "hi friend"}).status_code == 201
    friend.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "hi owner"})
    owner.patch("/api/v1/notifications/preferences", json={"preferences": {"follow": {"email": True}}})
    story = owner.post("/api/v1/stories", json={"text": "my story"}).get_json()
    r = owner.post("/api/v1/stories/image", data={"image": (io.BytesIO(png()), "s.png")},
                   content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert owner.post("/api/v1/highlights", json={"title": "best", "story_ids": [story["id"]]}).status_code == 201
    friend.get(f"/api/v1/stories/{story['id']}")
    friend.post(f"/api/v1/stories/{story['id']}/replies", json={"text": "nice story"})
    fstory = friend.post("/api/v1/stories", json={"text": "friend's story"}).get_json()
    owner.put(f"/api/v1/stories/{fstory['id']}/reaction", json={"emoji": "🔥"})
    shared = owner.post("/api/v1/groups", json={"name": "shared group"}).get_json()
    assert friend.post(f"/api/v1/groups/{shared['id']}/join").status_code == 200
    solo = owner.post("/api/v1/groups", json={"name": "solo group"}).get_json()
    owner.post(f"/api/v1/groups/{solo['id']}/posts", json={"text": "alone here"})
    ev = owner.post(f"/api/v1/groups/{shared['id']}/events",
                    json={"title": "meetup", "starts_at": "2099-01-01T10:00:00Z"}).get_json()
    owner.put(f"/api/v1/groups/{shared['id']}/events/{ev['id']}/rsvp", json={"status": "going"})
    r = owner.post("/api/v1/media", data={"file": (io.BytesIO(png()), "m.png", "image/png")},
                   content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    lst = owner.post("/api/v1/me/lists", json={"name": "close ones"}).get_json()
    owner.put(f"/api/v1/me/lists/{lst['id']}/members/{friend.username}")
    owner.put(f"/api/v1/me/close-friends/{friend.username}")
    r = owner.client.post("/api/v1/notifications/read-all", headers={**owner.headers, "Idempotency-Key": "k-1"})
    assert r.status_code == 200
    owner.extra = {"shared": shared, "solo": solo, "list_id": lst["id"], "conversation": conv["id"],
                   "friend_story": fstory["id"]}


def test_export_archive_link_event_and_email(app, client, make_user, mailbox, published, subtests):
    owner, friend, pest, p1, p2, fp, c1 = _populated(make_user)
    _put_media(app, owner.uid)
    r = owner.post("/api/v1/me/exports")
    assert r.status_code == 202
    export_id = r.get_json()["id"]
    with subtests.test('the export is ready, announced and mailed'):
        r = owner.get(f"/api/v1/me/exports/{export_id}")
        body = r.get_json()
        assert body["status"] == "ready" and body["download_url"] and body["size"] > 0
        assert ("export.ready", {"user_id": owner.uid, "export_id": export_id}) in published
        mail = [m for m in mailbox.messages_to(owner.email) if "export" in m["Subject"].lower()]
        assert mail and "X-Amz-Signature" in mail[-1].get_content()
    with subtests.test('the archive: ActivityStreams files, account and media'):
        data = requests.get(body["download_url"], timeout=10).content
        assert requests.get(body["download_url"].replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=10).status_code == 403
        zf = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "socialgraph-export" and manifest["username"] == owner.username
        assert set(manifest["files"]) >= {"actor.json", "outbox.json", "comments.json", "likes.json",
                                          "relationships.json", "account.json", "media/media/a.txt"}
        actor = json.loads(zf.read("actor.json"))
        assert actor["type"] == "Person" and actor["name"] == "Exporter" and actor["summary"] == "my bio"
        outbox = json.loads(zf.read("outbox.json"))
        assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 3
        notes = [i["object"] for i in outbox["orderedItems"]]
        assert [n["content"] for n in notes if n["sg:visibility"] == "group"] == ["alone here"]
        notes = [n for n in notes if n["sg:visibility"] != "group"]
        assert [n["content"] for n in notes] == ["first #hello post", "second post"]
        assert notes[0]["tag"] == [{"type": "Hashtag", "name": "#hello"}] and notes[0]["published"].endswith("Z")
        rel = json.loads(zf.read("relationships.json"))
        assert rel["following"] == [friend.username] and rel["followers"] == [friend.username]
        assert rel["blocking"] == [pest.username]
        likes = json.loads(zf.read("likes.json"))["orderedItems"]
        assert likes[0]["type"] == "Like" and likes[0]["sg:reaction"] == "love"
        comments = json.loads(zf.read("comments.json"))["orderedItems"]
        assert comments[0]["content"] == "nice" and comments[0]["inReplyTo"].endswith(fp["id"])
        account = json.loads(zf.read("account.json"))
        assert account["email"] == owner.email and "password_hash" not in json.dumps(account)
        assert zf.read("media/media/a.txt") == b"hello media"
    with subtests.test('the archive: the other areas'):
        assert set(manifest["files"]) >= {"messages.json", "notifications.json", "stories.json", "groups.json",
                                          "media.json", "lists.json"}
        msgs = json.loads(zf.read("messages.json"))
        assert [m["text"] for m in msgs["messages"]] == ["hi friend"]  # only what the owner sent
        assert set(msgs["conversations"][0]["members"]) == {owner.username, friend.username}
        notes = json.loads(zf.read("notifications.json"))
        assert any(n["type"] == "follow" for n in notes["notifications"]) and notes["preferences"]["follow"]["email"]
        st = json.loads(zf.read("stories.json"))
        assert {s["kind"] for s in st["stories"]} == {"text", "image"} and st["highlights"][0]["title"] == "best"
        assert st["views"][0]["reaction"] == "🔥"
        image = next(s for s in st["stories"] if s["kind"] == "image")
        assert zf.read(image["file"])[:2] == b"\xff\xd8"  # the JPEG itself
        grp = json.loads(zf.read("groups.json"))
        assert {g["name"] for g in grp["memberships"]} == {"shared group", "solo group"}
        assert grp["events_created"][0]["title"] == "meetup" and grp["rsvps"][0]["status"] == "going"
        media_doc = json.loads(zf.read("media.json"))
        assert media_doc["media"] and media_doc["files"] and all(f in manifest["files"] for f in media_doc["files"])
        lists_doc = json.loads(zf.read("lists.json"))
        assert lists_doc["lists"][0]["members"] == [friend.username] and lists_doc["close_friends"] == [friend.username]
    with subtests.test("someone else's export is not found"):
        assert friend.get(f"/api/v1/me/exports/{export_id}").status_code == 404
    with subtests.test('import into another account'):
        newcomer = make_user("imp")
        r = newcomer.client.post("/api/v1/me/imports", headers=newcomer.headers,
                                 data={"archive": (io.BytesIO(data), "archive.zip")}, content_type="multipart/form-data")
        assert r.status_code == 202, r.get_json()
        imp = newcomer.get(f"/api/v1/me/imports/{r.get_json()['id']}").get_json()
        assert imp["status"] == "done" and imp["stats"]["posts"]["posts"] == 2
        posts = newcomer.get(f"/api/v1/users/{newcomer.username}/posts").get_json()["items"]
        assert sorted(p["text"] for p in posts) == ["first #hello post", "second post"]
        assert {p["created_at"][:19] for p in posts} == {p1["created_at"][:19], p2["created_at"][:19]}
        me = newcomer.get("/api/v1/me").get_json()
        assert me["display_name"] == "Exporter" and me["following_count"] == 1
        assert pest.get(f"/api/v1/users/{newcomer.username}").status_code == 404  # the block came along
    with subtests.test('importing the same archive again creates nothing twice'):
        newcomer.client.post("/api/v1/me/imports", headers=newcomer.headers,
                             data={"archive": (io.BytesIO(data), "archive.zip")}, content_type="multipart/form-data")
        assert len(newcomer.get(f"/api/v1/users/{newcomer.username}/posts").get_json()["items"]) == 2
        with app.app_context():
            from socialgraph import stores

            resp = stores.objects().get_object(app.config["S3_BUCKET"], f"users/{newcomer.uid}/media/a.txt")
            try:
                got = resp.read()
            finally:
                resp.close()
                resp.release_conn()  # back to the pool, not to the garbage collector
        assert got == b"hello media"
    with subtests.test('not an archive: 422'):
        r = newcomer.client.post("/api/v1/me/imports", headers=newcomer.headers,
                                 data={"archive": (io.BytesIO(b"not a zip"), "x.zip")}, content_type="multipart/form-data")
        assert r.status_code == 422


def _store_traces(app, uid, username, list_ids=()):
    """What each store still holds about ``uid``."""
    from socialgraph import stores

    with app.app_context():
        db = stores.mongo()
        g = stores.graph().read("accounts/count_user", uid=uid)[0]
        r = stores.cache()
        return {
            "graph_nodes": g["nodes"], "graph_relationships": g["relationships"],
            "accounts": db.accounts.count_documents({"_id": uid}),
            "posts": db.posts.count_documents({"author_id": uid}),
            "comments": db.comments.count_documents({"author_id": uid}),
            "reactions": db.reactions.count_documents({"user_id": uid}),
            "sessions": db.sessions.count_documents({"uid": uid}),
            "login_attempts": db.login_attempts.count_documents({"uid": uid}),
            "exports": db.exports.count_documents({"uid": uid}),
            "objects": len(list(stores.objects().list_objects(app.config["S3_BUCKET"], prefix=f"users/{uid}/",
                                                                  recursive=True))),
            "redis_keys": sorted(k.decode() for k in r.scan_iter(f"sg:*{uid}*")
                                 if not k.startswith((b"sg:not-before:", b"sg-rl"))),
            "online": r.zscore("sg:rt:online", uid) is not None,
            "active_story": r.zscore("sg:stories:active", uid) is not None,
            "messages": db.messages.count_documents({"sender_id": uid}),
            "conversations": db.conversations.count_documents({"members": uid}),
            "notifications": db.notifications.count_documents({"$or": [{"user_id": uid}, {"actor_ids": uid}]}),
            "notification_prefs": db.notification_prefs.count_documents({"_id": uid}),
            "stories": db.stories.count_documents({"author_id": uid}),
            "story_views": db.story_views.count_documents({"$or": [{"viewer_id": uid}, {"author_id": uid}]}),
            "story_replies": db.story_replies.count_documents({"$or": [{"viewer_id": uid}, {"author_id": uid}]}),
            "story_media": db.story_media.count_documents({"author_id": uid}),
            "highlights": db.highlights.count_documents({"owner_id": uid}),
            "media": db.media.count_documents({"owner_id": uid}),
            "event_rsvps": db.event_rsvps.count_documents({"user_id": uid}),
            "group_events": db.group_events.count_documents({"created_by": uid}),
            "lists": stores.graph().read("accounts/count_lists", uids=list_ids)[0]["lists"],
            "other_objects": len([o for p in (f"stories/{uid}/", f"media/{uid}/")
                                  for o in stores.objects().list_objects(app.config["S3_BUCKET"], prefix=p,
                                                                             recursive=True)]),
        }


def test_account_deletion_clears_every_store_and_resumes(app, client, make_user, monkeypatch, subtests):
    """One deletion, interrupted and resumed; what it must leave behind is
    checked in subtests (one leftover does not hide the others)."""
    from socialgraph import stores
    from socialgraph.portability import service as portability

    owner, friend, pest, p1, p2, fp, c1 = _populated(make_user)
    _put_media(app, owner.uid)
    owner.post("/api/v1/me/exports")
    owner.get("/api/v1/feeds/home")  # caches the following set in Redis
    with app.app_context():
        stores.cache().zadd("sg:rt:online", {owner.uid: 1})  # as if connected to the stream
    list_ids = [owner.extra["list_id"]]
    before = _store_traces(app, owner.uid, owner.username, list_ids)
    assert before["graph_nodes"] == 1 and before["posts"] == 3 and before["objects"] >= 2
    assert before["redis_keys"] and before["reactions"] == 1
    assert before["online"] and before["active_story"] and before["lists"] == 1 and before["other_objects"] >= 2
    assert any(k.startswith(("sg:msg:rate:", "sg:idem:user:")) for k in before["redis_keys"])
    keys = ("messages", "conversations", "notifications", "notification_prefs", "stories", "story_views",
            "story_replies", "story_media", "highlights", "media", "event_rsvps", "group_events")
    assert [k for k in keys if before[k] < 1] == []  # every area has something to erase (all listed at once)
    assert owner.post("/api/v1/me/deletion", json={"password": "wrong password"}).status_code == 401

    # the worker dies at the Redis step (near the end: it also drops the read copies other steps invalidate)
    calls = {"n": 0}
    real = next(a for a in portability.AREAS if a.name == "cache").erase

    def crash(uid):
        calls["n"] += 1
        raise RuntimeError("worker killed")

    monkeypatch.setattr(next(a for a in portability.AREAS if a.name == "cache"), "erase", crash)
    r = owner.post("/api/v1/me/deletion", json={"password": owner.password})
    assert r.status_code == 202 and calls["n"] == 1
    with app.app_context():
        state = stores.mongo().deletions.find_one({"_id": owner.uid})
    cache_order = next(a for a in portability.AREAS if a.name == "cache").order
    done_before = [a.name for a in portability.AREAS if a.erase and a.order < cache_order]
    assert {"posts", "objects", "graph"} <= set(done_before)
    assert state["status"] == "running" and state["steps_done"] == done_before
    # the account cannot be used meanwhile
    assert owner.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/login", json={"login": owner.username, "password": owner.password}).status_code == 401

    # the job runs again (RQ retry / resume-deletions) and continues where it stopped
    monkeypatch.setattr(next(a for a in portability.AREAS if a.name == "cache"), "erase", real)
    with app.app_context():
        from socialgraph.accounts import deletion

        assert owner.uid in deletion.resume_pending()
        done = deletion.deletion_status(owner.uid)
    assert done["status"] == "done" and done["steps_done"] == [a.name for a in portability.AREAS if a.erase]
    assert done["steps_done"][-6:] == ["lists", "graph", "security", "cache", "traces", "account"]
    with subtests.test("no trace in any store"):
        after = _store_traces(app, owner.uid, owner.username, list_ids)
        assert after == {"graph_nodes": 0, "graph_relationships": 0, "accounts": 0, "posts": 0, "comments": 0,
                         "reactions": 0, "sessions": 0, "login_attempts": 0, "exports": 0, "objects": 0,
                         "redis_keys": [], "online": False, "active_story": False, "messages": 0,
                         "conversations": 0, "notifications": 0, "notification_prefs": 0, "stories": 0,
                         "story_views": 0, "story_replies": 0, "story_media": 0, "highlights": 0, "media": 0,
                         "event_rsvps": 0, "group_events": 0, "lists": 0, "other_objects": 0}
    with subtests.test("the shared group passed to the friend (owner and admin); the solo group is gone"):
        shared = friend.get(f"/api/v1/groups/{owner.extra['shared']['id']}").get_json()
        assert (shared["member_count"], shared["viewer"]["owner"], shared["viewer"]["role"]) == (1, True, "admin")
        assert friend.get(f"/api/v1/groups/{owner.extra['solo']['id']}").status_code == 404
    with subtests.test("the friend keeps the conversation and their own message"):
        conv = owner.extra["conversation"]
        texts = [m["text"] for m in friend.get(f"/api/v1/conversations/{conv}/messages").get_json()["items"]]
        assert texts == ["hi owner"]
    with subtests.test("others' posts: the reaction count drops, a comment with a reply stays as a placeholder"):
        post = friend.get(f"/api/v1/posts/{fp['id']}").get_json()
        assert post["counts"]["reactions"] == {} and post["counts"]["comments"] == 1
        thread = friend.get(f"/api/v1/posts/{fp['id']}/comments").get_json()["items"]
        assert (thread[0]["deleted"], thread[0]["author"], thread[0]["replies"][0]["text"]) == (True, None, "reply")
    with subtests.test("the owner's posts, profile and follows are gone"):
        assert friend.get(f"/api/v1/posts/{p1['id']}").status_code == 404
        assert friend.get(f"/api/v1/users/{owner.username}").status_code == 404
        assert friend.get("/api/v1/me").get_json()["following_count"] == 0
    with subtests.test("username and email are free again"):
        r = client.post("/api/v1/auth/register", json={"username": owner.username, "email": owner.email,
                                                       "password": "a long enough password"})
        assert r.status_code == 201
