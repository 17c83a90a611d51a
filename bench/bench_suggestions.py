"""Friend-suggestion quality and latency against the classic link predictors.

Protocol (D. Liben-Nowell and J. Kleinberg, "The Link-Prediction Problem for
Social Networks", JASIST 2007; L. Lü and T. Zhou, "Link prediction in complex
networks: a survey", Physica A 2011): a seeded random 10 % of the friendship
edges of each graph is hidden; the other 90 % is written to a copy of the data
set's files and loaded through the project's own importers
(``socialgraph.importers.snap`` / ``musae``) into the local graph server. For
500 seeded users with at least one hidden edge (and at least one remaining
friend), the top 10 suggestions are scored against that user's hidden edges:

* precision@10 = hits in the top 10 / 10, recall@10 = hits / hidden edges of
  the user, hit@10 = 1 if any hit, MRR = 1 / rank of the first hit (0 if none
  in the top 10); each averaged over the users.

Ours is the project's code (``socialgraph.graph.suggestions.compute``) against
the graph server; the model it uses is trained by the project's trainer
(``socialgraph.graph.suggestions_training.train``, what ``socialgraph suggestions
train`` runs) on the loaded 90 % graph, never on the hidden edges. The six
baselines are computed in memory on the same 90 % graph, from the same reader
functions: common neighbours, Jaccard, Adamic-Adar, resource allocation,
preferential attachment and personalised PageRank (restart 0.15, 30 power
iterations). Every ranking leaves out the user and their current friends; ties
go to the smaller node id.

Latency: compute (the service's ``compute``, graph server to ranked list) and
serve (``suggest``: one page of 20 from the Redis copy, the block filter
included) for the 100 highest-degree and 100 random users of each graph.
With each compute, the Python thread's CPU time and (``--server-pid``, or
the graph server this script started) the graph server's CPU time from
/proc, and the load average: on a shared machine wall times follow the
load, CPU times much less.

``--score-kinds`` also scores, as served, every other kind the trainer
fitted on the same training candidates (then the selected one again);
``--no-fallback`` skips the fallback's 500 computations.

Usage: ``python -m bench.bench_suggestions [--data-dir DIR] [--graphs facebook,musae]``.
With ``--data-dir`` the servers' data is kept and reused (the MUSAE load takes
minutes). Prints figures; results go to ``--out`` (``bench/results/suggestions.json``).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.common import REPO, SHARED_DATA, app_config_from_stack, percentile

HIDE = 0.10
K = 10
GRAPHS = ("facebook", "musae")


# -- the split ------------------------------------------------------------------

def read_graph(name: str) -> tuple[list[tuple[int, int]], dict]:
    """The undirected edge list (each pair once, smaller id first) of a graph, and extras."""
    from socialgraph.importers import musae, snap

    if name == "facebook":
        edges = snap.read_edges(SHARED_DATA / "snap_ego_facebook")
        extra = {}
    else:
        edges = musae.read_edges(SHARED_DATA / "musae_github")
        extra = {"targets": musae.read_targets(SHARED_DATA / "musae_github")}
    return sorted({(min(a, b), max(a, b)) for a, b in edges}), extra


def split(edges: list[tuple[int, int]], seed: int) -> tuple[list, list]:
    """(train, hidden): a seeded random ``HIDE`` share of ``edges`` hidden."""
    rng = random.Random(seed)
    shuffled = list(edges)
    rng.shuffle(shuffled)
    n = int(round(len(edges) * HIDE))
    return sorted(shuffled[n:]), sorted(shuffled[:n])


def write_copy(name: str, train: list[tuple[int, int]], extra: dict, into: Path) -> Path:
    """The 90 % graph as the importer's own file format (circles copied along)."""
    into.mkdir(parents=True, exist_ok=True)
    if name == "facebook":
        with open(into / "facebook_combined.txt", "w") as fh:
            fh.writelines(f"{a} {b}\n" for a, b in train)
        for c in (SHARED_DATA / "snap_ego_facebook").glob("*.circles"):
            shutil.copy(c, into / c.name)
    else:
        with open(into / "git_edges.csv", "w") as fh:
            fh.write("id_1,id_2\n")
            fh.writelines(f"{a},{b}\n" for a, b in train)
        shutil.copy(SHARED_DATA / "musae_github" / "git_target.csv", into / "git_target.csv")
    return into


def load(name: str, directory: Path) -> dict:
    from socialgraph.importers import musae, snap

    if name == "facebook":
        return snap.import_snap_facebook(directory)
    return musae.import_musae_github(directory)


