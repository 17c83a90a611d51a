"""Degree counts stored on the User node (issue 22): every graph write that
adds or removes a FOLLOWS or FRIENDS_WITH keeps ``followers_count``,
``following_count`` and ``friends_count`` exact in its own transaction;
imports set them at the end; ``db init`` fills them for users stored before
they existed; the doctor finds and repairs a drifted count; concurrent
follows of one hub lose no increment.
"""
from __future__ import annotations

import csv

import pytest

from socialgraph import stores
from socialgraph.core.errors import Conflict, NotFound
from socialgraph.graph import blocks, follows, friends
from socialgraph.importers import import_uid, musae
from socialgraph.importers.musae import import_musae_github
from socialgraph.operations import doctor
from socialgraph.operations.degrees import recount
from socialgraph.stores.schema import fill_degree_counts
from tests.integration.racing import TRIALS, expected_errors, new_user, race

FIELDS = ("followers_count", "following_count", "friends_count")


def degrees(uid: str) -> tuple[dict, dict]:
    """``(stored, counted)`` degree counts of ``uid``."""
    row = stores.graph().run_text(
        "MATCH (u:User {uid: $uid}) RETURN u.followers_count AS followers_count, "
        "u.following_count AS following_count, u.friends_count AS friends_count, "
        "COUNT { (u)<-[:FOLLOWS]-(:User) } AS f_in, COUNT { (u)-[:FOLLOWS]->(:User) } AS f_out, "
        "COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS fr", uid=uid)[0]
    return ({k: row[k] for k in FIELDS},
            {"followers_count": row["f_in"], "following_count": row["f_out"], "friends_count": row["fr"]})


def assert_exact(*uids: str) -> None:
    for uid in uids:
        stored, counted = degrees(uid)
        assert stored == counted, f"user {uid}: stored {stored}, counted {counted}"


def test_new_user_has_zero_counts(ctx):
    a, _ = new_user("dg")
    assert degrees(a)[0] == dict.fromkeys(FIELDS, 0)


def test_follow_and_unfollow_keep_counts(ctx):
    a, _ = new_user("dg")
    b, b_name = new_user("dg")
    c, c_name = new_user("dg")
    follows.follow(a, b_name)
    follows.follow(a, b_name)  # idempotent: no second increment
    follows.follow(c, b_name)
    follows.follow(a, c_name)
    assert degrees(b)[0] == {"followers_count": 2, "following_count": 0, "friends_count": 0}
    assert degrees(a)[0]["following_count"] == 2
    assert_exact(a, b, c)
    follows.unfollow(a, b_name)
    follows.unfollow(a, b_name)  # nothing left to remove: no second decrement
    assert degrees(b)[0]["followers_count"] == 1
    assert degrees(a)[0]["following_count"] == 1
    assert_exact(a, b, c)


def test_friendship_accept_and_unfriend_keep_counts(ctx):
    a, a_name = new_user("dg")
    b, b_name = new_user("dg")
    follows.follow(a, b_name)  # a follow that already exists is not counted twice by the accept
    friends.send_request(a, b_name)
    friends.accept_request(b, a_name)
    assert degrees(a)[0] == {"followers_count": 1, "following_count": 1, "friends_count": 1}
    assert degrees(b)[0] == {"followers_count": 1, "following_count": 1, "friends_count": 1}
    assert_exact(a, b)
    friends.unfriend(b, a_name)
    assert degrees(a)[0] == dict.fromkeys(FIELDS, 0)
    assert degrees(b)[0] == dict.fromkeys(FIELDS, 0)
    assert_exact(a, b)


def test_block_removes_follows_and_friendship_from_counts(ctx):
    a, a_name = new_user("dg")
    b, b_name = new_user("dg")
    c, _ = new_user("dg")
    friends.send_request(a, b_name)
    friends.accept_request(b, a_name)
    follows.follow(c, a_name)
    blocks.block(a, b_name)
    assert degrees(a)[0] == {"followers_count": 1, "following_count": 0, "friends_count": 0}
    assert degrees(b)[0] == dict.fromkeys(FIELDS, 0)
    assert_exact(a, b, c)
    blocks.block(a, b_name)  # again: nothing more comes off
    assert_exact(a, b)


