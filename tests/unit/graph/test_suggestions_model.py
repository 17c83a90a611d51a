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


def test_vector_walk_feature_and_ra_per_degree():
    got = dict(zip(m.FEATURES, m.vector(cand(p3=0.02))))
    assert got["log_p3"] == pytest.approx(math.log(0.02 + 1e-9))
    assert got["ra_per_my_degree"] == pytest.approx(0.5 / 20)
    assert dict(zip(m.FEATURES, m.vector(cand())))["log_p3"] == pytest.approx(math.log(1e-9))  # no walk: 0


def test_resource_allocation_kind_scores_log_ra_plus_priors():
    model = {"kind": "resource-allocation", "features": ["log_ra"]}
    assert m.score(cand(ra=0.25, co_lists=3), model) == pytest.approx(math.log(0.25 + 1e-6))  # no list boosts
    assert m.score(cand(follows_me=True), model) == pytest.approx(math.log(0.5 + 1e-6) + m.PRIORS["follows_me"])


def test_precision_at_k_ranks_each_users_candidates():
    from socialgraph.graph.suggestions_training import precision_at_k

    ra = {"kind": "resource-allocation"}
    # user a: 12 candidates, the hidden friends are the 2 best by RA and one ranked 11th
    a = [(cand(uid=f"a{i:02}", ra=1.0 / (i + 1)), int(i in (0, 1, 10))) for i in range(12)]
    b = [(cand(uid="b1", ra=0.2), 0), (cand(uid="b2", ra=0.1), 0)]  # no hit
    got = precision_at_k({"a": a, "b": b, "c": []}, ra)
    assert got == {"P@10": round((2 / 10) / 3, 4), "hit@10": round(1 / 3, 4)}
    # ties by uid: equal scores, the smaller uid first
    tie = [(cand(uid="z", ra=0.5), 0), (cand(uid="y", ra=0.5), 1)]
    assert precision_at_k({"u": tie}, ra, k=1) == {"P@10": 1.0, "hit@10": 1.0}


def test_select_needs_both_precision_and_hit_to_pick_a_more_complex_kind():
    from socialgraph.graph.suggestions_training import select

    v = {"resource-allocation": {"P@10": 0.26, "hit@10": 0.88}, "logistic-regression": {"P@10": 0.26, "hit@10": 0.9},
         "lightgbm-binary": {"P@10": 0.25, "hit@10": 0.95}}
    assert select(v) == "resource-allocation"  # a P@10 tie goes to the simpler kind
    v["lightgbm-binary"]["P@10"] = 0.2601
    assert select(v) == "lightgbm-binary"
    v["lightgbm-binary"]["hit@10"] = 0.87  # better P@10, worse hit@10: not taken
    assert select(v) == "resource-allocation"
    v["logistic-regression"]["P@10"] = 0.27
    assert select(v) == "logistic-regression"


def test_booster_cache_is_keyed_by_the_model_text_not_only_its_version():
    """Two different LightGBM models with the same version (two databases, or
    two candidate models of one training) are never mixed up."""
    import lightgbm

    X = [[float(i), float(i % 3)] for i in range(60)]
    up = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=5, verbose=-1).fit(X, [int(i >= 30) for i in range(60)])
    down = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=5, verbose=-1).fit(X, [int(i < 30) for i in range(60)])
    a = {"version": 1, "kind": "lightgbm-binary", "model": up.booster_.model_to_string()}
    b = {"version": 1, "kind": "lightgbm-binary", "model": down.booster_.model_to_string()}
    assert m._booster(a).predict([[50.0, 2.0]])[0] > 0.5
    assert m._booster(b).predict([[50.0, 2.0]])[0] < 0.5
