"""The profile's relation from copies shared across pairs (issue 22, target
2c): on the first view of a pair, ``followed_by_viewer``, ``follows_viewer``,
``blocked``, ``friends`` and the three pending-request flags come from the
viewer's following and followers sets (the owner's following set for a viewer
with too many followers to copy), block sets, friend list and pending-requests
copy, read in the profile's one script (no graph query). Each write kind that
changes one of them is followed by profile reads from both ends, which must
answer what the graph says, also after Redis lost every key (FLUSHALL)."""
from __future__ import annotations

import json

import pytest

from socialgraph import stores
from socialgraph.graph import people
from tests.conftest import record_redis_commands


def truth(a, b):
    """How ``a`` stands to ``b`` by the graph, in the profile's terms."""
    t = stores.graph().read("graph/users/get_viewer_relation", viewer=a.uid, owner=b.uid)[0]
    if t["blocked"]:
        return "not found"
    friendship = ("friends" if t["friends"] else "request_sent" if t["request_sent"] else
                  "request_received" if t["request_received"] else "none")
    return {"followed_by_viewer": t["followed_by_viewer"], "follows_viewer": t["follows_viewer"],
            "friendship": friendship, "follow_requested": t["follow_requested"]}


def seen(a, b):
    """How ``a`` stands to ``b`` by ``a``'s profile read of ``b`` (its pair copy dropped first: a first view)."""
    stores.read_cache().delete(people.RELATION_KEY.format(viewer=a.uid, username=b.username))
    r = a.get(f"/api/v1/users/{b.username}")
    if r.status_code == 404:
        return "not found"
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    return {k: body[k] for k in ("followed_by_viewer", "follows_viewer", "friendship", "follow_requested")}


def check(v, o, graph_reads, flush):
    """Both ends see what the graph says: on the first reads after the write
    (any copy the write dropped, or a cold card: the graph answers and the
    copies are made again) and on the next first view, which the shared
    copies answer without a relation query."""
    if flush:
        stores.cache().flushall()
    for a, b in ((v, o), (o, v)):
        want = truth(a, b)
        assert seen(a, b) == want, (a.username, b.username)
        assert seen(a, b) == want, (a.username, b.username)
        graph_reads.clear()
        assert seen(a, b) == want, (a.username, b.username)
        if want != "not found":
            assert "graph/users/get_viewer_relation" not in graph_reads, graph_reads
            assert "graph/users/get_viewer_relation_of_hub" not in graph_reads, graph_reads


def ok(resp, *codes):
    assert resp.status_code in (codes or (200, 201, 204)), resp.get_json()
    return resp


@pytest.mark.parametrize("flush, followers_max", [(False, people.FOLLOWERS_SET_MAX), (True, people.FOLLOWERS_SET_MAX),
                                                   (False, 0)], ids=["warm", "flushall", "owner-following-set"])
