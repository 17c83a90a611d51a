"""Media attachments (images and videos) in object storage (MinIO / S3).

Document ``media``: ``{_id: ObjectId, owner_id, kind: "image"|"video",
status, content_type, size (bytes), key (the upload's object key), variants:
{name: {key, width, height, content_type}}, blurhash, width, height,
duration (seconds), error, description (alt text, :func:`describe`), post_id (null
until attached), created_at,
upload_expires_at}``.

Status: ``awaiting_upload`` (presigned POST policy issued) -> ``processing`` (an RQ
job ``jobs.media.process_media`` is queued) -> ``ready`` | ``failed``.

Two ways in:

1. ``POST /media`` multipart: the file goes through the API into the bucket;
2. ``POST /media/uploads`` gives a presigned **POST policy** (AWS S3
   "Browser-based uploads using POST", signature V4; ``SG_MEDIA_UPLOAD_URL_SECONDS``)
   for one upload key, with ``content-length-range`` 1..the reserved size and
   the declared ``Content-Type``, so the object store itself refuses a larger
   body or another type (a presigned PUT could not: S3 took 20 MB into a
   1,000-byte reservation). The client POSTs the form fields and the file
   straight to object storage and calls ``POST /media/{id}/complete``, which
   copies the object to its final key (``.../original``) and deletes the
   upload key. A policy cannot be revoked, so the upload key stays recorded
   (``upload_key``) and is removed again when the policy expires
   (``jobs.media.remove_upload_object``), by deletion and by
   :func:`cleanup_orphans`: nothing sent there after ``complete`` is used or
   kept. SeaweedFS, the local stand-in, enforces all three conditions.

Either way the real type comes from the bytes (``filetype`` magic-number
sniffing), never from the file name or the declared content type; limits are
``SG_MEDIA_MAX_IMAGE_BYTES`` (16 MB) and ``SG_MEDIA_MAX_VIDEO_BYTES``
(100 MB). A refused file leaves neither an object nor a document.

Processing (:func:`process`): images are decoded by Pillow behind a
decompression-bomb guard (``SG_MEDIA_MAX_IMAGE_PIXELS``), re-encoded without
EXIF/GPS (orientation applied first) as ``full`` plus smaller ``large``
(1280 px) and ``small`` (320 px) JPEG variants and a blurhash; videos are
probed with PyAV (bundled FFmpeg), a poster frame is taken, and anything that
is not already H.264/AAC in MP4 is transcoded to it. The upload's original
object is deleted after processing, so no file with metadata stays behind.

Everything is private: clients get expiring presigned GET URLs
(``SG_MEDIA_URL_SECONDS``), and only when they may see the post (or own the
media). Uploads never attached to a post are deleted after
``SG_MEDIA_ORPHAN_SECONDS`` by :func:`cleanup_orphans` (RQ job
``jobs.media.cleanup_orphans`` / ``socialgraph media cleanup``).
"""
from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta, timezone

from bson import ObjectId
from flask import current_app
from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.stores import objecturls
from socialgraph.content.visibility import can_view_post
from socialgraph.core import clock
from socialgraph.core.areas import register_area
from socialgraph.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

log = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm", "video/x-matroska"}
#: bytes needed by ``filetype`` to recognise every supported type
SNIFF_BYTES = 8192
#: image variants: name -> longest side in pixels (``full`` keeps the size)
IMAGE_VARIANTS = {"large": 1280, "small": 320}
POSTER_MAX = 1280
MAX_ATTACHMENTS = 10
#: seconds an RQ worker may spend on one upload (a 100 MB video transcode is slow)
PROCESS_TIMEOUT = 1800


def _cfg(name: str):
    return current_app.config[name]


def _db():
    return stores.mongo()


def _bucket() -> str:
    return current_app.config["S3_BUCKET"]


