"""The profile in one Redis script (issue 22): ``GET /api/v1/users/<name>``
reads the card, the pair's relation, the viewer's block sets, the friend
lists (or a hub's shared friends), the stories flag's index and the token's
revocation verdict in one round trip. It must answer byte for byte what the
general path answers, refuse a revoked token, hide blocked users either way,
and fall back to the general path when the script cannot run."""
from __future__ import annotations

import json

import pytest
from flask_jwt_extended import decode_token

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.graph import people, profiles
from socialgraph.graph.friends import FRIENDS_KEY
from socialgraph.stores.localstack import free_port
from tests.conftest import extra_app, record_redis_commands


def befriend(a, b):
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200


def general(monkeypatch):
    """A context where the script never runs: the general path answers."""
    m = monkeypatch.context()
    ctx = m.__enter__()
    ctx.setattr(profiles, "_one_trip", lambda name, viewer, also, also_then: also_then(None) if also_then else None)
    return m


def both(getter, path, monkeypatch, graph_reads):
    """(warm bytes, general bytes) of ``path``: read twice first (the copies
    made), the warm read must ask the graph nothing."""
    for _ in range(2):
        assert getter(path).status_code == 200
    graph_reads.clear()
    warm = getter(path)
    assert warm.status_code == 200
    assert graph_reads == [], graph_reads
    m = general(monkeypatch)
    try:
        slow = getter(path)
    finally:
        m.__exit__(None, None, None)
    assert slow.status_code == 200
    return warm.get_data(), slow.get_data()


def test_warm_profile_is_byte_for_byte_the_general_path(make_user, client, ctx, monkeypatch, graph_reads, subtests):
    v, o, c, d = make_user("vw"), make_user("ow"), make_user("cm"), make_user("dm")
    for x in (c, d):  # two friends in common
        befriend(v, x)
        befriend(o, x)
    v.put(f"/api/v1/users/{o.username}/follow")
    o.put(f"/api/v1/users/{v.username}/follow")
    cases = {"follows both ways, mutual friends": (v.get, o.username),
             "oneself": (v.get, v.username),
             "anonymous": (client.get, o.username)}
    s, r = make_user("sn"), make_user("rc")
    assert s.post(f"/api/v1/users/{o.username}/friend-request").status_code == 201
    cases["request sent"] = (s.get, o.username)
    cases["request received"] = (o.get, s.username)
    locked, asker = make_user("lk"), make_user("ak")
    locked.patch("/api/v1/me/privacy", json={"locked": True})
    assert asker.put(f"/api/v1/users/{locked.username}/follow").get_json()["requested"] is True
    cases["follow requested"] = (asker.get, locked.username)
    hidden = make_user("hd")
    hidden.patch("/api/v1/me/privacy", json={"profile_visibility": "friends"})
    cases["restricted"] = (r.get, hidden.username)
    cases["restricted, anonymous"] = (client.get, hidden.username)
    nofriends = make_user("nf")
    nofriends.patch("/api/v1/me/privacy", json={"show_friends": False})
    cases["friends list hidden"] = (v.get, nofriends.username)
    for name, (getter, username) in cases.items():
        with subtests.test(name):
            warm, slow = both(getter, f"/api/v1/users/{username}", monkeypatch, graph_reads)
            assert warm == slow
    body = v.get(f"/api/v1/users/{o.username}").get_json()
    assert body["mutual_friends"] == {"count": 2, "sample": sorted([c.username, d.username])}
    assert body["followed_by_viewer"] and body["follows_viewer"] and body["has_unseen_stories"] is False
    assert s.get(f"/api/v1/users/{o.username}").get_json()["friendship"] == "request_sent"
    assert asker.get(f"/api/v1/users/{locked.username}").get_json()["follow_requested"] is True
    assert r.get(f"/api/v1/users/{hidden.username}").get_json()["restricted"] is True
    with subtests.test("a cold card and a first view: the graph's answer"):
        for getter, username in cases.values():
            path = f"/api/v1/users/{username}"
            stores.read_cache().delete(people.PROFILE_KEY.format(username=username))
            cold = getter(path)
            m = general(monkeypatch)
            try:
                slow = getter(path)
            finally:
                m.__exit__(None, None, None)
            assert cold.status_code == 200 and cold.get_data() == slow.get_data()
        stores.read_cache().delete(people.RELATION_KEY.format(viewer=v.uid, username=o.username))
        first = v.get(f"/api/v1/users/{o.username}")
        assert first.status_code == 200 and first.get_data() == v.get(f"/api/v1/users/{o.username}").get_data()
    with subtests.test("a hub's shared friends"):
        monkeypatch.setattr(people, "HUB_DEGREE", 2)  # o has 2 friends: a hub now
        stores.read_cache().delete(people.PROFILE_KEY.format(username=o.username))
        warm, slow = both(v.get, f"/api/v1/users/{o.username}", monkeypatch, graph_reads)
        assert warm == slow
        assert v.get(f"/api/v1/users/{o.username}").get_json()["mutual_friends"]["count"] == 2


