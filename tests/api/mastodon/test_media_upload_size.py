"""Mastodon's media upload takes what the native upload takes: a photo over the
general 1 MiB body limit (``SG_MAX_REQUEST_BYTES``) is accepted up to the
media limits, with or without an ``Idempotency-Key``, and refused with 413 beyond."""
from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.api.mastodon.conftest import token_through_test_client
from tests.conftest import config
from tests.mediafiles import png


def _upload(client, token, data: bytes, key: str | None = None):
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    # the body encoded here, in memory: the test client would spool it to a temporary
    # file that a 413, which leaves it unread, never closes
    boundary, body = encode_multipart(MultiDict({
        "file": FileStorage(io.BytesIO(data), filename="photo.png", content_type="image/png"),
        "description": "noise"}))
    return client.post("/mastodon/api/v2/media", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_photo_over_the_general_body_limit_is_accepted(app, client, make_user):
    photo = png(800, 600, noise=True)
    assert len(photo) > app.config["MAX_CONTENT_LENGTH"]  # 1.4 MB of noise does not compress
    user = make_user("mmedia")
    token = token_through_test_client(client, user, "write:media")
    first = _upload(client, token, photo)
    assert first.status_code in (200, 202), first.get_json()
    assert first.get_json()["type"] == "image" and first.get_json()["description"] == "noise"
    keyed = _upload(client, token, photo, key="retry-1")
    assert keyed.status_code in (200, 202), keyed.get_json()
    again = _upload(client, token, photo, key="retry-1")  # a retry replays the first answer
    assert (again.status_code, again.get_json()["id"]) == (keyed.status_code, keyed.get_json()["id"])


def test_a_photo_over_the_media_limit_is_413(app, client, make_user):
    user = make_user("mmedia")
    token = token_through_test_client(client, user, "write:media")
    photo = png(800, 600, noise=True)
    with config(app, MEDIA_MAX_IMAGE_BYTES=len(photo) // 4, MEDIA_MAX_VIDEO_BYTES=len(photo) // 4):
        resp = _upload(client, token, photo)
    assert resp.status_code == 413
