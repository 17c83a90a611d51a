"""INTERACTED_WITH: engagement mirrored into the graph by the event jobs,
counted once however often a job runs, rebuilt from existing data by the
command, erased with the account, read by the suggestion features."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.graph import interactions, suggestions
from socialgraph.operations import interactions as rebuild_mod

FIGURES = ("reactions", "comments", "mentions", "shares", "messages")


def _figures(a, b):
    row = interactions.between(a.uid, b.uid)
    return None if row is None else {k: row[k] for k in FIGURES}


def _engage(a, b):
    """a reacts to, comments on, mentions and shares b's posts, replies to b's comment and writes to b."""
    p = b.post("/api/v1/posts", json={"text": "b's post"}).get_json()
    assert a.put(f"/api/v1/posts/{p['id']}/reaction", json={"type": "like"}).status_code == 200
    c = b.post(f"/api/v1/posts/{p['id']}/comments", json={"text": "b's own comment"}).get_json()
    assert a.post(f"/api/v1/posts/{p['id']}/comments", json={"text": "reply", "parent_id": c["id"]}).status_code == 201
    assert a.post("/api/v1/posts", json={"text": f"hello @{b.username}"}).status_code == 201
    assert a.post(f"/api/v1/posts/{p['id']}/shares", json={}).status_code == 201
    conv = a.post("/api/v1/conversations", json={"members": [b.username]}).get_json()
    assert a.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "hi"}).status_code == 201
    assert a.post(f"/api/v1/conversations/{conv['id']}/messages", json={"text": "again"}).status_code == 201


def test_events_mirror_each_kind_once_per_act(app, make_user):
    a, b = make_user("ia"), make_user("ib")
    a.put(f"/api/v1/users/{b.username}/follow")
    b.put(f"/api/v1/users/{a.username}/follow")
    _engage(a, b)
    with app.app_context():
        # the reply counts once for b (post author and parent comment author are both b)
        assert _figures(a, b) == {"reactions": 1, "comments": 1, "mentions": 1, "shares": 1, "messages": 2}
        assert _figures(b, a) is None  # b's own acts were towards itself
        row = interactions.between(a.uid, b.uid)
        assert row["last_at"] is not None
        # a job run again (RQ retry) counts nothing twice
        post = stores.mongo().posts.find_one({"author_id": b.uid})
        interactions.on_event("reaction.created", target=f"post:{post['_id']}", user_id=a.uid, owner_id=b.uid,
                              type="like")
        assert _figures(a, b)["reactions"] == 1
        # the suggestion features read it (both ways)
        feats = stores.graph().read("graph/suggestions/list_candidate_features", uid=b.uid, uids=[a.uid],
                                    known={})
        assert suggestions._interaction_total(feats[0]["features"][0]["interactions"]) == 6.0


def test_rebuild_recounts_existing_data_idempotently(app, make_user):
    a, b = make_user("ra"), make_user("rb")
    a.put(f"/api/v1/users/{b.username}/follow")
    b.put(f"/api/v1/users/{a.username}/follow")
    _engage(a, b)
    expected = {"reactions": 1, "comments": 1, "mentions": 1, "shares": 1, "messages": 2}
    with app.app_context():
        # the mirror lost (data from before it existed): ledger and relationship gone
        stores.mongo()[interactions.COLLECTION].delete_many({"a": a.uid})
        stores.graph().run_text("MATCH (:User {uid: $a})-[i:INTERACTED_WITH]->() DELETE i", a=a.uid)
        assert _figures(a, b) is None
        first = rebuild_mod.rebuild()
        assert _figures(a, b) == expected
        second = rebuild_mod.rebuild()
        assert _figures(a, b) == expected  # nothing counted twice
        assert second["acts"] == first["acts"]
        assert stores.mongo()[interactions.COLLECTION].count_documents({"a": a.uid, "b": b.uid}) == 6


def test_rebuild_command(app, make_user):
    a, b = make_user("ca"), make_user("cb")
    p = b.post("/api/v1/posts", json={"text": "post"}).get_json()
    a.put(f"/api/v1/posts/{p['id']}/reaction", json={"type": "like"})
    result = app.test_cli_runner().invoke(args=["suggestions", "rebuild-interactions"])
    assert result.exit_code == 0, result.output
    assert '"pairs"' in result.output
    with app.app_context():
        assert _figures(a, b) == {"reactions": 1, "comments": 0, "mentions": 0, "shares": 0, "messages": 0}


def test_erased_with_the_account(app, make_user):
    a, b = make_user("da"), make_user("db")
    p = b.post("/api/v1/posts", json={"text": "post"}).get_json()
    a.put(f"/api/v1/posts/{p['id']}/reaction", json={"type": "like"})
    q = a.post("/api/v1/posts", json={"text": "mine"}).get_json()
    b.put(f"/api/v1/posts/{q['id']}/reaction", json={"type": "like"})
    with app.app_context():
        assert _figures(a, b)["reactions"] == 1 and _figures(b, a)["reactions"] == 1
    assert a.post("/api/v1/me/deletion", json={"password": a.password}).status_code == 202
    with app.app_context():
        db = stores.mongo()[interactions.COLLECTION]
        assert db.count_documents({"$or": [{"a": a.uid}, {"b": a.uid}]}) == 0
        rows = stores.graph().run_text(
            "MATCH (u:User {uid: $b})-[i:INTERACTED_WITH]-() RETURN count(i) AS n", b=b.uid)
        assert rows[0]["n"] == 0


def _queued_not_run(tq, monkeypatch) -> list[str]:
    """As in production: the mirror job is queued (recorded here), not run at once."""
    queued: list[str] = []
    monkeypatch.setattr(tq, "is_async", True)
    monkeypatch.setattr(tq, "enqueue", lambda func, *a, **kw: queued.append(func) or "queued")
    stores.queue_redis().delete(f"sg:once:{interactions.MIRROR_KEY}")
    return queued


def test_a_burst_of_acts_is_mirrored_by_one_coalesced_run(app, make_user, monkeypatch):
    a, b, c = make_user("pa"), make_user("pb"), make_user("pc")
    with app.app_context():
        tq = stores.tasks()
        queued = _queued_not_run(tq, monkeypatch)
        for i in range(3):
            assert interactions.on_event("reaction.created", target=f"post:x{i}", user_id=a.uid, owner_id=b.uid,
                                         type="like") == 1
        assert interactions.on_event("reaction.created", target="post:x0", user_id=a.uid, owner_id=b.uid,
                                     type="like") == 0  # a retry counts nothing
        assert interactions.on_event("comment.created", comment_id="c1", post_id="p", author_id=a.uid,
                                     post_author_id=c.uid, parent_author_id="") == 1
        assert queued == [interactions.MIRROR_JOB]  # one run for the burst
        assert _figures(a, b) is None and _figures(a, c) is None  # no graph write per act
        assert interactions.has_pending()
        monkeypatch.setattr(tq, "is_async", False)
        done = interactions.mirror_pending(batch=1)  # batches of one pair: the loop takes both
        assert done["pairs"] >= 2
        assert _figures(a, b) == {"reactions": 3, "comments": 0, "mentions": 0, "shares": 0, "messages": 0}
        assert _figures(a, c) == {"reactions": 0, "comments": 1, "mentions": 0, "shares": 0, "messages": 0}
        marked = stores.queue_redis().hkeys(interactions.DIRTY_KEY)
        assert f"{a.uid} {b.uid}".encode() not in marked and f"{a.uid} {c.uid}".encode() not in marked
        interactions.mirror_pending()  # run again (RQ retry, a second worker): nothing changes
        assert _figures(a, b)["reactions"] == 3
        # the run has started: the next act queues a new one
        monkeypatch.setattr(tq, "is_async", True)
        interactions.on_event("reaction.created", target="post:x9", user_id=a.uid, owner_id=b.uid, type="like")
        assert queued == [interactions.MIRROR_JOB] * 2
        monkeypatch.setattr(tq, "is_async", False)
        interactions.mirror_pending()
        assert _figures(a, b)["reactions"] == 4


def test_a_mark_that_grew_during_a_run_stays_for_the_next(app, make_user, monkeypatch):
    a, b = make_user("ga"), make_user("gb")
    with app.app_context():
        _queued_not_run(stores.tasks(), monkeypatch)
        interactions.on_event("reaction.created", target="post:g1", user_id=a.uid, owner_id=b.uid, type="like")
        real = interactions.counts

        def counts_then_an_act_arrives(x, y):
            out = real(x, y)
            if (x, y) == (a.uid, b.uid) and out["reactions"] == 1:
                interactions.on_event("reaction.created", target="post:g2", user_id=a.uid, owner_id=b.uid,
                                      type="like")
            return out

        monkeypatch.setattr(interactions, "counts", counts_then_an_act_arrives)
        interactions.mirror_pending()
        assert _figures(a, b)["reactions"] == 1  # the run read its counts before the second act
        assert stores.queue_redis().hget(interactions.DIRTY_KEY, f"{a.uid} {b.uid}") is not None
        monkeypatch.setattr(interactions, "counts", real)
        interactions.mirror_pending()
        assert _figures(a, b)["reactions"] == 2


def test_the_sweeper_mirrors_pairs_whose_mirror_job_was_lost(app, make_user, monkeypatch):
    from socialgraph.operations import sweeper

    a, b = make_user("sa"), make_user("sb")
    with app.app_context():
        tq = stores.tasks()
        queued = _queued_not_run(tq, monkeypatch)
        interactions.on_event("post.shared", post_id="p", share_id="s1", user_id=a.uid, owner_id=b.uid)
        assert queued == [interactions.MIRROR_JOB]  # ... and this job is lost
        stores.queue_redis().delete(f"sg:once:{interactions.MIRROR_KEY}")  # its marker expired
        monkeypatch.undo()
        assert _figures(a, b) is None
        assert sweeper.sweep()["interactions_mirror"] == "queued"  # RQ_ASYNC off: it ran at once
        assert _figures(a, b)["shares"] == 1
        assert stores.queue_redis().hget(interactions.DIRTY_KEY, f"{a.uid} {b.uid}") is None
