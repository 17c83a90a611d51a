"""The HTTP API: thin Flask blueprints over the ``socialgraph`` services.

Each module defines one ``flask_smorest.Blueprint`` (so it appears in the
OpenAPI document); :func:`register` mounts them all under ``/api/v1``.
"""
from __future__ import annotations

from flask import Flask

from . import (
    account_security,
    auth,
    discovery,
    feeds,
    graph,
    groups,
    me,
    media,
    messages,
    meta,
    moderation,
    notifications,
    pictures,
    posts,
    push,
    realtime,
    security,
    stories,
    trends,
    users,
)

BLUEPRINTS = (meta.blp, auth.blp, me.blp, users.blp, posts.blp, feeds.blp, graph.blp,
              media.blp, discovery.blp, moderation.blp, groups.blp, stories.blp, account_security.blp,
              notifications.blp, messages.blp, trends.blp, pictures.blp, push.blp)


def register(app: Flask) -> None:
    api = app.extensions["openapi"]
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    app.extensions["socialgraph_optional_auth"] = set(security.OPTIONAL_AUTH)
    meta.register_root(app)
    realtime.init_app(app)  # the WebSocket (flask-sock), outside flask-smorest
