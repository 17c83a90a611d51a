"""Accepting a friend request fills an active home feed like a follow (issue 25, item 7)."""
from __future__ import annotations


def _home_ids(user) -> list[str]:
    r = user.get("/api/v1/feeds/home")
    assert r.status_code == 200, r.get_json()
    return [p["id"] for p in r.get_json()["items"]]


def test_accepting_a_friend_request_merges_both_friends_earlier_posts(make_user):
    a, b = make_user("fa"), make_user("fb")
    a_post = a.post("/api/v1/posts", json={"text": "from a, before we were friends"}).get_json()["id"]
    b_posts = [b.post("/api/v1/posts", json={"text": f"from b #{i}", "visibility": vis}).get_json()["id"]
               for i, vis in enumerate(("public", "friends"))]
    # both have an active (cached) home feed before the friendship
    assert not set(b_posts) & set(_home_ids(a))
    assert a_post not in _home_ids(b)
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200
    assert set(b_posts) <= set(_home_ids(a))  # the friends-only post too: they are friends now
    assert a_post in _home_ids(b)
