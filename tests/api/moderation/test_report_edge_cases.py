"""Reports on things the reporter may not report (a deleted comment, a blocked
author, oneself), and paging through the moderation queue."""
from __future__ import annotations

import pytest
from bson import ObjectId

from socialgraph import stores
from tests.conftest import unique

PROBLEM = "application/problem+json"


def _admin(make_user):
    admin = make_user("admin")
    stores.mongo().accounts.update_one({"_id": admin.uid}, {"$set": {"role": "admin"}})
    return admin


def _report(user, target_type, target_id, reason="spam"):
    return user.post("/api/v1/reports", json={"target_type": target_type, "target_id": target_id, "reason": reason})


def _open_reports_by(reporter):
    return stores.mongo().reports.count_documents({"reporter_id": reporter.uid})


def _unknown_problem(reporter, target_type, known_id):
    """The problem body of a report on a ``target_type`` that does not exist,
    with ``known_id`` in place of the unknown id wherever the detail names it."""
    unknown = unique("nobody") if target_type == "user" else str(ObjectId())
    r = _report(reporter, target_type, unknown)
    assert r.status_code == 404 and r.mimetype == PROBLEM, r.get_json()
    body = r.get_json()
    return {**body, "detail": body["detail"].replace(unknown, known_id)}


def test_reporting_a_deleted_comment_is_404(make_user, ctx):
    author, reporter = make_user("rpa"), make_user("rpr")
    pid = author.post("/api/v1/posts", json={"text": "thread"}).get_json()["id"]
    cid = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "soon gone"}).get_json()["id"]
    assert author.delete(f"/api/v1/comments/{cid}").status_code == 204
    r = _report(reporter, "comment", cid)
    assert r.status_code == 404 and r.mimetype == PROBLEM
    assert _open_reports_by(reporter) == 0


@pytest.mark.parametrize("direction", ["reporter_blocks", "author_blocks"])
@pytest.mark.parametrize("target_type", ["post", "comment"])
def test_reporting_content_across_a_block_is_404(make_user, ctx, direction, target_type):
    """Blocked content answers as if it did not exist, for reports too."""
    author, reporter, host = make_user("rba"), make_user("rbr"), make_user("rbh")
    # the comment is on a third user's post, so only the comment's author is blocked
    pid = (author if target_type == "post" else host).post("/api/v1/posts", json={"text": "p"}).get_json()["id"]
    cid = author.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}).get_json()["id"]
    target = {"post": pid, "comment": cid}[target_type]
    blocker, blocked = (reporter, author) if direction == "reporter_blocks" else (author, reporter)
    assert blocker.put(f"/api/v1/users/{blocked.username}/block").status_code == 200
    r = _report(reporter, target_type, target)
    assert r.status_code == 404 and r.mimetype == PROBLEM, r.get_json()
    assert r.get_json() == _unknown_problem(reporter, target_type, target)  # the block is not disclosed
    assert _open_reports_by(reporter) == 0


def test_reporting_a_comment_on_a_post_one_cannot_see_is_the_unknown_comment_404(make_user, ctx):
    """A comment on a followers-only post, reported by a non-follower: the
    answer of an unknown comment (not "post not found", which would tell the
    comment exists); the post's follower can report it."""
    author, follower, stranger = make_user("rfa"), make_user("rff"), make_user("rfs")
    assert follower.put(f"/api/v1/users/{author.username}/follow").status_code == 200
    pid = author.post("/api/v1/posts", json={"text": "followers only", "visibility": "followers"}).get_json()["id"]
    cid = follower.post(f"/api/v1/posts/{pid}/comments", json={"text": "c"}).get_json()["id"]
    r = _report(stranger, "comment", cid)
    assert r.status_code == 404 and r.get_json() == _unknown_problem(stranger, "comment", cid)
    assert _open_reports_by(stranger) == 0
    r = _report(author, "comment", cid)
    assert r.status_code == 201 and (r.get_json()["target_id"], r.get_json()["target_owner_id"]) == (cid, follower.uid)


def test_reporting_a_user_who_blocked_you_is_the_unknown_user_404(make_user, ctx):
    """Who blocked you does not exist for you (their profile is a 404): a
    report on them answers exactly as for a username nobody has, and files nothing."""
    blocker, blocked = make_user("rbk"), make_user("rbd")
    assert blocker.put(f"/api/v1/users/{blocked.username}/block").status_code == 200
    profile = blocked.get(f"/api/v1/users/{blocker.username}")
    assert profile.status_code == 404
    r = _report(blocked, "user", blocker.username, "harassment")
    assert r.status_code == 404 and r.mimetype == PROBLEM, r.get_json()
    assert r.get_json() == _unknown_problem(blocked, "user", blocker.username)
    assert r.get_json()["detail"] == profile.get_json()["detail"]
    assert _open_reports_by(blocked) == 0
    # once unblocked, the report is filed
    assert blocker.delete(f"/api/v1/users/{blocked.username}/block").status_code == 200
    r = _report(blocked, "user", blocker.username, "harassment")
    assert r.status_code == 201 and r.get_json()["target_id"] == blocker.uid


def test_a_user_one_has_blocked_can_still_be_reported(make_user, ctx):
    """Block-and-report is the usual answer to harassment (Mastodon, X and
    Facebook allow it): the blocker's report on the user is filed; their
    content stays out of reach (the content tests above)."""
    author, reporter = make_user("rba"), make_user("rbr")
    assert reporter.put(f"/api/v1/users/{author.username}/block").status_code == 200
    r = _report(reporter, "user", author.username, "harassment")
    assert r.status_code == 201
    assert {k: r.get_json()[k] for k in ("reporter_id", "target_type", "target_id", "target_owner_id", "reason",
                                         "status")} == {
        "reporter_id": reporter.uid, "target_type": "user", "target_id": author.uid, "target_owner_id": author.uid,
        "reason": "harassment", "status": "open"}
    assert _open_reports_by(reporter) == 1


def test_reporting_oneself_is_422(make_user, ctx):
    me = make_user("rself")
    r = _report(me, "user", me.username)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "target_id"
    assert _open_reports_by(me) == 0


def test_queue_pages_oldest_first_without_gaps_or_repeats(make_user, ctx):
    admin = _admin(make_user)
    author = make_user("rqa")
    pid = author.post("/api/v1/posts", json={"text": "reported by many"}).get_json()["id"]
    reporters = [make_user("rqr") for _ in range(5)]
    mine = [_report(u, "post", pid).get_json()["id"] for u in reporters]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "status": "open"} | ({"cursor": cursor} if cursor else {})
        page = admin.get("/api/v1/moderation/reports", query_string=params)
        assert page.status_code == 200
        body = page.get_json()
        assert len(body["items"]) <= 2
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))  # no repeats
    ours = [i for i in seen if i in mine]
    assert ours == mine  # all of them, in the order they were filed
    bad = admin.get("/api/v1/moderation/reports", query_string={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.mimetype == PROBLEM
