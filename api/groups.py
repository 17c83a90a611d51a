"""``/api/v1/groups``: groups, membership and roles, group posts, events, activity.

Rules (privacy, roles, 404-not-403 for hidden content) live in
:mod:`socialgraph.groups`; these views validate, call one service, shape.
"""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from socialgraph.core.errors import ValidationFailed
from socialgraph.groups import directory, events, membership, posts

from .content_schemas import FullPostOut, FullPostPage
from .groups_schemas import (
    ActivityArgs,
    ActivityOut,
    EventArgs,
    EventIn,
    EventList,
    EventOut,
    FlagOut,
    GroupIn,
    GroupList,
    GroupOut,
    GroupPage,
    GroupPatch,
    GroupPostIn,
    GroupPostList,
    GroupPostOut,
    GroupSearchArgs,
    JoinOut,
    JoinRequestPage,
    LimitArgs,
    MemberArgs,
    MemberOut,
    MemberPage,
    NotificationsIn,
    NotificationsOut,
    PersonSuggestionList,
    RoleIn,
    RsvpIn,
    UsernameIn,
)
from .schemas import PageArgs
from .security import auth_required, current_uid

blp = Blueprint("groups", __name__, url_prefix="/api/v1", description="Groups")


def _page(page):
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/groups", methods=["POST"])
@auth_required(blp)
@blp.arguments(GroupIn)
@blp.response(201, GroupOut)
def create_group(body):
    """Create a group; the caller becomes its owner and first admin."""
    return directory.create_group(current_uid(), body["name"], body["description"], body["privacy"])


@blp.route("/groups", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(GroupSearchArgs, location="query")
@blp.response(200, GroupPage)
def search_groups(args):
    """Group listing and search by name (``q``), by name; secret groups appear only to their members."""
    return _page(directory.search_groups(current_uid(), args.get("q"), args.get("cursor"), args["limit"]))


@blp.route("/me/groups", methods=["GET"])
@auth_required(blp)
@blp.response(200, GroupList)
def my_groups():
    """The caller's groups with their role."""
    return {"items": directory.user_groups(current_uid())}


@blp.route("/groups/suggestions", methods=["GET"])
@auth_required(blp)
@blp.arguments(LimitArgs, location="query")
@blp.response(200, GroupList)
def suggest_groups(args):
    """Groups the caller's friends belong to (never secret ones), most friends first."""
    return {"items": directory.suggest_groups(current_uid(), args["limit"])}


@blp.route("/groups/people-suggestions", methods=["GET"])
@auth_required(blp)
@blp.arguments(LimitArgs, location="query")
@blp.response(200, PersonSuggestionList)
def suggest_people(args):
    """People who share groups with the caller (not friends yet), most groups in common first."""
    return {"items": directory.suggest_people(current_uid(), args["limit"])}


@blp.route("/groups/<string:group_id>", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, GroupOut)
def get_group(group_id):
    """A group and the caller's standing in it. Secret groups: 404 unless member or invited."""
    return directory.get_group(group_id, current_uid())


@blp.route("/groups/<string:group_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(GroupPatch)
@blp.response(200, GroupOut)
def update_group(body, group_id):
    """Edit name, description, privacy (admins)."""
    return directory.update_group(group_id, current_uid(), body.get("name"), body.get("description"),
                               body.get("privacy"))


@blp.route("/groups/<string:group_id>/cover", methods=["PUT"])
@auth_required(blp)
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}}}}}})
@blp.response(200, GroupOut)
def set_cover(group_id):
    """Upload the cover image (admins; multipart field ``image``; re-encoded as JPEG, EXIF removed)."""
    upload = request.files.get("image")
    if upload is None:
        raise ValidationFailed("an image is required", errors=[{"field": "image", "message": "missing", "in": "files"}])
    return directory.set_cover(group_id, current_uid(), upload.read())


