"""Long people lists (a hub's friends, followers, following) are paged from an
ordered Redis copy (:mod:`socialgraph.graph.ordered`, issue 22 session 5): the
graph store sorted all 9,492 friendships of a hub on every page (650 ms).

The copy's pages must be exactly the graph query's (ties on the time broken
by uid, users blocked either way by the viewer left out), and every
friendship or follow change must be seen at once.
"""
from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from socialgraph import stores
from socialgraph.accounts import service as accounts
from socialgraph.core import clock
from socialgraph.core.pagination import keyset_page
from socialgraph.graph import blocks, follows, friends, ordered
from socialgraph.operations.degrees import recount
from tests.conftest import unique
from tests.integration.bulk import imported_users

N = ordered.MIN_ENTRIES + 150


@pytest.fixture()
def hub(ctx):
    """A registered user with N imported friends who also follow it (bulk
    queries, three friendship times so that most entries tie), degree counts
    recounted; and a registered viewer who blocks one of the friends."""
    g = stores.graph()
    me = accounts.register(unique("hub"), f"{unique('m')}@example.test", "a long enough password")
    viewer = accounts.register(unique("vw"), f"{unique('m')}@example.test", "a long enough password")
    now = clock.now()
    uids = imported_users(N, "fr", display="Friend {uid}", at=now)
    for i, part in enumerate((uids[:500], uids[500:900], uids[900:])):
        at = now - timedelta(minutes=10 * (3 - i))
        g.write("importers/merge_friendships", rows=[{"a": me["uid"], "b": u} for u in part], created_at=at)
        g.write("importers/merge_follows", rows=[{"a": u, "b": me["uid"]} for u in part], created_at=at)
    recount(me["uid"], *uids)
    blocks.block(viewer["uid"], uids[700])
    return {"me": me, "viewer": viewer, "uids": uids, "blocked": uids[700]}


def _all_pages(read_page) -> list[str]:
    out, cursor = [], None
    while True:
        page = read_page(cursor)
        out += [item["uid"] for item in page.items]
        cursor = page.next_cursor
        if not cursor:
            return out


def _graph_pages(query: str, at: str, uid: str, hidden: list[str]) -> list[str]:
    read = partial(stores.graph().read, query, uid=uid, hidden=hidden)
    return _all_pages(lambda c: keyset_page(read, c, 50, lambda r: {"uid": r["uid"]}, at_field=at))


def test_long_friend_list_pages_come_from_the_copy_exactly(hub, graph_reads):
    """Every page of a 1,150-friend list equals the graph query's page (ties
    broken by uid, the viewer's blocked user left out); once the copy is
    built, a page runs no graph query that sorts the friendships."""
    me, viewer = hub["me"], hub["viewer"]["uid"]
    ordered.forget(me["uid"])
    expected = _graph_pages("graph/friends/list_friends", "at", me["uid"], [hub["blocked"]])
    assert len(expected) == N - 1
    del graph_reads[:]
    got = _all_pages(lambda c: friends.list_friends(me["username"], viewer, c, 50))
    assert got == expected
    assert "graph/friends/list_friends" not in graph_reads
    assert graph_reads.count("graph/friends/list_friend_times") == 1  # the copy, read once
    first = friends.list_friends(me["username"], viewer, None, 50)
    assert first.items[0]["display_name"].startswith("Friend ")
    assert first.items[0]["at"].tzinfo is not None


def test_long_follower_and_following_lists_from_the_copy(hub, graph_reads):
    """Followers (1,150 imported) page like the graph query; a short list
    (the viewer's following: 0) keeps the graph query."""
    me, viewer = hub["me"], hub["viewer"]["uid"]
    expected = _graph_pages("graph/follows/list_followers", "followed_at", me["uid"], [hub["blocked"]])
    del graph_reads[:]
    got = _all_pages(lambda c: follows.list_followers(me["username"], c, 50, viewer=viewer))
    assert got == expected and len(got) == N - 1
    assert "graph/follows/list_followers" not in graph_reads
    del graph_reads[:]
    assert follows.list_following(me["username"], None, 50, viewer=viewer).items == []
    assert "graph/follows/list_following" in graph_reads  # short: the graph answers


def test_friendship_and_follow_changes_are_seen_at_once(hub):
    """Unfriending and a new follower drop the copies: the next page shows it."""
    me = hub["me"]
    newest = friends.list_friends(me["username"], me["uid"], None, 50).items
    gone = newest[0]["username"]
    friends.unfriend(me["uid"], gone)
    after = friends.list_friends(me["username"], me["uid"], None, 50).items
    assert gone not in [i["username"] for i in after]
    assert after[0]["uid"] == newest[1]["uid"]
    fan = accounts.register(unique("fan"), f"{unique('m')}@example.test", "a long enough password")
    follows.follow(fan["uid"], me["username"])
    top = follows.list_followers(me["username"], None, 50, viewer=me["uid"]).items[0]
    assert top["uid"] == fan["uid"]


def test_own_list_asks_no_viewer_relation(hub, graph_reads):
    """Oneself: the access check reads the settings only (the relation query,
    with its friends-of-friends hops over a hub's friends, cost 300 ms)."""
    me = hub["me"]
    friends.list_friends(me["username"], me["uid"], None, 50)
    assert "graph/privacy/get_viewer_access" not in graph_reads
    assert "graph/privacy/get_privacy" in graph_reads
