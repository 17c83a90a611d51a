"""The last-admin rules at their exact boundaries, and the second guards of
the group-locked steps driven deterministically (issue 21, mutation
survivors of ``group_roles``).

Each rule is checked twice inside one group-locking transaction: a Python
check on what the transaction read, then the write's own guard (the Cypher
of ``groups/delete_membership`` refuses the owner and the last admin). Under
the lock the first check always decides, so the later guard is reached only
when the state changed between the read and the write: the race suites
(``tests/integration/groups/test_races.py``) try for that with threads and
many trials. Here the change is made at that exact point instead:
:func:`_between` runs a real write inside the same transaction right after a
given read, so the read the Python check decides on is stale, as if the
lock had not serialised a concurrent demotion, and the later guard is the
only one left. The transaction is rolled back on the refusal, the injected
change with it.

A group whose owner edge is gone (the doctor reports and repairs it; the
race suites plant it the same way) is the only state where a non-owner is
the group's last admin, so the last-admin cases plant one and drop the
group afterwards.
"""
from __future__ import annotations

import pytest

from socialgraph import stores
from socialgraph.stores.graphdb import GraphTx

G = "/api/v1/groups"
PROBLEM = "application/problem+json"


def _problem(r, status: int, slug: str) -> None:
    assert (r.status_code, r.mimetype, r.get_json()["type"]) == (status, PROBLEM, f"/problems/{slug}"), r.get_json()


def _add(owner, gid, user, role):
    assert owner.post(f"{G}/{gid}/invitations", json={"username": user.username}).status_code == 201
    assert user.post(f"{G}/{gid}/join").get_json()["status"] == "member"
    if role != "member":
        assert owner.put(f"{G}/{gid}/members/{user.username}/role", json={"role": role}).status_code == 200
    return user


def _state(app, gid: str) -> dict:
    """The group as the graph holds it: ``{"roles": {uid: role}, "owners":
    [uid], "banned": {uid}}`` (read directly, past every cache)."""
    with app.app_context():
        g = stores.graph()
        rows = g.run_text("MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $g}) "
                          "RETURN u.uid AS uid, m.role AS role, coalesce(m.owner, false) AS owner", g=gid)
        banned = {r["uid"] for r in g.run_text("MATCH (u:User)-[:BANNED_FROM]->(:Group {uid: $g}) "
                                               "RETURN u.uid AS uid", g=gid)}
    return {"roles": {r["uid"]: r["role"] for r in rows}, "owners": [r["uid"] for r in rows if r["owner"]],
            "banned": banned}


def _invariants(state: dict, *, owners: int = 1) -> None:
    """At least one admin, never banned and a member at once, ``owners`` owners."""
    assert len(state["owners"]) == owners, state
    assert list(state["roles"].values()).count("admin") >= 1, state
    assert not state["banned"] & set(state["roles"]), state


@pytest.fixture()
def group(app, make_user):
    """``make(*roles, ownerless=False)`` -> ``(gid, owner, [users])``: a private
    group of a new owner with one new member per role. ``ownerless`` deletes
    the owner's membership afterwards (then the group is dropped at teardown,
    as the race suites do, so the doctor does not find it)."""
    planted = []

    def make(*roles, ownerless=False):
        owner = make_user("glo")
        gid = owner.post(G, json={"name": "Last admin", "description": "", "privacy": "private"}).get_json()["id"]
        people = [_add(owner, gid, make_user("glm"), role) for role in roles]
        if ownerless:
            with app.app_context():
                stores.graph().run_text("MATCH (:User {uid: $u})-[m:MEMBER_OF]->(:Group {uid: $g}) DELETE m",
                                        u=owner.uid, g=gid)
            planted.append(gid)
        return gid, owner, people

    yield make
    with app.app_context():
        for gid in planted:
            stores.graph().run_text("MATCH (g:Group {uid: $g}) DETACH DELETE g", g=gid)


@pytest.fixture()
def between(monkeypatch):
    """``between(after, change, user=None)``: inside the next group transaction,
    right after the catalog read ``after`` (of ``user``, when given) returns,
    run ``change(run)`` in the same transaction (``run(name, **params)`` runs
    a catalog query there), once; the caller still gets the read's (now
    stale) rows. Returns a list that records each injection."""
    done: list[str] = []
    original = GraphTx.run

    def install(after: str, change, user: str | None = None):
        def run(self, name, **params):
            rows = original(self, name, **params)
            if not done and name == after and (user is None or params.get("user") == user):
                done.append(name)
                change(lambda n, **p: original(self, n, **p))
            return rows

        monkeypatch.setattr(GraphTx, "run", run)
        return done

    return install


def _demote(gid, uid):
    return lambda run: run("groups/update_member_role", group_id=gid, user=uid, role="member")


# -- exactly two admins: one of them may go ------------------------------------------------
@pytest.mark.parametrize("action", ["ban", "remove", "leave", "step_down"])
def test_with_exactly_two_admins_the_second_may_go(app, group, action):
    """The owner and one other admin: that admin can be banned or removed, or
    leave or step down, and the owner stays as the one admin (the count is
    ``<= 1``, not ``<= 2``)."""
    gid, owner, [admin] = group("admin")
    if action == "ban":
        r = owner.put(f"{G}/{gid}/bans/{admin.username}")
        assert r.status_code == 200 and r.get_json() == {"banned": True}, r.get_json()
    elif action == "remove":
        assert owner.delete(f"{G}/{gid}/members/{admin.username}").status_code == 204
    elif action == "leave":
        assert admin.post(f"{G}/{gid}/leave").status_code == 204
    else:
        r = admin.put(f"{G}/{gid}/members/{admin.username}/role", json={"role": "member"})
        assert r.status_code == 200 and r.get_json()["role"] == "member", r.get_json()
    s = _state(app, gid)
    _invariants(s)
    assert s["roles"] == ({owner.uid: "admin", admin.uid: "member"} if action == "step_down" else {owner.uid: "admin"})
    assert s["banned"] == ({admin.uid} if action == "ban" else set())


