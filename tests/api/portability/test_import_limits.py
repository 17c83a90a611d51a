"""Issue 16 item 10: archive imports are checked before anything is
extracted or stored (zip bomb, entry count, posting allowance, storage
quota); future dates are clamped; imported posts are searchable."""
from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from datetime import datetime, timezone

from socialgraph import stores
from tests.conftest import config

PROBLEM = "application/problem+json"


def archive(notes=(), extra: dict[str, bytes] | None = None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        zf.writestr("manifest.json", json.dumps({"format": "socialgraph-export", "version": 1}))
        items = [{"type": "Create", "object": {"type": "Note", "id": f"n{i}", "content": text, "published": when}}
                 for i, (text, when) in enumerate(notes)]
        zf.writestr("outbox.json", json.dumps({"type": "OrderedCollection", "orderedItems": items}))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def upload(user, data):
    return user.client.post("/api/v1/me/imports", headers=user.headers,
                            data={"archive": (io.BytesIO(data), "archive.zip")}, content_type="multipart/form-data")


def traces(app, uid):
    with app.app_context():
        imports = stores.mongo().imports.count_documents({"uid": uid})
        objects = list(stores.objects().list_objects(app.config["S3_BUCKET"], prefix=f"users/{uid}/", recursive=True))
        posts = stores.mongo().posts.count_documents({"author_id": uid})
    return imports, len(objects), posts


def test_zip_bomb_is_refused_before_anything_is_stored(app, make_user):
    user = make_user("bomb")
    data = archive([("one post", "2020-01-01T00:00:00Z")], {"media/zeros.bin": b"\0" * (40 * 1024 * 1024)})
    assert len(data) < 200_000  # 40 MB of zeros in well under 200 KB
    r = upload(user, data)
    assert r.status_code == 413 and r.mimetype == PROBLEM, r.get_json()
    assert "zip bomb" in r.get_json()["detail"]
    assert traces(app, user.uid) == (0, 0, 0)


def test_entry_count_and_entry_size_limits(app, make_user):
    user = make_user("bomb")
    with config(app, IMPORT_MAX_ENTRIES=5):
        r = upload(user, archive(extra={f"media/{i}.txt": b"x" for i in range(5)}))
        assert r.status_code == 413 and "entries" in r.get_json()["detail"]
    with config(app, IMPORT_MAX_ENTRY_BYTES=1000):
        r = upload(user, archive(extra={"media/big.bin": os.urandom(2000)}))
        assert r.status_code == 413 and "larger than" in r.get_json()["detail"]
    with config(app, IMPORT_MAX_UNCOMPRESSED_BYTES=3000):
        r = upload(user, archive(extra={"media/a.bin": os.urandom(1600), "media/b.bin": os.urandom(1600)}))
        assert r.status_code == 413 and "uncompressed" in r.get_json()["detail"]
    assert traces(app, user.uid) == (0, 0, 0)


def test_imports_count_against_the_posting_allowance(app, make_user):
    user = make_user("allow")
    with config(app, IMPORT_MAX_POSTS=5):
        r = upload(user, archive([(f"post {i}", "2021-01-01T00:00:00Z") for i in range(6)]))
        assert r.status_code == 422 and r.mimetype == PROBLEM, r.get_json()
        assert traces(app, user.uid) == (0, 0, 0)
        r = upload(user, archive([(f"post {i}", "2021-01-01T00:00:00Z") for i in range(4)]))
        assert r.status_code == 202, r.get_json()
        r = upload(user, archive([("two more", "2021-01-02T00:00:00Z"), ("and more", "2021-01-03T00:00:00Z")]))
        assert r.status_code == 422 and "1 more may be imported" in r.get_json()["detail"]
    assert traces(app, user.uid)[2] == 4


def test_storage_quota(app, make_user):
    user = make_user("quota")
    with config(app, STORAGE_QUOTA_BYTES=3000):
        r = upload(user, archive(extra={"media/a.bin": os.urandom(2000)}))
        assert r.status_code == 202, r.get_json()
        r = upload(user, archive(extra={"media/b.bin": os.urandom(2000)}))
        assert r.status_code == 413 and "quota" in r.get_json()["detail"]
    with app.app_context():
        names = [o.object_name for o in stores.objects().list_objects(
            app.config["S3_BUCKET"], prefix=f"users/{user.uid}/", recursive=True)]
    assert [n for n in names if "/imports/" not in n] == [f"users/{user.uid}/a.bin"]


def test_future_dates_are_clamped_and_imported_posts_are_searchable(app, client, make_user):
    user = make_user("fut")
    word = "imp" + uuid.uuid4().hex[:10]
    before = datetime.now(timezone.utc)
    r = upload(user, archive([(f"from the future {word}", "2099-01-01T00:00:00Z"),
                              (f"naive date {word}", "2022-05-05T10:00:00"),
                              (f"old one {word}", "2019-03-04T05:06:07Z")]))
    assert r.status_code == 202, r.get_json()
    posts = user.get(f"/api/v1/users/{user.username}/posts").get_json()["items"]
    assert len(posts) == 3
    dates = {p["text"].split()[0]: datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) for p in posts}
    assert before <= dates["from"] <= datetime.now(timezone.utc)
    assert dates["naive"] == datetime(2022, 5, 5, 10, tzinfo=timezone.utc)
    found = client.get("/api/v1/search/posts", query_string={"q": word}).get_json()["items"]
    assert len(found) == 3
    # discovery "new" does not have the imported post pinned above today's posts
    fresh = user.post("/api/v1/posts", json={"text": "written just now"}).get_json()
    newest = client.get("/api/v1/feeds/discover", query_string={"sort": "new", "limit": 1}).get_json()["items"]
    assert newest[0]["id"] == fresh["id"]
