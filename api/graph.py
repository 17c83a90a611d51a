"""The social graph: friends, friend and follow requests, privacy, suggestions,
mutual friends, "how you are connected", close friends and named lists."""
from __future__ import annotations

from flask_smorest import Blueprint

from socialgraph.accounts import sessions
from socialgraph.graph import friends, lists, privacy, suggestions

from .graph_schemas import (
    CloseFriendOut,
    ConnectionOut,
    FollowRequestOut,
    FriendOut,
    FriendRequestOut,
    ListIn,
    ListMemberOut,
    ListOut,
    ListsOut,
    MutualPage,
    PersonPage,
    PrivacyOut,
    PrivacyPatch,
    SuggestionPage,
)
from .schemas import PageArgs
from .security import auth_required, current_uid, revocation_keys, settle_revocation

blp = Blueprint("graph", __name__, url_prefix="/api/v1", description="Friends, privacy, suggestions, lists")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


# -- privacy ----------------------------------------------------------------
@blp.route("/me/privacy", methods=["GET"])
@auth_required(blp)
@blp.response(200, PrivacyOut)
def get_privacy():
    """The caller's privacy settings."""
    return privacy.get_settings(current_uid())


@blp.route("/me/privacy", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(PrivacyPatch)
@blp.response(200, PrivacyOut)
def patch_privacy(body):
    """Change some privacy settings (omitted ones stay); returns all of them. 422 for bad values."""
    return privacy.update_settings(current_uid(), body)


# -- friend requests --------------------------------------------------------
@blp.route("/users/<string:username>/friend-request", methods=["POST"])
@auth_required(blp)
@blp.response(201, FriendRequestOut)
def send_friend_request(username):
    """Ask ``username`` to be friends. 404 unknown or blocked, 422 oneself,
    409 already friends or a request pending either way, 403 not allowed by
    their ``friend_requests_from``."""
    return friends.send_request(current_uid(), username)


@blp.route("/users/<string:username>/friend-request", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FriendRequestOut)
def cancel_friend_request(username):
    """Withdraw your pending request to ``username``. 409 if none is pending."""
    return friends.cancel_request(current_uid(), username)


@blp.route("/me/friend-requests/incoming", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def incoming_requests(args):
    """Friend requests to you, newest first (``at`` = request time); cursor pagination."""
    return _page(friends.incoming_requests(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/me/friend-requests/outgoing", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def outgoing_requests(args):
    """Your pending friend requests, newest first; cursor pagination."""
    return _page(friends.outgoing_requests(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/me/friend-requests/<string:username>/accept", methods=["POST"])
@auth_required(blp)
@blp.response(200, FriendRequestOut)
def accept_friend_request(username):
    """Accept ``username``'s request: you become friends and follow each other.
    409 if no request is pending (cancelled, or accepted by a racing call)."""
    return friends.accept_request(current_uid(), username)


@blp.route("/me/friend-requests/<string:username>/decline", methods=["POST"])
@auth_required(blp)
@blp.response(200, FriendRequestOut)
def decline_friend_request(username):
    """Decline ``username``'s request (they are not told). 409 if none is pending."""
    return friends.decline_request(current_uid(), username)


@blp.route("/users/<string:username>/friend", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FriendOut)
def unfriend(username):
    """End the friendship with ``username`` (and the follows both ways). Idempotent."""
    return friends.unfriend(current_uid(), username)


# -- follow requests (locked accounts) ---------------------------------------
@blp.route("/me/follow-requests", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def follow_requests(args):
    """Pending requests to follow you (your account is ``locked``), newest first."""
    return _page(friends.follow_requests(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/me/follow-requests/<string:username>/approve", methods=["POST"])
@auth_required(blp)
@blp.response(200, FollowRequestOut)
def approve_follow_request(username):
    """Let ``username`` follow you. 409 if no request is pending."""
    return friends.approve_follow_request(current_uid(), username)


@blp.route("/me/follow-requests/<string:username>/reject", methods=["POST"])
@auth_required(blp)
@blp.response(200, FollowRequestOut)
def reject_follow_request(username):
    """Reject ``username``'s follow request. 409 if none is pending."""
    return friends.reject_follow_request(current_uid(), username)


# -- friends, mutual friends, connection, suggestions ------------------------
@blp.route("/users/<string:username>/friends", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def list_friends(args, username):
    """Friends of ``username``, newest friendship first (``at`` = since). 404
    unknown or blocked, 403 hidden by their privacy settings."""
    return _page(friends.list_friends(username, current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/users/<string:username>/mutual-friends", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, MutualPage)
def mutual_friends(args, username):
    """Friends you and ``username`` share (by uid) and their ``count``; cursor pagination."""
    return friends.mutual_friends(current_uid(), username, args.get("cursor"), args["limit"])


@blp.route("/users/<string:username>/connection", methods=["GET"])
@auth_required(blp)
@blp.response(200, ConnectionOut)
def connection(username):
    """How you are connected to ``username``: a shortest chain of friendships
    (at most 4 hops, avoiding users blocked either way by either end)."""
    return friends.connection(current_uid(), username)


@blp.route("/me/suggestions", methods=["GET"])
@auth_required(blp, fused_revocation=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, SuggestionPage)
def friend_suggestions(args):
    """People you may know: friends of friends ranked by a model learned from the graph
    (resource allocation, mutual friends, shared groups and lists, follows, interactions), with reasons.
    Warm, one Redis round trip that also answers the token's revocation check."""
    token = sessions.pending()
    return _page(suggestions.suggest(current_uid(), args.get("cursor"), args["limit"],
                                     also=revocation_keys(token),
                                     also_then=lambda replies: settle_revocation(token, replies)))


@blp.route("/me/suggestions/<string:username>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def dismiss_suggestion(username):
    """Dismiss a suggestion: ``username`` is never suggested to you again
    (idempotent; listed in the data export). 404 for an unknown user, 422 for yourself."""
    suggestions.dismiss(current_uid(), username)


# -- close friends and lists --------------------------------------------------
@blp.route("/me/close-friends", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def close_friends(args):
    """Your close friends, newest first."""
    return _page(lists.close_friends(current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/me/close-friends/<string:username>", methods=["PUT"])
@auth_required(blp)
@blp.response(200, CloseFriendOut)
def add_close_friend(username):
    """Put ``username`` on your close-friends list (idempotent). 404 unknown or blocked."""
    return lists.add_close_friend(current_uid(), username)


@blp.route("/me/close-friends/<string:username>", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, CloseFriendOut)
def remove_close_friend(username):
    """Take ``username`` off your close-friends list (idempotent)."""
    return lists.remove_close_friend(current_uid(), username)


@blp.route("/me/lists", methods=["GET"])
@auth_required(blp)
@blp.response(200, ListsOut)
def get_lists():
    """Your named lists, newest first, with member counts."""
    return {"items": lists.user_lists(current_uid())}


@blp.route("/me/lists", methods=["POST"])
@auth_required(blp)
@blp.arguments(ListIn)
@blp.response(201, ListOut)
def create_list(body):
    """Create a named list (name: 1..80 characters)."""
    return lists.create_list(current_uid(), body["name"])


@blp.route("/me/lists/<string:list_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_list(list_id):
    """Delete one of your lists. 404 if it is not yours."""
    lists.delete_list(current_uid(), list_id)


@blp.route("/me/lists/<string:list_id>/members", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
def list_members(args, list_id):
    """Members of one of your lists, newest first. 404 if it is not yours."""
    return _page(lists.members(current_uid(), list_id, args.get("cursor"), args["limit"]))


@blp.route("/me/lists/<string:list_id>/members/<string:username>", methods=["PUT"])
@auth_required(blp)
@blp.response(200, ListMemberOut)
def add_list_member(list_id, username):
    """Add ``username`` to one of your lists (idempotent)."""
    return lists.add_member(current_uid(), list_id, username)


@blp.route("/me/lists/<string:list_id>/members/<string:username>", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, ListMemberOut)
def remove_list_member(list_id, username):
    """Remove ``username`` from one of your lists (idempotent)."""
    return lists.remove_member(current_uid(), list_id, username)
