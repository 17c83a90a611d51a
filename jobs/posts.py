"""Post jobs."""
from __future__ import annotations

from socialgraph.content import posts

from . import in_app


@in_app
def purge_post(post_id: str) -> dict:
    """Remove the comments, reactions and media (objects too) of deleted post ``post_id`` (idempotent)."""
    return posts.purge_post(post_id)


@in_app
def purge_post_event(event: str, post_id: str, author_id: str) -> dict:
    """Subscriber of ``post.deleted``: comments, reactions and media go."""
    return posts.purge_post(post_id)
