"""How the Mastodon client API and our native ``/api/v1`` share one process.

Both APIs use ``/api/v1/...`` and collide on many paths (``notifications``,
``conversations``, ``trends``, ``lists``, ``push/subscription`` ...), with
different shapes. So the Mastodon API is **its own origin**, served by the
same app:

1. **Its own host name** (production): requests whose ``Host`` is
   ``SG_MASTODON_HOST`` (say ``social.example.org``, beside the native
   ``api.example.org``) are all Mastodon API, at the paths Mastodon apps
   expect (``/api/v1/...``, ``/api/v2/...``, ``/oauth/...``,
   ``/.well-known/...``). The reverse proxy only has to send that name to
   the same upstream (``deploy/Caddyfile``). This is what Tusky, Ivory, Elk
   and the other apps need: they take a bare domain.
2. **A path prefix on any host** (dev and tests): ``SG_MASTODON_PREFIX``
   (default ``/mastodon``), so ``http://127.0.0.1:5000/mastodon`` is a
   Mastodon ``api_base_url`` for Mastodon.py, whose URLs are
   ``api_base_url + "/api/v1/..."``. Empty turns it off.

Inside the app both land on the blueprints mounted at :data:`MOUNT`
(``/_mastodon``): this WSGI middleware rewrites ``PATH_INFO`` before Flask
routes the request, and records the public base URL of the Mastodon origin
(``environ["socialgraph.mastodon.base"]``, e.g. ``https://social.example.org``
or ``http://127.0.0.1:5000/mastodon``) for absolute links (``Link``
paging, OAuth metadata). A request that reaches :data:`MOUNT` directly,
without passing here, is answered 404 (:func:`is_mastodon_request`). The
native API and the web client see nothing of this: their paths and hosts
are untouched.

Install it inside werkzeug's ``ProxyFix`` (``create_app`` does), so the
host and scheme it looks at are the ones the client used.
"""
from __future__ import annotations

from flask import Flask, request

#: where the Mastodon blueprints are mounted inside the app
MOUNT = "/_mastodon"
ENV_BASE = "socialgraph.mastodon.base"
ENV_PATH = "socialgraph.mastodon.path"
#: Mastodon's streaming API, also routed at the root of any host in prefix mode (see :class:`MastodonDispatch`)
STREAMING = "/api/v1/streaming"


class MastodonDispatch:
    """WSGI middleware: Mastodon host or prefix -> :data:`MOUNT` (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app):
        self.flask_app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        cfg = self.flask_app.config
        host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").lower()
        path = environ.get("PATH_INFO") or "/"
        script = environ.get("SCRIPT_NAME", "")
        scheme = environ.get("wsgi.url_scheme", "http")
        mhost = cfg.get("MASTODON_HOST") or ""
        prefix = cfg.get("MASTODON_PREFIX") or ""
        if path.startswith(MOUNT + "/") or path == MOUNT:
            environ.pop(ENV_BASE, None)  # reached directly: not the Mastodon origin (404 there)
        elif mhost and _same_host(host, mhost):
            environ[ENV_BASE] = f"{scheme}://{host}{script}"
            environ[ENV_PATH] = path = _no_trailing_slash(path)
            environ["PATH_INFO"] = MOUNT + path
        elif prefix and (path == STREAMING or path.startswith(STREAMING + "/")):
            # the streaming API also at the host's root: Mastodon.py keeps only the scheme and
            # host of ``urls.streaming_api`` (our native API has no such path: ours is /api/v1/stream)
            environ[ENV_BASE] = f"{scheme}://{host}{script}{prefix}"
            environ[ENV_PATH] = path
            environ["PATH_INFO"] = MOUNT + path
        elif prefix and (path == prefix or path.startswith(prefix + "/")):
            rest = _no_trailing_slash(path[len(prefix):] or "/")
            environ[ENV_BASE] = f"{scheme}://{host}{script}{prefix}"
            environ[ENV_PATH] = rest
            environ["PATH_INFO"] = MOUNT + rest
        return self.wsgi_app(environ, start_response)


def _no_trailing_slash(path: str) -> str:
    """Rails (Mastodon) routes ``/api/v1/instance/`` like ``/api/v1/instance``;
    Mastodon.py asks for the former."""
    return path.rstrip("/") or "/" if path != "/" else path


def _same_host(host: str, configured: str) -> bool:
    """``Host`` matches ``SG_MASTODON_HOST``: exactly, or without the port when none is configured."""
    if host == configured:
        return True
    return ":" not in configured and host.rsplit(":", 1)[0] == configured


def install(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` (call before ProxyFix wraps it, so this runs after it)."""
    app.wsgi_app = MastodonDispatch(app, app.wsgi_app)


def is_mastodon_request() -> bool:
    """Whether the current request came through the Mastodon host or prefix."""
    return ENV_BASE in request.environ


def public_base() -> str:
    """The Mastodon origin's base URL for this request (no trailing slash)."""
    return request.environ.get(ENV_BASE, request.host_url.rstrip("/"))


def public_path() -> str:
    """The request's path as the client sent it on the Mastodon origin (``/api/v1/...``)."""
    return request.environ.get(ENV_PATH) or request.path.removeprefix(MOUNT)


def public_url(path: str) -> str:
    """Absolute URL of ``path`` (``/api/v1/...``) on the Mastodon origin."""
    return public_base() + path
