"""Issue 16 item 12: a private account's public posts are for its approved
followers only, on every read path (Instagram's rule)."""
from __future__ import annotations

import uuid

import pytest

from socialgraph import stores
from socialgraph.feeds import trends
from socialgraph.feeds.home import DISCOVER_KEY, refresh_discovery


@pytest.fixture()
def fresh_discovery(app):
    """The discovery snapshot this test builds is dropped after it, so later
    tests rank their own posts (the snapshot is cached for a minute)."""
    yield
    with app.app_context():
        stores.cache().delete(DISCOVER_KEY)


@pytest.fixture()
def scene(make_user, client, fresh_discovery):
    owner, follower, stranger = make_user("pv_own"), make_user("pv_fol"), make_user("pv_str")
    word = "zq" + uuid.uuid4().hex[:10]
    tag = "t" + uuid.uuid4().hex[:10]
    r = follower.put(f"/api/v1/users/{owner.username}/follow")
    assert r.status_code == 200, r.get_json()
    before = owner.post("/api/v1/posts", json={"text": f"written while public {word} #{tag}"}).get_json()
    owner.post(f"/api/v1/posts/{before['id']}/comments", json={"text": "own comment"})
    owner.put(f"/api/v1/posts/{before['id']}/reaction", json={"type": "like"})
    r = owner.patch("/api/v1/me/privacy", json={"profile_visibility": "private", "locked": True})
    assert r.status_code == 200, r.get_json()
    after = owner.post("/api/v1/posts", json={"text": f"written while private {word} #{tag}"}).get_json()
    return {"owner": owner, "follower": follower, "stranger": stranger, "word": word, "tag": tag,
            "ids": {before["id"], after["id"]}, "before": before["id"]}


def _ids(resp):
    assert resp.status_code == 200, resp.get_json()
    return {p["id"] for p in resp.get_json()["items"]}


def readers(client, scene):
    """(name, get) for anonymous, a signed-in stranger, an approved follower."""
    return [("anonymous", client.get), ("stranger", scene["stranger"].get), ("follower", scene["follower"].get)]


def test_every_read_path_hides_private_posts_from_non_followers(app, client, scene):
    owner, ids, word, tag = scene["owner"], scene["ids"], scene["word"], scene["tag"]
    with app.app_context():
        refresh_discovery()
        trends.compute()
    for name, get in readers(client, scene):
        sees = name == "follower"
        lists = {
            "profile": get(f"/api/v1/users/{owner.username}/posts"),
            "search": get("/api/v1/search/posts", query_string={"q": word}),
            "hashtag": get(f"/api/v1/tags/{tag}/posts"),
            "discover new": get("/api/v1/feeds/discover", query_string={"sort": "new", "limit": 100}),
            "discover hot": get("/api/v1/feeds/discover", query_string={"limit": 100}),
        }
        for path, resp in lists.items():
            found = _ids(resp) & ids
            assert found == (ids if sees and path not in ("discover new", "discover hot") else set()), (name, path)
        trending = {p["id"] for p in get("/api/v1/trends/posts").get_json()["items"]}
        assert not trending & ids, name
        for pid in ids:
            for suffix in ("", "/comments", "/reactions"):
                r = get(f"/api/v1/posts/{pid}{suffix}")
                assert r.status_code == (200 if sees else 404), (name, suffix, r.status_code)
    assert client.get(f"/api/v1/tags/{tag}").get_json()["posts_count"] == 0
    # the home feed: the follower has them, the stranger (who follows nobody) does not
    assert _ids(scene["follower"].get("/api/v1/feeds/home")) >= ids
    assert not _ids(scene["stranger"].get("/api/v1/feeds/home")) & ids
    # nobody outside may share them
    assert scene["stranger"].post(f"/api/v1/posts/{scene['before']}/shares").status_code == 404
    assert scene["follower"].post(f"/api/v1/posts/{scene['before']}/shares").status_code == 403


def test_going_public_again_shows_them_again(client, scene):
    owner = scene["owner"]
    assert owner.patch("/api/v1/me/privacy", json={"profile_visibility": "public"}).status_code == 200
    assert _ids(client.get(f"/api/v1/users/{owner.username}/posts")) >= scene["ids"]
    assert client.get(f"/api/v1/posts/{scene['before']}").status_code == 200
    assert _ids(client.get("/api/v1/search/posts", query_string={"q": scene["word"]})) == scene["ids"]
