"""Login-attempt monitoring: a record of every attempt, progressive throttling,
temporary locks and new-device alerts.

- MongoDB ``login_attempts``: ``{at, login, uid|None, ip, user_agent, device,
  outcome}`` for every attempt; ``outcome`` is ``success``, ``failure``,
  ``mfa_required``, ``mfa_failure``, ``throttled`` or ``locked``. Kept 90 days
  (TTL index on ``at``).
- Redis ``sg:login-fail:acct:<uid or login>`` and ``sg:login-fail:ip:<ip>``:
  hashes ``{n: failures, last: epoch ms}``. Per account, after
  ``SG_LOGIN_THROTTLE_AFTER`` failures each further attempt must wait
  2^(n - after) seconds after the last failure (1, 2, 4, ... s; exponential
  back-off as NIST SP 800-63B §5.2.2 suggests for rate limiting), and after
  ``SG_LOGIN_LOCK_AFTER`` failures the account is locked for
  ``SG_LOGIN_LOCK_SECONDS`` (15 min; NIST allows at most 100 consecutive
  failures). Per IP, ``SG_LOGIN_IP_LOCK_AFTER`` failures lock that IP.
  Early attempts are answered 429 with ``Retry-After`` without checking the
  password. A success clears the account's counter.
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
from socialgraph.core.errors import RateLimited

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


def check_allowed(account: str, ip: str | None) -> None:
    """Raise :class:`RateLimited` (with ``retry_after``) if the account or IP must wait."""
    cfg = current_app.config
    r = stores.cache()
    now = _now_ms()
    lock_ms = cfg["LOGIN_LOCK_SECONDS"] * 1000
    n, last = _state(r, FAIL_KEY.format(scope="acct", ident=account))
    if n and now - last < lock_ms:
        if n >= cfg["LOGIN_LOCK_AFTER"]:
            raise RateLimited("too many failed logins: the account is locked for a while",
                              retry_after=(last + lock_ms - now) // 1000 + 1, reason="locked")
        if n >= cfg["LOGIN_THROTTLE_AFTER"]:
            wait_ms = min(2 ** (n - cfg["LOGIN_THROTTLE_AFTER"]) * 1000, lock_ms)
            if now - last < wait_ms:
                raise RateLimited("too many failed logins: wait before trying again",
                                  retry_after=(last + wait_ms - now) // 1000 + 1, reason="throttled")
    if ip:
        n, last = _state(r, FAIL_KEY.format(scope="ip", ident=ip))
        if n >= cfg["LOGIN_IP_LOCK_AFTER"] and now - last < lock_ms:
            raise RateLimited("too many failed logins from this address",
                              retry_after=(last + lock_ms - now) // 1000 + 1, reason="locked")


def note_failure(account: str, ip: str | None) -> None:
    cfg = current_app.config
    r = stores.cache()
    now = _now_ms()
    ttl = cfg["LOGIN_LOCK_SECONDS"] * 2
    for scope, ident in (("acct", account), ("ip", ip)):
        if not ident:
            continue
        key = FAIL_KEY.format(scope=scope, ident=ident)
        n, last = _state(r, key)
        pipe = r.pipeline()
        if n and now - last >= cfg["LOGIN_LOCK_SECONDS"] * 1000:
            pipe.delete(key)  # an old streak: start again
        pipe.hincrby(key, "n", 1)
        pipe.hset(key, "last", now)
        pipe.expire(key, ttl)
        pipe.execute()


def note_success(account: str) -> None:
    stores.cache().delete(FAIL_KEY.format(scope="acct", ident=account))


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
