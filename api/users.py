"""``/api/v1/users``: profiles, follows, a user's posts."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.accounts import sessions
from socialgraph.content import posts
from socialgraph.graph import blocks, follows, profiles

from .content_schemas import FullPostPage
from .schemas import BlockOut, FollowOut, FollowPage, MuteOut, PageArgs, ProfileOut
from .security import auth_required, current_uid, revocation_keys, settle_revocation

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Profiles and follows")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/<string:username>", methods=["GET"])
@auth_required(blp, optional=True, fused_revocation=True)
@blp.response(200, ProfileOut)
def get_user(username):
    """A profile with follower and following counts (and, signed in, follow state).
    Warm, one Redis script that also answers the token's revocation check
    (:func:`socialgraph.graph.profiles.get_profile`)."""
    token = sessions.pending()
    return profiles.get_profile(username, viewer=current_uid(), also=revocation_keys(token),
                                also_then=lambda replies: settle_revocation(token, replies))


@blp.route("/<string:username>/follow", methods=["PUT"])
@auth_required(blp)
@blp.response(200, FollowOut)
def follow(username):
    """Follow ``username`` (idempotent: ``created`` tells whether it is new).
    A locked account gets a follow request instead (``requested: true``).

    404 for an unknown user, 422 for oneself.
    """
    return follows.follow(current_uid(), username)


@blp.route("/<string:username>/follow", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FollowOut)
def unfollow(username):
    """Stop following ``username`` (idempotent)."""
    return follows.unfollow(current_uid(), username)


@blp.route("/<string:username>/followers", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FollowPage)
def followers(args, username):
    """Who follows ``username``, newest first; cursor pagination. 403 when the
    owner hides the list (``show_followers``, ``profile_visibility``)."""
    return _page(follows.list_followers(username, args.get("cursor"), args["limit"], viewer=current_uid()))


@blp.route("/<string:username>/following", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FollowPage)
def following(args, username):
    """Whom ``username`` follows, newest first; cursor pagination. 403 when hidden."""
    return _page(follows.list_following(username, args.get("cursor"), args["limit"], viewer=current_uid()))


@blp.route("/<string:username>/posts", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FullPostPage)
def user_posts(args, username):
    """The user's posts (their timeline), newest first; cursor pagination."""
    return _page(posts.user_posts(username, args.get("cursor"), args["limit"], viewer=current_uid()))


@blp.route("/<string:username>/block", methods=["PUT"])
@auth_required(blp)
@blp.response(200, BlockOut)
def block(username):
    """Block ``username``: follows, friendship and pending requests both ways are removed,
    and each disappears for the other (404 everywhere). Idempotent."""
    return blocks.block(current_uid(), username)


@blp.route("/<string:username>/block", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, BlockOut)
def unblock(username):
    """Remove a block; nothing that the block removed is restored."""
    return blocks.unblock(current_uid(), username)


@blp.route("/<string:username>/mute", methods=["PUT"])
@auth_required(blp)
@blp.response(200, MuteOut)
def mute(username):
    """Mute ``username``: their posts leave your feeds and notifications; they are not told."""
    return blocks.mute(current_uid(), username)


@blp.route("/<string:username>/mute", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, MuteOut)
def unmute(username):
    """Unmute ``username``."""
    return blocks.unmute(current_uid(), username)
