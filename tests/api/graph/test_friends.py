"""Friend requests, friendships, follow requests and their bad inputs, through HTTP."""
from __future__ import annotations

import threading

from socialgraph import stores

PROBLEM = "application/problem+json"


def befriend(a, b):
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    r = b.post(f"/api/v1/me/friend-requests/{a.username}/accept")
    assert r.status_code == 200, r.get_json()


def pair_counts(app, a, b) -> dict:
    """Relationships of each type between two users, straight from the graph."""
    with app.app_context():
        rows = stores.graph().run_text(
            "MATCH (a:User {uid: $a})-[r]-(b:User {uid: $b}) RETURN type(r) AS t, count(r) AS n",
            a=a.uid, b=b.uid)
    return {r["t"]: r["n"] for r in rows}


def test_request_accept_unfriend(app, client, make_user):
    a, b = make_user("fa"), make_user("fb")
    r = a.post(f"/api/v1/users/{b.username}/friend-request")
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    out = a.get("/api/v1/me/friend-requests/outgoing").get_json()["items"]
    inc = b.get("/api/v1/me/friend-requests/incoming").get_json()["items"]
    assert [i["username"] for i in out] == [b.username] and [i["username"] for i in inc] == [a.username]
    assert b.get(f"/api/v1/users/{a.username}").get_json()["friendship"] == "request_received"

    r = b.post(f"/api/v1/me/friend-requests/{a.username}/accept")
    assert r.status_code == 200 and r.get_json()["status"] == "friends"
    assert pair_counts(app, a, b) == {"FRIENDS_WITH": 1, "FOLLOWS": 2}
    assert b.get("/api/v1/me/friend-requests/incoming").get_json()["items"] == []
    prof = a.get(f"/api/v1/users/{b.username}").get_json()
    assert prof["friendship"] == "friends" and prof["friends_count"] == 1
    assert [f["username"] for f in client.get(f"/api/v1/users/{a.username}/friends").get_json()["items"]] \
        == [b.username]

    r = a.delete(f"/api/v1/users/{b.username}/friend")
    assert r.get_json() == {"friends": False, "deleted": True}
    assert a.delete(f"/api/v1/users/{b.username}/friend").get_json()["deleted"] is False
    assert pair_counts(app, a, b) == {}
    assert client.get(f"/api/v1/users/{a.username}/friends").get_json()["items"] == []


def test_bad_requests_answer_clearly(app, make_user, subtests):
    a, b, c = make_user("ba"), make_user("bb"), make_user("bc")
    with subtests.test("oneself and an unknown user"):
        r = a.post(f"/api/v1/users/{a.username}/friend-request")
        assert r.status_code == 422 and r.mimetype == PROBLEM
        assert a.post("/api/v1/users/nobody_here_xyz/friend-request").status_code == 404
    with subtests.test("a duplicate, and a request back while one is pending"):
        assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
        dup = a.post(f"/api/v1/users/{b.username}/friend-request")
        assert dup.status_code == 409 and dup.get_json()["type"] == "/problems/conflict"
        assert b.post(f"/api/v1/users/{a.username}/friend-request").status_code == 409  # theirs is pending
    with subtests.test("accepting, cancelling or declining a cancelled request"):
        assert a.delete(f"/api/v1/users/{b.username}/friend-request").get_json()["status"] == "cancelled"
        assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 409
        assert a.delete(f"/api/v1/users/{b.username}/friend-request").status_code == 409
        assert b.post(f"/api/v1/me/friend-requests/{a.username}/decline").status_code == 409
    with subtests.test("declined: gone for both, and a new request is possible"):
        assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
        assert b.post(f"/api/v1/me/friend-requests/{a.username}/decline").get_json()["status"] == "declined"
        assert a.get("/api/v1/me/friend-requests/outgoing").get_json()["items"] == []
    with subtests.test("already friends"):
        befriend(a, c)
        assert c.post(f"/api/v1/users/{a.username}/friend-request").status_code == 409
    # blocked either way: as if the user did not exist, and the block removed everything
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.put(f"/api/v1/users/{a.username}/block").status_code == 200
    assert pair_counts(app, a, b) == {"BLOCKS": 1}
    for user, other in ((a, b), (b, a)):
        with subtests.test("blocked", by=user is b):
            assert user.post(f"/api/v1/users/{other.username}/friend-request").status_code == 404
            assert user.get(f"/api/v1/users/{other.username}/friends").status_code == 404
            assert user.get(f"/api/v1/users/{other.username}/mutual-friends").status_code == 404
            assert user.get(f"/api/v1/users/{other.username}/connection").status_code == 404
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 404


