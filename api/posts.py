"""``/api/v1/posts``: posts (media, audiences, history), shares, comment threads, reactions."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from socialgraph.accounts import sessions
from socialgraph.content import comments, posts, reactions, warm
from socialgraph.core.pagination import clamp_limit

from .content_schemas import (
    FullPostOut,
    HistoryOut,
    PostCreateIn,
    PostPatchIn,
    ReactionListArgs,
    ReactionPage,
    ShareIn,
)
from .schemas import (
    CommentIn,
    CommentOut,
    CommentPage,
    CommentPageArgs,
    PostIn,
    ReactionIn,
    ReactionOut,
)
from .security import auth_required, current_uid

blp = Blueprint("posts", __name__, url_prefix="/api/v1", description="Posts, shares, comments and reactions")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/posts", methods=["POST"])
@auth_required(blp)
@blp.arguments(PostCreateIn)
@blp.response(201, FullPostOut)
def create_post(body):
    """Publish a post: text (1..5,000 characters, optional with media), up to 10
    ``media_ids`` from ``POST /media``, an audience (``visibility``: public,
    followers, friends, close_friends, only_me), ``sensitive`` and
    ``content_warning``. #hashtags and @mentions are parsed. 422 for bad input
    or media that are not the caller's unattached uploads."""
    return posts.create_post(current_uid(), body["text"], media_ids=body["media_ids"],
                             visibility=body["visibility"], sensitive=body["sensitive"],
                             content_warning=body.get("content_warning"))


@blp.route("/posts/<string:post_id>", methods=["GET"])
@auth_required(blp, optional=True, fused_revocation=True)
@blp.response(200, FullPostOut)
def get_post(post_id):
    """One post with its counts and media (presigned URLs); 404 when it does not
    exist or the caller may not see it. A warm post without media is one Redis
    round trip that also answers the token's revocation check
    (:func:`socialgraph.content.warm.warm_post`); the schema documents it."""
    body = warm.warm_post(current_uid(), post_id, sessions.pending())
    if body is not None:
        return current_app.response_class(body, mimetype="application/json")
    return posts.get_post(post_id, viewer=current_uid())


@blp.route("/posts/<string:post_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PostPatchIn)
@blp.response(200, FullPostOut)
def edit_post(body, post_id):
    """Edit text, audience, sensitive flag or content warning (author only; 403
    otherwise). The previous version is kept in the history."""
    kw = {k: body[k] for k in ("visibility", "sensitive") if k in body}
    if "content_warning" in body:
        kw["content_warning"] = body["content_warning"]
    if "text" in body:
        return posts.edit_post(post_id, current_uid(), body["text"], **kw)
    return posts.edit_post(post_id, current_uid(), **kw)


@blp.route("/posts/<string:post_id>/history", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, HistoryOut)
def post_history(post_id):
    """Earlier versions of a post, oldest first (same visibility as the post)."""
    return {"items": posts.post_history(post_id, viewer=current_uid())}


@blp.route("/posts/<string:post_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_post(post_id):
    """Delete a post (author only); its comments, reactions and media go with it."""
    posts.delete_post(post_id, current_uid())


@blp.route("/posts/<string:post_id>/shares", methods=["POST"])
@auth_required(blp)
@blp.arguments(ShareIn)
@blp.response(201, FullPostOut)
def share_post(body, post_id):
    """Repost (no ``text``) or quote (with ``text``) a public post. 409 for a
    second repost of the same post, 403 for a non-public post."""
    return posts.share_post(post_id, current_uid(), body["text"], body["visibility"])


@blp.route("/posts/<string:post_id>/comments", methods=["GET"])
@auth_required(blp, optional=True, fused_revocation=True)
@blp.arguments(CommentPageArgs(), location="query")  # one instance: webargs builds a schema per request from a class
@blp.response(200, CommentPage)
def list_comments(args, post_id):
    """The comment thread, oldest first: each comment with ``reply_count`` and
    its first replies nested (``replies``); ``parent_id`` pages one level.
    A warm first page is one Redis round trip that also answers the token's
    revocation check, from the thread's pre-serialised copy
    (:func:`socialgraph.content.warm.warm_thread`); the schema documents it."""
    if not args.get("parent_id") and not args.get("cursor"):
        body = warm.warm_thread(current_uid(), post_id, clamp_limit(args["limit"]), sessions.pending())
        if body is not None:
            return current_app.response_class(body, mimetype="application/json")
    return _page(comments.list_comments(post_id, args.get("parent_id"), args.get("cursor"), args["limit"],
                                     viewer=current_uid()))


@blp.route("/posts/<string:post_id>/comments", methods=["POST"])
@auth_required(blp)
@blp.arguments(CommentIn)
@blp.response(201, CommentOut)
def add_comment(body, post_id):
    """Comment on a post, or reply to one of its comments with ``parent_id``."""
    return comments.add_comment(post_id, current_uid(), body["text"], body.get("parent_id"))


@blp.route("/comments/<string:comment_id>", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, CommentOut)
def get_comment(comment_id):
    """One comment with its reaction counts and the caller's reaction (no replies);
    404 when it, its post or its author is hidden from the caller."""
    return comments.get_comment(comment_id, current_uid())


@blp.route("/comments/<string:comment_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PostIn)
@blp.response(200, CommentOut)
def edit_comment(body, comment_id):
    """Edit a comment (its author only)."""
    return comments.edit_comment(comment_id, current_uid(), body["text"])


@blp.route("/comments/<string:comment_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_comment(comment_id):
    """Delete a comment (its author or the post's author); with replies it stays as a placeholder."""
    comments.delete_comment(comment_id, current_uid())


@blp.route("/posts/<string:post_id>/reaction", methods=["PUT"])
@auth_required(blp)
@blp.arguments(ReactionIn)
@blp.response(200, ReactionOut)
def react_post(body, post_id):
    """Set the caller's reaction (like, love, laugh, angry, sad; default like)."""
    return reactions.react("post", post_id, current_uid(), body["type"])


@blp.route("/posts/<string:post_id>/reaction", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, ReactionOut)
def unreact_post(post_id):
    """Remove the caller's reaction (unlike)."""
    return reactions.unreact("post", post_id, current_uid())


@blp.route("/posts/<string:post_id>/reactions", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(ReactionListArgs, location="query")
@blp.response(200, ReactionPage)
def post_reactions(args, post_id):
    """Who reacted to a post, newest first (optionally one ``type``); cursor pagination."""
    return _page(reactions.list_reactions("post", post_id, current_uid(), args.get("type"), args.get("cursor"),
                                      args["limit"]))


@blp.route("/comments/<string:comment_id>/reaction", methods=["PUT"])
@auth_required(blp)
@blp.arguments(ReactionIn)
@blp.response(200, ReactionOut)
def react_comment(body, comment_id):
    """Set the caller's reaction on a comment."""
    return reactions.react("comment", comment_id, current_uid(), body["type"])


@blp.route("/comments/<string:comment_id>/reaction", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, ReactionOut)
def unreact_comment(comment_id):
    """Remove the caller's reaction on a comment."""
    return reactions.unreact("comment", comment_id, current_uid())


@blp.route("/comments/<string:comment_id>/reactions", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(ReactionListArgs, location="query")
@blp.response(200, ReactionPage)
def comment_reactions(args, comment_id):
    """Who reacted to a comment, newest first (optionally one ``type``)."""
    return _page(reactions.list_reactions("comment", comment_id, current_uid(), args.get("type"),
                                      args.get("cursor"), args["limit"]))
