"""Passwords: argon2id hashing and the acceptance rules.

Hashed with argon2id (``argon2-cffi`` defaults, the RFC 9106 low-memory
profile). The rules follow NIST SP 800-63B §5.1.1.2.
"""
from __future__ import annotations

import hashlib
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from socialgraph.core.errors import InvalidCredentials, ValidationFailed

_hasher = PasswordHasher()


# A real hash of a random password, so unknown users cost as much time as known ones.
_DUMMY_HASH = _hasher.hash(uuid.uuid4().hex)


MIN_PASSWORD = 10


MAX_PASSWORD = 256


def _password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def validate_password(password: str, username: str = "", email: str = "") -> None:
    """Length 10..256 and not the username or email (NIST SP 800-63B §5.1.1.2).

    Raises :class:`ValidationFailed` with a ``password`` field error.
    """
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"must be at least {MIN_PASSWORD} characters")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"must be at most {MAX_PASSWORD} characters")
    elif password.lower() in {username.lower(), email.lower()}:
        problems.append("must not be your username or email")
    if problems:
        raise ValidationFailed("password is not acceptable",
                               errors=[{"field": "password", "message": m} for m in problems])


def check_password(doc: dict, password: str) -> None:
    """Raise :class:`InvalidCredentials` unless ``password`` matches the account ``doc``."""
    try:
        _hasher.verify(doc["password_hash"], password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials("the password is wrong")
