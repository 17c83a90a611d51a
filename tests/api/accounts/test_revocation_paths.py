"""The revocation check's two paths, as behaviour (issue 21: mutants of
``is_token_revoked`` survived because every earlier test revoked with Redis
holding the key, and the cold path gives the same answers as the warm one).

- Cold (a cached key lost): a revoked session is still refused, from MongoDB,
  and the cache is filled again.
- Warm (issue 16's promise): one Redis ``MGET`` and not one MongoDB command,
  counted with pymongo's command monitoring.
- A token without a session costs no store round trip at all.
- The cut-off's own millisecond: a session signed in then lives (strict
  "before", the module docstring of :mod:`socialgraph.accounts.sessions`).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_jwt_extended import decode_token
from pymongo import monitoring

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.core import clock

PROBLEM = "application/problem+json"


class _Commands(monitoring.CommandListener):
    """Every MongoDB command this thread sends while :meth:`watch` is open:
    ``(command name, collection)``. Registered at import (collection time), so
    the app's client, made on first use, reports to it."""

    def __init__(self):
        self.log: list[tuple[str, str]] | None = None
        self.thread: int | None = None

    def started(self, event):
        if self.log is not None and threading.get_ident() == self.thread:
            self.log.append((event.command_name, str(event.command.get(event.command_name))))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    @contextmanager
    def watch(self):
        self.log, self.thread = [], threading.get_ident()
        try:
            yield self.log
        finally:
            self.log = self.thread = None


COMMANDS = _Commands()
monitoring.register(COMMANDS)

COLD_READS = [("find", "sessions"), ("find", "accounts")]


@pytest.fixture()
def redis_commands(ctx, monkeypatch):
    """Names of the commands sent on the app's Redis client (not its pipelines)."""
    cache = stores.cache()
    sent: list[str] = []
    real = cache.execute_command

    def spy(*args, **kwargs):
        sent.append(str(args[0]).upper())
        return real(*args, **kwargs)

    monkeypatch.setattr(cache, "execute_command", spy)
    return sent


def login(client, user, password=None):
    r = client.post("/api/v1/auth/login", json={"login": user.username, "password": password or user.password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def me(client, tokens):
    return client.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens["access_token"]})


def refresh(client, tokens):
    return client.post("/api/v1/auth/refresh", headers={"Authorization": "Bearer " + tokens["refresh_token"]})


def claims(app, tokens) -> dict:
    with app.app_context():
        return decode_token(tokens["access_token"])


def cached_keys(uid, sid):
    return [sessions.SESSION_KEY.format(uid=uid, sid=sid), sessions.NOT_BEFORE_KEY.format(uid=uid)]


@pytest.mark.parametrize("lost", ["session", "both"])
def test_a_revoked_session_stays_refused_when_its_cached_verdict_is_lost(app, client, make_user, lost):
    """Logout, then Redis loses the session's verdict (expiry, eviction, a failover):
    the token is refused from MongoDB (401, cold), the session stays revoked, the
    cache holds ``revoked`` again and the next check refuses it warm."""
    user = make_user("cold")
    other = login(client, user)
    sid = claims(app, user.tokens)["sid"]
    assert me(client, user.tokens).status_code == 200  # both keys cached now
    assert user.post("/api/v1/auth/logout").status_code == 204
    with app.app_context():
        keys = cached_keys(user.uid, sid)[: 1 if lost == "session" else 2]
        assert stores.cache().delete(*keys) == len(keys)
    r = me(client, user.tokens)
    assert r.status_code == 401 and r.mimetype == PROBLEM
    with app.app_context():
        assert stores.mongo().sessions.find_one({"_id": sid})["revoked_at"] is not None
        assert stores.cache().get(keys[0]) == b"revoked"
    assert me(client, user.tokens).status_code == 401
    assert refresh(client, user.tokens).status_code == 401
    assert me(client, other).status_code == 200  # the account's other session is fine


