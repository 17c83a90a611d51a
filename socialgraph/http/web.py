"""HTTP plumbing shared by every blueprint: JWT, OpenAPI, problem responses.

Every error leaves as ``application/problem+json`` (RFC 9457):

- :class:`~socialgraph.core.errors.DomainError` subclasses with their own status;
- request validation (webargs/marshmallow) -> 422 ``validation-failed`` with
  ``errors: [{field, message}]``; malformed JSON -> 400 ``malformed-request``;
- JWT problems -> 401 ``authentication-required`` / ``invalid-token``;
- a store that does not answer (Bolt, MongoDB, S3, Redis) -> 503
  ``store-unavailable`` with ``Retry-After``;
- a write that still lost a race after the store's retries (a graph
  deadlock or concurrent modification, a MongoDB write conflict) -> 409
  ``conflict`` with ``Retry-After`` (services turn the races they expect
  into :class:`~socialgraph.core.errors.Conflict` themselves; this catches
  the rest);
- anything else -> 500 ``internal-error``, logged with its traceback, which
  the client never sees.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_jwt_extended import JWTManager
from flask_jwt_extended import view_decorators as _jwt_views
from flask_jwt_extended.config import config as jwt_config
from flask_smorest.arguments import ArgumentsMixin
from marshmallow import Schema, fields as ma_fields, validate as ma_validate
from werkzeug.exceptions import HTTPException

from socialgraph.accounts import sessions
from socialgraph.accounts.sessions import is_token_revoked
from socialgraph.core import errors
from socialgraph.core.errors import DomainError, StoreUnavailable
from socialgraph.http.docs_assets import assets_url, init_docs_assets
from socialgraph.http.request_guard import apply_body_limit, check_request_json, check_request_size
from socialgraph.http.openapi_problems import ProblemApi as Api

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5


def problem_response(problem: dict, status: int, headers: dict | None = None):
    resp = jsonify(problem)
    resp.status_code = status
    resp.mimetype = PROBLEM_MIMETYPE
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _domain(exc: DomainError, headers: dict | None = None):
    return problem_response(exc.to_problem(instance=request.path), exc.status, headers)


def store_error_types() -> tuple[type, ...]:
    """Exception classes that mean "a store is away" (answered with 503)."""
    import neo4j.exceptions as neo
    import pymongo.errors as mongo
    import redis.exceptions as red
    import urllib3.exceptions as http

    return (
        neo.ServiceUnavailable, neo.SessionExpired, neo.DatabaseUnavailable,
        neo.AuthError,  # the graph server restarted and refused even a fresh driver (GraphStore reconnects)
        neo.DatabaseNotFound if hasattr(neo, "DatabaseNotFound") else neo.ServiceUnavailable,
        mongo.ConnectionFailure, mongo.ServerSelectionTimeoutError, mongo.ExecutionTimeout,
        mongo.WaitQueueTimeoutError,
        red.ConnectionError, red.TimeoutError, red.BusyLoadingError,
        red.ClusterDownError, red.SlotNotCoveredError,  # a Redis Cluster without a quorum or a slot's node
        http.MaxRetryError, http.ProtocolError, http.NewConnectionError,
        ConnectionError, TimeoutError,
    )


def _is_cluster_unreachable(exc: Exception) -> bool:
    """redis-py's ``RedisClusterException`` (not a ``RedisError``) when no node of a Redis
    Cluster answers; the same class also reports programming errors (CROSSSLOT), kept 500."""
    from redis.exceptions import RedisClusterException

    return isinstance(exc, RedisClusterException) and "cannot be connected" in str(exc)


def race_error_types() -> tuple[type, ...]:
    """Exception classes that mean "lost a race after retries" (answered with 409)."""
    import neo4j.exceptions as neo

    return (neo.TransientError,)


def _is_mongo_write_conflict(exc: Exception) -> bool:
    """A MongoDB write conflict or transient transaction error (error code 112,
    or the ``TransientTransactionError`` label)."""
    import pymongo.errors as mongo

    if not isinstance(exc, mongo.PyMongoError):
        return False
    if getattr(exc, "code", None) == 112:
        return True
    has_label = getattr(exc, "has_error_label", None)
    return bool(has_label and has_label("TransientTransactionError"))


def is_mongo_write_conflict(exc: Exception) -> bool:
    """Public name of :func:`_is_mongo_write_conflict` (the Mastodon API's error handler uses it)."""
    return _is_mongo_write_conflict(exc)


def _field_errors(messages) -> list[dict]:
    """webargs ``{"json": {"field": ["msg"]}}`` -> ``[{"field", "message", "in"}]``."""
    out = []

    def walk(prefix, value, location):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v, location)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            for msg in value:
                out.append({"field": prefix or "_body", "message": msg, "in": location})
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), v, location)
        else:
            out.append({"field": prefix or "_body", "message": str(value), "in": location})

    for location, value in (messages or {}).items():
        walk("", value, location)
    return out


