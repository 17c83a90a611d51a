"""Re-authentication is throttled like login (password change, disabling
2FA, deleting the account) and backup codes can be regenerated with a code."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from socialgraph.core import clock


@pytest.fixture()
def frozen():
    class Clock(dict):
        def step(self, n=1):
            self["t"] += timedelta(seconds=30 * n)

    c = Clock(t=datetime.now(timezone.utc).replace(microsecond=0))
    clock.set_clock(lambda: c["t"])
    yield c
    clock.set_clock(None)


def enrol(user, frozen):
    setup = user.post("/api/v1/me/2fa/setup").get_json()
    r = user.post("/api/v1/me/2fa/confirm", json={"code": pyotp.TOTP(setup["secret"]).at(frozen["t"])})
    assert r.status_code == 200
    return setup["secret"], r.get_json()["backup_codes"]


def wrong_tries(app, call):
    codes = [call().status_code for _ in range(app.config["LOGIN_THROTTLE_AFTER"])]
    assert codes == [401] * app.config["LOGIN_THROTTLE_AFTER"]
    return call()


def test_password_change_wrong_current_password_is_throttled(app, make_user, frozen):
    user = make_user("rea")
    body = {"current_password": "not my password", "new_password": "a brand new passphrase"}
    r = wrong_tries(app, lambda: user.post("/api/v1/me/password", json=body))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # even the right password waits, then works
    right = {"current_password": user.password, "new_password": "a brand new passphrase"}
    assert user.post("/api/v1/me/password", json=right).status_code == 429
    frozen["t"] += timedelta(seconds=2)
    assert user.post("/api/v1/me/password", json=right).status_code == 200
    attempts = [a["outcome"] for a in user.get("/api/v1/me/login-attempts").get_json()["items"]]
    assert attempts.count("reauth_failure") == app.config["LOGIN_THROTTLE_AFTER"]


def test_disabling_2fa_and_deleting_the_account_are_throttled(app, make_user, frozen):
    user = make_user("rea")
    secret, _ = enrol(user, frozen)
    frozen.step()
    r = wrong_tries(app, lambda: user.post("/api/v1/me/2fa/disable", json={"password": "wrong wrong wrong",
                                                                          "code": "000000"}))
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    assert user.get("/api/v1/me/2fa").get_json()["enabled"] is True  # nothing was disabled
    other = make_user("rea")
    r = wrong_tries(app, lambda: other.post("/api/v1/me/deletion", json={"password": "wrong wrong wrong"}))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert other.get("/api/v1/me").status_code == 200  # nothing was deleted


def test_regenerate_backup_codes_needs_a_totp_code(app, client, make_user, frozen):
    user = make_user("rea")
    assert user.post("/api/v1/me/2fa/backup-codes", json={"code": "123456"}).status_code == 409
    secret, old_codes = enrol(user, frozen)
    frozen.step()
    r = user.post("/api/v1/me/2fa/backup-codes", json={"code": old_codes[0]})  # a backup code is not enough
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    r = user.post("/api/v1/me/2fa/backup-codes", json={"code": pyotp.TOTP(secret).at(frozen["t"])})
    assert r.status_code == 200
    new_codes = r.get_json()["backup_codes"]
    assert len(set(new_codes)) == 10 and not set(new_codes) & set(old_codes)
    assert user.get("/api/v1/me/2fa").get_json()["backup_codes_left"] == 10

    def mfa_login(code):
        first = client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
        assert first.status_code == 202
        return client.post("/api/v1/auth/login/mfa", json={"mfa_token": first.get_json()["mfa_token"], "code": code})

    assert mfa_login(old_codes[1]).status_code == 401
    assert mfa_login(new_codes[0]).status_code == 200
    # a replayed TOTP code is refused
    frozen.step()
    code = pyotp.TOTP(secret).at(frozen["t"])
    assert user.post("/api/v1/me/2fa/backup-codes", json={"code": code}).status_code == 200
    assert user.post("/api/v1/me/2fa/backup-codes", json={"code": code}).status_code == 401
