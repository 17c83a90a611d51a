"""Presigned object URLs handed to clients (browsers, apps).

The app talks to object storage on its internal endpoint (``SG_S3_ENDPOINT``,
e.g. ``http://minio:9000`` on the compose backend network), which browsers
cannot reach. Every URL a client receives is therefore signed for
``SG_S3_PUBLIC_ENDPOINT`` (e.g. ``https://social.example`` when the reverse
proxy routes ``/<bucket>/*`` to MinIO, see ``deploy/Caddyfile``). A SigV4
signature covers the ``Host`` header and the path, so the proxy must pass
both through unchanged (Caddy's ``reverse_proxy`` keeps the client's Host).

Without ``SG_S3_PUBLIC_ENDPOINT`` the internal endpoint signs (local
development, where both are the same).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from socialgraph.stores.clients import public_objects

#: S3 caps presigned URL lifetimes at 7 days (SigV4 ``X-Amz-Expires`` <= 604,800 s).
MAX_SECONDS = 7 * 86400


def _clamp(seconds: int) -> timedelta:
    return timedelta(seconds=max(1, min(int(seconds), MAX_SECONDS)))


def presigned_get(key: str | None, seconds: int = 3600, bucket: str | None = None) -> str | None:
    """A GET URL for ``key`` in ``bucket`` (default ``SG_S3_BUCKET``) valid ``seconds``
    (clamped to 1..604,800), on the public endpoint; ``None`` for no key. Local only: no request."""
    if not key:
        return None
    return public_objects().presigned_get_object(bucket or current_app.config["S3_BUCKET"], key,
                                                 expires=_clamp(seconds))


def presigned_put(key: str, seconds: int, request_date: datetime | None = None,
                  bucket: str | None = None) -> str:
    """A PUT URL for a browser upload of ``key`` valid ``seconds`` from ``request_date``
    (default now), on the public endpoint."""
    return public_objects().get_presigned_url("PUT", bucket or current_app.config["S3_BUCKET"], key,
                                              expires=_clamp(seconds), request_date=request_date)


def public_endpoint() -> str:
    """The endpoint clients reach object storage at (``SG_S3_PUBLIC_ENDPOINT``, else the internal one)."""
    return (current_app.config.get("S3_PUBLIC_ENDPOINT") or current_app.config["S3_ENDPOINT"]).rstrip("/")


def presigned_post(policy) -> tuple[str, dict]:
    """``(url, form fields)`` of a browser POST upload under ``policy`` (a minio
    ``PostPolicy``): the store enforces its conditions (key, Content-Type,
    content-length-range). The URL is the bucket on the public endpoint."""
    fields = public_objects().presigned_post_policy(policy)
    return f"{public_endpoint()}/{policy.bucket_name}", fields
