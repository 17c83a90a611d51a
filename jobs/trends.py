"""Trends job (scheduled)."""
from __future__ import annotations

from socialgraph.feeds import trends

from . import in_app


@in_app
def compute_trends(reschedule: bool = True) -> dict:
    """Recompute trending tags and posts, then schedule the next run."""
    result = trends.compute()
    if reschedule:
        trends.schedule_next()
    return result
