"""Follows through HTTP: follow, unfollow, lists with cursors, counts."""
from __future__ import annotations

PROBLEM = "application/problem+json"


def test_follow_unfollow_counts(client, make_user):
    a, b = make_user("a"), make_user("b")
    r = a.put(f"/api/v1/users/{b.username}/follow")
    assert r.status_code == 200 and r.get_json() == {"following": True, "created": True}
    again = a.put(f"/api/v1/users/{b.username}/follow")
    assert again.get_json()["created"] is False  # idempotent, no second relationship

    prof = a.get(f"/api/v1/users/{b.username}").get_json()
    assert prof["followers_count"] == 1 and prof["followed_by_viewer"] is True
    assert client.get(f"/api/v1/users/{b.username}").get_json()["followed_by_viewer"] is False
    assert client.get(f"/api/v1/users/{a.username}").get_json()["following_count"] == 1
    assert b.get(f"/api/v1/users/{a.username}").get_json()["follows_viewer"] is True

    r = a.delete(f"/api/v1/users/{b.username}/follow")
    assert r.get_json() == {"following": False, "deleted": True}
    assert a.delete(f"/api/v1/users/{b.username}/follow").get_json()["deleted"] is False
    assert client.get(f"/api/v1/users/{b.username}").get_json()["followers_count"] == 0


def test_follow_self_unknown_and_anonymous(client, make_user):
    a = make_user()
    r = a.put(f"/api/v1/users/{a.username}/follow")
    assert r.status_code == 422 and r.mimetype == PROBLEM
    r = a.put("/api/v1/users/nobody_here_xyz/follow")
    assert r.status_code == 404 and r.get_json()["type"] == "/problems/not-found"
    assert client.put(f"/api/v1/users/{a.username}/follow").status_code == 401
    assert client.get("/api/v1/users/nobody_here_xyz").status_code == 404


def test_followers_cursor_pagination(client, make_user):
    star = make_user("star")
    fans = [make_user("fan") for _ in range(5)]
    for f in fans:
        assert f.put(f"/api/v1/users/{star.username}/follow").status_code == 200
    seen, cursor = [], None
    while True:
        q = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = client.get(f"/api/v1/users/{star.username}/followers", query_string=q)
        assert r.status_code == 200
        page = r.get_json()
        assert len(page["items"]) <= 2
        seen += [i["username"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f.username for f in reversed(fans)]  # newest follow first, no duplicates
    r = client.get(f"/api/v1/users/{fans[0].username}/following")
    assert [i["username"] for i in r.get_json()["items"]] == [star.username]


def test_bad_cursor_and_limit(client, make_user):
    a = make_user()
    r = client.get(f"/api/v1/users/{a.username}/followers", query_string={"cursor": "!!not-a-cursor"})
    assert r.status_code == 400 and r.mimetype == PROBLEM
    r = client.get(f"/api/v1/users/{a.username}/followers", query_string={"limit": 1000})
    assert r.status_code == 422
    r = client.get(f"/api/v1/users/{a.username}/followers", query_string={"limit": "ten"})
    assert r.status_code == 422
