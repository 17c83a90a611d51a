"""The documented contracts of :mod:`socialgraph.graph.relations`, asked of the
functions themselves against the real graph (issue 21: their mutants survived
because the callers guard the anonymous paths before using the sets).

- An anonymous viewer's sets are empty sets (not None) and cost no graph query.
- ``relationship`` of anonymous or self is the empty ``Relationship`` without a
  graph round trip.
- ``audience_among`` asks the graph for friend audiences only when the page
  holds friends / close-friends posts and has authors.
Graph queries are counted by name on the live store (``GraphStore.read``
wrapped, the query still runs).
"""
from __future__ import annotations

import pytest

from socialgraph import stores
from socialgraph.graph import relations
from socialgraph.operations.degrees import recount

EMPTY_AUDIENCE = {"following": set(), "friends": set(), "close_friend_of": set()}


def _link(kind: str, a_uid: str, b_uid: str) -> None:
    stores.graph().run_text(
        f"MATCH (a:User {{uid: $a}}), (b:User {{uid: $b}}) CREATE (a)-[:{kind}]->(b)", a=a_uid, b=b_uid)
    recount(a_uid, b_uid)  # the degree counts a hand-written link bypasses


@pytest.mark.parametrize("anonymous", [None, ""], ids=["none", "empty"])
def test_an_anonymous_viewers_sets_are_empty_sets_without_a_graph_query(graph_reads, anonymous):
    assert relations.hidden_authors(anonymous) == set() and isinstance(relations.hidden_authors(anonymous), set)
    assert relations.blocked_either_way(anonymous) == set()
    assert relations.audience_sets(anonymous) == EMPTY_AUDIENCE
    assert graph_reads == []


def test_hidden_authors_are_blocks_both_ways_and_mutes(make_user, graph_reads):
    me, blocked, blocker, muted, other = (make_user("ha") for _ in range(5))
    me.put(f"/api/v1/users/{blocked.username}/block")
    blocker.put(f"/api/v1/users/{me.username}/block")
    me.put(f"/api/v1/users/{muted.username}/mute")
    assert relations.hidden_authors(me.uid) == {blocked.uid, blocker.uid, muted.uid}
    assert relations.blocked_either_way(me.uid) == {blocked.uid, blocker.uid}
    assert relations.hidden_authors(other.uid) == set()


def test_audience_sets_of_a_uid_without_a_graph_node_are_empty_sets(graph_reads):
    """A signed-in uid whose node is gone (a deletion under way): empty sets, one query."""
    assert relations.audience_sets("no-such-uid-in-the-graph") == EMPTY_AUDIENCE
    assert graph_reads == ["graph/relations/list_audience_uids"]


def test_relationship_of_anonymous_and_self_costs_no_graph_round_trip(make_user, graph_reads):
    a, b = make_user("rt"), make_user("rt")
    assert a.put(f"/api/v1/users/{b.username}/follow").status_code == 200
    graph_reads.clear()
    assert relations.relationship(None, a.uid) == relations.Relationship()
    assert relations.relationship("", a.uid) == relations.Relationship()
    assert relations.relationship(a.uid, a.uid) == relations.Relationship()
    assert graph_reads == []
    # and between two users it is one round trip that sees the follow
    rel = relations.relationship(a.uid, b.uid)
    assert rel.following and not rel.followed_by and not rel.blocked_either_way
    assert graph_reads == ["graph/relations/get_relationship"]


def test_audience_among_asks_for_friend_audiences_only_when_the_page_needs_them(make_user, graph_reads):
    viewer, friend, close, stranger = (make_user("aa") for _ in range(4))
    assert viewer.put(f"/api/v1/users/{stranger.username}/follow").status_code == 200
    _link("FRIENDS_WITH", friend.uid, viewer.uid)
    _link("CLOSE_FRIEND", close.uid, viewer.uid)
    authors = {friend.uid, close.uid, stranger.uid}
    graph_reads.clear()
    # a page of public and followers posts (no friend kinds): following only, no friends query
    out = relations.audience_among(viewer.uid, authors, set())
    assert out == {"following": {stranger.uid}, "friends": set(), "close_friend_of": set()}
    assert "graph/relations/list_audience_among" not in graph_reads
    # friends posts but no authors: nothing to ask
    assert relations.audience_among(viewer.uid, set(), {"friends", "close_friend_of"}) == EMPTY_AUDIENCE
    assert "graph/relations/list_audience_among" not in graph_reads
    # friends and close-friends posts: one query over the page's authors, only the kinds asked
    out = relations.audience_among(viewer.uid, authors, {"friends"})
    assert out == {"following": {stranger.uid}, "friends": {friend.uid}, "close_friend_of": set()}
    out = relations.audience_among(viewer.uid, authors, {"friends", "close_friend_of"})
    assert out == {"following": {stranger.uid}, "friends": {friend.uid}, "close_friend_of": {close.uid}}
    assert graph_reads.count("graph/relations/list_audience_among") == 2
