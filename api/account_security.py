"""``/api/v1``: two-factor authentication, sessions, password change,
login history, data export and import, account deletion (issue 8)."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from socialgraph.accounts import deletion, login_monitor, sessions, twofactor
from socialgraph.accounts import service as accounts
from socialgraph.core.errors import ValidationFailed
from socialgraph.portability import service as portability

from .schemas import TokensOut
from .security import auth_required, current_sid, current_uid
from .security_schemas import (
    BackupCodesOut,
    CodeIn,
    DeleteAccountIn,
    DeletionOut,
    ExportOut,
    ImportIn,
    ImportOut,
    LoginAttemptList,
    LoginMfaIn,
    PasswordChangeIn,
    PasswordCodeIn,
    RevokedOut,
    SessionList,
    TwoFactorSetupOut,
    TwoFactorStatusOut,
)

blp = Blueprint("accountsec", __name__, url_prefix="/api/v1",
                description="Two-factor authentication, sessions, data export/import, account deletion")


def client_info() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent", "")


@blp.route("/auth/login/mfa", methods=["POST"])
@blp.arguments(LoginMfaIn)
@blp.response(200, TokensOut)
@blp.alt_response(401, description="wrong, replayed or expired code/token")
@blp.alt_response(429, description="too many failed attempts (Retry-After)")
def login_mfa(body):
    """Second sign-in step: the ``mfa_token`` of ``POST /auth/login`` (202) and a
    TOTP code (RFC 6238) or a backup code. A code works once."""
    return accounts.login_mfa(body["mfa_token"], body["code"], *client_info())


@blp.route("/me/2fa", methods=["GET"])
@auth_required(blp)
@blp.response(200, TwoFactorStatusOut)
def twofa_status():
    """Whether 2FA is on and how many backup codes are left."""
    return twofactor.status(current_uid())


@blp.route("/me/2fa/setup", methods=["POST"])
@auth_required(blp)
@blp.response(200, TwoFactorSetupOut)
@blp.alt_response(409, description="2FA already on")
def twofa_setup():
    """Start enrolment: a new secret, its ``otpauth://`` URI and a QR code PNG (data URI).
    2FA is on only after ``POST /me/2fa/confirm`` with a first code."""
    return twofactor.begin_enrolment(current_uid())


@blp.route("/me/2fa/confirm", methods=["POST"])
@auth_required(blp)
@blp.arguments(CodeIn)
@blp.response(200, BackupCodesOut)
def twofa_confirm(body):
    """Turn 2FA on with a first code; returns 10 one-time backup codes (shown once, kept hashed)."""
    return twofactor.confirm_enrolment(current_uid(), body["code"])


@blp.route("/me/2fa/disable", methods=["POST"])
@auth_required(blp)
@blp.arguments(PasswordCodeIn)
@blp.response(204)
def twofa_disable(body):
    """Turn 2FA off: needs the password and a code (TOTP or backup). Wrong tries
    are throttled like logins (429 with ``Retry-After``)."""
    twofactor.disable(current_uid(), body["password"], body["code"], *client_info())


@blp.route("/me/2fa/backup-codes", methods=["POST"])
@auth_required(blp)
@blp.arguments(CodeIn)
@blp.response(200, BackupCodesOut)
@blp.alt_response(401, description="wrong or replayed code")
@blp.alt_response(409, description="2FA is not on")
@blp.alt_response(429, description="too many wrong codes (Retry-After)")
def twofa_backup_codes(body):
    """Replace every backup code with 10 new ones (shown once, kept hashed).
    Needs a current TOTP code from the authenticator app; the old codes stop working."""
    return twofactor.regenerate_backup_codes(current_uid(), body["code"], *client_info())


@blp.route("/me/sessions", methods=["GET"])
@auth_required(blp)
@blp.response(200, SessionList)
def list_sessions():
    """Active sessions (one per sign-in), newest first; ``current`` marks the caller's."""
    return {"items": sessions.list_active(current_uid(), current_sid())}


@blp.route("/me/sessions/<string:session_id>", methods=["DELETE"])
@auth_required(blp)
@blp.response(204)
def revoke_session(session_id):
    """End one session (its tokens stop working at once). 404 if not the caller's."""
    sessions.revoke(current_uid(), session_id)


@blp.route("/me/sessions", methods=["DELETE"])
@auth_required(blp)
@blp.response(200, RevokedOut)
def revoke_other_sessions():
    """End every session but the caller's current one."""
    return {"revoked": sessions.revoke_all(current_uid(), except_sid=current_sid())}


@blp.route("/me/login-attempts", methods=["GET"])
@auth_required(blp)
@blp.response(200, LoginAttemptList)
def login_attempts():
    """The latest 50 sign-in attempts on the account (time, IP, user agent, outcome)."""
    return {"items": login_monitor.recent_attempts(current_uid())}


@blp.route("/me/password", methods=["POST"])
@auth_required(blp)
@blp.arguments(PasswordChangeIn)
@blp.response(200, RevokedOut)
@blp.alt_response(401, description="wrong current password")
@blp.alt_response(429, description="too many wrong passwords: throttled like logins (Retry-After)")
def change_password(body):
    """Change the password; every other session is ended (``revoked`` = how many)."""
    return {"revoked": accounts.change_password(current_uid(), body["current_password"], body["new_password"],
                                                current_sid(), *client_info())}


@blp.route("/me/exports", methods=["POST"])
@auth_required(blp)
@blp.response(202, ExportOut)
def request_export():
    """Ask for an archive of all your data (zip of JSON, ActivityStreams 2.0 where it fits;
    format in the README). Built by a job; when ready, an email and a notification
    carry an expiring download link, also given by ``GET /me/exports/{export_id}``."""
    return portability.request_export(current_uid())


@blp.route("/me/exports/<string:export_id>", methods=["GET"])
@auth_required(blp)
@blp.response(200, ExportOut)
def get_export(export_id):
    """An export's status and, when ready, a fresh presigned download URL. 404 if not yours."""
    return portability.get_export(current_uid(), export_id)


@blp.route("/me/imports", methods=["POST"])
@auth_required(blp)
@blp.arguments(ImportIn, location="files")
@blp.response(202, ImportOut)
def start_import(files):
    """Import an archive made by ``POST /me/exports`` (here or on another instance)
    into your account: profile, follows, blocks, mutes, posts (with their dates), media.
    Multipart field ``archive``; at most ``SG_MAX_REQUEST_BYTES``."""
    data = files["archive"].read()
    if not data:
        raise ValidationFailed("empty archive", errors=[{"field": "archive", "message": "empty"}])
    return portability.start_import(current_uid(), data)


@blp.route("/me/imports/<string:import_id>", methods=["GET"])
@auth_required(blp)
@blp.response(200, ImportOut)
def get_import(import_id):
    """An import's status and counts. 404 if not yours."""
    return portability.get_import(current_uid(), import_id)


@blp.route("/me/deletion", methods=["POST"])
@auth_required(blp)
@blp.arguments(DeleteAccountIn)
@blp.response(202, DeletionOut)
@blp.alt_response(401, description="wrong password or code")
@blp.alt_response(429, description="too many wrong tries: throttled like logins (Retry-After)")
def delete_account(body):
    """Delete your account everywhere (graph, documents, media, caches) by a resumable job.
    Needs the password (and a 2FA code when 2FA is on); every session ends at once."""
    return deletion.request_deletion(current_uid(), body["password"], body.get("code"), *client_info())