def _trips(monkeypatch):
    sent = record_redis_commands(monkeypatch)
    return sent


def _page_trips(sent):
    """The Redis round trips of a request but the rate limiter's own."""
    return [x for x in sent if b"LIMITS:" not in x]


def test_warm_profile_is_one_redis_round_trip(make_user, ctx, monkeypatch, graph_reads):
    v, o, c = make_user("vw"), make_user("ow"), make_user("cm")
    befriend(v, c)
    befriend(o, c)
    for _ in range(2):
        assert v.get(f"/api/v1/users/{o.username}").status_code == 200
    sent = _trips(monkeypatch)
    graph_reads.clear()
    body = v.get(f"/api/v1/users/{o.username}").get_json()
    assert body["mutual_friends"]["count"] == 1 and graph_reads == []
    # the rate limiter's own commands aside: one EVALSHA (verdict, card, relation, blocks, friends, stories)
    trips = _page_trips(sent)
    assert len(trips) == 1 and b"EVALSHA" in trips[0]
    # the first view of a pair: the card's copy answers, the copies shared across pairs the relation
    # (the viewer's following set, friend list, block sets and pending requests, the owner's following
    # set): no graph query, the one script
    w = make_user("nw")
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200  # w's own copies made
    stores.read_cache().delete(people.RELATION_KEY.format(viewer=w.uid, username=o.username))
    sent.clear()
    graph_reads.clear()
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200
    assert graph_reads == [] and len(_page_trips(sent)) == 1
    # one shared copy missing (the viewer's followers set): the graph answers the relation, its copy
    # stored by a second script, the missing shared copy made again
    stores.read_cache().delete(people.RELATION_KEY.format(viewer=w.uid, username=o.username),
                               people.FOLLOWERS_KEY.format(uid=w.uid))
    sent.clear()
    graph_reads.clear()
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200
    assert graph_reads == ["graph/users/get_viewer_relation", "graph/users/list_viewer_relation_sets"]
    assert len(_page_trips(sent)) == 4  # + the missing copy's version read and its store
    # a cold card: the graph answers card and relation; their copies stored, the
    # owner's friend list and the stories index read, in one second script
    stores.read_cache().delete(people.PROFILE_KEY.format(username=o.username))
    sent.clear()
    graph_reads.clear()
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200
    assert graph_reads == ["graph/users/get_profile_card_for_viewer"]
    assert len(_page_trips(sent)) == 2
    sent.clear()
    graph_reads.clear()
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200
    assert graph_reads == [] and len(_page_trips(sent)) == 1


def test_warm_profile_refuses_revoked_tokens(make_user, ctx):
    v, o = make_user("vw"), make_user("ow")
    for _ in range(2):
        assert v.get(f"/api/v1/users/{o.username}").status_code == 200
    # the cached verdict gone: MongoDB answers, the profile is still served
    claims = decode_token(v.tokens["access_token"])
    stores.cache().delete(sessions.SESSION_KEY.format(uid=v.uid, sid=claims["sid"]))
    assert v.get(f"/api/v1/users/{o.username}").status_code == 200
    assert v.post("/api/v1/auth/logout").status_code == 204
    r = v.get(f"/api/v1/users/{o.username}")
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
    w = make_user("ot")
    assert w.get(f"/api/v1/users/{o.username}").status_code == 200
    sessions.revoke_all_sessions(w.uid)
    r = w.get(f"/api/v1/users/{o.username}")
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
    # a revoked token for an unknown user: 401, not 404
    assert w.get("/api/v1/users/nobody_here_xyz").status_code == 401


