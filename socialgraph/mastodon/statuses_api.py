"""Mastodon client API: statuses, timelines, Akkoma/Pleroma emoji reactions.

Thin views: read Mastodon's parameters (query, form, multipart or JSON;
arrays as ``name[]``), call :mod:`~socialgraph.mastodon.status_service` or
:mod:`~socialgraph.mastodon.timeline_service`, answer Mastodon's JSON with a
``Link`` header on lists. Errors are Mastodon's ``{"error": ...}`` shape
(the package's error handler).
"""
from __future__ import annotations

from flask import jsonify

from socialgraph.mastodon import status_service as svc
from socialgraph.mastodon import timeline_service as tl
from socialgraph.mastodon.auth import current_account_id, require_scope
from socialgraph.mastodon.blueprints import mastodon_blueprint
from socialgraph.mastodon.paging import page_args, param_bool, param_int, param_list, param_str, paged

blp = mastodon_blueprint("mastodon_statuses", __name__)


# -- statuses -------------------------------------------------------------------------
@blp.route("/api/v1/statuses", methods=["POST"])
@require_scope("write:statuses")
def create_status():
    """Post a status: ``status`` (text), ``media_ids[]``, ``visibility``
    (public, unlisted, private, direct), ``sensitive``, ``spoiler_text``,
    ``in_reply_to_id`` (a reply is our comment); extension
    ``socialgraph_audience`` (followers, friends, close_friends, only_me)."""
    return jsonify(svc.create_status(
        current_account_id(), param_str("status") or "", media_ids=[str(m) for m in param_list("media_ids")],
        visibility=param_str("visibility"), sensitive=bool(param_bool("sensitive", False)),
        spoiler_text=param_str("spoiler_text"), in_reply_to_id=param_str("in_reply_to_id") or None,
        audience=param_str("socialgraph_audience") or None))


@blp.route("/api/v1/statuses", methods=["GET"])
@require_scope("read:statuses", optional=True)
def get_statuses():
    """Several statuses by ``id[]`` (those the caller may see)."""
    return jsonify(svc.statuses_of([str(i) for i in param_list("id")], current_account_id()))


@blp.route("/api/v1/statuses/<status_id>", methods=["GET"])
@require_scope("read:statuses", optional=True)
def get_status(status_id):
    """One status; 404 when it does not exist or the caller may not see it."""
    return jsonify(svc.get_status(status_id, current_account_id()))


@blp.route("/api/v1/statuses/<status_id>", methods=["PUT"])
@require_scope("write:statuses")
def edit_status(status_id):
    """Edit ``status``, ``spoiler_text``, ``sensitive`` (author only, 403 otherwise)."""
    media_ids = [str(m) for m in param_list("media_ids")] or None
    return jsonify(svc.edit_status(current_account_id(), status_id, text=param_str("status"),
                                   spoiler_text=param_str("spoiler_text"), sensitive=param_bool("sensitive"),
                                   media_ids=media_ids))


@blp.route("/api/v1/statuses/<status_id>", methods=["DELETE"])
@require_scope("write:statuses")
def delete_status(status_id):
    """Delete (author only); answers the status with its source ``text``."""
    return jsonify(svc.delete_status(current_account_id(), status_id))


@blp.route("/api/v1/statuses/<status_id>/history", methods=["GET"])
@require_scope("read:statuses", optional=True)
def status_history(status_id):
    """Earlier versions and the current one (StatusEdit), oldest first."""
    return jsonify(svc.history(status_id, current_account_id()))


@blp.route("/api/v1/statuses/<status_id>/source", methods=["GET"])
@require_scope("read:statuses")
def status_source(status_id):
    """``{id, text, spoiler_text}`` for editing."""
    return jsonify(svc.source(status_id, current_account_id()))


@blp.route("/api/v1/statuses/<status_id>/context", methods=["GET"])
@require_scope("read:statuses", optional=True)
def status_context(status_id):
    """``{ancestors, descendants}``: the comment thread as replies."""
    return jsonify(svc.context(status_id, current_account_id()))


@blp.route("/api/v1/statuses/<status_id>/favourite", methods=["POST"])
@require_scope("write:favourites")
def favourite(status_id):
    """Favourite = our ``like`` reaction (replaces another reaction of the caller)."""
    return jsonify(svc.react(current_account_id(), status_id, "like"))


@blp.route("/api/v1/statuses/<status_id>/unfavourite", methods=["POST"])
@require_scope("write:favourites")
def unfavourite(status_id):
    """Removes the caller's ``like`` (another reaction type stays)."""
    return jsonify(svc.unreact(current_account_id(), status_id, "like"))