@blp.route("/groups/<string:group_id>/join", methods=["POST"])
@auth_required(blp)
@blp.response(200, JoinOut)
def join(group_id):
    """Join (public group or invited) or ask to join (private group). Banned: 403."""
    return membership.join(group_id, current_uid())


@blp.route("/groups/<string:group_id>/join", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FlagOut)
def cancel_join_request(group_id):
    """Withdraw the caller's join request."""
    return membership.cancel_request(group_id, current_uid())


@blp.route("/groups/<string:group_id>/leave", methods=["POST"])
@auth_required(blp)
@blp.response(204)
def leave(group_id):
    """Leave the group. 409 for the owner (transfer ownership first) and the last admin."""
    membership.leave(group_id, current_uid())


@blp.route("/groups/<string:group_id>/notifications", methods=["PUT"])
@auth_required(blp)
@blp.arguments(NotificationsIn)
@blp.response(200, NotificationsOut)
def set_notifications(body, group_id):
    """Follow the group closely (``all``: notified of every new post), ``highlights`` or ``off`` (members)."""
    return membership.set_notifications(group_id, current_uid(), body["level"])


@blp.route("/groups/<string:group_id>/invitations", methods=["POST"])
@auth_required(blp)
@blp.arguments(UsernameIn)
@blp.response(201, FlagOut)
def invite(body, group_id):
    """Invite a user (members). 409 if already a member or banned."""
    return membership.invite(group_id, current_uid(), body["username"])


@blp.route("/groups/<string:group_id>/invitation", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FlagOut)
def decline_invitation(group_id):
    """Decline the caller's invitation."""
    return membership.decline_invitation(group_id, current_uid())