@pytest.mark.parametrize("who_blocks", ["viewer", "owner"])
def test_warm_profile_is_404_when_blocked_either_way(make_user, who_blocks):
    v, o = make_user("vw"), make_user("ow")
    for _ in range(2):
        assert v.get(f"/api/v1/users/{o.username}").status_code == 200
    blocker, blocked = (v, o) if who_blocks == "viewer" else (o, v)
    assert blocker.put(f"/api/v1/users/{blocked.username}/block").status_code == 200
    assert v.get(f"/api/v1/users/{o.username}").status_code == 404
    assert o.get(f"/api/v1/users/{v.username}").status_code == 404
    assert blocker.delete(f"/api/v1/users/{blocked.username}/block").status_code in (200, 204)
    assert v.get(f"/api/v1/users/{o.username}").status_code == 200


def test_every_relation_change_shows_on_the_warm_profile(make_user):
    v, o = make_user("vw"), make_user("ow")

    def prof():
        return v.get(f"/api/v1/users/{o.username}").get_json()

    prof(), prof()
    v.put(f"/api/v1/users/{o.username}/follow")
    assert prof()["followed_by_viewer"] is True and prof()["followers_count"] == 1
    v.post(f"/api/v1/users/{o.username}/friend-request")
    assert prof()["friendship"] == "request_sent"
    o.post(f"/api/v1/me/friend-requests/{v.username}/accept")
    got = prof()
    assert got["friendship"] == "friends" and got["friends_count"] == 1 and got["follows_viewer"] is True
    o.patch("/api/v1/me/privacy", json={"profile_visibility": "private"})
    assert prof()["restricted"] is True


