"""Who is calling the Mastodon API, and with which scopes.

A Mastodon request carries an OAuth access token (``Authorization: Bearer
<token>``, or ``access_token`` in the query, as the streaming API and some
clients send it). :func:`socialgraph.accounts.oauth.resolve` turns it into
``{uid, sid, scopes, client_id}``, asking the one session rule of
:mod:`socialgraph.accounts.sessions` (a token whose session was revoked in
``/me/sessions``, by a password change or a suspension is refused at once).

Views declare what they need::

    @bp.get("/api/v1/accounts/verify_credentials")
    @require_scope("read:accounts", "profile")     # any one of these
    def verify_credentials():
        uid = current_account_id()

- no token or an unknown / revoked one -> 401 ``{"error": "The access token is invalid"}``;
- a token without any of the scopes -> 403 ``{"error": "This action is outside the authorized scopes"}``;
- an application token (client credentials) where a user is needed -> 422
  ``{"error": "This method requires an authenticated user"}`` (Mastodon's answer);
- an account whose email address is unverified may read and call
  :data:`UNVERIFIED_ALLOWED`; other writes -> 403, as in the native API.

``optional=True`` lets anonymous callers through (``current_account_id()`` is
then ``None``), but a token that is sent must still be valid.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request

from socialgraph.accounts import oauth
from socialgraph.accounts import service as accounts
from socialgraph.core.errors import AuthenticationRequired, EmailUnverified
from socialgraph.mastodon.errors import ScopeMissing, UserRequired

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Mastodon endpoints (``blueprint.view``) that write and that an account with
#: an unverified address may call: the same kinds of action as the native
#: ``api.security.UNVERIFIED_ALLOWED`` (profile, safety, push, notification
#: state, ending its own tokens). Views of other modules add theirs.
UNVERIFIED_ALLOWED: set[str] = {
    "mastodon_oauth.revoke",
    "mastodon_accounts.update_credentials",
    "mastodon_accounts.block", "mastodon_accounts.unblock",
    "mastodon_accounts.mute", "mastodon_accounts.unmute",
    "mastodon_accounts.push_subscribe", "mastodon_accounts.push_update", "mastodon_accounts.push_unsubscribe",
    "mastodon_accounts.set_markers",
}


def bearer_token() -> str | None:
    """The access token of the request (header first, then ``access_token``), or ``None``."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    token = request.args.get("access_token")
    if token is None and request.mimetype == "application/x-www-form-urlencoded":
        token = request.form.get("access_token")
    return token or None


def current_token() -> dict | None:
    """``{uid, sid, scopes, client_id}`` of the request's valid token, or ``None``
    (resolved once per request)."""
    if "mastodon_token" not in g:
        token = bearer_token()
        g.mastodon_token = oauth.resolve(token) if token else None
        g.mastodon_token_sent = token is not None
    return g.mastodon_token


def current_account_id() -> str | None:
    """uid of the account the token acts for (``None``: anonymous or an application token)."""
    info = current_token()
    return info["uid"] if info else None


def has_scope(*wanted: str) -> bool:
    """Whether the request's token holds any of ``wanted`` (directly or through its parent scope)."""
    info = current_token()
    return bool(info) and any(oauth.grants(info["scopes"], w) for w in wanted)


def check(*scopes: str, user: bool = True, optional: bool = False) -> str | None:
    """The checks of :func:`require_scope`, callable inside a view; returns the uid."""
    info = current_token()
    if info is None:
        if optional and not g.get("mastodon_token_sent"):
            return None
        raise AuthenticationRequired("The access token is invalid")
    if scopes and not any(oauth.grants(info["scopes"], s) for s in scopes):
        raise ScopeMissing("This action is outside the authorized scopes")
    if user and not info["uid"]:
        if optional:
            return None
        raise UserRequired("This method requires an authenticated user")
    uid = info["uid"]
    if uid and request.method not in READ_METHODS and request.endpoint not in UNVERIFIED_ALLOWED:
        if not accounts.is_email_verified(uid):
            raise EmailUnverified("verify your email address first (see the mail we sent you)")
    return uid


def require_scope(*scopes: str, user: bool = True, optional: bool = False):
    """Decorator: the request needs a valid token holding any one of
    ``scopes`` (none given: any valid token). ``user=False`` also accepts an
    application token; ``optional=True`` also anonymous callers. See the
    module docstring for the answers."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            check(*scopes, user=user, optional=optional)
            return view(*args, **kwargs)

        wrapper.mastodon_scopes = scopes
        return wrapper

    return decorator
