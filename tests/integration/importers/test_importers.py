"""Importers on real data: counts, idempotency, the author join, thread shape."""
from __future__ import annotations

from collections import Counter

from socialgraph import stores
from socialgraph.importers import import_uid
from socialgraph.importers.snap import SOURCE, read_edges


def test_snap_import_matches_the_file(ctx, imported):
    edges = read_edges(imported["snap_file"])
    nodes = {n for e in edges for n in e}
    counts = stores.graph().read("importers/count_source", source=SOURCE)[0]
    assert counts["users"] == len(nodes)
    assert counts["follows"] == 2 * len(set(tuple(sorted(e)) for e in edges))
    # a friendship is a mutual follow
    a, b = edges[0]
    prof = stores.graph().read("graph/users/get_profile_by_uid", uid=import_uid(SOURCE, a))[0]
    degree = Counter(n for e in edges for n in e)[a]
    assert prof["followers_count"] == prof["following_count"] == degree
    assert prof["user"]["username"] == f"fb_{a}"


def test_imports_are_idempotent(app, ctx, imported):
    before_graph = stores.graph().read("importers/count_source", source=SOURCE)[0]
    db = stores.mongo()
    before = [db[c].count_documents({}) for c in ("posts", "comments", "reactions")]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", "snap-facebook", str(imported["snap_file"])]).exit_code == 0
    from tests.conftest import SHARED_DATA

    assert runner.invoke(args=["import", "stackexchange", str(SHARED_DATA / "stackexchange_beer")]).exit_code == 0
    assert stores.graph().read("importers/count_source", source=SOURCE)[0] == before_graph
    assert [db[c].count_documents({}) for c in ("posts", "comments", "reactions")] == before


def test_stackexchange_mapping(ctx, imported):
    db = stores.mongo()
    posts = list(db.posts.find({"source_key": {"$gte": "se:beer:", "$lt": "se:beer;"}}))
    assert len(posts) == 591  # every question of the dump
    sample = next(p for p in posts if p["source_key"] == "se:beer:q:1")
    assert sample["text"].startswith("What is a citra hop")
    assert "<p>" not in sample["text"] and sample["hashtags"] == ["hops"]
    # authors are graph users of the imported graph
    authors = {p["author_id"] for p in posts}
    found = stores.graph().read("graph/users/get_users_by_uid", uids=list(authors))
    assert len(found) == len(authors)
    # comment counts on posts equal the stored comments
    for p in posts[:50]:
        assert db.comments.count_documents({"post_id": p["_id"]}) == p["counts"]["comments"]
    # answers are top-level comments, comments on answers their replies
    reply = db.comments.find_one({"source_key": {"$gte": "se:beer:c:", "$lt": "se:beer:c;"}, "depth": 1})
    parent = db.comments.find_one({"_id": reply["parent_id"]})
    assert parent["source_key"].startswith("se:beer:a:") and parent["reply_count"] >= 1
    # likes are one per user and target and match the post counters
    liked = max(posts, key=lambda p: p["counts"]["reactions"].get("like", 0))
    assert db.reactions.count_documents({"target": f"post:{liked['_id']}"}) == liked["counts"]["reactions"]["like"]


def test_stackexchange_onto_another_source_refuses_and_changes_nothing(app, ctx, imported):
    from tests.conftest import SHARED_DATA

    db = stores.mongo()
    before = [db[c].count_documents({}) for c in ("posts", "comments", "reactions")]
    result = app.test_cli_runner().invoke(args=["import", "stackexchange", str(SHARED_DATA / "stackexchange_beer"),
                                                "--onto", "musae-github"])
    assert result.exit_code == 1
    assert "already loaded, authored by users of 'snap-facebook'" in result.output
    assert "Traceback" not in result.output
    assert [db[c].count_documents({}) for c in ("posts", "comments", "reactions")] == before