def test_a_warm_check_is_one_mget_and_no_mongodb_and_a_cold_one_refills_the_cache(app, client, make_user,
                                                                                   redis_commands):
    user = make_user("warm")
    tok = claims(app, user.tokens)
    r = stores.cache()

    def check(expected, reads):
        redis_commands.clear()
        with COMMANDS.watch() as sent:
            assert sessions.is_token_revoked(tok) is expected
        assert sent == reads
        assert redis_commands == ["MGET"]

    # a usable session: cold (two MongoDB reads), then warm
    r.delete(*cached_keys(user.uid, tok["sid"]))
    check(False, COLD_READS)
    assert r.get(cached_keys(user.uid, tok["sid"])[0]) == f"ok:{user.uid}".encode()
    check(False, [])
    # revoked: warm at once (the logout wrote the verdict), cold once the verdict is lost, then warm again
    sessions.logout(tok["sid"], uid=user.uid)
    check(True, [])
    r.delete(cached_keys(user.uid, tok["sid"])[0])
    check(True, COLD_READS)
    check(True, [])
    # a cut-off: the sessions signed in before it are refused warm, one signed in after it works warm and cold
    early = claims(app, login(client, user))
    assert sessions.is_token_revoked(early) is False  # its "ok" verdict cached
    time.sleep(0.005)
    sessions.revoke_all_sessions(user.uid)
    time.sleep(0.005)
    late = claims(app, login(client, user))
    for token, expected in ((early, True), (late, False)):
        tok = token
        if token is late:
            check(expected, COLD_READS)  # its verdict was never cached
        check(expected, [])
    r.delete(cached_keys(user.uid, late["sid"])[1])  # the cut-off's cached copy lost
    tok = late
    check(False, COLD_READS)
    cut = sessions._ms(stores.mongo().accounts.find_one({"_id": user.uid})["sessions_not_before"])
    assert early["auth_ms"] < cut < late["auth_ms"]
    assert int(r.get(cached_keys(user.uid, late["sid"])[1])) == cut  # refilled from MongoDB
    check(False, [])


@pytest.mark.parametrize("payload", [{"sub": "someone"}, {"sid": "some-session"}, {}],
                         ids=["no-sid", "no-sub", "neither"])
def test_a_token_without_a_session_is_refused_without_a_store_round_trip(ctx, redis_commands, payload):
    with COMMANDS.watch() as sent:
        assert sessions.is_token_revoked(payload) is True
    assert sent == [] and redis_commands == []


def test_a_cut_off_spares_a_session_signed_in_in_its_own_millisecond(app, client, make_user):
    """``revoke_all_sessions`` at T ends the sessions signed in before T (T - 1 ms
    included) and spares one signed in at T: warm, cold and on refresh alike, and
    MongoDB marks only the earlier one revoked."""
    user = make_user("edge")
    cut = clock.now()
    try:
        clock.set_clock(lambda: cut - timedelta(milliseconds=1))
        before = login(client, user)
        clock.set_clock(lambda: cut)
        at = login(client, user)
        with app.app_context():
            sessions.revoke_all_sessions(user.uid, reason="password-reset")
    finally:
        clock.set_clock(None)
    sid_before, sid_at = claims(app, before)["sid"], claims(app, at)["sid"]
    assert claims(app, at)["auth_ms"] == sessions._ms(cut) == claims(app, before)["auth_ms"] + 1
    for path in ("warm", "cold"):
        if path == "cold":
            with app.app_context():
                stores.cache().delete(*cached_keys(user.uid, sid_before), *cached_keys(user.uid, sid_at))
        assert me(client, at).status_code == 200, path
        assert me(client, before).status_code == 401, path
        assert me(client, user.tokens).status_code == 401, path  # make_user's, long before the cut-off
    assert refresh(client, before).status_code == 401
    assert refresh(client, at).status_code == 200
    with app.app_context():
        docs = {d["_id"]: d for d in stores.mongo().sessions.find({"_id": {"$in": [sid_before, sid_at]}})}
        assert docs[sid_before]["revoked_at"] is not None and docs[sid_at]["revoked_at"] is None
        assert stores.mongo().accounts.find_one({"_id": user.uid})["sessions_not_before"] == cut
