"""Idempotency-Key edges (mutants of these survived bench/mutation.py): the
longest accepted key, and failed or throttled responses are not kept, so a
retry with the same key runs again."""
from __future__ import annotations

import pytest

from tests.conftest import extra_app, unique


def test_key_length_limit_is_255(make_user):
    u = make_user("idk")
    ok = u.client.post("/api/v1/posts", json={"text": "long key"}, headers={**u.headers, "Idempotency-Key": "k" * 255})
    assert ok.status_code == 201
    bad = u.client.post("/api/v1/posts", json={"text": "too long"}, headers={**u.headers, "Idempotency-Key": "k" * 256})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


@pytest.mark.parametrize("first", [500, 503, 429])
def test_failed_or_throttled_response_is_not_replayed(app_config, first):
    with extra_app(app_config) as other:
        statuses = [first, 201]

        @other.route("/api/v1/_flaky", methods=["POST"])
        def flaky():
            return {"status": statuses[0]}, statuses.pop(0)

        c = other.test_client()
        key = {"Idempotency-Key": unique("flaky")}
        assert c.post("/api/v1/_flaky", json={}, headers=key).status_code == first
        again = c.post("/api/v1/_flaky", json={}, headers=key)
        assert again.status_code == 201 and statuses == []  # ran again, not a replay of the failure
        replay = c.post("/api/v1/_flaky", json={}, headers=key)
        assert replay.status_code == 201 and replay.get_json() == {"status": 201}  # the success is kept


def test_a_multipart_upload_with_a_key_keeps_its_body_and_is_replayed(app, make_user):
    """The key's fingerprint reads the raw body *and keeps it* (``get_data(cache=True)``):
    a multipart body is not read by the JSON guard before it, so reading it without
    caching would leave the view an empty form (422 "file" missing)."""
    from socialgraph import stores
    from tests import mediafiles

    u = make_user("idm")
    key = {**u.headers, "Idempotency-Key": unique("media")}
    boundary = "sgidem" + "x" * 20
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dot.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + mediafiles.png() + f"\r\n--{boundary}--\r\n".encode()

    def upload():  # the same bytes each time (the test client would pick a new boundary per request)
        return u.client.post("/api/v1/media", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                             headers=key)

    first = upload()
    assert first.status_code == 201, first.get_json()
    again = upload()
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    with app.app_context():
        assert stores.mongo().media.count_documents({"owner_id": u.uid}) == 1
