"""``/api/v1/posts``: posts, comment threads, reactions."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph import posts

from .schemas import CommentIn, CommentOut, CommentPage, CommentPageArgs, PostIn, PostOut, ReactionIn, ReactionOut
from .security import auth_required, current_uid

blp = Blueprint("posts", __name__, url_prefix="/api/v1", description="Posts, comments and reactions")


@blp.route("/posts", methods=["POST"])
@auth_required(blp)
@blp.arguments(PostIn)
@blp.response(201, PostOut)
def create_post(body):
    """Publish a post (1..5,000 characters); #hashtags and @mentions are parsed."""
    return posts.create_post(current_uid(), body["text"])


@blp.route("/posts/<string:post_id>", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, PostOut)
def get_post(post_id):
    """One post with its counts."""
    return posts.get_post(post_id, viewer=current_uid())


@blp.route("/posts/<string:post_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PostIn)
@blp.response(200, PostOut)
def edit_post(body, post_id):
    """Edit a post's text (author only; 403 otherwise). The old text is kept in its history."""
    return posts.edit_post(post_id, current_uid(), body["text"])


@blp.route("/posts/<string:post_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_post(post_id):
    """Delete a post (author only); its comments and reactions go with it."""
    posts.delete_post(post_id, current_uid())


@blp.route("/posts/<string:post_id>/comments", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(CommentPageArgs, location="query")
@blp.response(200, CommentPage)
def list_comments(args, post_id):
    """The comment thread, oldest first: each comment with ``reply_count`` and
    its first replies nested (``replies``); ``parent_id`` pages one level."""
    page = posts.list_comments(post_id, args.get("parent_id"), args.get("cursor"), args["limit"],
                               viewer=current_uid())
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/posts/<string:post_id>/comments", methods=["POST"])
@auth_required(blp)
@blp.arguments(CommentIn)
@blp.response(201, CommentOut)
def add_comment(body, post_id):
    """Comment on a post, or reply to one of its comments with ``parent_id``."""
    return posts.add_comment(post_id, current_uid(), body["text"], body.get("parent_id"))


@blp.route("/comments/<string:comment_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PostIn)
@blp.response(200, CommentOut)
def edit_comment(body, comment_id):
    """Edit a comment (its author only)."""
    return posts.edit_comment(comment_id, current_uid(), body["text"])


@blp.route("/comments/<string:comment_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_comment(comment_id):
    """Delete a comment (its author or the post's author); with replies it stays as a placeholder."""
    posts.delete_comment(comment_id, current_uid())


@blp.route("/posts/<string:post_id>/reaction", methods=["PUT"])
@auth_required(blp)
@blp.arguments(ReactionIn)
@blp.response(200, ReactionOut)
def react_post(body, post_id):
    """Set the caller's reaction (like, love, laugh, angry, sad; default like)."""
    return posts.react("post", post_id, current_uid(), body["type"])


@blp.route("/posts/<string:post_id>/reaction", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, ReactionOut)
def unreact_post(post_id):
    """Remove the caller's reaction (unlike)."""
    return posts.unreact("post", post_id, current_uid())


@blp.route("/comments/<string:comment_id>/reaction", methods=["PUT"])
@auth_required(blp)
@blp.arguments(ReactionIn)
@blp.response(200, ReactionOut)
def react_comment(body, comment_id):
    """Set the caller's reaction on a comment."""
    return posts.react("comment", comment_id, current_uid(), body["type"])


@blp.route("/comments/<string:comment_id>/reaction", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, ReactionOut)
def unreact_comment(comment_id):
    """Remove the caller's reaction on a comment."""
    return posts.unreact("comment", comment_id, current_uid())
