"""Search jobs: rebuilding the user-search index."""
from __future__ import annotations

from socialgraph.graph import usersearch

from . import in_app


@in_app
def rebuild_user_index() -> int:
    """Rebuild the Redis user-search index from the graph (queued when a search
    finds it missing; idempotent). Returns the number of users indexed."""
    return usersearch.rebuild()
