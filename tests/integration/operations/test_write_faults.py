"""Faults in the middle of the write paths issue 22 added or changed, on the
real servers (bench/fault_test.py stops whole stores under load; these put
the fault at one exact step, which a store stop can only hit by chance):

- a relationship change (follow, unfollow, friendship accept, unfriend,
  block) that fails after its count-keeping statement ran inside its
  transaction: the transaction is rolled back, the stored degree counts
  still equal the relationships (the doctor's ``graph.degree_counts`` finds
  nothing), and a transient error the driver retries counts once;
- an account deletion that crashes right after the graph node went (the
  job dies before the read copies of the pairs are dropped) and is run
  again: no copy of a pair with the deleted account survives, neither the
  ``sg:relation:``/``sg:mutual:`` copies named after it nor the friend-list
  and shared-friends copies of the people it was friends with;
- a comment write (add, edit, delete) whose MongoDB step fails half-way:
  the thread copy ``sg:cthread:<post>`` shows what MongoDB holds (the
  first page read from the copy equals the page read from MongoDB);
- a comment, reply, reaction or share write whose step is applied with its
  answer lost (or never applied, or MongoDB stays away for the clean-up):
  the counts (``counts.comments``, ``reply_count``, ``counts.reactions``,
  ``counts.shares``) equal what is stored (the doctor's ``counters`` check
  finds nothing), recounted at once and by the ``jobs.posts.settle_*`` job.

A fault is a Python exception raised at that step (``RuntimeError`` for a
worker that dies, ``AutoReconnect``/``ServiceUnavailable`` for a store that
drops the connection); the stores themselves are real.
"""
from __future__ import annotations

import json

import pytest
from neo4j.exceptions import ServiceUnavailable
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect

from socialgraph import stores
from socialgraph.accounts import deletion
from socialgraph.content import comments, postcache, posts, reactions
from socialgraph.core import clock
from socialgraph.graph import blocks, follows, friends
from socialgraph.graph.people import profile_card
from socialgraph.operations import doctor
from socialgraph.portability import service as portability
from socialgraph.stores.documents import parse_id
from tests.integration.graph.test_degree_counts import assert_exact, degrees
from tests.integration.racing import new_user


class Crash(RuntimeError):
    """The injected fault: the process stops at this step."""


def _fail_after_statement(monkeypatch, statement: str, error: Exception, times: int = 10**6) -> list[str]:
    """Every graph transaction raises ``error`` right after running the catalog
    query ``statement`` (``times`` times, then it runs normally). Returns the
    list that records each injected fault."""
    graph = stores.graph()
    real = graph.transaction
    hits: list[str] = []

    class FaultyTx:
        def __init__(self, tx):
            self._tx = tx

        def run(self, name, **params):
            rows = self._tx.run(name, **params)
            if name == statement and len(hits) < times:
                hits.append(name)
                raise error
            return rows

    monkeypatch.setattr(graph, "transaction", lambda work: real(lambda tx: work(FaultyTx(tx))))
    return hits


def _no_degree_findings(*uids: str) -> None:
    found, _ = doctor.run(only=["graph.degree_counts"])
    mine = [f.line() for f in found if any(u in f.message for u in uids)]
    assert not mine, mine


def _pair(kind: str):
    """Two users in the state before ``kind`` and the change itself."""
    a, a_name = new_user("wf")
    b, b_name = new_user("wf")
    follows.follow(b, a_name)  # a follower already, so the counts are not all zero
    if kind == "follow":
        return a, b, "graph/follows/create_follow", lambda: follows.follow(a, b_name)
    if kind == "unfollow":
        follows.follow(a, b_name)
        return a, b, "graph/follows/delete_follow", lambda: follows.unfollow(a, b_name)
    if kind == "accept":
        friends.send_request(a, b_name)
        return a, b, "graph/friends/create_friendship", lambda: friends.accept_request(b, a_name)
    if kind == "unfriend":
        friends.send_request(a, b_name)
        friends.accept_request(b, a_name)
        return a, b, "graph/friends/delete_friendship", lambda: friends.unfriend(a, b_name)
    assert kind == "block"
    friends.send_request(a, b_name)
    friends.accept_request(b, a_name)
    return a, b, "graph/relations/create_block", lambda: blocks.block(a, b_name)


