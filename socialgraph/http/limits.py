"""Rate limits on every endpoint: the ``limits`` library's fixed windows, counters in Redis, one round trip.

Two layers, both answered with 429 ``application/problem+json``
(``/problems/rate-limited``) carrying ``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (epoch seconds) and
``Retry-After`` (seconds):

- an application-wide budget per caller across all endpoints,
  ``SG_RATELIMIT_DEFAULT`` (300 requests / 5 minutes);
- a budget per endpoint: for the abuse-prone ones a stricter one, listed in
  :data:`STRICT_ENDPOINTS` (endpoint -> config key), else ``SG_RATELIMIT_DEFAULT``.

Who is counted:

- the **anonymous** endpoints (:data:`ANONYMOUS_ENDPOINTS`: register, login,
  the MFA step, password reset, verification resend) count per client IP
  (``ip:<addr>``) whatever ``Authorization`` header is sent, so a token of a
  fresh account never buys a fresh sign-up or login budget;
- every other endpoint counts per account (``user:<uid>`` from a valid access
  token, else the IP) **and** per client IP (``SG_RATELIMIT_PER_IP``, wider
  than the per-account budget since many people may share one address behind
  NAT), so a pile of accounts from one address is still limited.

The client IP is ``request.remote_addr``; behind reverse proxies set
``SG_TRUSTED_PROXY_HOPS`` (:func:`socialgraph.http.middleware.init_middleware`
applies werkzeug's ``ProxyFix``), never trust ``X-Forwarded-For`` otherwise.

A 429 raised by a service with its own ``Retry-After`` (the login throttle:
:mod:`socialgraph.accounts.login_monitor`) keeps that value. Defaults are Mastodon's
published limits (https://docs.joinmastodon.org/api/rate-limits/: 300
requests per 5 minutes per account and per IP, media uploads 30 per 30
minutes, sign-ups 5 per 30 minutes per IP) and its ``rate_limiter.rb``
(300 statuses per 3 hours); login and password reset follow Mastodon's
rack-attack rules (25 login attempts per 5 minutes per IP).

If Redis is away the limiter lets requests through without ``X-RateLimit-*``
headers (as flask-limiter's ``swallow_errors`` did; a one-line warning per
request instead of its ERROR with a traceback): the request then meets the
store outage where it really needs Redis (503), never a 500 from the limiter.

Other areas add their endpoints to :data:`STRICT_ENDPOINTS` (for example
``"media.upload": "RATELIMIT_UPLOADS"``) and to :data:`EXEMPT_ENDPOINTS`.

**How: the ``limits`` library and one script (issue 22).** Up to session 4
this was flask-limiter (``Limiter`` with two application limits and a default
limit): 0.5-0.8 ms of CPU per request at load 12-18 (1.3 ms in session 4's
busier runs) on top of a 0.37 ms ``/ping``, its own Python (three
``RuntimeLimit`` evaluations, re-parsing the callable limit strings,
``RequestLimit`` objects, the header hook) costing more than its round trips
(one ``INCRBY``/``EXPIRE`` script per limit; session 4 had already folded the
headers' ``GET`` and ``TTL`` into them). Now 0.27-0.37 ms, of which the one
round trip is ~0.12 ms (any Redis command costs that much CPU there) and the
Python ~0.03. Under gunicorn's threads every round trip is a GIL
hand-over, so both matter. flask-limiter's hot check cannot be batched from
outside (it calls ``hit`` per limit and needs each answer before the next)
and its limit resolution is private, name-mangled code; this code base uses
none of its decorators (per-endpoint budgets are :data:`STRICT_ENDPOINTS`).
So the request hook is ours (:class:`RateLimits`) and everything about the
windows stays the ``limits`` library's, the library flask-limiter itself
runs on:

- limit strings are parsed by :func:`limits.parse_many` (cached per string),
  so every config key (``SG_RATELIMIT_*``) means what it meant;
- the counters have the same names (``RateLimitItem.key_for`` under the
  storage's ``LIMITS:`` prefix: ``LIMITS:LIMITER/<prefix>/<who>/<scope>/<amount>/<multiples>/<unit>``,
  scopes ``global``, ``global-ip`` and the endpoint), so a deploy keeps the
  live budgets and account deletion still finds ``user:<uid>`` counters;
- the window is the **fixed window** the project configured
  (``strategy="fixed-window"``): :class:`limits.strategies.FixedWindowRateLimiter`,
  whose Redis storage runs ``limits/resources/redis/lua_scripts/incr_expire.lua``
  (``INCRBY`` the cost; ``EXPIRE`` the window when the counter was new; a hit
  is allowed while the count stays <= the amount). :data:`_HIT_ALL` runs that
  same body for every applicable counter in one ``EVALSHA`` and also answers
  each ``TTL`` for the headers;
- the order and the stop are flask-limiter's: limits sorted (stably) by
  their window's unit (``RateLimitItem.__lt__``), the first counter over its
  amount ends the evaluation (``fail_on_first_breach``: the later counters are
  not charged) and is the one the 429 and its headers report; otherwise the
  headers report the endpoint's limit.

On a Redis Cluster the counters of one request live in different hash slots
(the IP's counter is shared by its accounts, the account's by its
addresses), so there the same script runs once per counter, in the same
order (one round trip per limit, as with flask-limiter).

One deliberate difference: a ``Retry-After`` already on the response (the
login throttle's 429, a store outage's 503) is kept; flask-limiter replaced it
by the later of it and its window's reset (a 503 said "come back in 5
minutes"), and a hook put the login throttle's back.

Not done: folding the counters into the warm reads' own scripts (as the
revocation check is, :func:`socialgraph.accounts.sessions.defer_check`), which
would make a warm home page, post or thread one round trip with limits on.
It needs the counters' prologue in three scripts (``feeds.home``,
``content.warm``), a settle step on every path that misses before its
script, and a 429 decided after the view started; not simple, so the limiter
keeps its own single round trip.
"""
from __future__ import annotations

