"""Login-attempt monitoring: a record of every attempt, progressive throttling,
temporary locks and new-device alerts.

- MongoDB ``login_attempts``: ``{at, login, uid|None, ip, user_agent, device,
  outcome}`` for every attempt; ``outcome`` is ``success``, ``failure``,
  ``mfa_required``, ``mfa_failure``, ``throttled`` or ``locked``. Kept 90 days
  (TTL index on ``at``).
- Redis failure counters, hashes ``{n: failures, last: epoch ms}`` (a cache:
  losing them only forgets a streak):

  - ``sg:login-fail:pair:<account>|<ip>`` -- one account from one client
    IP. After ``SG_LOGIN_THROTTLE_AFTER`` failures each further attempt must
    wait 2^(n - after) seconds after the last failure (1, 2, 4, ... s;
    exponential back-off, NIST SP 800-63B §5.2.2), and after
    ``SG_LOGIN_LOCK_AFTER`` failures that pair is locked for
    ``SG_LOGIN_LOCK_SECONDS`` (15 min). The owner signing in from another
    address is not locked out: a lockout cannot be used as a weapon
    (OWASP Authentication Cheat Sheet, "Account Lockout").
  - ``sg:login-fail:acct:<account>`` -- the account from every address.
    After ``SG_LOGIN_ACCOUNT_SLOW_AFTER`` failures each attempt waits
    2^(n - slow_after) s after the last failure, at most
    ``SG_LOGIN_ACCOUNT_SLOW_MAX_SECONDS`` (60 s): a distributed guessing
    attack is slowed to about one guess a minute, but the account is never
    locked. A device that already signed in to the account (same user agent
    and IP: ``accounts.known_devices``) skips this slow-down, the "device
    cookie" idea of OWASP's cheat sheet, so the owner still gets in.
  - ``sg:login-fail:ip:<ip>`` -- one address across accounts:
    ``SG_LOGIN_IP_LOCK_AFTER`` failures lock that IP (credential stuffing).

  Throttled attempts are answered 429 with ``Retry-After`` (the real wait,
  rounded up to a whole second) without checking the password. A success
  clears the pair's counter. Re-authentication (``current_password`` on a
  password change, disabling 2FA, deleting the account) uses the same
  counters (:func:`guard_reauthentication`).
- A successful login from a device (hash of user agent and IP) the account
  has not used before sends an email (``jobs.accounts.send_new_device_email``);
  the first login after sign-up does not.
"""
from __future__ import annotations

import hashlib
import logging

from flask import current_app

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.errors import InvalidCredentials, RateLimited

log = logging.getLogger(__name__)

FAIL_KEY = "sg:login-fail:{scope}:{ident}"


def device_id(ip: str | None, user_agent: str | None) -> str:
    return hashlib.sha256(f"{user_agent or ''}|{ip or ''}".encode()).hexdigest()[:20]


def _now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


def _state(r, key: str) -> tuple[int, int]:
    raw = r.hgetall(key)
    if not raw:
        return 0, 0
    return int(raw.get(b"n", 0)), int(raw.get(b"last", 0))