def source_of(name: str) -> str:
    return "snap-facebook" if name == "facebook" else "musae-github"


# -- in-memory baselines ------------------------------------------------------------

class Graph:
    """Adjacency sets and a CSR copy (for personalised PageRank) of the 90 % graph."""

    def __init__(self, edges):
        self.adj: dict[int, set[int]] = defaultdict(set)
        for a, b in edges:
            self.adj[a].add(b)
            self.adj[b].add(a)
        self.nodes = sorted(self.adj)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.deg = np.array([len(self.adj[n]) for n in self.nodes], dtype=np.float64)
        src, dst = [], []
        for a, b in edges:
            ia, ib = self.index[a], self.index[b]
            src += [ia, ib]
            dst += [ib, ia]
        self.src = np.array(src, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int64)
        order = np.lexsort((-self.deg, ))  # highest degree first (stable: smaller id first on ties)
        self.by_degree = [self.nodes[i] for i in order]

    def two_hop(self, u):
        """``{candidate: [intermediaries]}`` of ``u``."""
        out = defaultdict(list)
        mine = self.adj[u]
        for f in mine:
            for s in self.adj[f]:
                if s != u and s not in mine:
                    out[s].append(f)
        return out

    def ppr(self, u, restart=0.15, iters=30):
        n = len(self.nodes)
        e = np.zeros(n)
        e[self.index[u]] = 1.0
        x = e.copy()
        w = 1.0 / self.deg
        for _ in range(iters):
            x = restart * e + (1 - restart) * np.bincount(self.dst, weights=(x * w)[self.src], minlength=n)
        return x


