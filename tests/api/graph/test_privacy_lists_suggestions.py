"""Privacy settings, close friends and lists, suggestions, mutual friends, connections."""
from __future__ import annotations

from socialgraph.graph.suggestions import reason

PROBLEM = "application/problem+json"


def befriend(a, b):
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200


def test_privacy_settings_defaults_validation_and_enforcement(client, make_user):
    owner, friend, stranger = make_user("po"), make_user("pf"), make_user("ps")
    assert owner.get("/api/v1/me/privacy").get_json() == {
        "profile_visibility": "public", "friend_requests_from": "everyone", "messages_from": "everyone",
        "show_followers": True, "show_friends": True, "locked": False}
    r = owner.patch("/api/v1/me/privacy", json={"profile_visibility": "secret", "colour": "red"})
    assert r.status_code == 422 and r.mimetype == PROBLEM
    assert {e["field"] for e in r.get_json()["errors"]} >= {"profile_visibility", "colour"}
    befriend(owner, friend)
    stranger.put(f"/api/v1/users/{owner.username}/follow")

    r = owner.patch("/api/v1/me/privacy", json={"profile_visibility": "friends"})
    assert r.get_json()["profile_visibility"] == "friends" and r.get_json()["show_friends"] is True
    seen = stranger.get(f"/api/v1/users/{owner.username}").get_json()
    assert seen["restricted"] is True and seen["username"] == owner.username
    assert seen["bio"] is None and seen["followers_count"] is None and seen["friends_count"] is None
    assert client.get(f"/api/v1/users/{owner.username}").get_json()["restricted"] is True
    assert friend.get(f"/api/v1/users/{owner.username}").get_json()["restricted"] is False
    assert owner.get(f"/api/v1/users/{owner.username}").get_json()["friendship"] == "self"
    # a friendship is a follow each way; the stranger follows the owner
    listed = {"friends": {friend.username}, "followers": {friend.username, stranger.username},
              "following": {friend.username}}
    for path in ("friends", "followers", "following"):
        r = stranger.get(f"/api/v1/users/{owner.username}/{path}")
        assert r.status_code == 403 and r.get_json()["type"] == "/problems/forbidden"
        for reader in (friend, owner):
            r = reader.get(f"/api/v1/users/{owner.username}/{path}")
            assert r.status_code == 200 and {i["username"] for i in r.get_json()["items"]} == listed[path], path

    owner.patch("/api/v1/me/privacy", json={"profile_visibility": "public", "show_friends": False})
    assert stranger.get(f"/api/v1/users/{owner.username}").get_json()["restricted"] is False
    assert stranger.get(f"/api/v1/users/{owner.username}/friends").status_code == 403
    r = stranger.get(f"/api/v1/users/{owner.username}/followers")
    assert r.status_code == 200 and {i["username"] for i in r.get_json()["items"]} == listed["followers"]
    owner.patch("/api/v1/me/privacy", json={"profile_visibility": "private", "show_friends": True})
    assert friend.get(f"/api/v1/users/{owner.username}").get_json()["restricted"] is True


def test_who_may_send_friend_requests(make_user):
    target, friend, fof, stranger = make_user("wt"), make_user("wf"), make_user("wo"), make_user("ws")
    befriend(target, friend)
    befriend(friend, fof)
    target.patch("/api/v1/me/privacy", json={"friend_requests_from": "nobody"})
    r = stranger.post(f"/api/v1/users/{target.username}/friend-request")
    assert r.status_code == 403 and r.mimetype == PROBLEM
    target.patch("/api/v1/me/privacy", json={"friend_requests_from": "friends_of_friends"})
    assert stranger.post(f"/api/v1/users/{target.username}/friend-request").status_code == 403
    assert fof.post(f"/api/v1/users/{target.username}/friend-request").status_code == 201


def test_privacy_helpers_for_other_areas(ctx, make_user):
    from socialgraph.graph import privacy

    a, b, c = make_user("ha"), make_user("hb"), make_user("hc")
    befriend(a, b)
    b.patch("/api/v1/me/privacy", json={"messages_from": "friends", "profile_visibility": "friends"})
    assert privacy.can_message(a.uid, b.uid) and not privacy.can_message(c.uid, b.uid)
    assert privacy.can_view_profile(a.uid, b.uid) and not privacy.can_view_profile(c.uid, b.uid)
    assert not privacy.can_view_profile(None, b.uid)
    assert privacy.can_send_friend_request(c.uid, b.uid) and not privacy.can_send_friend_request(a.uid, b.uid)
    a.put(f"/api/v1/users/{b.username}/block")  # blocks always win, also for the blocker
    assert not privacy.can_message(a.uid, b.uid) and not privacy.can_message(b.uid, a.uid)
    assert not privacy.can_view_profile(b.uid, a.uid)



