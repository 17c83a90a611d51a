"""``/api/v1/feeds``: home feed and discovery."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph import feeds

from .content_schemas import FullPostPage
from .schemas import PageArgs
from .security import auth_required, current_uid

blp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds", description="Feeds")


@blp.route("/home", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FullPostPage)
def home(args):
    """Home feed: the caller's and followed users' posts, newest first; cursor pagination."""
    page = feeds.home_feed(current_uid(), args.get("cursor"), args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/discover", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FullPostPage)
def discover(args):
    """Discovery: recent public posts of everyone, newest first."""
    page = feeds.discovery_feed(args.get("cursor"), args["limit"], viewer=current_uid())
    return {"items": page.items, "next_cursor": page.next_cursor}