KINDS = ["follow", "unfollow", "accept", "unfriend", "block"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_crash_after_the_counting_statement_rolls_the_counts_back(ctx, monkeypatch, kind):
    a, b, statement, change = _pair(kind)
    before = degrees(a)[0], degrees(b)[0]
    hits = _fail_after_statement(monkeypatch, statement, Crash("worker died"))
    with pytest.raises(Crash):
        change()
    assert hits == [statement]
    monkeypatch.undo()
    assert (degrees(a)[0], degrees(b)[0]) == before  # nothing of the change stayed
    assert_exact(a, b)
    _no_degree_findings(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_a_transient_fault_the_driver_retries_counts_once(ctx, monkeypatch, kind):
    a, b, statement, change = _pair(kind)
    hits = _fail_after_statement(monkeypatch, statement, ServiceUnavailable("connection dropped"), times=1)
    change()  # the driver rolls the first attempt back and runs the transaction again
    assert hits == [statement]
    monkeypatch.undo()
    assert_exact(a, b)
    _no_degree_findings(a, b)


# -- account deletion ----------------------------------------------------------
def _pair_copies(uid: str, username: str) -> list[bytes]:
    rc = stores.read_cache()
    keys: list[bytes] = []
    for pattern in deletion.TRACE_COPY_PATTERNS:
        keys += list(rc.scan_iter(match=pattern.format(uid=uid, username=username), count=1000))
    return keys


def _start_deletion(uid: str) -> None:
    """What :func:`deletion.request_deletion` records (without the password check)."""
    db = stores.mongo()
    db.accounts.update_one({"_id": uid}, {"$set": {"status": "deleting"}})
    db.deletions.update_one({"_id": uid}, {"$setOnInsert": {"status": "pending", "steps_done": [], "results": {},
                                                            "requested_at": clock.now()}}, upsert=True)


@pytest.mark.parametrize("where", ["after the graph node went", "while dropping the pair copies"])
def test_a_deletion_run_again_after_a_crash_leaves_no_stale_pair_copy(ctx, monkeypatch, where):
    gone, gone_name = new_user("wd")
    viewer, viewer_name = new_user("wd")
    hub, hub_name = new_user("wd")
    for other, other_name in ((viewer, viewer_name), (hub, hub_name)):
        friends.send_request(gone, other_name)
        friends.accept_request(other, gone_name)
    # the read copies: the viewer's friend list, the shared friends of viewer and hub
    # (the deleted account among them), how the viewer stands to the deleted account
    assert gone_name in friends.friend_usernames([viewer])[viewer]
    assert friends.mutual_count_with_hub(viewer, hub)["sample"] == [gone_name]
    assert profile_card(gone_name, viewer) is not None
    assert _pair_copies(gone, gone_name)

    _start_deletion(gone)
    if where == "after the graph node went":
        monkeypatch.setattr(portability, "forget", lambda *uids: (_ for _ in ()).throw(Crash("worker died")))
    else:
        real_read_cache = stores.read_cache

        class DiesOnDelete:
            def __getattr__(self, name):
                if name == "delete":
                    raise Crash("worker died")
                return getattr(real_read_cache(), name)

        monkeypatch.setattr(deletion.stores, "read_cache", lambda: DiesOnDelete())
    with pytest.raises(Crash):
        deletion.run_deletion(gone)
    monkeypatch.undo()
    assert deletion.run_deletion(gone)["status"] == "done"  # the job's retry

    assert gone_name not in friends.friend_usernames([viewer])[viewer]
    assert friends.mutual_count_with_hub(viewer, hub) == {"count": 0, "sample": []}
    assert _pair_copies(gone, gone_name) == []
    assert degrees(viewer)[0]["friends_count"] == 0 and degrees(hub)[0]["friends_count"] == 0
    assert_exact(viewer, hub)
    _no_degree_findings(viewer, hub)
    done = stores.mongo().deletions.find_one({"_id": deletion.done_record_id(gone)})
    assert gone not in str(done) and viewer not in str(done) and hub not in str(done)


# -- comment writes and the thread copy ----------------------------------------
def _fail_mongo(monkeypatch, method: str, when, applied: bool = True) -> list:
    """The first call of ``Collection.<method>`` for which ``when(collection name,
    args)`` holds raises ``AutoReconnect``: after running it (``applied``: the
    server applied the write, its answer is lost) or instead of it."""
    real = getattr(Collection, method)
    hits = []

    def faulty(self, *args, **kwargs):
        if not hits and when(self.name, args):
            hits.append((self.name, method))
            if applied:
                real(self, *args, **kwargs)
            raise AutoReconnect("connection dropped")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, method, faulty)
    return hits


def _thread_matches_the_store(pid: str) -> list[dict]:
    """The first page in the thread copy, if one is kept (what the warm path of
    ``GET /posts/<id>/comments`` serves, :func:`socialgraph.content.warm.thread_copy`),
    equals the first page read from MongoDB now; returns the latter."""
    raw = stores.read_cache().get(postcache.THREAD_KEY.format(id=pid))
    stores.read_cache().delete(postcache.THREAD_KEY.format(id=pid))
    fresh = comments.list_comments(pid).items
    if raw is not None:
        cached = json.loads(raw.split(b"\n", 4)[4])["items"]
        assert [(c["id"], c["text"], c["deleted"]) for c in cached] == \
            [(c["id"], c["text"], c["deleted"]) for c in fresh], "the thread copy disagrees with MongoDB"
    return fresh


def _post_with_thread(prefix: str):
    author, _ = new_user(prefix)
    commenter, _ = new_user(prefix)
    pid = posts.create_post(author, "a thread")["id"]
    first = comments.add_comment(pid, commenter, "first")
    assert [c["id"] for c in comments.list_comments(pid).items] == [first["id"]]  # the copy is kept now
    assert stores.read_cache().exists(postcache.THREAD_KEY.format(id=pid))
    assert _thread_matches_the_store(pid) and comments.list_comments(pid).items  # kept again
    return author, commenter, pid, first


@pytest.mark.parametrize("fault", ["the count write never reaches MongoDB", "the insert's answer is lost"])
def test_a_failed_comment_is_taken_out_and_not_left_shown_or_hidden(ctx, monkeypatch, fault):
    _author, commenter, pid, _first = _post_with_thread("wc")
    if fault == "the insert's answer is lost":
        hits = _fail_mongo(monkeypatch, "insert_one", lambda coll, args: coll == "comments")
    else:
        hits = _fail_mongo(monkeypatch, "update_one",
                           lambda coll, args: coll == "posts" and "counts.comments" in str(args[1]), applied=False)
    with pytest.raises(AutoReconnect):
        comments.add_comment(pid, commenter, "second")
    assert hits
    monkeypatch.undo()
    thread = _thread_matches_the_store(pid)
    # the writer was told it failed: the comment is taken out again, the count unchanged
    assert [c["text"] for c in thread] == ["first"]
    assert stores.mongo().comments.count_documents({"post_id": parse_id(pid, "post")}) == 1
    assert stores.mongo().posts.find_one({"_id": parse_id(pid, "post")})["counts"]["comments"] == 1


def test_a_comment_edit_whose_answer_is_lost_is_not_hidden_by_the_copy(ctx, monkeypatch):
    _author, commenter, pid, first = _post_with_thread("we")
    hits = _fail_mongo(monkeypatch, "find_one_and_update", lambda coll, args: coll == "comments")
    with pytest.raises(AutoReconnect):
        comments.edit_comment(first["id"], commenter, "edited")
    assert hits
    monkeypatch.undo()
    thread = _thread_matches_the_store(pid)
    assert [c["text"] for c in thread] == ["edited"]  # what MongoDB holds (the write was applied)


def test_a_comment_deletion_that_fails_half_way_is_not_shown_by_the_copy(ctx, monkeypatch):
    _author, commenter, pid, first = _post_with_thread("wx")
    hits = _fail_mongo(monkeypatch, "delete_many", lambda coll, args: coll == "reactions")
    with pytest.raises(AutoReconnect):
        comments.delete_comment(first["id"], commenter)
    assert hits
    monkeypatch.undo()
    assert _thread_matches_the_store(pid) == []  # the comment is gone from MongoDB, and from the copy
    # the post's comment count is recounted (it stayed one high: the doctor
    # found "comments 1 stored, 0 counted"), the comment's reactions go (the job)
    assert _stored_counts(pid) == (0, 0)
    assert stores.mongo().reactions.count_documents({"target": f"comment:{first['id']}"}) == 0
    _no_counter_findings(pid)


def test_a_comment_whose_copies_cannot_be_made_again_is_still_answered_done(ctx, monkeypatch):
    """The write-through after a durable comment (``postcache.written``) meets a
    MongoDB that drops the connection: the writer is answered the comment (not
    an error it would retry: a second comment), it is stored and counted once,
    and no copy shows the thread without it."""
    _author, commenter, pid, _first = _post_with_thread("ww")
    hits = _fail_mongo(monkeypatch, "find_one",
                       lambda coll, args: coll == "posts" and len(args) > 1, applied=False)  # the rebuild's read
    second = comments.add_comment(pid, commenter, "second")
    assert hits == [("posts", "find_one")]
    monkeypatch.undo()
    assert second["text"] == "second"
    assert stores.mongo().comments.count_documents({"post_id": parse_id(pid, "post")}) == 2
    assert stores.mongo().posts.find_one({"_id": parse_id(pid, "post")})["counts"]["comments"] == 2
    assert sorted(c["text"] for c in _thread_matches_the_store(pid)) == ["first", "second"]
    assert posts.get_post(pid, commenter)["counts"]["comments"] == 2  # the post copy was dropped, not left at 1


# -- counters after a write whose answer is lost (fault test: "comments 0 stored, 1 counted") --
def _stored_counts(pid: str) -> tuple[int, int]:
    """``(counts.comments stored, live comments stored)`` of a post."""
    oid = parse_id(pid, "post")
    db = stores.mongo()
    return (db.posts.find_one({"_id": oid})["counts"]["comments"],
            db.comments.count_documents({"post_id": oid, "deleted": {"$ne": True}}))


def _no_counter_findings(pid: str) -> None:
    found, _ = doctor.run(only=["counters"])
    assert [f.line() for f in found if pid in f.message] == []


def test_a_comment_count_applied_with_its_answer_lost_is_recounted(ctx, monkeypatch):
    """The post's ``$inc counts.comments`` is applied and its answer lost: the
    comment is taken out again and the count is what is stored (it stayed one
    high: the doctor found "comments 2 stored, 1 counted")."""
    _author, commenter, pid, _first = _post_with_thread("wk")
    hits = _fail_mongo(monkeypatch, "update_one",
                       lambda coll, args: coll == "posts" and "counts.comments" in str(args[1]), applied=True)
    with pytest.raises(AutoReconnect):
        comments.add_comment(pid, commenter, "second")
    assert hits
    monkeypatch.undo()
    assert _stored_counts(pid) == (1, 1)
    assert posts.get_post(pid, commenter)["counts"]["comments"] == 1  # no copy left at 2
    assert [c["text"] for c in _thread_matches_the_store(pid)] == ["first"]
    _no_counter_findings(pid)


def test_a_reply_whose_count_answer_is_lost_leaves_the_parent_exact(ctx, monkeypatch):
    _author, commenter, pid, first = _post_with_thread("wr")
    hits = _fail_mongo(monkeypatch, "update_one",
                       lambda coll, args: coll == "posts" and "counts.comments" in str(args[1]), applied=True)
    with pytest.raises(AutoReconnect):
        comments.add_comment(pid, commenter, "a reply", parent_id=first["id"])
    assert hits
    monkeypatch.undo()
    assert _stored_counts(pid) == (1, 1)
    assert stores.mongo().comments.find_one({"_id": parse_id(first["id"], "comment")})["reply_count"] == 0
    _no_counter_findings(pid)


def test_a_reply_reservation_whose_answer_is_lost_is_recounted(ctx, monkeypatch):
    """The parent's ``reply_count`` +1 is applied, its answer lost, no reply is
    made: the settling job (inline here) recounts the parent (it stayed one high)."""
    _author, commenter, pid, first = _post_with_thread("wv")
    hits = _fail_mongo(monkeypatch, "find_one_and_update",
                       lambda coll, args: coll == "comments" and "reply_count" in str(args[1]), applied=True)
    with pytest.raises(AutoReconnect):
        comments.add_comment(pid, commenter, "a reply", parent_id=first["id"])
    assert hits
    monkeypatch.undo()
    assert stores.mongo().comments.find_one({"_id": parse_id(first["id"], "comment")})["reply_count"] == 0
    assert _stored_counts(pid) == (1, 1)
    _no_counter_findings(pid)


def test_a_comment_whose_clean_up_fails_too_is_settled_by_the_job(ctx, monkeypatch):
    """MongoDB goes away after applying the insert: the ``$inc``, the
    withdrawal and the recount all fail (the fault test's "comments 0 stored,
    1 counted": the comment stayed, uncounted). The queued
    ``jobs.posts.settle_comment`` runs once MongoDB answers again and takes
    the comment out."""
    _author, commenter, pid, _first = _post_with_thread("wj")
    real_insert = Collection.insert_one
    state = {"down": False}
    queued = []

    def insert_then_down(self, *args, **kwargs):
        if self.name == "comments" and not state["down"]:
            real_insert(self, *args, **kwargs)
            state["down"] = True
            raise AutoReconnect("connection dropped")
        return real_insert(self, *args, **kwargs)

    def down(method):
        real = getattr(Collection, method)

        def call(self, *args, **kwargs):
            if state["down"]:
                raise AutoReconnect("MongoDB is away")
            return real(self, *args, **kwargs)
        return call

    monkeypatch.setattr(Collection, "insert_one", insert_then_down)
    for m in ("delete_one", "find_one", "update_one", "count_documents"):
        monkeypatch.setattr(Collection, m, down(m))
    tq = stores.tasks()
    monkeypatch.setattr(tq, "enqueue_debounced", lambda key, secs, func, *a, **kw: queued.append((func, a)))
    with pytest.raises(AutoReconnect):
        comments.add_comment(pid, commenter, "second")
    monkeypatch.undo()
    assert _stored_counts(pid) == (1, 2)  # what the outage left
    assert [f for f, _a in queued] == ["jobs.posts.settle_comment"]
    func, args = queued[0]
    tq.enqueue(func, *args)  # the job, run once MongoDB is back (inline: RQ_ASYNC off)
    assert _stored_counts(pid) == (1, 1)
    assert [c["text"] for c in _thread_matches_the_store(pid)] == ["first"]
    _no_counter_findings(pid)


def _reaction_counts(pid: str) -> tuple[dict, dict]:
    """``(counts.reactions stored, reactions stored by type)`` of a post."""
    db = stores.mongo()
    stored = {k: v for k, v in db.posts.find_one({"_id": parse_id(pid, "post")})["counts"]["reactions"].items() if v}
    counted: dict = {}
    for r in db.reactions.find({"target": f"post:{pid}"}):
        counted[r["type"]] = counted.get(r["type"], 0) + 1
    return stored, counted


@pytest.mark.parametrize("fault", ["the reaction's answer is lost", "the count write never reaches MongoDB",
                                   "the removal's answer is lost"])
def test_a_reaction_write_that_fails_half_way_leaves_the_counts_as_stored(ctx, monkeypatch, fault):
    """The reaction stays as stored (a retry sets the same); the post's counts
    are recounted from it (they stayed one off: the doctor found
    "reactions {} stored, {'like': 1} counted"), and no copy shows the old ones."""
    author, _ = new_user("wl")
    fan, _ = new_user("wl")
    pid = posts.create_post(author, "react to this")["id"]
    other, _ = new_user("wl")
    reactions.react("post", pid, other, "love")
    assert posts.get_post(pid, fan)["counts"]["reactions"] == {"love": 1}  # the post copy is kept
    if fault == "the removal's answer is lost":
        reactions.react("post", pid, fan, "like")
        hits = _fail_mongo(monkeypatch, "delete_one", lambda coll, args: coll == "reactions")
    elif fault == "the reaction's answer is lost":
        hits = _fail_mongo(monkeypatch, "insert_one", lambda coll, args: coll == "reactions")
    else:
        hits = _fail_mongo(monkeypatch, "update_one",
                           lambda coll, args: coll == "posts" and "counts.reactions" in str(args[1]), applied=False)
    with pytest.raises(AutoReconnect):
        if fault == "the removal's answer is lost":
            reactions.unreact("post", pid, fan)
        else:
            reactions.react("post", pid, fan, "like")
    assert hits
    monkeypatch.undo()
    stored, counted = _reaction_counts(pid)
    assert stored == counted
    assert posts.get_post(pid, fan)["counts"]["reactions"] == counted
    assert (reactions.viewer_reactions(fan, [f"post:{pid}"]).get(f"post:{pid}")
            == (None if fault == "the removal's answer is lost" else "like"))
    _no_counter_findings(pid)
    if fault != "the removal's answer is lost":  # the writer's retry: the same reaction, counted once
        assert reactions.react("post", pid, fan, "like")["counts"] == {"love": 1, "like": 1}


@pytest.mark.parametrize("fault", ["the share count never reaches MongoDB", "the unshare's answer is lost"])
def test_a_share_write_that_fails_half_way_leaves_the_count_as_stored(ctx, monkeypatch, fault):
    """The original's ``counts.shares`` is recounted from the stored shares (it
    stayed one off, and a retried repost answered 409: one low for good)."""
    author, _ = new_user("wh")
    fan, _ = new_user("wh")
    pid = posts.create_post(author, "share this")["id"]
    oid = parse_id(pid, "post")
    assert posts.get_post(pid, fan)["counts"]["shares"] == 0  # the post copy is kept
    if fault == "the unshare's answer is lost":
        repost = posts.share_post(pid, fan)
        hits = _fail_mongo(monkeypatch, "delete_one", lambda coll, args: coll == "posts")
    else:
        hits = _fail_mongo(monkeypatch, "update_one",
                           lambda coll, args: coll == "posts" and "counts.shares" in str(args[1]), applied=False)
    with pytest.raises(AutoReconnect):
        if fault == "the unshare's answer is lost":
            posts.delete_post(repost["id"], fan)
        else:
            posts.share_post(pid, fan)
    assert hits
    monkeypatch.undo()
    stored = stores.mongo().posts.count_documents({"share_of": oid})
    assert stored == (0 if fault == "the unshare's answer is lost" else 1)
    assert stores.mongo().posts.find_one({"_id": oid})["counts"]["shares"] == stored
    assert posts.get_post(pid, fan)["counts"]["shares"] == stored
    _no_counter_findings(pid)
