"""Stories, the story tray and highlights (see :mod:`socialgraph.stories.stories`).

A story outside the caller's audience, expired, or by a user blocked either
way is 404, the same as one that never existed.
"""
from __future__ import annotations

import json

from flask import request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from socialgraph.core.errors import ValidationFailed
from socialgraph.http.web import _field_errors
from socialgraph.stories import highlights
from socialgraph.stories import stories

from .security import auth_required, current_uid
from .stories_schemas import (
    HighlightIn,
    HighlightList,
    HighlightOut,
    HighlightPatch,
    ImageStoryForm,
    StoryList,
    StoryOut,
    StoryReactionIn,
    StoryReactionOut,
    StoryReplyIn,
    StoryReplyOut,
    TextStoryIn,
    TrayOut,
    VideoStoryIn,
    ViewersOut,
)

blp = Blueprint("stories", __name__, url_prefix="/api/v1", description="Stories and highlights")


def _image_form() -> dict:
    """Validate the multipart fields of an image story with :class:`ImageStoryForm`."""
    raw: dict = {}
    for name in ("overlays", "stickers", "custom_audience"):
        if name in request.form:
            try:
                raw[name] = json.loads(request.form[name])
            except ValueError:
                raise ValidationFailed("invalid form field", errors=[{"field": name, "message": "not JSON", "in": "form"}])
    if "audience" in request.form:
        raw["audience"] = request.form["audience"]
    try:
        return ImageStoryForm().load(raw)
    except ValidationError as exc:

        raise ValidationFailed("the request has invalid fields", errors=_field_errors({"form": exc.messages}))


@blp.route("/stories", methods=["POST"])
@auth_required(blp)
@blp.arguments(TextStoryIn)
@blp.response(201, StoryOut)
def create_text_story(body):
    """Post a text story (overlays and stickers as structured data); it expires in 24 h."""
    return stories.create_text_story(current_uid(), body["text"], body["background"], body["overlays"],
                                     body["stickers"], body["audience"], body["custom_audience"])


IMAGE_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["image"],
    "properties": {"image": {"type": "string", "format": "binary"},
                   "audience": {"type": "string", "enum": list(stories.AUDIENCES)},
                   "overlays": {"type": "string", "description": "JSON list of overlays"},
                   "stickers": {"type": "string", "description": "JSON list of stickers"},
                   "custom_audience": {"type": "string", "description": "JSON list of user uids"}}}}}}}


@blp.route("/stories/image", methods=["POST"])
@auth_required(blp)
@blp.doc(**IMAGE_FORM)
@blp.response(201, StoryOut)
def create_image_story():
    """Post an image story: multipart ``image`` (JPEG/PNG/WebP/...; re-encoded as JPEG, EXIF
    removed) with optional ``audience`` and JSON ``overlays``, ``stickers``, ``custom_audience``."""
    form = _image_form()
    upload = request.files.get("image")
    if upload is None:
        raise ValidationFailed("an image is required", errors=[{"field": "image", "message": "missing", "in": "files"}])
    return stories.create_image_story(current_uid(), upload.read(), form["overlays"], form["stickers"],
                                      form["audience"], form["custom_audience"])


@blp.route("/stories/video", methods=["POST"])
@auth_required(blp)
@blp.arguments(VideoStoryIn)
@blp.response(201, StoryOut)
def create_video_story(body):
    """Post a video story from a video uploaded with ``POST /media`` (processed to
    H.264/AAC MP4 there; ``media.status`` tells when it is ready)."""
    return stories.create_video_story(current_uid(), body["media_id"], body["overlays"], body["stickers"],
                                      body["audience"], body["custom_audience"])


@blp.route("/stories/tray", methods=["GET"])
@auth_required(blp)
@blp.response(200, TrayOut)
def tray():
    """Followed users with active stories the caller may see; unseen first."""
    return {"items": stories.tray(current_uid())}


@blp.route("/stories/<string:story_id>", methods=["GET"])
@auth_required(blp)
@blp.response(200, StoryOut)
def view_story(story_id):
    """Open a story; records the caller as a viewer (once). 404 if expired, outside the audience or blocked."""
    return stories.view_story(story_id, current_uid())


@blp.route("/stories/<string:story_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_story(story_id):
    """Delete one's story (also from highlights)."""
    stories.delete_story(story_id, current_uid())


@blp.route("/stories/<string:story_id>/viewers", methods=["GET"])
@auth_required(blp)
@blp.response(200, ViewersOut)
def viewers(story_id):
    """Who viewed the story and how many (author only; 403 for other viewers)."""
    return stories.list_viewers(story_id, current_uid())


@blp.route("/stories/<string:story_id>/reaction", methods=["PUT"])
@auth_required(blp)
@blp.arguments(StoryReactionIn)
@blp.response(200, StoryReactionOut)
def react(body, story_id):
    """Send a quick emoji reaction."""
    return stories.react(story_id, current_uid(), body["emoji"])


@blp.route("/stories/<string:story_id>/replies", methods=["POST"])
@auth_required(blp)
@blp.arguments(StoryReplyIn)
@blp.response(201, StoryReplyOut)
def reply(body, story_id):
    """Reply to a story (delivered to the author as a direct message once messaging exists)."""
    return stories.reply(story_id, current_uid(), body["text"])


@blp.route("/users/<string:username>/stories", methods=["GET"])
@auth_required(blp)
@blp.response(200, StoryList)
def user_stories(username):
    """A user's active stories the caller may see, oldest first."""
    return {"items": stories.user_stories(username, current_uid())}


@blp.route("/users/<string:username>/highlights", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, HighlightList)
def user_highlights(username):
    """Highlights on a profile, with the stories the caller may see."""
    return {"items": highlights.user_highlights(username, current_uid())}


@blp.route("/highlights", methods=["POST"])
@auth_required(blp)
@blp.arguments(HighlightIn)
@blp.response(201, HighlightOut)
def create_highlight(body):
    """Save own stories (active or already saved) to a new named highlight; they outlive 24 h."""
    return highlights.create_highlight(current_uid(), body["title"], body["story_ids"])


@blp.route("/highlights/<string:highlight_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(HighlightPatch)
@blp.response(200, HighlightOut)
def update_highlight(body, highlight_id):
    """Rename; ``add`` and ``remove`` story ids. A story in no highlight expires again."""
    return highlights.update_highlight(highlight_id, current_uid(), body.get("title"), body["add"], body["remove"])


@blp.route("/highlights/<string:highlight_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_highlight(highlight_id):
    """Delete a highlight (its stories expire again unless in another)."""
    highlights.delete_highlight(highlight_id, current_uid())