def test_every_pair_write_is_seen_by_the_shared_relation(make_user, ctx, graph_reads, monkeypatch, flush,
                                                         followers_max):
    """``owner-following-set``: every viewer has too many followers to copy, so
    ``follows_viewer`` comes from the owner's following set."""
    monkeypatch.setattr(people, "FOLLOWERS_SET_MAX", followers_max)
    v, o = make_user("sv"), make_user("so")
    steps = [
        ("nothing", lambda: None),
        ("v follows o", lambda: ok(v.put(f"/api/v1/users/{o.username}/follow"))),
        ("o follows v", lambda: ok(o.put(f"/api/v1/users/{v.username}/follow"))),
        ("v unfollows o", lambda: ok(v.delete(f"/api/v1/users/{o.username}/follow"))),
        ("o unfollows v", lambda: ok(o.delete(f"/api/v1/users/{v.username}/follow"))),
        ("v asks o to be friends", lambda: ok(v.post(f"/api/v1/users/{o.username}/friend-request"))),
        ("o declines", lambda: ok(o.post(f"/api/v1/me/friend-requests/{v.username}/decline"))),
        ("v asks again", lambda: ok(v.post(f"/api/v1/users/{o.username}/friend-request"))),
        ("v cancels", lambda: ok(v.delete(f"/api/v1/users/{o.username}/friend-request"))),
        ("o asks v", lambda: ok(o.post(f"/api/v1/users/{v.username}/friend-request"))),
        ("v accepts", lambda: ok(v.post(f"/api/v1/me/friend-requests/{o.username}/accept"))),
        ("o unfriends v", lambda: ok(o.delete(f"/api/v1/users/{v.username}/friend"))),
        ("o locks the account", lambda: ok(o.patch("/api/v1/me/privacy", json={"locked": True}))),
        ("v asks to follow o", lambda: ok(v.put(f"/api/v1/users/{o.username}/follow"))),
        ("v withdraws", lambda: ok(v.delete(f"/api/v1/users/{o.username}/follow"))),
        ("v asks to follow again", lambda: ok(v.put(f"/api/v1/users/{o.username}/follow"))),
        ("o rejects", lambda: ok(o.post(f"/api/v1/me/follow-requests/{v.username}/reject"))),
        ("v asks a third time", lambda: ok(v.put(f"/api/v1/users/{o.username}/follow"))),
        ("o approves", lambda: ok(o.post(f"/api/v1/me/follow-requests/{v.username}/approve"))),
        ("o unlocks and asks v to be friends", lambda: (ok(o.patch("/api/v1/me/privacy", json={"locked": False})),
                                                        ok(o.post(f"/api/v1/users/{v.username}/friend-request")))),
        ("o follows v", lambda: ok(o.put(f"/api/v1/users/{v.username}/follow"))),
        ("v blocks o (follows and the request go)", lambda: ok(v.put(f"/api/v1/users/{o.username}/block"))),
        ("v unblocks o", lambda: ok(v.delete(f"/api/v1/users/{o.username}/block"))),
        ("v mutes o", lambda: ok(v.put(f"/api/v1/users/{o.username}/mute"))),
        ("v asks o, o blocks v", lambda: (ok(v.post(f"/api/v1/users/{o.username}/friend-request")),
                                          ok(o.put(f"/api/v1/users/{v.username}/block")))),
        ("o unblocks v", lambda: ok(o.delete(f"/api/v1/users/{v.username}/block"))),
    ]
    for name, write in steps:
        write()
        try:
            check(v, o, graph_reads, flush)
        except AssertionError as exc:
            raise AssertionError(f"after {name!r}: {exc}") from exc


def test_a_warm_first_view_asks_the_graph_nothing(make_user, ctx, monkeypatch):
    """Every shared copy warm, no pair copy: no Bolt query (read or write),
    one Redis script, and the same bytes as the pair's own query gives."""
    from socialgraph.stores.graphdb import GraphStore

    v, o, x = make_user("fv"), make_user("fo"), make_user("fx")
    ok(v.put(f"/api/v1/users/{o.username}/follow"))
    ok(o.post(f"/api/v1/users/{v.username}/friend-request"))
    for _ in range(2):  # the first read makes the card's copy, the second the shared copies the graph answered
        seen(v, x)  # the viewer's, by a first view of another owner
        seen(x, o)  # the owner's following set, by another viewer's first view
    bolt = []
    for name in ("read", "write"):
        real = getattr(GraphStore, name)
        monkeypatch.setattr(GraphStore, name, lambda self, q, _real=real, **kw: (bolt.append(q), _real(self, q, **kw))[1])
    sent = record_redis_commands(monkeypatch)
    first = v.get(f"/api/v1/users/{o.username}")
    assert first.status_code == 200
    assert bolt == [], bolt
    assert len([x for x in sent if b"LIMITS:" not in x]) == 1  # the profile's script, nothing after it
    body = first.get_json()
    assert body["followed_by_viewer"] is True and body["follows_viewer"] is False
    assert body["friendship"] == "request_received"
    stores.read_cache().delete(people.PENDING_KEY.format(uid=v.uid))  # a shared copy missing: the graph answers
    bolt.clear()
    again = v.get(f"/api/v1/users/{o.username}")
    assert bolt[0] == "graph/users/get_viewer_relation", bolt
    assert again.get_data() == first.get_data()


