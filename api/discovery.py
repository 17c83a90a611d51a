"""``/api/v1/tags`` and ``/api/v1/search``: hashtag pages, tag counts, search."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.content import search

from .content_schemas import FullPostPage, SearchArgs, TagOut, UserPage
from .schemas import PageArgs
from .security import auth_required, current_uid

blp = Blueprint("discovery", __name__, url_prefix="/api/v1", description="Hashtags and search")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/tags/<string:tag>", methods=["GET"])
@blp.response(200, TagOut)
def tag(tag):
    """A hashtag and how many public posts carry it."""
    return search.hashtag_count(tag)


@blp.route("/tags/<string:tag>/posts", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FullPostPage)
def tag_posts(args, tag):
    """The hashtag page: posts with ``tag`` the caller may see, newest first."""
    return _page(search.hashtag_posts(tag, current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/search/posts", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(SearchArgs, location="query")
@blp.response(200, FullPostPage)
def search_posts(args):
    """Posts matching ``q`` (words in any case, accents or inflection; ``#tag`` for a
    hashtag; a word also finds posts tagged with it), visible to the caller: most
    query terms first, then newest. 422 when ``q`` has no word of 2+ characters."""
    return _page(search.search_posts(args["q"], current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/search/users", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(SearchArgs, location="query")
@blp.response(200, UserPage)
def search_users(args):
    """Users by username prefix or display-name word prefix, by username; blocks hidden."""
    return _page(search.search_users(args["q"], current_uid(), args.get("cursor"), args["limit"]))