def _wait_s(ms: int) -> int:
    """Whole seconds to wait, rounded up (``Retry-After`` is in seconds)."""
    return max(1, -(-ms // 1000))


def _keys(account: str, ip: str | None) -> list[tuple[str, str]]:
    out = [("pair", FAIL_KEY.format(scope="pair", ident=f"{account}|{ip or ''}")),
           ("acct", FAIL_KEY.format(scope="acct", ident=account))]
    if ip:
        out.append(("ip", FAIL_KEY.format(scope="ip", ident=ip)))
    return out


def check_allowed(account: str, ip: str | None, known_device: bool = False) -> None:
    """Raise :class:`RateLimited` (``retry_after`` = the real wait, ``reason``
    ``throttled`` or ``locked``) if this account from this IP, the account as a
    whole (unless ``known_device``) or this IP must wait. One Redis round trip."""
    cfg = current_app.config
    r = stores.cache()
    now = _now_ms()
    lock_ms = cfg["LOGIN_LOCK_SECONDS"] * 1000
    keys = _keys(account, ip)
    pipe = r.pipeline(transaction=False)
    for _, key in keys:
        pipe.hgetall(key)
    states = {scope: (int(raw.get(b"n", 0)), int(raw.get(b"last", 0))) if raw else (0, 0)
              for (scope, _), raw in zip(keys, pipe.execute())}
    n, last = states["pair"]
    if n and now - last < lock_ms:
        if n >= cfg["LOGIN_LOCK_AFTER"]:
            raise RateLimited("too many failed logins from this address: this account is locked here for a while",
                              retry_after=_wait_s(last + lock_ms - now), reason="locked")
        if n >= cfg["LOGIN_THROTTLE_AFTER"]:
            wait_ms = min(2 ** (n - cfg["LOGIN_THROTTLE_AFTER"]) * 1000, lock_ms)
            if now - last < wait_ms:
                raise RateLimited("too many failed logins: wait before trying again",
                                  retry_after=_wait_s(last + wait_ms - now), reason="throttled")
    n, last = states["acct"]
    slow_after = cfg["LOGIN_ACCOUNT_SLOW_AFTER"]
    if not known_device and n >= slow_after and now - last < lock_ms:
        wait_ms = min(2 ** (n - slow_after) * 1000, cfg["LOGIN_ACCOUNT_SLOW_MAX_SECONDS"] * 1000)
        if now - last < wait_ms:
            raise RateLimited("too many failed logins on this account: wait before trying again",
                              retry_after=_wait_s(last + wait_ms - now), reason="throttled")
    if ip:
        n, last = states["ip"]
        if n >= cfg["LOGIN_IP_LOCK_AFTER"] and now - last < lock_ms:
            raise RateLimited("too many failed logins from this address",
                              retry_after=_wait_s(last + lock_ms - now), reason="locked")


def note_failure(account: str, ip: str | None) -> None:
    """Count a failed attempt for the pair, the account and the IP."""
    cfg = current_app.config
    r = stores.cache()
    now = _now_ms()
    ttl = cfg["LOGIN_LOCK_SECONDS"] * 2
    for _, key in _keys(account, ip):
        n, last = _state(r, key)
        pipe = r.pipeline(transaction=True)  # one key: one slot on a cluster too
        if n and now - last >= cfg["LOGIN_LOCK_SECONDS"] * 1000:
            pipe.delete(key)  # an old streak: start again
        pipe.hincrby(key, "n", 1)
        pipe.hset(key, "last", now)
        pipe.expire(key, ttl)
        pipe.execute()


def note_success(account: str, ip: str | None = None) -> None:
    """A success clears the failures of this account from this IP."""
    stores.cache().delete(FAIL_KEY.format(scope="pair", ident=f"{account}|{ip or ''}"))


def is_known_device(account_doc: dict | None, ip: str | None, user_agent: str | None) -> bool:
    """True when this user agent and IP already signed in to the account."""
    return bool(account_doc) and device_id(ip, user_agent) in (account_doc.get("known_devices") or [])


def guard_reauthentication(uid: str, ip: str | None, user_agent: str | None, check) -> None:
    """Run ``check()`` (raises :class:`InvalidCredentials` on a wrong password
    or code) under the login throttle of ``uid``: refused with
    :class:`RateLimited` while throttled, a failure counted and recorded
    (``outcome: reauth_failure``). For a password change, disabling 2FA and
    deleting the account, which a stolen access token could otherwise use to
    guess the password without limit."""
    check_allowed(uid, ip, known_device=False)
    try:
        check()
    except InvalidCredentials:
        note_failure(uid, ip)
        record("", uid, ip, user_agent, "reauth_failure")
        raise


def record(login: str, uid: str | None, ip: str | None, user_agent: str | None, outcome: str) -> None:
    """Write one attempt to ``login_attempts``."""
    stores.mongo().login_attempts.insert_one({
        "at": clock.now(), "login": (login or "")[:254], "uid": uid, "ip": ip,
        "user_agent": (user_agent or "")[:512], "device": device_id(ip, user_agent), "outcome": outcome})


def check_new_device(uid: str, ip: str | None, user_agent: str | None) -> bool:
    """Remember the device; queue an alert email if it is new and not the first. True if alerted."""
    dev = device_id(ip, user_agent)
    before = stores.mongo().accounts.find_one_and_update(
        {"_id": uid}, {"$addToSet": {"known_devices": dev}}, {"known_devices": 1})
    known = (before or {}).get("known_devices") or []
    if known and dev not in known:
        stores.tasks().enqueue("jobs.accounts.send_new_device_email", uid, ip or "", user_agent or "",
                                   clock.now().isoformat())
        return True
    return False


def recent_attempts(uid: str, limit: int = 50) -> list[dict]:
    """The account's latest attempts, newest first: ``[{at, ip, user_agent, outcome}]``."""
    cur = stores.mongo().login_attempts.find({"uid": uid}, {"_id": 0, "at": 1, "ip": 1, "user_agent": 1,
                                                                "outcome": 1}).sort("at", -1).limit(limit)
    return list(cur)
