"""Races on cross-document rules in MongoDB (issue 25, items 4 and 5):
comment deletion vs the first reply, reactions and comments vs the post's
deletion. Threads released by a barrier; the rules are read from MongoDB
after the (synchronous, in tests) jobs ran."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.content import comments, posts, reactions
from socialgraph.core.errors import Conflict, NotFound
from tests.integration.racing import TRIALS, expected_errors, new_user, race


def _orphans(post_oid) -> int:
    db = stores.mongo()
    docs = list(db.comments.find({"post_id": post_oid}, {"parent_id": 1}))
    ids = {d["_id"] for d in docs}
    return sum(1 for d in docs if d.get("parent_id") and d["parent_id"] not in ids)


def _visible_count_ok(post_oid) -> tuple[int, int]:
    db = stores.mongo()
    stored = (db.posts.find_one({"_id": post_oid}, {"counts.comments": 1}) or {}).get("counts", {}).get("comments")
    live = db.comments.count_documents({"post_id": post_oid, "deleted": False})
    return stored, live


def test_deleting_a_comment_racing_its_first_reply_orphans_nothing(ctx):
    from bson import ObjectId

    broken = []
    for trial in range(TRIALS):
        author, _ = new_user("ca")
        replier, _ = new_user("cr")
        post = posts.create_post(author, "a post to argue under")
        c = comments.add_comment(post["id"], author, "first!")
        outs = race(ctx, lambda: comments.delete_comment(c["id"], author),
                    lambda: comments.add_comment(post["id"], replier, "a reply", parent_id=c["id"]))
        expected_errors(outs, NotFound, Conflict)
        oid = ObjectId(post["id"])
        orphans = _orphans(oid)
        stored, live = _visible_count_ok(oid)
        reply_ok = outs[1].error is None
        parent = stores.mongo().comments.find_one({"_id": ObjectId(c["id"])})
        if orphans or stored != live or (reply_ok and parent is None):
            broken.append((trial, orphans, stored, live, reply_ok))
    assert not broken, f"{len(broken)} of {TRIALS} trials broke (orphans, count, live, reply 201): {broken}"


def test_reactions_racing_post_deletion_do_not_survive_the_purge(ctx):
    broken = []
    for trial in range(TRIALS):
        author, _ = new_user("pa")
        fans = [new_user("pf")[0] for _ in range(3)]
        post = posts.create_post(author, "soon gone")
        outs = race(ctx, lambda: posts.delete_post(post["id"], author),
                    *[(lambda f=f: reactions.react("post", post["id"], f, "like")) for f in fans])
        expected_errors(outs, NotFound, Conflict)
        left = stores.mongo().reactions.count_documents({"target": f"post:{post['id']}"})
        if left:
            broken.append((trial, left))
    assert not broken, f"{len(broken)} of {TRIALS} trials kept reactions of a deleted post: {broken}"


def test_comments_racing_post_deletion_do_not_survive_the_purge(ctx):
    from bson import ObjectId

    broken = []
    for trial in range(TRIALS):
        author, _ = new_user("pa")
        fans = [new_user("pf")[0] for _ in range(2)]
        post = posts.create_post(author, "soon gone too")
        outs = race(ctx, lambda: posts.delete_post(post["id"], author),
                    *[(lambda f=f: comments.add_comment(post["id"], f, "wait!")) for f in fans])
        expected_errors(outs, NotFound, Conflict)
        left = stores.mongo().comments.count_documents({"post_id": ObjectId(post["id"])})
        if left:
            broken.append((trial, left))
    assert not broken, f"{len(broken)} of {TRIALS} trials kept comments of a deleted post: {broken}"
