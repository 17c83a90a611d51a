"""Email jobs."""
from __future__ import annotations

from flask import current_app

from socialgraph.accounts import service as accounts
from socialgraph.stores import mail

from . import in_app


@in_app
def send_verification_email(uid: str) -> str | None:
    """Send the email-verification link to account ``uid`` (no-op if verified or gone)."""
    msg = accounts.verification_email(uid)
    return mail.send(current_app.config, msg) if msg else None


@in_app
def send_password_reset_email(uid: str) -> str | None:
    """Send a password-reset token to account ``uid``."""
    msg = accounts.password_reset_email(uid)
    return mail.send(current_app.config, msg) if msg else None


@in_app
def send_signup_attempt_email(uid: str) -> str | None:
    """Tell the owner of ``uid`` that someone tried to register their address again."""
    msg = accounts.signup_attempt_email(uid)
    return mail.send(current_app.config, msg) if msg else None
