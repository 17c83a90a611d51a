"""Every saved analytics query in cypher/analytics runs on a small known graph."""
from __future__ import annotations

import uuid

import pytest

from socialgraph import stores
from socialgraph.importers import set_degree_counts

#: friendships of the small graph: a triangle a-b-c, d hanging off a, and a
#: second cluster e-f-g (a triangle) joined to a through e.
EDGES = [("a", "b"), ("b", "c"), ("a", "c"), ("a", "d"), ("a", "e"), ("e", "f"), ("f", "g"), ("e", "g")]
FOLLOWS = [("b", "a"), ("c", "a"), ("d", "a"), ("a", "b"), ("e", "a")]


@pytest.fixture()
def small(ctx):
    tag = uuid.uuid4().hex[:8]
    names = {n: f"an_{tag}_{n}" for n in "abcdefg"}
    g = stores.graph()
    g.run_text("UNWIND $rows AS r CREATE (:User {uid: r.uid, username: r.username, source: 'test'})",
               rows=[{"uid": uuid.uuid4().hex, "username": u} for u in names.values()])
    g.run_text("UNWIND $rows AS r MATCH (a:User {username: r.a}), (b:User {username: r.b}) "
               "CREATE (a)-[:FRIENDS_WITH {since: datetime()}]->(b)",
               rows=[{"a": names[x], "b": names[y]} for x, y in EDGES])
    g.run_text("UNWIND $rows AS r MATCH (a:User {username: r.a}), (b:User {username: r.b}) "
               "CREATE (a)-[:FOLLOWS {created_at: datetime()}]->(b)",
               rows=[{"a": names[x], "b": names[y]} for x, y in FOLLOWS])
    set_degree_counts([r["uid"] for r in g.run_text("MATCH (u:User) WHERE u.username IN $names RETURN u.uid AS uid",
                                                    names=list(names.values()))])  # as an import does
    return names


def test_every_analytics_query_runs(small, subtests):
    """Each query a subtest: one wrong answer does not hide the others."""
    g = stores.graph()
    names = small
    checked = set()

    checked.add("analytics/get_user_clustering")
    with subtests.test(query="analytics/get_user_clustering"):
        rows = g.read("analytics/get_user_clustering", username=names["a"])
        # a has friends b, c, d, e; among them only b-c are friends: 1 triangle of 6 pairs
        assert rows == [{"username": names["a"], "friends": 4, "triangles": 1, "clustering": pytest.approx(1 / 6)}]
        rows = g.read("analytics/get_user_clustering", username=names["f"])
        assert rows[0]["triangles"] == 1 and rows[0]["clustering"] == pytest.approx(1.0)

    checked.add("analytics/list_friend_communities")
    with subtests.test(query="analytics/list_friend_communities"):
        rows = g.read("analytics/list_friend_communities", username=names["a"])
        groups = {frozenset(r["sample"]) for r in rows}
        # b and c form one community; e is alone among a's friends (f, g are not a's friends); d alone
        assert groups == {frozenset({names["b"], names["c"]}), frozenset({names["d"]}), frozenset({names["e"]})}
        assert sum(r["size"] for r in rows) == 4

    checked.add("analytics/list_most_followed")
    with subtests.test(query="analytics/list_most_followed"):
        rows = g.read("analytics/list_most_followed", limit=5)
        assert len(rows) <= 5
        assert [r["followers"] for r in rows] == sorted((r["followers"] for r in rows), reverse=True)
        assert rows[0]["followers"] >= 4  # a has 4 followers in the small graph alone

    checked.add("analytics/list_degree_distribution")
    with subtests.test(query="analytics/list_degree_distribution"):
        rows = g.read("analytics/list_degree_distribution")
        total = g.run_text("MATCH (u:User) RETURN count(u) AS n")[0]["n"]
        assert sum(r["users"] for r in rows) == total
        assert [r["degree"] for r in rows] == sorted(r["degree"] for r in rows)

    checked.add("analytics/get_follow_reciprocity")
    with subtests.test(query="analytics/get_follow_reciprocity"):
        rows = g.read("analytics/get_follow_reciprocity")
        r = rows[0]
        assert 0 < r["reciprocated"] < r["follows"]  # a<->b reciprocated, the others not
        assert r["reciprocity"] == pytest.approx(r["reciprocated"] / r["follows"])

    checked.add("analytics/list_suggestion_candidates")
    with subtests.test(query="analytics/list_suggestion_candidates"):
        # suggestion candidates of b (friends a, c): d and e through a (4 friends)
        rows = g.read("analytics/list_suggestion_candidates", username=names["b"], limit=10)
        assert {r["candidate"]: (r["mutual"], round(r["resource_allocation"], 6)) for r in rows} == {
            names["d"]: (1, 0.25), names["e"]: (1, 0.25)}
        assert {r["candidate"]: r["candidate_friends"] for r in rows} == {names["d"]: 1, names["e"]: 3}
        assert all(r["follows_me"] is False and r["shared_groups"] == 0 and r["via"] == [names["a"]] for r in rows)

    checked.add("analytics/list_top_interactions")
    with subtests.test(query="analytics/list_top_interactions"):
        # who engages with whom: c with a (5 acts) above d with a (1); a-c are friends, d-a too
        g.run_text("MATCH (c:User {username: $c}), (a:User {username: $a}), (d:User {username: $d}) "
                   "CREATE (c)-[:INTERACTED_WITH {reactions: 3, comments: 1, mentions: 0, shares: 1, messages: 0, "
                   "last_at: datetime()}]->(a), (d)-[:INTERACTED_WITH {reactions: 1, comments: 0, mentions: 0, "
                   "shares: 0, messages: 0, last_at: datetime()}]->(a)", a=names["a"], c=names["c"], d=names["d"])
        rows = [r for r in g.read("analytics/list_top_interactions", limit=1000) if r["to"] == names["a"]]
        assert [(r["from"], r["total"], r["reactions"], r["friends"]) for r in rows] == [
            (names["c"], 5, 3, True), (names["d"], 1, 1, True)]
    assert checked == set(g.catalog.area("analytics")), "a new analytics query needs a check here"