def sniff(head: bytes) -> tuple[str, str]:
    """``(kind, mime)`` of the bytes ``head`` by magic numbers.

    Raises :class:`ValidationFailed` for an empty file and
    :class:`UnsupportedMediaType` for anything that is not a supported image
    or video, whatever its name or declared type.
    """
    import filetype

    if not head:
        raise ValidationFailed("the file is empty", errors=[{"field": "file", "message": "is empty (0 bytes)"}])
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    if mime in IMAGE_TYPES:
        return "image", mime
    if mime in VIDEO_TYPES:
        return "video", mime
    raise UnsupportedMediaType(
        f"the file's content is not a supported image or video (found {mime or 'unknown data'})",
        errors=[{"field": "file", "message": "images: JPEG, PNG, GIF, WebP; videos: MP4, MOV, WebM, MKV"}])


def limit_for(kind: str) -> int:
    """Largest accepted size in bytes for ``kind`` ("image" or "video")."""
    return _cfg("MEDIA_MAX_IMAGE_BYTES") if kind == "image" else _cfg("MEDIA_MAX_VIDEO_BYTES")


def _check_size(kind: str, size: int) -> None:
    if size > limit_for(kind):
        raise PayloadTooLarge(f"{kind}s may be at most {limit_for(kind)} bytes", max_bytes=limit_for(kind))


def _key(owner: str, media_id, name: str) -> str:
    return f"media/{owner}/{media_id}/{name}"


def _new_doc(owner: str, kind: str | None, mime: str | None, size: int | None, status: str) -> dict:
    oid = ObjectId()
    return {"_id": oid, "owner_id": owner, "kind": kind, "content_type": mime, "size": size,
            "status": status, "key": _key(owner, oid, "original"), "variants": {}, "blurhash": None,
            "width": None, "height": None, "duration": None, "error": None, "post_id": None,
            "created_at": clock.now(), "upload_expires_at": None}


# -- upload through the API --------------------------------------------------
def upload(owner: str, stream, size: int | None = None) -> dict:
    """Store an uploaded file (a binary file object) and queue its processing.

    Returns the media in :func:`present` shape (status ``processing``, or the
    final status when jobs run inline). Raises :class:`ValidationFailed`
    (empty), :class:`UnsupportedMediaType`, :class:`PayloadTooLarge`.
    """
    if size is None:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    kind, mime = sniff(head)
    _check_size(kind, size)
    doc = _new_doc(owner, kind, mime, size, "processing")
    stores.objects().put_object(_bucket(), doc["key"], stream, size, content_type=mime)
    try:
        _db().media.insert_one(doc)
    except Exception:
        stores.objects().remove_object(_bucket(), doc["key"])
        raise
    stores.tasks().enqueue("jobs.media.process_media", str(doc["_id"]), job_timeout=PROCESS_TIMEOUT)
    return get_media(str(doc["_id"]), owner)


# -- presigned upload -------------------------------------------------------
def start_upload(owner: str, size: int, declared_type: str | None = None) -> dict:
    """Reserve a media id and return a presigned POST policy for it.

    ``size``: the file's size in bytes, the most the store will accept
    (checked against the larger limit now and against the real kind's limit
    on completion); ``declared_type``: one of the supported image/video
    types, the only ``Content-Type`` the store will accept (the bytes still
    decide the kind on completion). Returns ``{"media": ..., "upload_url",
    "method": "POST", "form_fields": {field: value}, "expires_at"}`` (``fields`` in the API): send a
    ``multipart/form-data`` POST to ``upload_url`` with every field, then
    the file as the last part named ``file``. Signed at ``clock.now()``,
    valid ``SG_MEDIA_UPLOAD_URL_SECONDS``. Raises :class:`ValidationFailed`
    (empty, no or unsupported type) and :class:`PayloadTooLarge`.
    """
    from minio.datatypes import PostPolicy

    if declared_type not in IMAGE_TYPES | VIDEO_TYPES:
        raise ValidationFailed("the content type is needed for a direct upload", errors=[
            {"field": "content_type", "message": "one of " + ", ".join(sorted(IMAGE_TYPES | VIDEO_TYPES))}])
    kind = "video" if declared_type.startswith("video/") else "image"
    if size <= 0:
        raise ValidationFailed("the file is empty", errors=[{"field": "size", "message": "must be > 0"}])
    _check_size(kind if kind == "video" else ("video" if size > limit_for("image") else "image"), size)
    doc = _new_doc(owner, None, None, None, "awaiting_upload")
    doc["upload_key"] = _key(owner, doc["_id"], "upload")
    seconds = _cfg("MEDIA_UPLOAD_URL_SECONDS")
    now = clock.now()
    doc["upload_expires_at"] = now + timedelta(seconds=seconds)
    policy = PostPolicy(_bucket(), doc["upload_expires_at"])
    policy.add_equals_condition("key", doc["upload_key"])
    policy.add_equals_condition("Content-Type", declared_type)
    policy.add_content_length_range_condition(1, size)
    upload_url, form = objecturls.presigned_post(policy)
    form.update({"key": doc["upload_key"], "Content-Type": declared_type})
    _db().media.insert_one(doc)
    return {"media": present([doc], owner)[0], "upload_url": upload_url,
            "method": "POST", "form_fields": form, "expires_at": doc["upload_expires_at"]}


