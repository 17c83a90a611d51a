"""Image uploads: verify, re-encode and store in object storage.

Every uploaded image is opened with Pillow (which refuses anything that is
not a decodable image), turned upright from its EXIF orientation
(``ImageOps.exif_transpose``), shrunk to fit ``max_size`` and re-encoded as a
baseline JPEG **without** any metadata, so EXIF (GPS position, camera serial)
never reaches other users. Objects are read back only through expiring
presigned GET URLs (:func:`presigned_url`).
"""
from __future__ import annotations

import io

from socialgraph import stores
from socialgraph.stores import objecturls
from socialgraph.core.errors import ValidationFailed

#: the largest side of a stored story image or group cover, pixels
MAX_SIZE = (1080, 1920)
JPEG_QUALITY = 85
#: Pillow's decompression-bomb guard, pixels (about 50 megapixels)
MAX_PIXELS = 50_000_000


def reencode_jpeg(data: bytes, max_size: tuple[int, int] = MAX_SIZE, field: str = "image") -> bytes:
    """``data`` (any format Pillow reads) -> JPEG bytes, upright, at most
    ``max_size`` (width, height) pixels, metadata stripped.

    Raises :class:`ValidationFailed` (``field``) for empty, truncated, huge
    or non-image data.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    bad = ValidationFailed("not a valid image", errors=[{"field": field, "message": "not a readable image"}])
    if not data:
        raise bad
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # structure check; the image must be reopened after verify()
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail(max_size)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= -> none written
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise bad


def put_jpeg(key: str, data: bytes) -> None:
    """Store JPEG ``data`` under ``key`` in the media bucket."""
    from flask import current_app

    stores.objects().put_object(current_app.config["S3_BUCKET"], key, io.BytesIO(data), len(data),
                                    content_type="image/jpeg")


def delete_object(key: str) -> None:
    """Remove ``key`` from the media bucket (no error if it is already gone)."""
    from flask import current_app

    stores.objects().remove_object(current_app.config["S3_BUCKET"], key)


def presigned_url(key: str | None, seconds: int = 3600) -> str | None:
    """An expiring GET URL for ``key`` (``None`` for no key); ``seconds`` 1..604,800.

    Signed for the public endpoint (:func:`socialgraph.stores.objecturls.presigned_get`)."""
    return objecturls.presigned_get(key, seconds)
