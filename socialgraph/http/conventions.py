"""HTTP conventions applied to every JSON operation, in one place:

- ``201 Created`` answers carry ``Location``: the URL of the created
  resource (RFC 9110 §10.2.2), from :data:`LOCATIONS` (endpoint -> URL
  template filled from the view arguments and the response body);
- ``GET`` answers carry a strong ``ETag`` (a hash of the body) and answer
  ``304 Not Modified`` to a matching ``If-None-Match`` (RFC 9110 §8.8.3,
  §13.1.2), with ``Vary: Authorization`` because what a viewer sees depends
  on who asks;
- paged answers (a body with ``next_cursor``) carry ``Link: <...>; rel="next"``
  (RFC 8288), the same URL with ``cursor`` set;
- a body sent to an operation that reads JSON with another ``Content-Type``
  is ``415 Unsupported Media Type`` (RFC 9110 §15.5.16) before validation,
  instead of a misleading 422.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Callable

from urllib.parse import quote_plus

import orjson
from flask import Flask, Response, current_app, request
from flask_jwt_extended import get_jwt_identity

from socialgraph.core.errors import UnsupportedMediaType
from socialgraph.graph.people import short_profiles

JSON_TYPES = ("application/json", "application/merge-patch+json")

#: endpoint -> ``builder(view_args, body) -> path`` of the created resource
LOCATIONS: dict[str, Callable[[dict, dict], str | None]] = {
    "auth.register": lambda a, b: f"/api/v1/users/{b.get('username')}",
    "graph.send_friend_request": lambda a, b: "/api/v1/me/friend-requests/outgoing",
    "graph.create_list": lambda a, b: f"/api/v1/me/lists/{b.get('id')}/members",
    "groups.create_group": lambda a, b: f"/api/v1/groups/{b.get('id')}",
    "groups.invite": lambda a, b: f"/api/v1/groups/{a.get('group_id')}/members",
    "groups.create_post": lambda a, b: f"/api/v1/posts/{b.get('id')}",
    "groups.create_event": lambda a, b: f"/api/v1/groups/{a.get('group_id')}/events/{b.get('id')}",
    "media.upload": lambda a, b: f"/api/v1/media/{b.get('id')}",
    "media.start_upload": lambda a, b: f"/api/v1/media/{b.get('id') or b.get('media_id')}",
    "messages.start": lambda a, b: f"/api/v1/conversations/{b.get('id')}",
    "messages.send": lambda a, b: f"/api/v1/conversations/{a.get('conversation_id')}/messages",
    "moderation.report": lambda a, b: "/api/v1/moderation/reports",
    "posts.create_post": lambda a, b: f"/api/v1/posts/{b.get('id')}",
    "posts.share_post": lambda a, b: f"/api/v1/posts/{b.get('id')}",
    "posts.add_comment": lambda a, b: f"/api/v1/posts/{a.get('post_id')}/comments",
    "stories.create_text_story": lambda a, b: f"/api/v1/stories/{b.get('id')}",
    "stories.create_image_story": lambda a, b: f"/api/v1/stories/{b.get('id')}",
    "stories.create_video_story": lambda a, b: f"/api/v1/stories/{b.get('id')}",
    "stories.reply": lambda a, b: f"/api/v1/stories/{a.get('story_id')}",
    "stories.create_highlight": lambda a, b: f"/api/v1/users/{_caller_username()}/highlights",
}


def _caller_username() -> str | None:
    uid = get_jwt_identity()
    return (short_profiles([uid]).get(uid) or {}).get("username") if uid else None


def _json_body(resp: Response) -> dict | None:
    if resp.direct_passthrough or resp.mimetype != "application/json":
        return None
    data = resp.get_json(silent=True)
    return data if isinstance(data, dict) else None


def location_for(endpoint: str | None, view_args: dict, body: dict) -> str | None:
    """The ``Location`` of a 201 answer of ``endpoint``, or ``None`` if unknown."""
    builder = LOCATIONS.get(endpoint or "")
    if builder is None:
        return None
    path = builder(view_args or {}, body or {})
    return None if path is None or "/None" in path else path


def next_link(next_cursor: str) -> str:
    """``<url>; rel="next"``: this request's URL with ``cursor`` replaced (in its
    place among the query's parameters, or last)."""
    items, replaced = [], False
    for key, values in request.args.lists():
        if key == "cursor":
            if not replaced:
                items.append(("cursor", next_cursor))
                replaced = True
        else:
            items.extend((key, v) for v in values)
    if not replaced:
        items.append(("cursor", next_cursor))
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/") or request.host_url.rstrip("/")
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in items)
    return f'<{base}{request.path}?{query}>; rel="next"'


#: what ``quote_plus`` leaves as it is (letters, digits, ``_.-~``): a cursor is base64url
_UNQUOTED = re.compile(r"[A-Za-z0-9_.\-~]*")


