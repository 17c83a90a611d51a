"""Passwords: argon2id hashing and the acceptance rules.

Hashed with argon2id (``argon2-cffi`` defaults, the RFC 9106 low-memory
profile). The rules follow NIST SP 800-63B §5.1.1.2: a length range, no
context words (username, email), not a commonly used password, and a
strength estimate. The estimate is Dropbox's zxcvbn (``zxcvbn`` on PyPI,
Wheeler, "zxcvbn: Low-Budget Password Strength Estimation", USENIX
Security 2016); the common-password list is the 30,000-entry ``passwords``
frequency list that ships inside that package (from leaked-password
corpora), so it is maintained with it rather than by us.
"""
from __future__ import annotations

import hashlib
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from socialgraph.core.errors import InvalidCredentials, ValidationFailed

_hasher = PasswordHasher()


# A real hash of a random password, so unknown users cost as much time as known ones.
_DUMMY_HASH = _hasher.hash(uuid.uuid4().hex)


MIN_PASSWORD = 10


MAX_PASSWORD = 256

#: Lowest zxcvbn score accepted (0..4; 3 = "safely unguessable: moderate
#: protection from offline slow-hash scenario", ~10^8 guesses or more).
MIN_STRENGTH_SCORE = 3

#: zxcvbn's own maximum input length.
ZXCVBN_MAX_CHARS = 72

#: The common passwords (lower-case) bundled with zxcvbn.
COMMON_PASSWORDS = frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def _password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def validate_password(password: str, username: str = "", email: str = "") -> None:
    """Length 10..256, not the username or email, not a common password, and a
    zxcvbn score of at least :data:`MIN_STRENGTH_SCORE` with the username and
    email as context (NIST SP 800-63B §5.1.1.2).

    Raises :class:`ValidationFailed` with a ``password`` field error (the
    estimator's warning and suggestions when it has them).
    """
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"must be at least {MIN_PASSWORD} characters")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"must be at most {MAX_PASSWORD} characters")
    elif password.lower() in {username.lower(), email.lower()}:
        problems.append("must not be your username or email")
    elif password.strip().lower() in COMMON_PASSWORDS:
        problems.append("is one of the most commonly used passwords")
    else:
        # zxcvbn refuses (ValueError) more than 72 characters; its cost grows with length, so it
        # judges the first 72 (a longer passphrase only adds guesses)
        result = zxcvbn(password[:ZXCVBN_MAX_CHARS],
                        user_inputs=[u for u in (username, email, email.split("@")[0]) if u])
        if result["score"] < MIN_STRENGTH_SCORE:
            feedback = result.get("feedback") or {}
            hint = " ".join([feedback.get("warning") or ""] + list(feedback.get("suggestions") or [])).strip()
            problems.append("is too easy to guess" + (f": {hint}" if hint else ""))
    if problems:
        raise ValidationFailed("password is not acceptable",
                               errors=[{"field": "password", "message": m} for m in problems])


def check_password(doc: dict, password: str) -> None:
    """Raise :class:`InvalidCredentials` unless ``password`` matches the account ``doc``."""
    try:
        _hasher.verify(doc["password_hash"], password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials("the password is wrong")
