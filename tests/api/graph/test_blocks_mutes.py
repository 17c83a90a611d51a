"""Blocks and mutes: what they remove and hide."""
from __future__ import annotations


def test_block_removes_follows_both_ways_and_hides_profile(client, make_user):
    a, b = make_user("blocker"), make_user("blocked")
    a.put(f"/api/v1/users/{b.username}/follow")
    b.put(f"/api/v1/users/{a.username}/follow")
    r = a.put(f"/api/v1/users/{b.username}/block")
    assert r.status_code == 200 and r.get_json()["created"] is True
    assert client.get(f"/api/v1/users/{a.username}").get_json()["followers_count"] == 0
    assert client.get(f"/api/v1/users/{a.username}").get_json()["following_count"] == 0
    # each is gone for the other: 404, not 403
    assert b.get(f"/api/v1/users/{a.username}").status_code == 404
    assert a.get(f"/api/v1/users/{b.username}").status_code == 404
    assert b.put(f"/api/v1/users/{a.username}/follow").status_code == 404
    # unblock restores nothing
    assert a.delete(f"/api/v1/users/{b.username}/block").get_json()["deleted"] is True
    r = b.get(f"/api/v1/users/{a.username}")
    assert r.status_code == 200 and r.get_json()["username"] == a.username
    assert client.get(f"/api/v1/users/{a.username}").get_json()["followers_count"] == 0


def test_blocked_and_muted_authors_leave_feeds(make_user):
    reader, muted, blocker = make_user("r"), make_user("m"), make_user("bl")
    for u in (muted, blocker):
        reader.put(f"/api/v1/users/{u.username}/follow")
    pm = muted.post("/api/v1/posts", json={"text": "muted voice"}).get_json()["id"]
    pb = blocker.post("/api/v1/posts", json={"text": "blocker voice"}).get_json()["id"]
    ids = {p["id"] for p in reader.get("/api/v1/feeds/home").get_json()["items"]}
    assert {pm, pb} <= ids

    def discover():
        return {p["id"] for p in reader.get("/api/v1/feeds/discover",
                                            query_string={"limit": 100, "sort": "new"}).get_json()["items"]}
    assert {pm, pb} <= discover()  # there before, so that "not there after" means something
    reader.put(f"/api/v1/users/{muted.username}/mute")
    blocker.put(f"/api/v1/users/{reader.username}/block")
    ids = {p["id"] for p in reader.get("/api/v1/feeds/home", query_string={"limit": 100}).get_json()["items"]}
    assert pm not in ids and pb not in ids
    disc = discover()
    assert pm not in disc and pb not in disc
    hot = {p["id"] for p in reader.get("/api/v1/feeds/discover", query_string={"limit": 100}).get_json()["items"]}
    assert pm not in hot and pb not in hot
    # the muted user does not notice anything
    r = muted.get(f"/api/v1/users/{reader.username}")
    assert r.status_code == 200 and r.get_json()["username"] == reader.username
    assert "muting" not in r.get_data(as_text=True) and "muted" not in r.get_data(as_text=True)
    # and the muted user's post is still readable by id (a mute only filters feeds)
    assert reader.get(f"/api/v1/posts/{pm}").status_code == 200
    assert reader.put(f"/api/v1/users/{reader.username}/mute").status_code == 422
