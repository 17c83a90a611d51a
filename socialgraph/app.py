"""The application factory.

``create_app(config)`` reads like a table of contents: extensions,
blueprints, error handlers, commands. Nothing here connects to a store;
clients are made on first use (:mod:`socialgraph.stores.clients`).
"""
from __future__ import annotations

import logging

from flask import Flask

from socialgraph import domains, mastodon, stores
from socialgraph.commands import register_cli
from socialgraph.core.config import check_production, check_redis_roles, load_config
from socialgraph.http import contract
from socialgraph.http.asyncapi import init_asyncapi
from socialgraph.http.conventions import init_conventions
from socialgraph.http.json_provider import init_json
from socialgraph.http.middleware import init_middleware
from socialgraph.http.web import init_web, register_problem_handlers

log = logging.getLogger(__name__)


class SocialgraphFlask(Flask):
    """Flask, with :meth:`ensure_sync` remembered per function (issue 22).

    Flask asks ``ensure_sync`` for every hook, the view and the error handlers
    on every request (``inspect.iscoroutinefunction``, ten a ``/ping``); the
    answer is a property of the function, so each is asked once (at most
    :data:`SYNC_MEMO` functions kept; beyond that, asked every time)."""

    SYNC_MEMO = 4096

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func):
        hit = self._sync.get(func)
        if hit is None:
            hit = super().ensure_sync(func)
            if len(self._sync) < self.SYNC_MEMO:
                self._sync[func] = hit
        return hit


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with ``config`` overriding any key.

    Raises :class:`~socialgraph.core.config.ConfigError` in production mode with
    development secrets.
    """
    app = SocialgraphFlask("socialgraph")
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_production(app.config)
    check_redis_roles(app.config)

    register_domains(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_domains(app: Flask) -> None:
    """Every domain package, imported in the package order, has filled its
    registries (user-data areas, profile flags, the group-post reader); see
    :mod:`socialgraph.domains`. Recorded on the app for ``/health``-style checks."""
    app.extensions["socialgraph_domains"] = domains.PACKAGES


def register_extensions(app: Flask) -> None:
    """Store clients (lazy), the JSON encoder (orjson), JWT, OpenAPI, WebSockets."""

    stores.init_app(app)
    init_json(app)
    init_web(app)
    mastodon.install_dispatch(app)  # the Mastodon API's host/prefix (inside ProxyFix, which wraps next)
    init_middleware(app)  # security headers, CORS, rate limits, Idempotency-Key
    init_conventions(app)  # Location, ETag/304, Link, 415


def register_blueprints(app: Flask) -> None:
    """Every blueprint of ``api`` under ``/api/v1`` (listed in ``api.BLUEPRINTS``), and the
    Mastodon client API on its own origin (``socialgraph.mastodon.BLUEPRINTS``)."""
    import importlib

    api_package = importlib.import_module(app.config.get("API_PACKAGE", "api"))
    api_package.register(app)
    mastodon.register(app)  # OAuth 2.0 (Authlib) and the Mastodon client API
    contract.install(app)  # OpenAPI 3.1 as SDK generators need it (operationIds, errors, headers)
    init_asyncapi(app)  # the WebSocket stream described in AsyncAPI 3.0


def register_error_handlers(app: Flask) -> None:
    """Domain, HTTP and store errors -> ``application/problem+json`` (RFC 9457)."""

    register_problem_handlers(app)


def register_commands(app: Flask) -> None:
    """``flask``/``socialgraph`` CLI commands: db init, import, worker, outbox."""

    register_cli(app)
