"""Post jobs."""
from __future__ import annotations

from socialgraph import posts

from . import in_app


@in_app
def purge_post(post_id: str) -> dict:
    """Remove the comments and reactions of deleted post ``post_id`` (idempotent)."""
    return posts.purge_post(post_id)
