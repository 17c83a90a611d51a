"""Sessions (list, revoke one/all), password change, login-attempt records,
progressive throttling and locks, new-device email."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from socialgraph.core import clock
from tests.conftest import unique

PROBLEM = "application/problem+json"


def login(client, user, ua="pytest-a", ip="127.0.0.1", password=None):
    return client.post("/api/v1/auth/login", json={"login": user.username, "password": password or user.password},
                       headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": ip})


def bearer(tokens):
    return {"Authorization": "Bearer " + tokens["access_token"]}


def test_sessions_listed_revoked_one_and_all(client, make_user):
    user = make_user("ses")  # session 1 (make_user's login)
    s2 = login(client, user, ua="phone").get_json()
    s3 = login(client, user, ua="laptop").get_json()
    items = client.get("/api/v1/me/sessions", headers=bearer(s2)).get_json()["items"]
    assert len(items) == 3 and [i["current"] for i in items].count(True) == 1
    assert {i["user_agent"] for i in items} >= {"phone", "laptop"}
    current = next(i for i in items if i["current"])
    assert current["user_agent"] == "phone" and current["ip"] == "127.0.0.1"
    laptop = next(i for i in items if i["user_agent"] == "laptop")
    # revoke one: its tokens stop working at once
    assert client.delete(f"/api/v1/me/sessions/{laptop['id']}", headers=bearer(s2)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(s3)).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": "Bearer " + s3["refresh_token"]}).status_code == 401
    assert client.delete(f"/api/v1/me/sessions/{laptop['id']}", headers=bearer(s2)).status_code == 404
    # someone else's session id is a 404, and stays valid
    other = make_user("ses")
    other_sid = client.get("/api/v1/me/sessions", headers=other.headers).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/me/sessions/{other_sid}", headers=bearer(s2)).status_code == 404
    assert other.get("/api/v1/me").status_code == 200
    # revoke all others: only the caller's stays
    r = client.delete("/api/v1/me/sessions", headers=bearer(s2))
    assert r.status_code == 200 and r.get_json()["revoked"] == 1
    assert user.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer(s2)).status_code == 200
    assert len(client.get("/api/v1/me/sessions", headers=bearer(s2)).get_json()["items"]) == 1



def test_logout_tells_the_revocation_listeners_and_revoke_all_counts(ctx, client, make_user, monkeypatch):
    """A logout by session id alone finds the account and tells the listeners
    (they close its sockets); ``revoke_all`` returns how many it ended, 0 when none."""
    from socialgraph.accounts import sessions

    heard = []
    monkeypatch.setattr(sessions, "REVOCATION_LISTENERS",
                        [*sessions.REVOCATION_LISTENERS, lambda uid, sids, reason: heard.append((uid, sids, reason))])
    u = make_user("rl")
    assert client.post("/api/v1/auth/login", json={"login": u.username, "password": u.password}).status_code == 200
    first, second = sorted(sessions.list_active(u.uid, None), key=lambda s: s["created_at"])
    sessions.logout(first["id"])
    assert heard == [(u.uid, [first["id"]], "logout")]
    assert sessions.revoke_all(u.uid, except_sid=second["id"]) == 0
    assert sessions.revoke_all(u.uid) == 1
    assert sessions.list_active(u.uid, None) == []
    # a token without a session id or subject is refused before any store is asked
    assert (sessions.is_token_revoked({"sub": u.uid}), sessions.is_token_revoked({"sid": second["id"]})) == (True, True)

def test_password_change_revokes_the_other_sessions(client, make_user):
    user = make_user("pwc")
    other = login(client, user, ua="other device").get_json()
    r = user.post("/api/v1/me/password", json={"current_password": "not it at all", "new_password": "a new password 123"})
    assert r.status_code == 401
    r = user.post("/api/v1/me/password", json={"current_password": user.password, "new_password": "short"})
    assert r.status_code == 422
    r = user.post("/api/v1/me/password", json={"current_password": user.password, "new_password": "a new password 123"})
    assert r.status_code == 200 and r.get_json()["revoked"] == 1
    assert user.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401
    assert login(client, user).status_code == 401
    assert login(client, user, password="a new password 123").status_code == 200


def test_attempts_recorded_and_new_device_email(client, make_user, mailbox):
    user = make_user("mon")  # first login: no alert
    assert not [m for m in mailbox.messages_to(user.email) if "New sign-in" in m["Subject"]]
    assert login(client, user, password="wrong password!").status_code == 401
    assert login(client, user, ua="Firefox/140 on a new laptop", ip="10.1.2.3").status_code == 200
    alerts = [m for m in mailbox.messages_to(user.email) if "New sign-in" in m["Subject"]]
    assert len(alerts) == 1 and "10.1.2.3" in alerts[0].get_content() and "Firefox/140" in alerts[0].get_content()
    # the same device again: no second alert
    assert login(client, user, ua="Firefox/140 on a new laptop", ip="10.1.2.3").status_code == 200
    assert len([m for m in mailbox.messages_to(user.email) if "New sign-in" in m["Subject"]]) == 1
    items = user.get("/api/v1/me/login-attempts").get_json()["items"]
    outcomes = [i["outcome"] for i in items]
    assert outcomes[:4] == ["success", "success", "failure", "success"]
    assert items[0]["ip"] == "10.1.2.3" and items[0]["user_agent"] == "Firefox/140 on a new laptop"
    assert items[0]["at"].endswith(("Z", "+00:00"))


@pytest.fixture()
def frozen():
    c = {"t": datetime.now(timezone.utc)}
    clock.set_clock(lambda: c["t"])
    yield c
    clock.set_clock(None)


def test_progressive_throttle_then_lock_per_account(app, client, make_user, frozen):
    user = make_user("thr")
    after, lock_after = app.config["LOGIN_THROTTLE_AFTER"], app.config["LOGIN_LOCK_AFTER"]
    for _ in range(after):
        assert login(client, user, password="wrong password!").status_code == 401
    # now each attempt must wait 1, 2, 4 ... s after the last failure
    r = login(client, user)  # even the right password is not checked yet
    assert r.status_code == 429 and r.mimetype == PROBLEM and int(r.headers["Retry-After"]) >= 1
    assert r.get_json()["type"] == "/problems/rate-limited"
    n = after
    while n < lock_after:
        frozen["t"] += timedelta(seconds=2 ** (n - after) + 1)
        assert login(client, user, password="wrong password!").status_code == 401
        n += 1
    frozen["t"] += timedelta(seconds=120)
    r = login(client, user)
    assert r.status_code == 429 and r.get_json()["reason"] == "locked"
    assert 0 < int(r.headers["Retry-After"]) <= app.config["LOGIN_LOCK_SECONDS"]
    # another account from the same address is not affected
    other = make_user("thr")
    assert login(client, other).status_code == 200
    # after the lock time the right password works and clears the count
    frozen["t"] += timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    assert login(client, user).status_code == 200
    assert login(client, user, password="wrong password!").status_code == 401
    assert login(client, user).status_code == 200
    outcomes = {i["outcome"] for i in user.get("/api/v1/me/login-attempts").get_json()["items"]}
    assert {"throttled", "failure", "success"} <= outcomes


def test_ip_lock(app_config, frozen, request):
    from socialgraph.app import create_app

    app = create_app({**app_config, "LOGIN_IP_LOCK_AFTER": 3, "RATELIMIT_KEY_PREFIX": unique("rl")})
    request.addfinalizer(app.extensions["socialgraph"].close)
    c = app.test_client()
    ip = f"10.9.{frozen['t'].microsecond % 250}.{frozen['t'].second + 1}"
    for i in range(3):
        r = c.post("/api/v1/auth/login", json={"login": unique("nobody"), "password": "whatever pw"},
                   environ_base={"REMOTE_ADDR": ip})
        assert r.status_code == 401
    r = c.post("/api/v1/auth/login", json={"login": unique("nobody"), "password": "whatever pw"},
               environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 429 and "address" in r.get_json()["detail"]
    r = c.post("/api/v1/auth/login", json={"login": unique("nobody"), "password": "whatever pw"},
               environ_base={"REMOTE_ADDR": "10.200.0.1"})
    assert r.status_code == 401
