"""``socialgraph doctor`` invariant checks (socialgraph/operations/invariants.py):
plant each violation in the real stores, see the finding, repair it, see
it gone and the data in the state the services would have left."""
from __future__ import annotations

from bson import ObjectId

from socialgraph import stores
from socialgraph.content import comments, posts
from socialgraph.core import clock
from socialgraph.groups import directory, membership
from socialgraph.operations import doctor, invariants
from tests.integration.racing import new_user


def _mine(check: str, *ids: str) -> list[doctor.Finding]:
    found, _ = doctor.run(only=[check])
    return [f for f in found if all(str(i) in f.message for i in ids)]


def _repair(check: str, *ids: str) -> None:
    mine = _mine(check, *ids)
    assert mine, f"{check} did not report {ids}"
    for f in mine:
        assert f.repair is not None
        f.repair()
    assert _mine(check, *ids) == []


def _count(text: str, **params) -> int:
    return stores.graph().run_text(text, **params)[0]["n"]


def test_checks_are_registered(ctx):
    for name in ("graph.duplicate_relationships", "graph.blocks_with_ties", "groups.leadership",
                 "groups.banned_members", "content.orphaned_comments", "content.reactions_on_missing",
                 "messaging.notifications_of_missing_users"):
        assert doctor.CHECKS[name]


def test_duplicate_relationships_keep_the_oldest(ctx):
    a, _ = new_user("iv")
    b, _ = new_user("iv")
    g = stores.graph()
    first = clock.now()
    g.run_text("MATCH (a:User {uid: $a}), (b:User {uid: $b}) "
               "CREATE (a)-[:FOLLOWS {created_at: $t1}]->(b), (a)-[:FOLLOWS {created_at: $t2}]->(b), "
               "(a)-[:FRIENDS_WITH {since: $t1}]->(b), (b)-[:FRIENDS_WITH {since: $t2}]->(a)",
               a=a, b=b, t1=first, t2=clock.now())
    assert len(_mine("graph.duplicate_relationships", a, b)) == 2
    _repair("graph.duplicate_relationships", a, b)
    assert _count("MATCH (:User {uid: $a})-[r:FOLLOWS]->(:User {uid: $b}) RETURN count(r) AS n", a=a, b=b) == 1
    assert _count("MATCH (:User {uid: $a})-[r:FRIENDS_WITH]-(:User {uid: $b}) RETURN count(r) AS n", a=a, b=b) == 1


def test_block_beside_a_follow_and_friendship_the_block_wins(ctx):
    a, _ = new_user("iv")
    b, _ = new_user("iv")
    stores.graph().run_text("MATCH (a:User {uid: $a}), (b:User {uid: $b}) "
                            "CREATE (a)-[:BLOCKS {created_at: $t}]->(b), (b)-[:FOLLOWS {created_at: $t}]->(a), "
                            "(a)-[:FRIENDS_WITH {since: $t}]->(b)", a=a, b=b, t=clock.now())
    [f] = _mine("graph.blocks_with_ties", a, b)
    assert "FOLLOWS" in f.message and "FRIENDS_WITH" in f.message
    _repair("graph.blocks_with_ties", a, b)
    assert _count("MATCH (:User {uid: $a})-[r]-(:User {uid: $b}) RETURN count(r) AS n", a=a, b=b) == 1  # the block


def _group_with_admins():
    owner, _ = new_user("io")
    gid = directory.create_group(owner, "Doctor's Office")["id"]
    admin, admin_name = new_user("ia")
    membership.join(gid, admin)
    membership.set_role(gid, owner, admin_name, "admin")
    member, _ = new_user("im")
    membership.join(gid, member)
    return gid, owner, admin, member


def _leaders(gid):
    rows = stores.graph().read("operations/invariants/list_group_members_by_seniority", group_id=gid)
    return [r["uid"] for r in rows if r["owner"]], [r["uid"] for r in rows if r["role"] == "admin"]


def test_group_without_owner_gets_its_longest_standing_admin(ctx):
    gid, owner, admin, member = _group_with_admins()
    stores.graph().run_text("MATCH (:User {uid: $u})-[m:MEMBER_OF]->(:Group {uid: $g}) DELETE m", u=owner, g=gid)
    _repair("groups.leadership", gid)
    assert _leaders(gid) == ([admin], [admin])


