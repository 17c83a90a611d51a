"""Profile pictures: avatars and cover photos.

An upload is processed at once, in the request (an avatar is small and the
user waits for it): the type is sniffed from the bytes (:func:`media.sniff`,
images only), Pillow's decompression-bomb guard refuses more than
``SG_MEDIA_MAX_IMAGE_PIXELS``, the EXIF orientation is applied and every
byte of metadata dropped (each variant is a new JPEG made from pixels only).

- avatar: square centre crops of :data:`AVATAR_SIZES` (48, 96 and 400 px),
- cover: 1500x500 (Twitter's header size) and 600x200 centre crops,

each with a blurhash (https://blurha.sh, 4x3 components) for placeholders.

Storage: the variants go to ``avatars/<uid>/<picture_id>/<size>.jpg`` and
``covers/<uid>/<picture_id>/<name>.jpg``; only the picture id and blurhash
are kept on the ``User`` node (``avatar_id``, ``avatar_blurhash``,
``cover_id``, ``cover_blurhash``), so short profiles stay small and URLs are
built by :func:`avatar_urls` / :func:`cover_urls`. A new picture is written
under a new id before the graph points at it, and the previous one is
deleted only after the switch: a reader never meets a missing object, and
a failed upload leaves the old picture in place.

URLs are public and stable (``/api/v1/avatars/<uid>/<size>?v=<picture_id>``),
served by ``api/pictures.py`` (an ``<img>`` cannot send a bearer token;
Mastodon's avatars are public too). With ``v`` equal to the current picture
the answer may be cached for a year (``immutable``); without it, for five
minutes. A user without an avatar gets a generated one (:func:`default_avatar_svg`:
initials on a colour derived from the uid), so imported users have one too
without a backfill.
"""
from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from xml.sax.saxutils import escape

from flask import current_app

from socialgraph import stores
from socialgraph.content.media import sniff
from socialgraph.core.areas import register_area
from socialgraph.core.errors import (
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from socialgraph.graph.people import forget_short_profile

#: avatar variants: side of the square in pixels
AVATAR_SIZES = (48, 96, 400)
#: cover variants: name -> (width, height) in pixels
COVER_SIZES = {"1500": (1500, 500), "600": (600, 200)}
JPEG_QUALITY = 85
#: seconds a browser/CDN may keep a picture whose URL names its current id (one year)
IMMUTABLE_SECONDS = 365 * 86400
#: seconds for a picture asked for without its id (or a generated avatar)
REVALIDATE_SECONDS = 300

KINDS = ("avatar", "cover")
#: the catalog queries that switch or clear a picture, per kind
SET_QUERY = {"avatar": "content/avatars/set_avatar", "cover": "content/avatars/set_cover"}
CLEAR_QUERY = {"avatar": "content/avatars/clear_avatar", "cover": "content/avatars/clear_cover"}
#: the variant kept in the data archive (and re-processed on import)
LARGEST = {"avatar": "400", "cover": "1500"}


def _bucket() -> str:
    return current_app.config["S3_BUCKET"]


def _prefix(kind: str, uid: str) -> str:
    return f"{kind}s/{uid}/"


def _object_key(kind: str, uid: str, picture_id: str, name: str) -> str:
    return f"{_prefix(kind, uid)}{picture_id}/{name}.jpg"


def _variant_names(kind: str) -> list[str]:
    return [str(s) for s in AVATAR_SIZES] if kind == "avatar" else list(COVER_SIZES)


# -- URLs --------------------------------------------------------------------
def avatar_urls(uid: str | None, avatar_id: str | None = None) -> dict[str, str] | None:
    """``{"48": url, "96": url, "400": url}`` (absolute, from ``SG_PUBLIC_BASE_URL``)
    for ``uid``; ``avatar_id`` (when the caller knows it) makes the URLs
    change with the picture. A user without an avatar gets the generated one
    at the same URLs. None without a uid."""
    if not uid:
        return None
    base = current_app.config["PUBLIC_BASE_URL"]
    suffix = f"?v={avatar_id}" if avatar_id else ""
    return {str(s): f"{base}/api/v1/avatars/{uid}/{s}{suffix}" for s in AVATAR_SIZES}


def cover_urls(uid: str | None, cover_id: str | None) -> dict[str, str] | None:
    """``{"1500": url, "600": url}`` of the cover photo, None when there is none."""
    if not uid or not cover_id:
        return None
    base = current_app.config["PUBLIC_BASE_URL"]
    return {name: f"{base}/api/v1/covers/{uid}/{name}?v={cover_id}" for name in COVER_SIZES}


# -- processing --------------------------------------------------------------
def _read_upload(stream, field: str) -> bytes:
    limit = int(current_app.config["MEDIA_MAX_IMAGE_BYTES"])
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"images may be at most {limit} bytes", max_bytes=limit)
    kind, mime = sniff(data[:8192])  # ValidationFailed when empty, UnsupportedMediaType when no media
    if kind != "image":
        raise UnsupportedMediaType(f"a profile picture must be an image (found {mime})",
                                   errors=[{"field": field, "message": "JPEG, PNG, GIF or WebP"}])
    return data


