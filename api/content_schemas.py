"""Schemas of issue 5's content endpoints: posts with media and audiences,
media, shares, reactions lists, hashtags, search, reports and moderation."""
from __future__ import annotations

from marshmallow import fields, validate

from .schemas import Counts, PageArgs, QueryArgs, Schema, Strict, UserShort

AUDIENCES = ["public", "followers", "friends", "close_friends", "only_me"]
REACTIONS = ["like", "love", "laugh", "angry", "sad"]


class PostCreateIn(Strict):
    text = fields.String(load_default="", validate=validate.Length(max=5000),
                         metadata={"description": "1..5,000 characters; may be empty when media are attached"})
    media_ids = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                            validate=validate.Length(max=10),
                            metadata={"description": "up to 10 uploads from POST /media"})
    visibility = fields.String(load_default="public", validate=validate.OneOf(AUDIENCES),
                               metadata={"description": "audience"})
    sensitive = fields.Boolean(load_default=False)
    content_warning = fields.String(allow_none=True, validate=validate.Length(max=200))


class PostPatchIn(Strict):
    text = fields.String(validate=validate.Length(max=5000))
    visibility = fields.String(validate=validate.OneOf(AUDIENCES))
    sensitive = fields.Boolean()
    content_warning = fields.String(allow_none=True, validate=validate.Length(max=200))


class ShareIn(Strict):
    text = fields.String(load_default="", validate=validate.Length(max=5000),
                         metadata={"description": "empty: repost; text: quote"})
    visibility = fields.String(load_default="public", validate=validate.OneOf(AUDIENCES))


class MediaOut(Schema):
    id = fields.String()
    kind = fields.String(allow_none=True, metadata={"description": "image or video"})
    status = fields.String(metadata={"description": "awaiting_upload, processing, ready or failed"})
    content_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True, metadata={"description": "bytes"})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    duration = fields.Float(allow_none=True, metadata={"description": "seconds"})
    blurhash = fields.String(allow_none=True)
    description = fields.String(allow_none=True, metadata={"description": "alt text; null when none was given"})
    error = fields.String(allow_none=True)
    urls = fields.Dict(keys=fields.String(), values=fields.String(),
                       metadata={"description": "variant -> presigned GET URL (full, large, small / mp4)"})
    poster_url = fields.String(allow_none=True)
    expires_in = fields.Integer(allow_none=True, metadata={"description": "seconds the URLs stay valid"})


class MediaPatchIn(Strict):
    description = fields.String(required=True, allow_none=True, validate=validate.Length(max=1500),
                                metadata={"description": "alt text (<= 1,500 characters); empty or null removes it"})


class UploadStartIn(Strict):
    size = fields.Integer(required=True, validate=validate.Range(min=0, max=2 ** 53),
                          metadata={"description": "bytes; the most the object store will accept"})
    content_type = fields.String(validate=validate.Length(max=100),
                                 metadata={"description": "required: the only Content-Type the object store "
                                                          "will accept; the bytes still decide the kind"})
    filename = fields.String(validate=validate.Length(max=255))


class UploadStartOut(Schema):
    media = fields.Nested(MediaOut)
    upload_url = fields.String(metadata={"description": "POST a multipart/form-data body here"})
    method = fields.String(metadata={"description": "POST"})
    form_fields = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                              metadata={"description": "form fields to send first, then the file as part `file`"})
    expires_at = fields.DateTime()


class ShareCounts(Counts):
    shares = fields.Integer()


class EmbeddedPostOut(Schema):
    id = fields.String()
    kind = fields.String()
    author = fields.Nested(UserShort)
    text = fields.String()
    hashtags = fields.List(fields.String())
    mentions = fields.List(fields.String())
    visibility = fields.String()
    sensitive = fields.Boolean()
    content_warning = fields.String(allow_none=True)
    media = fields.List(fields.Nested(MediaOut))
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    edited = fields.Boolean()
    counts = fields.Nested(ShareCounts)
    viewer_reaction = fields.String(allow_none=True)
    group_id = fields.String(allow_none=True, metadata={"description": "set on group posts"})


class FullPostOut(EmbeddedPostOut):
    shared_post = fields.Nested(EmbeddedPostOut, allow_none=True,
                                metadata={"description": "the original of a repost/quote; null when gone or hidden"})
    share_unavailable = fields.Boolean()


class FullPostPage(Schema):
    items = fields.List(fields.Nested(FullPostOut))
    next_cursor = fields.String(allow_none=True)


class HistoryEntry(Schema):
    text = fields.String()
    content_warning = fields.String(allow_none=True)
    sensitive = fields.Boolean()
    visibility = fields.String(allow_none=True)
    at = fields.DateTime(metadata={"description": "when this version was written"})


class HistoryOut(Schema):
    items = fields.List(fields.Nested(HistoryEntry))


class ReactionListArgs(PageArgs):
    type = fields.String(validate=validate.OneOf(REACTIONS))


class ReactionEntry(Schema):
    user = fields.Nested(UserShort)
    type = fields.String()
    created_at = fields.DateTime()


class ReactionPage(Schema):
    items = fields.List(fields.Nested(ReactionEntry))
    next_cursor = fields.String(allow_none=True)


class SearchArgs(PageArgs):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserPage(Schema):
    items = fields.List(fields.Nested(UserShort))
    next_cursor = fields.String(allow_none=True)


class TagOut(Schema):
    tag = fields.String()
    posts_count = fields.Integer(metadata={"description": "public posts with this tag"})


class ReportIn(Strict):
    target_type = fields.String(required=True, validate=validate.OneOf(["post", "comment", "user"]))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "post or comment id, or a username"})
    reason = fields.String(required=True, validate=validate.OneOf(
        ["spam", "harassment", "hate", "violence", "nudity", "self_harm", "misinformation", "illegal", "other"]))
    details = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReportOut(Schema):
    id = fields.String()
    reporter_id = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    target_owner_id = fields.String()
    reason = fields.String()
    details = fields.String(allow_none=True)
    status = fields.String()
    action = fields.String(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportOut))
    next_cursor = fields.String(allow_none=True)


class QueueArgs(PageArgs):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "dismissed", "actioned"]))


class ActionIn(Strict):
    action = fields.String(required=True, validate=validate.OneOf(["dismiss", "remove_content", "suspend_user"]))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class AuditEntry(Schema):
    id = fields.String()
    actor_id = fields.String()
    action = fields.String()
    report_id = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    target_owner_id = fields.String()
    note = fields.String(allow_none=True)
    at = fields.DateTime()


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntry))
    next_cursor = fields.String(allow_none=True)


__all__ = [n for n in dir() if n[0].isupper()] + ["QueryArgs"]
