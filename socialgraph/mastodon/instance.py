"""``GET /api/v1/instance`` and ``GET /api/v2/instance``: what this server is
and which limits apply (https://docs.joinmastodon.org/entities/Instance/).

The limits are the services' own constants (post length, attachments, media
sizes and types), so a client's composer never offers what the server
refuses. The description says what stays in the native API: groups,
stories, friend requests, close friends, messages beyond Mastodon's direct
statuses.

``version`` reads ``4.3.0 (compatible; socialgraph X)``: Mastodon.py and other
libraries gate features on a Mastodon version; 4.3 is the API level
implemented here (``api_versions.mastodon`` 2).
"""
from __future__ import annotations

from importlib import metadata

from flask import current_app, jsonify

from socialgraph import stores
from socialgraph.content import media, posts
from socialgraph.core.errors import StoreUnavailable
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.dispatch import public_base, public_url
from socialgraph.messaging import push

bp = mastodon_blueprint("mastodon_instance", __name__)

MASTODON_API_LEVEL = "4.3.0"
DESCRIPTION = ("socialgraph: a social network whose graph of friends and followers is its heart. Mastodon apps "
               "see posts, follows, favourites, boosts, lists, notifications and friend suggestions here. "
               "Friends are mutual follows to Mastodon apps. Groups, stories, friend requests, close friends and "
               "group conversations stay in socialgraph's own API and web client.")


def _domain() -> str:
    return public_base().split("://", 1)[-1].split("/", 1)[0]


def _media_configuration() -> dict:
    cfg = current_app.config
    return {"supported_mime_types": sorted(media.IMAGE_TYPES | media.VIDEO_TYPES),
            "image_size_limit": cfg["MEDIA_MAX_IMAGE_BYTES"], "image_matrix_limit": cfg["MEDIA_MAX_IMAGE_PIXELS"],
            "video_size_limit": cfg["MEDIA_MAX_VIDEO_BYTES"], "video_frame_rate_limit": 60,
            "video_matrix_limit": 8294400, "description_limit": 1500}


def _statuses_configuration() -> dict:
    return {"max_characters": posts.MAX_TEXT, "max_media_attachments": media.MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23}


def _version() -> str:
    try:
        ours = metadata.version("socialgraph")
    except metadata.PackageNotFoundError:  # a source checkout that is not installed
        ours = "dev"
    return f"{MASTODON_API_LEVEL} (compatible; socialgraph {ours})"


def _contact_email() -> str:
    return current_app.config.get("INSTANCE_CONTACT_EMAIL") or ""


@bp.get("/api/v1/instance")
def instance_v1():
    """The v1 ``Instance`` entity (older clients; public, no token needed)."""
    db = stores.mongo()
    return jsonify({
        "uri": _domain(), "title": current_app.config["INSTANCE_TITLE"],
        "short_description": DESCRIPTION, "description": DESCRIPTION, "email": _contact_email(),
        "version": _version(), "urls": {"streaming_api": public_base().replace("http", "ws", 1)},
        "stats": {"user_count": db.accounts.estimated_document_count(),
                  "status_count": db.posts.estimated_document_count(), "domain_count": 0},
        "thumbnail": None, "languages": ["en"], "registrations": True, "approval_required": False,
        "invites_enabled": False,
        "configuration": {"accounts": {"max_featured_tags": 0}, "statuses": _statuses_configuration(),
                          "media_attachments": _media_configuration(),
                          "polls": {"max_options": 0, "max_characters_per_option": 0,
                                    "min_expiration": 0, "max_expiration": 0}},
        "contact_account": None, "rules": [],
    })


@bp.get("/api/v2/instance")
def instance_v2():
    """The v2 ``Instance`` entity (public, no token needed)."""
    try:
        vapid = push.server_key()
    except StoreUnavailable:  # Web Push not set up (no `db init` yet): clients then offer no push
        vapid = ""
    db = stores.mongo()
    return jsonify({
        "domain": _domain(), "title": current_app.config["INSTANCE_TITLE"], "version": _version(),
        "source_url": "https://github.com/socialgraph/socialgraph", "description": DESCRIPTION,
        "usage": {"users": {"active_month": db.accounts.estimated_document_count()}},
        "thumbnail": {"url": public_url("/headers/missing.png")}, "icon": [], "languages": ["en"],
        "configuration": {
            "urls": {"streaming": public_base().replace("http", "ws", 1), "status": None},
            "vapid": {"public_key": vapid},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "statuses": _statuses_configuration(), "media_attachments": _media_configuration(),
            "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
            "translation": {"enabled": False}},
        "registrations": {"enabled": True, "approval_required": False, "message": None,
                          "url": current_app.config["PUBLIC_BASE_URL"] + "/#/register"},
        "api_versions": {"mastodon": 2},
        "contact": {"email": _contact_email(), "account": None},
        "rules": [],
    })
