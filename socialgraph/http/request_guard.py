"""Hostile requests, refused before any view or parser sees them.

**Sizes** (:func:`check_request_size`): a request line longer than
:data:`MAX_URI_CHARS` answers 414 ``uri-too-long``, a header field longer
than :data:`MAX_HEADER_FIELD_BYTES` or more than :data:`MAX_HEADER_FIELDS`
fields 431 ``headers-too-large``, both as problem+json. gunicorn's own
limits (``gunicorn.conf.py``) sit above these, so the app answers first;
only what exceeds gunicorn's hard maximum (8,190-byte request line) gets
gunicorn's plain-text 400/414 page.

**JSON bodies**:

Python's ``json`` accepts two things our stores cannot take and would turn
into a 500 further down:

- a lone UTF-16 surrogate escape (``"\\ud800"``): a valid JSON string that is
  not valid Unicode text, so BSON (MongoDB) and Bolt (the graph) cannot
  encode it;
- deep nesting (``[[[[...]]]]`` 100,000 levels): the parser or any
  recursive walk over the value runs out of stack (``RecursionError``).

:func:`check_request_json` (a ``before_request`` hook) parses a JSON body
once and answers 400 ``malformed-request`` for either, or for invalid
UTF-8. RFC 8259 §8.2 leaves unpaired surrogates to the implementation;
RFC 7493 (I-JSON) §2.1 forbids them, which is what we follow. Our bodies
are flat: :data:`MAX_DEPTH` levels of objects/arrays are plenty.

**Body size**: every body is limited to ``SG_MAX_REQUEST_BYTES``
(``MAX_CONTENT_LENGTH``, 413 beyond); an upload view raises its own limit
with :func:`body_limit`, and :func:`apply_body_limit` (a ``before_request``
hook, first of all) sets it *before* any hook reads the body — the
``Idempotency-Key`` fingerprint parses a multipart body before the view runs.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from flask import current_app, request

from socialgraph.core.errors import HeadersTooLarge, MalformedRequest, UriTooLong

#: Deepest nesting of arrays/objects accepted in a request body.
MAX_DEPTH = 32
#: Longest path + query accepted (characters); gunicorn's limit_request_line is 8190.
MAX_URI_CHARS = 4096
#: Longest single header field (name + value, bytes); gunicorn's limit_request_field_size is 16380.
MAX_HEADER_FIELD_BYTES = 8190
#: Most header fields accepted; gunicorn's limit_request_fields is 200.
MAX_HEADER_FIELDS = 100


def body_limit(limit: Callable[[Mapping], int]):
    """Mark a view as taking bodies of up to ``limit(app.config)`` bytes instead of
    ``MAX_CONTENT_LENGTH``. Put it right above ``def`` (the decorators above copy
    the mark with ``functools.wraps``); :func:`apply_body_limit` applies it."""
    def mark(view):
        view.max_body_bytes = limit
        return view
    return mark


def apply_body_limit() -> None:
    """``before_request``: the matched view's :func:`body_limit`, if it has one, as
    ``request.max_content_length`` (werkzeug answers 413 beyond it when the body is read)."""
    limit = getattr(current_app.view_functions.get(request.endpoint), "max_body_bytes", None)
    if limit is not None:
        request.max_content_length = limit(current_app.config)


def check_request_size() -> None:
    """``before_request``: 414/431 problem+json for an over-long URI or header.

    The header fields are counted and measured from the WSGI environ, as
    werkzeug's ``request.headers`` lists them (``HTTP_*`` but the two that
    duplicate ``CONTENT_TYPE`` / ``CONTENT_LENGTH``, and those two when not
    empty); a field's name is as long as its environ key without ``HTTP_``
    (issue 22: the same figures without building every header's name)."""
    env = request.environ
    uri = env.get("RAW_URI") or env.get("REQUEST_URI") or request.full_path
    if len(uri) > MAX_URI_CHARS:
        raise UriTooLong(f"the request URI is longer than {MAX_URI_CHARS} characters")
    fields, too_long = 0, None
    for key, value in env.items():
        if key.startswith("HTTP_"):
            if key in _DUPLICATES:
                continue
            name_len = len(key) - 5
        elif key in _BODY_FIELDS and value:
            name_len = len(key)
        else:
            continue
        fields += 1
        if too_long is None and name_len + len(value) > MAX_HEADER_FIELD_BYTES:
            too_long = key[5:] if key.startswith("HTTP_") else key
    if fields > MAX_HEADER_FIELDS:
        raise HeadersTooLarge(f"more than {MAX_HEADER_FIELDS} header fields")
    if too_long is not None:
        raise HeadersTooLarge(f"the {too_long.replace('_', '-').title()} header is longer than "
                              f"{MAX_HEADER_FIELD_BYTES} bytes")


#: environ keys werkzeug's ``EnvironHeaders`` skips (the CGI keys stand for them) and the CGI keys it lists
_DUPLICATES = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})
_BODY_FIELDS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


def _first_problem(value) -> str | None:
    """Why ``value`` (parsed JSON) is refused, or ``None``; iterative, no recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return "a string holds an unpaired surrogate (not valid Unicode)"
        elif isinstance(item, (list, dict)):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            if isinstance(item, dict):
                for k, v in item.items():
                    if not _is_text(k):
                        return "a key holds an unpaired surrogate (not valid Unicode)"
                    stack.append((v, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)
    return None


def _is_text(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def parse_strict(raw: bytes):
    """Parse ``raw`` as I-JSON; raises :class:`MalformedRequest` (400)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise MalformedRequest("the request body is nested too deeply",
                               errors=[{"field": "_body", "message": f"at most {MAX_DEPTH} levels"}])
    except (UnicodeDecodeError, ValueError):
        return None  # not JSON: webargs answers it (400 malformed-request) as before
    problem = _first_problem(value)
    if problem:
        raise MalformedRequest(f"the request body is not acceptable JSON: {problem}",
                               errors=[{"field": "_body", "message": problem}])
    return value


def check_request_json() -> None:
    """``before_request``: refuse a JSON body with a lone surrogate or too deep."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return
    raw = request.get_data(cache=True)
    if raw:
        parse_strict(raw)
