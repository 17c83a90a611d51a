"""``socialgraph doctor`` on the real stores: each inconsistency it must
report (one line, exit 1) and repair (exit 0 after)."""
from __future__ import annotations

import io
from datetime import timedelta

from bson import ObjectId

from tests.conftest import unique


def _lines(app, check: str, needle: str, repair: bool = False) -> tuple[int, list[str]]:
    result = app.test_cli_runner().invoke(args=["doctor", "--check", check, *(["--repair"] if repair else [])])
    return result.exit_code, [l for l in result.stdout.splitlines() if needle in l]


def test_counters_that_disagree_are_reported_and_repaired(app, make_user):
    from socialgraph import stores

    author, fan = make_user("dca"), make_user("dcf")
    pid = author.post("/api/v1/posts", json={"text": "count me"}).get_json()["id"]
    fan.put(f"/api/v1/posts/{pid}/reaction", json={"type": "like"})
    fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "one"})
    with app.app_context():
        stores.mongo().posts.update_one({"_id": ObjectId(pid)},
                                        {"$set": {"counts.reactions.like": 17, "counts.comments": 5}})
    code, lines = _lines(app, "counters", pid)
    assert code == 1 and lines == [f"counters: post {pid}: reactions {{'like': 17}} stored, {{'like': 1}} counted; "
                                   f"comments 5 stored, 1 counted"]
    code, lines = _lines(app, "counters", pid, repair=True)
    assert lines and lines[0].startswith("repaired counters: post")
    counts = author.get(f"/api/v1/posts/{pid}").get_json()["counts"]
    assert (counts["comments"], counts["shares"], counts["reactions"]) == (1, 0, {"like": 1})
    assert _lines(app, "counters", pid)[1] == []


def test_accounts_without_graph_users_and_back_empty_nodes_and_authors(app, make_user):
    from socialgraph import stores
    from socialgraph.core import clock

    gone, lost = make_user("dgu"), make_user("dlo")
    post_id = gone.post("/api/v1/posts", json={"text": "orphan soon"}).get_json()["id"]
    with app.app_context():
        g, db = stores.graph(), stores.mongo()
        db.accounts.delete_one({"_id": gone.uid})  # graph user without account
        g.write("graph/users/delete_user", uid=lost.uid)  # account without graph user
        g.run_text("CREATE (n:User)")  # an empty node
        db.accounts.update_one({"_id": lost.uid}, {"$set": {"created_at": clock.now() - timedelta(hours=1)}})
    code, lines = _lines(app, "accounts", "")
    assert code == 1
    assert any(gone.uid in l and "has no account" in l for l in lines)
    assert any(lost.uid in l and "has no graph user" in l for l in lines)
    code, lines = _lines(app, "empty-nodes", "has no properties")
    assert code == 1 and lines
    assert _lines(app, "accounts", "", repair=True)[0] in (0, 1)
    assert _lines(app, "empty-nodes", "", repair=True)[0] in (0, 1)
    assert _lines(app, "empty-nodes", "has no properties")[1] == []
    with app.app_context():
        assert stores.graph().read("operations/list_existing_uids", uids=[gone.uid, lost.uid]) == [{"uid": lost.uid}]
    assert lost.get("/api/v1/me").status_code == 200
    code, lines = _lines(app, "authors", post_id)
    assert code == 1 and lines == [f"authors: post {post_id}: author {gone.uid} does not exist"]
    _lines(app, "authors", post_id, repair=True)
    with app.app_context():
        assert stores.mongo().posts.find_one({"_id": ObjectId(post_id)}) is None


def test_media_objects_and_documents_that_do_not_match(app, make_user):
    from socialgraph import stores
    from socialgraph.core import clock

    with app.app_context():
        s3, db, bucket = stores.objects(), stores.mongo(), app.config["S3_BUCKET"]
        stray = f"media/{unique('dm')}/{ObjectId()}/original"
        s3.put_object(bucket, stray, io.BytesIO(b"x"), 1)
        oid = ObjectId()
        db.media.insert_one({"_id": oid, "owner_id": unique("dm"), "kind": "image", "status": "ready",
                             "key": f"media/x/{oid}/original", "created_at": clock.now() - timedelta(hours=1),
                             "variants": {"small": {"key": f"media/x/{oid}/small.webp"}}})
    import socialgraph.operations.stores as checks

    old = checks.GRACE_SECONDS
    checks.GRACE_SECONDS = 0  # the stray object was just written
    try:
        code, lines = _lines(app, "media", "")
        assert code == 1
        assert f"media: object {stray} has no media document" in lines
        assert any(str(oid) in l and "object(s) missing" in l for l in lines)
        _lines(app, "media", "", repair=True)
        assert not [l for l in _lines(app, "media", "")[1] if stray in l or str(oid) in l]
    finally:
        checks.GRACE_SECONDS = old
    with app.app_context():
        assert stores.mongo().media.find_one({"_id": oid})["status"] == "failed"


