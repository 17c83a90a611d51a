"""Group ranks, one case per (actor role, target role, action): who may remove
or ban whom, and that a refused action leaves the membership as it was."""
from __future__ import annotations

import pytest

G = "/api/v1/groups"
PROBLEM = "application/problem+json"

ROLES = ("member", "moderator", "admin")
TARGETS = ("member", "moderator", "admin", "owner")


def _allowed(actor: str, target: str) -> bool:
    """Admins act on anyone but the owner; moderators on plain members only."""
    if target == "owner" or actor == "member":
        return False
    return actor == "admin" or target == "member"


def _user(client, prefix):
    from tests.conftest import ApiUser, unique, verify_user

    name, pw = unique(prefix), "correct horse battery"
    r = client.post("/api/v1/auth/register", json={"username": name, "email": f"{name}@example.test", "password": pw})
    assert r.status_code == 201, r.get_json()
    verify_user(client, r.get_json()["uid"], f"{name}@example.test")
    tokens = client.post("/api/v1/auth/login", json={"login": name, "password": pw}).get_json()
    return ApiUser(client, name, f"{name}@example.test", pw, tokens, r.get_json()["uid"])


def _add(owner, gid, user, role):
    assert owner.post(f"{G}/{gid}/invitations", json={"username": user.username}).status_code == 201
    assert user.post(f"{G}/{gid}/join").get_json()["status"] == "member"
    if role != "member":
        assert owner.put(f"{G}/{gid}/members/{user.username}/role", json={"role": role}).status_code == 200
    return user


@pytest.fixture(scope="module")
def ranks(app):
    """One group with an actor and a standing target of each role (refused
    actions must leave them as they are, so the cases can share them)."""
    client = app.test_client()
    owner = _user(client, "gro")
    gid = owner.post(G, json={"name": "Ranks", "description": "", "privacy": "private"}).get_json()["id"]
    actors = {role: _add(owner, gid, _user(client, "gra"), role) for role in ROLES}
    targets = {role: _add(owner, gid, _user(client, "grt"), role) for role in ROLES}
    targets["owner"] = owner
    return {"id": gid, "owner": owner, "actors": actors, "targets": targets, "client": client}


def _roles(owner, gid):
    return {m["username"]: m["role"] for m in owner.get(f"{G}/{gid}/members").get_json()["items"]}


@pytest.mark.parametrize("action", ["remove", "ban"])
@pytest.mark.parametrize("target_role", TARGETS)
@pytest.mark.parametrize("actor_role", ROLES)
def test_who_may_remove_or_ban_whom(ranks, actor_role, target_role, action):
    gid, owner, actor = ranks["id"], ranks["owner"], ranks["actors"][actor_role]
    allowed = _allowed(actor_role, target_role)
    # an allowed action gets a target of its own; a refused one uses the shared one
    target = _add(owner, gid, _user(ranks["client"], "grt"), target_role) if allowed else ranks["targets"][target_role]
    before = _roles(owner, gid)
    if action == "remove":
        r = actor.delete(f"{G}/{gid}/members/{target.username}")
    else:
        r = actor.put(f"{G}/{gid}/bans/{target.username}")
    if allowed:
        assert r.status_code == (204 if action == "remove" else 200), r.get_json()
        if action == "ban":
            assert r.get_json() == {"banned": True}
        after = _roles(owner, gid)
        assert after == {k: v for k, v in before.items() if k != target.username}
        # a ban keeps them out; after a removal they may ask again
        rejoin = target.post(f"{G}/{gid}/join")
        assert rejoin.status_code == (403 if action == "ban" else 200)
    else:
        assert r.status_code == 403 and r.mimetype == PROBLEM, r.get_json()
        assert _roles(owner, gid) == before
        assert target.get(f"{G}/{gid}/posts").status_code == 200  # still a member


@pytest.fixture()
def group(make_user):
    owner, actor, target = make_user("gro"), make_user("gra"), make_user("grt")
    gid = owner.post(G, json={"name": "Ranks", "description": "", "privacy": "private"}).get_json()["id"]

    def setup(actor_role, target_role):
        _add(owner, gid, actor, actor_role)
        return _add(owner, gid, target, target_role)

    return {"id": gid, "owner": owner, "actor": actor, "setup": setup}


