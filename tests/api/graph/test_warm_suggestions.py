"""Friend suggestions in one Redis round trip (issue 22, session 6): a warm
``GET /api/v1/me/suggestions`` reads the token's session keys, the viewer's
block sets and the ranking copy in one ``MGET`` (it was three round trips:
the revocation check, the block copy, the ranking copy). It must answer what
the general path answers, refuse a revoked token and hide a user blocked
after the ranking was copied."""
from __future__ import annotations

from flask_jwt_extended import decode_token

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.graph import suggestions
from tests.conftest import record_redis_commands

S = "/api/v1/me/suggestions"


def befriend(a, b):
    assert a.post(f"/api/v1/users/{b.username}/friend-request").status_code == 201
    assert b.post(f"/api/v1/me/friend-requests/{a.username}/accept").status_code == 200


def _setup(make_user):
    me, f, a, b = (make_user(p) for p in ("ws_me", "ws_f", "ws_a", "ws_b"))
    befriend(me, f)
    befriend(f, a)
    befriend(f, b)
    return me, a, b


def test_warm_suggestions_are_one_redis_round_trip_and_the_general_answer(make_user, ctx, monkeypatch, graph_reads):
    me, a, b = _setup(make_user)
    first = me.get(S)  # computes and copies the ranking
    assert first.status_code == 200
    assert {i["username"] for i in first.get_json()["items"]} == {a.username, b.username}
    sent = record_redis_commands(monkeypatch)
    graph_reads.clear()
    warm = me.get(S)
    assert warm.status_code == 200 and graph_reads == []
    assert len([x for x in sent if b"LIMITS:" not in x]) == 1, sent  # the rate limiter's own trips aside
    with monkeypatch.context() as m:  # the general path (no fused read) answers the same
        m.setattr(suggestions, "_one_read", lambda uid, also, also_then: also_then(None) if also_then else None)
        slow = me.get(S)
    assert slow.status_code == 200 and slow.get_data() == warm.get_data()


def test_warm_suggestions_refuse_revoked_tokens_and_hide_new_blocks(make_user, ctx):
    me, a, b = _setup(make_user)
    assert me.get(S).status_code == 200
    # a block after the ranking was copied: gone at once, both ways
    assert b.put(f"/api/v1/users/{me.username}/block").status_code == 200
    assert [i["username"] for i in me.get(S).get_json()["items"]] == [a.username]
    # the cached verdict gone: MongoDB answers, still served
    claims = decode_token(me.tokens["access_token"])
    stores.cache().delete(sessions.SESSION_KEY.format(uid=me.uid, sid=claims["sid"]))
    assert me.get(S).status_code == 200
    assert me.post("/api/v1/auth/logout").status_code == 204
    r = me.get(S)
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
