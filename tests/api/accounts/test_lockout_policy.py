"""Lockout is not a weapon: failures lock one (account, client IP) pair; the
account as a whole is only slowed down (at most SG_LOGIN_ACCOUNT_SLOW_MAX_SECONDS
between tries), and a device that signed in before is not slowed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from socialgraph.core import clock
from tests.conftest import config


@pytest.fixture()
def frozen():
    c = {"t": datetime.now(timezone.utc)}
    clock.set_clock(lambda: c["t"])
    yield c
    clock.set_clock(None)


def login(client, user, ip, password=None, ua="pytest-lock"):
    return client.post("/api/v1/auth/login", json={"login": user.username, "password": password or user.password},
                       headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": ip})


def test_attacker_locks_only_their_own_address(app, client, make_user, frozen):
    user = make_user("lock")
    attacker = "198.51.100.66"
    for _ in range(app.config["LOGIN_LOCK_AFTER"]):
        frozen["t"] += timedelta(seconds=120)  # patient enough for the back-off
        assert login(client, user, attacker, password="guess guess guess").status_code == 401
    r = login(client, user, attacker)
    assert r.status_code == 429 and r.get_json()["reason"] == "locked"
    # the owner, from their own address, is not locked out
    assert login(client, user, "192.0.2.10", ua="owner phone").status_code == 200


def test_distributed_guessing_slows_the_account_but_known_devices_get_in(app, client, make_user, frozen):
    user = make_user("lock")
    home = ("192.0.2.20", "owner laptop")
    assert login(client, user, home[0], ua=home[1]).status_code == 200  # a known device now
    with config(app, LOGIN_ACCOUNT_SLOW_AFTER=5, LOGIN_ACCOUNT_SLOW_MAX_SECONDS=60):
        codes = []
        for i in range(8):  # one guess from each of many addresses: no pair throttle applies
            frozen["t"] += timedelta(milliseconds=10)
            codes.append(login(client, user, f"198.51.100.{i + 1}", password="guess guess guess").status_code)
        # 5 failures counted, then each guess comes within the 1 s wait (a throttled try is not counted)
        assert codes == [401] * 5 + [429] * 3
        r = login(client, user, "198.51.100.200")
        assert r.status_code == 429 and r.get_json()["reason"] == "throttled"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # the owner's known device is not slowed down
        assert login(client, user, home[0], ua=home[1]).status_code == 200
        # a new device only waits (never locked): after the wait it gets in
        frozen["t"] += timedelta(seconds=61)
        assert login(client, user, "203.0.113.30", ua="owner new phone").status_code == 200
