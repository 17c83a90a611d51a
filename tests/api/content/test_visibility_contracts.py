"""``can_view_post``'s refusals that need no relationship (issue 21: two mutants
survived because the relationship read that follows gives the same answer):
an ``only_me`` post, or a non-public post for an anonymous viewer, is refused
without a graph round trip; an audience outside ``AUDIENCES`` fails closed even
for a viewer holding every relation to the author."""
from __future__ import annotations

import pytest

from socialgraph import stores
from socialgraph.content.visibility import can_view_post
from socialgraph.operations.degrees import recount

RELATIONSHIP = "graph/relations/get_relationship"


@pytest.fixture()
def close(make_user, ctx):
    """``viewer`` follows ``author``, is their friend and on their close-friends list."""
    viewer, author = make_user("vc"), make_user("vc")
    assert viewer.put(f"/api/v1/users/{author.username}/follow").status_code == 200
    for kind, a, b in (("FRIENDS_WITH", author.uid, viewer.uid), ("CLOSE_FRIEND", author.uid, viewer.uid)):
        stores.graph().run_text(f"MATCH (a:User {{uid: $a}}), (b:User {{uid: $b}}) CREATE (a)-[:{kind}]->(b)",
                                a=a, b=b)
    recount(author.uid, viewer.uid)  # the degree counts a hand-written link bypasses
    return viewer, author


def test_the_close_viewer_sees_every_restricted_audience(close, graph_reads):
    viewer, author = close
    for audience in ("followers", "friends", "close_friends"):
        assert can_view_post(viewer.uid, {"author_id": author.uid, "visibility": audience}) is True, audience
    assert graph_reads.count(RELATIONSHIP) == 3


def test_only_me_and_anonymous_refusals_cost_no_relationship_read(close, graph_reads):
    viewer, author = close
    assert can_view_post(viewer.uid, {"author_id": author.uid, "visibility": "only_me"}) is False
    for audience in ("followers", "friends", "close_friends", "only_me"):
        assert can_view_post(None, {"author_id": author.uid, "visibility": audience}) is False, audience
    assert RELATIONSHIP not in graph_reads
    assert can_view_post(author.uid, {"author_id": author.uid, "visibility": "only_me"}) is True


@pytest.mark.parametrize("audience", ["mystery", "direct", "FOLLOWERS"])
def test_an_unknown_audience_fails_closed_for_the_closest_viewer(close, audience):
    viewer, author = close
    assert can_view_post(viewer.uid, {"author_id": author.uid, "visibility": audience}) is False
    assert can_view_post(author.uid, {"author_id": author.uid, "visibility": audience}) is True
