"""Rate limits on every endpoint: flask-limiter with its counters in Redis.

Two layers, both answered with 429 ``application/problem+json``
(``/problems/rate-limited``) carrying ``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (epoch seconds) and
``Retry-After`` (seconds):

- an application-wide budget per caller across all endpoints,
  ``SG_RATELIMIT_DEFAULT`` (300 requests / 5 minutes);
- a stricter budget per endpoint for the abuse-prone ones, listed in
  :data:`STRICT_ENDPOINTS` (endpoint -> config key).

The caller is the authenticated account (``user:<uid>`` from a valid access
token) or else the client IP (``ip:<addr>``). Defaults are Mastodon's
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

from flask import Flask, current_app, request

log = logging.getLogger(__name__)

#: endpoint (blueprint.view) -> config key of its stricter limit.
STRICT_ENDPOINTS: dict[str, str] = {
    "auth.login": "RATELIMIT_LOGIN",
    "accountsec.login_mfa": "RATELIMIT_LOGIN",
    "auth.register": "RATELIMIT_SIGNUP",
    "auth.password_reset": "RATELIMIT_PASSWORD_RESET",
    "auth.password_reset_confirm": "RATELIMIT_PASSWORD_RESET",
    "posts.create_post": "RATELIMIT_POSTING",
    "posts.add_comment": "RATELIMIT_POSTING",
    "media.upload": "RATELIMIT_UPLOADS",
    "media.create_upload": "RATELIMIT_UPLOADS",
    "pictures.put_avatar": "RATELIMIT_UPLOADS",
    "pictures.put_cover": "RATELIMIT_UPLOADS",
}

#: endpoints never limited (liveness probes, the OpenAPI document and docs page).
EXEMPT_ENDPOINTS = {"meta.health", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def caller_key() -> str:
    """``user:<uid>`` for a request with a valid access token, else ``ip:<addr>``."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        try:
            from flask_jwt_extended import decode_token

            sub = decode_token(auth[7:].strip()).get("sub")
            if sub:
                return f"user:{sub}"
        except Exception:  # expired, tampered: limited by IP like anyone anonymous
            pass
    return f"ip:{request.remote_addr or 'unknown'}"


def _endpoint_limit() -> str:
    """The limit string of the current endpoint (strict one, else the default)."""
    key = STRICT_ENDPOINTS.get(request.endpoint or "")
    cfg = current_app.config
    return cfg[key] if key else cfg["RATELIMIT_DEFAULT"]


def init_limiter(app: Flask):
    """Create the ``Limiter`` on ``app`` (storage: ``SG_REDIS_URL``); returns it."""
    from flask_limiter import Limiter

    cfg = app.config
    timeout = cfg["STORE_TIMEOUT_SECONDS"]
    limiter = Limiter(
        key_func=caller_key,
        app=None,
        storage_uri=cfg["REDIS_URL"],
        storage_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
        application_limits=[lambda: current_app.config["RATELIMIT_DEFAULT"]],
        default_limits=[_endpoint_limit],
        headers_enabled=True,
        swallow_errors=True,
        strategy="fixed-window",
        key_prefix=cfg["RATELIMIT_KEY_PREFIX"],
        enabled=cfg["RATELIMIT_ENABLED"],
    )

    @limiter.request_filter
    def _exempt() -> bool:
        return request.method == "OPTIONS" or (request.endpoint or "") in EXEMPT_ENDPOINTS

    limiter.init_app(app)
    app.extensions["limiter_sg"] = limiter
    return limiter
