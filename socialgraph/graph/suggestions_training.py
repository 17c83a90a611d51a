"""Training of the friend-suggestion model (``socialgraph suggestions train``).

See :mod:`socialgraph.graph.suggestions_model` for the features, the labels
(existing friendships, each with its own edge left out of its features), the
model selection and the stored document. Only the graph as it is is read:
the benchmark's hidden edges are not in it, and validation edges are hidden
per user from the candidate generation, never deleted.
"""
from __future__ import annotations

import random

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.graph import suggestions
from socialgraph.graph.suggestions_model import AUTO_KINDS, COLLECTION, FEATURES, KINDS, forget_cached, scores, vector


def _population(source: str | None) -> list[dict]:
    return stores.graph().read("graph/suggestions/list_training_users", source=source)


def _sample_users(rows: list[dict], users: int, seed: int, max_degree: int) -> list[str]:
    uids = sorted(r["uid"] for r in rows if 3 <= r["friends"] <= max_degree)
    rng = random.Random(seed)
    return sorted(rng.sample(uids, min(users, len(uids))))


#: share of each sampled user's friendships hidden to become the labels
HIDE = 0.2
#: candidate generation the learned kinds are trained and validated with:
#: the best POOL by resource allocation, plus the HUBS highest-degree users,
#: with the 3-step walk feature under its degree-scaled bound (measured in
#: memory on MUSAE: bench/explore_suggestion_features.py, explore_suggestion_walk.py --scaled)
POOL = 200
HUBS = 30
#: friend counts stored with the model (``degrees``): users with at least
#: DEGREE_FLOOR friends, the DEGREE_CAP highest (counting a user's friends
#: costs the graph one step per friend: these are the expensive counts;
#: MUSAE: 552 users, ego-Facebook: 418); a snapshot, refreshed by training
DEGREE_FLOOR = 100
DEGREE_CAP = 5000
#: share of the sampled users whose hidden edges validate the model selection
VALIDATION = 0.25
#: wider bounds for viewers who are no hubs: the resource-allocation kind's
WIDE_BOUNDS = {"fanout": 1000, "max_paths": 40000}
K = 10


def training_set(uids: list[str], **generation) -> tuple[list[list[float]], list[int], list[int]]:
    """``(X, y, groups)`` from the candidates of ``uids``, each with a seeded
    ``HIDE`` share of their friendships hidden (the labels); ``groups``: how many rows each user gave (users whose candidates
    are all friends or all strangers teach a ranker nothing and are left out).
    ``generation``: :func:`socialgraph.graph.suggestions.candidates` options."""
    X, y, groups = [], [], []
    for rows in _labelled(uids, **generation).values():
        if len({label for _, label in rows}) < 2:
            continue
        X += [vector(c) for c, _ in rows]
        y += [label for _, label in rows]
        groups.append(len(rows))
    return X, y, groups


def _labelled(uids: list[str], **generation) -> dict[str, list[tuple[dict, int]]]:
    """Per user, its candidates (with the hidden edge out of a hidden
    friend's friend count) and labels (1: a hidden friend)."""
    out = {}
    for uid in uids:
        rows = []
        for c in suggestions.candidates(uid, hide=HIDE, **generation):
            if c["friend"]:  # the hidden edge out of the candidate's friend count
                c = {**c, "degree": c["degree"] - 1}
            rows.append((c, int(c["friend"])))
        out[uid] = rows
    return out


def precision_at_k(per_user: dict[str, list[tuple[dict, int]]], model: dict, k: int = K) -> dict:
    """``{"P@10", "hit@10"}`` of ``model`` (a stored-model document or a
    candidate one) over ``per_user`` (:func:`_labelled`): each user's
    candidates ranked by :func:`socialgraph.graph.suggestions_model.scores`
    (ties by uid), hits among the top ``k``; averaged over the users (one
    without candidates counts 0)."""
    if not per_user:
        return {"P@10": 0.0, "hit@10": 0.0}
    p = hit = 0.0
    for rows in per_user.values():
        if not rows:
            continue
        cands = [c for c, _ in rows]
        sc = scores(cands, model)
        order = sorted(range(len(rows)), key=lambda i: (-sc[i], cands[i]["uid"]))[:k]
        hits = sum(rows[i][1] for i in order)
        p += hits / k
        hit += hits > 0
    return {"P@10": round(p / len(per_user), 4), "hit@10": round(hit / len(per_user), 4)}


