"""Request and response schemas of ``/api/v1/groups`` (see :mod:`socialgraph.groups`)."""
from __future__ import annotations

from marshmallow import fields, validate

from socialgraph.groups.directory import (
    MAX_DESCRIPTION,
    MAX_NAME,
    NOTIFY_LEVELS,
    PRIVACY,
    ROLES,
    RSVP,
)

from .content_schemas import FullPostOut
from .schemas import PageArgs, QueryArgs, Schema, Strict, UserShort


class GroupIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))
    privacy = fields.String(load_default="public", validate=validate.OneOf(PRIVACY),
                            metadata={"description": "public: anyone sees and joins; private: visible, join by "
                                                     "request or invitation, content members-only; secret: "
                                                     "invisible to non-members, invitation only"})


class GroupPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=MAX_NAME))
    description = fields.String(validate=validate.Length(max=MAX_DESCRIPTION))
    privacy = fields.String(validate=validate.OneOf(PRIVACY))


class GroupSearchArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "part of the name"})


class MemberArgs(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES))


class UsernameIn(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=30))


class RoleIn(Strict):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class GroupPostIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class EventIn(Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    place = fields.String(load_default="", validate=validate.Length(max=300))
    starts_at = fields.AwareDateTime(required=True, default_timezone=None,
                                     metadata={"description": "ISO 8601 with a zone"})
    ends_at = fields.AwareDateTime(allow_none=True, load_default=None)


class EventArgs(QueryArgs):
    include_past = fields.Boolean(load_default=False)


class RsvpIn(Strict):
    status = fields.String(required=True, allow_none=True, validate=validate.OneOf(RSVP),
                           metadata={"description": "going, interested, not_going; null clears"})


class NotificationsIn(Strict):
    level = fields.String(required=True, validate=validate.OneOf(NOTIFY_LEVELS),
                          metadata={"description": "all: every new post; highlights (default); off"})


class NotificationsOut(Schema):
    notifications = fields.String()


class ActivityArgs(QueryArgs):
    weeks = fields.Integer(load_default=4, validate=validate.Range(min=1, max=52))


class LimitArgs(QueryArgs):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


# -- responses --------------------------------------------------------------
class ViewerStanding(Schema):
    role = fields.String(allow_none=True)
    owner = fields.Boolean()
    invited = fields.Boolean()
    requested = fields.Boolean()
    banned = fields.Boolean()
    notifications = fields.String(allow_none=True, metadata={"description": "members: all, highlights or off"})


class GroupOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    privacy = fields.String()
    created_at = fields.DateTime(allow_none=True)
    cover_url = fields.String(allow_none=True, metadata={"description": "presigned GET URL, expires in 1 h"})
    member_count = fields.Integer()
    viewer = fields.Nested(ViewerStanding)
    friends_in_group = fields.Integer()


class GroupPage(Schema):
    items = fields.List(fields.Nested(GroupOut))
    next_cursor = fields.String(allow_none=True)


class GroupList(Schema):
    items = fields.List(fields.Nested(GroupOut))


class JoinOut(Schema):
    status = fields.String(metadata={"description": "member, requested or rejected"})
    role = fields.String(allow_none=True)


class FlagOut(Schema):
    invited = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()
    banned = fields.Boolean()


class MemberOut(UserShort):
    role = fields.String()
    owner = fields.Boolean()
    since = fields.DateTime(allow_none=True)


class MemberPage(Schema):
    items = fields.List(fields.Nested(MemberOut))
    next_cursor = fields.String(allow_none=True)


class JoinRequestOut(UserShort):
    requested_at = fields.DateTime(allow_none=True)


class JoinRequestPage(Schema):
    items = fields.List(fields.Nested(JoinRequestOut))
    next_cursor = fields.String(allow_none=True)


class GroupPostOut(FullPostOut):
    pinned = fields.Boolean()


class GroupPostList(Schema):
    items = fields.List(fields.Nested(GroupPostOut))


class RsvpCounts(Schema):
    going = fields.Integer()
    interested = fields.Integer()
    not_going = fields.Integer()


class EventOut(Schema):
    id = fields.String()
    group_id = fields.String()
    title = fields.String()
    description = fields.String()
    place = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    rsvp_counts = fields.Nested(RsvpCounts)
    viewer_rsvp = fields.String(allow_none=True)


class EventList(Schema):
    items = fields.List(fields.Nested(EventOut))


class WeekOut(Schema):
    week_start = fields.DateTime(metadata={"description": "Monday 00:00 UTC"})
    posts = fields.Integer()
    comments = fields.Integer()
    active_members = fields.Integer(metadata={"description": "distinct authors of posts or comments"})


class ActivityOut(Schema):
    member_count = fields.Integer()
    weeks = fields.List(fields.Nested(WeekOut))


class PersonSuggestion(UserShort):
    groups_in_common = fields.Integer()


class PersonSuggestionList(Schema):
    items = fields.List(fields.Nested(PersonSuggestion))
