"""Request and response schemas of the stories API (see :mod:`socialgraph.stories.stories`)."""
from __future__ import annotations

from marshmallow import fields, validate

from socialgraph.stories.stories import AUDIENCES, MAX_REPLY, MAX_TEXT, QUICK_REACTIONS

from .schemas import Schema, Strict, UserShort

COLOR = validate.Regexp(r"^#[0-9A-Fa-f]{6}$", error="a colour like #1a2b3c")
UNIT = validate.Range(min=0.0, max=1.0)
STICKER_TYPES = ("emoji", "mention", "hashtag", "location", "link", "question", "music", "countdown")


class Overlay(Strict):
    """Text drawn over the story; position as fractions of width/height (0..1)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=200))
    x = fields.Float(required=True, validate=UNIT)
    y = fields.Float(required=True, validate=UNIT)
    size = fields.Integer(load_default=24, validate=validate.Range(min=6, max=200),
                          metadata={"description": "font size, points at 1080 px width"})
    color = fields.String(load_default="#ffffff", validate=COLOR)
    rotation = fields.Float(load_default=0.0, validate=validate.Range(min=-180, max=180),
                            metadata={"description": "degrees"})
    font = fields.String(load_default="classic", validate=validate.OneOf(("classic", "modern", "neon", "typewriter", "strong")))


class Sticker(Strict):
    """A sticker: its kind and value (emoji, @username, #tag, place, URL...), position, scale."""

    type = fields.String(required=True, validate=validate.OneOf(STICKER_TYPES))
    value = fields.String(required=True, validate=validate.Length(min=1, max=200))
    x = fields.Float(required=True, validate=UNIT)
    y = fields.Float(required=True, validate=UNIT)
    scale = fields.Float(load_default=1.0, validate=validate.Range(min=0.1, max=5))
    rotation = fields.Float(load_default=0.0, validate=validate.Range(min=-180, max=180))


class StoryCommon(Strict):
    overlays = fields.List(fields.Nested(Overlay), load_default=list, validate=validate.Length(max=10))
    stickers = fields.List(fields.Nested(Sticker), load_default=list, validate=validate.Length(max=10))
    audience = fields.String(load_default="everyone", validate=validate.OneOf(AUDIENCES))
    custom_audience = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                                  validate=validate.Length(max=500),
                                  metadata={"description": "user uids (audience=custom)"})


class TextStoryIn(StoryCommon):
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    background = fields.String(load_default="#000000", validate=COLOR)


class VideoStoryIn(StoryCommon):
    media_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "your own video uploaded with POST /media, not yet attached"})


class ImageStoryForm(StoryCommon):
    """Multipart form fields next to the ``image`` file; ``overlays``,
    ``stickers`` and ``custom_audience`` as JSON text."""


class StoryReactionIn(Strict):
    emoji = fields.String(required=True, validate=validate.OneOf(QUICK_REACTIONS))


class StoryReplyIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REPLY))


class HighlightIn(Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=50))
    story_ids = fields.List(fields.String(validate=validate.Length(max=40)), required=True,
                            validate=validate.Length(min=1, max=100))


class HighlightPatch(Strict):
    title = fields.String(validate=validate.Length(min=1, max=50))
    add = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                      validate=validate.Length(max=100))
    remove = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                         validate=validate.Length(max=100))


# -- responses --------------------------------------------------------------
class StoryOut(Schema):
    id = fields.String()
    author = fields.Nested(UserShort)
    kind = fields.String()
    text = fields.String(allow_none=True)
    background = fields.String(allow_none=True)
    overlays = fields.List(fields.Dict())
    stickers = fields.List(fields.Dict())
    media_url = fields.String(allow_none=True, metadata={"description": "presigned GET URL, expires in 1 h"})
    media = fields.Dict(allow_none=True, metadata={
        "description": "video stories: the media item (status, urls.mp4, poster_url; see GET /media/{id})"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    seen = fields.Boolean()
    viewer_reaction = fields.String(allow_none=True)
    audience = fields.String(metadata={"description": "author only"})
    custom_audience = fields.List(fields.String(), metadata={"description": "author only"})
    view_count = fields.Integer(metadata={"description": "author only"})
    kept = fields.Boolean(metadata={"description": "author only: saved to a highlight"})


class StoryList(Schema):
    items = fields.List(fields.Nested(StoryOut))


class ViewerOut(Schema):
    user = fields.Nested(UserShort)
    viewed_at = fields.DateTime()
    reaction = fields.String(allow_none=True)


class ViewersOut(Schema):
    count = fields.Integer()
    items = fields.List(fields.Nested(ViewerOut))


class StoryReactionOut(Schema):
    reaction = fields.String()


class StoryReplyOut(Schema):
    id = fields.String()
    story_id = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


class TrayEntry(Schema):
    user = fields.Nested(UserShort)
    story_count = fields.Integer()
    has_unseen_stories = fields.Boolean()
    latest_at = fields.DateTime()


class TrayOut(Schema):
    items = fields.List(fields.Nested(TrayEntry))


class HighlightOut(Schema):
    id = fields.String()
    title = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    stories = fields.List(fields.Nested(StoryOut))


class HighlightList(Schema):
    items = fields.List(fields.Nested(HighlightOut))