def register_problem_handlers(app: Flask) -> None:
    store_errors = store_error_types()

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        return _domain(exc, getattr(exc, "headers", None))

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        code = exc.code or 500
        if code == 422 and messages:
            return _domain(errors.ValidationFailed("the request has invalid fields",
                                                   errors=_field_errors(messages)))
        if code == 400:
            detail = "the request body is not valid JSON" if messages else (exc.description or "bad request")
            return _domain(errors.MalformedRequest(detail, errors=_field_errors(messages) or None))
        mapping = {401: errors.AuthenticationRequired, 403: errors.Forbidden, 404: errors.NotFound,
                   405: errors.MethodNotAllowed, 409: errors.Conflict, 413: errors.PayloadTooLarge,
                   415: errors.UnsupportedMediaType, 429: errors.RateLimited}
        cls = mapping.get(code)
        if cls is not None:
            detail = exc.description if cls is not errors.NotFound else "no such resource"
            headers = dict(exc.get_headers()) if code == 405 else {}
            headers.pop("Content-Type", None)
            return _domain(cls(detail), headers)
        problem = {"type": errors.PROBLEM_BASE + f"http-{code}", "title": exc.name, "status": code,
                   "detail": exc.description, "instance": request.path}
        return problem_response(problem, code)

    race_errors = race_error_types()

    @app.errorhandler(Exception)
    def handle_any(exc: Exception):
        if isinstance(exc, store_errors) or _is_cluster_unreachable(exc):
            log.warning("store unavailable on %s %s: %s: %s", request.method, request.path,
                        type(exc).__name__, exc)
            return _domain(StoreUnavailable("a data store is not answering; try again shortly"),
                           {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if isinstance(exc, race_errors) or _is_mongo_write_conflict(exc):
            log.info("lost a race on %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
            return _domain(errors.Conflict("another change to this resource happened at the same time; "
                                           "try again"), {"Retry-After": "1"})
        log.exception("unhandled error on %s %s", request.method, request.path)
        problem = {"type": errors.PROBLEM_BASE + "internal-error", "title": "Internal server error",
                   "status": 500, "detail": "an unexpected error occurred; it has been logged",
                   "instance": request.path}
        return problem_response(problem, 500)


def _plain_token_reason(reason: str) -> str:
    """A JWT decoder's reason in plain words, without library internals
    (``'utf-8' codec can't decode byte 0xb7`` and the like never reach a client)."""
    text = (reason or "").lower()
    if "signature" in text:
        return "the token's signature does not match: it was altered or issued elsewhere"
    if "segments" in text or "header" in text or "padding" in text or "decode" in text or "codec" in text:
        return "the token is malformed: send the access token exactly as it was issued"
    if "refresh" in text or "access" in text:
        return "this kind of token is not accepted here (use the access token; the refresh token only at /auth/refresh)"
    if "subject" in text or "claim" in text:
        return "the token lacks a required claim"
    return "the token is not valid"


class VerifiedTokens(JWTManager):
    """flask-jwt-extended's manager that remembers the tokens whose signature
    and claims it has verified (issue 22).

    Verifying a token costs about 0.25 ms of CPU per request: flask-jwt-extended
    decodes it twice (unverified, then verified) and PyJWT checks every
    base64url character in Python. A token is immutable and HMAC verification
    deterministic, so an exact token string verified once by this manager (this
    app's secret, algorithms, issuer and audience) verifies again; what can
    change is time, so ``exp`` and ``nbf`` are checked on every use with the
    configured leeway, and an expired token goes back through the library
    (which raises as before). Revocation is not cached here: the blocklist
    loader runs on every request. At most :data:`MAX_TOKENS` tokens are kept
    (the whole memo is dropped when full). Calls with a CSRF value or
    ``allow_expired`` are not memoised.
    """

    MAX_TOKENS = 20_000

    def __init__(self, app=None, **kwargs):
        self._verified: dict[str, dict] = {}
        super().__init__(app, **kwargs)

    def _decode_jwt_from_config(self, encoded_token, csrf_value=None, allow_expired=False):
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        hit = self._verified.get(encoded_token)
        if hit is not None:
            now, leeway = time.time(), jwt_config.leeway
            leeway = leeway.total_seconds() if hasattr(leeway, "total_seconds") else leeway
            exp, nbf = hit.get("exp"), hit.get("nbf")
            if (exp is None or now <= exp + leeway) and (nbf is None or now >= nbf - leeway):
                return dict(hit)
        payload = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if len(self._verified) >= self.MAX_TOKENS:
            self._verified = {}
        self._verified[encoded_token] = dict(payload)
        return payload


#: a token's header (JOSE: ``alg``, ``typ``) as decoded without verification,
#: per exact token string: a pure function of the string, asked by
#: flask-jwt-extended after every verified decode (PyJWT's base64url check
#: of each character in Python, ~0.1 ms per request; issue 22)
_HEADERS: dict[str, dict] = {}
_library_headers = _jwt_views.get_unverified_jwt_headers


def remembered_headers(encoded_token: str) -> dict:
    """:func:`flask_jwt_extended.get_unverified_jwt_headers`, memoised per token
    string (at most :data:`VerifiedTokens.MAX_TOKENS`; a copy each time).
    flask-jwt-extended asks it only after the token's verified decode."""
    hit = _HEADERS.get(encoded_token)
    if hit is None:
        hit = _library_headers(encoded_token)
        if len(_HEADERS) >= VerifiedTokens.MAX_TOKENS:
            _HEADERS.clear()
        _HEADERS[encoded_token] = hit
    return dict(hit)


_jwt_views.get_unverified_jwt_headers = remembered_headers


#: the parser every ``@blp.arguments`` of flask-smorest uses (one instance, bound at decoration time)
_PARSER = ArgumentsMixin.ARGUMENTS_PARSER
_library_parse = _PARSER.parse
#: query-string parses remembered: ``(schema, location, unknown, raw query) -> parsed arguments``
_PARSES: dict = {}
_PURE: dict = {}
MAX_PARSES = 4096
#: longer query strings are parsed every time (the memo stays small: at most 4096 x 512 bytes of keys)
MAX_REMEMBERED_QUERY = 512
#: field and validator types whose load is a pure function of the query string
_PURE_FIELDS = frozenset({ma_fields.String, ma_fields.Integer, ma_fields.Boolean, ma_fields.Float})
_PURE_VALIDATORS = frozenset({ma_validate.Length, ma_validate.Range, ma_validate.OneOf, ma_validate.Regexp})
_SCALARS = frozenset({str, int, float, bool})


def _pure_query_schema(schema: Schema) -> bool:
    """Whether loading ``schema`` depends on nothing but its input: no hooks
    (``pre_load``, ``post_load``, ``validates_schema``, ...), only plain
    String / Integer / Boolean / Float fields with constant defaults and
    marshmallow's own validators."""
    known = _PURE.get(schema)
    if known is None:
        hooks = getattr(type(schema), "_hooks", None)
        known = hooks is not None and not any(hooks.values()) and all(
            type(f) in _PURE_FIELDS and not callable(f.load_default)
            and all(type(v) in _PURE_VALIDATORS for v in f.validators)
            for f in schema.fields.values())
        if len(_PURE) >= MAX_PARSES:
            _PURE.clear()
        _PURE[schema] = known
    return known


def remembered_parse(argmap, req=None, **kwargs):
    """webargs' ``parse`` for flask-smorest, with the query-string parses of pure
    schemas (:func:`_pure_query_schema`, passed as instances) remembered per raw
    query string (issue 22: ~40 us of marshmallow and webargs per request for
    ``?limit=20``). A parse that fails is not remembered (it raises each time);
    only answers of plain values (str, int, float, bool, None) are kept, and
    each call gets its own copy. At most :data:`MAX_PARSES` are kept, of query
    strings up to :data:`MAX_REMEMBERED_QUERY` bytes."""
    location = kwargs.get("location")
    query = (req or request).query_string
    if (location in ("query", "querystring") and kwargs.get("validate") is None and len(query) <= MAX_REMEMBERED_QUERY
            and isinstance(argmap, Schema) and _pure_query_schema(argmap)):
        key = (argmap, location, kwargs.get("unknown"), query)
        hit = _PARSES.get(key)
        if hit is not None:
            return dict(hit)
        data = _library_parse(argmap, req, **kwargs)
        if isinstance(data, dict) and all(v is None or type(v) in _SCALARS for v in data.values()):
            if len(_PARSES) >= MAX_PARSES:
                _PARSES.clear()
            _PARSES[key] = dict(data)
        return data
    return _library_parse(argmap, req, **kwargs)


_PARSER.parse = remembered_parse


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the signing serializer built once
    per secret (issue 22). Flask builds an itsdangerous serializer on every
    request to open the session (about a tenth of a ``/ping``'s CPU), though
    the API keeps nothing in it; the serializer is a pure function of the
    secret key, its fallbacks and this interface's settings, so it is kept
    until the secret changes."""

    def __init__(self):
        self._serializer: tuple = (None, None)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        held, serializer = self._serializer
        if held != key:
            serializer = super().get_signing_serializer(app)
            self._serializer = (key, serializer)
        return serializer

    def open_session(self, app, request):
        """Flask's, without parsing an absent ``Cookie`` header (an empty session, as Flask gives)."""
        if "HTTP_COOKIE" not in request.environ and self.get_signing_serializer(app) is not None:
            return self.session_class()
        return super().open_session(app, request)


def init_web(app: Flask) -> None:
    """JWT manager (with the Redis session blocklist) and the OpenAPI ``Api``."""

    app.config.setdefault("JWT_TOKEN_LOCATION", ["headers"])
    app.config.setdefault("JWT_ERROR_MESSAGE_KEY", "detail")
    jwt = VerifiedTokens(app)
    app.session_interface = SessionCookies()
    app.before_request(apply_body_limit)  # an upload view's own body limit, before any hook reads the body
    app.before_request(check_request_size)  # URI and header limits -> 414/431 problem+json
    app.before_request(check_request_json)  # lone surrogates, deep nesting -> 400

    @jwt.token_in_blocklist_loader
    def _revoked(header, payload):
        if sessions.deferred(header, payload):  # the view's own round trip answers it
            return False
        return is_token_revoked(payload)

    def _problem(cls, detail):
        return _domain(cls(detail), {"WWW-Authenticate": 'Bearer realm="socialgraph"'})

    jwt.unauthorized_loader(lambda reason: _problem(errors.AuthenticationRequired,
                                                    "an access token is required (Authorization: Bearer ...)"))
    jwt.invalid_token_loader(lambda reason: _problem(errors.InvalidToken, _plain_token_reason(reason)))
    jwt.expired_token_loader(lambda h, p: _problem(errors.InvalidToken, "the token has expired"))
    jwt.revoked_token_loader(lambda h, p: _problem(errors.InvalidToken, "the token has been revoked"))
    jwt.user_lookup_error_loader(lambda h, p: _problem(errors.InvalidToken, "the account no longer exists"))

    if not app.config.get("OPENAPI_SWAGGER_UI_URL"):
        app.config["OPENAPI_SWAGGER_UI_URL"] = assets_url()
    # fully offline: no badge from Swagger's online validator
    app.config.setdefault("OPENAPI_SWAGGER_UI_CONFIG", {"validatorUrl": None})
    init_docs_assets(app)
    api = Api(app, spec_kwargs={
        "info": {"description": "REST + WebSocket API of the socialgraph social network. Errors are "
                                "application/problem+json (RFC 9457)."},
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                        "bearerFormat": "JWT"})
    app.extensions["openapi"] = api