def _quote(value: str) -> str:
    """``urllib.parse.quote_plus`` (what ``urlencode`` applies), skipped for a value it leaves unchanged."""
    return value if _UNQUOTED.fullmatch(value) else quote_plus(value)


def _expects_json(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    apidoc = getattr(view, "_apidoc", None) or {}
    for params in (apidoc.get("arguments") or {}).get("parameters", []):
        if params.get("in") == "json" or params.get("location") == "json":
            return True
    return False


def check_content_type() -> None:
    """``before_request``: 415 for a non-JSON body sent to a JSON operation."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    if request.mimetype in JSON_TYPES or not _expects_json(request.endpoint):
        return
    raise UnsupportedMediaType(
        f"this operation reads a JSON body (Content-Type: application/json), not {request.mimetype or 'no type'}")


#: request headers that can make a ``GET`` answer 304 or 412 (what werkzeug's
#: ``make_conditional`` reads; it ignores ``If-Range`` and answers no ranges here)
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE")
_NEXT_CURSOR = b'"next_cursor":'


def _json_object(resp: Response) -> bytes | None:
    """The body of an ``application/json`` answer whose value is an object, else None.
    Our encoder writes valid JSON, so the first character tells an object apart."""
    if resp.direct_passthrough or resp.mimetype != "application/json":
        return None
    data = resp.get_data()
    return data if data.lstrip()[:1] == b"{" else None


def _next_cursor(data: bytes) -> str | None:
    """The top-level ``next_cursor`` of a JSON object body: parsed (orjson) only
    when the key occurs at all (``"next_cursor":`` cannot occur inside a JSON string)."""
    if data.rfind(_NEXT_CURSOR) == -1:
        return None
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:  # what orjson refuses (a lone surrogate, a huge integer)
        try:
            body = json.loads(data)
        except ValueError:
            return None
    value = body.get("next_cursor") if isinstance(body, dict) else None
    return str(value) if value else None


#: the ``Response`` attribute that holds the top-level ``next_cursor`` of its
#: body, set by the code that encoded the body (:func:`json_page_response`)
NEXT_CURSOR_ATTR = "sg_next_cursor"
_UNKNOWN = object()


def json_page_response(body: bytes, next_cursor: str | None) -> Response:
    """A 200 ``application/json`` answer of the already encoded ``body`` (a JSON
    object whose top-level ``next_cursor`` is ``next_cursor``, str or None):
    :func:`apply` writes its ``Link`` from ``next_cursor`` instead of parsing the
    body again (issue 22: ~35 us for a home page of 20 posts); ETag and Vary as
    for every answer."""
    resp = current_app.response_class(body, mimetype="application/json")
    setattr(resp, NEXT_CURSOR_ATTR, next_cursor)
    return resp


def apply(resp: Response) -> Response:
    """``after_request``: Location, Link, ETag / 304 (see the module docstring).

    Cost (issue 22): a 200 body is parsed only when it holds a ``next_cursor``
    key (orjson) and the code that encoded it did not say its cursor
    (:func:`json_page_response`), and werkzeug's conditional processing runs only when the
    request has a conditional header; the answers are the same."""
    status = resp.status_code
    if status == 201 and "Location" not in resp.headers:
        body = _json_body(resp)
        loc = location_for(request.endpoint, request.view_args or {}, body or {})
        if loc:
            resp.headers["Location"] = loc
    if status == 200 and request.method in ("GET", "HEAD"):
        data = _json_object(resp)
        if data is not None:
            cursor = getattr(resp, NEXT_CURSOR_ATTR, _UNKNOWN)
            if cursor is _UNKNOWN:
                cursor = _next_cursor(data)
            if cursor:
                resp.headers.add("Link", next_link(cursor))
        if data is not None or request.endpoint == "api-docs.openapi_json":
            headers = resp.headers
            present = {name.lower() for name, _ in headers}  # a werkzeug lookup that misses raises inside
            if "etag" not in present or not headers.get("ETag"):
                resp.set_etag(hashlib.sha256(resp.get_data()).hexdigest()[:32])
            if "vary" in present:
                resp.vary.add("Authorization")
            else:
                headers.add("Vary", "Authorization")
            environ = request.environ
            if any(name in environ for name in _CONDITIONAL):
                had_date = "date" in present
                resp.make_conditional(request)
                if not had_date:
                    # werkzeug adds a Date here, and the server (gunicorn, werkzeug) adds its own:
                    # two Date headers break clients that parse it (Mastodon.py's rate-limit clock)
                    headers.pop("Date", None)
    return resp


def init_conventions(app: Flask) -> None:
    """Install :func:`check_content_type` and :func:`apply` on ``app``."""
    app.before_request(check_content_type)
    app.after_request(apply)
