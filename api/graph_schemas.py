"""Schemas of the social-graph endpoints (friends, privacy, suggestions, lists)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import Strict, UserShort


class PrivacyPatch(Strict):
    profile_visibility = fields.String(validate=validate.OneOf(["public", "friends", "private"]))
    friend_requests_from = fields.String(validate=validate.OneOf(["everyone", "friends_of_friends", "nobody"]))
    messages_from = fields.String(validate=validate.OneOf(["everyone", "friends", "nobody"]))
    show_followers = fields.Boolean(metadata={"description": "followers/following lists visible to others"})
    show_friends = fields.Boolean(metadata={"description": "friends list visible to others"})
    locked = fields.Boolean(metadata={"description": "follows need your approval (follow requests)"})


class PrivacyOut(Schema):
    profile_visibility = fields.String()
    friend_requests_from = fields.String()
    messages_from = fields.String()
    show_followers = fields.Boolean()
    show_friends = fields.Boolean()
    locked = fields.Boolean()


class PersonEntry(UserShort):
    at = fields.DateTime(allow_none=True, metadata={"description": "when the friendship, request or "
                                                                   "list membership began"})


class PersonPage(Schema):
    items = fields.List(fields.Nested(PersonEntry))
    next_cursor = fields.String(allow_none=True)


class MutualPage(Schema):
    count = fields.Integer(metadata={"description": "all mutual friends"})
    items = fields.List(fields.Nested(UserShort))
    next_cursor = fields.String(allow_none=True)


class FriendRequestOut(Schema):
    status = fields.String(metadata={"description": "pending, cancelled, friends, declined"})
    created_at = fields.DateTime()
    since = fields.DateTime()


class FriendOut(Schema):
    friends = fields.Boolean()
    deleted = fields.Boolean()


class FollowRequestOut(Schema):
    status = fields.String(metadata={"description": "approved or rejected"})


class SuggestionEntry(UserShort):
    mutual_friends = fields.Integer()
    reason = fields.String(metadata={"example": "3 mutual friends: ann, bob and 1 other"})
    reasons = fields.List(fields.String(), metadata={"example": ["3 mutual friends: ann, bob and 1 other",
                                                                 "also in Home Brewers", "follows you"]})
    score = fields.Float(metadata={"description": "ranking score (log-odds of the model; higher first)"})


class SuggestionPage(Schema):
    items = fields.List(fields.Nested(SuggestionEntry))
    next_cursor = fields.String(allow_none=True)


class ConnectionOut(Schema):
    degree = fields.Integer(allow_none=True, metadata={"description": "hops; null when not connected "
                                                                      "within 4"})
    path = fields.List(fields.Nested(UserShort))


class CloseFriendOut(Schema):
    close_friend = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()


class ListIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


class ListOut(Schema):
    id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    members = fields.Integer()


class ListsOut(Schema):
    items = fields.List(fields.Nested(ListOut))


class ListMemberOut(Schema):
    member = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()
