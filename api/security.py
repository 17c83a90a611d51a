"""Authentication helpers for views: a decorator that checks the JWT and
documents the bearer requirement in OpenAPI, and the caller's uid."""
from __future__ import annotations

from functools import wraps

from flask_jwt_extended import (
    get_jwt,
    get_jwt_identity,
    jwt_required,
    verify_jwt_in_request,
)

BEARER = [{"bearerAuth": []}]

#: endpoints whose token is optional (documented as such by socialgraph.http.contract)
OPTIONAL_AUTH: set[str] = set()


def auth_required(blp, *, refresh: bool = False, optional: bool = False):
    """Require a valid (unrevoked) access token, or a refresh token with ``refresh``.

    401 problem+json when missing, expired, tampered or revoked.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(refresh=refresh, optional=optional)
            return view(*args, **kwargs)

        if optional:
            OPTIONAL_AUTH.add(f"{blp.name}.{view.__name__}")
        wrapper = blp.doc(security=BEARER)(wrapper)
        return wrapper

    return decorator


def current_uid() -> str | None:
    """uid of the authenticated caller (``None`` for an anonymous optional call)."""
    return get_jwt_identity()


def current_sid() -> str | None:
    return get_jwt().get("sid")


__all__ = ["auth_required", "current_uid", "current_sid", "jwt_required"]