@blp.route("/api/v1/statuses/<status_id>/reblog", methods=["POST"])
@require_scope("write:statuses")
def reblog(status_id):
    """Reblog = our repost (public posts only: 403 otherwise)."""
    return jsonify(svc.reblog(current_account_id(), status_id, param_str("visibility")))


@blp.route("/api/v1/statuses/<status_id>/unreblog", methods=["POST"])
@require_scope("write:statuses")
def unreblog(status_id):
    """Deletes the caller's repost; answers the original."""
    return jsonify(svc.unreblog(current_account_id(), status_id))


@blp.route("/api/v1/statuses/<status_id>/favourited_by", methods=["GET"])
@require_scope("read:statuses", optional=True)
def favourited_by(status_id):
    """Accounts that liked the status (newest first, ``limit`` <= 80)."""
    return jsonify(svc.favourited_by(status_id, current_account_id(), _account_limit()))


@blp.route("/api/v1/statuses/<status_id>/reblogged_by", methods=["GET"])
@require_scope("read:statuses", optional=True)
def reblogged_by(status_id):
    """Accounts that reposted the status (newest first, ``limit`` <= 80)."""
    return jsonify(svc.reblogged_by(status_id, current_account_id(), _account_limit()))


def _account_limit() -> int:
    return param_int("limit", 40, 1, 80)


def _args(*names: str) -> dict:
    """Paging arguments (:func:`page_args`) and the named parameters."""
    out = page_args()
    out.update({n: param_str(n) for n in names})
    return out


def _paged(items: list[dict]):
    """A list with its Link header (``max_id`` = last id, ``min_id`` = first id)."""
    return paged(items, items[-1]["id"] if items else None, items[0]["id"] if items else None)


# -- Akkoma / Pleroma emoji reactions -----------------------------------------------------
@blp.route("/api/v1/pleroma/statuses/<status_id>/reactions", methods=["GET"])
@blp.route("/api/v1/pleroma/statuses/<status_id>/reactions/<emoji>", methods=["GET"])
@require_scope("read:statuses", optional=True)
def emoji_reactions(status_id, emoji=None):
    """``[{name, count, me, accounts}]`` per reaction (our types as emoji)."""
    out = svc.emoji_reactions(status_id, current_account_id())
    if emoji is not None:
        out = [r for r in out if svc.reaction_type(r["name"]) == svc.reaction_type(emoji)]
    return jsonify(out)


@blp.route("/api/v1/pleroma/statuses/<status_id>/reactions/<emoji>", methods=["PUT"])
@require_scope("write:favourites")
def add_emoji_reaction(status_id, emoji):
    """React with one of our types: 👍 like, ❤️ love, 😆 laugh, 😢 sad, 😡 angry."""
    return jsonify(svc.react_emoji(current_account_id(), status_id, emoji))


@blp.route("/api/v1/pleroma/statuses/<status_id>/reactions/<emoji>", methods=["DELETE"])
@require_scope("write:favourites")
def remove_emoji_reaction(status_id, emoji):
    """Remove the caller's reaction of that type."""
    return jsonify(svc.unreact_emoji(current_account_id(), status_id, emoji))


# -- timelines ------------------------------------------------------------------------
@blp.route("/api/v1/timelines/home", methods=["GET"])
@require_scope("read:statuses")
def home_timeline():
    """Our home feed, newest first; ``max_id``/``since_id``/``min_id``/``limit``.
    206 (with the page) while a returning user's feed is being rebuilt, as Mastodon."""
    items, rebuilding = tl.home_timeline(current_account_id(), _args())
    resp = _paged(items)
    if rebuilding:
        resp.status_code = 206
    return resp


@blp.route("/api/v1/timelines/public", methods=["GET"])
@require_scope("read:statuses", optional=True)
def public_timeline():
    """Every public post, newest first."""
    return _paged(tl.public_timeline(current_account_id(), _args("local", "remote", "only_media")))


@blp.route("/api/v1/timelines/tag/<hashtag>", methods=["GET"])
@require_scope("read:statuses", optional=True)
def tag_timeline(hashtag):
    """Visible posts with the hashtag, newest first."""
    return _paged(tl.tag_timeline(hashtag, current_account_id(), _args()))


@blp.route("/api/v1/timelines/list/<list_id>", methods=["GET"])
@require_scope("read:lists")
def list_timeline(list_id):
    """Posts of one of the caller's lists' members."""
    return _paged(tl.list_timeline(current_account_id(), list_id, _args()))


@blp.route("/api/v1/accounts/<account_id>/statuses", methods=["GET"])
@require_scope("read:statuses", optional=True)
def account_statuses(account_id):
    """An account's posts the caller may see (``only_media``, ``exclude_reblogs``, ``pinned``)."""
    return _paged(tl.account_statuses(account_id, current_account_id(), _args("only_media", "exclude_reblogs", "pinned")))