def select(validation: dict[str, dict], kinds: tuple = KINDS) -> str:
    """The kind to store: a more complex kind (later in ``kinds``, simplest
    first) replaces the best so far only if it has a higher validation
    precision@10 and no lower hit@10 (the target is both); ties go to the
    simpler kind."""
    best = kinds[0]
    for k in kinds[1:]:
        if validation[k]["P@10"] > validation[best]["P@10"] and validation[k]["hit@10"] >= validation[best]["hit@10"]:
            best = k
    return best


def _fit(kind: str, X: list[list[float]], y: list[int], seed: int) -> dict:
    """The model-specific part of a document of ``kind`` fitted on ``(X, y)``."""
    if kind == "resource-allocation":
        return {"kind": kind, "features": ["log_ra"]}
    if kind == "logistic-regression":
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X)
        scale = [s if s > 0 else 1.0 for s in scaler.scale_]
        clf = LogisticRegression(max_iter=2000, class_weight="balanced", C=1.0)
        clf.fit([[(v - m) / s for v, m, s in zip(row, scaler.mean_, scale)] for row in X], y)
        return {"kind": kind, "features": list(FEATURES), "mean": [float(m) for m in scaler.mean_],
                "scale": [float(s) for s in scale], "coef": [float(w) for w in clf.coef_[0]],
                "intercept": float(clf.intercept_[0])}
    if kind == "lightgbm-binary":
        import lightgbm

        clf = lightgbm.LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=15, min_child_samples=20,
                                      random_state=seed, verbose=-1)
        clf.fit(X, y)
        return {"kind": kind, "features": list(FEATURES), "model": clf.booster_.model_to_string()}
    raise ValueError(f"unknown model kind {kind!r}")


def high_degrees(population: list[dict]) -> dict[str, int]:
    """``{uid: friends}`` of the :data:`DEGREE_CAP` highest-degree users of
    ``population`` (``list_training_users`` rows) with at least
    :data:`DEGREE_FLOOR` friends: the stored model's ``degrees``."""
    top = sorted((r for r in population if r["friends"] >= DEGREE_FLOOR), key=lambda r: (-r["friends"], r["uid"]))
    return {r["uid"]: int(r["friends"]) for r in top[:DEGREE_CAP]}


