"""Operator actions on accounts (the ``socialgraph users ...`` commands).

Roles are kept in MongoDB ``accounts.role``: ``user`` (everyone) or ``admin``
(the moderation queue and actions, :mod:`socialgraph.moderation.service`).
Mastodon's ``tootctl accounts create USERNAME --email E --confirmed --role``
is the model for :func:`create_account`.
"""
from __future__ import annotations

from socialgraph import stores
from socialgraph.accounts.service import public_account, register
from socialgraph.core.errors import Conflict, NotFound, ValidationFailed
from socialgraph.core.text import normalise_username

#: every role an account may hold, least privileged first
ROLES = ("user", "admin")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed("unknown role", errors=[{"field": "role", "message": "one of " + ", ".join(ROLES)}])
    return role


def create_account(username: str, email: str, password: str, role: str = "user",
                   confirmed: bool = False) -> dict:
    """Register an account as signup does (same validation, graph node, verification
    mail), then give it ``role`` and, with ``confirmed``, a verified address.

    Returns the ``public_account`` shape. Raises :class:`ValidationFailed` (bad
    username, password or role) and :class:`Conflict` (username or email taken).
    """
    _check_role(role)
    # signup answers a taken address like a success (no enumeration); an operator is told
    if stores.mongo().accounts.find_one({"email": email.strip().lower()}, {"_id": 1}):
        raise Conflict("email is already taken", errors=[{"field": "email", "message": "already taken"}])
    account = register(username, email, password)
    changes = {"role": role, **({"email_verified": True} if confirmed else {})}
    stores.mongo().accounts.update_one({"_id": account["uid"]}, {"$set": changes})
    account.update(changes)
    return account


def set_role(username: str, role: str) -> dict:
    """Give the account ``username`` the role ``role``; returns ``public_account``.

    Raises :class:`NotFound` (no such account) and :class:`ValidationFailed` (unknown role).
    """
    _check_role(role)
    doc = stores.mongo().accounts.find_one_and_update(
        {"username": normalise_username(username)}, {"$set": {"role": role}}, return_document=True)
    if doc is None:
        raise NotFound(f"no account {username!r}")
    return public_account(doc)
