"""The suggestion model's features and scoring, without servers."""
from __future__ import annotations

import math

import pytest

from socialgraph.graph import suggestions_model as m
from socialgraph.graph.suggestions import reason


def cand(**kw):
    base = {"mutual": 2, "ra": 0.5, "aa": 1.5, "degree": 10, "my_degree": 20, "co_lists": 0, "in_my_lists": 0,
            "shared_groups": 0, "follows_me": False, "interactions": 0}
    return {**base, **kw}


def test_vector_follows_the_feature_names():
    x = m.vector(cand())
    assert len(x) == len(m.FEATURES)
    got = dict(zip(m.FEATURES, x))
    assert got["log_mutual"] == pytest.approx(math.log1p(2)) and got["log_ra"] == pytest.approx(math.log(0.5 + 1e-6))
    assert got["jaccard"] == pytest.approx(2 / (10 + 20 - 2))
    assert got["log_pa"] == pytest.approx(math.log1p(10) + math.log1p(20))


def test_fallback_ranks_by_resource_allocation_then_lists_and_groups():
    weak, strong = cand(ra=0.1), cand(ra=0.4)
    assert m.score(strong, None) > m.score(weak, None)
    assert m.score(cand(shared_groups=1), None) > m.score(cand(), None)
    assert m.score(cand(in_my_lists=1), None) > m.score(cand(co_lists=1), None) > m.score(cand(), None)


def test_priors_follows_you_and_interactions_add_to_any_model():
    model = {"kind": "logistic-regression", "intercept": 0.0, "mean": [0.0] * len(m.FEATURES),
             "scale": [1.0] * len(m.FEATURES), "coef": [0.0] * len(m.FEATURES)}
    assert m.score(cand(), model) == 0.0
    assert m.score(cand(follows_me=True), model) == pytest.approx(m.PRIORS["follows_me"])
    assert m.score(cand(interactions=9), model) == pytest.approx(m.PRIORS["log_interactions"] * math.log(10))
    model["coef"][m.FEATURES.index("log_mutual")] = 1.0
    assert m.scores([cand(mutual=5), cand(mutual=1)], model)[0] > m.scores([cand(mutual=1)], model)[0]


def test_reason_texts():
    assert reason(1, ["a"]) == "1 mutual friend: a"
    assert reason(3, ["a", "b"]) == "3 mutual friends: a, b and 1 other"
    assert reason(2, []) == "2 mutual friends"