def complete_upload(media_id: str, owner: str) -> dict:
    """Check what the client POSTed under the upload key, move it to its
    final key (the upload key is deleted) and queue processing.

    Raises :class:`NotFound` (not the caller's), :class:`Conflict` (not
    uploaded yet, or already completed), :class:`UnsupportedMediaType` /
    :class:`PayloadTooLarge` / :class:`ValidationFailed` (the objects and the
    document are deleted then).
    """
    from minio.commonconfig import CopySource

    from minio.error import S3Error

    doc = _own(media_id, owner)
    if doc["status"] != "awaiting_upload":
        raise Conflict("this upload is already complete")
    s3 = stores.objects()
    upload_key = doc.get("upload_key") or doc["key"]
    try:
        stat = s3.stat_object(_bucket(), upload_key)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
            raise Conflict("nothing was uploaded to the presigned URL")
        raise
    try:
        resp = s3.get_object(_bucket(), upload_key, offset=0, length=SNIFF_BYTES) if stat.size else None
        head = resp.read() if resp else b""
        if resp:
            resp.close()
            resp.release_conn()
        kind, mime = sniff(head)
        _check_size(kind, stat.size)
    except (ValidationFailed, UnsupportedMediaType, PayloadTooLarge):
        _delete(doc)
        raise
    if upload_key != doc["key"]:
        # a body POSTed again meanwhile is as bounded by the policy, and processing decodes it anew
        s3.copy_object(_bucket(), doc["key"], CopySource(_bucket(), upload_key))
        s3.remove_object(_bucket(), upload_key)
        # the policy stays valid until it expires: whatever is sent after now is removed then
        delay = (doc["upload_expires_at"].replace(tzinfo=timezone.utc) - clock.now()).total_seconds()
        stores.tasks().enqueue_in(max(delay, 0) + 5, "jobs.media.remove_upload_object", media_id,
                                  upload_key)
    res = _db().media.update_one({"_id": doc["_id"], "status": "awaiting_upload"},
                                 {"$set": {"status": "processing", "kind": kind, "content_type": mime,
                                           "size": stat.size}})
    if not res.modified_count:
        raise Conflict("this upload is already complete")
    stores.tasks().enqueue("jobs.media.process_media", media_id, job_timeout=PROCESS_TIMEOUT)
    return get_media(media_id, owner)


# -- reading ----------------------------------------------------------------
def _parse(media_id: str) -> ObjectId:
    try:
        return ObjectId(media_id)
    except Exception:
        raise NotFound("media not found")


def _own(media_id: str, owner: str) -> dict:
    doc = _db().media.find_one({"_id": _parse(media_id)})
    if doc is None or doc["owner_id"] != owner:
        raise NotFound("media not found")
    return doc


def get_media(media_id: str, viewer: str | None) -> dict:
    """One media item: the owner always; others when they may see its post.

    Raises :class:`NotFound` otherwise (private media is never revealed)."""
    doc = _db().media.find_one({"_id": _parse(media_id)})
    if doc is None:
        raise NotFound("media not found")
    if doc["owner_id"] != viewer:

        post = _db().posts.find_one({"_id": doc["post_id"]}) if doc.get("post_id") else None
        if post is None or not can_view_post(viewer, post):
            raise NotFound("media not found")
    return present([doc], viewer)[0]


