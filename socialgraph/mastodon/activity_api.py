"""Mastodon client API: notifications (v1 and grouped v2), media (v2, async),
search (v2), trends, conversations (our direct messages). Thin views over
:mod:`~socialgraph.mastodon.timeline_service`."""
from __future__ import annotations

from flask import jsonify, request

from socialgraph.core.errors import MalformedRequest
from socialgraph.http.request_guard import body_limit
from socialgraph.mastodon.accounts import MULTIPART_SLACK
from socialgraph.mastodon import timeline_service as tl
from socialgraph.mastodon.auth import current_account_id, require_scope
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.paging import link_header, page_args, param_int, param_list, param_str, paged
from socialgraph.messaging import notifications

blp = mastodon_blueprint("mastodon_activity", __name__)


def _filters() -> dict:
    p = page_args()
    p["types"] = [str(t) for t in param_list("types")] or None
    p["exclude_types"] = [str(t) for t in param_list("exclude_types")]
    return p


def _paged(items: list[dict]):
    return paged(items, items[-1]["id"] if items else None, items[0]["id"] if items else None)


# -- notifications ----------------------------------------------------------------------
@blp.route("/api/v1/notifications", methods=["GET"])
@require_scope("read:notifications")
def list_notifications():
    """Notifications, newest first (``types[]``, ``exclude_types[]``, id paging)."""
    return _paged(tl.notification_list(current_account_id(), _filters()))


@blp.route("/api/v1/notifications/unread_count", methods=["GET"])
@require_scope("read:notifications")
def unread_count():
    """``{count}`` of unread notifications."""
    return jsonify({"count": notifications.unread_count(current_account_id())})


@blp.route("/api/v1/notifications/<notification_id>", methods=["GET"])
@require_scope("read:notifications")
def get_notification(notification_id):
    """One notification; 404 when it is not the caller's."""
    return jsonify(tl.notification_one(current_account_id(), notification_id))


@blp.route("/api/v1/notifications/clear", methods=["POST"])
@require_scope("write:notifications")
def clear_notifications():
    """Delete every notification of the caller."""
    notifications.clear(current_account_id())
    return jsonify({})


@blp.route("/api/v1/notifications/<notification_id>/dismiss", methods=["POST"])
@require_scope("write:notifications")
def dismiss_notification(notification_id):
    """Delete one notification."""
    notifications.dismiss(current_account_id(), notification_id)
    return jsonify({})


@blp.route("/api/v2/notifications", methods=["GET"])
@require_scope("read:notifications")
def grouped_notifications():
    """Grouped notifications (Mastodon 4.3): ``{accounts, statuses, notification_groups}``."""
    out = tl.grouped_notifications(current_account_id(), _filters())
    resp = jsonify(out)
    groups = out["notification_groups"]
    link = link_header(groups[-1]["page_min_id"], groups[0]["page_max_id"]) if groups else None
    if link:
        resp.headers["Link"] = link
    return resp


@blp.route("/api/v2/notifications/<group_key>", methods=["GET"])
@require_scope("read:notifications")
def notification_group(group_key):
    """One group (its key is the notification id, or ``ungrouped-<id>``)."""
    return jsonify(tl.grouped_one(current_account_id(), group_key.removeprefix("ungrouped-")))


@blp.route("/api/v2/notifications/<group_key>/accounts", methods=["GET"])
@require_scope("read:notifications")
def notification_group_accounts(group_key):
    """The accounts of a group (up to 3 newest: what our notification keeps to show)."""
    return jsonify(tl.notification_accounts(current_account_id(), group_key.removeprefix("ungrouped-")))


@blp.route("/api/v2/notifications/<group_key>/dismiss", methods=["POST"])
@require_scope("write:notifications")
def dismiss_group(group_key):
    """Delete a notification group."""
    notifications.dismiss(current_account_id(), group_key.removeprefix("ungrouped-"))
    return jsonify({})


