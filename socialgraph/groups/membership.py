"""Group membership and roles in the graph: joining, requests, invitations,
members, removal and bans, roles, leaving, ownership transfer, notification
levels (the rules are in :mod:`socialgraph.groups.directory`).
"""
from __future__ import annotations

import logging
from functools import partial

from socialgraph.core import clock, events
from socialgraph.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from socialgraph.core.pagination import (
    Page,
    as_utc,
    keyset_page,
)
from socialgraph.graph.relations import blocked_either_way
from socialgraph.groups.directory import (
    NOTIFY_LEVELS,
    RANK,
    ROLES,
    _graph,
    _load,
    _member,
    _readable,
    _user,
    _visible_user,
    forget_member_groups,
    get_group,
)

log = logging.getLogger(__name__)


# -- the group lock -------------------------------------------------------------
def _locked(group_id: str, work, *, users: tuple[str, ...] = (), group: bool = True):
    """Run ``work(tx)`` in one write transaction that first locks the group
    (``cypher/groups/lock_group.cypher``, unless ``group`` is false) and then
    ``users`` (``cypher/graph/friends/lock_users.cypher``, uid order), and
    decides on the standing it reads inside (:func:`_standing_in`), never on
    a read made before. Raises :class:`NotFound` (unknown group) and
    :class:`Conflict` (still racing after the store's retries); whatever
    ``work`` raises rolls the transaction back.

    The invariants kept this way: exactly one owner, at least one admin,
    never banned and a member at once. Changes that can touch the owner or
    the admins (roles, removal, bans, leaving, transfer) lock the group, so
    they run one after the other; a change of one user's standing also locks
    that user. Joining locks only the joining user: it cannot change the
    owner or the admins, and everything that decides whether they may join
    (a ban, an invitation, an approval) locks that user too, so a popular
    group's joins do not queue behind each other. Locks are always taken
    group first, then users, so two transactions never wait crosswise.
    """
    from neo4j.exceptions import TransientError

    def run(tx):
        if group and not tx.run("groups/lock_group", group_id=group_id):
            raise NotFound("group not found")
        if users:
            tx.run("graph/friends/lock_users", uids=sorted(set(users)))
        return work(tx)

    try:
        return _graph().transaction(run)
    except TransientError as exc:
        log.info("group change in %s lost a race: %s", group_id, exc)
        raise Conflict("another change to this group happened at the same time; try again")


def _standing_in(tx, group_id: str, uid: str) -> dict:
    """``groups/get_member`` of ``uid`` read inside the locking transaction."""
    rows = tx.run("groups/get_member", group_id=group_id, user=uid)
    if not rows:
        raise NotFound("group not found")
    return rows[0]


def _actor_in(tx, group_id: str, actor: str, min_role: str) -> dict:
    """The actor's standing inside the transaction; :class:`Forbidden` unless
    they are (still) a member of at least ``min_role``."""
    row = _standing_in(tx, group_id, actor)
    if not row["role"] or row["banned"]:
        raise Forbidden("only members of this group can do this")
    if RANK[row["role"]] < RANK[min_role]:
        raise Forbidden(f"only a group {min_role} or above can do this")
    return row


def _admins_in(tx, group_id: str) -> int:
    return tx.run("groups/count_admins", group_id=group_id)[0]["admins"]


# -- membership ----------------------------------------------------------------
def join(group_id: str, actor: str) -> dict:
    """Join a group: public groups and holders of an invitation become members
    at once (``{"status": "member"}``); a private group records a join request
    (``{"status": "requested"}``, event ``group.join_requested``).

    Raises :class:`NotFound` (unknown or secret without invitation),
    :class:`Forbidden` (banned, also by a ban that lands at the same moment:
    the ban is read inside the group-locking transaction).
    """
    row = _load(group_id, actor)
    if row["banned"]:
        raise Forbidden("you are banned from this group")
    if row["role"]:
        return {"status": "member", "role": row["role"]}

    def work(tx):
        s = _standing_in(tx, group_id, actor)
        if s["banned"]:
            raise Forbidden("you are banned from this group")
        if s["role"]:
            return {"status": "member", "role": s["role"], "created": False}
        if row["grp"]["privacy"] == "public" or s["invited"]:
            tx.run("groups/create_membership", group_id=group_id, user=actor, role="member", since=clock.now())
            return {"status": "member", "role": "member", "created": True}
        rows = tx.run("groups/create_join_request", group_id=group_id, user=actor, created_at=clock.now())
        return {"status": "requested", "role": None, "created": bool(rows and rows[0]["created"])}

    out = _locked(group_id, work, users=(actor,), group=False)
    created = out.pop("created")
    if out["status"] == "member":
        forget_member_groups(actor)
    elif created:
        events.publish("group.join_requested", group_id=group_id, requester=actor)
    return out


