"""The domain exception hierarchy and its RFC 9457 problem details.

Services raise these; ``socialgraph.app`` maps them (and framework and
store errors) to ``application/problem+json`` responses. Each class has a
stable ``type`` (``/problems/<slug>``, relative to the API's base URL),
an HTTP ``status`` and a human ``title``.

Reference: RFC 9457, "Problem Details for HTTP APIs" (2023).
"""
from __future__ import annotations

PROBLEM_BASE = "/problems/"


class DomainError(Exception):
    """Base of all expected failures. ``detail`` is safe to show to clients."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, errors: list[dict] | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self, instance: str | None = None) -> dict:
        """The problem details object: type, title, status, detail, instance, errors."""
        body = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    """Input is well-formed but invalid. ``errors``: ``[{"field", "message"}]``."""

    status = 422
    slug = "validation-failed"
    title = "Validation failed"


class MalformedRequest(DomainError):
    status = 400
    slug = "malformed-request"
    title = "Malformed request"


class AuthenticationRequired(DomainError):
    status = 401
    slug = "authentication-required"
    title = "Authentication required"


class InvalidCredentials(DomainError):
    status = 401
    slug = "invalid-credentials"
    title = "Invalid credentials"


class InvalidToken(DomainError):
    status = 401
    slug = "invalid-token"
    title = "Invalid or expired token"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class EmailUnverified(Forbidden):
    """The account's email address is not verified yet: until it is, the
    account may log in, verify, resend the verification mail, edit its
    profile, manage its own security and read; everything else is refused."""

    slug = "email-unverified"
    title = "Email address not verified"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(DomainError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UriTooLong(DomainError):
    status = 414
    slug = "uri-too-long"
    title = "URI too long"


class HeadersTooLarge(DomainError):
    status = 431
    slug = "headers-too-large"
    title = "Request header fields too large"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(DomainError):
    """Too many requests; ``Retry-After`` (seconds) says when to try again."""

    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **extra):
        super().__init__(detail, **extra)
        self.headers = {"Retry-After": str(max(1, int(retry_after)))} if retry_after else {}


class StoreUnavailable(DomainError):
    """A backing store (graph, documents, objects, cache) did not answer."""

    status = 503
    slug = "store-unavailable"
    title = "Service temporarily unavailable"


#: slug -> class, for the ``/problems/<slug>`` documentation endpoint.
PROBLEM_TYPES = {cls.slug: cls for cls in (
    DomainError, ValidationFailed, MalformedRequest, AuthenticationRequired, InvalidCredentials,
    InvalidToken, Forbidden, EmailUnverified, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge, UriTooLong, HeadersTooLarge,
    UnsupportedMediaType, RateLimited, StoreUnavailable,
)}
