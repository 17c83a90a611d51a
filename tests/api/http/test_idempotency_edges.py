"""Idempotency-Key edges (mutants of these survived bench/mutation.py): the
longest accepted key, and failed or throttled responses are not kept, so a
retry with the same key runs again; a multipart retry is recognised by its
content, whatever its boundary, and the upload's own body limit holds."""
from __future__ import annotations

import io

import pytest
from flask import request

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
    """The key's fingerprint reads the body before the view (it parses the form and
    digests the file, then rewinds it): reading it without leaving it to the view
    would give the view an empty form (422 "file" missing)."""
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


def _multipart(boundary: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    """A multipart/form-data body by hand: (name, filename, content type, bytes) per part."""
    out = b""
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += (f"Content-Type: {ctype}\r\n" if ctype else "").encode() + b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_a_multipart_retry_with_a_new_boundary_replays_the_first_answer(app, make_user):
    """Browsers and ``requests`` pick a new boundary on every send, and may order the
    fields differently: the fingerprint is of the form's content, not its raw bytes."""
    from socialgraph import stores
    from tests import mediafiles

    u = make_user("idb")
    key = {**u.headers, "Idempotency-Key": unique("boundary")}
    png = mediafiles.png()
    file_part = ("file", "dot.png", "image/png", png)
    alt_part = ("description", None, None, b"a green dot")
    extra_part = ("client", None, None, b"sg-web 1.0")  # a field the view ignores still counts

    def upload(boundary, parts):
        return u.client.post("/api/v1/media", data=_multipart(boundary, parts),
                             content_type=f"multipart/form-data; boundary={boundary}", headers=key)

    first = upload("first-boundary-0123456789", [file_part, alt_part, extra_part])
    assert first.status_code == 201, first.get_json()
    again = upload("----WebKitFormBoundaryRetry42", [extra_part, alt_part, file_part])
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    with app.app_context():
        assert stores.mongo().media.count_documents({"owner_id": u.uid}) == 1
    # the test client's own encoder (a fresh random boundary per request) replays it too
    third = u.client.post("/api/v1/media", headers=key, content_type="multipart/form-data",
                          data={"description": "a green dot", "client": "sg-web 1.0",
                                "file": (io.BytesIO(png), "dot.png", "image/png")})
    assert third.status_code == 201 and third.headers["Idempotent-Replayed"] == "true"
    assert third.get_data() == first.get_data()
    # a file alone (no other field), retried with a boundary of another length
    key = {**u.headers, "Idempotency-Key": unique("boundary")}
    alone = upload("b1", [file_part])
    assert alone.status_code == 201
    retried = upload("a-much-longer-boundary-than-before", [file_part])
    assert retried.headers.get("Idempotent-Replayed") == "true" and retried.get_data() == alone.get_data()
    with app.app_context():
        assert stores.mongo().media.count_documents({"owner_id": u.uid}) == 2


@pytest.mark.parametrize("change", ["file bytes", "first byte", "filename", "content type", "description", "no description",
                                    "field name", "second file"])
def test_a_different_multipart_payload_under_the_same_key_is_422(app, make_user, change):
    from socialgraph import stores
    from tests import mediafiles

    u = make_user("idd")
    key = {**u.headers, "Idempotency-Key": unique("diff")}
    png = mediafiles.png()
    parts = [("file", "dot.png", "image/png", png), ("description", None, None, b"a green dot")]
    changed = {
        "file bytes": [("file", "dot.png", "image/png", mediafiles.png(65, 48)), parts[1]],
        "first byte": [("file", "dot.png", "image/png", b"\x88" + png[1:]), parts[1]],
        "filename": [("file", "other.png", "image/png", png), parts[1]],
        "content type": [("file", "dot.png", "image/x-png", png), parts[1]],
        "description": [parts[0], ("description", None, None, b"a red dot")],
        "no description": [parts[0]],
        "field name": [parts[0], ("alt", None, None, b"a green dot")],
        "second file": [parts[0], ("file", "dot.png", "image/png", png), parts[1]],
    }[change]

    def upload(body_parts):
        return u.client.post("/api/v1/media", data=_multipart("same-boundary", body_parts),
                             content_type="multipart/form-data; boundary=same-boundary", headers=key)

    assert upload(parts).status_code == 201
    reused = upload(changed)
    assert reused.status_code == 422 and reused.get_json()["type"].endswith("/idempotency-key-reused")
    with app.app_context():
        assert stores.mongo().media.count_documents({"owner_id": u.uid}) == 1


def test_an_upload_over_the_general_body_limit_with_a_key_keeps_the_media_limit(app, make_user, monkeypatch):
    """The fingerprint parses the form before the view runs, so the upload view's own
    limit (``body_limit``) must already hold: a 1.5 MB image (over ``SG_MAX_REQUEST_BYTES``,
    1 MiB, under the 16 MB image limit) is accepted with a key as without one, and a
    body over the media limit is still 413 (nothing claimed: the retry runs)."""
    from socialgraph import stores
    from tests import mediafiles

    monkeypatch.setitem(app.config, "MEDIA_MAX_IMAGE_BYTES", 2 * 1024 * 1024)  # a small 413 to send
    monkeypatch.setitem(app.config, "MEDIA_MAX_VIDEO_BYTES", 2 * 1024 * 1024)
    u = make_user("idl")
    key = {**u.headers, "Idempotency-Key": unique("big")}
    big = mediafiles.png(720, 720, noise=True)
    assert app.config["MAX_CONTENT_LENGTH"] < len(big) < app.config["MEDIA_MAX_IMAGE_BYTES"]
    r = u.client.post("/api/v1/media", headers=key, content_type="multipart/form-data; boundary=b",
                      data=_multipart("b", [("file", "big.png", "image/png", big)]))  # bytes: the test
    # client's own encoder would spool this one to a temporary file it never closes
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        assert stores.mongo().media.count_documents({"owner_id": u.uid}) == 1
    other = {**u.headers, "Idempotency-Key": unique("huge")}
    huge = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n'
    huge += b"\0" * (max(app.config["MEDIA_MAX_VIDEO_BYTES"], app.config["MEDIA_MAX_IMAGE_BYTES"]) + 65 * 1024)
    too_big = u.client.post("/api/v1/media", headers=other, data=huge + b"\r\n--b--\r\n",
                            content_type="multipart/form-data; boundary=b")
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=b", "multipart/form-data"])
def test_different_bodies_that_do_not_parse_as_a_form_are_different_requests(make_user, content_type):
    """A multipart body that holds no field (garbage, or no boundary to split it
    by) is no form to compare: two of them under one key are 422 unless they are
    the same bytes (without a boundary) or the same length (with one)."""
    u = make_user("idg")
    key = {**u.headers, "Idempotency-Key": unique("garbage")}
    first = u.client.post("/api/v1/media", headers=key, content_type=content_type, data=b"not a form at all")
    assert first.status_code == 422 and first.get_json()["type"].endswith("/validation-failed")
    other = b"not a form either!!" if "boundary" in content_type else b"not a form at ALL"  # same length
    second = u.client.post("/api/v1/media", headers=key, content_type=content_type, data=other)
    assert second.status_code == 422 and second.get_json()["type"].endswith("/idempotency-key-reused")


def test_a_url_encoded_form_with_a_key_reaches_the_view(app_config):
    """The raw-body fingerprint keeps the body for the view (``get_data(cache=True)``):
    reading it without caching would leave the view an empty form."""
    with extra_app(app_config) as other:
        @other.route("/api/v1/_form", methods=["POST"])
        def form():
            return {"form": request.form.to_dict()}, 201

        c = other.test_client()
        key = {"Idempotency-Key": unique("form")}
        r = c.post("/api/v1/_form", data={"a": "1", "b": "two"}, headers=key)
        assert r.status_code == 201 and r.get_json() == {"form": {"a": "1", "b": "two"}}
        again = c.post("/api/v1/_form", data={"a": "1", "b": "two"}, headers=key)
        assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == r.get_json()


def test_a_view_reading_an_uploaded_file_gets_it_whole_after_the_fingerprint(app_config):
    """The fingerprint reads every uploaded file to digest it, then rewinds it: a
    view that reads the file as it is handed over (``read()``, no ``seek``) gets
    every byte, and a retry with a new boundary gets the first answer."""
    import hashlib

    data = bytes(range(256)) * 40
    with extra_app(app_config) as other:
        @other.route("/api/v1/_upload", methods=["POST"])
        def upload():
            got = request.files["file"].read()
            return {"bytes": len(got), "sha256": hashlib.sha256(got).hexdigest()}, 201

        c = other.test_client()
        key = {"Idempotency-Key": unique("whole")}
        r = c.post("/api/v1/_upload", headers=key, content_type="multipart/form-data; boundary=one",
                   data=_multipart("one", [("file", "d.bin", "application/octet-stream", data)]))
        assert r.status_code == 201 and r.get_json() == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        again = c.post("/api/v1/_upload", headers=key, content_type="multipart/form-data; boundary=two!",
                       data=_multipart("two!", [("file", "d.bin", "application/octet-stream", data)]))
        assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == r.get_json()
