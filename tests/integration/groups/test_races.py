"""Races on group roles and membership (issue 25, item 3), fired from
threads released by a barrier; the invariants (exactly one owner, at least
one admin, never banned and member at once) are read from the graph."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.core.errors import Conflict, Forbidden, NotFound
from socialgraph.groups import directory, membership
from tests.integration.racing import TRIALS, expected_errors, new_user, race


def _state(group_id: str) -> dict:
    g = stores.graph()
    members = g.run_text("MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $g}) "
                         "RETURN u.uid AS uid, m.role AS role, coalesce(m.owner, false) AS owner", g=group_id)
    banned = {r["uid"] for r in g.run_text("MATCH (u:User)-[:BANNED_FROM]->(:Group {uid: $g}) RETURN u.uid AS uid",
                                           g=group_id)}
    return {"owners": sum(1 for m in members if m["owner"]),
            "admins": sum(1 for m in members if m["role"] == "admin"),
            "banned_members": sum(1 for m in members if m["uid"] in banned)}


def _group_with(*roles: str):
    """A public group owned by a new user, with one new member per entry of
    ``roles`` (``"admin"``, ``"moderator"``, ``"member"``): ``(gid, owner, [(uid, username)])``."""
    owner, _ = new_user("go")
    gid = directory.create_group(owner, "Race Room")["id"]
    people = []
    for role in roles:
        uid, name = new_user("gm")
        membership.join(gid, uid)
        if role != "member":
            membership.set_role(gid, owner, name, role)
        people.append((uid, name))
    return gid, owner, people


def test_transfer_racing_ban_of_new_owner_keeps_one_owner(ctx):
    broken = []
    for trial in range(TRIALS):
        gid, owner, [(admin, _), (x, x_name)] = _group_with("admin", "member")
        outs = race(ctx, lambda: membership.transfer_ownership(gid, owner, x_name),
                    lambda: membership.ban(gid, admin, x_name))
        expected_errors(outs, Conflict, Forbidden, NotFound)
        s = _state(gid)
        if s["owners"] != 1 or s["banned_members"]:
            broken.append((trial, s))
    assert not broken, f"{len(broken)} of {TRIALS} trials broke: {broken}"


def _drop(gid: str) -> None:
    stores.graph().run_text("MATCH (g:Group {uid: $g}) DETACH DELETE g", g=gid)


def test_admins_demoting_each_other_keep_one_admin(ctx):
    """Two admins of a group whose owner is gone (the owner's account was
    deleted) demote each other at once: one admin stays."""
    broken = []
    for trial in range(TRIALS):
        gid, owner, [(a, a_name), (b, b_name)] = _group_with("admin", "admin")
        stores.graph().run_text("MATCH (:User {uid: $u})-[m:MEMBER_OF]->(:Group {uid: $g}) DELETE m",
                                u=owner, g=gid)
        outs = race(ctx, lambda: membership.set_role(gid, a, b_name, "member"),
                    lambda: membership.set_role(gid, b, a_name, "member"))
        expected_errors(outs, Conflict, Forbidden)
        s = _state(gid)
        _drop(gid)  # an owner-less group is this test's own planting (the doctor flags it)
        if s["admins"] < 1:
            broken.append((trial, s))
    assert not broken, f"{len(broken)} of {TRIALS} trials left no admin: {broken}"


def test_last_admins_leaving_and_demoting_keep_one_admin(ctx):
    """One admin leaves while the other demotes them... and themself is
    demoted: with the owner gone, never zero admins."""
    broken = []
    for trial in range(TRIALS):
        gid, owner, [(a, a_name), (b, b_name)] = _group_with("admin", "admin")
        stores.graph().run_text("MATCH (:User {uid: $u})-[m:MEMBER_OF]->(:Group {uid: $g}) DELETE m",
                                u=owner, g=gid)
        outs = race(ctx, lambda: membership.leave(gid, a), lambda: membership.set_role(gid, a, b_name, "member"))
        expected_errors(outs, Conflict, Forbidden, NotFound)
        admins = _state(gid)["admins"]
        _drop(gid)  # an owner-less group is this test's own planting (the doctor flags it)
        if admins < 1:
            broken.append(trial)
    assert not broken, f"{len(broken)} of {TRIALS} trials left no admin: {broken}"


def test_join_racing_ban_never_banned_and_member(ctx):
    broken = []
    for trial in range(TRIALS):
        gid, owner, _ = _group_with()
        x, x_name = new_user("gj")
        outs = race(ctx, lambda: membership.join(gid, x), lambda: membership.ban(gid, owner, x_name))
        expected_errors(outs, Conflict, Forbidden)
        s = _state(gid)
        if s["banned_members"]:
            broken.append(trial)
    assert not broken, f"{len(broken)} of {TRIALS} trials left a banned member: {broken}"