def test_account_deletion_lowers_the_other_sides_counts(ctx):
    gone, gone_name = new_user("dg")
    a, a_name = new_user("dg")
    b, b_name = new_user("dg")
    follows.follow(gone, a_name)
    follows.follow(b, gone_name)
    friends.send_request(gone, b_name)
    friends.accept_request(b, gone_name)
    stores.graph().write("graph/users/delete_user", uid=gone)  # what the account deletion runs
    assert degrees(a)[0] == dict.fromkeys(FIELDS, 0)
    assert degrees(b)[0] == dict.fromkeys(FIELDS, 0)
    assert_exact(a, b)


def test_import_sets_counts(ctx, tmp_path):
    """MUSAE's importer (bulk MERGEs) stores exact counts at the end; a re-run changes nothing."""
    tag = new_user("dg")[1][-6:]
    names = {n: f"dgimp{tag}n{n}" for n in range(5)}
    edges = [(0, 1), (0, 2), (0, 3), (1, 2), (3, 4), (2, 0)]  # (2, 0) repeats (0, 2) reversed
    with open(tmp_path / "git_target.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "ml_target"])
        w.writerows([[n, name, 0] for n, name in names.items()])
    with open(tmp_path / "git_edges.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id_1", "id_2"])
        w.writerows(edges)
    # the importer's uids are per node id: make these unique to this run
    source, musae.SOURCE = musae.SOURCE, f"musae-test-{tag}"
    try:
        import_musae_github(tmp_path)
        import_musae_github(tmp_path)
        uids = [import_uid(musae.SOURCE, n) for n in names]
    finally:
        musae.SOURCE = source
    hub = degrees(uids[0])[0]
    assert hub == {"followers_count": 3, "following_count": 3, "friends_count": 3}
    assert_exact(*uids)


def test_db_init_fills_missing_counts(ctx):
    a, _ = new_user("dg")
    b, b_name = new_user("dg")
    follows.follow(a, b_name)
    stores.graph().run_text("MATCH (u:User) WHERE u.uid IN $uids "
                            "REMOVE u.followers_count, u.following_count, u.friends_count", uids=[a, b])
    assert degrees(b)[0]["followers_count"] is None
    follows.follow(b, new_user("dg")[1])  # a write on a user without counts leaves them unset, not wrong
    assert degrees(b)[0]["following_count"] is None
    assert fill_degree_counts() >= 2
    assert degrees(b)[0] == {"followers_count": 1, "following_count": 1, "friends_count": 0}
    assert_exact(a, b)


def test_doctor_finds_and_repairs_drifted_count(ctx):
    a, a_name = new_user("dg")
    b, _ = new_user("dg")
    follows.follow(b, a_name)
    stores.graph().run_text("MATCH (u:User {uid: $uid}) SET u.followers_count = 41", uid=a)
    found, _ = doctor.run(only=["graph.degree_counts"])
    mine = [f for f in found if a in f.message]
    assert len(mine) == 1 and "followers_count 41 -> 1" in mine[0].message
    doctor.run(repair=True, only=["graph.degree_counts"])
    assert degrees(a)[0]["followers_count"] == 1
    found, _ = doctor.run(only=["graph.degree_counts"])
    assert not [f for f in found if a in f.message]


def test_concurrent_follows_of_one_hub_lose_no_increment(ctx):
    """Six new followers of one account at once, then three of them
    unfollowing while three others follow: the stored follower count always
    equals the FOLLOWS relationships."""
    broken = []
    for trial in range(TRIALS):
        hub, hub_name = new_user("dh")
        fans = [new_user("dh")[0] for _ in range(6)]
        outs = race(ctx, *[(lambda f=f, h=hub_name: follows.follow(f, h)) for f in fans])
        expected_errors(outs, Conflict)
        more = [new_user("dh")[0] for _ in range(3)]
        outs = race(ctx, *[(lambda f=f, h=hub_name: follows.unfollow(f, h)) for f in fans[:3]],
                    *[(lambda f=f, h=hub_name: follows.follow(f, h)) for f in more])
        expected_errors(outs, Conflict)
        stored, counted = degrees(hub)
        if stored != counted:
            broken.append((trial, stored, counted))
    assert not broken, f"{len(broken)} of {TRIALS} trials lost a count: {broken}"


def test_profile_reads_the_stored_counts(ctx):
    """The profile card takes the counts from the node, not from a walk over
    the relationships (a stored value the relationships disagree with shows)."""
    from socialgraph.graph import profiles
    from socialgraph.graph.people import forget_profile

    a, a_name = new_user("dg")
    b, _ = new_user("dg")
    follows.follow(b, a_name)
    assert profiles.get_profile(a_name, b)["followers_count"] == 1
    stores.graph().run_text("MATCH (u:User {uid: $uid}) SET u.followers_count = 9458, u.friends_count = 7", uid=a)
    forget_profile(a)
    p = profiles.get_profile(a_name, b)
    assert (p["followers_count"], p["friends_count"]) == (9458, 7)
    recount(a)