#: characters of a media description (alt text), as Mastodon's limit
MAX_DESCRIPTION = 1500


def describe(media_id: str, owner: str, description: str | None) -> dict:
    """Set (or with an empty ``description`` clear) the alt text of one of
    ``owner``'s media, attached or not; returns it in :func:`present` shape.
    Raises :class:`NotFound` (not the owner's), :class:`ValidationFailed`
    (longer than :data:`MAX_DESCRIPTION`)."""
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed("description too long", errors=[
            {"field": "description", "message": f"at most {MAX_DESCRIPTION} characters"}])
    doc = _own(media_id, owner)
    _db().media.update_one({"_id": doc["_id"]}, {"$set": {"description": text or None}})
    return get_media(media_id, owner)


def _url(key: str) -> str:
    return objecturls.presigned_get(key, _cfg("MEDIA_URL_SECONDS"), bucket=_bucket())


def present(docs: list[dict], viewer: str | None = None) -> list[dict]:
    """API shape: ``{id, kind, status, content_type, size, width, height,
    duration, blurhash, error, urls: {variant: presigned GET URL}, poster_url,
    expires_in, description}``. URLs only for ``ready`` media (expire after
    ``SG_MEDIA_URL_SECONDS``)."""
    out = []
    for d in docs:
        urls, poster = {}, None
        if d["status"] == "ready":
            for name, v in (d.get("variants") or {}).items():
                if name == "poster":
                    poster = _url(v["key"])
                else:
                    urls[name] = _url(v["key"])
        out.append({"id": str(d["_id"]), "kind": d.get("kind"), "status": d["status"],
                    "content_type": d.get("content_type"), "size": d.get("size"),
                    "width": d.get("width"), "height": d.get("height"), "duration": d.get("duration"),
                    "blurhash": d.get("blurhash"), "error": d.get("error"), "urls": urls,
                    "poster_url": poster, "expires_in": _cfg("MEDIA_URL_SECONDS") if urls else None,
                    "description": d.get("description")})
    return out


def media_for_posts(post_docs: list[dict]) -> dict[ObjectId, dict]:
    """``media _id -> media doc`` for all attachments of ``post_docs`` (one query)."""
    ids = [m for p in post_docs for m in (p.get("media_ids") or [])]
    if not ids:
        return {}
    return {d["_id"]: d for d in _db().media.find({"_id": {"$in": ids}})}


# -- attaching and deleting -------------------------------------------------
def attach(owner: str, media_ids: list[str], post_oid: ObjectId) -> list[ObjectId]:
    """Attach the owner's unattached, not failed media to a post (all or none).

    Raises :class:`ValidationFailed` (more than 10, duplicates, unknown,
    someone else's, already attached, failed or never uploaded)."""
    if len(media_ids) > MAX_ATTACHMENTS:
        raise ValidationFailed("too many attachments",
                               errors=[{"field": "media_ids", "message": f"at most {MAX_ATTACHMENTS}"}])
    if len(set(media_ids)) != len(media_ids):
        raise ValidationFailed("duplicate attachments", errors=[{"field": "media_ids", "message": "duplicates"}])
    oids = []
    for m in media_ids:
        try:
            oids.append(ObjectId(m))
        except Exception:
            raise ValidationFailed("unknown media", errors=[{"field": "media_ids", "message": f"{m!r} not found"}])
    if not oids:
        return []
    flt = {"_id": {"$in": oids}, "owner_id": owner, "post_id": None, "story_id": None,
           "status": {"$in": ["processing", "ready"]}}
    res = _db().media.update_many(flt, {"$set": {"post_id": post_oid}})
    if res.modified_count != len(oids):
        _db().media.update_many({"_id": {"$in": oids}, "post_id": post_oid}, {"$set": {"post_id": None}})
        raise ValidationFailed("some media cannot be attached", errors=[{
            "field": "media_ids", "message": "each must be your own uploaded, not failed and not yet attached media"}])
    return oids


