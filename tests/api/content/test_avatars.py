"""Avatars and cover photos against the real graph, object store and Redis:
processing (sniffing, bomb guard, EXIF strip, square/cover crops, blurhash),
URLs on user objects everywhere, the public picture routes, replacement,
removal, generated avatars, export and erasure with the account."""
from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

from PIL import Image

from socialgraph import stores
from tests import mediafiles
from tests.conftest import config

PROBLEM = "application/problem+json"


def _put(user, what: str, data: bytes, name: str = "me.jpg", ctype: str = "image/jpeg"):
    return user.put(f"/api/v1/me/{what}", data={"file": (io.BytesIO(data), name, ctype)},
                    content_type="multipart/form-data")


def _objects(app, kind: str, uid: str) -> list[str]:
    return sorted(o.object_name for o in stores.objects().list_objects(
        app.config["S3_BUCKET"], prefix=f"{kind}s/{uid}/", recursive=True))


def _fetch(client, url: str):
    """GET a picture URL through the app (the URLs are absolute, on SG_PUBLIC_BASE_URL)."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def test_avatar_upload_crops_strips_exif_and_shows_on_every_user_object(app, client, ctx, make_user, subtests):
    """One upload; each size and each kind of user object a subtest, so one
    wrong answer does not hide the others."""
    a, b = make_user("av"), make_user("avb")
    assert b.put(f"/api/v1/users/{a.username}/follow").status_code == 200  # a follower to list, a notification
    r = _put(a, "avatar", mediafiles.jpeg_with_gps(1600, 1200), "holiday.png", "image/png")  # the name lies
    assert r.status_code == 200, r.get_json()
    pic = r.get_json()
    assert pic["kind"] == "avatar" and pic["default"] is False and pic["blurhash"] and pic["id"]
    assert set(pic["urls"]) == {"48", "96", "400"}
    for size, url in pic["urls"].items():
        with subtests.test("a square JPEG without EXIF, immutable", size=size):
            assert url.startswith("http://testserver/api/v1/avatars/") and url.endswith(f"?v={pic['id']}")
            got = _fetch(client, url)
            assert got.status_code == 200 and got.mimetype == "image/jpeg"
            assert "immutable" in got.headers["Cache-Control"] and got.headers["ETag"]
            im = Image.open(io.BytesIO(got.data))
            assert im.size == (int(size), int(size))
            assert not im.getexif() and b"SecretCam" not in got.data and "exif" not in im.info
    with subtests.test("embeddable; a conditional GET is answered 304"):
        got = _fetch(client, pic["urls"]["96"])
        assert got.headers["Cross-Origin-Resource-Policy"] == "cross-origin"  # public, embeddable
        assert client.get(urlsplit(pic["urls"]["96"]).path,
                          headers={"If-None-Match": got.headers["ETag"]}).status_code == 304
    with subtests.test("without ?v the answer is short-lived"):
        assert "immutable" not in client.get(urlsplit(pic["urls"]["96"]).path).headers["Cache-Control"]

    with subtests.test("on /me"):
        me = a.get("/api/v1/me").get_json()
        assert me["avatar_urls"] == pic["urls"] and me["avatar_url"] == pic["urls"]["96"]
        assert me["avatar_blurhash"] == pic["blurhash"] and me["cover_urls"] is None
    with subtests.test("on the profile"):
        assert b.get(f"/api/v1/users/{a.username}").get_json()["avatar_urls"] == pic["urls"]
    post = a.post("/api/v1/posts", json={"text": "my new face"}).get_json()
    with subtests.test("on a post's author"):
        assert post["author"]["avatar_urls"] == pic["urls"]
    r = b.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "looks good"})
    assert r.status_code == 201, r.get_json()
    assert a.post(f"/api/v1/posts/{post['id']}/comments", json={"text": "thanks"}).status_code == 201
    with subtests.test("on comments' authors (uploaded and generated)"):
        comments = b.get(f"/api/v1/posts/{post['id']}/comments").get_json()["items"]
        mine = [c for c in comments if c["author"]["uid"] == a.uid]
        assert [c["author"]["avatar_urls"] for c in mine] == [pic["urls"]]
        theirs = next(c for c in comments if c["author"]["uid"] == b.uid)
        assert theirs["author"]["avatar_urls"]["48"].endswith(f"/avatars/{b.uid}/48")  # generated, no ?v
    b_urls = b.get("/api/v1/me").get_json()["avatar_urls"]
    with subtests.test("on notifications' actors"):
        notes = a.get("/api/v1/notifications").get_json()["items"]
        assert notes and [n["actors"][0]["avatar_urls"] for n in notes] == [b_urls] * len(notes)
    with subtests.test("on follower lists"):
        followers = a.get(f"/api/v1/users/{a.username}/followers").get_json()["items"]
        assert [(f["uid"], f["avatar_urls"]) for f in followers] == [(b.uid, b_urls)]


def test_replacing_and_removing_an_avatar_deletes_the_old_objects(app, client, ctx, make_user):
    a = make_user("avr")
    first = _put(a, "avatar", mediafiles.png(300, 200)).get_json()  # RGBA: flattened to JPEG
    assert len(_objects(app, "avatar", a.uid)) == 3
    second = _put(a, "avatar", mediafiles.jpeg_with_gps(500, 800)).get_json()
    assert second["id"] != first["id"]
    names = _objects(app, "avatar", a.uid)
    assert len(names) == 3 and all(f"/{second['id']}/" in n for n in names)
    # the old URL now serves the current picture, briefly cacheable
    old = _fetch(client, first["urls"]["400"])
    assert old.status_code == 200 and "immutable" not in old.headers["Cache-Control"]
    assert a.get("/api/v1/me").get_json()["avatar_urls"] == second["urls"]

    r = a.delete("/api/v1/me/avatar")
    assert r.status_code == 200 and r.get_json()["default"] is True and r.get_json()["id"] is None
    assert _objects(app, "avatar", a.uid) == []
    assert a.delete("/api/v1/me/avatar").status_code == 200  # idempotent
    got = _fetch(client, a.get("/api/v1/me").get_json()["avatar_urls"]["96"])
    assert got.status_code == 200 and got.mimetype == "image/svg+xml"


def test_generated_avatar_shows_initials_on_a_stable_colour(client, make_user):
    a = make_user("gen")
    a.patch("/api/v1/me", json={"display_name": "Ada <b>King</b> Lovelace"})
    got = client.get(f"/api/v1/avatars/{a.uid}/96")
    assert got.status_code == 200 and got.mimetype == "image/svg+xml"
    svg = got.get_data(as_text=True)
    assert ">AL</text>" in svg and "<b>" not in svg and 'fill="#fff"' in svg
    assert client.get(f"/api/v1/avatars/{a.uid}/400").get_data(as_text=True) == svg
    assert "default-src 'none'" in got.headers["Content-Security-Policy"]
    assert client.get(f"/api/v1/avatars/{a.uid}/97").status_code == 404
    assert client.get("/api/v1/avatars/nobody-at-all/96").status_code == 404
    assert client.get(f"/api/v1/covers/{a.uid}/1500").status_code == 404


def test_bad_pictures_are_refused_with_problems_and_nothing_is_written(app, ctx, make_user):
    a = make_user("avbad")
    r = _put(a, "avatar", b"%PDF-1.4 not an image at all" * 20, "x.jpg")
    assert r.status_code == 415 and r.mimetype == PROBLEM
    r = _put(a, "avatar", b"")
    assert r.status_code == 422 and r.mimetype == PROBLEM
    r = a.put("/api/v1/me/avatar", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "file"
    # a decompression bomb: a small PNG file claiming 10 000 x 10 000 pixels
    with config(app, MEDIA_MAX_IMAGE_PIXELS=1_000_000):
        r = _put(a, "avatar", mediafiles.png(2000, 1000), "big.png", "image/png")
    assert r.status_code == 422 and r.mimetype == PROBLEM
    with config(app, MEDIA_MAX_IMAGE_BYTES=1000):
        r = _put(a, "cover", mediafiles.png(200, 200, noise=True), "noise.png", "image/png")
    assert r.status_code == 413 and r.mimetype == PROBLEM
    assert _objects(app, "avatar", a.uid) == [] and _objects(app, "cover", a.uid) == []
    assert a.get("/api/v1/me").get_json()["avatar_urls"]["96"].endswith(f"/avatars/{a.uid}/96")


def test_cover_is_1500x500_and_follows_profile_privacy(app, client, ctx, make_user):
    a, b = make_user("cov"), make_user("covb")
    r = _put(a, "cover", mediafiles.jpeg_with_gps(1600, 1200))
    assert r.status_code == 200, r.get_json()
    pic = r.get_json()
    assert set(pic["urls"]) == {"1500", "600"} and pic["blurhash"]
    im = Image.open(io.BytesIO(_fetch(client, pic["urls"]["1500"]).data))
    assert im.size == (1500, 500) and not im.getexif()
    assert Image.open(io.BytesIO(_fetch(client, pic["urls"]["600"]).data)).size == (600, 200)
    assert b.get(f"/api/v1/users/{a.username}").get_json()["cover_urls"] == pic["urls"]
    assert a.delete("/api/v1/me/cover").get_json()["urls"] is None
    assert _objects(app, "cover", a.uid) == [] and a.get("/api/v1/me").get_json()["cover_urls"] is None


def test_pictures_are_exported_and_erased_with_the_account(app, client, ctx, make_user):
    a = make_user("avx")
    _put(a, "avatar", mediafiles.jpeg_with_gps(600, 600))
    _put(a, "cover", mediafiles.jpeg_with_gps(1600, 900))
    export_id = a.post("/api/v1/me/exports").get_json()["id"]
    body = a.get(f"/api/v1/me/exports/{export_id}").get_json()
    import requests

    zf = zipfile.ZipFile(io.BytesIO(requests.get(body["download_url"], timeout=10).content))
    meta = json.loads(zf.read("pictures.json"))
    assert meta["avatar"]["file"] == "pictures/avatar.jpg" and meta["cover"]["file"] == "pictures/cover.jpg"
    assert Image.open(io.BytesIO(zf.read("pictures/avatar.jpg"))).size == (400, 400)
    assert Image.open(io.BytesIO(zf.read("pictures/cover.jpg"))).size == (1500, 500)

    assert a.post("/api/v1/me/deletion", json={"password": a.password}).status_code == 202
    assert _objects(app, "avatar", a.uid) == [] and _objects(app, "cover", a.uid) == []
    assert client.get(f"/api/v1/avatars/{a.uid}/96").status_code == 404
