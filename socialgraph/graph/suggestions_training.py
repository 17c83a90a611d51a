"""Training of the friend-suggestion model (``socialgraph suggestions train``).

See :mod:`socialgraph.graph.suggestions_model` for the features, the labels
(existing friendships, each with its own edge left out of its features) and
the stored document.
"""
from __future__ import annotations

import random

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.graph import suggestions
from socialgraph.graph.suggestions_model import COLLECTION, FEATURES, forget_cached, vector


def _sample_users(source: str | None, users: int, seed: int, max_degree: int) -> list[str]:
    rows = stores.graph().read("graph/suggestions/list_training_users", source=source)
    uids = sorted(r["uid"] for r in rows if 3 <= r["friends"] <= max_degree)
    rng = random.Random(seed)
    return sorted(rng.sample(uids, min(users, len(uids))))


#: share of each sampled user's friendships hidden to become the labels
HIDE = 0.2


def training_set(uids: list[str]) -> tuple[list[list[float]], list[int], list[int]]:
    """``(X, y, groups)`` from the candidates of ``uids``, each with a seeded
    ``HIDE`` share of their friendships hidden (the labels); ``groups``: how many rows each user gave (users whose candidates
    are all friends or all strangers teach a ranker nothing and are left out)."""
    X, y, groups = [], [], []
    for uid in uids:
        rows = []
        for c in suggestions.candidates(uid, hide=HIDE):
            if c["friend"]:  # the hidden edge out of the candidate's friend count
                c = {**c, "degree": c["degree"] - 1}
            rows.append((vector(c), int(c["friend"])))
        if len({label for _, label in rows}) < 2:
            continue
        X += [x for x, _ in rows]
        y += [label for _, label in rows]
        groups.append(len(rows))
    return X, y, groups


def train(source: str | None = None, users: int = 300, seed: int = 23, max_degree: int = 2000,
          kind: str = "logistic") -> dict:
    """Learn and store a new model version from the graph (``socialgraph
    suggestions train``). ``source``: only users of that import source (e.g.
    ``musae-github``); ``users``: how many seeded users give their candidates.
    ``kind``: ``logistic`` (the default: measured better on ego-Facebook) or ``lambdarank`` (LightGBM LambdaMART).
    Returns the stored document (``version``, ``metrics.auc`` on a held-out
    fifth of the users, ``samples``). Raises ``ValueError`` when the graph has
    too few friendships to learn from."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    uids = _sample_users(source, users, seed, max_degree)
    cut = max(1, len(uids) // 5)
    X_tr, y_tr, g_tr = training_set(uids[cut:])
    X_te, y_te, _ = training_set(uids[:cut])
    if len(set(y_tr)) < 2:
        raise ValueError("too few friendships to learn suggestions from")
    scaler = StandardScaler().fit(X_tr)
    scale = [s if s > 0 else 1.0 for s in scaler.scale_]
    clf = LogisticRegression(max_iter=2000, class_weight="balanced", C=1.0)
    clf.fit([[(v - m) / s for v, m, s in zip(row, scaler.mean_, scale)] for row in X_tr], y_tr)
    auc = None
    if len(set(y_te)) == 2:
        auc = round(float(roc_auc_score(
            y_te, clf.decision_function([[(v - m) / s for v, m, s in zip(row, scaler.mean_, scale)] for row in X_te]))), 4)
    doc = {"kind": "logistic-regression", "features": list(FEATURES), "mean": [float(m) for m in scaler.mean_],
           "scale": [float(s) for s in scale], "coef": [float(w) for w in clf.coef_[0]],
           "intercept": float(clf.intercept_[0])}
    if kind == "lambdarank":
        import lightgbm

        ranker = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=200, learning_rate=0.05,
                                     num_leaves=15, min_child_samples=20, random_state=seed, verbose=-1)
        ranker.fit(X_tr, y_tr, group=g_tr)
        if len(set(y_te)) == 2:
            auc = round(float(roc_auc_score(y_te, ranker.predict(X_te))), 4)
        doc = {"kind": "lightgbm-lambdarank", "features": list(FEATURES),
               "model": ranker.booster_.model_to_string()}
    db = stores.mongo()[COLLECTION]
    last = db.find_one({}, sort=[("version", -1)], projection={"version": 1})
    doc = {"version": (last["version"] + 1) if last else 1, **doc,
           "metrics": {"auc": auc, "positives": int(sum(y_tr)), "negatives": int(len(y_tr) - sum(y_tr))},
           "samples": len(X_tr), "params": {"source": source, "users": len(uids), "seed": seed},
           "created_at": clock.now()}
    db.insert_one(dict(doc))
    db.create_index("version", unique=True)
    forget_cached()
    return doc