def claim_for_story(owner: str, media_id: str, story_oid: ObjectId) -> dict:
    """Attach the owner's unattached, not failed video upload to a story.

    Returns the media document. Raises :class:`ValidationFailed` (unknown,
    someone else's, not a video, failed, or already attached)."""
    try:
        oid = ObjectId(media_id)
    except Exception:
        oid = None
    doc = _db().media.find_one_and_update(
        {"_id": oid, "owner_id": owner, "post_id": None, "story_id": None, "kind": "video",
         "status": {"$in": ["processing", "ready"]}},
        {"$set": {"story_id": story_oid}}, return_document=ReturnDocument.AFTER) if oid else None
    if doc is None:
        raise ValidationFailed("this media cannot be used for a story", errors=[{
            "field": "media_id", "message": "must be your own uploaded video, not failed and not yet attached"}])
    return doc


def delete_media_doc(doc: dict) -> None:
    """Delete a media document and all its objects (used by stories at expiry)."""
    _delete(doc)


def remove_upload_object(upload_key: str) -> None:
    """Delete the object at a direct upload's key (idempotent): what a client
    sent there after ``complete``, once the POST policy has expired."""
    stores.objects().remove_object(_bucket(), upload_key)


def _delete(doc: dict) -> None:
    s3 = stores.objects()
    keys = {doc["key"]} | {v["key"] for v in (doc.get("variants") or {}).values()}
    if doc.get("upload_key"):
        keys.add(doc["upload_key"])
    for key in keys:
        s3.remove_object(_bucket(), key)
    _db().media.delete_one({"_id": doc["_id"]})


def delete_media(media_id: str, owner: str) -> None:
    """Delete the caller's unattached upload (objects and document).

    Raises :class:`NotFound`, :class:`Conflict` (attached: delete the post)."""
    doc = _own(media_id, owner)
    if doc.get("post_id"):
        raise Conflict("this media belongs to a post; edit or delete the post")
    _delete(doc)


def purge_post_media(post_id: str) -> int:
    """Delete every media item of a deleted post, objects included (idempotent)."""
    n = 0
    for doc in _db().media.find({"post_id": ObjectId(post_id)}):
        _delete(doc)
        n += 1
    return n


def cleanup_orphans(older_than_seconds: int | None = None) -> dict:
    """Delete uploads never attached to a post: unattached media older than
    ``SG_MEDIA_ORPHAN_SECONDS`` and presigned uploads whose URL has expired
    without a ``complete`` call. Returns ``{"deleted": n}``. Idempotent."""
    age = older_than_seconds if older_than_seconds is not None else _cfg("MEDIA_ORPHAN_SECONDS")
    now = clock.now()
    flt = {"post_id": None, "story_id": None, "$or": [{"created_at": {"$lt": now - timedelta(seconds=age)}},
                                    {"status": "awaiting_upload", "upload_expires_at": {"$lt": now}}]}
    n = 0
    for doc in _db().media.find(flt):
        _delete(doc)
        n += 1
    return {"deleted": n}


# -- processing (RQ job) ----------------------------------------------------
def process(media_id: str) -> str:
    """Process one upload; returns the final status (``ready`` or ``failed``).

    Idempotent: media that is not ``processing`` is left alone. A file that
    cannot be decoded (truncated, image bomb, corrupt) ends ``failed`` with
    an ``error`` the client can read, and its objects are removed.
    """
    doc = _db().media.find_one({"_id": ObjectId(media_id)})
    if doc is None or doc["status"] != "processing":
        return doc["status"] if doc else "gone"
    s3 = stores.objects()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "original")
        s3.fget_object(_bucket(), doc["key"], src)
        try:
            if doc["kind"] == "image":
                update, files = _process_image(src, tmp)
            else:
                update, files = _process_video(src, tmp)
        except MediaRejected as exc:
            _fail(doc, str(exc))
            return "failed"
        except Exception as exc:  # any decoder error means the file is unusable
            log.warning("media %s failed: %s: %s", media_id, type(exc).__name__, exc)
            _fail(doc, "the file could not be decoded")
            return "failed"
        variants = {}
        for name, (path, mime, w, h) in files.items():
            key = _key(doc["owner_id"], doc["_id"], name)
            s3.fput_object(_bucket(), key, path, content_type=mime)
            variants[name] = {"key": key, "content_type": mime, "width": w, "height": h}
    # the result is committed before the input goes: if MongoDB is away here,
    # the job fails, RQ retries it and the original is still there to read
    update.update({"status": "ready", "variants": variants, "error": None})
    _db().media.update_one({"_id": doc["_id"], "status": "processing"}, {"$set": update})
    _remove_quietly(doc["key"])
    return "ready"


