"""In-memory exploration of friend-suggestion features and learners (prints
figures; not a test, no servers).

It replays the service's bounded candidate generation
(``socialgraph.graph.suggestions``: fan-out, skipped big intermediaries, path
budget, pool by resource allocation) on the benchmark's own split
(``bench.bench_suggestions``: seeded 10 % of the edges hidden, 500 seeded
users), adds candidate features the service does not compute yet, trains on
the 90 % graph only (per-user hiding of 20 % of the friendships of seeded
training users, as ``socialgraph suggestions train`` does) and scores
precision@10 / hit@10 against the hidden edges, so a feature can be judged
before it is written in Cypher.

Features: log mutual, log RA, log AA, log both degrees, Jaccard, log PA,
hub-mediated (skipped intermediaries adjacent to the candidate: count and
RA), the 3-step random-walk probability p3(s) = sum over neighbours w of s of
p2(w) / k(w), p2 being the bounded 2-step walk from the viewer (the term by
which personalised PageRank reaches past common neighbours), and RA / k(viewer).

Usage: ``python -m bench.explore_suggestion_features --graph musae [--pool 200]
[--hubs 30] [--train-users 2000]``.
"""
from __future__ import annotations

import argparse
import math
import random
import time
from collections import defaultdict

import numpy as np

from bench.bench_suggestions import Graph, K, metrics, read_graph, split

FANOUT, MAX_DEGREE, MAX_PATHS = 300, 2000, 6000
NAMES = ("log_mutual", "log_ra", "log_aa", "log_degree", "log_my_degree", "jaccard", "log_pa",
         "hub_mutual", "log_hub_ra", "log_p3", "ra_per_my_degree")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", default="musae", choices=["facebook", "musae"])
    ap.add_argument("--pool", type=int, default=200, help="candidates kept by RA before ranking")
    ap.add_argument("--hubs", type=int, default=30, help="highest-degree users added as candidates")
    ap.add_argument("--train-users", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args()

    edges, _ = read_graph(args.graph)
    train, hidden = split(edges, args.seed)
    G = Graph(train)
    adj, deg = G.adj, {n: len(G.adj[n]) for n in G.adj}
    truth: dict[int, set] = defaultdict(set)
    for a, b in hidden:
        if a in adj and b in adj:
            truth[a].add(b)
            truth[b].add(a)
    users = sorted(random.Random(args.seed).sample(sorted(truth), min(500, len(truth))))
    truths = [truth[u] for u in users]
    hubs = G.by_degree[:args.hubs]

    def featurise(u, hide=frozenset()):
        friends = [f for f in sorted(adj[u]) if f not in hide]
        mine = set(friends)
        chosen = friends if len(friends) <= FANOUT else sorted(random.Random(u).sample(friends, FANOUT))
        via, paths, skipped = [], 0, []
        for k, f in sorted((deg[f] - (f in hide), f) for f in chosen):
            if k < 2:
                continue
            if k > MAX_DEGREE:
                skipped.append(f)
                continue
            if paths + k > MAX_PATHS:
                break
            paths += k
            via.append((f, k))
        c: dict = defaultdict(lambda: [0, 0.0, 0.0])
        p2: dict = defaultdict(float)
        for f, k in via:
            for s in adj[f]:
                if s == u:
                    continue
                p2[s] += 1.0 / k
                if s not in mine:
                    x = c[s]
                    x[0] += 1
                    x[1] += 1.0 / k
                    x[2] += 1.0 / math.log(k)
        pool = dict(sorted(c.items(), key=lambda kv: (-kv[1][1], kv[0]))[:args.pool])
        for h in hubs:
            if h != u and h not in mine and h not in pool:
                pool[h] = c.get(h, [0, 0.0, 0.0])
        ku = max(len(friends), 1)
        rows = []
        for s, (m, ra, aa) in pool.items():
            ks = deg[s] - (s in hide)
            hub_m = sum(1 for h in skipped if s in adj[h])
            hub_ra = sum(1.0 / deg[h] for h in skipped if s in adj[h])
            p3 = sum(p2[w] / deg[w] for w in adj[s] if w in p2)
            rows.append((s, [math.log1p(m), math.log(ra + 1e-6), math.log(aa + 1e-6), math.log1p(ks),
                             math.log1p(ku), m / max(ks + ku - m, 1), math.log1p(ks) + math.log1p(ku),
                             hub_m, math.log(hub_ra + 1e-6), math.log(p3 + 1e-9), ra / ku]))
        return rows

    t = time.perf_counter()
    ev = [featurise(u) for u in users]
    rng = random.Random(7)
    X, y = [], []
    for u in rng.sample([n for n in G.nodes if deg[n] >= 2], args.train_users):
        f = sorted(adj[u])
        hide = frozenset(random.Random(u).sample(f, max(1, round(len(f) * 0.2))))
        rows = featurise(u, hide)
        labels = [int(s in hide) for s, _ in rows]
        if len(set(labels)) == 2:
            X += [x for _, x in rows]
            y += labels
    X, y = np.array(X), np.array(y)
    print(f"{args.graph}: features in {time.perf_counter() - t:.0f} s, {len(y)} samples, {int(y.sum())} positives")

    def evaluate(label, score, cols):
        ranked = []
        for rows in ev:
            if not rows:
                ranked.append([])
                continue
            sc = score(np.array([x for _, x in rows])[:, cols])
            order = sorted(range(len(rows)), key=lambda i: (-sc[i], rows[i][0]))
            ranked.append([rows[i][0] for i in order[:K]])
        print(label, metrics(ranked, truths), flush=True)

    import lightgbm

    sets = {"all": list(range(len(NAMES))), "without p3": [i for i in range(len(NAMES)) if i != 9],
            "without hub features": [i for i in range(len(NAMES)) if i not in (7, 8)]}
    for label, cols in sets.items():
        m = lightgbm.LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=15, min_child_samples=20,
                                    random_state=1, verbose=-1).fit(X[:, cols], y)
        evaluate(f"LightGBM binary, {label}", lambda A, m=m: m.predict_proba(A)[:, 1], cols)


if __name__ == "__main__":
    main()
