"""``/api/v1/notifications``: list, resume, mark read, preferences."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.messaging import notifications

from .realtime_schemas import (
    CountOut,
    NotificationArgs,
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
)
from .security import auth_required, current_uid

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="Notifications")


@blp.route("", methods=["GET"])
@auth_required(blp)
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
def list_notifications(args):
    """The caller's notifications, most recently changed first (grouped: "a, b and 5 others ...");
    cursor pagination. With ``since=<seq>``: everything after that seq, oldest first (resume);
    with ``since_id`` / ``min_id``: only notifications newer than that one (polling)."""
    newer = args.get("min_id") or args.get("since_id")
    if newer:
        items = notifications.newer_than(current_uid(), newer, args["limit"], adjacent=bool(args.get("min_id")))
        return {"items": items, "next_cursor": None}
    if args.get("since") is not None:
        return {"items": notifications.since(current_uid(), args["since"], args["limit"]), "next_cursor": None}
    page = notifications.list_notifications(current_uid(), args.get("cursor"), args["limit"], args["unread"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/unread-count", methods=["GET"])
@auth_required(blp)
@blp.response(200, CountOut)
def unread_count():
    """How many of the caller's notifications are unread."""
    return {"unread": notifications.unread_count(current_uid())}


@blp.route("/<string:notification_id>/read", methods=["POST"])
@auth_required(blp)
@blp.response(200, NotificationOut)
def mark_read(notification_id):
    """Mark one notification read (404 if it is not the caller's)."""
    return notifications.mark_read(current_uid(), notification_id)


@blp.route("/read-all", methods=["POST"])
@auth_required(blp)
@blp.response(200, CountOut)
def mark_all_read():
    """Mark all the caller's notifications read."""
    return notifications.mark_all_read(current_uid())


@blp.route("/preferences", methods=["GET"])
@auth_required(blp)
@blp.response(200, PreferencesOut)
def get_preferences():
    """Per event type and channel (in_app, realtime, email): what the caller receives."""
    return {"preferences": notifications.get_preferences(current_uid())}


@blp.route("/preferences", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PreferencesIn)
@blp.response(200, PreferencesOut)
def set_preferences(body):
    """Change some preferences: ``{"preferences": {"reaction": {"email": true}}}``."""
    return {"preferences": notifications.set_preferences(current_uid(), body["preferences"])}
