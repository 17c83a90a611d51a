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