def test_privacy_helpers_refuse_unknown_owners_blocks_and_settings(ctx, make_user):
    """The helpers other areas call, at their edges: an unknown owner is
    refused (not an error), ``friend_requests_from`` decides for each kind
    of sender, and a list check names the owner and refuses a block as 404."""
    import pytest

    from socialgraph.core.errors import Forbidden, NotFound
    from socialgraph.graph import privacy

    target, friend, fof, stranger = make_user("pt"), make_user("pf"), make_user("po"), make_user("ps")
    befriend(target, friend)
    befriend(friend, fof)
    ghost = "0" * 32
    assert (privacy.can_view_profile(stranger.uid, ghost), privacy.can_message(stranger.uid, ghost),
            privacy.can_send_friend_request(stranger.uid, ghost)) == (False, False, False)
    senders = (friend.uid, fof.uid, stranger.uid)
    expected = {"everyone": [False, True, True], "friends_of_friends": [False, True, False],
                "nobody": [False, False, False]}
    for setting, allowed in expected.items():
        target.patch("/api/v1/me/privacy", json={"friend_requests_from": setting})
        assert [privacy.can_send_friend_request(s, target.uid) for s in senders] == allowed, setting
    assert privacy.require_list_access(stranger.uid, target.uid, "followers").owner == target.uid
    target.patch("/api/v1/me/privacy", json={"show_friends": False})
    with pytest.raises(Forbidden):
        privacy.require_list_access(stranger.uid, target.uid, "friends")
    target.put(f"/api/v1/users/{stranger.username}/block")
    for which in ("followers", "friends"):
        with pytest.raises(NotFound):
            privacy.require_list_access(stranger.uid, target.uid, which)

def test_close_friends_and_lists(make_user):
    me, x, y, z = make_user("cm"), make_user("cx"), make_user("cy"), make_user("cz")
    assert me.put(f"/api/v1/me/close-friends/{x.username}").get_json() == {"close_friend": True, "created": True}
    assert me.put(f"/api/v1/me/close-friends/{x.username}").get_json()["created"] is False
    me.put(f"/api/v1/me/close-friends/{y.username}")
    assert me.put(f"/api/v1/me/close-friends/{me.username}").status_code == 422
    assert me.put("/api/v1/me/close-friends/nobody_here_xyz").status_code == 404
    assert [i["username"] for i in me.get("/api/v1/me/close-friends").get_json()["items"]] == [y.username, x.username]
    me.put(f"/api/v1/users/{y.username}/block")  # a block removes CLOSE_FRIEND
    assert [i["username"] for i in me.get("/api/v1/me/close-friends").get_json()["items"]] == [x.username]
    assert me.put(f"/api/v1/me/close-friends/{y.username}").status_code == 404
    assert me.delete(f"/api/v1/me/close-friends/{x.username}").get_json()["deleted"] is True

    r = me.post("/api/v1/me/lists", json={"name": "  "})
    assert r.status_code == 422
    lst = me.post("/api/v1/me/lists", json={"name": "Climbing"})
    assert lst.status_code == 201
    lid = lst.get_json()["id"]
    assert me.put(f"/api/v1/me/lists/{lid}/members/{x.username}").get_json() == {"member": True, "created": True}
    me.put(f"/api/v1/me/lists/{lid}/members/{z.username}")
    assert me.get("/api/v1/me/lists").get_json()["items"][0] == {
        "id": lid, "name": "Climbing", "members": 2, "created_at": lst.get_json()["created_at"]}
    # another user cannot see or change my list
    assert x.get(f"/api/v1/me/lists/{lid}/members").status_code == 404
    assert x.put(f"/api/v1/me/lists/{lid}/members/{z.username}").status_code == 404
    assert x.delete(f"/api/v1/me/lists/{lid}").status_code == 404
    assert me.delete(f"/api/v1/me/lists/{lid}/members/{z.username}").get_json()["deleted"] is True
    assert [i["username"] for i in me.get(f"/api/v1/me/lists/{lid}/members").get_json()["items"]] == [x.username]
    assert me.delete(f"/api/v1/me/lists/{lid}").status_code == 204
    assert me.get(f"/api/v1/me/lists/{lid}/members").status_code == 404


def test_reason_text():
    assert reason(1, ["ann"]) == "1 mutual friend: ann"
    assert reason(2, ["ann", "bob"]) == "2 mutual friends: ann and bob"
    assert reason(3, ["ann", "bob"]) == "3 mutual friends: ann, bob and 1 other"
    assert reason(7, ["ann", "bob"]) == "7 mutual friends: ann, bob and 5 others"