import functools
import logging
import time

from flask import Flask, current_app, request
from flask_jwt_extended import decode_token
from limits import RateLimitItem, parse_many
from redis.exceptions import NoScriptError
from werkzeug.exceptions import TooManyRequests

from socialgraph import stores
from socialgraph.stores import rediskeys

log = logging.getLogger(__name__)

#: endpoint (blueprint.view) -> config key of its stricter limit.
STRICT_ENDPOINTS: dict[str, str] = {
    "auth.login": "RATELIMIT_LOGIN",
    "accountsec.login_mfa": "RATELIMIT_LOGIN",
    "auth.register": "RATELIMIT_SIGNUP",
    "auth.password_reset": "RATELIMIT_PASSWORD_RESET",
    "auth.password_reset_confirm": "RATELIMIT_PASSWORD_RESET",
    "auth.resend_verification": "RATELIMIT_PASSWORD_RESET",
    "posts.create_post": "RATELIMIT_POSTING",
    "posts.add_comment": "RATELIMIT_POSTING",
    "media.upload": "RATELIMIT_UPLOADS",
    "media.create_upload": "RATELIMIT_UPLOADS",
    "pictures.put_avatar": "RATELIMIT_UPLOADS",
    "pictures.put_cover": "RATELIMIT_UPLOADS",
}