def train(source: str | None = None, users: int = 1500, seed: int = 23, max_degree: int = 2000,
          kind: str = "auto", kinds: tuple | None = None) -> dict:
    """Learn and store a new model version from the graph (``socialgraph
    suggestions train``). ``source``: only users of that import source (e.g.
    ``musae-github``); ``users``: how many seeded users give their candidates.
    ``kind``: ``auto`` (model selection: every kind of
    :data:`~socialgraph.graph.suggestions_model.AUTO_KINDS` is fitted on the
    candidates of 75 % of the users and scored on the hidden edges of the
    other 25 %; :func:`select` keeps the simplest kind that no other beats
    in both precision@10 and hit@10) or one of those kinds (fitted and
    stored whatever it scores). ``kinds``: the kinds ``auto`` chooses among
    (default :data:`~socialgraph.graph.suggestions_model.AUTO_KINDS`).
    Returns the stored document (``version``, ``kind``, ``pool``, ``hubs``,
    ``walk``, ``walk_scale`` (the learned kinds:
    :data:`~socialgraph.graph.suggestions.WALK_SCALE_FRIENDS`, the degree-scaled walk bound of
    :func:`~socialgraph.graph.suggestions.walk_bounds`; 0 for resource allocation),
    ``bounds`` ({} or :data:`WIDE_BOUNDS`), ``degrees`` (:func:`high_degrees`),
    ``metrics``: ``validation`` {kind: {P@10, hit@10}}, ``auc`` of
    the stored kind when it has one, positives, negatives; ``samples``).
    The returned document (not the stored one) also has ``_fitted``: every
    fitted kind's document as it would have been stored (the benchmark
    scores each).
    Raises ``ValueError`` when the graph has too few friendships to learn from
    or for an unknown kind."""
    from sklearn.metrics import roc_auc_score

    if kind != "auto" and kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}")
    population = _population(source)
    uids = _sample_users(population, users, seed, max_degree)
    hubs = [r["uid"] for r in sorted(population, key=lambda r: (-r["friends"], r["uid"]))[:HUBS]]
    degrees = high_degrees(population)
    generation = {"pool": POOL, "hubs": hubs, "walk": True, "walk_scale": float(suggestions.WALK_SCALE_FRIENDS)}
    cut = max(1, round(len(uids) * VALIDATION))
    fit_rows = _labelled(uids[cut:], **generation, degrees=degrees)
    val_rows = _labelled(uids[:cut], **generation, degrees=degrees)
    X_tr = [vector(c) for rows in fit_rows.values() for c, _ in rows]
    y_tr = [label for rows in fit_rows.values() for _, label in rows]
    if len(set(y_tr)) < 2:
        raise ValueError("too few friendships to learn suggestions from")
    kinds = (tuple(kinds) if kinds else AUTO_KINDS) if kind == "auto" else (kind,)
    fitted, validation = {}, {}
    for k in kinds:
        doc = {**_fit(k, X_tr, y_tr, seed), "version": f"candidate-{k}-{seed}"}
        fitted[k] = doc
        validation[k] = precision_at_k(val_rows, doc)
    best = select(validation, kinds)
    for k, d in fitted.items():
        if k == "resource-allocation":
            # the same top 10 from a pool of 60, without hubs or the walk; the
            # cheapest ranker spends the budget on exactness instead: the wider
            # bounds for viewers who are no hubs (on ego-Facebook the default ones
            # cost resource allocation 0.0014 P@10, measured in memory)
            d.update(pool=suggestions.POOL, hubs=[], walk=False, walk_scale=0.0, bounds=dict(WIDE_BOUNDS),
                     degrees=degrees)
        else:
            # a learned kind keeps the default bounds: its walk feature spends the
            # budget (with the wider ones the MUSAE hubs' compute p95 was 403 ms)
            d.update(generation, bounds={}, degrees=degrees)
    doc = {key: v for key, v in fitted[best].items() if key != "version"}
    auc = None
    X_te = [vector(c) for rows in val_rows.values() for c, _ in rows]
    y_te = [label for rows in val_rows.values() for _, label in rows]
    if len(set(y_te)) == 2:
        auc = round(float(roc_auc_score(y_te, scores([c for rows in val_rows.values() for c, _ in rows],
                                                        {**fitted[best]}))), 4)
    db = stores.mongo()[COLLECTION]
    last = db.find_one({}, sort=[("version", -1)], projection={"version": 1})
    doc = {"version": (last["version"] + 1) if last else 1, **doc,
           "metrics": {"validation": validation, "auc": auc, "positives": int(sum(y_tr)),
                       "negatives": int(len(y_tr) - sum(y_tr))},
           "samples": len(X_tr), "params": {"source": source, "users": len(uids), "seed": seed,
                                            "validation_users": cut, "kind": kind},
           "created_at": clock.now()}
    db.insert_one(dict(doc))
    db.create_index("version", unique=True)
    forget_cached()
    common = {key: doc[key] for key in ("metrics", "samples", "params", "created_at")}
    return {**doc, "_fitted": {k: {**{key: v for key, v in d.items() if key != "version"}, **common}
                               for k, d in fitted.items()}}
