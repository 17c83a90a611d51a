"""TOTP two-factor authentication through HTTP (RFC 6238), with a controlled clock."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from socialgraph.core import clock

PROBLEM = "application/problem+json"


@pytest.fixture()
def frozen():
    """A settable clock: ``frozen["t"]`` is now; ``frozen.step(n)`` moves it by n*30 s."""
    class Clock(dict):
        def step(self, n=1):
            self["t"] += timedelta(seconds=30 * n)

    c = Clock(t=datetime.now(timezone.utc).replace(microsecond=0))
    clock.set_clock(lambda: c["t"])
    yield c
    clock.set_clock(None)


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def enrol(user, frozen):
    r = user.post("/api/v1/me/2fa/setup")
    assert r.status_code == 200, r.get_json()
    setup = r.get_json()
    r = user.post("/api/v1/me/2fa/confirm", json={"code": code_at(setup["secret"], frozen["t"])})
    assert r.status_code == 200, r.get_json()
    return setup["secret"], r.get_json()["backup_codes"]


def test_enrolment_gives_uri_qr_and_needs_a_first_code(make_user, frozen):
    user = make_user("tfa")
    r = user.post("/api/v1/me/2fa/setup")
    body = r.get_json()
    uri = urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [body["secret"]] and user.username in uri.path
    png = base64.b64decode(body["qr_png"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # not on until confirmed: login still gives tokens
    assert user.get("/api/v1/me/2fa").get_json()["enabled"] is False
    r = user.post("/api/v1/me/2fa/confirm", json={"code": "000000" if code_at(body["secret"], frozen["t"]) != "000000"
                                                   else "111111"})
    assert r.status_code == 422
    r = user.post("/api/v1/me/2fa/confirm", json={"code": code_at(body["secret"], frozen["t"])})
    assert r.status_code == 200
    codes = r.get_json()["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = user.get("/api/v1/me/2fa").get_json()
    assert status == {**status, "enabled": True, "backup_codes_left": 10}
    # stored hashed, never in clear
    from socialgraph import stores

    with user.client.application.app_context():
        doc = stores.mongo().accounts.find_one({"_id": user.uid})
    assert all(h.startswith("$argon2id$") for h in doc["totp"]["backup_codes"])
    assert not set(codes) & set(doc["totp"]["backup_codes"])
    assert user.post("/api/v1/me/2fa/setup").status_code == 409


def test_second_login_step_and_replay_refused(client, make_user, frozen):
    user = make_user("tfa")
    secret, _ = enrol(user, frozen)
    frozen.step()
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    assert r.status_code == 202
    challenge = r.get_json()
    assert challenge["mfa_required"] is True and "access_token" not in challenge
    code = code_at(secret, frozen["t"])
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 200, r.get_json()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + r.get_json()["access_token"]}).status_code == 200
    # the same code again, still inside its window: refused
    r2 = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": r2.get_json()["mfa_token"], "code": code})
    assert r.status_code == 401 and r.mimetype == PROBLEM
    # an older step's code (before the last accepted one) is refused too
    old = code_at(secret, frozen["t"] - timedelta(seconds=30))
    if old != code:
        r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": r2.get_json()["mfa_token"], "code": old})
        assert r.status_code == 401
    # next step: accepted; a tampered mfa_token is not
    frozen.step()
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": r2.get_json()["mfa_token"] + "x",
                                                     "code": code_at(secret, frozen["t"])})
    assert r.status_code == 401 and r.get_json()["type"] == "/problems/invalid-token"
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": r2.get_json()["mfa_token"],
                                                     "code": code_at(secret, frozen["t"])})
    assert r.status_code == 200


def test_backup_code_works_once(client, make_user, frozen):
    user = make_user("tfa")
    secret, codes = enrol(user, frozen)
    token = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password}).get_json()["mfa_token"]
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": token, "code": codes[3]})
    assert r.status_code == 200
    r = client.post("/api/v1/auth/login/mfa", json={"mfa_token": token, "code": codes[3]})
    assert r.status_code == 401
    assert user.get("/api/v1/me/2fa").get_json()["backup_codes_left"] == 9


def test_disable_needs_password_and_code(client, make_user, frozen):
    user = make_user("tfa")
    secret, codes = enrol(user, frozen)
    frozen.step()
    code = code_at(secret, frozen["t"])
    r = user.post("/api/v1/me/2fa/disable", json={"password": "wrong password", "code": code})
    assert r.status_code == 401
    r = user.post("/api/v1/me/2fa/disable", json={"password": user.password, "code": "123456" if code != "123456" else "654321"})
    assert r.status_code == 401
    assert user.post("/api/v1/me/2fa/disable", json={"password": user.password}).status_code == 422
    r = user.post("/api/v1/me/2fa/disable", json={"password": user.password, "code": code})
    assert r.status_code == 204
    assert user.get("/api/v1/me/2fa").get_json()["enabled"] is False
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    assert r.status_code == 200 and "access_token" in r.get_json()
