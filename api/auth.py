"""``/api/v1/auth``: registration, email verification, tokens, password reset."""
from __future__ import annotations

from flask_jwt_extended import get_jwt
from urllib.parse import quote

from flask import redirect, request
from flask_smorest import Blueprint

from socialgraph.accounts import service as accounts
from socialgraph.accounts import sessions

from .account_security import client_info
from .schemas import (
    AccountOut,
    EmailIn,
    LoginIn,
    MessageOut,
    RegisterIn,
    ResetConfirmIn,
    TokenIn,
    TokenQuery,
    TokensOut,
    VerifiedOut,
)
from .security import auth_required, current_sid, current_uid
from .security_schemas import MfaChallengeOut

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and sessions")


@blp.route("/register", methods=["POST"])
@blp.arguments(RegisterIn)
@blp.response(201, AccountOut)
@blp.alt_response(409, description="username or email already taken")
def register(body):
    """Create an account.

    Sends a verification email (a signed link that expires after
    ``SG_EMAIL_TOKEN_SECONDS``). Passwords: 10 to 256 characters, hashed with argon2id.
    """
    return accounts.register(body["username"], body["email"], body["password"], body.get("display_name"))


@blp.route("/verify-email", methods=["GET"])
@blp.arguments(TokenQuery, location="query")
@blp.response(200, VerifiedOut)
def verify_email_link(args):
    """Confirm an email address from the link in the verification email.

    A browser opening the link (``Accept`` prefers HTML) is sent (303) to the
    web client's confirmation page, which confirms it; API clients get JSON."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return redirect(f"/#/verify?token={quote(args['token'], safe='')}", code=303)
    return accounts.verify_email(args["token"])


@blp.route("/verify-email", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(200, VerifiedOut)
def verify_email(body):
    """Confirm an email address with the token from the verification email."""
    return accounts.verify_email(body["token"])


@blp.route("/verify-email/resend", methods=["POST"])
@auth_required(blp)
@blp.response(202, MessageOut)
def resend_verification():
    """Send the verification email again to the caller."""
    accounts.resend_verification(current_uid())
    return {"status": "queued", "detail": "a new verification email is on its way"}


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, TokensOut)
@blp.alt_response(202, schema=MfaChallengeOut, description="2FA is on: send a code to POST /auth/login/mfa")
@blp.alt_response(401, description="wrong username/email or password")
@blp.alt_response(429, description="too many failed attempts: throttled or locked (Retry-After)")
def login(body):
    """Exchange username (or email) and password for an access and a refresh JWT.

    The access token lasts ``SG_JWT_ACCESS_SECONDS`` (15 min), the refresh
    token ``SG_JWT_REFRESH_SECONDS`` (30 days); both belong to one session.
    With 2FA on, the answer is 202 with an ``mfa_token`` for ``POST /auth/login/mfa``.
    Every attempt is recorded; repeated failures are throttled, then locked.
    """
    from flask import jsonify

    result = accounts.login(body["login"], body["password"], *client_info())
    if result.get("mfa_required"):
        return jsonify(result), 202
    return result


@blp.route("/refresh", methods=["POST"])
@auth_required(blp, refresh=True)
@blp.response(200, TokensOut)
def refresh():
    """A new access token for the session of the refresh token in ``Authorization``."""
    return accounts.refresh(current_uid(), current_sid(), sessions.token_auth_ms(get_jwt()))


@blp.route("/logout", methods=["POST"])
@auth_required(blp)
@blp.response(204)
def logout():
    """End the session: its access and refresh tokens are revoked at once."""
    sessions.logout(current_sid())


@blp.route("/password-reset", methods=["POST"])
@blp.arguments(EmailIn)
@blp.response(202, MessageOut)
def password_reset(body):
    """Ask for a password-reset email. Always 202, whether or not the address is known."""
    accounts.request_password_reset(body["email"])
    return {"status": "queued", "detail": "if an account has this address, a reset email is on its way"}


@blp.route("/password-reset/confirm", methods=["POST"])
@blp.arguments(ResetConfirmIn)
@blp.response(204)
def password_reset_confirm(body):
    """Set a new password with a reset token (works once); ends every session."""
    accounts.confirm_password_reset(body["token"], body["password"])
