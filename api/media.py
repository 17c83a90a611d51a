"""``/api/v1/media``: uploads (multipart or presigned PUT), status, deletion."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from socialgraph.content import media
from socialgraph.core.errors import ValidationFailed
from socialgraph.http.request_guard import body_limit

from .content_schemas import MediaOut, MediaPatchIn, UploadStartIn, UploadStartOut
from .security import auth_required, current_uid

blp = Blueprint("media", __name__, url_prefix="/api/v1/media", description="Media uploads")

#: room for the multipart envelope around the largest accepted file
MULTIPART_SLACK = 64 * 1024


@blp.route("", methods=["POST"])
@auth_required(blp)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "description": {"type": "string", "maxLength": media.MAX_DESCRIPTION,
                        "description": "alt text: what the image or video shows, for people who cannot see it"}},
    "required": ["file"]}}}})
@blp.response(201, MediaOut)
@body_limit(lambda cfg: max(cfg["MEDIA_MAX_VIDEO_BYTES"], cfg["MEDIA_MAX_IMAGE_BYTES"]) + MULTIPART_SLACK)
def upload(**_kw):
    """Upload an image (<= 16 MB) or video (<= 100 MB) as multipart field ``file``,
    with its alt text in the optional field ``description`` (<= 1,500 characters, 422 beyond).

    The type is sniffed from the bytes: 415 for anything else (whatever the
    name or header), 413 over the limit, 422 for an empty file. Processing runs
    as a job: poll ``GET /media/{id}`` until ``status`` is ``ready`` or ``failed``.
    """
    f = request.files.get("file")
    if f is None:
        raise ValidationFailed("no file", errors=[{"field": "file", "message": "a multipart field 'file' is required"}])
    return media.upload(current_uid(), f.stream, description=request.form.get("description"))


@blp.route("/uploads", methods=["POST"])
@auth_required(blp)
@blp.arguments(UploadStartIn)
@blp.response(201, UploadStartOut)
def start_upload(body):
    """Start a direct upload: returns a presigned POST policy (``upload_url`` +
    ``fields``, expires after ``SG_MEDIA_UPLOAD_URL_SECONDS``) that lets the
    object store accept at most ``size`` bytes of the declared ``content_type``
    under one key; POST the fields and then the file (part ``file``) there,
    then call ``POST /media/{id}/complete``. 413 when ``size`` is over the
    limit, 422 without a supported ``content_type``."""
    return media.start_upload(current_uid(), body["size"], body.get("content_type"))


@blp.route("/<string:media_id>/complete", methods=["POST"])
@auth_required(blp)
@blp.response(200, MediaOut)
def complete_upload(media_id):
    """Finish a direct upload: the object is checked (type by content, size) and
    processing is queued. 409 if nothing was uploaded or already completed;
    415/413/422 delete the upload."""
    return media.complete_upload(media_id, current_uid())


@blp.route("/<string:media_id>", methods=["GET"])
@auth_required(blp, optional=True)
@blp.response(200, MediaOut)
def get_media(media_id):
    """Status and presigned URLs of a media item (owner, or viewers of its post)."""
    return media.get_media(media_id, current_uid())


@blp.route("/<string:media_id>", methods=["PATCH"])
@auth_required(blp)
@blp.arguments(MediaPatchIn)
@blp.response(200, MediaOut)
def patch_media(body, media_id):
    """Set the alt text (``description``) of one's own media, attached to a post or not
    (an empty text removes it). 404 for someone else's, 422 over 1,500 characters."""
    return media.set_description(media_id, current_uid(), body["description"])


@blp.route("/<string:media_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def delete_media(media_id):
    """Delete an unattached upload of the caller (409 when attached to a post)."""
    media.delete_media(media_id, current_uid())
