"""The home feed of a user who follows thousands of accounts (the guide's
9,000-friend user, issue 22): the rebuild reads MongoDB in slices of authors.

One ``$in`` over a hub's 9,492 followees took longer than the 12 s socket
timeout on the document store (its cost grows with the square of the list), so
the rebuild job failed every time and the page stayed empty with
``"rebuilding": true``.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from pymongo.collection import Collection

from socialgraph import stores
from socialgraph.accounts import service as accounts
from socialgraph.content import posts
from socialgraph.core import clock
from socialgraph.feeds import home as feeds
from socialgraph.operations.degrees import recount
from tests.conftest import config, unique
from tests.integration.bulk import imported_users

FOLLOWEES = 1500


@pytest.fixture()
def author_in_sizes(monkeypatch):
    """The sizes of the ``author_id: {"$in": [...]}`` lists of every ``find`` on
    ``posts`` (pymongo's ``Collection.find`` wrapped; the real query runs)."""
    sizes: list[int] = []
    real = Collection.find

    def find(self, filter=None, *args, **kwargs):
        authors = (filter or {}).get("author_id") if isinstance(filter, dict) else None
        if self.name == "posts" and isinstance(authors, dict) and "$in" in authors:
            sizes.append(len(authors["$in"]))
        return real(self, filter, *args, **kwargs)

    monkeypatch.setattr(Collection, "find", find)
    return sizes


@pytest.fixture()
def hub(ctx):
    """A registered user following ``FOLLOWEES`` imported users (the importers'
    bulk queries, degree counts recounted); 12 of them, spread over the whole
    sorted list, each wrote 2 posts at distinct times."""
    g = stores.graph()
    me = accounts.register(unique("hub"), f"{unique('m')}@example.test", "a long enough password")
    now = clock.now()
    uids = imported_users(FOLLOWEES, "fe", at=now)
    g.write("importers/merge_follows", rows=[{"a": me["uid"], "b": u} for u in uids], created_at=now)
    recount(me["uid"], *uids)
    writers = sorted(uids)[::FOLLOWEES // 12][:12]
    made = []
    t0 = clock.now()
    try:
        for i, w in enumerate(writers * 2):
            clock.set_clock(lambda i=i: t0 - timedelta(minutes=100 - i))
            made.append(posts.create_post(w, f"post {i} of a followee")["id"])
    finally:
        clock.set_clock(None)
    return {"uid": me["uid"], "writers": writers, "posts": made}


def test_rebuild_of_a_hub_feed_reads_authors_in_slices_and_keeps_the_newest(ctx, hub, app, author_in_sizes):
    """The rebuild of a user following 1,500 accounts writes the feed (the
    ``FEED_MAX_ITEMS`` newest posts of the followees, newest first), asking
    MongoDB about at most ``AUTHORS_PER_QUERY`` authors per query; the home
    page is then served from the set."""
    with config(app, FEED_MAX_ITEMS=10):
        feeds.forget_feed(hub["uid"])
        del author_in_sizes[:]
        written = feeds.rebuild_feed(hub["uid"])
        sizes = list(author_in_sizes)
        key = feeds.FEED_KEY.format(uid=hub["uid"])
        members = [m.decode() for m in stores.cache().zrange(key, 0, -1, desc=True)]
        page = feeds.home_feed(hub["uid"], None, 5)
    assert written == 10
    assert members == list(reversed(hub["posts"]))[:10]  # newest first, no completeness marker (trimmed)
    assert sizes, "the rebuild read MongoDB"
    assert max(sizes) <= feeds.AUTHORS_PER_QUERY
    assert page.rebuilding is False
    assert [p["id"] for p in page.items] == list(reversed(hub["posts"]))[:5]


def test_newest_posts_of_in_slices_equals_one_query(ctx, hub, monkeypatch):
    """Slices of 3 authors (the floor of the n-th newest carried across slices)
    give exactly what one query over all authors gives, for every n."""
    monkeypatch.setattr(feeds, "AUTHORS_PER_QUERY", 3)
    authors = hub["writers"] + [unique("nobody")]
    one = [d["_id"] for d in stores.mongo().posts.find({"author_id": {"$in": authors}, "group_id": None})
           .sort([("created_at", -1), ("_id", -1)])]
    assert len(one) == 24
    for n in (1, 5, 13, 24, 30):
        got = [d["_id"] for d in feeds.newest_posts_of(authors, n, {"group_id": None})]
        assert got == one[:n]


def test_pages_past_a_trimmed_hub_feed_come_from_mongodb_in_slices(ctx, hub, app, author_in_sizes):
    """A feed set trimmed to 5 entries: walking the home feed of the
    1,500-followee user gives all 24 posts, newest first, each once; the
    pages past the set ask MongoDB about at most ``AUTHORS_PER_QUERY``
    authors per query (one ``$in`` over all followees timed out on a hub)."""
    with config(app, FEED_MAX_ITEMS=5):
        feeds.forget_feed(hub["uid"])
        feeds.rebuild_feed(hub["uid"])
        del author_in_sizes[:]
        seen, cursor = [], None
        while True:
            page = feeds.home_feed(hub["uid"], cursor, 4)
            seen += [p["id"] for p in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
    assert seen == list(reversed(hub["posts"]))
    assert author_in_sizes and max(author_in_sizes) <= feeds.AUTHORS_PER_QUERY
