"""Schemas of the account-security and portability endpoints (issue 8)."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from .schemas import Strict

CODE = dict(required=True, validate=validate.Length(min=6, max=20),
            metadata={"description": "a 6-digit TOTP code or a backup code (xxxxx-xxxxx)"})


class MfaChallengeOut(Schema):
    mfa_required = fields.Boolean()
    mfa_token = fields.String(metadata={"description": "send it with a code to POST /auth/login/mfa (5 min)"})
    methods = fields.List(fields.String())


class LoginMfaIn(Strict):
    mfa_token = fields.String(required=True, validate=validate.Length(min=10, max=2000))
    code = fields.String(**CODE)


class CodeIn(Strict):
    code = fields.String(**CODE)


class PasswordCodeIn(Strict):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    code = fields.String(**CODE)


class DeleteAccountIn(Strict):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    code = fields.String(validate=validate.Length(min=6, max=20),
                         metadata={"description": "required when two-factor authentication is on"})


class PasswordChangeIn(Strict):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=256))


class TwoFactorStatusOut(Schema):
    enabled = fields.Boolean()
    backup_codes_left = fields.Integer()
    confirmed_at = fields.DateTime(allow_none=True)


class TwoFactorSetupOut(Schema):
    secret = fields.String(metadata={"description": "base32 secret (RFC 6238), for manual entry"})
    otpauth_uri = fields.String(metadata={"description": "otpauth://totp/... Key URI"})
    qr_png = fields.String(metadata={"description": "the URI as a QR code: data:image/png;base64,..."})


class BackupCodesOut(Schema):
    enabled = fields.Boolean()
    backup_codes = fields.List(fields.String(), metadata={"description": "10 one-time codes, shown once"})


class SessionAppOut(Schema):
    id = fields.String(metadata={"description": "the OAuth application's client_id"})
    name = fields.String(metadata={"description": "the application's name, as it registered"})
    website = fields.String(allow_none=True, metadata={"description": "the application's website"})
    scopes = fields.List(fields.String(), metadata={"description": "OAuth scopes granted to this session"})


class SessionOut(Schema):
    id = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    current = fields.Boolean()
    app = fields.Nested(SessionAppOut, allow_none=True,
                        metadata={"description": "the OAuth application (a Mastodon client) holding this "
                                                 "session; null for a web or API sign-in"})


class SessionList(Schema):
    items = fields.List(fields.Nested(SessionOut))


class RevokedOut(Schema):
    revoked = fields.Integer()


class LoginAttemptOut(Schema):
    at = fields.DateTime()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    outcome = fields.String()


class LoginAttemptList(Schema):
    items = fields.List(fields.Nested(LoginAttemptOut))


class ExportOut(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "pending, building, ready or failed"})
    created_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)
    size = fields.Integer(allow_none=True, metadata={"description": "bytes"})
    download_url = fields.String(allow_none=True, metadata={"description": "presigned, expiring"})
    expires_at = fields.DateTime(allow_none=True)


class ImportIn(Schema):
    archive = Upload(required=True, metadata={"description": "a zip made by POST /me/exports"})


class ImportOut(Schema):
    id = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    stats = fields.Dict(keys=fields.String(), values=fields.Dict())


class DeletionOut(Schema):
    status = fields.String()
    steps_done = fields.List(fields.String())