def test_role_change_of_a_non_member_is_404(app, group, make_user):
    """Not a member (never, or no longer): 404, and they do not become one."""
    gid, owner, [gone] = group("member")
    assert gone.post(f"{G}/{gid}/leave").status_code == 204
    for user in (make_user("gln"), gone):
        _problem(owner.put(f"{G}/{gid}/members/{user.username}/role", json={"role": "moderator"}), 404, "not-found")
    assert _state(app, gid)["roles"] == {owner.uid: "admin"}


# -- exactly one admin left (the owner edge gone) -----------------------------------------
@pytest.mark.parametrize("role", ["member", "moderator"])
def test_the_last_admin_cannot_step_down(app, group, role):
    """The one admin of an owner-less group stepping down to ``role``: 409,
    still the admin (no Cypher guard behind this check)."""
    gid, _owner, [admin, member] = group("admin", "member", ownerless=True)
    _problem(admin.put(f"{G}/{gid}/members/{admin.username}/role", json={"role": role}), 409, "conflict")
    assert _state(app, gid)["roles"] == {admin.uid: "admin", member.uid: "member"}


def test_the_last_admin_may_stay_admin_and_leaving_is_409(app, group):
    """Setting the last admin's role to admin changes nothing and is allowed;
    their leaving is refused (409) and leaves the group as it was."""
    gid, _owner, [admin, member] = group("admin", "member", ownerless=True)
    r = admin.put(f"{G}/{gid}/members/{admin.username}/role", json={"role": "admin"})
    assert r.status_code == 200 and r.get_json()["role"] == "admin", r.get_json()
    r = admin.post(f"{G}/{gid}/leave")
    _problem(r, 409, "conflict")
    assert "last admin" in r.get_json()["detail"]
    s = _state(app, gid)
    _invariants(s, owners=0)
    assert s["roles"] == {admin.uid: "admin", member.uid: "member"}


def test_of_two_admins_without_an_owner_one_may_step_down_not_both(app, group):
    gid, _owner, [a, b] = group("admin", "admin", ownerless=True)
    assert a.put(f"{G}/{gid}/members/{a.username}/role", json={"role": "member"}).status_code == 200
    _problem(b.put(f"{G}/{gid}/members/{b.username}/role", json={"role": "member"}), 409, "conflict")
    assert _state(app, gid)["roles"] == {a.uid: "member", b.uid: "admin"}


# -- the second guard, with the first one's read made stale ---------------------------------
def test_removal_whose_count_went_stale_is_refused_by_the_write(app, group, between):
    """A removes admin B; after the count (two admins), A is demoted in the same
    transaction: the delete's own guard sees B as the last admin, so 409 and
    nothing changes (the demotion is rolled back with the rest)."""
    gid, _owner, [a, b] = group("admin", "admin", ownerless=True)
    done = between("groups/count_admins", _demote(gid, a.uid))
    r = a.delete(f"{G}/{gid}/members/{b.username}")
    assert done == ["groups/count_admins"]
    _problem(r, 409, "conflict")
    assert "last admin" in r.get_json()["detail"]
    assert _state(app, gid)["roles"] == {a.uid: "admin", b.uid: "admin"}


def test_leaving_whose_count_went_stale_is_refused_by_the_write(app, group, between):
    """A leaves; after the count (two admins), B is demoted in the same
    transaction: the delete's guard sees A as the last admin: 409, unchanged."""
    gid, _owner, [a, b] = group("admin", "admin", ownerless=True)
    done = between("groups/count_admins", _demote(gid, b.uid))
    r = a.post(f"{G}/{gid}/leave")
    assert done == ["groups/count_admins"]
    _problem(r, 409, "conflict")
    assert "last admin" in r.get_json()["detail"]
    assert _state(app, gid)["roles"] == {a.uid: "admin", b.uid: "admin"}


@pytest.mark.parametrize("action", ["ban", "demote"])
def test_acting_admin_demoted_after_their_check_cannot_take_the_last_admin(app, group, between, action):
    """A bans or demotes admin B; right after B's standing is read, A is
    demoted in the same transaction (A's own check already passed): B is now
    the last admin, and the admin count read next refuses (409, nothing
    changes). Neither the ban's nor the role write's Cypher has a guard of
    its own, so this check is all that keeps an admin."""
    gid, _owner, [a, b] = group("admin", "admin", ownerless=True)
    done = between("groups/get_member", _demote(gid, a.uid), user=b.uid)
    if action == "ban":
        r = a.put(f"{G}/{gid}/bans/{b.username}")
    else:
        r = a.put(f"{G}/{gid}/members/{b.username}/role", json={"role": "member"})
    assert done == ["groups/get_member"]
    _problem(r, 409, "conflict")
    s = _state(app, gid)
    _invariants(s, owners=0)
    assert s["roles"] == {a.uid: "admin", b.uid: "admin"} and not s["banned"]