def test_the_profile_without_redis_is_the_general_path(app_config, make_user, client):
    """Redis away: an anonymous profile is read from the graph; a signed-in one
    answers 503 (its revocation check needs Redis), as before the script."""
    o, v = make_user("ow"), make_user("vw")
    healthy = client.get(f"/api/v1/users/{o.username}")
    with extra_app(app_config, STORE_TIMEOUT_SECONDS=0.5, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as away:
        c = away.test_client()
        r = c.get(f"/api/v1/users/{o.username}")
        assert r.status_code == 200 and r.get_data() == healthy.get_data()
        r = c.get(f"/api/v1/users/{o.username}", headers={"Authorization": f"Bearer {v.tokens['access_token']}"})
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0


def test_a_cold_profile_brings_the_viewers_friend_list(make_user, ctx, graph_reads):
    """Issue 22 (session 6): a viewer without a copy of their own friend list
    opening a cold profile cost a second graph query for that list (MUSAE
    readers: 0.43 a profile); the card's query brings it, the second script
    stores it (its version read before the query), and the count is exact."""
    v, o, c, d, e = (make_user(p) for p in ("vw", "ow", "cm", "vf", "nf"))
    befriend(v, c)
    befriend(o, c)
    befriend(v, d)
    friends_key = FRIENDS_KEY.format(uid=v.uid)
    r = stores.read_cache()
    r.delete(friends_key, people.PROFILE_KEY.format(username=o.username))
    graph_reads.clear()
    body = v.get(f"/api/v1/users/{o.username}").get_json()
    assert body["mutual_friends"] == {"count": 1, "sample": [c.username]}
    assert graph_reads == ["graph/users/get_profile_card_for_viewer"]
    assert sorted(json.loads(r.get(friends_key))) == sorted([c.username, d.username])
    # a new friendship drops the copy: the next cold card brings the new list
    befriend(v, e)
    befriend(o, e)
    r.delete(people.PROFILE_KEY.format(username=o.username))
    graph_reads.clear()
    body = v.get(f"/api/v1/users/{o.username}").get_json()
    assert body["mutual_friends"] == {"count": 2, "sample": sorted([c.username, e.username])}
    assert graph_reads == ["graph/users/get_profile_card_for_viewer"]
    # oneself: no list is read for the count
    r.delete(friends_key, people.PROFILE_KEY.format(username=v.username))
    assert v.get(f"/api/v1/users/{v.username}").get_json()["mutual_friends"] is None


def test_a_hub_viewers_cold_card_walks_from_the_owner_with_the_same_answer(make_user, ctx, monkeypatch, graph_reads,
                                                                           subtests):
    """Issue 22 session 7: the cold card's relation patterns started at the
    viewer, so a viewer with 9,492 friends paid their relationships on every
    cold card (p50 6.9 ms vs 0.75 from the owner). A viewer whose following
    set copy holds HUB_DEGREE members gets ``get_profile_card_for_hub_viewer``,
    and every relation field answers as from the viewer's side."""
    monkeypatch.setattr(people, "HUB_DEGREE", 2)  # the viewer below follows 2: a hub
    v, o, x, y = make_user("hv"), make_user("ho"), make_user("hx"), make_user("hy")
    befriend(v, x)
    befriend(o, x)
    for u in (x, y):
        assert v.put(f"/api/v1/users/{u.username}/follow").status_code in (200, 201, 204)
    assert o.put(f"/api/v1/users/{v.username}/follow").status_code in (200, 201, 204)
    assert v.post(f"/api/v1/users/{y.username}/friend-request").status_code == 201
    people.following_uids(v.uid)  # the following set copy: SCARD 2
    r = stores.read_cache()
    for owner in (o, x, y):
        with subtests.test(owner=owner.username):
            r.delete(people.PROFILE_KEY.format(username=owner.username),
                     people.RELATION_KEY.format(viewer=v.uid, username=owner.username))
            graph_reads.clear()
            hub_view = v.get(f"/api/v1/users/{owner.username}")
            assert hub_view.status_code == 200
            assert graph_reads == ["graph/users/get_profile_card_for_hub_viewer"]
            r.delete(people.PROFILE_KEY.format(username=owner.username),
                     people.RELATION_KEY.format(viewer=v.uid, username=owner.username))
            r.delete(people.FOLLOWING_KEY.format(uid=v.uid), FRIENDS_KEY.format(uid=v.uid))  # no hint: a small viewer
            graph_reads.clear()
            small_view = v.get(f"/api/v1/users/{owner.username}")
            assert graph_reads[0] == "graph/users/get_profile_card_for_viewer"
            assert hub_view.get_json() == small_view.get_json()
            people.following_uids(v.uid)
    body = v.get(f"/api/v1/users/{o.username}").get_json()
    assert body["follows_viewer"] and not body["followed_by_viewer"] and body["mutual_friends"]["count"] == 1
    assert v.get(f"/api/v1/users/{y.username}").get_json()["followed_by_viewer"]


def test_viewer_is_hub_hint():
    assert profiles._viewer_is_hub(people.HUB_DEGREE, 0)
    assert profiles._viewer_is_hub(0, profiles.HUB_FRIENDS_BYTES)
    assert not profiles._viewer_is_hub(people.HUB_DEGREE - 1, profiles.HUB_FRIENDS_BYTES - 1)


def test_friend_list_copies_live_as_long_as_the_card(make_user, app, ctx):
    """Issue 22 session 7: the friend lists the mutual-friend count reads lived
    FOLLOWING_CACHE_SECONDS (60 s), so an owner's list expired between two
    views and the next profile asked the graph again. They are versioned copies
    dropped by every friendship change: they live FRIENDS_CACHE_SECONDS."""
    assert app.config["FRIENDS_CACHE_SECONDS"] > app.config["FOLLOWING_CACHE_SECONDS"]
    v, o, c = make_user("fv"), make_user("fo"), make_user("fc")
    befriend(v, c)
    befriend(o, c)
    r = stores.read_cache()
    r.delete(FRIENDS_KEY.format(uid=v.uid), FRIENDS_KEY.format(uid=o.uid))
    for _ in range(2):
        assert v.get(f"/api/v1/users/{o.username}").get_json()["mutual_friends"]["count"] == 1
    for uid in (v.uid, o.uid):
        ttl = r.ttl(FRIENDS_KEY.format(uid=uid))
        assert app.config["FOLLOWING_CACHE_SECONDS"] < ttl <= app.config["FRIENDS_CACHE_SECONDS"], (uid, ttl)