def _open_upright(data: bytes, field: str):
    """Decode ``data`` with the bomb guard, apply the EXIF orientation, flatten to RGB."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = int(current_app.config["MEDIA_MAX_IMAGE_PIXELS"])
    bad = ValidationFailed("not a valid image", errors=[{"field": field, "message": "not a readable image"}])
    Image.MAX_IMAGE_PIXELS = limit
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > limit:
                    raise ValidationFailed(f"the image has more than {limit} pixels",
                                           errors=[{"field": field, "message": f"more than {limit} pixels"}])
                im.load()
                im = ImageOps.exif_transpose(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationFailed(f"the image has more than {limit} pixels",
                                   errors=[{"field": field, "message": f"more than {limit} pixels"}])
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise bad
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im.convert("RGB")


def _blurhash(im) -> str:
    import blurhash

    small = im.copy()
    small.thumbnail((64, 64))
    with warnings.catch_warnings():  # blurhash-python uses Pillow's deprecated getdata()
        warnings.simplefilter("ignore", DeprecationWarning)
        return blurhash.encode(small, x_components=4, y_components=3)


def render_variants(kind: str, data: bytes, field: str = "file") -> tuple[dict[str, bytes], str]:
    """``data`` -> (``{variant name: JPEG bytes}``, blurhash): square crops of
    :data:`AVATAR_SIZES` for an avatar, :data:`COVER_SIZES` crops for a cover
    (centre crops, Lanczos; smaller sources are scaled up). No metadata is
    written. Raises :class:`ValidationFailed` for unreadable or huge images."""
    from PIL import Image, ImageOps

    im = _open_upright(data, field)
    sizes = {str(s): (s, s) for s in AVATAR_SIZES} if kind == "avatar" else COVER_SIZES
    out = {}
    for name, size in sizes.items():
        v = ImageOps.fit(im, size, Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        v.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)  # pixels only: no EXIF/XMP/ICC
        out[name] = buf.getvalue()
    return out, _blurhash(ImageOps.fit(im, sizes[LARGEST[kind]]))


# -- writes ------------------------------------------------------------------
def _remove_objects(keys: list[str]) -> None:
    from minio.deleteobjects import DeleteObject

    if not keys:
        return
    errors = list(stores.objects().remove_objects(_bucket(), [DeleteObject(k) for k in keys]))
    if errors:
        raise RuntimeError(f"could not delete {len(errors)} picture object(s): {errors[0]}")


def _keys(kind: str, uid: str, picture_id: str) -> list[str]:
    return [_object_key(kind, uid, picture_id, n) for n in _variant_names(kind)]


def _present(kind: str, uid: str, picture_id: str | None, blurhash: str | None) -> dict:
    urls = avatar_urls(uid, picture_id) if kind == "avatar" else cover_urls(uid, picture_id)
    return {"kind": kind, "id": picture_id, "urls": urls, "blurhash": blurhash, "default": picture_id is None}


def set_picture(uid: str, kind: str, stream) -> dict:
    """Replace the caller's avatar or cover (``kind``) with the image in the
    binary file object ``stream``.

    Returns ``{kind, id, urls: {variant: url}, blurhash, default: false}``.
    Raises :class:`ValidationFailed` (empty, unreadable, over the pixel
    limit), :class:`UnsupportedMediaType` (not an image, by content),
    :class:`PayloadTooLarge` (over ``SG_MEDIA_MAX_IMAGE_BYTES``),
    :class:`NotFound` (the account is gone).
    """
    if kind not in KINDS:
        raise NotFound(f"no picture kind {kind!r}")
    variants, bh = render_variants(kind, _read_upload(stream, "file"))
    picture_id = secrets.token_hex(8)
    s3, bucket = stores.objects(), _bucket()
    written = []
    try:
        for name, jpeg in variants.items():
            key = _object_key(kind, uid, picture_id, name)
            s3.put_object(bucket, key, io.BytesIO(jpeg), len(jpeg), content_type="image/jpeg",
                          metadata={"Cache-Control": f"public, max-age={IMMUTABLE_SECONDS}, immutable"})
            written.append(key)
        rows = stores.graph().write(SET_QUERY[kind], uid=uid, picture_id=picture_id, blurhash=bh)
    except Exception:
        _remove_objects(written)
        raise
    if not rows:
        _remove_objects(written)
        raise NotFound("account not found")
    forget_short_profile(uid)
    previous = rows[0]["previous"]
    if previous and previous != picture_id:
        _remove_objects(_keys(kind, uid, previous))
    return _present(kind, uid, picture_id, bh)


def delete_picture(uid: str, kind: str) -> dict:
    """Remove the caller's avatar or cover (idempotent). Returns the picture
    now shown: the generated avatar (``default: true``) or no cover (``urls: null``)."""
    if kind not in KINDS:
        raise NotFound(f"no picture kind {kind!r}")
    rows = stores.graph().write(CLEAR_QUERY[kind], uid=uid)
    if not rows:
        raise NotFound("account not found")
    forget_short_profile(uid)
    if rows[0]["previous"]:
        _remove_objects(_keys(kind, uid, rows[0]["previous"]))
    return _present(kind, uid, None, None)


# -- reads (the public picture routes) ---------------------------------------
def current_picture(uid: str, kind: str) -> tuple[dict | None, str | None]:
    """``(short profile, current picture id)`` of ``uid``; profile None for an unknown user."""
    rows = stores.graph().read("content/avatars/get_pictures", uid=uid)
    if not rows:
        return None, None
    row = rows[0]
    return row, row[f"{kind}_id"]


def read_picture(uid: str, kind: str, name: str, picture_id: str) -> bytes:
    """The JPEG bytes of one variant. Raises :class:`NotFound` for an unknown variant."""
    if name not in _variant_names(kind):
        raise NotFound(f"no {kind} variant {name!r}", errors=[{"field": "size", "message":
                                                              "one of " + ", ".join(_variant_names(kind))}])
    resp = stores.objects().get_object(_bucket(), _object_key(kind, uid, picture_id, name))
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


#: backgrounds of generated avatars: hue steps at HSL lightness 32 %, all of
#: which give white text more than 4.5:1 contrast (WCAG 2.1 AA)
_HUES = (0, 25, 45, 140, 170, 200, 220, 260, 290, 320)


def initials(name: str | None) -> str:
    """Up to two initials of a display name or username ("Ada Lovelace" -> "AL", "bob" -> "B")."""
    words = [w for w in (name or "").replace("_", " ").replace(".", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def default_avatar_svg(uid: str, name: str | None) -> str:
    """A generated avatar: the initials of ``name`` in white on a colour picked
    from the uid (the same user always gets the same colour), as SVG text."""
    hue = _HUES[int(hashlib.sha256(uid.encode()).hexdigest()[:8], 16) % len(_HUES)]
    text = escape(initials(name))
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="400" height="400" '
            f'role="img" aria-label="{text}"><rect width="100" height="100" fill="hsl({hue},60%,32%)"/>'
            '<text x="50" y="50" dy=".35em" text-anchor="middle" fill="#fff" '
            'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="42" '
            f'font-weight="600">{text}</text></svg>')


# -- data portability --------------------------------------------------------
def _export_area(ctx) -> None:
    """``pictures.json`` ({avatar: {id, blurhash, files}, cover: ...}) and the
    largest variant of each picture as ``pictures/<kind>.jpg``."""
    row, _ = current_picture(ctx.uid, "avatar")
    out = {}
    for kind in KINDS:
        pid = (row or {}).get(f"{kind}_id")
        if not pid:
            out[kind] = None
            continue
        path = f"pictures/{kind}.jpg"
        ctx.add_bytes(path, read_picture(ctx.uid, kind, LARGEST[kind], pid))
        out[kind] = {"id": pid, "blurhash": row.get(f"{kind}_blurhash"), "file": path}
    ctx.add_json("pictures.json", out)


def _import_area(ictx) -> dict:
    """Set the avatar and cover from ``pictures/<kind>.jpg`` of an archive."""
    done = {}
    for kind in KINDS:
        try:
            data = ictx.zip.read(f"pictures/{kind}.jpg")
        except KeyError:
            continue
        set_picture(ictx.uid, kind, io.BytesIO(data))
        done[kind] = 1
    return done


def _erase_area(uid: str) -> dict:
    """Every object under ``avatars/<uid>/`` and ``covers/<uid>/`` (the ids on
    the User node go with the node). Idempotent."""
    s3, bucket = stores.objects(), _bucket()
    names = [o.object_name for kind in KINDS
             for o in s3.list_objects(bucket, prefix=_prefix(kind, uid), recursive=True)]
    _remove_objects(names)
    return {"pictures": len(names)}


register_area("pictures", order=63, export=_export_area, erase=_erase_area, import_=_import_area)
