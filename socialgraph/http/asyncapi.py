"""AsyncAPI 3.0 description of the WebSocket stream ``GET /api/v1/stream``
(https://www.asyncapi.com/docs/reference/specification/v3.0.0), served at
``/api/v1/asyncapi.json`` beside the OpenAPI document.

It is written from the protocol of :mod:`socialgraph.messaging.realtime`
(frames, resume, close codes); ``tests/api/http/test_contract.py`` checks
that every frame type the server code sends and every close code it uses
appear here, so the description cannot drift from the code silently.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

#: RFC 6455 §7.4 close codes the stream uses (4000-4999 are the application's)
CLOSE_CODES = {
    1000: "normal closure (either side)",
    1008: "policy violation",
    1009: "frame too large (more than WS_MAX_MESSAGE_BYTES)",
    4001: "the access token expired: reconnect with a fresh token and send `resume`",
    4008: "flooding: more than WS_RATE_LIMIT frames per WS_RATE_WINDOW_SECONDS, three times",
}


def _obj(required: list[str], **props: Any) -> dict:
    return {"type": "object", "required": ["type", *required], "properties": props}


def _type(name: str) -> dict:
    return {"type": "string", "const": name}


NOTIFICATION = {"type": "object", "description": "As in GET /api/v1/notifications items.", "properties": {
    "id": {"type": "string"}, "seq": {"type": "integer"}, "type": {"type": "string"},
    "summary": {"type": "string"}, "read": {"type": "boolean"}, "actors_count": {"type": "integer"},
    "object": {"type": "object"}, "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}}

#: message name -> (direction, summary, payload schema)
MESSAGES: dict[str, tuple[str, str, dict]] = {
    "hello": ("server", "Sent once on connect.", _obj(
        ["uid", "expires_at", "last_seq"], type=_type("hello"), uid={"type": "string"},
        expires_at={"type": "integer", "description": "token expiry, seconds since the epoch"},
        last_seq={"type": "integer", "description": "seq of the newest notification"})),
    "notification": ("server", "A notification was created or grew (grouped).", _obj(
        ["notification"], type=_type("notification"), notification=NOTIFICATION)),
    "feed.update": ("server", "A post entered the caller's home feed (sent only while online).", _obj(
        ["post_id", "author_id"], type=_type("feed.update"), post_id={"type": "string"},
        author_id={"type": "string"})),
    "message": ("server", "A direct message in one of the caller's conversations.", _obj(
        ["message"], type=_type("message"), message={"type": "object", "properties": {
            "id": {"type": "string"}, "conversation_id": {"type": "string"}, "sender_id": {"type": "string"},
            "text": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}})),
    "typing": ("both", "Server: a member is typing. Client: tell the others you are typing.", _obj(
        ["conversation_id"], type=_type("typing"), conversation_id={"type": "string"},
        user_id={"type": "string", "description": "server frames only"})),
    "read": ("both", "Server: a member read up to a message (also sent to the reader's own sockets, whose "
                     "other tabs then clear their unread badges). Client: mark read up to message_id.", _obj(
        ["conversation_id", "message_id"], type=_type("read"), conversation_id={"type": "string"},
        message_id={"type": "string"}, user_id={"type": "string", "description": "server frames only"})),
    "resumed": ("server", "After the notifications missed since `resume.since` were sent.", _obj(
        ["count", "last_seq"], type=_type("resumed"), count={"type": "integer"}, last_seq={"type": "integer"})),
    "pong": ("server", "Answer to ping.", _obj([], type=_type("pong"), at={"type": "string", "format": "date-time"})),
    "error": ("server", "A frame was refused; the socket stays open unless a close follows.", _obj(
        ["code", "detail"], type=_type("error"),
        code={"type": "string", "description": "malformed, unknown-type, rate-limited, token-expired or a "
                                               "problem slug (not-found, forbidden, ...)"},
        detail={"type": "string"})),
    "ping": ("client", "Keep-alive; answered with pong.", _obj([], type=_type("ping"))),
    "resume": ("client", "Send every notification changed after `since` (the last seq seen), then resumed.",
               _obj(["since"], type=_type("resume"), since={"type": "integer", "minimum": 0})),
}


def document(base_url: str = "") -> dict:
    """The AsyncAPI 3.0 document (a dict)."""
    host = base_url.split("://", 1)[-1].rstrip("/") or "localhost:5000"
    secure = base_url.startswith("https")
    messages = {name.replace(".", "_"): {"name": name, "summary": summary, "contentType": "application/json",
                                         "payload": payload}
                for name, (_d, summary, payload) in MESSAGES.items()}
    refs = {d: [{"$ref": f"#/channels/stream/messages/{n.replace('.', '_')}"}
                for n, (direction, _s, _p) in MESSAGES.items() if direction in (d, "both")]
            for d in ("server", "client")}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "socialgraph stream", "version": "v1", "description": (
            "Real-time notifications, direct messages, typing/read receipts and home-feed updates over one "
            "WebSocket per client. Authenticate before the upgrade with `Authorization: Bearer <access token>` "
            "or `?access_token=`; a missing, bad, expired, revoked or refresh token gets a 401 "
            "application/problem+json answer instead of the upgrade. Frames are JSON text objects with a "
            "`type`.\n\nResume protocol: keep the highest notification `seq` seen; after a reconnect send "
            "`{\"type\":\"resume\",\"since\":<seq>}` (or GET /api/v1/notifications?since=<seq>) to get every "
            "notification changed since, oldest first, then `resumed`.\n\nClose codes: " + "; ".join(
                f"{code} {text}" for code, text in CLOSE_CODES.items()))},
        "servers": {"api": {"host": host, "protocol": "wss" if secure else "ws", "pathname": "/api/v1/stream",
                            "security": [{"$ref": "#/components/securitySchemes/bearer"}]}},
        "channels": {"stream": {"address": "/api/v1/stream", "messages": messages,
                                "bindings": {"ws": {"method": "GET", "query": {"type": "object", "properties": {
                                    "access_token": {"type": "string"}}}}}}},
        "operations": {
            "receiveFrames": {"action": "receive", "channel": {"$ref": "#/channels/stream"},
                              "summary": "Frames the server sends", "messages": refs["server"]},
            "sendFrames": {"action": "send", "channel": {"$ref": "#/channels/stream"},
                           "summary": "Frames a client may send (at most WS_RATE_LIMIT per window)",
                           "messages": refs["client"]},
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                       "x-close-codes": {str(k): v for k, v in CLOSE_CODES.items()}},
    }


def init_asyncapi(app: Flask) -> None:
    """Serve :func:`document` at ``/api/v1/asyncapi.json``."""

    def asyncapi_json():
        """The AsyncAPI 3.0 description of the WebSocket stream."""
        return jsonify(document(app.config.get("PUBLIC_BASE_URL", "")))

    app.add_url_rule("/api/v1/asyncapi.json", "asyncapi_json", asyncapi_json, methods=["GET"])
