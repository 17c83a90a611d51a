"""``sessions.verdict``: the revocation answer from the two cached keys, without a
server (the warm path of every authenticated request, and the warm home page's own
round trip). True revoked, False usable, None "ask MongoDB"."""
from __future__ import annotations

import pytest

from socialgraph.accounts.sessions import verdict

TOKEN = {"sub": "u1", "sid": "s1", "auth_ms": 1_000}


@pytest.mark.parametrize("payload", [{"sub": "u1"}, {"sid": "s1"}, {}, {"sub": "", "sid": "s1"}],
                         ids=["no-sid", "no-sub", "neither", "empty-sub"])
def test_a_token_without_a_session_is_revoked_whatever_the_cache_says(payload):
    assert verdict(payload, b"ok:u1", b"0") is True


def test_a_cached_ok_verdict_of_the_tokens_own_user_and_no_cut_off_is_usable():
    assert verdict(TOKEN, b"ok:u1", b"0") is False


def test_a_cached_revoked_verdict_is_revoked_even_without_the_cut_off_key():
    assert verdict(TOKEN, b"revoked", b"0") is True
    assert verdict(TOKEN, b"revoked", None) is True


@pytest.mark.parametrize("session, not_before", [(None, b"0"), (b"ok:u1", None), (None, None),
                                                 (b"ok:u2", b"0"), (b"ok:", b"0")],
                         ids=["session-key-lost", "cut-off-key-lost", "both-lost", "other-users-ok", "ok-of-nobody"])
def test_the_cache_cannot_tell_when_a_key_is_missing_or_names_another_user(session, not_before):
    """None sends the caller to MongoDB; an ``ok`` verdict cached for another uid is not trusted."""
    assert verdict(TOKEN, session, not_before) is None


@pytest.mark.parametrize("cut, revoked", [(1_001, True), (1_000, False), (999, False), (0, False)],
                         ids=["cut-off-after-sign-in", "same-millisecond", "cut-off-before", "no-cut-off"])
def test_the_cut_off_ends_sessions_signed_in_strictly_before_it(cut, revoked):
    """A session signed in during the cut-off's own millisecond lives (module docstring)."""
    assert verdict(TOKEN, b"ok:u1", str(cut).encode()) is revoked


def test_old_tokens_without_auth_ms_use_iat_seconds():
    old = {"sub": "u1", "sid": "s1", "iat": 5}
    assert verdict(old, b"ok:u1", b"5001") is True
    assert verdict(old, b"ok:u1", b"5000") is False