def top_k(scores: dict, k=K) -> list:
    return [n for n, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def baselines(G: Graph, u: int) -> dict[str, list]:
    """Top-``K`` of each classic predictor for ``u``."""
    cands = G.two_hop(u)
    deg = {n: len(G.adj[n]) for n in cands}
    du = len(G.adj[u])
    out = {
        "common neighbours": top_k({s: len(v) for s, v in cands.items()}),
        "Jaccard": top_k({s: len(v) / (du + deg[s] - len(v)) for s, v in cands.items()}),
        "Adamic-Adar": top_k({s: sum(1 / math.log(len(G.adj[f])) for f in v) for s, v in cands.items()}),
        "resource allocation": top_k({s: sum(1 / len(G.adj[f]) for f in v) for s, v in cands.items()}),
    }
    pa, mine = [], G.adj[u]
    for s in G.by_degree:  # preferential attachment: du * ds, the same order as ds
        if s != u and s not in mine:
            pa.append(s)
            if len(pa) == K:
                break
    out["preferential attachment"] = pa
    x = G.ppr(u)
    order = np.lexsort((np.arange(len(x)), -x))
    ppr = []
    for i in order:
        s = G.nodes[i]
        if s != u and s not in mine:
            ppr.append(s)
            if len(ppr) == K:
                break
    out["personalised PageRank"] = ppr
    return out


def metrics(rankings: list[list], truths: list[set]) -> dict:
    p = r = h = mrr = 0.0
    for ranked, truth in zip(rankings, truths):
        hits = [i for i, s in enumerate(ranked[:K]) if s in truth]
        p += len(hits) / K
        r += len(hits) / len(truth)
        h += 1.0 if hits else 0.0
        mrr += 1.0 / (hits[0] + 1) if hits else 0.0
    n = len(truths)
    return {"P@10": round(p / n, 4), "R@10": round(r / n, 4), "hit@10": round(h / n, 4), "MRR": round(mrr / n, 4)}


# -- the run ------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphs", default=",".join(GRAPHS))
    ap.add_argument("--users", type=int, default=500, help="seeded users scored (with a hidden edge)")
    ap.add_argument("--latency-users", type=int, default=100)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--data-dir", default=None, help="keep the servers' data here and reuse it")
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument("--stack-env", default=None,
                    help="JSON file of SG_* variables of servers already running on --data-dir (skip starting them)")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--bounds", default="", help="also score these bounds: 'fanout:max_degree:max_paths,...'")
    ap.add_argument("--kind", default="auto",
                    choices=["auto", "resource-allocation", "logistic-regression", "lightgbm-binary"])
    ap.add_argument("--train-users", type=int, default=1500, help="users the model is trained from")
    ap.add_argument("--no-fallback", action="store_true", help="do not score the fallback (no model)")
    ap.add_argument("--auto-kinds", default="",
                    help="comma-separated kinds --kind auto chooses among (default: the trainer's AUTO_KINDS)")
    ap.add_argument("--score-kinds", action="store_true",
                    help="also score every other kind fitted by the trainer, as served (then the selected one again)")
    ap.add_argument("--server-pid", type=int, default=0,
                    help="pid of the graph server (with --stack-env) whose CPU time per computation is reported")
    ap.add_argument("--out", default="bench/results/suggestions.json", help="results file (relative: to the repo)")
    args = ap.parse_args()
    graphs = [g for g in args.graphs.split(",") if g]

    from socialgraph import stores
    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack
    from socialgraph.stores.schema import ensure_all

    root = Path(args.data_dir).absolute() if args.data_dir else Path(tempfile.mkdtemp(prefix="sg-suggest-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.stack_env:
        stack = _Attached(json.loads(Path(args.stack_env).read_text()))
    else:
        stack = LocalStack(root=root, graph_heap="1g").start()
        if not args.server_pid and stack.procs.get("graph") is not None:
            args.server_pid = stack.procs["graph"].pid
    result: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "seed": args.seed,
                    "users": args.users, "graphs": {}}
    try:
        app = create_app({**app_config_from_stack(stack), "RQ_ASYNC": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            ensure_all()
            for name in graphs:
                edges, extra = read_graph(name)
                train, hidden = split(edges, args.seed)
                marker = root / f"loaded-{name}-{args.seed}.json"
                if marker.exists():
                    print(f"{name}: reusing the loaded 90 % graph in {root}", flush=True)
                else:
                    t = time.perf_counter()
                    copy = write_copy(name, train, extra, root / f"split-{name}")
                    info = load(name, copy)
                    info["wall_s"] = round(time.perf_counter() - t, 1)
                    marker.write_text(json.dumps(info))
                    print(f"{name}: loaded {info}", flush=True)
                if args.load_only:
                    continue
                result["graphs"][name] = run_graph(name, train, hidden, args, stores)
                print(json.dumps(result["graphs"][name], indent=1), flush=True)
    finally:
        stack.stop()
        if not args.data_dir:
            shutil.rmtree(root, ignore_errors=True)
    if not args.load_only:
        out = REPO / args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
        print_table(result)


class _Attached:
    """Servers started by someone else (``--stack-env``): their variables, nothing to stop."""

    def __init__(self, env: dict):
        self._env = env

    def env(self) -> dict:
        return self._env

    def stop(self) -> None:
        return None


def run_graph(name, train, hidden, args, stores) -> dict:
    from socialgraph.graph import suggestions, suggestions_model, suggestions_training
    from socialgraph.importers import import_uid

    src = source_of(name)
    G = Graph(train)
    truth: dict[int, set] = defaultdict(set)
    for a, b in hidden:
        if a in G.adj and b in G.adj:
            truth[a].add(b)
            truth[b].add(a)
    rng = random.Random(args.seed)
    users = sorted(truth)
    users = sorted(rng.sample(users, min(args.users, len(users))))
    truths = [truth[u] for u in users]
    uid_of = {n: import_uid(src, n) for n in G.nodes}
    node_of = {v: k for k, v in uid_of.items()}
    out: dict = {"nodes": len(G.nodes), "train_edges": len(train), "hidden_edges": len(hidden),
                 "users": len(users), "quality": {}}

    if not args.no_baselines:
        t = time.perf_counter()
        per = defaultdict(list)
        for u in users:
            for method, ranked in baselines(G, u).items():
                per[method].append(ranked)
        for method, rankings in per.items():
            out["quality"][method] = metrics(rankings, truths)
        print(f"{name}: baselines in {time.perf_counter() - t:.1f} s", flush=True)

    def ours(settings=None):
        rankings, ms = [], []
        for u in users:
            t0 = time.perf_counter()
            items = suggestions.compute(uid_of[u], **(settings or {}))
            ms.append((time.perf_counter() - t0) * 1000)
            rankings.append([node_of.get(i["uid"]) for i in items[:K]])
        return rankings, ms

    def scored(label, settings=None):
        r, ms = ours(settings)
        out["quality"][label] = {**metrics(r, truths), "compute_p50_ms": round(percentile(ms, 50), 1),
                                 "compute_p95_ms": round(percentile(ms, 95), 1)}
        print(f"{name}: {label}: {out['quality'][label]}", flush=True)

    # before any model: the documented fallback
    stores.mongo()[suggestions_model.COLLECTION].delete_many({})
    suggestions_model.forget_cached()
    if not args.no_fallback:
        scored("ours, fallback (no model)")
    # the model, trained by the project's trainer on the loaded (90 %) graph
    t = time.perf_counter()
    kinds = tuple(k for k in args.auto_kinds.split(",") if k) or None
    model = suggestions_training.train(source=src, seed=args.seed, users=args.train_users, kind=args.kind,
                                       kinds=kinds)
    out["model"] = {k: model[k] for k in ("version", "kind", "metrics", "samples", "pool", "walk", "bounds")
                    if k in model}
    if "coef" in model:
        out["model"]["coef"] = dict(zip(model["features"], [round(c, 3) for c in model["coef"]]))
    out["model"]["train_s"] = round(time.perf_counter() - t, 1)
    print(f"{name}: model {out['model']}", flush=True)
    if args.score_kinds:  # every other fitted kind as served, then the selected one back on top
        db = stores.mongo()[suggestions_model.COLLECTION]
        for kind, doc in model["_fitted"].items():
            if kind == model["kind"]:
                continue
            v = db.find_one({}, sort=[("version", -1)])["version"] + 1
            db.insert_one({**doc, "version": v})
            suggestions_model.forget_cached()
            scored(f"ours ({kind}, not selected)")
        v = db.find_one({}, sort=[("version", -1)])["version"] + 1
        db.insert_one({**model["_fitted"][model["kind"]], "version": v})
        suggestions_model.forget_cached()
    scored(f"ours ({model['kind']})")
    for bound in [b for b in args.bounds.split(",") if b]:
        fan, deg, paths = (int(x) for x in bound.split(":"))
        scored(f"ours, fanout {fan}, degree <= {deg}, paths <= {paths}",
               {"fanout": fan, "max_degree": deg, "max_paths": paths})

    # latency: 100 highest-degree and 100 random users
    lat = {}
    hubs = G.by_degree[: args.latency_users]
    randoms = rng.sample(G.nodes, args.latency_users)
    for label, group in (("top-degree", hubs), ("random", randoms)):
        comp, serve, py_cpu, server_cpu = [], [], [], []
        for n in group:
            uid = uid_of[n]
            s0 = _cpu_ms(args.server_pid)
            c0 = time.thread_time()
            t0 = time.perf_counter()
            suggestions.compute(uid)
            comp.append((time.perf_counter() - t0) * 1000)
            py_cpu.append((time.thread_time() - c0) * 1000)
            if args.server_pid:
                server_cpu.append(_cpu_ms(args.server_pid) - s0)
            suggestions.precompute(uid)
            suggestions.suggest(uid, limit=20)
            t0 = time.perf_counter()
            suggestions.suggest(uid, limit=20)
            serve.append((time.perf_counter() - t0) * 1000)
        lat[label] = {"compute_p50_ms": round(percentile(comp, 50), 1), "compute_p95_ms": round(percentile(comp, 95), 1),
                      "compute_max_ms": round(max(comp), 1), "serve_p50_ms": round(percentile(serve, 50), 2),
                      "serve_p95_ms": round(percentile(serve, 95), 2),
                      "degree_max": max(len(G.adj[n]) for n in group),
                      "python_cpu_p50_ms": round(percentile(py_cpu, 50), 1),
                      "python_cpu_p95_ms": round(percentile(py_cpu, 95), 1)}
        if server_cpu:  # /proc ticks (10 ms): the mean is the exact figure, percentiles are coarse
            lat[label].update(server_cpu_mean_ms=round(sum(server_cpu) / len(server_cpu), 1),
                              server_cpu_p50_ms=round(percentile(server_cpu, 50), 1),
                              server_cpu_p95_ms=round(percentile(server_cpu, 95), 1))
        lat[label]["load_average"] = [round(x, 2) for x in __import__("os").getloadavg()]
    out["latency"] = lat
    return out


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads), in ms; 0 without a pid."""
    if not pid:
        return 0.0
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def print_table(result: dict) -> None:
    print("\n| graph | method | P@10 | R@10 | hit@10 | MRR |")
    print("|---|---|---:|---:|---:|---:|")
    for name, g in result["graphs"].items():
        for method, m in g["quality"].items():
            print(f"| {name} | {method} | {m['P@10']:.4f} | {m['R@10']:.4f} | {m['hit@10']:.4f} | {m['MRR']:.4f} |")
    print("\n| graph | users | compute p50 | compute p95 | compute max | serve p50 | serve p95 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, g in result["graphs"].items():
        for label, m in g.get("latency", {}).items():
            print(f"| {name} | {label} (max degree {m['degree_max']}) | {m['compute_p50_ms']} ms | "
                  f"{m['compute_p95_ms']} ms | {m['compute_max_ms']} ms | {m['serve_p50_ms']} ms | {m['serve_p95_ms']} ms |")


if __name__ == "__main__":
    main()
