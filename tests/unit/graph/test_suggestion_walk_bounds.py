"""The degree-scaled bound of the suggestions' 3-step walk feature
(``socialgraph.graph.suggestions.walk_bounds``; no servers)."""
from __future__ import annotations

from socialgraph.graph import suggestions as s


def test_fixed_bound_without_a_scale():
    assert s.walk_bounds(5) == (s.WALK, s.WALK_PATHS)
    assert s.walk_bounds(s.HUB_FRIENDS + 1) == (s.WALK, s.HUB_WALK_PATHS)


def test_few_friends_get_a_bigger_walk_hubs_keep_theirs():
    c = s.WALK_SCALE_FRIENDS
    assert s.walk_bounds(10, c) == (int(s.WALK * c / 10), int(s.WALK_PATHS * c / 10))
    assert s.walk_bounds(0, c) == (int(s.WALK * c), int(s.WALK_PATHS * c))  # no division by zero
    assert s.walk_bounds(c, c) == (s.WALK, s.WALK_PATHS)  # at C friends and above: the fixed bound
    assert s.walk_bounds(s.HUB_FRIENDS, c)[1] <= s.WALK_PATHS
    assert s.walk_bounds(s.HUB_FRIENDS + 1, c) == (s.WALK, s.HUB_WALK_PATHS)
    assert s.walk_bounds(10_000, c) == (s.WALK, s.HUB_WALK_PATHS)