@blp.route("/groups/<string:group_id>/join-requests", methods=["GET"])
@auth_required(blp)
@blp.arguments(PageArgs, location="query")
@blp.response(200, JoinRequestPage)
def join_requests(args, group_id):
    """Pending join requests, oldest first (moderators and admins)."""
    return _page(membership.list_join_requests(group_id, current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/groups/<string:group_id>/join-requests/<string:username>/approve", methods=["POST"])
@auth_required(blp)
@blp.response(200, JoinOut)
def approve(group_id, username):
    """Approve a join request (moderators and admins)."""
    return membership.decide_join_request(group_id, current_uid(), username, approve=True)


@blp.route("/groups/<string:group_id>/join-requests/<string:username>/reject", methods=["POST"])
@auth_required(blp)
@blp.response(200, JoinOut)
def reject(group_id, username):
    """Reject a join request (moderators and admins)."""
    return membership.decide_join_request(group_id, current_uid(), username, approve=False)


@blp.route("/groups/<string:group_id>/members", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(MemberArgs, location="query")
@blp.response(200, MemberPage)
def members(args, group_id):
    """Members, newest first (private/secret: members only, else 404)."""
    return _page(membership.list_members(group_id, current_uid(), args.get("role"), args.get("cursor"), args["limit"]))


@blp.route("/groups/<string:group_id>/members/<string:username>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def remove_member(group_id, username):
    """Remove a member: admins anyone but the owner, moderators plain members (else 403)."""
    membership.remove_member(group_id, current_uid(), username)


@blp.route("/groups/<string:group_id>/members/<string:username>/role", methods=["PUT"])
@auth_required(blp)
@blp.arguments(RoleIn)
@blp.response(200, MemberOut)
def set_role(body, group_id, username):
    """Promote or demote a member (admins). The owner's role is fixed (409)."""
    return membership.set_role(group_id, current_uid(), username, body["role"])


@blp.route("/groups/<string:group_id>/bans/<string:username>", methods=["PUT"])
@auth_required(blp)
@blp.response(200, FlagOut)
def ban(group_id, username):
    """Ban a user (same rank rules as removal)."""
    return membership.ban(group_id, current_uid(), username)


@blp.route("/groups/<string:group_id>/bans/<string:username>", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, FlagOut)
def unban(group_id, username):
    """Lift a ban."""
    return membership.unban(group_id, current_uid(), username)


@blp.route("/groups/<string:group_id>/ownership", methods=["POST"])
@auth_required(blp)
@blp.arguments(UsernameIn)
@blp.response(200, GroupOut)
def transfer_ownership(body, group_id):
    """Hand the group to another member (owner only); the old owner stays an admin."""
    return membership.transfer_ownership(group_id, current_uid(), body["username"])


@blp.route("/groups/<string:group_id>/posts", methods=["POST"])
@auth_required(blp)
@blp.arguments(GroupPostIn)
@blp.response(201, FullPostOut)
def create_post(body, group_id):
    """Post in the group (members). Comments and reactions use ``/posts/{id}/...``."""
    return posts.create_group_post(group_id, current_uid(), body["text"])


@blp.route("/groups/<string:group_id>/posts", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(PageArgs, location="query")
@blp.response(200, FullPostPage)
def list_posts(args, group_id):
    """The group's posts, newest first (private/secret: members only, else 404)."""
    return _page(posts.group_posts(group_id, current_uid(), args.get("cursor"), args["limit"]))


@blp.route("/groups/<string:group_id>/posts/<string:post_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_post(group_id, post_id):
    """Delete a group post (its author, or a moderator/admin)."""
    posts.delete_group_post(group_id, post_id, current_uid())


@blp.route("/groups/<string:group_id>/posts/<string:post_id>/pin", methods=["PUT"])
@auth_required(blp)
@blp.response(200, GroupPostOut)
def pin(group_id, post_id):
    """Pin a post as an announcement (moderators and admins)."""
    return posts.pin_post(group_id, post_id, current_uid(), True)


@blp.route("/groups/<string:group_id>/posts/<string:post_id>/pin", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, GroupPostOut)
def unpin(group_id, post_id):
    """Unpin an announcement."""
    return posts.pin_post(group_id, post_id, current_uid(), False)


@blp.route("/groups/<string:group_id>/announcements", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, GroupPostList)
def announcements(group_id):
    """Pinned posts, most recently pinned first."""
    return {"items": posts.announcements(group_id, current_uid())}


@blp.route("/groups/<string:group_id>/events", methods=["POST"])
@auth_required(blp)
@blp.arguments(EventIn)
@blp.response(201, EventOut)
def create_event(body, group_id):
    """Create an event with time and place (members)."""
    return events.create_event(group_id, current_uid(), body["title"], body["starts_at"], body["place"],
                               body["description"], body.get("ends_at"))


@blp.route("/groups/<string:group_id>/events", methods=["GET"])
@auth_required(blp, optional=True)
@blp.arguments(EventArgs, location="query")
@blp.response(200, EventList)
def list_events(args, group_id):
    """Upcoming events by start time (``include_past=true`` for all)."""
    return {"items": events.list_events(group_id, current_uid(), args["include_past"])}


@blp.route("/groups/<string:group_id>/events/<string:event_id>", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, EventOut)
def get_event(group_id, event_id):
    """One event with RSVP counts and the caller's RSVP."""
    return events.get_event(group_id, event_id, current_uid())


@blp.route("/groups/<string:group_id>/events/<string:event_id>/rsvp", methods=["PUT"])
@auth_required(blp)
@blp.arguments(RsvpIn)
@blp.response(200, EventOut)
def rsvp(body, group_id, event_id):
    """RSVP going / interested / not_going (null clears); members only."""
    return events.rsvp(group_id, event_id, current_uid(), body["status"])


@blp.route("/groups/<string:group_id>/activity", methods=["GET"])
@auth_required(blp)
@blp.arguments(ActivityArgs, location="query")
@blp.response(200, ActivityOut)
def activity(args, group_id):
    """Posts, comments and active members per week (admins)."""
    return posts.activity(group_id, current_uid(), args["weeks"])
