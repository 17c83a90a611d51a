"""Rate limits on every endpoint: flask-limiter with its counters in Redis.

Two layers, both answered with 429 ``application/problem+json``
(``/problems/rate-limited``) carrying ``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (epoch seconds) and
``Retry-After`` (seconds):

- an application-wide budget per caller across all endpoints,
  ``SG_RATELIMIT_DEFAULT`` (300 requests / 5 minutes);
- a stricter budget per endpoint for the abuse-prone ones, listed in
  :data:`STRICT_ENDPOINTS` (endpoint -> config key).

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
:mod:`socialgraph.accounts.login_monitor`) keeps that value; flask-limiter
would otherwise overwrite it with its own window's reset. Defaults are Mastodon's
published limits (https://docs.joinmastodon.org/api/rate-limits/: 300
requests per 5 minutes per account and per IP, media uploads 30 per 30
minutes, sign-ups 5 per 30 minutes per IP) and its ``rate_limiter.rb``
(300 statuses per 3 hours); login and password reset follow Mastodon's
rack-attack rules (25 login attempts per 5 minutes per IP).

If Redis is away the limiter lets requests through (``swallow_errors``):
the request then meets the store outage where it really needs Redis (503),
never a 500 from the limiter.

Other areas add their endpoints to :data:`STRICT_ENDPOINTS` (for example
``"media.upload": "RATELIMIT_UPLOADS"``).
"""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app, g, has_request_context, request
from limits.storage import RedisStorage

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


class _RememberingRedisStorage(RedisStorage):
    """The ``limits`` Redis storage, with each counter's hit answering its TTL
    too (one script: ``INCRBY``, ``EXPIRE`` on the first hit, ``TTL``) and
    both remembered for the rest of the request. flask-limiter reads the
    counter and its expiry of the limit it reports in the ``X-RateLimit-*``
    headers right after the hits (``get_window_stats``: a ``GET`` and a
    ``TTL``); those are answered from the request's memo, so a limited request
    costs one round trip per limit instead of one per limit plus two (issue 22).
    Outside a request (the CLI) it is the plain storage."""

    STORAGE_SCHEME = [f"sg+{s}" for s in ("redis", "rediss", "redis+unix")]

    _INCR_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call('INCRBY', KEYS[1], amount)
if current == amount then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {current, redis.call('TTL', KEYS[1])}
"""

    def __init__(self, uri: str, **options):
        super().__init__(uri.removeprefix("sg+"), **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_ttl = self.get_connection().register_script(self._INCR_TTL)

    @staticmethod
    def _memo() -> dict | None:
        if not has_request_context():
            return None
        return request.environ.setdefault("sg.limit_counts", {})  # this request's counters

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        full = self.prefixed_key(key)
        current, ttl = self.lua_incr_ttl([full], [expiry, amount])
        memo = self._memo()
        if memo is not None:
            memo[full] = (int(current), time.time() + max(int(ttl), 0))
        return int(current)

    def get(self, key: str) -> int:
        memo = self._memo()
        seen = memo and memo.get(self.prefixed_key(key))
        return seen[0] if seen else super().get(key)

    def get_expiry(self, key: str) -> float:
        memo = self._memo()
        seen = memo and memo.get(self.prefixed_key(key))
        return seen[1] if seen else super().get_expiry(key)


def _storage_uri(url: str) -> str:
    """``SG_REDIS_URL`` as the URI of :class:`_RememberingRedisStorage` (other schemes as they are)."""
    scheme = url.partition("://")[0]
    return f"sg+{url}" if scheme in ("redis", "rediss", "redis+unix") else url


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
            from flask_jwt_extended import decode_token

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


def _is_anonymous_caller() -> bool:
    return caller_key().startswith("ip:")


def _endpoint_limit() -> str:
    """The limit string of the current endpoint (strict one, else the default)."""
    key = STRICT_ENDPOINTS.get(request.endpoint or "")
    cfg = current_app.config
    return cfg[key] if key else cfg["RATELIMIT_DEFAULT"]


def init_limiter(app: Flask):
    """Create the ``Limiter`` on ``app`` (storage: ``SG_REDIS_URL``); returns it."""
    from flask_limiter import ApplicationLimit, Limit, Limiter

    cfg = app.config
    timeout = cfg["STORE_TIMEOUT_SECONDS"]
    limiter = Limiter(
        key_func=caller_key,
        app=None,
        storage_uri=_storage_uri(cfg["REDIS_URL"]),
        storage_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
        application_limits=[
            ApplicationLimit(lambda: current_app.config["RATELIMIT_DEFAULT"], key_function=caller_key),
            # the same address across all its accounts (anonymous callers are counted above already)
            ApplicationLimit(lambda: current_app.config["RATELIMIT_PER_IP"], key_function=client_ip_key,
                             scope="global-ip", exempt_when=_is_anonymous_caller),
        ],
        default_limits=[Limit(_endpoint_limit, key_function=caller_key)],
        headers_enabled=True,
        swallow_errors=True,
        strategy="fixed-window",
        key_prefix=cfg["RATELIMIT_KEY_PREFIX"],
        enabled=cfg["RATELIMIT_ENABLED"],
    )

    @limiter.request_filter
    def _exempt() -> bool:
        return request.method == "OPTIONS" or (request.endpoint or "") in EXEMPT_ENDPOINTS

    @app.after_request
    def _keep_service_retry_after(response):
        # registered before the limiter's hook, so it runs after it (Flask runs them in reverse)
        wait = g.get("sg_retry_after")
        if wait and response.status_code == 429:
            response.headers["Retry-After"] = wait
        return response

    limiter.init_app(app)
    app.extensions["limiter_sg"] = limiter
    return limiter