class MediaRejected(Exception):
    """The file decodes but is not acceptable (message is shown to the client)."""


def _fail(doc: dict, reason: str) -> None:
    _db().media.update_one({"_id": doc["_id"]}, {"$set": {"status": "failed", "error": reason}})
    _remove_quietly(doc["key"])


def _remove_quietly(key: str) -> None:
    """Remove the original once the result is committed; if S3 is away the
    object stays behind and ``socialgraph doctor`` reports (and repairs) it."""
    try:
        stores.objects().remove_object(_bucket(), key)
    except Exception as exc:  # noqa: BLE001 - the status the user reads is already right
        log.warning("original %s not removed: %s", key, exc)


def _process_image(src: str, tmp: str):
    """Pillow: bomb guard, EXIF orientation applied then all metadata dropped,
    ``full`` + smaller variants as JPEG (PNG/GIF/WebP with alpha keep PNG), blurhash."""
    import warnings

    import blurhash
    from PIL import Image, ImageOps

    limit = _cfg("MEDIA_MAX_IMAGE_PIXELS")
    Image.MAX_IMAGE_PIXELS = limit
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(src) as im:
                if im.width * im.height > limit:
                    raise MediaRejected(f"the image has more than {limit} pixels")
                im.load()
                im = ImageOps.exif_transpose(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise MediaRejected(f"the image has more than {limit} pixels")
    alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
    im = im.convert("RGBA" if alpha else "RGB")
    fmt, mime, ext = ("PNG", "image/png", "png") if alpha else ("JPEG", "image/jpeg", "jpg")
    files = {}
    sizes = {"full": max(im.size)} | IMAGE_VARIANTS
    for name, side in sizes.items():
        if name != "full" and side >= max(im.size):
            continue
        v = im.copy()
        v.thumbnail((side, side))
        path = os.path.join(tmp, f"{name}.{ext}")
        # a new image from pixels only: no EXIF, GPS, XMP or ICC comments are written
        v.save(path, fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
        files[name] = (path, mime, v.width, v.height)
    small = im.copy()
    small.thumbnail((64, 64))
    with warnings.catch_warnings():  # blurhash-python uses Pillow's deprecated getdata()
        warnings.simplefilter("ignore", DeprecationWarning)
        bh = blurhash.encode(small.convert("RGB"), x_components=4, y_components=3)
    return {"width": im.width, "height": im.height, "blurhash": bh}, files


def _process_video(src: str, tmp: str):
    """PyAV: probe (duration, size, codecs), poster frame as JPEG, and a
    transcode to H.264/AAC MP4 (yuv420p, faststart) unless it already is."""
    import av

    try:
        container = av.open(src)
    except av.error.FFmpegError:
        raise MediaRejected("the video is truncated or corrupt")
    with container:
        vstreams = container.streams.video
        if not vstreams:
            raise MediaRejected("the video is truncated or corrupt (no decodable video stream)")
        vs = vstreams[0]
        astream = container.streams.audio[0] if container.streams.audio else None
        duration = float(container.duration / av.time_base) if container.duration else None
        if duration and duration > _cfg("MEDIA_MAX_VIDEO_SECONDS"):
            raise MediaRejected(f"videos may be at most {_cfg('MEDIA_MAX_VIDEO_SECONDS')} seconds long")
        poster = None
        frames = 0
        for frame in container.decode(video=0):
            if poster is None:
                poster = frame.to_image()
            frames += 1
        if poster is None or frames == 0:
            raise MediaRejected("the video is truncated or corrupt")
        width, height = vs.codec_context.width, vs.codec_context.height
        ok = (container.format.name.startswith("mov") and "mp4" in container.format.name
              and vs.codec_context.name == "h264" and (astream is None or astream.codec_context.name == "aac"))
    files = {}
    poster.thumbnail((POSTER_MAX, POSTER_MAX))
    ppath = os.path.join(tmp, "poster.jpg")
    poster.convert("RGB").save(ppath, "JPEG", quality=85)
    files["poster"] = (ppath, "image/jpeg", poster.width, poster.height)
    out = os.path.join(tmp, "video.mp4")
    if ok:
        os.replace(src, out)
    else:
        _transcode(src, out)
    files["mp4"] = (out, "video/mp4", width, height)
    return {"width": width, "height": height, "duration": duration}, files


def _transcode(src: str, dst: str) -> None:
    import av

    with av.open(src) as inp, av.open(dst, "w", format="mp4", options={"movflags": "faststart"}) as out:
        iv = inp.streams.video[0]
        rate = iv.average_rate or 30
        ov = out.add_stream("libx264", rate=rate)
        ov.width = iv.codec_context.width - iv.codec_context.width % 2
        ov.height = iv.codec_context.height - iv.codec_context.height % 2
        ov.pix_fmt = "yuv420p"
        ia = inp.streams.audio[0] if inp.streams.audio else None
        oa = out.add_stream("aac", rate=ia.codec_context.sample_rate or 48000) if ia else None
        streams = [iv] + ([ia] if ia else [])
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if packet.stream is iv:
                    frame = frame.reformat(width=ov.width, height=ov.height, format="yuv420p")
                    frame.pts = None
                    out.mux(ov.encode(frame))
                else:
                    frame.pts = None
                    out.mux(oa.encode(frame))
        out.mux(ov.encode(None))
        if oa:
            out.mux(oa.encode(None))


# -- data portability (socialgraph.portability.service) ---------------------------------
def _media_prefix(uid: str) -> str:
    return _key(uid, "", "")[:-1]  # "media/<uid>/"


def _export_area(ctx) -> None:
    """``media.json`` (every media document of the user: id, kind, status,
    content type, size, dimensions, post, created_at, files) and the files
    themselves as ``attachments/<media_id>/<name>`` (processed variants;
    originals are deleted after processing)."""
    s3, bucket, prefix = stores.objects(), _bucket(), _media_prefix(ctx.uid)
    items = []
    for d in _db().media.find({"owner_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)]):
        items.append({"id": str(d["_id"]), "kind": d.get("kind"), "status": d.get("status"),
                      "content_type": d.get("content_type"), "size": d.get("size"), "width": d.get("width"),
                      "height": d.get("height"), "duration": d.get("duration"),
                      "post_id": str(d["post_id"]) if d.get("post_id") else None, "created_at": d["created_at"]})
    files = []
    for obj in s3.list_objects(bucket, prefix=prefix, recursive=True):
        resp = s3.get_object(bucket, obj.object_name)
        try:
            path = "attachments/" + obj.object_name[len(prefix):]
            ctx.add_bytes(path, resp.read())
            files.append(path)
        finally:
            resp.close()
            resp.release_conn()
    ctx.add_json("media.json", {"media": items, "files": files})


def _erase_area(uid: str) -> dict:
    """Every media document of the user and every object under ``media/<uid>/``
    (attached media of deleted posts are already gone with them). Idempotent."""
    from minio.deleteobjects import DeleteObject

    s3, bucket = stores.objects(), _bucket()
    docs = _db().media.delete_many({"owner_id": uid}).deleted_count
    names = [o.object_name for o in s3.list_objects(bucket, prefix=_media_prefix(uid), recursive=True)]
    errors = list(s3.remove_objects(bucket, [DeleteObject(n) for n in names]))
    if errors:
        raise RuntimeError(f"could not delete {len(errors)} media object(s): {errors[0]}")
    return {"media": docs, "objects": len(names)}


def _register_portability() -> None:
    register_area("media", order=64, export=_export_area, erase=_erase_area)


_register_portability()
