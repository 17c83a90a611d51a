"""``/api/v1/push``: Web Push subscriptions of the caller's session (the
shape of Mastodon's ``/api/v1/push/subscription``)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from socialgraph.messaging import push

from .schemas import Schema, Strict
from .security import auth_required, current_sid, current_uid

blp = Blueprint("push", __name__, url_prefix="/api/v1/push", description="Web Push subscriptions")


class PushKeysIn(Strict):
    p256dh = fields.String(required=True, metadata={"description": "base64url P-256 public key of the browser"})
    auth = fields.String(required=True, metadata={"description": "base64url 16-byte auth secret"})


class PushSubscriptionIn(Strict):
    endpoint = fields.String(required=True, metadata={"description": "the push service URL (https)"})
    keys = fields.Nested(PushKeysIn, required=True)
    expirationTime = fields.Raw(allow_none=True, metadata={"description": "ignored (PushSubscription.toJSON)"})


class PushDataIn(Strict):
    alerts = fields.Dict(keys=fields.String(), values=fields.Boolean(), metadata={
        "description": "notification type -> pushed? (default: every type)"})


class SubscribeIn(Strict):
    subscription = fields.Nested(PushSubscriptionIn, required=True)
    data = fields.Nested(PushDataIn)


class AlertsIn(Strict):
    data = fields.Nested(PushDataIn, required=True)


class PushSubscriptionOut(Schema):
    id = fields.String()
    endpoint = fields.String()
    alerts = fields.Dict(keys=fields.String(), values=fields.Boolean())
    server_key = fields.String(metadata={"description": "VAPID public key (base64url)"})
    created_at = fields.DateTime()


class ServerKeyOut(Schema):
    server_key = fields.String(metadata={"description": "applicationServerKey for PushManager.subscribe"})


@blp.route("/server-key", methods=["GET"])
@blp.response(200, ServerKeyOut)
def get_server_key():
    """The VAPID public key (RFC 8292) to pass to ``PushManager.subscribe``."""
    return {"server_key": push.server_key()}


@blp.route("/subscription", methods=["POST"])
@auth_required(blp)
@blp.arguments(SubscribeIn)
@blp.response(200, PushSubscriptionOut)
def subscribe(body):
    """Subscribe this session to Web Push (replaces its previous subscription).
    ``subscription`` is ``PushSubscription.toJSON()``; ``data.alerts`` picks
    notification types. 422 for a non-https or private endpoint or bad keys."""
    sub = body["subscription"]
    return push.subscribe(current_uid(), current_sid(), sub["endpoint"], sub["keys"],
                          (body.get("data") or {}).get("alerts"))


@blp.route("/subscription", methods=["GET"])
@auth_required(blp)
@blp.response(200, PushSubscriptionOut)
def get_subscription():
    """This session's subscription; 404 when there is none."""
    return push.get_subscription(current_uid(), current_sid())


@blp.route("/subscription", methods=["PUT"])
@auth_required(blp)
@blp.arguments(AlertsIn)
@blp.response(200, PushSubscriptionOut)
def update_subscription(body):
    """Change which notification types are pushed; 404 without a subscription."""
    return push.update_alerts(current_uid(), current_sid(), body["data"].get("alerts") or {})


@blp.route("/subscription", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_subscription():
    """Remove this session's subscription (idempotent)."""
    push.unsubscribe(current_uid(), current_sid())
