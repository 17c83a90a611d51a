"""Profile pictures: ``/api/v1/me/avatar``, ``/api/v1/me/cover`` (upload,
remove) and the public picture URLs ``/api/v1/avatars/<uid>/<size>`` and
``/api/v1/covers/<uid>/<size>`` that every user object links to."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint

from socialgraph.content import avatars
from socialgraph.core.errors import NotFound, ValidationFailed

from .schemas import PictureOut
from .security import auth_required, current_uid

blp = Blueprint("pictures", __name__, url_prefix="/api/v1", description="Avatars and cover photos")

#: room for the multipart envelope around the largest accepted image
MULTIPART_SLACK = 64 * 1024

_UPLOAD_DOC = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}}


def _upload(kind: str) -> dict:
    request.max_content_length = current_app.config["MEDIA_MAX_IMAGE_BYTES"] + MULTIPART_SLACK
    f = request.files.get("file")
    if f is None:
        raise ValidationFailed("no file", errors=[{"field": "file", "message": "a multipart field 'file' is required"}])
    return avatars.set_picture(current_uid(), kind, f.stream)


@blp.route("/me/avatar", methods=["PUT"])
@auth_required(blp)
@blp.doc(**_UPLOAD_DOC)
@blp.response(200, PictureOut)
def put_avatar(**_kw):
    """Set the caller's avatar from the image in multipart field ``file``
    (JPEG, PNG, GIF or WebP by content, <= ``SG_MEDIA_MAX_IMAGE_BYTES``):
    square 48, 96 and 400 px crops, metadata stripped, with a blurhash.
    415 for a non-image, 413 over the size, 422 empty/unreadable/over the pixel limit."""
    return _upload("avatar")


@blp.route("/me/avatar", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, PictureOut)
def delete_avatar():
    """Remove the caller's avatar (idempotent); the generated one is shown again."""
    return avatars.delete_picture(current_uid(), "avatar")


@blp.route("/me/cover", methods=["PUT"])
@auth_required(blp)
@blp.doc(**_UPLOAD_DOC)
@blp.response(200, PictureOut)
def put_cover(**_kw):
    """Set the caller's cover photo (multipart ``file``): 1500x500 and 600x200
    centre crops, metadata stripped, with a blurhash. Errors as for the avatar."""
    return _upload("cover")


@blp.route("/me/cover", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, PictureOut)
def delete_cover():
    """Remove the caller's cover photo (idempotent)."""
    return avatars.delete_picture(current_uid(), "cover")


def _serve(uid: str, kind: str, size: str) -> Response:
    resp = _picture(uid, kind, size)
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # public images, embeddable anywhere
    return resp


def _picture(uid: str, kind: str, size: str) -> Response:
    profile, picture_id = avatars.current_picture(uid, kind)
    if profile is None:
        raise NotFound("no such user")
    if picture_id is None:
        if kind == "cover":
            raise NotFound("this user has no cover photo")
        resp = Response(avatars.default_avatar_svg(uid, profile.get("display_name") or profile.get("username")),
                        mimetype="image/svg+xml")
        resp.headers["Cache-Control"] = f"public, max-age={avatars.REVALIDATE_SECONDS}"
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        resp.set_etag(f"default-{uid}-{profile.get('display_name') or ''}")
        return resp.make_conditional(request)
    resp = Response(avatars.read_picture(uid, kind, size, picture_id), mimetype="image/jpeg")
    seconds = avatars.IMMUTABLE_SECONDS if request.args.get("v") == picture_id else avatars.REVALIDATE_SECONDS
    resp.headers["Cache-Control"] = f"public, max-age={seconds}" + (", immutable" if seconds > 300 else "")
    resp.set_etag(f"{picture_id}-{size}")
    return resp.make_conditional(request)


@blp.route("/avatars/<string:uid>/<string:size>", methods=["GET"])
@blp.response(200, content_type="image/jpeg")
def get_avatar(uid, size):
    """A user's avatar, public (``<img src>``): ``size`` 48, 96 or 400 (square
    JPEG), or a generated SVG (initials) when they have none. ``?v=<picture id>``
    (as in the URLs the API gives) makes it cacheable for a year. 404 unknown user."""
    if size not in {str(s) for s in avatars.AVATAR_SIZES}:
        raise NotFound(f"no avatar size {size!r}", errors=[{"field": "size", "message": "one of 48, 96, 400"}])
    return _serve(uid, "avatar", size)


@blp.route("/covers/<string:uid>/<string:size>", methods=["GET"])
@blp.response(200, content_type="image/jpeg")
def get_cover(uid, size):
    """A user's cover photo, public: ``size`` 1500 (1500x500) or 600 (600x200).
    404 for an unknown user or no cover."""
    return _serve(uid, "cover", size)
