"""The Mastodon client API (issue 24), beside our native ``/api/v1``.

Every Mastodon app and library (Tusky, Ivory, Elk, Phanpy, Ice Cubes;
Mastodon.py, masto.js, megalodon) speaks it; this package makes them
socialgraph clients. It sits above :mod:`socialgraph.http` and below the
app factory: views here are thin, every rule (privacy, blocks, audiences,
authorisation) is the domain services' own.

- :mod:`~socialgraph.mastodon.dispatch`: where it lives (its own host name
  ``SG_MASTODON_HOST``, or the ``SG_MASTODON_PREFIX`` path prefix), and why;
- :mod:`~socialgraph.mastodon.blueprints`: how a Mastodon blueprint is made;
- :mod:`~socialgraph.mastodon.errors`: ``{"error": "..."}`` for every failure;
- :mod:`~socialgraph.mastodon.auth`: OAuth bearer token -> account, scopes;
- :mod:`~socialgraph.mastodon.paging`: parameters and ``Link`` paging;
- :mod:`~socialgraph.mastodon.entities`: ``Account``, ``Relationship``;
- :mod:`~socialgraph.mastodon.oauth`: apps, authorize, token, revoke (Authlib);
- the endpoint modules, one blueprint each, listed in :data:`BLUEPRINTS`.

The mapping of our model onto Mastodon's is documented in ``docs/mastodon.md``.
"""
from __future__ import annotations

from flask import Flask

from socialgraph.mastodon import (
    accounts,
    activity_api,
    blueprints,
    dispatch,
    instance,
    oauth,
    statuses_api,
    streaming,
)

#: every Mastodon blueprint; the fallback (404 for unknown paths) last
BLUEPRINTS = (oauth.bp, instance.bp, accounts.bp, statuses_api.blp, activity_api.blp, streaming.blp)


def install_dispatch(app: Flask) -> None:
    """Route the Mastodon host and prefix to the Mastodon blueprints
    (:mod:`socialgraph.mastodon.dispatch`); call before ProxyFix wraps the app."""
    dispatch.install(app)


def register(app: Flask) -> None:
    """The OAuth server and every blueprint of :data:`BLUEPRINTS` on ``app``."""
    oauth.init_server(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.register_blueprint(blueprints.fallback)
