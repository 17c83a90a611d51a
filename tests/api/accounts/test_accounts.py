"""Accounts through HTTP: register, verify, login, refresh, logout, reset, /me."""
from __future__ import annotations

import time

from tests.conftest import unique

PROBLEM = "application/problem+json"


def test_register_verify_login_flow(client, mailbox):
    username = unique("alice")
    addr = f"{username}@example.test"
    r = client.post("/api/v1/auth/register", json={"username": username.upper(), "email": addr.upper(),
                                                   "password": "a long enough password"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["username"] == username and body["email"] == addr and body["email_verified"] is False
    assert "password" not in body and "password_hash" not in body

    token = mailbox.last_token(addr, "confirm")
    r = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200 and r.get_json()["email_verified"] is True

    r = client.post("/api/v1/auth/login", json={"login": addr, "password": "a long enough password"})
    assert r.status_code == 200
    tokens = r.get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["email_verified"] is True and me.get_json()["followers_count"] == 0


def test_verification_link_in_mail_opens_the_web_client(client, mailbox, make_user):
    user = make_user(verified=False)
    msg = mailbox.messages_to(user.email)[-1]
    link = next(l for l in msg.get_content().splitlines() if "token=" in l).strip()
    # the web client's verify page (which posts the token), not the raw JSON endpoint
    assert link.startswith("http://testserver/#/verify?token="), link
    token = link.split("token=", 1)[1]
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    r.close()  # a file response: close it (ResourceWarning)
    # older links that point at the API itself: a browser is sent on to the web client's page,
    # an API client still gets JSON
    html = client.get(f"/api/v1/auth/verify-email?token={token}",
                      headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.status_code == 303 and html.headers["Location"].endswith(f"/#/verify?token={token}")
    assert client.get("/api/v1/me", headers=user.headers).get_json()["email_verified"] is False  # the page confirms
    r = client.get(f"/api/v1/auth/verify-email?token={token}")
    assert r.status_code == 200 and r.get_json()["uid"] == user.uid


def test_tampered_verification_token_is_401(client, mailbox, make_user):
    user = make_user()
    token = mailbox.last_token(user.email, "confirm")
    r = client.post("/api/v1/auth/verify-email", json={"token": token[:-3] + "xyz"})
    assert r.status_code == 401 and r.mimetype == PROBLEM
    assert r.get_json()["type"] == "/problems/invalid-token"


def test_duplicate_username_is_409_with_field(client, make_user):
    user = make_user()
    r = client.post("/api/v1/auth/register", json={"username": user.username, "email": "other@example.test",
                                                   "password": "another good password"})
    assert r.status_code == 409 and r.mimetype == PROBLEM
    assert r.get_json()["errors"][0]["field"] == "username"


def test_registration_validation(client):
    cases = [
        ({"username": "x", "email": "a@example.test", "password": "long enough pw"}, "username"),
        ({"username": unique(), "email": "not-an-email", "password": "long enough pw"}, "email"),
        ({"username": unique(), "email": "a@example.test", "password": "short"}, "password"),
        ({"username": unique(), "email": "a@example.test", "password": 1234567890123}, "password"),
        ({"username": unique(), "email": "a@example.test", "password": "long enough pw", "admin": True}, "admin"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.mimetype == PROBLEM
        assert field in {e["field"] for e in r.get_json()["errors"]}, r.get_json()


def test_malformed_json_is_400(client):
    r = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.mimetype == PROBLEM
    assert r.get_json()["type"] == "/problems/malformed-request"


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    user = make_user()
    a = client.post("/api/v1/auth/login", json={"login": user.username, "password": "wrong password!"})
    b = client.post("/api/v1/auth/login", json={"login": unique("ghost"), "password": "wrong password!"})
    assert a.status_code == b.status_code == 401
    assert a.get_json()["detail"] == b.get_json()["detail"]


def test_refresh_and_logout_revokes_both_tokens(client, make_user):
    user = make_user()
    refresh = {"Authorization": f"Bearer {user.tokens['refresh_token']}"}
    # an access token is not a refresh token and vice versa
    assert client.post("/api/v1/auth/refresh", headers=user.headers).status_code == 401
    assert client.get("/api/v1/me", headers=refresh).status_code == 401
    r = client.post("/api/v1/auth/refresh", headers=refresh)
    assert r.status_code == 200
    new_access = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    assert client.get("/api/v1/me", headers=new_access).status_code == 200

    assert client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    for headers in (user.headers, new_access):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.get_json()["detail"] == "the token has been revoked"
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401


def test_tampered_and_expired_jwt_are_401(app, client, make_user):
    user = make_user()
    token = user.tokens["access_token"]
    bad = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401 and r.mimetype == PROBLEM
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    with app.app_context():
        expired = create_access_token(identity=user.uid, additional_claims={"sid": "x"},
                                      expires_delta=timedelta(seconds=-10))
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.get_json()["detail"] == "the token has expired"
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.get_json()["type"] == "/problems/authentication-required"


def test_password_reset_once_and_ends_sessions(client, mailbox, make_user):
    user = make_user()
    r = client.post("/api/v1/auth/password-reset", json={"email": user.email})
    assert r.status_code == 202
    # unknown address: same answer, no mail
    assert client.post("/api/v1/auth/password-reset",
                       json={"email": "nobody-" + user.email}).status_code == 202
    token = mailbox.last_token(user.email, "reset")
    time.sleep(1.1)  # JWT iat has 1 s resolution; the cut-off is "issued before now"
    r = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "a brand new password"})
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=user.headers).status_code == 401
    r = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another password"})
    assert r.status_code == 401
    assert client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password}).status_code == 401
    fresh = client.post("/api/v1/auth/login", json={"login": user.username, "password": "a brand new password"})
    assert fresh.status_code == 200
    # a session begun after the cut-off works, cold (cache dropped) and warm
    headers = {"Authorization": f"Bearer {fresh.get_json()['access_token']}"}
    with client.application.app_context():
        from flask_jwt_extended import decode_token

        from socialgraph import stores
        from socialgraph.accounts.sessions import NOT_BEFORE_KEY, SESSION_KEY

        sid = decode_token(fresh.get_json()["access_token"])["sid"]
        stores.cache().delete(SESSION_KEY.format(uid=user.uid, sid=sid), NOT_BEFORE_KEY.format(uid=user.uid))
    assert [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)] == [200, 200]


def test_patch_me(client, make_user):
    user = make_user()
    r = user.patch("/api/v1/me", json={"display_name": "Alice A.", "bio": "hello"})
    assert r.status_code == 200
    assert r.get_json()["display_name"] == "Alice A." and r.get_json()["bio"] == "hello"
    r = client.get(f"/api/v1/users/{user.username}")
    assert r.get_json()["display_name"] == "Alice A."
    r = user.patch("/api/v1/me", json={"bio": "x" * 501})
    assert r.status_code == 422
    r = user.patch("/api/v1/me", json={"username": "hijack"})
    assert r.status_code == 422