@blp.route("/api/v2/notifications/unread_count", methods=["GET"])
@require_scope("read:notifications")
def grouped_unread_count():
    """``{count}`` of unread notification groups."""
    return jsonify({"count": notifications.unread_count(current_account_id())})


# -- media ----------------------------------------------------------------------------
@blp.route("/api/v2/media", methods=["POST"])
@blp.route("/api/v1/media", methods=["POST"])
@require_scope("write:media")
@body_limit(lambda cfg: max(cfg["MEDIA_MAX_VIDEO_BYTES"], cfg["MEDIA_MAX_IMAGE_BYTES"]) + MULTIPART_SLACK)
def upload_media():
    """Upload ``file`` (multipart) with optional ``description``: 202 with
    ``url: null`` while it is processed (poll ``GET /api/v1/media/:id``), 200
    when it is ready at once. Bodies up to the media limits
    (``SG_MEDIA_MAX_IMAGE_BYTES`` / ``SG_MEDIA_MAX_VIDEO_BYTES``), 413 beyond, as
    the native upload."""
    upload = request.files.get("file")
    if upload is None:
        raise MalformedRequest("file is required", errors=[{"field": "file", "message": "missing"}])
    out = tl.upload_media(current_account_id(), upload.stream, param_str("description"))
    return jsonify(out), (200 if out["url"] else 202)


@blp.route("/api/v1/media/<media_id>", methods=["GET"])
@require_scope("write:media")
def get_media(media_id):
    """200 when processed, 206 while processing (Mastodon's answer)."""
    out = tl.get_media(current_account_id(), media_id)
    if out["socialgraph"]["status"] == "failed":
        return jsonify({"error": out["socialgraph"]["error"] or "the file could not be processed"}), 422
    return jsonify(out), (200 if out["url"] else 206)


@blp.route("/api/v1/media/<media_id>", methods=["PUT"])
@require_scope("write:media")
def update_media(media_id):
    """Set the ``description`` (alt text)."""
    return jsonify(tl.describe_media(current_account_id(), media_id, param_str("description")))


# -- search and trends ------------------------------------------------------------------
@blp.route("/api/v2/search", methods=["GET"])
@require_scope("read:search", optional=True)
def search_v2():
    """``{accounts, statuses, hashtags}`` for ``q`` (``type``, ``limit``)."""
    return jsonify(tl.search_v2(current_account_id(), {"q": param_str("q"), "type": param_str("type"), "offset": param_str("offset"), "limit": param_int("limit", 20, 1, 40)}))


@blp.route("/api/v1/trends/tags", methods=["GET"])
@blp.route("/api/v1/trends", methods=["GET"])
@require_scope("read", optional=True)
def trends_tags():
    """Trending hashtags (our trends job)."""
    return jsonify(tl.trending_tags({"limit": param_int("limit", 10, 1, 20)}))


@blp.route("/api/v1/trends/statuses", methods=["GET"])
@require_scope("read", optional=True)
def trends_statuses():
    """Trending public statuses (our trends job)."""
    return jsonify(tl.trending_statuses(current_account_id(), {"limit": param_int("limit", 20, 1, 40)}))


# -- conversations ------------------------------------------------------------------------
@blp.route("/api/v1/conversations", methods=["GET"])
@require_scope("read:statuses")
def conversations():
    """The caller's direct-message conversations, most recent first."""
    return _paged(tl.conversation_list(current_account_id(), page_args()))


@blp.route("/api/v1/conversations/<conversation_id>/read", methods=["POST"])
@require_scope("write:conversations")
def conversation_read(conversation_id):
    """Mark a conversation read."""
    return jsonify(tl.conversation_read(current_account_id(), conversation_id))


@blp.route("/api/v1/conversations/<conversation_id>", methods=["DELETE"])
@require_scope("write:conversations")
def conversation_remove(conversation_id):
    """Accepted; the conversation stays (see the service)."""
    tl.conversation_remove(current_account_id(), conversation_id)
    return jsonify({})
