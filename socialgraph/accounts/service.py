"""Accounts: registration, email verification, login sessions, password reset, profile.

Where things live:

- MongoDB ``accounts``: ``{_id: uid, username, email, password_hash,
  email_verified, status, role, created_at, password_changed_at}``. Credentials
  never go to the graph.
- Graph ``(:User {uid, username, display_name, bio, created_at})``: the
  public profile, created through neomodel (:mod:`socialgraph.stores.graph_models`).
- MongoDB ``sessions`` and ``accounts.sessions_not_before``: which sessions
  are alive (:mod:`socialgraph.accounts.sessions`); Redis only caches it.

Passwords are hashed with argon2id (``argon2-cffi`` defaults, the RFC 9106
low-memory profile). Email and reset tokens are signed, expiring
``itsdangerous`` tokens; a reset token is bound to the current password
hash, so it works once.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from pymongo.errors import DuplicateKeyError

from socialgraph import stores
from socialgraph.accounts import login_monitor, sessions, twofactor
from socialgraph.accounts.passwords import (
    _DUMMY_HASH,
    _hasher,
    _password_fingerprint,
    check_password,
    validate_password,
)
from socialgraph.accounts.sessions import revoke_all_sessions
from socialgraph.core import clock
from socialgraph.core.errors import (
    Conflict,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from socialgraph.core.pagination import as_utc
from socialgraph.core.text import clean_display_name, is_valid_username, normalise_username
from socialgraph.graph import usersearch
from socialgraph.graph.people import forget_short_profile
from socialgraph.stores import mail
from socialgraph.stores.graph_models import User

log = logging.getLogger(__name__)




# -- helpers --------------------------------------------------------------
def _accounts():
    return stores.mongo().accounts


class _ClockedSigner(TimestampSigner):
    """Signs and ages tokens by :func:`socialgraph.core.clock.now` (the one
    source of time), so an expiry can be tested by moving the clock."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class _ClockedSerializer(URLSafeTimedSerializer):
    default_signer = _ClockedSigner


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return _ClockedSerializer(current_app.config["SECRET_KEY"], salt=salt)






def public_account(doc: dict, profile: dict | None = None) -> dict:
    """The account as its owner sees it (no hash)."""
    out = {
        "uid": doc["_id"],
        "username": doc["username"],
        "email": doc["email"],
        "email_verified": bool(doc.get("email_verified")),
        "role": doc.get("role", "user"),
        "created_at": doc["created_at"],
    }
    if profile:
        out.update({k: profile.get(k) for k in ("display_name", "bio", "avatar_id", "avatar_blurhash",
                                                 "cover_id", "cover_blurhash")})
    out["created_at"] = as_utc(out["created_at"])
    return out


