"""Schemas of the feeds, notifications, messages and trends endpoints (issue 6)."""
from __future__ import annotations

from marshmallow import fields, validate

from .content_schemas import FullPostOut
from .schemas import NewerArgs, PageArgs, QueryArgs, Schema, Strict, UserShort


class HomePage(Schema):
    items = fields.List(fields.Nested(FullPostOut))
    next_cursor = fields.String(allow_none=True)
    rebuilding = fields.Boolean(metadata={"description": "true while the feed of a returning user is rebuilt; "
                                                        "the page then comes from the database directly"})


class DiscoverArgs(PageArgs):
    sort = fields.String(load_default="hot", validate=validate.OneOf(["hot", "new"]),
                         metadata={"description": "hot: Lemmy hot rank (recency and engagement); new: newest"})


class NotificationArgs(NewerArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "only unread notifications"})
    since = fields.Integer(validate=validate.Range(min=0, max=2 ** 63 - 1),  # a 64-bit seq
                           metadata={"description": "resume: notifications with seq greater than this, "
                                                    "oldest first (cursor is ignored)"})


class NotificationOut(Schema):
    id = fields.String()
    seq = fields.Integer()
    type = fields.String()
    read = fields.Boolean()
    summary = fields.String(metadata={"description": 'e.g. "a, b and 5 others reacted to your post"'})
    actors = fields.List(fields.Nested(UserShort))
    actors_count = fields.Integer()
    object = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_cursor = fields.String(allow_none=True)


class CountOut(Schema):
    unread = fields.Integer()
    marked = fields.Integer()


class ChannelPrefs(Strict):
    in_app = fields.Boolean()
    realtime = fields.Boolean()
    email = fields.Boolean()
    push = fields.Boolean(metadata={"description": "Web Push to the user's subscribed browsers and apps"})


class PreferencesIn(Strict):
    preferences = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelPrefs), required=True)


class PreferencesOut(Schema):
    preferences = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelPrefs))


class ConversationIn(Strict):
    members = fields.List(fields.String(validate=validate.Length(min=1, max=30)), required=True,
                          validate=validate.Length(min=1, max=50), metadata={"description": "usernames"})
    title = fields.String(validate=validate.Length(max=100))


class ConversationOut(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String(allow_none=True)
    members = fields.List(fields.Nested(UserShort))
    created_at = fields.DateTime()
    last_message_at = fields.DateTime(allow_none=True)
    last_read_message_id = fields.String(allow_none=True)
    unread_count = fields.Integer(metadata={"description": "messages by others after the caller's read marker "
                                                           "(at most 100: show 99+)"})


class UnreadConversationsOut(Schema):
    conversations = fields.Integer(metadata={"description": "the caller's conversations with unread messages"})


class ConversationPage(Schema):
    items = fields.List(fields.Nested(ConversationOut))
    next_cursor = fields.String(allow_none=True)


class MessageIn(Strict):
    # the service enforces MESSAGE_MAX_CHARS; this bound only stops absurd bodies early
    text = fields.String(required=True, validate=validate.Length(min=1, max=100_000))


class DirectMessageOut(Schema):
    id = fields.String()
    conversation_id = fields.String()
    sender_id = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


class DirectMessagePage(Schema):
    items = fields.List(fields.Nested(DirectMessageOut))
    next_cursor = fields.String(allow_none=True)


class ReadIn(Strict):
    message_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ReadOut(Schema):
    conversation_id = fields.String()
    last_read_message_id = fields.String(allow_none=True)


class TagTrend(Schema):
    tag = fields.String()
    score = fields.Float()
    accounts = fields.Integer()
    expected = fields.Integer()


class TagTrends(Schema):
    items = fields.List(fields.Nested(TagTrend))
    computed_at = fields.DateTime(allow_none=True)


class TrendingPost(FullPostOut):
    trend_score = fields.Float()


class PostTrends(Schema):
    items = fields.List(fields.Nested(TrendingPost))
    computed_at = fields.DateTime(allow_none=True)


__all__ = ["QueryArgs"]
