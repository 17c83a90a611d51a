#!/usr/bin/env python
"""Benchmark of the social graph on the full ego-Facebook graph (prints figures; not a test).

1. starts the local real servers in a temp dir (or uses the ones the SG_*
   variables point at, with ``--use-env``) and imports ego-Facebook (4,039
   users, 88,234 friendships; timed; skipped with ``--skip-import``);
2. picks the 100 highest-degree users and 100 random other users (seeded);
3. times, in this process against the real stores (service calls, no HTTP):

   - friend suggestions computed on demand (``suggestions.compute``: the
     Cypher query, top 200), for both groups;
   - a suggestions page as served (``suggestions.suggest(limit=20)``) after
     the RQ job's precomputation, which heavy users (>=
     ``SUGGESTIONS_HEAVY_FRIENDS`` friends) get; others are computed on demand;
   - mutual-friend counts (``friends.mutual_count``) of each user with one of
     their friends of friends and with a random user.

Targets (issue 4): suggestions p95 < 100 ms for the high-degree users,
mutual counts p95 < 20 ms. ArcadeDB stands in for Neo4j here.

Usage: ``python bench/bench_graph.py [--users 100] [--use-env] [--skip-import]``.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED_DATA, app_config_from_stack, summary  # noqa: E402


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return (time.perf_counter() - t0) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--use-env", action="store_true", help="use the servers the SG_* variables point at")
    ap.add_argument("--skip-import", action="store_true", help="the graph is already imported")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    stack = None
    if args.use_env:
        config = {}
    else:
        stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench-graph-"))).start()
        config = app_config_from_stack(stack)
    try:
        app = create_app({**config, "RQ_ASYNC": False})
        with app.app_context():
            run(args, app)
    finally:
        if stack:
            stack.stop()


def run(args, app) -> None:
    from socialgraph import stores
    from socialgraph.graph import friends, suggestions
    from socialgraph.importers.snap import SOURCE, import_snap_facebook
    from socialgraph.stores.schema import ensure_graph_schema

    rng = random.Random(args.seed)
    ensure_graph_schema()
    if not args.skip_import:
        t = time.perf_counter()
        snap = import_snap_facebook(SHARED_DATA / "snap_ego_facebook")
        print(f"import snap-facebook: {snap['users']:,} users, {snap['follows']:,} follows, "
              f"{snap['friendships']:,} friendships in {time.perf_counter() - t:.1f} s")

    g = stores.graph()
    ranked = [r["uid"] for r in g.read("importers/list_users_by_degree", source=SOURCE)]
    top = ranked[:args.users]
    others = rng.sample(ranked[args.users:], args.users)
    degree = {u: g.read("graph/friends/count_friends", uid=u)[0]["friends"] for u in top + others}
    heavy = app.config["SUGGESTIONS_HEAVY_FRIENDS"]
    print(f"high-degree users: {min(degree[u] for u in top)}..{max(degree[u] for u in top)} friends; "
          f"random users: {min(degree[u] for u in others)}..{max(degree[u] for u in others)} friends; "
          f"precomputed when >= {heavy} friends "
          f"({sum(degree[u] >= heavy for u in top)}/{len(top)} and "
          f"{sum(degree[u] >= heavy for u in others)}/{len(others)})")

    # warm-up: connection pool, query plans
    for u in top[:5] + others[:5]:
        suggestions.compute(u)

    results = {}
    for label, group in (("high-degree", top), ("random", others)):
        suggestions.forget(*group)
        on_demand = [timed(suggestions.compute, u)[0] for u in group]
        t = time.perf_counter()
        for u in group:  # what the RQ job does for heavy users
            if degree[u] >= heavy:
                suggestions.precompute(u)
        precompute_s = time.perf_counter() - t
        served = [timed(suggestions.suggest, u, None, 20)[0] for u in group]
        mutual = []
        for u in group:
            fof = g.read("graph/suggestions/list_friend_suggestions", uid=u, limit=50)
            partners = [rng.choice(fof)["uid"]] if fof else []
            partners.append(rng.choice(ranked))
            for p in partners:
                if p != u:
                    mutual.append(timed(friends.mutual_count, u, p)[0])
        results[label] = (on_demand, served, mutual, precompute_s)
        suggestions.forget(*group)

    print("\nlatency in-process (service calls against the real local stores, sequential):")
    for label, (on_demand, served, mutual, precompute_s) in results.items():
        print(summary(f"suggestions on demand ({label})", on_demand))
        print(summary(f"suggestions served ({label})", served))
        print(summary(f"mutual count ({label})", mutual))
        print(f"  precomputation (RQ job work) for the {label} group: {precompute_s:.1f} s")


if __name__ == "__main__":
    main()
