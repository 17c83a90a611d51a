"""``Idempotency-Key`` on POST requests (IETF draft-ietf-httpapi-idempotency-key-header).

A client that may retry a POST sends ``Idempotency-Key: <opaque string,
1..255 printable characters>``. The first request with a key runs and its
response (status, body, ``Content-Type``, ``Location``) is kept in Redis for
``SG_IDEMPOTENCY_SECONDS`` (one hour) under ``sg:idem:<caller>:<sha256(key)>``,
where the caller is the account (valid access token) or the client IP.
Then, per the draft (section 2.6/2.7):

- the same key with the same request (method, path, body) -> the first
  response again, with ``Idempotent-Replayed: true``; nothing runs twice;
  a ``multipart/form-data`` body counts as the same when its *content* is
  (see :func:`_multipart_digest`): a client's retry picks a new boundary;
- the same key with a different request -> 422 ``/problems/idempotency-key-reused``;
- the same key while the first request is still running -> 409
  ``/problems/idempotency-key-in-use``;
- a malformed key -> 400.

Responses with a 5xx status (e.g. a store outage, 503) or 429 are not kept,
so the client's retry really runs again. If Redis is away, a request that
carries a key is answered 503: the guarantee cannot be given.
"""
from __future__ import annotations

import hashlib
import json
import logging

from flask import Flask, Response, current_app, g, request

from socialgraph import stores
from socialgraph.core import errors
from socialgraph.core.errors import Conflict, MalformedRequest, ValidationFailed
from socialgraph.http.limits import caller_key

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY = "sg:idem:{caller}:{key}"
MAX_KEY = 255


class IdempotencyKeyReused(ValidationFailed):
    """The ``Idempotency-Key`` was already used for a different request (422)."""

    slug = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"


class IdempotencyKeyInUse(Conflict):
    """A request with this ``Idempotency-Key`` is still being processed (409)."""

    slug = "idempotency-key-in-use"
    title = "Idempotency key in use"


#: bytes read at a time when digesting an uploaded file
CHUNK = 64 * 1024


def _fingerprint() -> str:
    """sha256 hex of the method, the path and the body: the raw bytes, or for a
    ``multipart/form-data`` body with a boundary its parsed content."""
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(b"\0" + request.path.encode() + b"\0")
    if request.mimetype == "multipart/form-data" and request.mimetype_params.get("boundary"):
        h.update(b"multipart\0" + _multipart_digest())
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def _file_digest(f) -> str:
    """sha256 hex of an uploaded file's bytes, read in :data:`CHUNK` pieces from
    werkzeug's spooled file (no second copy in memory); rewound for the view."""
    h = hashlib.sha256()
    f.stream.seek(0)
    for chunk in iter(lambda: f.stream.read(CHUNK), b""):
        h.update(chunk)
    f.stream.seek(0)
    return h.hexdigest()


def _multipart_digest() -> bytes:
    """What a multipart form says, without its boundary: each field name (in any
    order) with its values in order; each file field with the filename, content
    type and sha256 of every file sent under it, in order. The form is parsed
    here (werkzeug, under the request's ``max_content_length``: 413 beyond) and
    the view reads the same parsed ``request.form``/``request.files``. A body
    that does not parse holds no field: it is told apart by its length only."""
    content = {
        "fields": {name: values for name, values in request.form.lists()},
        "files": {name: [[f.filename, f.content_type, _file_digest(f)] for f in files]
                  for name, files in request.files.lists()},
    }
    if not content["fields"] and not content["files"]:
        content["length"] = request.content_length
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def before() -> Response | None:
    """Claim the key or answer from the stored response (``before_request``)."""
    if request.method != "POST":
        return None
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_KEY or not raw.isprintable():
        raise MalformedRequest("Idempotency-Key must be 1 to 255 printable characters",
                               errors=[{"field": HEADER, "message": "invalid", "in": "header"}])

    key = KEY.format(caller=caller_key(), key=hashlib.sha256(raw.encode()).hexdigest())
    fp = _fingerprint()
    r = stores.cache()
    ttl = current_app.config["IDEMPOTENCY_SECONDS"]
    if r.set(key, json.dumps({"state": "processing", "fp": fp}), nx=True, ex=ttl):
        g.idempotency_key, g.idempotency_fp = key, fp
        return None
    stored = r.get(key)
    if stored is None:  # expired between the two calls: run it
        g.idempotency_key, g.idempotency_fp = key, fp
        r.set(key, json.dumps({"state": "processing", "fp": fp}), ex=ttl)
        return None
    data = json.loads(stored)
    if data.get("fp") != fp:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request",
                                   errors=[{"field": HEADER, "message": "reused with a different request",
                                            "in": "header"}])
    if data.get("state") == "processing":
        raise IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed")
    resp = Response(data["body"].encode(), status=data["status"], mimetype=None,
                    content_type=data.get("content_type"))
    if data.get("location"):
        resp.headers["Location"] = data["location"]
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def after(response: Response) -> Response:
    """Keep the first response under the claimed key (``after_request``)."""
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    fp = g.pop("idempotency_fp")  # as claimed: the view may have consumed the uploaded files
    try:
        r = stores.cache()
        if response.status_code >= 500 or response.status_code == 429:
            r.delete(key)
        else:
            r.set(key, json.dumps({
                "state": "done", "fp": fp, "status": response.status_code,
                "body": response.get_data(as_text=True), "content_type": response.content_type,
                "location": response.headers.get("Location"),
            }), ex=current_app.config["IDEMPOTENCY_SECONDS"])
    except Exception as exc:  # the response stands; the key expires by its TTL
        log.warning("could not store idempotent response: %s", exc)
    return response


def init_idempotency(app: Flask) -> None:
    errors.PROBLEM_TYPES.setdefault(IdempotencyKeyReused.slug, IdempotencyKeyReused)
    errors.PROBLEM_TYPES.setdefault(IdempotencyKeyInUse.slug, IdempotencyKeyInUse)
    app.before_request(before)
    app.after_request(after)