def test_work_stuck_past_its_deadline_is_reported_and_requeued(app, make_user):
    from socialgraph import stores
    from socialgraph.core import clock

    user = make_user("dj")
    with app.app_context():
        export_id = unique("exp")
        stores.mongo().exports.insert_one({"_id": export_id, "uid": user.uid, "status": "pending",
                                           "created_at": clock.now() - timedelta(hours=3)})
    code, lines = _lines(app, "jobs", export_id)
    assert code == 1 and lines == [f"jobs: exports {export_id}: pending past its deadline (swept 0 time(s))"]
    _lines(app, "jobs", export_id, repair=True)  # re-queued; jobs run inline here: the export is built
    with app.app_context():
        assert stores.mongo().exports.find_one({"_id": export_id})["status"] == "ready"
    assert _lines(app, "jobs", export_id)[1] == []


def _counts(app, pid: str, *comment_ids: str) -> tuple:
    from socialgraph import stores

    with app.app_context():
        db = stores.mongo()
        post = db.posts.find_one({"_id": ObjectId(pid)})
        replies = tuple((db.comments.find_one({"_id": ObjectId(c)}) or {}).get("reply_count") for c in comment_ids)
    return (post["counts"]["comments"], *replies)


def test_erased_commenter_comments_go_as_if_deleted_and_counters_match(app, make_user):
    """Account deletion deletes the user's comments on others' posts as the
    user deleting each would: hard-deleted, or an uncounted anonymous
    placeholder where replies hang under it; the doctor agrees."""
    author, commenter = make_user("eca"), make_user("ecc")
    pid = author.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    top = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "mine"}).get_json()["id"]
    alone = commenter.post(f"/api/v1/posts/{pid}/comments", json={"text": "theirs"}).get_json()["id"]
    theirs = commenter.post(f"/api/v1/posts/{pid}/comments", json={"text": "a reply", "parent_id": top}).get_json()["id"]
    author.post(f"/api/v1/posts/{pid}/comments", json={"text": "answered", "parent_id": theirs})
    assert _counts(app, pid, top, theirs) == (4, 1, 1)
    assert commenter.post("/api/v1/me/deletion", json={"password": commenter.password}).status_code == 202
    # "theirs" alone is gone; the reply with an answer under it is a placeholder; both uncounted
    assert _counts(app, pid, top, theirs, alone) == (2, 1, 1, None)
    thread = author.get(f"/api/v1/posts/{pid}/comments").get_json()["items"]
    assert [(c["text"], c["deleted"], c["author"]) for c in thread[0]["replies"]] == [(None, True, None)]
    assert [c["text"] for c in thread[0]["replies"][0]["replies"]] == ["answered"]
    assert author.get(f"/api/v1/posts/{pid}").get_json()["counts"]["comments"] == 2
    assert _lines(app, "counters", pid)[1] == []


def test_a_placeholder_left_before_the_account_deletion_stays_uncounted(app, make_user):
    """The drift the session-end doctor found in every full run: a comment its
    author deleted while it had a reply (placeholder, decremented), then the
    author's account deleted; the erasure marked the placeholder
    ``anonymised`` and the recount counted it again (stored 1 below counted)."""
    author, commenter = make_user("epa"), make_user("epc")
    pid = author.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    cid = commenter.post(f"/api/v1/posts/{pid}/comments", json={"text": "soon regretted"}).get_json()["id"]
    author.post(f"/api/v1/posts/{pid}/comments", json={"text": "a reply", "parent_id": cid})
    assert commenter.delete(f"/api/v1/comments/{cid}").status_code == 204
    assert _counts(app, pid, cid) == (1, 1)
    assert commenter.post("/api/v1/me/deletion", json={"password": commenter.password}).status_code == 202
    assert _counts(app, pid, cid) == (1, 1)
    assert _lines(app, "counters", pid)[1] == []


def test_a_placeholder_reply_still_counts_in_its_parents_reply_count(app, make_user):
    """``reply_count`` counts the replies that exist, placeholders too (a
    comment is hard-deleted only at 0): the doctor must not report it."""
    author, fan = make_user("era"), make_user("erf")
    pid = author.post("/api/v1/posts", json={"text": "deep"}).get_json()["id"]
    top = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "top"}).get_json()["id"]
    mid = fan.post(f"/api/v1/posts/{pid}/comments", json={"text": "mid", "parent_id": top}).get_json()["id"]
    author.post(f"/api/v1/posts/{pid}/comments", json={"text": "leaf", "parent_id": mid})
    assert fan.delete(f"/api/v1/comments/{mid}").status_code == 204
    assert _counts(app, pid, top, mid) == (2, 1, 1)
    assert _lines(app, "counters", pid)[1] == []
