"""Post jobs."""
from __future__ import annotations

from socialgraph.content import comments, posts, reactions

from . import in_app


@in_app
def purge_post(post_id: str) -> dict:
    """Remove the comments, reactions and media (objects too) of deleted post ``post_id`` (idempotent)."""
    return posts.purge_post(post_id)


@in_app
def purge_post_event(event: str, post_id: str, author_id: str) -> dict:
    """Subscriber of ``post.deleted``: comments, reactions and media go."""
    return posts.purge_post(post_id)


@in_app
def settle_comment(post_id: str, comment_id: str | None = None, parent_id: str | None = None,
                   withdraw: bool = True) -> dict:
    """After a comment write answered with an error: the comment taken out
    (``withdraw``), the post's and parent's counts recounted (idempotent,
    :func:`socialgraph.content.comments.settle_comment`)."""
    return comments.settle_comment(post_id, comment_id, parent_id, withdraw)


@in_app
def settle_reactions(target: str, user_id: str) -> dict | None:
    """After a reaction write answered with an error: the target's reaction
    counts recounted, the copies dropped (idempotent,
    :func:`socialgraph.content.reactions.settle_reactions`)."""
    return reactions.settle_reactions(target, user_id)


@in_app
def settle_shares(post_id: str) -> int:
    """After a share write answered with an error: the post's share count
    recounted (idempotent, :func:`socialgraph.content.posts.settle_shares`)."""
    return posts.settle_shares(post_id)