def cancel_request(group_id: str, actor: str) -> dict:
    """Withdraw one's own join request (idempotent)."""
    _load(group_id, actor)
    rows = _graph().write("groups/delete_join_request", group_id=group_id, user=actor)
    return {"deleted": bool(rows and rows[0]["deleted"])}


def decline_invitation(group_id: str, actor: str) -> dict:
    """Decline one's own invitation (idempotent)."""
    _load(group_id, actor)
    rows = _graph().write("groups/delete_invitation", group_id=group_id, user=actor)
    return {"deleted": bool(rows and rows[0]["deleted"])}


def invite(group_id: str, actor: str, username: str) -> dict:
    """A member invites ``username`` (event ``group.invited``). Returns
    ``{"invited": True, "created": bool}``.

    Raises :class:`NotFound` (group, or user unknown or blocked either way),
    :class:`Forbidden` (not a member), :class:`Conflict` (already a member or
    banned), :class:`ValidationFailed` (oneself).
    """
    _member(group_id, actor)
    invitee = _visible_user(actor, username)
    if invitee == actor:
        raise ValidationFailed("you are already in this group", errors=[{"field": "username", "message": "is yourself"}])

    def work(tx):
        _actor_in(tx, group_id, actor, "member")
        standing = _standing_in(tx, group_id, invitee)
        if standing["role"]:
            raise Conflict(f"{username} is already a member")
        if standing["banned"]:
            raise Conflict(f"{username} is banned from this group")
        rows = tx.run("groups/create_invitation", group_id=group_id, invitee=invitee, by=actor,
                      created_at=clock.now())
        return bool(rows and rows[0]["created"])

    created = _locked(group_id, work, users=(invitee,))
    if created:
        events.publish("group.invited", group_id=group_id, inviter=actor, invitee=invitee)
    return {"invited": True, "created": created}


