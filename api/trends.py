"""``/api/v1/trends``: trending hashtags and posts (computed by a scheduled job)."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.feeds import trends

from .realtime_schemas import PostTrends, TagTrends
from .security import auth_required, current_uid

blp = Blueprint("trends", __name__, url_prefix="/api/v1/trends", description="Trends")


@blp.route("/tags", methods=["GET"])
@blp.response(200, TagTrends)
def tags():
    """Trending hashtags (Mastodon's observed-vs-expected score with decay)."""
    return trends.trending_tags()


@blp.route("/posts", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, PostTrends)
def posts():
    """Trending posts (engagement with a 1 h half-life), without authors hidden from the caller."""
    return trends.trending_posts(current_uid())