def test_hub_profile_counts_mutual_friends_from_the_viewer_side(ctx, monkeypatch):
    """An owner with HUB_DEGREE friends or more: the cold card carries no
    friend list and the mutual friends come from the viewer's side; same
    answer cold and warm as for an ordinary owner."""
    from socialgraph.graph import people, profiles
    from socialgraph.graph.people import forget_profile

    owner, owner_name = new_user("dm")
    viewer, viewer_name = new_user("dm")
    shared = [new_user("dm") for _ in range(4)]
    for uid, name in shared[:3]:
        friends.send_request(uid, owner_name)
        friends.accept_request(owner, name)
        friends.send_request(uid, viewer_name)
        friends.accept_request(viewer, name)
    friends.send_request(shared[3][0], owner_name)  # a friend of the owner only
    friends.accept_request(owner, shared[3][1])
    want = {"count": 3, "sample": sorted(n for _, n in shared[:3])}
    forget_profile(owner)
    normal = [profiles.get_profile(owner_name, viewer)["mutual_friends"] for _ in range(2)]  # cold, warm
    monkeypatch.setattr(people, "HUB_DEGREE", 4)
    forget_profile(owner)
    card, relation = people.profile_card(owner_name, viewer)
    assert relation["owner_friends"] is None and card["friends_count"] == 4
    forget_profile(owner)
    hub = [profiles.get_profile(owner_name, viewer)["mutual_friends"] for _ in range(3)]  # cold, warm, kept copy
    assert normal == [want, want] and hub == [want, want, want]
    friends.unfriend(viewer, shared[0][1])  # the viewer's friend list changes: the kept shared names do not count
    left = {"count": 2, "sample": sorted(n for _, n in shared[1:3])}
    assert profiles.get_profile(owner_name, viewer)["mutual_friends"] == left
    friends.send_request(shared[3][0], viewer_name)  # the owner's other friend befriends the viewer
    friends.accept_request(viewer, shared[3][1])
    assert profiles.get_profile(owner_name, viewer)["mutual_friends"]["count"] == 3
    friends.unfriend(owner, shared[1][1])  # a change on the hub's side
    assert profiles.get_profile(owner_name, viewer)["mutual_friends"]["count"] == 2


def test_warm_profile_reads_no_graph_and_the_relation_copy_follows_changes(ctx, monkeypatch):
    """With the card and the viewer's relation in Redis a profile costs no
    graph query; a follow, a friendship and a block each drop the pair's
    relation copies both ways (the next view shows the change)."""
    from socialgraph.graph import profiles
    from socialgraph.stores import graphdb

    owner, owner_name = new_user("dw")
    viewer, viewer_name = new_user("dw")
    profiles.get_profile(owner_name, viewer)  # cold: card and relation stored
    profiles.get_profile(owner_name, viewer)  # the owner's friend list (read with the cold card) stored
    queries = []
    for cls in vars(graphdb).values():
        if isinstance(cls, type) and hasattr(cls, "read") and hasattr(cls, "write"):
            orig = cls.read
            monkeypatch.setattr(cls, "read", lambda self, q, *a, _o=orig, **kw: (queries.append(q), _o(self, q, *a, **kw))[1])
    import redis.connection
    sent = []
    orig_send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, c, check_health=True: (sent.append(1), orig_send(self, c, check_health))[1])
    p = profiles.get_profile(owner_name, viewer)
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", orig_send)
    assert queries == [] and p["followed_by_viewer"] is False
    # one MGET for the card, the relation and the viewer's block sets; the friend lists; the stories flag
    assert len(sent) <= 3, len(sent)
    follows.follow(viewer, owner_name)
    assert profiles.get_profile(owner_name, viewer)["followed_by_viewer"] is True
    assert profiles.get_profile(viewer_name, owner)["follows_viewer"] is True  # the other direction
    friends.send_request(owner, viewer_name)
    assert profiles.get_profile(owner_name, viewer)["friendship"] == "request_received"
    friends.accept_request(viewer, owner_name)
    assert profiles.get_profile(owner_name, viewer)["friendship"] == "friends"
    blocks.block(owner, viewer_name)
    with pytest.raises(NotFound):
        profiles.get_profile(owner_name, viewer)
