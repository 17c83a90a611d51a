"""Search over imported posts (the beer Stack Exchange dump): the importer
writes the search terms, ``socialgraph search reindex`` backfills posts that
lack them, and words, inflections and hashtags find them."""
from __future__ import annotations

from socialgraph import stores
from socialgraph.content import search
from socialgraph.content.keywords import VERSION

SE = {"$gte": "se:beer:", "$lt": "se:beer;"}


def _ids(page) -> list:
    return [p["id"] for p in page.items]


def test_imported_posts_are_found_by_words_stems_and_tags(ctx, imported):
    db = stores.mongo()
    assert db.posts.count_documents({"source_key": SE, "keywords_v": {"$ne": VERSION}}) == 0
    citra = db.posts.find_one({"source_key": "se:beer:q:1"})  # "What is a citra hop..." tagged #hops
    for q in ("citra", "Citra HOPS", "hop", "#hops", "hops"):
        assert str(citra["_id"]) in _ids(search.search_posts(q, None, limit=100)), q
    for q in ("IPA", "wine"):
        page = search.search_posts(q, None, limit=5)
        assert page.items, q
        assert all(q.lower() in (p["text"].lower() + " ".join(p["hashtags"])) for p in page.items), q
    # a tag without "#" finds posts tagged with it, even if the word is not in the text
    # (other tests of the session may post #hops too: every imported one is found, only tagged ones)
    tagged = {str(d["_id"]) for d in db.posts.find({"source_key": SE, "hashtags": "hops"}, {"_id": 1})}
    assert 10 < len(tagged) < 100
    found = search.search_posts("#hops", None, limit=100)
    assert tagged <= set(_ids(found)) and all("hops" in p["hashtags"] for p in found.items)
    # ranked: posts with both words before posts with one
    both = search.search_posts("citra hop", None, limit=100).items
    has = [("citra" in p["text"].lower()) and ("hop" in p["text"].lower() or "hops" in p["hashtags"])
           for p in both]
    assert has[0] and has == sorted(has, reverse=True)


def test_reindex_backfills_posts_without_terms_with_progress(app, ctx, imported):
    db = stores.mongo()
    db.posts.update_many({"source_key": SE}, {"$unset": {"keywords": "", "keywords_v": ""}})
    assert search.search_posts("citra", None).items == []
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--batch", "200"])
    assert result.exit_code == 0, result.output
    assert "posts: 200/" in result.output and "search reindex: {'posts': " in result.output
    assert db.posts.count_documents({"source_key": SE, "keywords_v": {"$ne": VERSION}}) == 0
    assert search.search_posts("citra", None).items
    # a second run has nothing left to do
    again = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "'posts': 0" in again.output
