"""Media uploads against the real object store (SeaweedFS) and MongoDB:
sniffing, limits, processing (Pillow, PyAV), presigned URLs, clean-up."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import requests
from bson import ObjectId

from socialgraph import stores
from socialgraph.core import clock
from tests import mediafiles

PROBLEM = "application/problem+json"


def _upload(user, data: bytes, name: str = "file.bin", ctype: str = "application/octet-stream"):
    return user.post("/api/v1/media", data={"file": (io.BytesIO(data), name, ctype)},
                     content_type="multipart/form-data")


def _objects(app, owner_uid: str) -> list[str]:
    s3 = stores.objects()
    return [o.object_name for o in s3.list_objects(app.config["S3_BUCKET"], prefix=f"media/{owner_uid}/",
                                                   recursive=True)]


def _media_docs(owner_uid: str) -> list[dict]:
    return list(stores.mongo().media.find({"owner_id": owner_uid}))


def test_image_upload_strips_exif_makes_variants_and_blurhash(make_user, ctx, app):
    a = make_user()
    r = _upload(a, mediafiles.jpeg_with_gps(), "holiday.png", "image/png")  # the name and header lie
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert (m["kind"], m["content_type"], m["status"]) == ("image", "image/jpeg", "ready")
    assert (m["width"], m["height"]) == (1600, 1200)
    assert set(m["urls"]) == {"full", "large", "small"} and m["blurhash"] and m["expires_in"] == 3600
    from PIL import Image

    full = requests.get(m["urls"]["full"], timeout=10)
    assert full.status_code == 200
    im = Image.open(io.BytesIO(full.content))
    assert im.size == (1600, 1200)
    assert not im.getexif() and b"SecretCam" not in full.content and "exif" not in im.info
    small = Image.open(io.BytesIO(requests.get(m["urls"]["small"], timeout=10).content))
    assert max(small.size) == 320
    # the original (with its GPS block) is gone; only processed variants stay
    names = _objects(app, a.uid)
    assert names and not any(n.endswith("/original") for n in names)
    # no public URL: the same object without a signature is refused
    key = names[0]
    plain = requests.get(f"{app.config['S3_ENDPOINT']}/{app.config['S3_BUCKET']}/{key}", timeout=10)
    assert plain.status_code == 403


def test_video_is_probed_postered_and_transcoded_to_h264_aac(make_user, ctx):
    import av

    a = make_user()
    r = _upload(a, mediafiles.video("webm"), "clip.mp4", "video/mp4")
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert (m["kind"], m["content_type"], m["status"]) == ("video", "video/webm", "ready")
    assert (m["width"], m["height"]) == (64, 48) and 0.5 < m["duration"] < 2
    assert m["poster_url"] and set(m["urls"]) == {"mp4"}
    data = requests.get(m["urls"]["mp4"], timeout=10).content
    with av.open(io.BytesIO(data)) as c:
        assert "mp4" in c.format.name
        assert [s.codec_context.name for s in c.streams] == ["h264", "aac"]
    assert requests.get(m["poster_url"], timeout=10).content[:3] == b"\xff\xd8\xff"


def test_bad_files_are_refused_and_leave_nothing(make_user, ctx, app, monkeypatch):
    a = make_user()
    # zero bytes
    r = _upload(a, b"", "empty.jpg", "image/jpeg")
    assert r.status_code == 422 and r.mimetype == PROBLEM and r.get_json()["errors"][0]["field"] == "file"
    # mislabelled: text called a JPEG
    r = _upload(a, b"#!/bin/sh\necho not an image\n" * 10, "cat.jpg", "image/jpeg")
    assert r.status_code == 415 and r.mimetype == PROBLEM
    # no file field
    r = a.post("/api/v1/media", data={"other": "x"}, content_type="multipart/form-data")
    assert r.status_code == 422
    # over the (configurable) image limit
    monkeypatch.setitem(app.config, "MEDIA_MAX_IMAGE_BYTES", 20_000)
    r = _upload(a, mediafiles.png(200, 200, noise=True), "big.png", "image/png")
    assert r.status_code == 413 and r.get_json()["max_bytes"] == 20_000
    assert _media_docs(a.uid) == [] and _objects(app, a.uid) == []


def test_image_bomb_and_truncated_video_fail_cleanly(make_user, ctx, app):
    a = make_user()
    bomb = _upload(a, mediafiles.png_bomb(), "bomb.png", "image/png").get_json()
    assert bomb["status"] == "failed" and "pixels" in bomb["error"] and bomb["urls"] == {}
    full = mediafiles.video("mp4")
    trunc = _upload(a, full[: len(full) // 2], "cut.mp4", "video/mp4").get_json()
    assert trunc["kind"] == "video" and trunc["status"] == "failed" and "truncated" in trunc["error"]
    assert _objects(app, a.uid) == []  # failed uploads keep no object
    assert a.get(f"/api/v1/media/{trunc['id']}").get_json()["status"] == "failed"
    # failed media cannot be attached; nothing is written
    r = a.post("/api/v1/posts", json={"text": "look", "media_ids": [bomb["id"]]})
    assert r.status_code == 422
    assert stores.mongo().posts.count_documents({"author_id": a.uid}) == 0


def post_upload(start: dict, data: bytes, content_type: str | None = None):
    """What a client does with ``POST /media/uploads``'s answer: the policy's
    form fields, then the file, to the object store."""
    form = dict(start["fields"])
    if content_type:
        form["Content-Type"] = content_type
    return requests.post(start["upload_url"], data=form,
                         files={"file": ("upload", data, form["Content-Type"])}, timeout=10)


def test_presigned_post_then_complete(make_user, ctx, app):
    a = make_user()
    data = mediafiles.png(300, 200)
    r = a.post("/api/v1/media/uploads", json={"size": len(data), "content_type": "image/png"})
    assert r.status_code == 201
    start = r.get_json()
    mid = start["media"]["id"]
    assert start["media"]["status"] == "awaiting_upload" and start["method"] == "POST"
    # completing before uploading is a conflict
    assert a.post(f"/api/v1/media/{mid}/complete").status_code == 409
    assert post_upload(start, data).status_code == 204
    other = make_user()
    assert other.post(f"/api/v1/media/{mid}/complete").status_code == 404
    done = a.post(f"/api/v1/media/{mid}/complete")
    assert done.status_code == 200 and done.get_json()["status"] == "ready"
    assert done.get_json()["width"] == 300
    assert a.post(f"/api/v1/media/{mid}/complete").status_code == 409
    # the declared size is checked up front
    r = a.post("/api/v1/media/uploads", json={"size": 200 * 1024 * 1024, "content_type": "image/png"})
    assert r.status_code == 413


def test_presigned_url_used_after_expiry_is_refused(make_user, ctx, app):
    a = make_user()
    real_now = clock.now()
    clock.set_clock(lambda: real_now - timedelta(hours=2))  # signed 2 h ago, valid 15 min
    try:
        start = a.post("/api/v1/media/uploads", json={"size": 100, "content_type": "image/png"}).get_json()
    finally:
        clock.set_clock(None)
    r = post_upload(start, mediafiles.png()[:100])
    assert r.status_code == 403
    assert a.post(f"/api/v1/media/{start['media']['id']}/complete").status_code == 409
    # the expired reservation is an orphan: the scheduled clean-up removes it
    from socialgraph.content import media

    assert media.cleanup_orphans()["deleted"] >= 1
    assert stores.mongo().media.find_one({"_id": ObjectId(start["media"]["id"])}) is None


def test_presigned_upload_of_a_mislabelled_file_is_deleted_on_complete(make_user, ctx, app):
    a = make_user()
    start = a.post("/api/v1/media/uploads", json={"size": 60, "content_type": "image/jpeg"}).get_json()
    assert post_upload(start, b"plain text, not a picture " * 2).status_code == 204
    r = a.post(f"/api/v1/media/{start['media']['id']}/complete")
    assert r.status_code == 415
    # a zero-byte body is refused by the store (content-length-range starts at 1)
    start = a.post("/api/v1/media/uploads", json={"size": 10, "content_type": "image/png"}).get_json()
    assert post_upload(start, b"").status_code == 400  # S3 EntityTooSmall
    assert a.post(f"/api/v1/media/{start['media']['id']}/complete").status_code == 409
    a.delete(f"/api/v1/media/{start['media']['id']}")
    assert a.post("/api/v1/media/uploads", json={"size": 0, "content_type": "image/png"}).status_code == 422
    assert a.post("/api/v1/media/uploads", json={"size": 10}).status_code == 422  # the type is needed
    assert _media_docs(a.uid) == [] and _objects(app, a.uid) == []


def test_post_with_media_private_urls_and_delete_removes_objects(make_user, ctx, app):
    a, b = make_user(), make_user()
    ids = [_upload(a, mediafiles.png(40 + i, 30)).get_json()["id"] for i in range(2)]
    # someone else's media cannot be attached
    assert b.post("/api/v1/posts", json={"text": "mine?", "media_ids": ids[:1]}).status_code == 422
    # 11 attachments are too many
    assert a.post("/api/v1/posts", json={"media_ids": [str(ObjectId()) for _ in range(11)]}).status_code == 422
    r = a.post("/api/v1/posts", json={"media_ids": ids, "visibility": "only_me", "content_warning": "spoilers"})
    assert r.status_code == 201, r.get_json()
    post = r.get_json()
    assert [m["id"] for m in post["media"]] == ids and post["sensitive"] is True and post["text"] == ""
    assert post["media"][0]["urls"]["full"].startswith(app.config["S3_ENDPOINT"])
    # an attached upload cannot be reused or deleted on its own
    assert a.post("/api/v1/posts", json={"media_ids": ids[:1]}).status_code == 422
    assert a.delete(f"/api/v1/media/{ids[0]}").status_code == 409
    # the private post and its media are invisible to others
    assert b.get(f"/api/v1/posts/{post['id']}").status_code == 404
    assert b.get(f"/api/v1/media/{ids[0]}").status_code == 404
    assert len(_objects(app, a.uid)) == 2
    assert a.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    assert _objects(app, a.uid) == [] and _media_docs(a.uid) == []


def test_orphaned_uploads_are_cleaned_by_the_scheduled_job(make_user, ctx, app):
    a = make_user()
    orphan = _upload(a, mediafiles.png()).get_json()["id"]
    kept = _upload(a, mediafiles.png()).get_json()["id"]
    a.post("/api/v1/posts", json={"text": "keeps its media", "media_ids": [kept]})
    later = clock.now() + timedelta(days=2)
    clock.set_clock(lambda: later)
    try:
        runner = app.test_cli_runner()
        out = runner.invoke(args=["media", "cleanup"])
        assert out.exit_code == 0 and "deleted" in out.output
    finally:
        clock.set_clock(None)
    left = {str(d["_id"]) for d in _media_docs(a.uid)}
    assert left == {kept}
    assert all(f"/{kept}/" in n for n in _objects(app, a.uid))


def test_store_enforces_size_and_type_and_the_upload_key_dies(make_user, ctx, app):
    """Issue 16 item 9: the object store refuses more than the reserved size or
    another type; after ``complete`` the upload key holds nothing, and a body
    sent there later is removed when the policy expires."""
    from socialgraph.content import media

    a = make_user()
    data = mediafiles.png(64, 48)
    start = a.post("/api/v1/media/uploads", json={"size": len(data), "content_type": "image/png"}).get_json()
    mid = start["media"]["id"]
    upload_key = start["fields"]["key"]
    # 20 MB into a small reservation, an HTML body, another key: all refused by the store
    assert post_upload(start, b"\0" * (20 * 1024 * 1024)).status_code == 400
    assert post_upload(start, b"<html>hi</html>", content_type="text/html").status_code == 403
    forged = dict(start, fields=dict(start["fields"], key=f"media/{a.uid}/elsewhere"))
    assert post_upload(forged, data).status_code == 403
    assert _objects(app, a.uid) == []
    assert post_upload(start, data).status_code == 204
    done = a.post(f"/api/v1/media/{mid}/complete")
    assert done.status_code == 200 and done.get_json()["status"] == "ready"
    doc = stores.mongo().media.find_one({"_id": ObjectId(mid)})
    objects = _objects(app, a.uid)
    assert upload_key not in objects and doc["key"] not in objects  # the original went after processing
    assert {v["key"] for v in doc["variants"].values()} == set(objects)
    # the policy cannot be revoked: a late body lands, is never used, and is removed at expiry
    assert post_upload(start, b"<late>" + b"x" * 10, content_type="image/png").status_code == 204
    assert upload_key in _objects(app, a.uid)
    assert a.get(f"/api/v1/media/{mid}").get_json()["status"] == "ready"
    import jobs.media

    jobs.media.remove_upload_object(mid, upload_key)  # what the job scheduled by complete does
    assert upload_key not in _objects(app, a.uid)
    # deleting the media removes a late body too
    post_upload(start, b"again", content_type="image/png")
    assert a.delete(f"/api/v1/media/{mid}").status_code == 204
    assert _objects(app, a.uid) == [] and media  # nothing of this upload is left


def test_alt_text_is_stored_served_and_editable_by_the_owner_only(make_user, ctx):
    """Issue 19: a media description (alt text) given at upload or set later,
    served with the media and with the post that shows it."""
    a, b = make_user("alt"), make_user("alt")
    r = a.post("/api/v1/media", data={"file": (io.BytesIO(mediafiles.png(40, 30)), "x.png", "image/png"),
                                      "description": "  A glass of amber ale on a wooden table  "},
               content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["description"] == "A glass of amber ale on a wooden table"
    plain = _upload(a, mediafiles.png(41, 30)).get_json()
    assert plain["description"] is None
    post = a.post("/api/v1/posts", json={"text": "cheers", "media_ids": [r.get_json()["id"], plain["id"]]}).get_json()
    assert [m["description"] for m in post["media"]] == ["A glass of amber ale on a wooden table", None]
    # set later, also once attached; the post shows the new text
    r2 = a.patch(f"/api/v1/media/{plain['id']}", json={"description": "Two empty glasses"})
    assert r2.status_code == 200 and r2.get_json()["description"] == "Two empty glasses"
    got = b.get(f"/api/v1/posts/{post['id']}").get_json()
    assert [m["description"] for m in got["media"]] == ["A glass of amber ale on a wooden table", "Two empty glasses"]
    # an empty text removes it; someone else's media is not found; too long is 422
    assert a.patch(f"/api/v1/media/{plain['id']}", json={"description": ""}).get_json()["description"] is None
    assert b.patch(f"/api/v1/media/{plain['id']}", json={"description": "mine now"}).status_code == 404
    r3 = a.patch(f"/api/v1/media/{plain['id']}", json={"description": "x" * 1501})
    assert r3.status_code == 422 and r3.content_type == PROBLEM
    r4 = a.post("/api/v1/media", data={"file": (io.BytesIO(mediafiles.png(42, 30)), "y.png", "image/png"),
                                       "description": "y" * 1501}, content_type="multipart/form-data")
    assert r4.status_code == 422 and r4.get_json()["errors"][0]["field"] == "description"
    assert len(_media_docs(a.uid)) == 2  # the refused upload left nothing
