"""Edges of the visibility rules that the audience tests do not reach: a
group post read by id, and the relationship of an anonymous viewer or of a
user to themselves (mutants of these survived bench/mutation.py)."""
from __future__ import annotations

import pytest

G = "/api/v1/groups"


@pytest.mark.parametrize("privacy", ["public", "private"])
def test_group_post_by_id_follows_the_group(make_user, client, privacy):
    owner, member, outsider = make_user("vgo"), make_user("vgm"), make_user("vgx")
    gid = owner.post(G, json={"name": "Edges", "description": "", "privacy": privacy}).get_json()["id"]
    assert owner.post(f"{G}/{gid}/invitations", json={"username": member.username}).status_code == 201
    assert member.post(f"{G}/{gid}/join").get_json()["status"] == "member"
    pid = owner.post(f"{G}/{gid}/posts", json={"text": "for the group"}).get_json()["id"]
    def read(who):
        r = who.get(f"/api/v1/posts/{pid}")
        return (r.status_code, r.get_json().get("id"), r.get_json().get("text"))
    seen, hidden = (200, pid, "for the group"), (404, None, None)
    assert [read(member), read(owner)] == [seen, seen]
    expected = seen if privacy == "public" else hidden
    assert [read(outsider), read(client)] == [expected, expected]


def test_relationship_of_anonymous_and_self_is_empty(make_user, ctx):
    from socialgraph.graph import relations

    u = make_user("rel")
    assert relations.relationship(None, u.uid) == relations.Relationship()
    assert relations.relationship(u.uid, u.uid) == relations.Relationship()
    assert relations.relationship(u.uid, u.uid).blocked_either_way is False