def test_suggestions_mutual_friends_and_connection(make_user, subtests):
    """One friend graph; each reader of it a subtest (one wrong answer does not hide the others)."""
    me, b, e, c, d, f, g = (make_user(p) for p in ("sme", "sb", "se", "sc", "sd", "sf", "sg"))
    befriend(me, b)
    befriend(me, e)
    befriend(b, c)
    befriend(e, c)
    befriend(b, d)
    befriend(d, f)
    befriend(f, g)
    with subtests.test("suggestions by mutual friends, with their reason"):
        page = me.get("/api/v1/me/suggestions").get_json()
        assert [(i["username"], i["mutual_friends"]) for i in page["items"]] == [(c.username, 2), (d.username, 1)]
        assert page["items"][0]["reason"] in (f"2 mutual friends: {b.username} and {e.username}",
                                              f"2 mutual friends: {e.username} and {b.username}")
        assert page["items"][1]["reason"] == f"1 mutual friend: {b.username}"
    with subtests.test("suggestions page without gaps"):
        p1 = me.get("/api/v1/me/suggestions", query_string={"limit": 1}).get_json()
        p2 = me.get("/api/v1/me/suggestions", query_string={"limit": 1, "cursor": p1["next_cursor"]}).get_json()
        assert [i["username"] for i in p1["items"] + p2["items"]] == [c.username, d.username]
        assert p2["next_cursor"] is None
    with subtests.test("mutual friends, listed and on the profile"):
        mutual = me.get(f"/api/v1/users/{c.username}/mutual-friends").get_json()
        assert mutual["count"] == 2 and {i["username"] for i in mutual["items"]} == {b.username, e.username}
        assert me.get(f"/api/v1/users/{c.username}").get_json()["mutual_friends"]["count"] == 2
    with subtests.test("the connection path; a user who blocks either end is never on it"):
        conn = me.get(f"/api/v1/users/{g.username}/connection").get_json()
        assert conn["degree"] == 4
        assert [u["username"] for u in conn["path"]] == [me.username, b.username, d.username, f.username, g.username]
        assert d.put(f"/api/v1/users/{me.username}/block").status_code == 200
        assert me.get(f"/api/v1/users/{g.username}/connection").get_json() == {"degree": None, "path": []}
    # d blocked me above: c is the only suggestion left
    with subtests.test("a pending request excludes, its cancellation brings back"):
        assert me.post(f"/api/v1/users/{c.username}/friend-request").status_code == 201
        assert me.get("/api/v1/me/suggestions").get_json()["items"] == []
        assert me.delete(f"/api/v1/users/{c.username}/friend-request").status_code == 200
        assert [i["username"] for i in me.get("/api/v1/me/suggestions").get_json()["items"]] == [c.username]
    with subtests.test("a mute excludes"):
        assert me.put(f"/api/v1/users/{c.username}/mute").status_code == 200
        assert me.get("/api/v1/me/suggestions").get_json()["items"] == []
        assert me.delete(f"/api/v1/users/{c.username}/mute").status_code == 200
    with subtests.test("a follow excludes"):
        assert me.put(f"/api/v1/users/{c.username}/follow").status_code == 200
        assert me.get("/api/v1/me/suggestions").get_json()["items"] == []


def test_heavy_users_get_precomputed_cached_suggestions_dropped_on_change(app, make_user, monkeypatch):
    import json

    from socialgraph import stores
    from socialgraph.graph.suggestions import CACHE_KEY

    monkeypatch.setitem(app.config, "SUGGESTIONS_HEAVY_FRIENDS", 1)  # everyone with a friend is heavy
    me, b, c, d = make_user("hm"), make_user("hb"), make_user("hc"), make_user("hd")
    befriend(me, b)
    befriend(b, c)
    with app.app_context():
        r = stores.cache()
        # the friend.accepted job precomputed the suggestions of both new friends
        assert [i["username"] for i in json.loads(r.get(CACHE_KEY.format(uid=c.uid)))] == [me.username]
        assert [i["username"] for i in me.get("/api/v1/me/suggestions").get_json()["items"]] == [c.username]
        key = CACHE_KEY.format(uid=me.uid)
        assert r.ttl(key) > 0  # heavy: cached on read too
        fake = [{"uid": "0" * 32, "username": "cached_marker", "display_name": "x", "mutual_friends": 9,
                 "reason": "9 mutual friends"}]
        r.set(key, json.dumps(fake))
        assert me.get("/api/v1/me/suggestions").get_json()["items"][0]["username"] == "cached_marker"
        # b's new friendship changes the friends of friends of b's friends: me's cache is dropped
        befriend(b, d)
        assert r.get(key) is None
        got = me.get("/api/v1/me/suggestions").get_json()["items"]
        assert {i["username"] for i in got} == {c.username, d.username}
        # blocks are filtered on read even from a cache
        me.put(f"/api/v1/users/{d.username}/block")
        assert [i["username"] for i in me.get("/api/v1/me/suggestions").get_json()["items"]] == [c.username]
