"""Request parameters and ``Link``-header paging as Mastodon clients use them.

**Parameters.** Mastodon clients send parameters as a query string, a form
(``application/x-www-form-urlencoded`` or ``multipart/form-data``) or JSON,
and arrays as ``name[]=a&name[]=b``. :func:`param`, :func:`param_list` and
:func:`param_bool` read all of those the same way; a bad value raises
:class:`~socialgraph.core.errors.ValidationFailed` (422 in Mastodon's shape).

**Paging** (https://docs.joinmastodon.org/api/guidelines/#pagination): a
list answer carries ``Link: <...?max_id=X>; rel="next", <...?min_id=Y>;
rel="prev"``; clients follow those URLs and treat the ids as opaque. Where
the service pages by a cursor of ours (keyset on (time, uid) and the like),
the cursor *is* the id: :func:`opaque` turns it into URL-safe characters
only (Mastodon.py copies ``max_id`` out of the ``Link`` URL without decoding
it, so a ``%`` escape would be sent twice encoded), :func:`unopaque` turns
it back. Ids that are already plain (status and notification ids) pass
through unchanged.
"""
from __future__ import annotations

import base64
import re
from urllib.parse import urlencode

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from socialgraph.core.errors import MalformedRequest, ValidationFailed
from socialgraph.mastodon.dispatch import public_base, public_path

PAGING_PARAMS = ("max_id", "since_id", "min_id", "limit", "offset")
_PLAIN = re.compile(r"^[A-Za-z0-9_\-.~]{1,200}$")
_OPAQUE_MARK = "c."


def _json_body() -> dict:
    """The JSON object of the body (``{}`` for none). Raises
    :class:`MalformedRequest` (400) for a body that is not JSON or not an object."""
    if request.mimetype != "application/json" or not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest("the request body is not a JSON object")
    return data


def param(name: str, default=None):
    """One parameter from the query, the form or the JSON body (first found)."""
    for source in (request.args, request.form):
        if name in source:
            return source.get(name)
    body = _json_body()
    return body.get(name, default) if name in body else default


def param_str(name: str, default: str | None = None, max_length: int = 10000) -> str | None:
    """A text parameter (a number in JSON is taken as its text). Raises
    :class:`ValidationFailed` for a list, an object or an over-long text."""
    value = param(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationFailed(f"{name} must be a string", errors=[{"field": name, "message": "not a string"}])
    value = str(value)
    if len(value) > max_length:
        raise ValidationFailed(f"{name} is too long", errors=[{"field": name,
                                                              "message": f"at most {max_length} characters"}])
    return value


def param_list(name: str) -> list:
    """An array parameter: ``name[]`` (repeated), ``name`` (repeated) or a JSON list."""
    for source in (request.args, request.form):
        values = source.getlist(f"{name}[]") or source.getlist(name)
        if values:
            return values
    value = _json_body().get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def param_bool(name: str, default: bool | None = None) -> bool | None:
    """A boolean parameter (``true``/``1``/``on`` or a JSON boolean)."""
    value = param(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes"):
        return True
    if text in ("false", "0", "off", "no"):
        return False
    raise ValidationFailed(f"{name} must be a boolean", errors=[{"field": name, "message": "not a boolean"}])


def param_int(name: str, default: int | None = None, minimum: int | None = None,
              maximum: int | None = None) -> int | None:
    """An integer parameter, clamped to [``minimum``, ``maximum``]."""
    value = param(name)
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"{name} must be an integer", errors=[{"field": name, "message": "not an integer"}])
    if minimum is not None:
        number = max(minimum, number)
    if maximum is not None:
        number = min(maximum, number)
    return number


def page_args(default_limit: int = 20, max_limit: int = 40) -> dict:
    """``{limit, max_id, since_id, min_id}`` of the request (ids as strings or ``None``;
    ``limit`` clamped to 1..``max_limit``, Mastodon's default 20 / maximum 40)."""
    out = {"limit": param_int("limit", default_limit, 1, max_limit)}
    for key in ("max_id", "since_id", "min_id"):
        value = param(key)
        if value is None or value == "":
            out[key] = None
            continue
        value = str(value)
        if len(value) > 400:
            raise ValidationFailed(f"{key} is too long", errors=[{"field": key, "message": "at most 400 characters"}])
        out[key] = value
    return out


def opaque(cursor: str | None) -> str | None:
    """A cursor of ours as a URL-safe id (unchanged if it already is one)."""
    if cursor is None:
        return None
    cursor = str(cursor)
    if _PLAIN.match(cursor) and not cursor.startswith(_OPAQUE_MARK):
        return cursor
    return _OPAQUE_MARK + base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=")


def unopaque(value: str | None) -> str | None:
    """The cursor behind an id made by :func:`opaque` (a plain id unchanged).
    Raises :class:`ValidationFailed` for a damaged one."""
    if value is None or not value.startswith(_OPAQUE_MARK):
        return value
    raw = value[len(_OPAQUE_MARK):]
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("the paging id is not valid", errors=[{"field": "max_id", "message": "not valid"}])


def page_url(**changes) -> str:
    """This request's public URL with the paging parameters replaced by ``changes``."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in PAGING_PARAMS
                      and k != "access_token"])
    for key, value in changes.items():
        if value is not None:
            args[key] = str(value)
    query = urlencode(list(args.items(multi=True)))
    return f"{public_base()}{public_path()}" + (f"?{query}" if query else "")


def link_header(next_max_id: str | None = None, prev_min_id: str | None = None, *,
                next_params: dict | None = None, prev_params: dict | None = None) -> str | None:
    """``Link`` value with ``rel="next"`` (older: ``max_id``) and ``rel="prev"``
    (newer: ``min_id``), or ``None`` when there is neither. ``next_params`` /
    ``prev_params`` replace the id form (offset paging: ``{"offset": 40}``)."""
    limit = request.args.get("limit")
    parts = []
    if next_max_id is not None or next_params:
        extra = next_params or {"max_id": next_max_id}
        parts.append(f'<{page_url(limit=limit, **extra)}>; rel="next"')
    if prev_min_id is not None or prev_params:
        extra = prev_params or {"min_id": prev_min_id}
        parts.append(f'<{page_url(limit=limit, **extra)}>; rel="prev"')
    return ", ".join(parts) or None


def paged(items: list, next_max_id: str | None = None, prev_min_id: str | None = None, **link_kw):
    """A JSON array answer with its ``Link`` header (see :func:`link_header`)."""
    resp = jsonify(items)
    link = link_header(next_max_id, prev_min_id, **link_kw)
    if link:
        resp.headers["Link"] = link
    return resp