# -- registration -----------------------------------------------------------
def register(username: str, email: str, password: str, display_name: str | None = None) -> dict:
    """Create an account and its graph node; queue the verification email.

    Returns the account (``public_account`` shape). Raises
    :class:`ValidationFailed` (bad username, password or display name) and
    :class:`Conflict` (username taken: usernames are public anyway). An
    **email address that is taken** is not revealed: the answer has the same
    shape (a uid that belongs to nothing) and the address's owner gets a mail
    saying someone tried to sign up with it (OWASP Authentication Cheat
    Sheet, "Authentication and Error Messages"). If the graph write fails,
    the MongoDB account is removed again, so nothing is half-written.
    Accounts left unverified expire after ``SG_UNVERIFIED_ACCOUNT_SECONDS``
    (:func:`expire_unverified`).
    """

    username = normalise_username(username)
    email = email.strip().lower()
    if not is_valid_username(username):
        raise ValidationFailed("username is not acceptable", errors=[
            {"field": "username", "message": "3 to 30 characters of a-z, 0-9 and _"}])
    display_name = _display_name(display_name)
    validate_password(password, username, email)
    # Order of the writes: the graph is asked first whether the name is free
    # (an imported user may hold it without an account), so the usual 409
    # writes nothing; a race lost at the constraint is compensated below.
    if stores.graph().read("graph/users/get_uid_by_username", username=username):
        raise Conflict("username is already taken", errors=[{"field": "username", "message": "already taken"}])
    uid = uuid.uuid4().hex
    now = clock.now()
    doc = {
        "_id": uid, "username": username, "email": email,
        "password_hash": _hasher.hash(password), "email_verified": False,
        "status": "pending", "role": "user", "created_at": now, "password_changed_at": now,
    }
    shown = {"display_name": display_name or username, "bio": ""}
    try:
        _accounts().insert_one(doc)
    except DuplicateKeyError as exc:
        if "email" not in str(exc):
            raise Conflict("username is already taken", errors=[{"field": "username", "message": "already taken"}])
        owner = _accounts().find_one({"email": email}, {"_id": 1})
        if owner:
            stores.tasks().enqueue("jobs.mail.send_signup_attempt_email", owner["_id"])
        return public_account(doc, shown)  # looks like a new account; nothing was written
    try:
        stores.bind_neomodel()  # neomodel's connection is process-wide: use this app's driver
        User(uid=uid, username=username, display_name=shown["display_name"],
             created_at=now, source="signup").save()
    except Exception as exc:
        _accounts().delete_one({"_id": uid})
        if _is_constraint_error(exc):
            _remove_empty_user_nodes()
            raise Conflict("username is already taken",
                           errors=[{"field": "username", "message": "already taken"}])
        raise
    _accounts().update_one({"_id": uid}, {"$set": {"status": "active"}})
    doc["status"] = "active"
    usersearch.index_user(uid, username, (display_name or username).strip())
    stores.tasks().enqueue("jobs.mail.send_verification_email", uid)
    return public_account(doc, shown)


def signup_attempt_email(uid: str):
    """The mail to the owner of an address someone tried to register again
    (``None`` if the account is gone)."""
    doc = _accounts().find_one({"_id": uid})
    if not doc:
        return None
    cfg = current_app.config
    body = (f"Hello {doc['username']},\n\nsomeone tried to create a new socialgraph account with this "
            f"email address, which already belongs to your account. If it was you, log in instead:\n\n"
            f"{cfg['PUBLIC_BASE_URL']}/#/login\n\nForgot your password? Ask for a reset there. "
            f"If it was not you, you can ignore this email; nothing was changed.\n")
    return mail.build_message(cfg, doc["email"], "Someone tried to sign up with your address", body)


def is_email_verified(uid: str) -> bool:
    """Whether account ``uid`` has verified its email address (``False`` if gone)."""
    doc = _accounts().find_one({"_id": uid}, {"email_verified": 1})
    return bool(doc and doc.get("email_verified"))


def expire_unverified(older_than: int | None = None, limit: int = 1000) -> list[str]:
    """Delete accounts whose address was never verified, registered more than
    ``older_than`` seconds ago (default ``SG_UNVERIFIED_ACCOUNT_SECONDS``,
    7 days), so an address or username cannot be squatted. Each goes through
    the normal account deletion (every area's eraser, the graph node
    included), queued as ``jobs.accounts.delete_account``. Returns their uids.
    """
    seconds = current_app.config["UNVERIFIED_ACCOUNT_SECONDS"] if older_than is None else older_than
    cutoff = clock.now() - timedelta(seconds=int(seconds))
    db = stores.mongo()
    uids = []
    for doc in _accounts().find({"email_verified": False, "created_at": {"$lt": cutoff},
                                 "status": {"$in": ["active", "pending"]}}, {"_id": 1}).limit(limit):
        # the status guard keeps a verification that lands meanwhile from being undone
        if _accounts().update_one({"_id": doc["_id"], "email_verified": False},
                                  {"$set": {"status": "deleting"}}).modified_count != 1:
            continue
        db.deletions.update_one({"_id": doc["_id"]}, {"$setOnInsert": {
            "status": "pending", "steps_done": [], "results": {}, "requested_at": clock.now(),
            "reason": "unverified"}}, upsert=True)
        revoke_all_sessions(doc["_id"])
        stores.tasks().enqueue("jobs.accounts.delete_account", doc["_id"], job_id=f"delete-account-{doc['_id']}")
        uids.append(doc["_id"])
    return uids


