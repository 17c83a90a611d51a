"""Request and response schemas (marshmallow), which also feed the OpenAPI document.

Request bodies reject unknown fields (marshmallow's ``RAISE``), so a typo
is a 422 rather than silently ignored.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from socialgraph.content import avatars


class Strict(Schema):
    class Meta:
        unknown = RAISE


class QueryArgs(Schema):
    class Meta:
        unknown = EXCLUDE


# -- requests ---------------------------------------------------------------
class RegisterIn(Strict):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_]{3,30}$", error="3 to 30 characters of letters, digits and _"))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=256))
    display_name = fields.String(validate=validate.Length(min=1, max=80))


class LoginIn(Strict):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254),
                          metadata={"description": "username or email"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenIn(Strict):
    token = fields.String(required=True, validate=validate.Length(min=10, max=2000))


class TokenQuery(QueryArgs):
    token = fields.String(required=True, validate=validate.Length(min=10, max=2000))


class EmailIn(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class ResetConfirmIn(Strict):
    token = fields.String(required=True, validate=validate.Length(min=10, max=2000))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=256))


class ProfilePatch(Strict):
    display_name = fields.String(validate=validate.Length(min=1, max=80))
    bio = fields.String(validate=validate.Length(max=500))


class PageArgs(QueryArgs):
    cursor = fields.String(validate=validate.Length(max=500),
                           metadata={"description": "opaque cursor from a previous page's next_cursor"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class NewerArgs(PageArgs):
    """Page arguments plus "newer than" for polling (Mastodon's semantics)."""

    since_id = fields.String(validate=validate.Length(max=40), metadata={
        "description": "only items newer than this id, newest first (the newest `limit` of them; "
                       "cursor is ignored)"})
    min_id = fields.String(validate=validate.Length(max=40), metadata={
        "description": "only items newer than this id: the `limit` immediately newer ones, newest first, "
                       "so polling page by page leaves no gap (cursor is ignored)"})


class CommentPageArgs(PageArgs):
    parent_id = fields.String(validate=validate.Length(max=40),
                              metadata={"description": "list the replies of this comment"})


class PostIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CommentIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    parent_id = fields.String(allow_none=True, validate=validate.Length(max=40),
                              metadata={"description": "reply to this comment"})


class ReactionIn(Strict):
    type = fields.String(load_default="like", validate=validate.OneOf(
        ["like", "love", "laugh", "angry", "sad"]))


# -- responses --------------------------------------------------------------
class TokensOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds until the access token expires"})


def _attr(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class AvatarFields(Schema):
    """The avatar of a user object: URLs built from the uid (and the picture id
    when the service knows it), so every user in every response has one."""

    avatar_url = fields.Method("_avatar_url", metadata={
        "description": "96 px square avatar (a generated one when the user has none)"})
    avatar_urls = fields.Method("_avatar_urls", metadata={"description": '{"48": url, "96": url, "400": url}'})
    avatar_blurhash = fields.String(allow_none=True)

    def _avatar_urls(self, obj):
        return avatars.avatar_urls(_attr(obj, "uid"), _attr(obj, "avatar_id"))

    def _avatar_url(self, obj):
        urls = self._avatar_urls(obj)
        return urls and urls["96"]


class CoverFields(Schema):
    cover_urls = fields.Method("_cover_urls", metadata={
        "description": '{"1500": url (1500x500), "600": url (600x200)}; null without a cover'})
    cover_blurhash = fields.String(allow_none=True)

    def _cover_urls(self, obj):
        return avatars.cover_urls(_attr(obj, "uid"), _attr(obj, "cover_id"))


class AccountOut(AvatarFields, CoverFields):
    uid = fields.String()
    username = fields.String()
    email = fields.String()
    email_verified = fields.Boolean()
    role = fields.String()
    display_name = fields.String(allow_none=True)
    bio = fields.String(allow_none=True)
    created_at = fields.DateTime()
    followers_count = fields.Integer()
    following_count = fields.Integer()


class UserShort(AvatarFields):
    uid = fields.String()
    username = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)


class FollowEntry(UserShort):
    followed_at = fields.DateTime(allow_none=True)


class ProfileOut(AvatarFields, CoverFields):
    uid = fields.String()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    bio = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    followers_count = fields.Integer()
    following_count = fields.Integer()
    followed_by_viewer = fields.Boolean(allow_none=True)
    follows_viewer = fields.Boolean(allow_none=True)
    has_unseen_stories = fields.Boolean(metadata={"description": "an active story the caller has not seen"})
    # social graph (socialgraph.graph.friends.profile_extras)
    restricted = fields.Boolean(metadata={"description": "hidden by privacy settings: only uid, "
                                                         "username and display_name are given"})
    locked = fields.Boolean()
    friends_count = fields.Integer(allow_none=True)
    friendship = fields.String(allow_none=True, metadata={
        "description": "none, friends, request_sent, request_received, self; null when anonymous"})
    follow_requested = fields.Boolean()
    mutual_friends = fields.Dict(allow_none=True, metadata={
        "description": "{count, sample: up to 3 usernames}"})


class PictureOut(Schema):
    kind = fields.String(metadata={"description": "avatar or cover"})
    id = fields.String(allow_none=True, metadata={"description": "picture id; null for the generated avatar"})
    urls = fields.Dict(allow_none=True, metadata={"description": "variant -> URL (avatar 48/96/400, cover 1500/600)"})
    blurhash = fields.String(allow_none=True)
    default = fields.Boolean(metadata={"description": "true: no uploaded picture (generated avatar / no cover)"})


class FollowOut(Schema):
    following = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()
    requested = fields.Boolean(metadata={"description": "a follow request to a locked account is pending"})


class BlockOut(Schema):
    blocking = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()


class MuteOut(Schema):
    muting = fields.Boolean()
    created = fields.Boolean()
    deleted = fields.Boolean()


class Counts(Schema):
    comments = fields.Integer()
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer())
    reactions_total = fields.Integer()


class CommentOut(Schema):
    id = fields.String()
    post_id = fields.String()
    parent_id = fields.String(allow_none=True)
    depth = fields.Integer()
    author = fields.Nested(UserShort, allow_none=True)
    text = fields.String(allow_none=True)
    deleted = fields.Boolean()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    reply_count = fields.Integer()
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "reaction type -> count (types with none left out)"})
    viewer_reaction = fields.String(allow_none=True, metadata={"description": "the caller's reaction type, or null"})
    replies = fields.List(fields.Nested(lambda: CommentOut()))


class ReactionOut(Schema):
    reaction = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class CommentPage(Schema):
    items = fields.List(fields.Nested(CommentOut))
    next_cursor = fields.String(allow_none=True)


class FollowPage(Schema):
    items = fields.List(fields.Nested(FollowEntry))
    next_cursor = fields.String(allow_none=True)


class MessageOut(Schema):
    status = fields.String()
    detail = fields.String()


class VerifiedOut(Schema):
    uid = fields.String()
    email_verified = fields.Boolean()
