"""Stories through HTTP: expiry (injectable clock), audience, blocks, viewers,
reactions, replies, tray, profile flag, image uploads, highlights and cleanup."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from socialgraph.core import clock

PROBLEM = "application/problem+json"
S = "/api/v1/stories"


class Clock:
    """A settable clock installed with ``clock.set_clock`` (no sleeping)."""

    def __init__(self):
        self.at = datetime.now(timezone.utc)

    def __call__(self):
        return self.at

    def advance(self, **kw):
        self.at += timedelta(**kw)


@pytest.fixture()
def fake_clock():
    c = Clock()
    clock.set_clock(c)
    yield c
    clock.set_clock(None)


def graph_link(app, query, **params):
    from socialgraph import stores

    from socialgraph.operations.degrees import recount

    with app.app_context():
        stores.graph().run_text(query, at=clock.now(), **params)
        recount(params["a"], params["b"])  # the degree counts a hand-written link bypasses


def befriend(app, a, b):
    graph_link(app, "MATCH (a:User {uid: $a}), (b:User {uid: $b}) MERGE (a)-[:FRIENDS_WITH {since: $at}]->(b)",
               a=a.uid, b=b.uid)


def close_friend(app, owner, member):
    graph_link(app, "MATCH (a:User {uid: $a}), (b:User {uid: $b}) MERGE (a)-[:CLOSE_FRIEND {since: $at}]->(b)",
               a=owner.uid, b=member.uid)


def text_story(user, **extra):
    r = user.post(S, json={"text": "hello story", **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_text_story_shape_views_once_and_author_only_viewers(make_user, client):
    author, v1, v2 = make_user("sa"), make_user("sv"), make_user("sw")
    s = text_story(author, background="#112233",
                   overlays=[{"text": "Hi!", "x": 0.5, "y": 0.2, "color": "#ff0000", "rotation": 15}],
                   stickers=[{"type": "mention", "value": "@" + v1.username, "x": 0.3, "y": 0.8}])
    assert s["overlays"][0]["font"] == "classic" and s["stickers"][0]["scale"] == 1.0
    assert s["view_count"] == 0 and s["audience"] == "everyone"
    assert s["expires_at"] and s["media_url"] is None
    for bad in ({"text": ""}, {"text": "x", "overlays": [{"text": "a", "x": 1.5, "y": 0}]},
                {"text": "x", "stickers": [{"type": "gif", "value": "a", "x": 0, "y": 0}]},
                {"text": "x", "background": "red"}, {"text": "x", "audience": "custom"},
                {"text": "x", "audience": "custom", "custom_audience": ["nobody"]}, {"text": "x", "audience": "foes"}):
        r = author.post(S, json=bad)
        assert r.status_code == 422 and r.mimetype == PROBLEM, bad
    assert client.get(f"{S}/{s['id']}").status_code == 401
    for _ in range(3):
        r = v1.get(f"{S}/{s['id']}")
        assert r.status_code == 200 and "view_count" not in r.get_json() and "audience" not in r.get_json()
    v2.get(f"{S}/{s['id']}")
    author.get(f"{S}/{s['id']}")  # the author's own look is not a view
    out = author.get(f"{S}/{s['id']}/viewers").get_json()
    assert out["count"] == 2 and {i["user"]["username"] for i in out["items"]} == {v1.username, v2.username}
    r = v1.get(f"{S}/{s['id']}/viewers")
    assert r.status_code == 403 and r.mimetype == PROBLEM
    assert author.get(f"{S}/{s['id']}").get_json()["view_count"] == 2


def test_story_gone_one_second_after_expiry(make_user, fake_clock):
    author, viewer = make_user("ea"), make_user("ev")
    viewer.put(f"/api/v1/users/{author.username}/follow")
    s = text_story(author)
    fake_clock.advance(hours=24, seconds=-1)
    r = viewer.get(f"{S}/{s['id']}")
    assert r.status_code == 200 and r.get_json()["id"] == s["id"]
    assert [e["user"]["uid"] for e in viewer.get(f"{S}/tray").get_json()["items"]] == [author.uid]
    fake_clock.advance(seconds=2)  # one second after expiry
    for who in (viewer, author):
        r = who.get(f"{S}/{s['id']}")
        assert r.status_code == 404 and r.mimetype == PROBLEM
        assert who.get(f"/api/v1/users/{author.username}/stories").get_json()["items"] == []
    assert viewer.get(f"{S}/tray").get_json()["items"] == []
    assert author.get(f"{S}/{s['id']}/viewers").status_code == 404
    assert viewer.put(f"{S}/{s['id']}/reaction", json={"emoji": "🔥"}).status_code == 404
    assert viewer.post(f"{S}/{s['id']}/replies", json={"text": "late"}).status_code == 404
    assert viewer.get(f"/api/v1/users/{author.username}").get_json()["has_unseen_stories"] is False


def test_audiences_and_blocks(app, make_user):
    author, friend, close, listed, stranger = (make_user(p) for p in ("aa", "af", "ac", "al", "as"))
    befriend(app, friend, author)
    befriend(app, close, author)
    close_friend(app, author, close)
    s_friends = text_story(author, audience="friends")
    s_close = text_story(author, audience="close_friends")
    s_custom = text_story(author, audience="custom", custom_audience=[listed.uid])
    s_all = text_story(author)
    assert s_custom["custom_audience"] == [listed.uid]
    can = lambda u, s: u.get(f"{S}/{s['id']}").status_code
    assert (can(friend, s_friends), can(close, s_friends), can(listed, s_friends), can(stranger, s_friends)) == (200, 200, 404, 404)
    assert (can(friend, s_close), can(close, s_close), can(listed, s_close)) == (404, 200, 404)
    assert (can(friend, s_custom), can(listed, s_custom), can(stranger, s_custom)) == (404, 200, 404)
    # outside the audience: same 404 as no story, on every path
    r = stranger.get(f"{S}/{s_friends['id']}")
    assert r.get_json()["detail"] == "story not found"
    assert stranger.put(f"{S}/{s_friends['id']}/reaction", json={"emoji": "😂"}).status_code == 404
    assert stranger.get(f"{S}/{s_friends['id']}/viewers").status_code == 404
    listed_ids = [x["id"] for x in stranger.get(f"/api/v1/users/{author.username}/stories").get_json()["items"]]
    assert listed_ids == [s_all["id"]]
    # blocks win over every audience, both ways, and leave the viewers list
    assert can(friend, s_all) == 200
    author.put(f"/api/v1/users/{friend.username}/block")
    for path in (f"{S}/{s_all['id']}", f"{S}/{s_friends['id']}", f"/api/v1/users/{author.username}/stories"):
        r = friend.get(path)
        assert r.status_code == 404 and r.mimetype == PROBLEM, path
    assert friend.post(f"{S}/{s_all['id']}/replies", json={"text": "hi"}).status_code == 404
    viewers = author.get(f"{S}/{s_all['id']}/viewers").get_json()
    assert friend.uid not in [v["user"]["uid"] for v in viewers["items"]]
    listed.put(f"/api/v1/users/{author.username}/block")
    assert can(listed, s_custom) == 404


def test_reactions_and_replies(make_user, monkeypatch, ctx):
    from socialgraph import stores
    from socialgraph.core import events

    seen = []
    real = events.publish
    monkeypatch.setattr(events, "publish", lambda name, **kw: seen.append((name, kw)) or real(name, **kw))
    author, fan = make_user("ra"), make_user("rf")
    s = text_story(author)
    assert fan.put(f"{S}/{s['id']}/reaction", json={"emoji": "👍"}).status_code == 422
    assert fan.put(f"{S}/{s['id']}/reaction", json={"emoji": "🔥"}).get_json() == {"reaction": "🔥"}
    assert author.put(f"{S}/{s['id']}/reaction", json={"emoji": "🔥"}).status_code == 422
    r = fan.post(f"{S}/{s['id']}/replies", json={"text": "great view!"})
    assert r.status_code == 201 and r.get_json()["text"] == "great view!"
    assert author.post(f"{S}/{s['id']}/replies", json={"text": "me"}).status_code == 422
    out = author.get(f"{S}/{s['id']}/viewers").get_json()
    assert out["count"] == 1 and out["items"][0]["reaction"] == "🔥"
    assert fan.get(f"{S}/{s['id']}").get_json()["viewer_reaction"] == "🔥"
    reply = stores.mongo().story_replies.find_one({"viewer_id": fan.uid})
    assert reply["author_id"] == author.uid and reply["text"] == "great view!"
    payload = {"story_id": s["id"], "viewer": fan.uid, "author_id": author.uid}
    assert [n for n, kw in seen if kw == payload] == ["story.viewed", "story.reacted", "story.replied"]


def test_tray_unseen_first_and_profile_flag(make_user, fake_clock):
    me, a, b, c = make_user("tm"), make_user("ta"), make_user("tb"), make_user("tc")
    for u in (a, b):
        me.put(f"/api/v1/users/{u.username}/follow")
    sa = text_story(a)
    fake_clock.advance(minutes=5)
    sb = text_story(b)
    text_story(c)  # not followed: not in the tray
    text_story(me)
    tray = me.get(f"{S}/tray").get_json()["items"]
    assert [e["user"]["uid"] for e in tray] == [me.uid, b.uid, a.uid]  # own first, then newest
    assert [e["has_unseen_stories"] for e in tray] == [False, True, True]
    assert me.get(f"/api/v1/users/{b.username}").get_json()["has_unseen_stories"] is True
    me.get(f"{S}/{sb['id']}")
    tray = me.get(f"{S}/tray").get_json()["items"]
    assert [e["user"]["uid"] for e in tray] == [me.uid, a.uid, b.uid]  # unseen first
    assert me.get(f"/api/v1/users/{b.username}").get_json()["has_unseen_stories"] is False
    assert me.get(f"/api/v1/users/{a.username}").get_json()["has_unseen_stories"] is True
    assert [x["seen"] for x in me.get(f"/api/v1/users/{a.username}/stories").get_json()["items"]] == [False]
    assert sa["id"]


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (1600, 1200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° to display upright
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_story_reencoded_without_exif_and_served_by_presigned_url(app, make_user):
    import requests
    from PIL import Image

    from socialgraph import stores

    author, viewer = make_user("ia"), make_user("iv")
    r = author.post(f"{S}/image", data={"image": (io.BytesIO(_jpeg_with_exif()), "me.jpg"),
                                        "audience": "everyone",
                                        "overlays": '[{"text": "sunset", "x": 0.1, "y": 0.9}]'},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    story = r.get_json()
    assert story["kind"] == "image" and story["overlays"][0]["text"] == "sunset"
    got = requests.get(viewer.get(f"{S}/{story['id']}").get_json()["media_url"], timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(got.content))
    assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info
    assert img.size == (1080, 1440)  # turned upright (EXIF orientation), then fitted into 1080x1920
    with app.app_context():
        key = f"stories/{author.uid}/{story['id']}.jpg"
        assert stores.objects().stat_object(app.config["S3_BUCKET"], key).size == len(got.content)
    for data in ({"image": (io.BytesIO(b"not an image at all"), "x.jpg")}, {},
                 {"image": (io.BytesIO(_jpeg_with_exif()), "x.jpg"), "overlays": "[{"},
                 {"image": (io.BytesIO(_jpeg_with_exif()), "x.jpg"), "audience": "custom"}):
        r = author.post(f"{S}/image", data=data, content_type="multipart/form-data")
        assert r.status_code == 422 and r.mimetype == PROBLEM, data


def test_highlights_keep_stories_and_cleanup_removes_the_rest(app, make_user, fake_clock):
    from minio.error import S3Error

    from socialgraph import stores
    from socialgraph.stories.stories import purge_expired

    author, viewer = make_user("ha"), make_user("hv")
    upload = lambda: author.post(f"{S}/image", data={"image": (io.BytesIO(_jpeg_with_exif()), "a.jpg")},
                                 content_type="multipart/form-data").get_json()
    kept, dropped, text = upload(), upload(), text_story(author)
    r = author.post("/api/v1/highlights", json={"title": "Summer", "story_ids": [kept["id"], text["id"]]})
    assert r.status_code == 201
    hl = r.get_json()
    assert [s["id"] for s in hl["stories"]] == [kept["id"], text["id"]]
    assert viewer.post("/api/v1/highlights", json={"title": "x", "story_ids": [kept["id"]]}).status_code == 422
    assert viewer.patch(f"/api/v1/highlights/{hl['id']}", json={"title": "mine"}).status_code == 403
    fake_clock.advance(hours=24, seconds=1)
    # expired: gone from the story paths, kept in the highlight
    assert viewer.get(f"{S}/{kept['id']}").status_code == 404
    hls = viewer.get(f"/api/v1/users/{author.username}/highlights").get_json()["items"]
    assert [s["id"] for s in hls[0]["stories"]] == [kept["id"], text["id"]]
    assert hls[0]["stories"][0]["media_url"]
    # an expired story that was not kept cannot be saved any more
    r = author.patch(f"/api/v1/highlights/{hl['id']}", json={"add": [dropped["id"]]})
    assert r.status_code == 422
    bucket = app.config["S3_BUCKET"]
    key = lambda s: f"stories/{author.uid}/{s['id']}.jpg"
    with app.app_context():
        db = stores.mongo()
        purge_expired()
        assert db.stories.count_documents({"_id": {"$in": [__import__("bson").ObjectId(dropped["id"])]}}) == 0
        with pytest.raises(S3Error):
            stores.objects().stat_object(bucket, key(dropped))
        assert stores.objects().stat_object(bucket, key(kept)).size > 0
    # out of the highlight, the kept story expires for real
    author.patch(f"/api/v1/highlights/{hl['id']}", json={"remove": [kept["id"]], "title": "Summer '26"})
    with app.app_context():
        purge_expired()
        with pytest.raises(S3Error):
            stores.objects().stat_object(bucket, key(kept))
    hls = viewer.get(f"/api/v1/users/{author.username}/highlights").get_json()["items"]
    assert hls[0]["title"] == "Summer '26" and [s["id"] for s in hls[0]["stories"]] == [text["id"]]
    assert author.delete(f"/api/v1/highlights/{hl['id']}").status_code == 204
    assert viewer.get(f"/api/v1/users/{author.username}/highlights").get_json()["items"] == []


def test_story_indexes_expire_by_ttl(ctx):
    from socialgraph import stores

    info = stores.mongo().stories.index_information()
    assert info["expiry_ttl"]["expireAfterSeconds"] == 0 and info["expiry_ttl"]["key"] == [("purge_at", 1)]


def test_video_story_from_an_upload_and_its_media_goes_at_expiry(make_user, ctx):
    """A video uploaded with POST /media becomes a story; it cannot also go on a
    post, another user cannot claim it, and it leaves the store when the story expires."""
    import io
    from datetime import timedelta

    from bson import ObjectId

    from socialgraph import stores
    from socialgraph.core import clock
    from socialgraph.stories import stories
    from tests import mediafiles

    author, other = make_user("vid"), make_user("vid")
    up = author.post("/api/v1/media", data={"file": (io.BytesIO(mediafiles.video("webm")), "clip.webm", "video/webm")},
                     content_type="multipart/form-data").get_json()
    assert up["kind"] == "video"
    assert other.post("/api/v1/stories/video", json={"media_id": up["id"]}).status_code == 422
    r = author.post("/api/v1/stories/video", json={"media_id": up["id"]})
    assert r.status_code == 201, r.get_json()
    story = r.get_json()
    assert story["kind"] == "video" and story["media"]["status"] == "ready" and story["media"]["urls"]["mp4"]
    # claimed: neither a post nor a second story can use it
    assert author.post("/api/v1/posts", json={"text": "x", "media_ids": [up["id"]]}).status_code == 422
    assert author.post("/api/v1/stories/video", json={"media_id": up["id"]}).status_code == 422
    assert other.get(f"/api/v1/stories/{story['id']}").get_json()["media"]["urls"]["mp4"]
    # after expiry the story and its video are gone from every store
    later = clock.now() + timedelta(hours=24, seconds=1)
    clock.set_clock(lambda: later)
    try:
        assert other.get(f"/api/v1/stories/{story['id']}").status_code == 404
        stories.purge_expired()
    finally:
        clock.set_clock(None)
    assert stores.mongo().media.count_documents({"_id": ObjectId(up["id"])}) == 0
    assert stores.mongo().stories.count_documents({"_id": ObjectId(story["id"])}) == 0


def test_profile_flag_survives_lost_redis_index_and_deleted_story(app, make_user):
    """The profile's ``has_unseen_stories`` reads a Redis index of authors with
    active stories: rebuilt from MongoDB when Redis lost it, and a deleted
    story (whose entry stays until expiry) does not flag the profile."""
    from socialgraph import stores
    from socialgraph.stories import stories

    me, a, b = make_user("im"), make_user("ia"), make_user("ib")
    sa, sb = text_story(a), text_story(b)
    with app.app_context():
        r = stores.cache()
        assert r.zscore(stories.ACTIVE_KEY, a.uid) is not None
        r.delete(stories.ACTIVE_KEY, stories.ACTIVE_READY_KEY)  # as after a Redis restart
    assert me.get(f"/api/v1/users/{a.username}").get_json()["has_unseen_stories"] is True
    with app.app_context():
        assert r.exists(stories.ACTIVE_READY_KEY) and r.zscore(stories.ACTIVE_KEY, b.uid) is not None
    assert b.delete(f"{S}/{sb['id']}").status_code == 204
    assert me.get(f"/api/v1/users/{b.username}").get_json()["has_unseen_stories"] is False
    assert me.get(f"/api/v1/users/{a.username}").get_json()["has_unseen_stories"] is True
    assert sa["id"]
