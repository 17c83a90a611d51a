"""One way to make a Mastodon blueprint: mounted at
:data:`~socialgraph.mastodon.dispatch.MOUNT`, answering only requests that
came through the Mastodon host or prefix, with Mastodon's error shape.

Every module of this package (and 24b's status, timeline, ... modules) makes
its blueprint with :func:`mastodon_blueprint` and is listed in
:data:`socialgraph.mastodon.BLUEPRINTS`.
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from socialgraph.core.errors import NotFound
from socialgraph.mastodon import errors
from socialgraph.mastodon.dispatch import MOUNT, is_mastodon_request


def _only_through_the_dispatcher():
    if not is_mastodon_request():
        raise NotFound("Record not found")


#: CORS for browser apps on other origins (Elk, Phanpy, Pinafore): as Mastodon does, any
#: origin, no credentials (tokens are bearer headers, never cookies), so ``*`` is safe
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, If-None-Match",
    "Access-Control-Expose-Headers": "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
                                     "Retry-After, ETag",
    "Access-Control-Max-Age": "600",
}


#: the consent page is for the browser's own window, never for another origin's scripts
NO_CORS_ENDPOINTS = {"mastodon_oauth.authorize", "mastodon_oauth.authorize_post"}


def _cors(response):
    if request.endpoint not in NO_CORS_ENDPOINTS:
        for k, v in CORS_HEADERS.items():
            response.headers.setdefault(k, v)
    return response


def mastodon_blueprint(name: str, import_name: str, **kwargs) -> Blueprint:
    """A Flask blueprint for Mastodon endpoints: routes are written as
    Mastodon documents them (``/api/v1/accounts/<id>``). Answers carry
    :data:`CORS_HEADERS` (preflight ``OPTIONS`` included)."""
    bp = Blueprint(name, import_name, url_prefix=MOUNT, **kwargs)
    bp.before_request(_only_through_the_dispatcher)
    bp.after_request(_cors)
    errors.install(bp)
    return bp


#: unknown paths on the Mastodon origin: 404 in Mastodon's shape (not the native problem+json)
fallback = mastodon_blueprint("mastodon_fallback", __name__)


@fallback.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@fallback.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest: str = ""):
    raise NotFound("Record not found")


#: 1x1 transparent PNG: the picture of an account without an avatar file / cover (Mastodon's "missing.png")
MISSING_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                            "0000000d4944415478da63606060600000000500017aa857500000000049454e44ae426082")


@fallback.get("/avatars/missing.png")
@fallback.get("/headers/missing.png")
def missing_picture():
    """The placeholder picture URL of accounts without a cover (PNG, public, cacheable)."""
    resp = Response(MISSING_PNG, mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp
