"""Mastodon's error shape for everything under the Mastodon API.

Mastodon answers errors as ``{"error": "<text>"}`` (sometimes with
``error_description``, and ``details`` for a 422), with the status of the
failure (https://docs.joinmastodon.org/entities/Error/). Here every failure
of a Mastodon request leaves in that shape, never as problem+json and never
as a 500 page:

- our domain errors (:mod:`socialgraph.core.errors`) keep their status, and
  their ``detail`` becomes ``error`` (422 adds ``details`` per field, as
  Mastodon's validation errors do: ``{field: [{error, description}]}``);
- werkzeug's HTTP errors (404 for an unknown path, 405, 413, 429 from the
  limiter) keep their status, with Mastodon's wording;
- a store that does not answer -> 503 with ``Retry-After``; a lost race ->
  409; anything else -> 500 ``{"error": "internal error"}``, logged.

The handlers are registered on the Mastodon blueprints, so they also catch
what the app's ``before_request`` hooks raise for these requests (rate
limits, malformed JSON, request size); unknown paths under the mount are
routed to a catch-all view that raises 404 (see :mod:`socialgraph.mastodon`).
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from socialgraph.core import errors
from socialgraph.core.errors import DomainError
from socialgraph.http.web import RETRY_AFTER_SECONDS, is_mongo_write_conflict, race_error_types, store_error_types

log = logging.getLogger(__name__)

#: Mastodon's own wording for common statuses
MESSAGES = {
    401: "The access token is invalid",
    403: "This action is outside the authorized scopes",
    404: "Record not found",
    405: "Method not allowed",
    410: "Gone",
    413: "Request entity too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    503: "Service unavailable",
}


class ScopeMissing(errors.Forbidden):
    """The token lacks the scope this endpoint needs (403)."""

    slug = "insufficient-scope"
    title = "Insufficient scope"


class UserRequired(DomainError):
    """An application token (client credentials) where a user is needed (422, Mastodon's answer)."""

    status = 422
    slug = "user-required"
    title = "This method requires an authenticated user"


def error_response(status: int, message: str, headers: dict | None = None, **extra):
    """``{"error": message, ...extra}`` with ``status`` (and ``headers``)."""
    resp = jsonify({"error": message, **extra})
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status == 401:
        resp.headers.setdefault("WWW-Authenticate", 'Bearer realm="socialgraph", error="invalid_token"')
    return resp


def _details(exc: DomainError) -> dict | None:
    if not exc.errors:
        return None
    out: dict[str, list] = {}
    for item in exc.errors:
        field = str(item.get("field") or "_body")
        out.setdefault(field, []).append({"error": "ERR_INVALID", "description": str(item.get("message", ""))})
    return out


def domain_error(exc: DomainError):
    """A domain error in Mastodon's shape (its status kept)."""
    headers = dict(getattr(exc, "headers", None) or {})
    message = exc.detail or MESSAGES.get(exc.status, exc.title)
    if isinstance(exc, errors.ValidationFailed):
        message = f"Validation failed: {message}"
        details = _details(exc)
        return error_response(422, message, headers, **({"details": details} if details else {}))
    return error_response(exc.status, message, headers)


def http_error(exc: HTTPException):
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if code == 400 and data.get("messages"):
        return error_response(400, "the request body is not valid JSON")
    if code in (404, 405):
        return error_response(code, MESSAGES[code])
    message = MESSAGES.get(code) if code in (413, 429) else (exc.description or MESSAGES.get(code) or exc.name)
    headers = {}
    if code == 405:
        headers = {k: v for k, v in exc.get_headers() if k == "Allow"}
    return error_response(code, message, headers)


def install(bp: Blueprint) -> None:
    """Register the Mastodon error handlers on ``bp``."""
    store_errors = store_error_types()
    race_errors = race_error_types()

    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(HTTPException, http_error)

    @bp.errorhandler(Exception)
    def _any(exc: Exception):
        if isinstance(exc, DomainError):
            return domain_error(exc)
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if isinstance(exc, store_errors):
            log.warning("store unavailable on %s %s: %s", request.method, request.path, exc)
            return error_response(503, "a data store is not answering; try again shortly",
                                  {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if isinstance(exc, race_errors) or is_mongo_write_conflict(exc):
            return error_response(409, "another change to this resource happened at the same time; try again",
                                  {"Retry-After": "1"})
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal error; it has been logged")
