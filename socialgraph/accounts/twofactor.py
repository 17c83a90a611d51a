"""TOTP two-factor authentication (RFC 6238) with one-time backup codes.

Stored on the MongoDB account document::

    totp: {secret: base32, enabled: bool, created_at, confirmed_at,
           last_step: int,            # time step of the last accepted code
           backup_codes: [argon2id hash, ...]}

- Enrolment (:func:`begin_enrolment`) makes a 160-bit secret (RFC 4226 §4
  recommends 160 bits) and returns its ``otpauth://`` URI (the Key URI
  Format of Google Authenticator, which pyotp writes) and a QR code PNG.
- Confirmation (:func:`confirm_enrolment`) needs a first valid code; it turns
  2FA on and returns 10 backup codes once; only their argon2id hashes are
  kept (NIST SP 800-63B §5.1.2: look-up secrets stored hashed, used once).
- A code is accepted within one 30-second step either side of now (RFC 6238
  §5.2 allows one step of clock drift) and only if its step is later than
  the last accepted one, so a code cannot be replayed inside its window
  (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the
  OTP after the successful validation has been issued for the first OTP").
- Disabling (:func:`disable`) needs the password and a code (TOTP or backup).
- :func:`regenerate_backup_codes` replaces the backup codes; it needs a TOTP code.
- Wrong passwords or codes on disabling and regenerating count as failed
  logins and are throttled like them (:mod:`socialgraph.accounts.login_monitor`).
"""
from __future__ import annotations

import base64
import io
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from socialgraph import stores
from socialgraph.accounts import login_monitor
from socialgraph.accounts.passwords import check_password
from socialgraph.core import clock
from socialgraph.core.errors import (
    Conflict,
    InvalidCredentials,
    NotFound,
    ValidationFailed,
)

BACKUP_CODES = 10
STEP_SECONDS = 30
VALID_WINDOW = 1
#: Backup codes carry 50 random bits; OWASP's minimum argon2id profile (19 MiB, t=2) is plenty.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _accounts():
    return stores.mongo().accounts


def _account(uid: str) -> dict:
    doc = _accounts().find_one({"_id": uid})
    if not doc:
        raise NotFound("account not found")
    return doc


def is_enabled(doc: dict) -> bool:
    return bool((doc.get("totp") or {}).get("enabled"))


def qr_png(uri: str) -> bytes:
    """The QR code of ``uri`` as PNG bytes (``qrcode`` + Pillow)."""
    import qrcode

    img = qrcode.make(uri, box_size=6, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def begin_enrolment(uid: str) -> dict:
    """Start (or restart) enrolment: ``{secret, otpauth_uri, qr_png}``.

    ``qr_png`` is a ``data:image/png;base64,...`` URI. Raises :class:`Conflict`
    if 2FA is already on (disable it first).
    """
    doc = _account(uid)
    if is_enabled(doc):
        raise Conflict("two-factor authentication is already enabled")
    secret = pyotp.random_base32(32)
    res = _accounts().update_one({"_id": uid, "totp.enabled": {"$ne": True}}, {"$set": {"totp": {
        "secret": secret, "enabled": False, "created_at": clock.now(), "last_step": -1, "backup_codes": []}}})
    if res.matched_count != 1:
        raise Conflict("two-factor authentication is already enabled")
    uri = pyotp.TOTP(secret).provisioning_uri(name=doc["username"],
                                              issuer_name=current_app.config["TOTP_ISSUER"])
    png = base64.b64encode(qr_png(uri)).decode()
    return {"secret": secret, "otpauth_uri": uri, "qr_png": "data:image/png;base64," + png}


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (RFC 6238 ``T``) whose code equals ``code``, within the window."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now().timestamp()
    step = int(now // STEP_SECONDS)
    for s in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.at(s * STEP_SECONDS), code):
            return s
    return None


def _use_totp(uid: str, secret: str, code: str) -> bool:
    """Accept ``code`` once: atomically move ``last_step`` forward."""
    step = _matching_step(secret, code)
    if step is None:
        return False
    res = _accounts().update_one({"_id": uid, "totp.secret": secret, "totp.last_step": {"$lt": step}},
                                 {"$set": {"totp.last_step": step}})
    return res.modified_count == 1


def _use_backup_code(uid: str, doc: dict, code: str) -> bool:
    code = (code or "").strip().lower()
    if len(code) < 8:
        return False
    for h in (doc.get("totp") or {}).get("backup_codes") or []:
        try:
            _code_hasher.verify(h, code)
        except (VerificationError, InvalidHashError):
            continue
        res = _accounts().update_one({"_id": uid}, {"$pull": {"totp.backup_codes": h}})
        return res.modified_count == 1
    return False


def _new_backup_codes() -> tuple[list[str], list[str]]:
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(5)) + "-" +
             "".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(BACKUP_CODES)]
    return codes, [_code_hasher.hash(c) for c in codes]


