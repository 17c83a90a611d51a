"""App-wide HTTP middleware (issue 8), registered by ``register_extensions``:

- security headers on every response (:func:`security_headers`);
- CORS for the origins in ``SG_CORS_ORIGINS`` (flask-cors; none by default);
- rate limits (:mod:`socialgraph.http.limits`: the `limits` library's fixed windows on Redis, one round trip a request);
- ``Idempotency-Key`` on POST (:mod:`socialgraph.http.idempotency`).

Order matters: Flask runs ``after_request`` hooks in reverse registration
order, so the header hook is registered first and sees the final response.
"""
from __future__ import annotations

from flask import Flask, current_app, request

from socialgraph.http.idempotency import init_idempotency
from socialgraph.http.limits import init_limiter

#: Headers the browser may read from a cross-origin response.
EXPOSED_HEADERS = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
                   "Idempotent-Replayed", "Location", "ETag", "Link"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"]

#: The docs page: Swagger UI from this origin (socialgraph.http.docs_assets); the inline
#: script is flask-smorest's page template that starts it.
_DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
             "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "connect-src 'self'; frame-ancestors 'none'")
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The reference web client (``/`` and ``/web/``): own scripts and styles only;
#: images and videos may come from presigned object-storage URLs (another origin).
_WEB_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; "
            "media-src 'self' blob: http: https:; connect-src 'self' ws: wss:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


#: ``(name, lower-case name, value)`` of the headers every response carries unless
#: the view set its own (built once: the hook runs on every request)
_ALWAYS = tuple((name, name.lower(), value) for name, value in (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-site"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
))


def security_headers(response):
    """OWASP Secure Headers Project recommendations for a JSON API.

    ``Strict-Transport-Security`` only over HTTPS (``SG_HSTS_SECONDS``);
    ``Cache-Control: no-store`` on authenticated answers; ``Retry-After``
    only where it means something (429, 503). A header the view set itself
    is kept (``Cache-Control`` excepted on authenticated answers).

    Cost (issue 22): the response's header names are read once into a set;
    werkzeug's ``Headers.setdefault`` scans the list and raises (and catches)
    a ``KeyError`` per missing name, which cost 13 exceptions a request.
    """
    h = response.headers
    present = {name.lower() for name, _ in h}
    for name, lower, value in _ALWAYS:
        if lower not in present:
            h.add(name, value)
    if "content-security-policy" not in present:
        path = request.path
        docs = path.endswith("/docs") or path.endswith("/docs/")
        web = path == "/" or path.startswith("/web/")
        h.add("Content-Security-Policy", _DOCS_CSP if docs else _WEB_CSP if web else _API_CSP)
    if "strict-transport-security" not in present and request.is_secure and current_app.config.get("HSTS_SECONDS"):
        h.add("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    if request.environ.get("HTTP_AUTHORIZATION"):
        h["Cache-Control"] = "no-store"
    if "retry-after" in present and response.status_code not in (429, 503):
        del h["Retry-After"]
    return response


def init_proxy_fix(app: Flask) -> None:
    """Behind ``SG_TRUSTED_PROXY_HOPS`` reverse proxies, take the client
    address, scheme and host from the last that many ``X-Forwarded-For``,
    ``-Proto`` and ``-Host`` values (werkzeug's ``ProxyFix``), so
    ``request.remote_addr`` is the client (rate limits, login throttling,
    sessions) and ``request.is_secure`` is true behind TLS (HSTS). With 0
    (the default) those headers are ignored: a client could forge them."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_middleware(app: Flask) -> None:
    """Register ProxyFix, headers, CORS, the limiter and idempotency on ``app``."""

    init_proxy_fix(app)
    app.after_request(security_headers)
    origins = app.config.get("CORS_ORIGINS") or []
    if origins:
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": origins}}, expose_headers=EXPOSED_HEADERS,
             allow_headers=ALLOWED_HEADERS, supports_credentials=False, max_age=600)
    init_idempotency(app)
    init_limiter(app)