#: endpoints never limited (liveness probes, the OpenAPI document and docs page).
EXEMPT_ENDPOINTS = {"meta.health", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


#: endpoints counted per client IP only, whatever Authorization header is sent.
ANONYMOUS_ENDPOINTS = {"auth.register", "auth.login", "accountsec.login_mfa", "auth.password_reset",
                       "auth.password_reset_confirm", "auth.resend_verification"}


#: ``resolver(bearer) -> uid | None`` for bearer tokens that are not our JWTs
#: (the Mastodon API's OAuth tokens register theirs), so they are counted per
#: account like any other session.
BEARER_RESOLVERS: list = []


def client_ip_key() -> str:
    """``ip:<addr>`` of the client (``request.remote_addr``, after ``ProxyFix``)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def caller_key() -> str:
    """``ip:<addr>`` on :data:`ANONYMOUS_ENDPOINTS`; elsewhere ``user:<uid>``
    for a request with a valid access token, else ``ip:<addr>``."""
    env = request.environ  # this request's, not ``g`` (an app context may outlive a request)
    known = env.get("sg.limit_caller_key")
    if known is None:  # asked once per limit: decoded once per request
        known = env["sg.limit_caller_key"] = _caller_key()
    return known


def _caller_key() -> str:
    if (request.endpoint or "") in ANONYMOUS_ENDPOINTS:
        return client_ip_key()
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        try:
            sub = decode_token(auth[7:].strip()).get("sub")
            if sub:
                return f"user:{sub}"
        except Exception:  # expired, tampered, not a JWT: limited by IP like anyone anonymous
            pass
        for resolve in BEARER_RESOLVERS:
            try:
                uid = resolve(auth[7:].strip())
            except Exception:  # a store away: the request meets it where it matters
                uid = None
            if uid:
                return f"user:{uid}"
    return client_ip_key()




#: The counters of one request in one round trip. ``KEYS``: the counters in
#: evaluation order; ``ARGV``: the cost, then each counter's window (seconds)
#: and amount. Per counter, the body of the ``limits`` library's fixed window
#: (``limits/resources/redis/lua_scripts/incr_expire.lua``: ``INCRBY`` the
#: cost, ``EXPIRE`` when the counter is new) and its ``TTL``; stops after the
#: first counter over its amount (the later ones are not charged). Answers
#: ``[count_1, ttl_1, count_2, ttl_2, ...]`` for the counters it charged.
_HIT_ALL = """
local cost = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('INCRBY', key, cost)
  if current == cost then redis.call('EXPIRE', key, ARGV[2 * i]) end
  out[2 * i - 1] = current
  out[2 * i] = redis.call('TTL', key)
  if current > tonumber(ARGV[2 * i + 1]) then break end
end
return out
"""

#: the ``limits`` storage's key prefix (``limits.storage.RedisStorage.PREFIX``)
STORAGE_PREFIX = "LIMITS"


@functools.lru_cache(maxsize=256)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    """``"300 per 5 minutes"`` (or several, ``;``-separated) parsed once."""
    return tuple(parse_many(spec))


@functools.lru_cache(maxsize=8192)
def _plan(prefix: str, who: str, ip: str | None, endpoint: str, default: str, per_ip: str,
          own: str) -> tuple[tuple[RateLimitItem, ...], tuple[str, ...], tuple[int, ...], int]:
    """The counters of a request by ``who`` (``ip``: the address of a signed-in
    caller, None for an anonymous one) on ``endpoint``, as flask-limiter
    evaluated them: ``default`` per caller (scope ``global``), ``per_ip`` per
    address (``global-ip``, signed-in callers only), ``own`` per caller
    (scope: the endpoint), sorted stably by the window's unit. Answers
    ``(items, Redis keys, script ARGV, index of the limit the headers show)``:
    the first of the endpoint's own. Cached: the same caller asks again."""
    ids = (prefix,) if prefix else ()
    limits = [(item, item.key_for(*ids, who, "global"), True) for item in _items(default)]
    if ip is not None:  # anonymous callers are counted per address above already
        limits += [(item, item.key_for(*ids, ip, "global-ip"), True) for item in _items(per_ip)]
    limits += [(item, item.key_for(*ids, who, endpoint), False) for item in _items(own)]
    limits.sort(key=lambda x: x[0])  # stable, by the window's unit (RateLimitItem.__lt__): flask-limiter's order
    args = [1]  # the cost of a request
    for item, _key, _shared in limits:
        args += (item.get_expiry(), item.amount)
    shown = next(i for i, (_item, _key, shared) in enumerate(limits) if not shared)
    return (tuple(item for item, _k, _s in limits), tuple(f"{STORAGE_PREFIX}:{k}" for _i, k, _s in limits),
            tuple(args), shown)


class RateLimits:
    """The request hooks: :meth:`check` before the view, :meth:`headers` after it.

    Per request (not exempt) the applicable limits are, as flask-limiter had them:
    ``RATELIMIT_DEFAULT`` per caller (scope ``global``), ``RATELIMIT_PER_IP``
    per address for signed-in callers (``global-ip``), and the endpoint's own
    (its :data:`STRICT_ENDPOINTS` key, else ``RATELIMIT_DEFAULT``; scope: the
    endpoint) per caller. The config is read on every request (tests change it
    in place); the strings are parsed once."""

    def __init__(self, app: Flask):
        self.prefix = app.config["RATELIMIT_KEY_PREFIX"]
        self._client = None
        self._script = None

    def plan(self) -> tuple | None:
        """This request's counters (:func:`_plan`), or None when it is exempt
        (OPTIONS, :data:`EXEMPT_ENDPOINTS`, no endpoint: a 404, static files)."""
        endpoint = request.endpoint
        if (not endpoint or request.method == "OPTIONS" or endpoint in EXEMPT_ENDPOINTS
                or endpoint.rpartition(".")[2] == "static"):
            return None
        cfg = current_app.config
        who = caller_key()
        strict = STRICT_ENDPOINTS.get(endpoint)
        default = cfg["RATELIMIT_DEFAULT"]
        return _plan(self.prefix, who, None if who.startswith("ip:") else client_ip_key(), endpoint,
                     default, cfg["RATELIMIT_PER_IP"], cfg[strict] if strict else default)

    def _hit(self, keys: tuple, args: tuple) -> list:
        client = stores.cache()
        if client is not self._client:
            self._client, self._script = client, client.register_script(_HIT_ALL)
        if not rediskeys.is_cluster(client):
            try:
                return client.evalsha(self._script.sha, len(keys), *keys, *args)
            except NoScriptError:  # a restarted or another server: load it, as redis-py's Script does
                return self._script(keys, args, client=client)
        out: list = []  # a cluster: one slot per counter, one call each, the same stop
        for i, key in enumerate(keys):
            got = self._script([key], [args[0], args[2 * i + 1], args[2 * i + 2]], client=client)
            out += got
            if int(got[0]) > int(args[2 * i + 2]):
                break
        return out

    def check(self) -> None:
        """Charge every applicable counter in one round trip; 429 (werkzeug's
        ``TooManyRequests``, rendered as ``/problems/rate-limited``, or the
        Mastodon API's error) when one is over its amount. Redis away (or any
        other failure): logged, the request goes on, no headers."""
        try:
            planned = self.plan()
            if planned is None:
                return
            items, keys, args, shown = planned
            answer = self._hit(keys, args)
            now = time.time()
        except Exception as exc:  # noqa: BLE001 - never a 500 from the limiter
            log.warning("rate limits not checked: %s: %s", type(exc).__name__, exc)
            return
        last = len(answer) // 2 - 1  # only the last counter charged can be over its amount
        count = int(answer[2 * last])
        if count > items[last].amount:
            item = items[last]
            request.environ["sg.limit_shown"] = (item, count, now + max(int(answer[2 * last + 1]), 0))
            log.info("ratelimit %s (%s) exceeded at endpoint: %s", item, caller_key(), request.endpoint)
            raise TooManyRequests(description=str(item))
        request.environ["sg.limit_shown"] = (items[shown], int(answer[2 * shown]),
                                             now + max(int(answer[2 * shown + 1]), 0))

    @staticmethod
    def headers(response):
        """``X-RateLimit-Limit``, ``-Remaining`` (after this request), ``-Reset``
        (epoch seconds) of the limit shown; on a 429 without one, ``Retry-After``
        (seconds to that reset)."""
        shown = request.environ.get("sg.limit_shown")
        if shown is None:
            return response
        item, count, expires = shown
        reset = int(expires + 1)
        h = response.headers
        h["X-RateLimit-Limit"] = str(item.amount)
        h["X-RateLimit-Remaining"] = str(max(0, item.amount - count))
        h["X-RateLimit-Reset"] = str(reset)
        if response.status_code == 429 and "Retry-After" not in h:
            h["Retry-After"] = str(int(reset - time.time()))
        return response


def init_limiter(app: Flask) -> RateLimits | None:
    """Register the limits' hooks on ``app`` unless ``RATELIMIT_ENABLED`` is
    off; returns the :class:`RateLimits` (also ``app.extensions["limiter_sg"]``)."""
    if not app.config["RATELIMIT_ENABLED"]:
        return None
    limiter = RateLimits(app)
    app.before_request(limiter.check)
    app.after_request(limiter.headers)
    app.extensions["limiter_sg"] = limiter
    return limiter
