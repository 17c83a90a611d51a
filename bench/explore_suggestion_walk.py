"""In-memory replay of the served friend-suggestion pipeline, to judge the
walk feature's bounds, the training sample and the learner before they are
written in Cypher (prints figures; not a test, no servers).

It replays ``socialgraph.graph.suggestions`` (fan-out, skipped big
intermediaries, path budget, hub bounds, pool by resource allocation plus
the highest-degree users) and ``socialgraph.graph.suggestions_training``
(seeded users, a share of their friendships hidden as labels, 75 % fit, 25 %
validation) on the benchmark's own split (``bench.bench_suggestions``:
seeded 10 % of the edges hidden, 500 seeded users) and scores the 500 users'
precision@10 / hit@10 against the hidden edges, for several versions of the
3-step walk feature p3(s) = sum over friends w of s of p2(w) / k(w):

* ``exact``: every user reached in two steps;
* ``served``: the served bound (the ``walk`` users most reached, those with
  more than ``max_degree`` friends skipped, the biggest p2/k first up to a
  budget of expansions, smaller for hub viewers);
* ``cand``: computed from the candidate side over the same ``walk`` users
  with no expansion budget (every friend w of a candidate that is among the
  ``walk`` most reached);
* ``scaled``: the served bound with the walk set and budget scaled by the
  viewer's friend count (``--scaled C``: for a viewer who is no hub, both
  times s = min(S_MAX, max(1, C / friends)), ``WALK`` x s most reached and
  ``WALK_PATHS`` x s expansions; hubs keep 300 / 1,000).

Usage: ``python -m bench.explore_suggestion_walk --graph musae [--walk 300]``.
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
HUB_FRIENDS, HUB_FANOUT, HUB_MAX_PATHS = 1000, 100, 2000
WALK, WALK_PATHS, HUB_WALK_PATHS = 300, 4000, 1000
BASE = ("log_mutual", "log_ra", "log_aa", "log_degree", "log_my_degree", "jaccard", "log_pa", "ra_per_my_degree",
        "hub_mutual", "log_hub_ra")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", default="musae", choices=["facebook", "musae"])
    ap.add_argument("--pool", type=int, default=200)
    ap.add_argument("--hubs", type=int, default=30)
    ap.add_argument("--walk", default="300,1000", help="walk set sizes of the 'cand' and 'served' features")
    ap.add_argument("--train-users", type=int, default=1500)
    ap.add_argument("--sample", default="uniform,bernoulli", help="training samples: uniform (served), bernoulli")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--ties", default="node", choices=["node", "uid"],
                    help="ties broken by the smaller node id (the baselines) or by uid (as served)")
    ap.add_argument("--scaled", default="",
                    help="comma-separated C[:S_MAX] of the degree-scaled walk bound (for viewers who are no hubs)")
    ap.add_argument("--only", default="", help="comma-separated variant labels to fit (default: all)")
    args = ap.parse_args()
    walks = [int(w) for w in args.walk.split(",")]
    scaled = [(float(c.split(":")[0]), float(c.split(":")[1]) if ":" in c else math.inf)
              for c in args.scaled.split(",") if c]

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
    names = list(BASE) + ["log_p3_exact"] + [f"log_p3_served{w}" for w in walks] + [f"log_p3_cand{w}" for w in walks] + \
        [f"log_p3_scaled{c:g}:{m:g}" for c, m in scaled]

    def overlap(q: dict, nb: set) -> float:
        if len(nb) < len(q):
            return sum(q.get(w, 0.0) for w in nb)
        return sum(v for w, v in q.items() if w in nb)

    def featurise(u, hide=frozenset()):
        friends = [f for f in sorted(adj[u]) if f not in hide]
        mine = set(friends)
        hub = len(friends) > HUB_FRIENDS
        fan, mp = (HUB_FANOUT, HUB_MAX_PATHS) if hub else (FANOUT, MAX_PATHS)
        chosen = friends if len(friends) <= fan else sorted(random.Random(u).sample(friends, fan))
        dk = lambda n: deg[n] - (n in hide)  # noqa: E731 (the hidden edge out of a hidden friend's count)
        via, paths, skipped = [], 0, []
        for k, f in sorted((dk(f), f) for f in chosen):
            if k < 2:
                continue
            if k > MAX_DEGREE:
                skipped.append(f)
                continue
            if paths + k > mp:
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
        reached = sorted(p2.items(), key=lambda kv: (-kv[1], kv[0]))
        served, cand = [], []
        for w in walks:
            top = reached[:w]
            steps, budget, spent = {}, HUB_WALK_PATHS if hub else WALK_PATHS, 0
            for q, k, n in sorted((-p / dk(n), dk(n), n) for n, p in top if dk(n) >= 1):
                if k > MAX_DEGREE or spent + k > budget:
                    continue
                spent += k
                steps[n] = -q
            served.append(steps)
            cand.append({n: p / dk(n) for n, p in top if 1 <= dk(n) <= MAX_DEGREE})
        for c, smax in scaled:
            sc = 1.0 if hub else min(smax, max(1.0, c / max(len(friends), 1)))
            top = reached[:int(WALK * sc)]
            steps, budget, spent = {}, HUB_WALK_PATHS if hub else WALK_PATHS * sc, 0
            for q, k, n in sorted((-p / dk(n), dk(n), n) for n, p in top if dk(n) >= 1):
                if k > MAX_DEGREE or spent + k > budget:
                    continue
                spent += k
                steps[n] = -q
            served.append(steps)
            cost[(c, smax)].append((len(friends), len(top), spent))
        ku = max(len(friends), 1)
        rows = []
        for s, (m, ra, aa) in pool.items():
            ks = dk(s)
            nb = adj[s]
            hub_m = sum(1 for h in skipped if s in adj[h])
            hub_ra = sum(1.0 / deg[h] for h in skipped if s in adj[h])
            exact = sum(p2[w] / dk(w) for w in nb if w in p2) if len(nb) < len(p2) else \
                sum(p / dk(w) for w, p in p2.items() if w in nb)
            x = [math.log1p(m), math.log(ra + 1e-6), math.log(aa + 1e-6), math.log1p(ks), math.log1p(ku),
                 m / max(ks + ku - m, 1), math.log1p(ks) + math.log1p(ku), ra / ku, hub_m, math.log(hub_ra + 1e-6),
                 math.log(exact + 1e-9)]
            x += [math.log(overlap(st, nb) + 1e-9) for st in served[:len(walks)]]
            x += [math.log(overlap(cd, nb) + 1e-9) for cd in cand]
            x += [math.log(overlap(st, nb) + 1e-9) for st in served[len(walks):]]
            rows.append((s, x))
        return rows

    cost: dict = defaultdict(list)
    t = time.perf_counter()
    ev = [featurise(u) for u in users]
    print(f"{args.graph}: evaluation features in {time.perf_counter() - t:.0f} s", flush=True)
    for key, rows in cost.items():  # the scaled bound's cost over the evaluation users
        ex = sorted(r[2] for r in rows)
        print(f"{args.graph} scaled {key[0]:g}:{key[1]:g}: walk expansions p50 {ex[len(ex) // 2]}, "
              f"p95 {ex[int(len(ex) * 0.95)]}, max {ex[-1]}; walk set p50 {sorted(r[1] for r in rows)[len(rows) // 2]}",
              flush=True)

    def training(sample):
        pop = sorted(n for n in G.nodes if 3 <= deg[n] <= MAX_DEGREE)
        uids = sorted(random.Random(args.seed).sample(pop, min(args.train_users, len(pop))))
        X, y = [], []
        for u in uids[round(len(uids) * 0.25):]:
            f = sorted(adj[u])
            rng = random.Random(u)
            if sample == "uniform":
                hide = frozenset(rng.sample(f, max(1, round(len(f) * 0.2))))
            else:  # each friendship hidden with probability 0.1, as in the benchmark's split
                hide = frozenset(x for x in f if rng.random() < 0.1) or frozenset(rng.sample(f, 1))
            rows = featurise(u, hide)
            X += [x for _, x in rows]
            y += [int(s in hide) for s, _ in rows]
        return np.array(X), np.array(y)

    from socialgraph.importers import import_uid

    from bench.bench_suggestions import source_of

    src = source_of(args.graph)
    tie = (lambda n: n) if args.ties == "node" else (lambda n: import_uid(src, n))  # noqa: E731

    def evaluate(label, score, cols):
        ranked = []
        for rows in ev:
            if not rows:
                ranked.append([])
                continue
            sc = score(np.array([x for _, x in rows])[:, cols])
            order = sorted(range(len(rows)), key=lambda i: (-sc[i], tie(rows[i][0])))
            ranked.append([rows[i][0] for i in order[:K]])
        print(f"{args.graph} {label}: {metrics(ranked, truths)}", flush=True)

    import lightgbm
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    evaluate("resource allocation", lambda A: A[:, 0], [1])
    base = list(range(8))
    hubf = [8, 9]
    for sample in args.sample.split(","):
        t = time.perf_counter()
        X, y = training(sample)
        print(f"{args.graph} {sample}: {len(y)} samples, {int(y.sum())} positives, {time.perf_counter() - t:.0f} s",
              flush=True)
        variants = {"no walk": base}
        for i, name in enumerate(names[10:], start=10):
            variants[name] = base + [i]
            variants[name + " + hub"] = base + hubf + [i]
        only = [x for x in args.only.split(",") if x]
        for label, cols in variants.items():
            if only and label not in only:
                continue
            sc = StandardScaler().fit(X[:, cols])
            lr = LogisticRegression(max_iter=2000, class_weight="balanced").fit(sc.transform(X[:, cols]), y)
            evaluate(f"{sample} logistic {label}", lambda A, lr=lr, sc=sc: lr.decision_function(sc.transform(A)), cols)
        for label in ("log_p3_exact + hub", f"log_p3_cand{walks[-1]} + hub", f"log_p3_served{walks[0]}"):
            if only and label not in only:
                continue
            cols = variants[label]
            m = lightgbm.LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=15, min_child_samples=20,
                                        random_state=1, verbose=-1).fit(X[:, cols], y)
            evaluate(f"{sample} LightGBM {label}", lambda A, m=m: m.predict_proba(A)[:, 1], cols)


if __name__ == "__main__":
    main()
