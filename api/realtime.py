"""``/api/v1/stream``: the authenticated WebSocket (flask-sock).

The access token is checked **before** the upgrade (``Authorization: Bearer``
header or ``?access_token=`` for browsers, which cannot set headers on a
WebSocket): a missing, bad, expired or revoked token is answered with a 401
``application/problem+json`` response and no upgrade happens. The protocol
is in :func:`socialgraph.messaging.realtime.serve`.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, request
from flask_sock import Sock

from socialgraph.messaging import realtime

ws_bp = Blueprint("stream", __name__)
sock = Sock()


@ws_bp.before_request
def _authenticate_before_upgrade():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.args.get("access_token")
    g.ws_claims = realtime.authenticate(token)


@sock.route("/api/v1/stream", bp=ws_bp)
def stream(ws):
    """Notifications, feed updates, messages, typing and read receipts in real time."""
    realtime.serve(ws, g.ws_claims)


def init_app(app: Flask) -> None:
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"max_message_size": app.config["WS_MAX_MESSAGE_BYTES"],
                                                  "ping_interval": 25})
    app.register_blueprint(ws_bp)
    sock.init_app(app)