def _display_name(value: str | None) -> str | None:
    """:func:`~socialgraph.core.text.clean_display_name`, as a field error."""
    try:
        return clean_display_name(value)
    except ValueError as exc:
        raise ValidationFailed("display name is not acceptable",
                               errors=[{"field": "display_name", "message": str(exc)}])


def _remove_empty_user_nodes() -> None:
    """Compensation of a graph write rejected by the username constraint: the
    graph server may have left the vertex it made, without properties."""
    try:
        stores.graph().write("accounts/delete_empty_user_nodes")
    except Exception as exc:  # noqa: BLE001 - `socialgraph doctor --repair` removes them later
        log.warning("empty user nodes not removed: %s", exc)


def _is_constraint_error(exc: Exception) -> bool:
    from neo4j.exceptions import ConstraintError
    from neomodel.exceptions import ConstraintValidationFailed

    return isinstance(exc, (ConstraintError, ConstraintValidationFailed))


def verification_email(uid: str):
    """The verification email for ``uid`` (``None`` if gone or already verified)."""
    doc = _accounts().find_one({"_id": uid})
    if not doc or doc.get("email_verified"):
        return None
    cfg = current_app.config
    token = verification_token(uid, doc["email"])
    link = f"{cfg['PUBLIC_BASE_URL']}/#/verify?token={token}"  # the web client's page posts it
    body = (f"Hello {doc['username']},\n\nconfirm your email address for socialgraph:\n\n{link}\n\n"
            f"Or send this token to POST /api/v1/auth/verify-email:\n{token}\n\n"
            f"The link expires in {cfg['EMAIL_TOKEN_MAX_AGE'] // 3600} hours.\n")
    return mail.build_message(cfg, doc["email"], "Confirm your email address", body)


def verification_token(uid: str, email: str) -> str:
    """The signed token that verifies ``email`` for ``uid`` (lasts ``SG_EMAIL_TOKEN_SECONDS``)."""
    return _serializer("verify-email").dumps({"uid": uid, "email": email})