def _race(calls):
    """Run the (client, method, url) calls at the same moment from threads; status codes in order."""
    barrier = threading.Barrier(len(calls))
    codes = [None] * len(calls)

    def go(i, client, method, url, headers):
        barrier.wait()
        codes[i] = getattr(client, method)(url, headers=headers).status_code

    threads = [threading.Thread(target=go, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes


def test_duplicate_requests_racing_make_one_request(app, make_user):
    a, b = make_user("ra"), make_user("rb")
    url = f"/api/v1/users/{b.username}/friend-request"
    codes = _race([(app.test_client(), "post", url, a.headers) for _ in range(6)])
    assert sorted(codes) == [201] + [409] * 5, codes
    assert pair_counts(app, a, b) == {"FRIEND_REQUEST": 1}


def test_crossing_requests_racing_make_one_request(app, make_user):
    a, b = make_user("xa"), make_user("xb")
    codes = _race([(app.test_client(), "post", f"/api/v1/users/{b.username}/friend-request", a.headers),
                   (app.test_client(), "post", f"/api/v1/users/{a.username}/friend-request", b.headers)])
    assert sorted(codes) == [201, 409], codes
    assert pair_counts(app, a, b) == {"FRIEND_REQUEST": 1}


def test_accept_racing_cancel_and_double_accept(app, make_user):
    for _ in range(3):
        a, b = make_user("aa"), make_user("ab")
        assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
        codes = _race([
            (app.test_client(), "post", f"/api/v1/me/friend-requests/{a.username}/accept", b.headers),
            (app.test_client(), "post", f"/api/v1/me/friend-requests/{a.username}/accept", b.headers),
            (app.test_client(), "delete", f"/api/v1/users/{b.username}/friend-request", a.headers),
        ])
        assert sorted(codes) == [200, 409, 409], codes
        counts = pair_counts(app, a, b)
        # either accepted (one friendship, follows both ways) or cancelled (nothing)
        assert counts in ({"FRIENDS_WITH": 1, "FOLLOWS": 2}, {}), counts


def test_locked_account_follow_requests(app, client, make_user):
    owner, fan, other = make_user("lk"), make_user("lf"), make_user("lo")
    r = owner.patch("/api/v1/me/privacy", json={"locked": True})
    assert r.status_code == 200 and r.get_json()["locked"] is True
    r = fan.put(f"/api/v1/users/{owner.username}/follow")
    assert r.get_json() == {"following": False, "requested": True, "created": True}
    assert fan.put(f"/api/v1/users/{owner.username}/follow").get_json()["created"] is False
    assert client.get(f"/api/v1/users/{owner.username}").get_json()["followers_count"] == 0
    assert fan.get(f"/api/v1/users/{owner.username}").get_json()["follow_requested"] is True
    other.put(f"/api/v1/users/{owner.username}/follow")
    reqs = owner.get("/api/v1/me/follow-requests").get_json()["items"]
    assert {i["username"] for i in reqs} == {fan.username, other.username}

    assert owner.post(f"/api/v1/me/follow-requests/{fan.username}/approve").get_json() == {"status": "approved"}
    assert owner.post(f"/api/v1/me/follow-requests/{fan.username}/approve").status_code == 409
    assert owner.post(f"/api/v1/me/follow-requests/{other.username}/reject").get_json() == {"status": "rejected"}
    assert pair_counts(app, owner, fan) == {"FOLLOWS": 1}
    assert pair_counts(app, owner, other) == {}
    assert owner.get("/api/v1/me/follow-requests").get_json()["items"] == []
    # withdrawing a pending request with DELETE /follow
    other.put(f"/api/v1/users/{owner.username}/follow")
    assert other.delete(f"/api/v1/users/{owner.username}/follow").get_json()["deleted"] is True
    assert pair_counts(app, owner, other) == {}


def test_request_lists_paginate(make_user):
    target = make_user("pt")
    senders = [make_user("ps") for _ in range(4)]
    for s in senders:
        assert s.post(f"/api/v1/users/{target.username}/friend-request").status_code == 201
    seen, cursor = [], None
    while True:
        q = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = target.get("/api/v1/me/friend-requests/incoming", query_string=q).get_json()
        assert len(page["items"]) <= 3
        seen += [i["username"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [s.username for s in reversed(senders)]