def test_a_long_pending_list_is_not_copied(make_user, ctx, graph_reads, monkeypatch):
    """Over :data:`people.PENDING_MAX` requests one way: the copy says so and the
    pair's query answers (exactly) instead."""
    monkeypatch.setattr(people, "PENDING_MAX", 1)
    v, o, p = make_user("lv"), make_user("lo"), make_user("lp")
    ok(v.post(f"/api/v1/users/{o.username}/friend-request"))
    ok(v.post(f"/api/v1/users/{p.username}/friend-request"))
    for _ in range(3):
        graph_reads.clear()
        assert seen(v, o) == truth(v, o) == {"followed_by_viewer": False, "follows_viewer": False,
                                             "friendship": "request_sent", "follow_requested": False}
        assert "graph/users/get_viewer_relation" in graph_reads
    assert json.loads(stores.read_cache().get(people.PENDING_KEY.format(uid=v.uid))) == {"over": True}
    seen(o, v)
    seen(o, v)  # o's copy made: one request each way, under the cap
    assert json.loads(stores.read_cache().get(people.PENDING_KEY.format(uid=o.uid))) == {
        "sent": [], "received": [v.uid], "follow_sent": []}


def test_a_hubs_friendship_is_read_from_the_viewers_friend_list(make_user, ctx, graph_reads, monkeypatch):
    """An owner with HUB_DEGREE friends or more: the script reads the viewer's
    friend list for ``friends`` (not the hub's)."""
    v, o, c = make_user("hv"), make_user("ho"), make_user("hc")
    for a, b in ((v, o), (c, o)):
        ok(a.post(f"/api/v1/users/{b.username}/friend-request"))
        ok(b.post(f"/api/v1/me/friend-requests/{a.username}/accept"))
    monkeypatch.setattr(people, "HUB_DEGREE", 2)
    stores.read_cache().delete(people.PROFILE_KEY.format(username=o.username))
    for _ in range(3):
        graph_reads.clear()
        assert seen(v, o) == truth(v, o) == {"followed_by_viewer": True, "follows_viewer": True,
                                             "friendship": "friends", "follow_requested": False}
    assert "graph/users/get_viewer_relation_of_hub" not in graph_reads, graph_reads
    ok(v.delete(f"/api/v1/users/{o.username}/friend"))
    for _ in range(2):
        assert seen(v, o) == truth(v, o)


def test_a_following_set_read_before_a_follow_is_not_stored_after_it(make_user, ctx, monkeypatch):
    """The stale-set race on the following set the profile now trusts: a
    reader that read the graph before a follow landed does not store its set
    after the follow dropped the copy."""
    from socialgraph.stores.graphdb import GraphStore

    v, o = make_user("rv"), make_user("ro")
    key = people.FOLLOWING_KEY.format(uid=v.uid)
    real = GraphStore.read
    raced = []

    def read(self, name, **params):
        rows = real(self, name, **params)
        if name == "graph/follows/list_following_uids" and not raced:
            raced.append(1)  # the follow lands between the reader's graph read and its store
            ok(v.put(f"/api/v1/users/{o.username}/follow"))
        return rows

    stores.cache().delete(key)
    with monkeypatch.context() as m:
        m.setattr(GraphStore, "read", read)
        assert people.following_uids(v.uid) == []  # what the reader read
    assert raced and not stores.cache().exists(key)  # ... was not stored over the follow
    assert people.following_uids(v.uid) == [o.uid]
    assert stores.cache().smembers(key) == {o.uid.encode()}


def test_an_account_deletion_leaves_no_stale_entry_in_the_shared_copies(make_user, ctx, graph_reads):
    """A deleted user who followed the viewer and had asked to be friends: the
    viewer's followers set and pending-requests copy are dropped with the
    account (the related users' copies), and are made again without it."""
    v, o, x = make_user("dv"), make_user("do"), make_user("dx")
    ok(x.put(f"/api/v1/users/{v.username}/follow"))
    ok(x.post(f"/api/v1/users/{v.username}/friend-request"))
    for _ in range(3):
        assert seen(v, o) == truth(v, o)
    assert x.uid.encode() in stores.cache().smembers(people.FOLLOWERS_KEY.format(uid=v.uid))
    assert x.uid in json.loads(stores.read_cache().get(people.PENDING_KEY.format(uid=v.uid)))["received"]
    assert x.post("/api/v1/me/deletion", json={"password": x.password}).status_code == 202
    assert not stores.cache().exists(people.FOLLOWERS_KEY.format(uid=v.uid))
    assert not stores.read_cache().exists(people.PENDING_KEY.format(uid=v.uid))
    for _ in range(3):
        assert seen(v, o) == truth(v, o)
    assert x.uid.encode() not in stores.cache().smembers(people.FOLLOWERS_KEY.format(uid=v.uid))
    assert json.loads(stores.read_cache().get(people.PENDING_KEY.format(uid=v.uid)))["received"] == []
    assert seen(v, x) == "not found"