@pytest.mark.parametrize("actor_role", ROLES)
def test_only_admins_change_roles(group, actor_role):
    gid, owner, actor = group["id"], group["owner"], group["actor"]
    target = group["setup"](actor_role, "member")
    r = actor.put(f"{G}/{gid}/members/{target.username}/role", json={"role": "moderator"})
    if actor_role == "admin":
        assert r.status_code == 200 and _roles(owner, gid)[target.username] == "moderator"
    else:
        assert r.status_code == 403 and _roles(owner, gid)[target.username] == "member"


def test_nobody_removes_or_bans_themselves(group):
    gid, actor = group["id"], group["actor"]
    group["setup"]("admin", "member")
    assert actor.delete(f"{G}/{gid}/members/{actor.username}").status_code == 422
    assert actor.put(f"{G}/{gid}/bans/{actor.username}").status_code == 422


def test_last_admin_rules(group):
    """The owner's role cannot change; an admin may step down while another
    admin (the owner) remains; the owner cannot leave without handing over."""
    gid, owner, actor = group["id"], group["owner"], group["actor"]
    group["setup"]("admin", "member")
    r = actor.put(f"{G}/{gid}/members/{owner.username}/role", json={"role": "moderator"})
    assert r.status_code == 409 and r.mimetype == PROBLEM
    assert actor.put(f"{G}/{gid}/members/{actor.username}/role", json={"role": "member"}).status_code == 200
    assert _roles(owner, gid)[actor.username] == "member"
    r = owner.post(f"{G}/{gid}/leave")
    assert r.status_code == 409 and "transfer" in r.get_json()["detail"]
    assert owner.put(f"{G}/{gid}/members/{owner.username}/role", json={"role": "member"}).status_code == 409
    assert _roles(owner, gid)[owner.username] == "admin"


def test_removal_by_a_sole_admin_of_a_second_admin_and_of_a_non_member(app):
    """The last-admin rule counts admins exactly: the owner as the only admin
    removes and bans members, and with one other admin removes that admin;
    removing someone who is not a member is a 404."""
    client = app.test_client()
    owner = _user(client, "gso")
    gid = owner.post(G, json={"name": "Sole", "description": "", "privacy": "private"}).get_json()["id"]
    member = _add(owner, gid, _user(client, "gsm"), "member")
    assert owner.delete(f"{G}/{gid}/members/{member.username}").status_code == 204
    leaver = _add(owner, gid, _user(client, "gsl"), "member")
    assert leaver.post(f"{G}/{gid}/leave").status_code == 204  # a member may leave the sole admin alone
    assert leaver.post(f"{G}/{gid}/leave").status_code == 404  # and is no member afterwards
    pest = _add(owner, gid, _user(client, "gsp"), "member")
    r = owner.put(f"{G}/{gid}/bans/{pest.username}")
    assert r.status_code == 200 and r.get_json() == {"banned": True}
    second = _add(owner, gid, _user(client, "gsa"), "moderator")
    r = owner.put(f"{G}/{gid}/members/{second.username}/role", json={"role": "admin"})
    body = r.get_json()
    assert r.status_code == 200 and {k: body[k] for k in ("uid", "username", "role", "owner")} == {
        "uid": second.uid, "username": second.username, "role": "admin", "owner": False}
    from socialgraph.core.errors import ValidationFailed
    from socialgraph.groups import membership

    with app.app_context(), pytest.raises(ValidationFailed):  # the service checks too, not only the schema
        membership.set_role(gid, owner.uid, second.username, "overlord")
    assert owner.delete(f"{G}/{gid}/members/{second.username}").status_code == 204
    assert _roles(owner, gid) == {owner.username: "admin"}
    r = owner.put(f"{G}/{gid}/members/{owner.username}/role", json={"role": "member"})
    assert r.status_code == 409 and r.mimetype == PROBLEM  # the owner is always an admin
    r = owner.delete(f"{G}/{gid}/members/{member.username}")
    assert r.status_code == 404 and r.mimetype == PROBLEM
