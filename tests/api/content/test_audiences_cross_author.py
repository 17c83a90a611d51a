"""Audiences across authors and in the right direction, on every read path.

A viewer who follows, befriends and is a close friend of one author (``near``)
must see that author's restricted posts and none of another author's
(``far``), who stands to the viewer only in the *reverse* direction: ``far``
follows the viewer and the viewer put ``far`` on their own close-friends
list. These are the two ways a list filter goes wrong that a one-author test
cannot see: an audience clause without its author condition (following
anybody opens every author's followers-only posts) and a relation read the
wrong way round (the author following the viewer).
"""
from __future__ import annotations

import pytest

from socialgraph import stores
from tests.api.content.test_visibility_shares import _link  # recounts the degree counts it bypasses

AUDIENCES = ("public", "followers", "friends", "close_friends", "only_me")
RESTRICTED = ("followers", "friends", "close_friends")


@pytest.fixture(scope="module")
def world(app):
    """Two authors, one viewer, one post per audience per author (module-wide: read-only tests)."""
    from tests.conftest import ApiUser, unique, verify_user

    client = app.test_client()

    def user(prefix):
        name = unique(prefix)
        r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test",
                                                       "password": "correct horse battery"})
        assert r.status_code == 201, r.get_json()
        verify_user(client, r.get_json()["uid"], f"{name}@example.test")
        r2 = client.post("/api/v1/auth/login", json={"login": name, "password": "correct horse battery"})
        return ApiUser(client, name, f"{name}@example.test", "correct horse battery", r2.get_json(),
                       r.get_json()["uid"])

    with app.app_context():
        viewer, near, far = user("view"), user("near"), user("far")
        assert viewer.put(f"/api/v1/users/{near.username}/follow").status_code == 200
        _link("FRIENDS_WITH", near.uid, viewer.uid)
        _link("CLOSE_FRIEND", near.uid, viewer.uid)
        # the reverse of each relation towards far
        assert far.put(f"/api/v1/users/{viewer.username}/follow").status_code == 200
        _link("CLOSE_FRIEND", viewer.uid, far.uid)
        tag, word = f"xa{viewer.uid[:8]}", f"quokka{viewer.uid[:8]}"
        posts = {}
        for author in (near, far):
            for aud in AUDIENCES:
                r = author.post("/api/v1/posts", json={"text": f"{aud} by {author.username} #{tag} {word}",
                                                       "visibility": aud})
                assert r.status_code == 201, r.get_json()
                posts[r.get_json()["id"]] = (author.username, aud)
        # engagement so that the trend job ranks them
        for pid in posts:
            client.put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"}, headers=near.headers)
            client.put(f"/api/v1/posts/{pid}/reaction", json={"type": "love"}, headers=far.headers)
    return {"viewer": viewer, "near": near, "far": far, "posts": posts, "tag": tag, "word": word}


def _expected(w, who: str) -> set[tuple[str, str]]:
    near, far = w["near"].username, w["far"].username
    if who == "viewer":
        return {(near, a) for a in ("public",) + RESTRICTED} | {(far, "public")}
    return {(near, "public"), (far, "public")}


def _collect(get, url, params=None) -> list[dict]:
    """Every item of a paged list (pages of 2, to cross page boundaries)."""
    params = dict(params or {}, limit=2)
    out = []
    while True:
        r = get(url, query_string=params)
        assert r.status_code == 200, (url, r.get_json())
        body = r.get_json()
        out += body["items"]
        if not body.get("next_cursor"):
            return out
        params["cursor"] = body["next_cursor"]


def _seen(w, items) -> set[tuple[str, str]]:
    return {w["posts"][p["id"]] for p in items if p["id"] in w["posts"]}


LIST_PATHS = {
    "near_timeline": lambda w: ("/api/v1/users/{near}/posts", None),
    "far_timeline": lambda w: ("/api/v1/users/{far}/posts", None),
    "tag": lambda w: (f"/api/v1/tags/{w['tag']}/posts", None),
    "search": lambda w: ("/api/v1/search/posts", {"q": w["word"]}),
    "discover_new": lambda w: ("/api/v1/feeds/discover", {"sort": "new"}),
}


@pytest.mark.parametrize("who", ["viewer", "stranger"])
@pytest.mark.parametrize("path", sorted(LIST_PATHS))
def test_list_paths_show_each_author_only_their_own_audience(world, app, make_user, path, who):
    with app.app_context():
        reader = world["viewer"] if who == "viewer" else make_user("strg")
        url, params = LIST_PATHS[path](world)
        url = url.format(near=world["near"].username, far=world["far"].username)
        seen = _seen(world, _collect(reader.get, url, params))
    expected = _expected(world, who)
    if path == "near_timeline":
        expected = {p for p in expected if p[0] == world["near"].username}
    elif path == "far_timeline":
        expected = {p for p in expected if p[0] == world["far"].username}
    elif path == "discover_new":
        expected = {p for p in expected if p[1] == "public"}
    assert seen == expected


def test_single_reads_follow_the_direction_of_each_relation(world, client):
    viewer = world["viewer"]
    for pid, (author, aud) in world["posts"].items():
        code = viewer.get(f"/api/v1/posts/{pid}").status_code
        assert code == (200 if (author, aud) in _expected(world, "viewer") else 404), (author, aud)


def test_home_feed_has_the_followed_authors_audiences_only(world, app):
    viewer = world["viewer"]
    with app.app_context():
        items = _collect(viewer.get, "/api/v1/feeds/home")
    # far is not followed: none of far's posts, whatever their audience
    assert _seen(world, items) == {(world["near"].username, a) for a in ("public",) + RESTRICTED}


def test_home_feed_of_the_reverse_follower_has_no_restricted_posts(world, app):
    """far follows the viewer; the viewer follows nobody back: far's feed has the
    viewer's public posts only (none here) and not near's posts at all."""
    with app.app_context():
        items = _collect(world["far"].get, "/api/v1/feeds/home")
    assert {a for a, _ in _seen(world, items)} <= {world["far"].username}


def test_trending_posts_are_public_ones_only(world, app):
    from socialgraph.feeds import trends

    with app.app_context():
        trends.compute()
        items = world["viewer"].get("/api/v1/trends/posts").get_json()["items"]
    assert {aud for _, aud in _seen(world, items)} <= {"public"}


def test_prefilter_across_authors_agrees_with_can_view_post(world, ctx):
    """The list filter and the single-post rule give the same answer over both
    authors' posts, for the viewer and for each author."""
    from bson import ObjectId

    from socialgraph.content import visibility
    from socialgraph.graph import relations

    db = stores.mongo()
    ids = [ObjectId(p) for p in world["posts"]]
    docs = list(db.posts.find({"_id": {"$in": ids}}))
    assert len(docs) == 2 * len(AUDIENCES)
    for who in ("viewer", "near", "far"):
        uid = world[who].uid
        rule = {str(d["_id"]) for d in docs if visibility.can_view_post(uid, d)}
        listed = {str(d["_id"]) for d in db.posts.find({"$and": [{"_id": {"$in": ids}},
                                                                 visibility.prefilter(uid)]})}
        in_memory = {str(d["_id"]) for d in docs if visibility.visible_with(
            uid, d, audience=relations.audience_sets(uid), blocked=relations.blocked_either_way(uid))}
        assert listed == rule, who
        assert in_memory == rule, who
        if who == "viewer":
            assert {world["posts"][p] for p in rule} == _expected(world, "viewer")