def verify_email(token: str) -> dict:
    """Mark the email in ``token`` verified. Raises :class:`InvalidToken`."""
    try:
        data = _serializer("verify-email").loads(token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise InvalidToken("the verification link has expired; ask for a new one")
    except BadSignature:
        raise InvalidToken("the verification token is not valid")
    result = _accounts().find_one_and_update(
        {"_id": data.get("uid"), "email": data.get("email"), "status": {"$ne": "deleting"}},
        {"$set": {"email_verified": True}})
    if result is None:
        raise InvalidToken("the verification token is not valid")
    return {"uid": result["_id"], "email_verified": True}


def resend_verification(uid: str) -> None:
    stores.tasks().enqueue("jobs.mail.send_verification_email", uid)


# -- sessions ---------------------------------------------------------------
def login(login_name: str, password: str, ip: str | None = None, user_agent: str | None = None) -> dict:
    """Check credentials; return tokens, or a second-step challenge when 2FA is on.

    ``login_name`` is a username or an email. Returns
    ``{access_token, refresh_token, token_type, expires_in}`` or
    ``{mfa_required: True, mfa_token, methods}`` (exchange at
    :func:`login_mfa`). Every attempt is recorded
    (:mod:`socialgraph.accounts.login_monitor`). Raises :class:`InvalidCredentials` for
    any wrong pair (same answer and about the same time whether or not the
    account exists) and :class:`~socialgraph.core.errors.RateLimited` (429 with
    ``Retry-After``) while the account or IP is throttled or locked.
    """
    result = authenticate(login_name, password, ip, user_agent)
    if result.get("mfa_required"):
        return result
    return _complete_login(result["uid"], result["login"], ip, user_agent)


def authenticate(login_name: str, password: str, ip: str | None = None, user_agent: str | None = None) -> dict:
    """The credential check of :func:`login` without starting a session (the
    OAuth consent page starts its own, :mod:`socialgraph.accounts.oauth`).

    Returns ``{uid, login}`` when the pair is right and 2FA is off, or
    ``{mfa_required: True, mfa_token, methods}`` (then :func:`authenticate_mfa`).
    The same throttling, lockout and records as :func:`login`; raises
    :class:`InvalidCredentials` and :class:`RateLimited`. A success is not
    recorded yet: call :func:`note_signed_in` when the session starts."""
    key = login_name.strip().lower()
    doc = _accounts().find_one({"email": key} if "@" in key else {"username": key})
    account_key = doc["_id"] if doc else key
    try:
        login_monitor.check_allowed(account_key, ip, login_monitor.is_known_device(doc, ip, user_agent))
    except RateLimited as exc:
        login_monitor.record(key, doc and doc["_id"], ip, user_agent, exc.extra.get("reason", "throttled"))
        raise
    if doc is None or doc.get("status") != "active":
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        login_monitor.note_failure(account_key, ip)
        login_monitor.record(key, None, ip, user_agent, "failure")  # no usable account: no uid
        raise InvalidCredentials("wrong username or password")
    try:
        _hasher.verify(doc["password_hash"], password)
    except (VerificationError, InvalidHashError):
        login_monitor.note_failure(account_key, ip)
        login_monitor.record(key, doc["_id"], ip, user_agent, "failure")
        raise InvalidCredentials("wrong username or password")
    if _hasher.check_needs_rehash(doc["password_hash"]):
        _accounts().update_one({"_id": doc["_id"]}, {"$set": {"password_hash": _hasher.hash(password)}})
    if twofactor.is_enabled(doc):
        login_monitor.record(key, doc["_id"], ip, user_agent, "mfa_required")
        token = _serializer("mfa-login").dumps({"uid": doc["_id"], "n": uuid.uuid4().hex[:8]})
        return {"mfa_required": True, "mfa_token": token, "methods": ["totp", "backup_code"]}
    return {"uid": doc["_id"], "login": key}


def login_mfa(mfa_token: str, code: str, ip: str | None = None, user_agent: str | None = None) -> dict:
    """Second login step: the ``mfa_token`` from :func:`login` and a TOTP or backup code.

    Returns tokens. The ``mfa_token`` lasts ``SG_MFA_TOKEN_SECONDS`` (5 min).
    Raises :class:`InvalidToken` (bad/expired token), :class:`InvalidCredentials`
    (wrong or replayed code; counts as a failed login) and RateLimited.
    """
    result = authenticate_mfa(mfa_token, code, ip, user_agent)
    return _complete_login(result["uid"], result["login"], ip, user_agent)


def authenticate_mfa(mfa_token: str, code: str, ip: str | None = None, user_agent: str | None = None) -> dict:
    """The second step of :func:`authenticate`: ``{uid, login}`` (``login`` is
    the method used, ``totp`` or ``backup_code``). Raises as :func:`login_mfa`."""
    try:
        data = _serializer("mfa-login").loads(mfa_token, max_age=current_app.config["MFA_TOKEN_SECONDS"])
    except SignatureExpired:
        raise InvalidToken("the sign-in step has expired; log in again")
    except BadSignature:
        raise InvalidToken("the mfa_token is not valid")
    uid = data.get("uid")
    login_monitor.check_allowed(uid, ip, login_monitor.is_known_device(
        _accounts().find_one({"_id": uid}, {"known_devices": 1}), ip, user_agent))
    try:
        method = twofactor.verify_code(uid, code)
    except (InvalidCredentials, NotFound):
        login_monitor.note_failure(uid, ip)
        login_monitor.record("", uid, ip, user_agent, "mfa_failure")
        raise InvalidCredentials("the code is not valid or was already used")
    return {"uid": uid, "login": method}


def note_signed_in(uid: str, login_name: str, ip: str | None, user_agent: str | None) -> None:
    """Record a successful sign-in (clears the failure counters, logs the
    attempt, mails about a new device)."""
    login_monitor.note_success(uid, ip)
    login_monitor.record(login_name, uid, ip, user_agent, "success")
    login_monitor.check_new_device(uid, ip, user_agent)


def _complete_login(uid: str, login_name: str, ip: str | None, user_agent: str | None) -> dict:
    sid = uuid.uuid4().hex
    at = clock.now()
    sessions.create(uid, sid, ip, user_agent, at=at)
    tokens = issue_tokens(uid, sid, auth_ms=int(at.timestamp() * 1000))
    note_signed_in(uid, login_name, ip, user_agent)
    return tokens


def change_password(uid: str, current_password: str, new_password: str, current_sid: str | None,
                    ip: str | None = None, user_agent: str | None = None) -> int:
    """Set a new password; every other session is revoked. Returns how many were.

    Raises :class:`InvalidCredentials` (wrong current password),
    :class:`RateLimited` (too many wrong tries: the login throttle,
    :func:`socialgraph.accounts.login_monitor.guard_reauthentication`) and
    :class:`ValidationFailed` (new password not acceptable, NIST SP 800-63B §5.1.1.2).
    """

    doc = _accounts().find_one({"_id": uid})
    if not doc:
        raise NotFound("account not found")
    login_monitor.guard_reauthentication(uid, ip, user_agent, lambda: check_password(doc, current_password))
    validate_password(new_password, doc["username"], doc["email"])
    _accounts().update_one({"_id": uid}, {"$set": {"password_hash": _hasher.hash(new_password),
                                                   "password_changed_at": clock.now()}})
    return sessions.revoke_all(uid, except_sid=current_sid, reason="password-changed")


#: access-token claim: the account had verified its email address when the
#: token was issued (one MongoDB read then, instead of one per write:
#: ``api.security.require_verified_email``). Sound because verification only
#: ever goes one way (nothing sets ``email_verified`` back to False; a deleted
#: account's tokens are refused by the revocation check); a token issued
#: before the verification lacks it and is checked against MongoDB.
VERIFIED_CLAIM = "ev"


def _access_claims(uid: str, claims: dict) -> dict:
    """``claims`` plus :data:`VERIFIED_CLAIM` when ``uid`` has verified its address."""
    return {**claims, VERIFIED_CLAIM: 1} if is_email_verified(uid) else claims


def issue_tokens(uid: str, sid: str | None = None, auth_ms: int | None = None) -> dict:
    """Access and refresh JWTs of session ``sid`` (a new id if none), carrying
    ``sid`` and ``auth_ms`` (the session's sign-in time, epoch ms; default now),
    which :func:`socialgraph.accounts.sessions.is_token_revoked` compares with
    the account's cut-off, and the access token ``ev`` (:func:`_access_claims`).
    Without ``sid`` the durable session is recorded
    here (tokens of a session that is not in MongoDB are refused)."""
    if sid is None:
        sid = uuid.uuid4().hex
        sessions.create(uid, sid, None, None)
    claims = {"sid": sid, "auth_ms": auth_ms if auth_ms is not None else sessions.now_ms()}
    cfg = current_app.config
    return {
        "access_token": create_access_token(identity=uid, additional_claims=_access_claims(uid, claims)),
        "refresh_token": create_refresh_token(identity=uid, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(cfg["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def refresh(uid: str, sid: str, auth_ms: int) -> dict:
    """A fresh access token for an unrevoked session (``auth_ms`` from the refresh token).

    Checks the durable session in MongoDB (not only the cache) and that the
    account exists and is active. Raises :class:`InvalidToken` otherwise."""

    sessions.require_active(uid, sid, auth_ms)
    sessions.touch(sid)
    cfg = current_app.config
    claims = _access_claims(uid, {"sid": sid, "auth_ms": auth_ms})
    return {
        "access_token": create_access_token(identity=uid, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(cfg["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }








# -- password reset ---------------------------------------------------------
def request_password_reset(email: str) -> None:
    """Queue a reset email if an account has ``email``; silent otherwise."""
    doc = _accounts().find_one({"email": email.strip().lower()}, {"_id": 1})
    if doc:
        stores.tasks().enqueue("jobs.mail.send_password_reset_email", doc["_id"])


def password_reset_email(uid: str):
    doc = _accounts().find_one({"_id": uid})
    if not doc:
        return None
    cfg = current_app.config
    token = _serializer("reset-password").dumps({"uid": uid, "fp": _password_fingerprint(doc["password_hash"])})
    # the web client's page (the token stays in the fragment, never sent to a server
    # log); apps send the token itself
    body = (f"Hello {doc['username']},\n\nsomeone asked to reset your socialgraph password. "
            f"If it was you, open this link to choose a new one:\n\n"
            f"{cfg['PUBLIC_BASE_URL']}/#/reset?token={token}\n\n"
            f"(In an app, send this token with a new password to POST /api/v1/auth/password-reset/confirm:\n\n"
            f"{token}\n\n)\n\nIt expires in {cfg['RESET_TOKEN_MAX_AGE'] // 60} minutes and works once. "
            f"If it was not you, ignore this email.\n")
    return mail.build_message(cfg, doc["email"], "Reset your password", body)


def confirm_password_reset(token: str, new_password: str) -> None:
    """Set a new password from a reset token; ends all sessions. Raises :class:`InvalidToken`."""
    try:
        data = _serializer("reset-password").loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise InvalidToken("the reset token has expired; ask for a new one")
    except BadSignature:
        raise InvalidToken("the reset token is not valid")
    doc = _accounts().find_one({"_id": data.get("uid")})
    if not doc or _password_fingerprint(doc["password_hash"]) != data.get("fp"):
        raise InvalidToken("the reset token is not valid or was already used")
    validate_password(new_password, doc["username"], doc["email"])
    result = _accounts().update_one(
        {"_id": doc["_id"], "password_hash": doc["password_hash"]},
        {"$set": {"password_hash": _hasher.hash(new_password), "password_changed_at": clock.now()}})
    if result.modified_count != 1:
        raise InvalidToken("the reset token is not valid or was already used")
    revoke_all_sessions(doc["_id"], reason="password-reset")


# -- profile ----------------------------------------------------------------
def get_me(uid: str) -> dict:
    """The caller's account and profile. Raises :class:`NotFound` if deleted."""
    doc = _accounts().find_one({"_id": uid})
    if not doc:
        raise NotFound("account not found")
    rows = stores.graph().read("graph/users/get_profile_by_uid", uid=uid)
    profile = rows[0]["user"] if rows else {}
    out = public_account(doc, profile)
    if rows:
        out["followers_count"] = rows[0]["followers_count"]
        out["following_count"] = rows[0]["following_count"]
    return out


def update_me(uid: str, display_name: str | None = None, bio: str | None = None) -> dict:
    """Change display name and/or bio; returns :func:`get_me`.

    Raises :class:`ValidationFailed` for a display name that would show as
    empty (only whitespace, bidi controls or zero-width characters).
    """

    display_name = _display_name(display_name)
    rows = stores.graph().write("graph/users/update_profile", uid=uid, display_name=display_name, bio=bio)
    if not rows:
        raise NotFound("account not found")
    forget_short_profile(uid)
    return get_me(uid)
