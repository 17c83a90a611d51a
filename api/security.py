"""Authentication helpers for views: a decorator that checks the JWT and
documents the bearer requirement in OpenAPI, and the caller's uid.

The decorator is also the one place that holds back accounts whose email
address is not verified yet: they may read (``GET``/``HEAD``/``OPTIONS``)
and call the operations in :data:`UNVERIFIED_ALLOWED`; anything else
answers 403 ``email-unverified``.
"""
from __future__ import annotations

from functools import wraps

from flask import request

from flask_jwt_extended import (
    get_jwt,
    get_jwt_identity,
    jwt_required,
    verify_jwt_in_request,
)

from socialgraph.accounts import service as accounts
from socialgraph.accounts import sessions
from socialgraph.core.errors import EmailUnverified

BEARER = [{"bearerAuth": []}]

#: endpoints whose token is optional (documented as such by socialgraph.http.contract)
OPTIONAL_AUTH: set[str] = set()
#: Methods that only read: allowed to every authenticated account.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Endpoints (``blueprint.view``) that change something and that an account
#: may call before its email address is verified: end or renew its sessions,
#: get the verification mail again, edit its profile, look after its own
#: security and data (password, 2FA, sessions, export, deletion), keep
#: itself safe (block, mute) and mark its notifications read. Everything
#: else that writes (posting, comments, reactions, follows, friend requests,
#: messages, groups, stories, uploads, imports, reports, lists) needs a
#: verified address, so a throwaway sign-up cannot spam or harass.
UNVERIFIED_ALLOWED = frozenset({
    "auth.logout", "auth.refresh", "auth.resend_verification",
    "me.patch_me",
    "accountsec.change_password", "accountsec.twofa_setup", "accountsec.twofa_confirm",
    "accountsec.twofa_disable", "accountsec.revoke_session", "accountsec.revoke_other_sessions",
    "accountsec.request_export", "accountsec.delete_account", "accountsec.twofa_backup_codes",
    "pictures.put_avatar", "pictures.delete_avatar", "pictures.put_cover", "pictures.delete_cover",
    "push.subscribe", "push.update_subscription", "push.delete_subscription",
    "users.block", "users.unblock", "users.mute", "users.unmute",
    "notifications.mark_read", "notifications.mark_all_read", "notifications.set_preferences",
})


def require_verified_email() -> None:
    """Raise :class:`EmailUnverified` (403) when the authenticated caller's
    address is unverified and this request writes outside :data:`UNVERIFIED_ALLOWED`.
    A token issued after the verification says so itself
    (:data:`socialgraph.accounts.service.VERIFIED_CLAIM`: no store read);
    any other is checked against MongoDB."""
    if request.method in READ_METHODS or request.endpoint in UNVERIFIED_ALLOWED:
        return
    if get_jwt().get(accounts.VERIFIED_CLAIM):
        return
    uid = get_jwt_identity()
    if uid and not accounts.is_email_verified(uid):
        raise EmailUnverified("verify your email address first (POST /api/v1/auth/verify-email; "
                              "a new mail: POST /api/v1/auth/verify-email/resend)")


def auth_required(blp, *, refresh: bool = False, optional: bool = False, fused_revocation: bool = False):
    """Require a valid (unrevoked) access token, or a refresh token with ``refresh``.

    401 problem+json when missing, expired, tampered or revoked; 403
    ``email-unverified`` for a write the unverified caller may not make yet
    (:func:`require_verified_email`).

    ``fused_revocation``: the view answers the revocation check in its own
    Redis round trip (:func:`socialgraph.accounts.sessions.defer_check`; the
    warm home page). Whatever the view did not settle is checked here before
    the answer leaves, also when the view raised.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if fused_revocation:
                sessions.defer_check()
            verify_jwt_in_request(refresh=refresh, optional=optional)
            if not fused_revocation:
                require_verified_email()
                return view(*args, **kwargs)
            try:
                require_verified_email()
                result = view(*args, **kwargs)
            except Exception:
                sessions.settle_pending()  # a revoked token answers 401, whatever else went wrong
                raise
            sessions.settle_pending()
            return result

        if optional:
            OPTIONAL_AUTH.add(f"{blp.name}.{view.__name__}")
        wrapper = blp.doc(security=BEARER)(wrapper)
        return wrapper

    return decorator


def revocation_keys(token: dict | None) -> list[str] | None:
    """The two session keys :func:`sessions.verdict` reads (``[session, not-before]``),
    for a view that reads them in its own round trip (``fused_revocation``); None without a token."""
    if token is None:
        return None
    uid, sid = token.get("sub") or "-", token.get("sid") or "-"
    return [sessions.SESSION_KEY.format(uid=uid, sid=sid), sessions.NOT_BEFORE_KEY.format(uid=uid)]


def settle_revocation(token: dict | None, replies: list | None) -> None:
    """Settle the deferred revocation check from the values of :func:`revocation_keys`
    (None: they could not be read; MongoDB answers when the cache cannot tell).
    Raises flask-jwt-extended's ``RevokedTokenError`` (401) for a revoked token."""
    if token is None:
        return
    if replies is None:
        sessions.settle_pending()
        return
    answer = sessions.verdict(token, replies[0], replies[1])
    sessions.settle(sessions.is_token_revoked(token) if answer is None else answer)


def current_uid() -> str | None:
    """uid of the authenticated caller (``None`` for an anonymous optional call)."""
    return get_jwt_identity()


def current_sid() -> str | None:
    return get_jwt().get("sid")


__all__ = ["auth_required", "current_sid", "current_uid", "jwt_required", "revocation_keys", "settle_revocation"]
