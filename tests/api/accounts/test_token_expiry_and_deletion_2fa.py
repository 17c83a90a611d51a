"""Expired verification, reset and MFA tokens (the clock moved with
:func:`socialgraph.core.clock.set_clock`, no sleeping), and the 2FA code that
account deletion asks for when 2FA is on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from socialgraph import stores
from socialgraph.core import clock

PROBLEM = "application/problem+json"


@pytest.fixture()
def frozen():
    """``frozen["t"]`` is now; ``frozen.move(seconds)`` moves it."""
    class Clock(dict):
        def move(self, seconds):
            self["t"] += timedelta(seconds=seconds)

    c = Clock(t=datetime.now(timezone.utc).replace(microsecond=0))
    clock.set_clock(lambda: c["t"])
    yield c
    clock.set_clock(None)


def _expired(r):
    assert r.status_code == 401 and r.mimetype == PROBLEM, r.get_json()
    body = r.get_json()
    assert body["type"] == "/problems/invalid-token" and "expired" in body["detail"], body


@pytest.mark.parametrize("late", [False, True], ids=["in_time", "expired"])
def test_verification_token_expires(app, client, mailbox, make_user, frozen, late):
    user = make_user("vexp", verified=False)
    token = mailbox.last_token(user.email, "confirm")
    max_age = app.config["EMAIL_TOKEN_MAX_AGE"]
    frozen.move(max_age + 1 if late else max_age - 1)
    r = client.post("/api/v1/auth/verify-email", json={"token": token})
    if late:
        _expired(r)
    else:
        assert r.status_code == 200 and r.get_json()["email_verified"] is True
    with app.app_context():
        assert stores.mongo().accounts.find_one({"_id": user.uid})["email_verified"] is (not late)


@pytest.mark.parametrize("late", [False, True], ids=["in_time", "expired"])
def test_reset_token_expires(app, client, mailbox, make_user, frozen, late):
    user = make_user("rexp")
    assert client.post("/api/v1/auth/password-reset", json={"email": user.email}).status_code == 202
    token = mailbox.last_token(user.email, "reset")
    max_age = app.config["RESET_TOKEN_MAX_AGE"]
    frozen.move(max_age + 1 if late else max_age - 1)
    r = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "a brand new password"})
    if late:
        _expired(r)
    else:
        assert r.status_code == 204
    # an expired token changed nothing: the old password still signs in
    old = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    new = client.post("/api/v1/auth/login", json={"login": user.username, "password": "a brand new password"})
    assert (old.status_code, new.status_code) == ((200, 401) if late else (401, 200))


def _enrol(user, frozen):
    setup = user.post("/api/v1/me/2fa/setup").get_json()
    r = user.post("/api/v1/me/2fa/confirm", json={"code": pyotp.TOTP(setup["secret"]).at(frozen["t"])})
    assert r.status_code == 200, r.get_json()
    return setup["secret"]


@pytest.mark.parametrize("late", [False, True], ids=["in_time", "expired"])
def test_mfa_token_expires(app, client, make_user, frozen, late):
    user = make_user("mexp")
    secret = _enrol(user, frozen)
    frozen.move(30)
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    assert r.status_code == 202
    mfa_token = r.get_json()["mfa_token"]
    max_age = app.config["MFA_TOKEN_SECONDS"]
    frozen.move(max_age + 1 if late else max_age - 1)
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": mfa_token,
                                                     "code": pyotp.TOTP(secret).at(frozen["t"])})
    if late:
        _expired(r)
        assert "access_token" not in r.get_json()
    else:
        assert r.status_code == 200 and "access_token" in r.get_json()


@pytest.fixture()
def enrolled(make_user, frozen):
    user = make_user("del2fa")
    secret = _enrol(user, frozen)
    frozen.move(30)
    return user, secret


def _not_deleting(app, user):
    assert user.get("/api/v1/me").status_code == 200
    with app.app_context():
        assert stores.mongo().accounts.find_one({"_id": user.uid}).get("status") != "deleting"
        assert stores.mongo().deletions.find_one({"_id": user.uid}) is None


@pytest.mark.parametrize("code", ["missing", "wrong", "stale"])
def test_deletion_with_2fa_on_refuses_without_a_good_code(app, enrolled, frozen, code):
    user, secret = enrolled
    good = pyotp.TOTP(secret).at(frozen["t"])
    body = {"password": user.password}
    if code == "wrong":
        body["code"] = "000000" if good != "000000" else "111111"
    elif code == "stale":  # a code from ten minutes ago
        body["code"] = pyotp.TOTP(secret).at(frozen["t"] - timedelta(minutes=10))
        if body["code"] == good:
            pytest.skip("the stale code happens to equal the current one")
    r = user.post("/api/v1/me/deletion", json=body)
    assert r.status_code == 401 and r.mimetype == PROBLEM, r.get_json()
    _not_deleting(app, user)


def test_deletion_with_2fa_on_and_the_current_code(app, client, enrolled, frozen):
    user, secret = enrolled
    r = user.post("/api/v1/me/deletion", json={"password": user.password, "code": pyotp.TOTP(secret).at(frozen["t"])})
    assert r.status_code == 202, r.get_json()
    assert client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password}).status_code == 401
    with app.app_context():
        assert stores.mongo().accounts.find_one({"_id": user.uid}) is None


def test_deletion_with_2fa_on_and_a_wrong_password_but_good_code(app, enrolled, frozen):
    user, secret = enrolled
    r = user.post("/api/v1/me/deletion", json={"password": "not the password",
                                               "code": pyotp.TOTP(secret).at(frozen["t"])})
    assert r.status_code == 401
    _not_deleting(app, user)