def list_join_requests(group_id: str, actor: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Pending join requests, oldest first (moderators and admins):
    ``[{uid, username, display_name, requested_at}]``."""
    _member(group_id, actor, "moderator")
    return keyset_page(partial(_graph().read, "groups/list_join_requests", group_id=group_id), cursor, limit,
                       lambda r: {"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
                                  "requested_at": as_utc(r["at"])})


def decide_join_request(group_id: str, actor: str, username: str, approve: bool) -> dict:
    """Approve (member, event ``group.join_approved``) or reject a join request
    (moderators and admins). Raises :class:`NotFound` when there is no such
    request (also when a ban removed it meanwhile)."""
    _member(group_id, actor, "moderator")
    uid = _user(username)

    def work(tx):
        _actor_in(tx, group_id, actor, "moderator")
        standing = _standing_in(tx, group_id, uid)
        if not standing["requested"] or standing["banned"]:
            raise NotFound(f"no join request from {username!r}")
        if approve:
            tx.run("groups/create_membership", group_id=group_id, user=uid, role="member", since=clock.now())
        else:
            tx.run("groups/delete_join_request", group_id=group_id, user=uid)

    _locked(group_id, work, users=(uid,))
    if approve:
        forget_member_groups(uid)
        events.publish("group.join_approved", group_id=group_id, user_id=uid, approver=actor)
        return {"status": "member"}
    return {"status": "rejected"}


def list_members(group_id: str, viewer: str | None, role: str | None = None, cursor: str | None = None,
                 limit: int | None = None) -> Page:
    """Members, newest first: ``[{uid, username, display_name, role, owner,
    since}]``; ``role`` filters. Private/secret: members only (else 404).
    Users blocked either way with the viewer are left out."""

    _readable(group_id, viewer)
    if role is not None and role not in ROLES:
        raise ValidationFailed("unknown role", errors=[{"field": "role", "message": "one of " + ", ".join(ROLES)}])
    hidden = blocked_either_way(viewer)
    return keyset_page(partial(_graph().read, "groups/list_members", group_id=group_id, role=role), cursor, limit,
                       lambda r: {"uid": r["uid"], "username": r["username"], "display_name": r["display_name"],
                                  "role": r["role"], "owner": r["owner"], "since": as_utc(r["at"])},
                       keep=lambda r: r["uid"] not in hidden)


def _check_outranks(actor_row: dict, target: dict, what: str) -> None:
    """Admins act on anyone but the owner; moderators on plain members only."""
    if target["owner"]:
        raise Forbidden(f"the owner cannot be {what}")
    if actor_row["role"] == "admin":
        return
    if RANK[target["role"]] >= RANK[actor_row["role"]]:
        raise Forbidden(f"a {actor_row['role']} cannot act on a {target['role']}; only admins can")


def remove_member(group_id: str, actor: str, username: str) -> None:
    """Remove a member (admins: anyone but the owner; moderators: plain members).

    Raises :class:`NotFound` (not a member), :class:`Forbidden` (rank),
    :class:`Conflict` (the group's last admin). Rank and admin count are
    read inside the group-locking transaction.
    """
    _member(group_id, actor, "moderator")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("use leave to leave a group", errors=[{"field": "username", "message": "is yourself"}])

    def work(tx):
        row = _actor_in(tx, group_id, actor, "moderator")
        target = _standing_in(tx, group_id, uid)
        if not target["role"]:
            raise NotFound(f"{username!r} is not a member")
        _check_outranks(row, target, "removed")
        if target["role"] == "admin" and _admins_in(tx, group_id) <= 1:
            raise Conflict("the group's last admin cannot be removed")
        rows = tx.run("groups/delete_membership", group_id=group_id, user=uid)
        if not rows or not rows[0]["deleted"]:
            raise Conflict("the group's last admin cannot be removed")

    _locked(group_id, work, users=(uid,))
    forget_member_groups(uid)


def ban(group_id: str, actor: str, username: str) -> dict:
    """Ban a user (membership, request and invitation go; they cannot rejoin or
    be invited until unbanned). Same rank rules as :func:`remove_member`; a
    non-member can be banned too. The owner and the last admin cannot be
    banned (:class:`Forbidden` / :class:`Conflict`), also when they became
    so a moment earlier (all read inside the group-locking transaction)."""
    _member(group_id, actor, "moderator")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("you cannot ban yourself", errors=[{"field": "username", "message": "is yourself"}])

    def work(tx):
        row = _actor_in(tx, group_id, actor, "moderator")
        target = _standing_in(tx, group_id, uid)
        if target["role"]:
            _check_outranks(row, target, "banned")
            if target["role"] == "admin" and _admins_in(tx, group_id) <= 1:
                raise Conflict("the group's last admin cannot be banned")
        tx.run("groups/create_ban", group_id=group_id, user=uid, by=actor, created_at=clock.now())

    _locked(group_id, work, users=(uid,))
    forget_member_groups(uid)
    return {"banned": True}


def unban(group_id: str, actor: str, username: str) -> dict:
    """Lift a ban (moderators and admins). ``{"banned": False, "deleted": bool}``."""
    _member(group_id, actor, "moderator")
    uid = _user(username)

    def work(tx):
        _actor_in(tx, group_id, actor, "moderator")
        rows = tx.run("groups/delete_ban", group_id=group_id, user=uid)
        return bool(rows and rows[0]["deleted"])

    return {"banned": False, "deleted": _locked(group_id, work, users=(uid,))}


def _other_admins(group_id: str, uid: str) -> int:
    rows = _graph().read("groups/list_members", group_id=group_id, role="admin", after_at=None,
                         after_uid=None, limit=2)
    return len([r for r in rows if r["uid"] != uid])


def set_role(group_id: str, actor: str, username: str, role: str) -> dict:
    """Promote or demote a member to ``role`` (admins only). The owner's role
    cannot change (transfer ownership instead), and the last admin cannot be
    demoted (:class:`Conflict`): two admins demoting each other at once leave
    one admin, because the second sees the first's demotion inside the
    group-locking transaction (and is no longer an admin). Returns the
    member entry."""
    _member(group_id, actor, "admin")
    if role not in ROLES:
        raise ValidationFailed("unknown role", errors=[{"field": "role", "message": "one of " + ", ".join(ROLES)}])
    uid = _user(username)

    def work(tx):
        _actor_in(tx, group_id, actor, "admin")
        target = _standing_in(tx, group_id, uid)
        if not target["role"]:
            raise NotFound(f"{username!r} is not a member")
        if target["owner"]:
            raise Conflict("the owner is always an admin; transfer ownership first")
        if target["role"] == "admin" and role != "admin" and _admins_in(tx, group_id) <= 1:
            raise Conflict("a group needs at least one admin")
        tx.run("groups/update_member_role", group_id=group_id, user=uid, role=role)

    _locked(group_id, work, users=(uid,))
    return {"uid": uid, "username": username, "role": role, "owner": False}


def leave(group_id: str, actor: str) -> None:
    """Leave a group. The owner must transfer ownership first, and the last
    admin cannot leave (:class:`Conflict`); :class:`NotFound` for non-members.
    Decided inside the group-locking transaction."""
    _load(group_id, actor)

    def work(tx):
        row = _standing_in(tx, group_id, actor)
        if not row["role"]:
            raise NotFound("you are not a member of this group")
        if row["owner"]:
            raise Conflict("the owner cannot leave; transfer ownership to another member first")
        if row["role"] == "admin" and _admins_in(tx, group_id) <= 1:
            raise Conflict("the last admin cannot leave; make another member admin first")
        rows = tx.run("groups/delete_membership", group_id=group_id, user=actor)
        if not rows or not rows[0]["deleted"]:
            raise Conflict("the last admin cannot leave; make another member admin first")

    _locked(group_id, work, users=(actor,))
    forget_member_groups(actor)


def transfer_ownership(group_id: str, actor: str, username: str) -> dict:
    """The owner hands the group to another member, who becomes an admin; the
    old owner stays an admin. Raises :class:`Forbidden` (not the owner),
    :class:`NotFound` (target not a member, also when a ban removed them a
    moment earlier). Decided inside the group-locking transaction, so the
    group always has exactly one owner."""
    row = _member(group_id, actor, "member")
    if not row["owner"]:
        raise Forbidden("only the owner can transfer ownership")
    uid = _user(username)
    if uid == actor:
        raise ValidationFailed("you already own this group", errors=[{"field": "username", "message": "is yourself"}])

    def work(tx):
        if not _standing_in(tx, group_id, actor)["owner"]:
            raise Forbidden("only the owner can transfer ownership")
        target = _standing_in(tx, group_id, uid)
        if not target["role"] or target["banned"]:
            raise NotFound(f"{username!r} is not a member")
        if not tx.run("groups/transfer_ownership", group_id=group_id, from_uid=actor, to_uid=uid):
            raise NotFound(f"{username!r} is not a member")

    _locked(group_id, work, users=(uid,))
    return get_group(group_id, actor)


def set_notifications(group_id: str, actor: str, level: str) -> dict:
    """How closely the member follows the group (``all``: notified of every new
    post; ``highlights``, the default; ``off``). Returns ``{"notifications": level}``."""
    if level not in NOTIFY_LEVELS:
        raise ValidationFailed("unknown level", errors=[{"field": "level", "message": "one of " + ", ".join(NOTIFY_LEVELS)}])
    _member(group_id, actor)
    _graph().write("groups/update_member_notifications", group_id=group_id, user=actor, level=level)
    return {"notifications": level}


def close_followers(group_id: str, exclude: str | None = None) -> list[str]:
    """uids of members following ``group_id`` closely (level ``all``), without
    ``exclude``: the recipients of ``group.post_created`` notifications."""
    return [r["uid"] for r in _graph().read("groups/list_close_followers", group_id=group_id, exclude=exclude)]
