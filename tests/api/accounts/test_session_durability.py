"""Revocation is durable (MongoDB is the truth, Redis a cache): after Redis
loses every key, logged-out, reset, suspended and deleted sessions stay
refused; refresh checks the durable session and the account; the cut-off
has millisecond precision."""
from __future__ import annotations

import time

from socialgraph import stores
from socialgraph.accounts import sessions


def flush_redis(app):
    """What a Redis restart without persistence (or a failover) does."""
    with app.app_context():
        stores.cache().flushall()


def refresh(client, tokens):
    return client.post("/api/v1/auth/refresh", headers={"Authorization": "Bearer " + tokens["refresh_token"]})


def me(client, tokens):
    return client.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens["access_token"]})


def login(client, user, password=None):
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": password or user.password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_logout_survives_redis_flush(app, client, make_user):
    user = make_user("dur")
    other = login(client, user)
    assert user.post("/api/v1/auth/logout").status_code == 204
    flush_redis(app)
    assert me(client, user.tokens).status_code == 401
    assert refresh(client, user.tokens).status_code == 401
    # the other session is untouched, and the cache is filled again from MongoDB
    assert me(client, other).status_code == 200
    with app.app_context():
        sid = client.get("/api/v1/me/sessions", headers={"Authorization": "Bearer " + other["access_token"]}
                         ).get_json()["items"][0]["id"]
        assert stores.cache().get(sessions.SESSION_KEY.format(uid=user.uid, sid=sid)) == f"ok:{user.uid}".encode()
        assert stores.cache().get(sessions.SESSION_KEY.format(uid=user.uid, sid=user.tokens and _sid(user.tokens))) == b"revoked"


def _sid(tokens):
    from flask_jwt_extended import decode_token

    return decode_token(tokens["access_token"])["sid"]


def test_revoked_one_and_all_others_survive_redis_flush(app, client, make_user):
    user = make_user("dur")
    a, b = login(client, user), login(client, user)
    with app.app_context():
        sid_a = _sid(a)
    assert user.delete(f"/api/v1/me/sessions/{sid_a}").status_code == 204
    r = client.post("/api/v1/me/password", json={"current_password": user.password,
                                                 "new_password": "another fine passphrase"},
                    headers={"Authorization": "Bearer " + b["access_token"]})
    assert r.status_code == 200 and r.get_json()["revoked"] == 1  # make_user's session
    flush_redis(app)
    for t in (a, user.tokens):
        assert me(client, t).status_code == 401 and refresh(client, t).status_code == 401
    assert me(client, b).status_code == 200 and refresh(client, b).status_code == 200


def test_password_reset_cut_off_survives_flush_and_same_second_login_works(app, client, make_user, mailbox):
    user = make_user("dur")
    assert client.post("/api/v1/auth/password-reset", json={"email": user.email}).status_code == 202
    token = mailbox.last_token(user.email, "reset")
    # start just after a second boundary so the reset and the new sign-in share that second
    time.sleep(1.05 - (time.time() % 1))
    r = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "brand new passphrase"})
    assert r.status_code == 204
    fresh = login(client, user, password="brand new passphrase")
    assert me(client, fresh).status_code == 200 and refresh(client, fresh).status_code == 200
    assert me(client, user.tokens).status_code == 401
    flush_redis(app)
    assert me(client, user.tokens).status_code == 401
    assert refresh(client, user.tokens).status_code == 401
    assert me(client, fresh).status_code == 200
    r = refresh(client, fresh)
    assert r.status_code == 200
    # the refreshed access token keeps the session's sign-in time, so it works too
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + r.get_json()["access_token"]}
                      ).status_code == 200


def test_refresh_checks_the_durable_session_and_the_account(app, client, make_user):
    user = make_user("dur")
    assert me(client, user.tokens).status_code == 200  # the cache now says "ok"
    with app.app_context():
        stores.mongo().accounts.update_one({"_id": user.uid}, {"$set": {"status": "suspended"}})
    try:
        r = refresh(client, user.tokens)
        assert r.status_code == 401 and r.mimetype == "application/problem+json"
    finally:
        with app.app_context():
            stores.mongo().accounts.update_one({"_id": user.uid}, {"$set": {"status": "active"}})
    other = make_user("dur")
    with app.app_context():  # revoked in MongoDB only (a cache write lost)
        stores.mongo().sessions.update_one({"_id": _sid(other.tokens)}, {"$set": {"revoked_at": sessions.clock.now()}})
    assert refresh(client, other.tokens).status_code == 401


def test_suspension_and_deletion_survive_redis_flush(app, client, make_user):
    from socialgraph.moderation import service as moderation

    user = make_user("dur")
    with app.app_context():
        moderation.suspend(user.uid)
    flush_redis(app)
    assert me(client, user.tokens).status_code == 401 and refresh(client, user.tokens).status_code == 401

    gone = make_user("dur")
    r = gone.post("/api/v1/me/deletion", json={"password": gone.password})
    assert r.status_code == 202
    flush_redis(app)
    assert me(client, gone.tokens).status_code == 401 and refresh(client, gone.tokens).status_code == 401
    r = client.post("/api/v1/posts", json={"text": "from beyond"},
                    headers={"Authorization": "Bearer " + gone.tokens["access_token"]})
    assert r.status_code == 401


def test_revoked_among_many_tokens_warm_cold_and_without_the_store(app, client, make_user):
    """``revoked_among``: the answers of ``is_token_revoked`` for many tokens at once;
    with ``ask_store=False`` (the sockets' periodic fallback) a verdict no longer cached
    is not asked of MongoDB and counts as not revoked, unless the cached cut-off says so."""
    from flask_jwt_extended import decode_token

    user = make_user("ram")
    kept, ended = login(client, user), login(client, user)
    with app.app_context():
        claims = [decode_token(t["access_token"]) for t in (kept, ended)]
        sessions.logout(claims[1]["sid"], uid=user.uid)
        assert sessions.revoked_among(claims) == [False, True]
        assert sessions.revoked_among(claims, ask_store=False) == [False, True]
        for c in claims:  # the verdicts expire (the revocation mark of the second stays in MongoDB)
            stores.cache().delete(sessions.SESSION_KEY.format(uid=user.uid, sid=c["sid"]))
        assert sessions.revoked_among(claims, ask_store=False) == [False, False]
        assert sessions.revoked_among(claims) == [False, True]  # MongoDB asked, cache refilled
        assert stores.cache().get(sessions.SESSION_KEY.format(uid=user.uid, sid=claims[1]["sid"])) == b"revoked"
        stores.cache().delete(sessions.SESSION_KEY.format(uid=user.uid, sid=claims[0]["sid"]))
        sessions.revoke_all_sessions(user.uid)  # a cut-off after both sign-ins, cached
        stores.cache().delete(sessions.SESSION_KEY.format(uid=user.uid, sid=claims[0]["sid"]))
        assert sessions.revoked_among(claims, ask_store=False) == [True, True]
        assert sessions.revoked_among([{"sub": user.uid}]) == [True]  # no session id