def confirm_enrolment(uid: str, code: str) -> dict:
    """Turn 2FA on with a first valid code: ``{enabled: True, backup_codes: [10 codes]}``.

    The codes are shown once. Raises :class:`Conflict` (no enrolment started or
    already on) and :class:`ValidationFailed` (wrong code).
    """
    doc = _account(uid)
    totp = doc.get("totp") or {}
    if not totp.get("secret") or totp.get("enabled"):
        raise Conflict("start enrolment first (POST /me/2fa/setup)" if not totp.get("secret")
                       else "two-factor authentication is already enabled")
    if not _use_totp(uid, totp["secret"], code):
        raise ValidationFailed("the code is not valid", errors=[{"field": "code", "message": "wrong or reused code"}])
    codes, hashes = _new_backup_codes()
    _accounts().update_one({"_id": uid}, {"$set": {"totp.enabled": True, "totp.confirmed_at": clock.now(),
                                                   "totp.backup_codes": hashes}})
    return {"enabled": True, "backup_codes": codes}


def verify_code(uid: str, code: str) -> str:
    """Check a second-factor code (TOTP, else a backup code, used once).

    Returns ``"totp"`` or ``"backup_code"``. Raises :class:`InvalidCredentials`.
    """
    doc = _account(uid)
    totp = doc.get("totp") or {}
    if not totp.get("enabled"):
        raise InvalidCredentials("two-factor authentication is not enabled")
    if _use_totp(uid, totp["secret"], code):
        return "totp"
    if _use_backup_code(uid, doc, code):
        return "backup_code"
    raise InvalidCredentials("the code is not valid or was already used")


def status(uid: str) -> dict:
    """``{enabled, backup_codes_left, confirmed_at}``."""
    totp = _account(uid).get("totp") or {}
    return {"enabled": bool(totp.get("enabled")), "backup_codes_left": len(totp.get("backup_codes") or []),
            "confirmed_at": totp.get("confirmed_at")}


def disable(uid: str, password: str, code: str, ip: str | None = None, user_agent: str | None = None) -> None:
    """Turn 2FA off; needs the password and a valid code. Raises
    :class:`InvalidCredentials` and :class:`RateLimited` (wrong tries are
    throttled like logins)."""

    doc = _account(uid)
    if not is_enabled(doc):
        raise Conflict("two-factor authentication is not enabled")

    def check():
        check_password(doc, password)
        verify_code(uid, code)

    login_monitor.guard_reauthentication(uid, ip, user_agent, check)
    _accounts().update_one({"_id": uid}, {"$unset": {"totp": ""}})


def regenerate_backup_codes(uid: str, code: str, ip: str | None = None, user_agent: str | None = None) -> dict:
    """Replace every backup code with 10 new ones: ``{backup_codes: [10 codes]}``
    (shown once, kept as argon2id hashes). Needs a valid TOTP code (not a
    backup code: whoever holds only old backup codes cannot mint new ones).

    Raises :class:`Conflict` (2FA off), :class:`InvalidCredentials` (wrong or
    replayed code) and :class:`RateLimited` (wrong tries are throttled like logins).
    """
    doc = _account(uid)
    if not is_enabled(doc):
        raise Conflict("two-factor authentication is not enabled")
    secret = doc["totp"]["secret"]

    def check():
        if not _use_totp(uid, secret, code):
            raise InvalidCredentials("the code is not valid or was already used")

    login_monitor.guard_reauthentication(uid, ip, user_agent, check)
    codes, hashes = _new_backup_codes()
    _accounts().update_one({"_id": uid, "totp.secret": secret}, {"$set": {"totp.backup_codes": hashes}})
    return {"backup_codes": codes}
