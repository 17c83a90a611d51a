"""``/api/v1/feeds``: home feed and discovery."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.accounts import sessions
from socialgraph.feeds import home as feeds
from socialgraph.http.conventions import json_page_response

from .content_schemas import FullPostPage
from .realtime_schemas import DiscoverArgs, HomePage
from .schemas import NewerArgs
from .security import auth_required, current_uid

blp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds", description="Feeds")


@blp.route("/home", methods=["GET"])
@auth_required(blp, fused_revocation=True)
@blp.arguments(NewerArgs(), location="query")  # one instance: webargs builds a schema per request from a class
@blp.response(200, HomePage)
def home(args):
    """Home feed: the caller's and followed users' posts, newest first; cursor pagination.

    Served from the caller's fan-out set (Redis); ``rebuilding: true`` while the
    set of a returning user is rebuilt (the page then comes from MongoDB directly).
    ``since_id`` / ``min_id``: only posts newer than that post (polling).
    A warm first page is one Redis round trip that also answers the token's
    revocation check, its JSON assembled from pre-serialised post bodies
    (:func:`socialgraph.feeds.home.warm_first_page`); the schema documents it.
    """
    if not args.get("cursor") and not args.get("min_id") and not args.get("since_id"):
        warm = feeds.warm_first_page(current_uid(), args["limit"], sessions.pending())
        if warm is not None:
            return json_page_response(*warm)
    newer = args.get("min_id") or args.get("since_id")
    if newer:
        items = feeds.home_feed_newer(current_uid(), newer, args["limit"], adjacent=bool(args.get("min_id")))
        return {"items": items, "next_cursor": None, "rebuilding": False}
    return feeds.json_page(feeds.home_feed(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/discover", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(DiscoverArgs, location="query")
@blp.response(200, FullPostPage)
def discover(args):
    """Discovery: public posts of everyone, ranked by Lemmy's hot rank (``sort=hot``,
    recency and engagement) or newest first (``sort=new``)."""
    page = feeds.discovery_feed(args.get("cursor"), args["limit"], viewer=current_uid(), sort=args["sort"])
    return {"items": page.items, "next_cursor": page.next_cursor}