def test_group_with_two_owners_and_no_admin(ctx):
    gid, owner, admin, member = _group_with_admins()
    stores.graph().run_text("MATCH (:User)-[m:MEMBER_OF]->(:Group {uid: $g}) SET m.owner = true, m.role = 'member'",
                            g=gid)
    assert "3 owner(s) and 0 admin(s)" in _mine("groups.leadership", gid)[0].message
    _repair("groups.leadership", gid)
    assert _leaders(gid) == ([owner], [owner])  # the longest-standing of the owners stays


def test_banned_member_loses_the_membership(ctx):
    gid, owner, admin, member = _group_with_admins()
    stores.graph().run_text("MATCH (u:User {uid: $u}), (g:Group {uid: $g}) "
                            "CREATE (u)-[:BANNED_FROM {by: $o, created_at: $t}]->(g)",
                            u=member, g=gid, o=owner, t=clock.now())
    _repair("groups.banned_members", member, gid)
    assert membership.list_members(gid, owner).items and member not in [
        m["uid"] for m in membership.list_members(gid, owner).items]
    # a banned owner: the membership goes and the admin takes over
    stores.graph().run_text("MATCH (u:User {uid: $u}), (g:Group {uid: $g}) "
                            "CREATE (u)-[:BANNED_FROM {by: $o, created_at: $t}]->(g)",
                            u=owner, g=gid, o=admin, t=clock.now())
    _repair("groups.banned_members", owner, gid)
    assert _leaders(gid) == ([admin], [admin])


def test_orphaned_comments_and_reactions_on_missing_posts(ctx):
    author, _ = new_user("ic")
    post = posts.create_post(author, "a thread")
    pid = ObjectId(post["id"])
    top = comments.add_comment(post["id"], author, "top")
    db = stores.mongo()
    lost_parent = ObjectId()
    orphan = db.comments.insert_one({
        "post_id": pid, "parent_id": lost_parent, "root_id": ObjectId(top["id"]), "depth": 1, "author_id": author,
        "text": "reply to a comment that is gone", "created_at": clock.now(), "edited_at": None,
        "reply_count": 0, "deleted": False, "counts": {"reactions": {}}}).inserted_id
    # as add_comment left it: the reply was counted on its post (planting it uncounted left the
    # one counters drift the session-end doctor reported in every full run)
    db.posts.update_one({"_id": pid}, {"$inc": {"counts.comments": 1}})
    gone_post = ObjectId()
    stray = db.comments.insert_one({
        "post_id": gone_post, "parent_id": None, "root_id": None, "depth": 0, "author_id": author, "text": "stray",
        "created_at": clock.now(), "edited_at": None, "reply_count": 0, "deleted": False,
        "counts": {"reactions": {}}}).inserted_id
    reaction = db.reactions.insert_one({"target": f"post:{gone_post}", "user_id": author, "type": "like",
                                        "created_at": clock.now()}).inserted_id

    _repair("content.orphaned_comments", orphan)
    restored = db.comments.find_one({"_id": lost_parent})
    assert restored["deleted"] is True and restored["reply_count"] == 1 and restored["post_id"] == pid
    _repair("content.orphaned_comments", stray)
    assert db.comments.find_one({"_id": stray}) is None
    _repair("content.reactions_on_missing", reaction)
    assert db.reactions.find_one({"_id": reaction}) is None
    assert db.comments.find_one({"_id": orphan}) is not None  # the reply itself stays
    # the restored parent is an uncounted placeholder: the post's counter still agrees
    from socialgraph.operations.counters import check_counters

    assert [f.message for f in check_counters(lambda *_: None) if str(pid) in f.message] == []


def test_notifications_of_missing_users(ctx):
    ghost = ObjectId().binary.hex() + "00000000"
    db = stores.mongo()
    db.notifications.insert_one({"user_id": ghost, "type": "follow", "group_key": "follow:user",
                                 "actor_ids": ["x"], "actors_count": 1, "object": {}, "read": False,
                                 "created_at": clock.now(), "updated_at": clock.now(), "seq": 1})
    stores.cache().set(f"sg:notif:last:{ghost}", 1)
    _repair("messaging.notifications_of_missing_users", ghost)
    assert db.notifications.count_documents({"user_id": ghost}) == 0
    assert not stores.cache().exists(f"sg:notif:last:{ghost}")
    assert invariants.MAX_FINDINGS >= 1
