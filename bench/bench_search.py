#!/usr/bin/env python
"""Benchmark of user search by prefix on the MUSAE GitHub graph (prints figures; not a test).

1. starts the local real servers with their data in ``--root`` (kept between
   runs, default ``/tmp/sg-bench-search``) and, unless the users are already
   there, imports MUSAE GitHub (37,700 users, 289,003 mutual follows) with the
   project's importer (about 4 minutes on 2 shared cores);
2. samples ``--queries`` prefixes (seeded) of 1..5 characters of real
   usernames and display-name words, plus a share of prefixes that match
   nothing;
3. times ``search.search_users(prefix, viewer, limit=20)`` in this process
   against the real stores (service calls, no HTTP), first page and the
   next page, anonymous and signed in (the viewer's blocks are applied),
   and, for comparison, the graph query that answers while the Redis index
   is missing (a scan of every user).

Target (issue 19): p95 <= 50 ms. ArcadeDB stands in for Neo4j and
SecantusDB for MongoDB; the machine is shared, so figures are noisy.

Usage: ``python bench/bench_search.py [--root DIR] [--queries 300] [--use-env]``.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED_DATA, app_config_from_stack, summary


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return (time.perf_counter() - t0) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="/tmp/sg-bench-search", help="data directory of the local servers")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--use-env", action="store_true", help="use the servers the SG_* variables point at")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--graph-queries", type=int, default=30, help="queries timed on the graph fallback")
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    stack = None
    if args.use_env:
        config = {}
    else:
        stack = LocalStack(root=Path(args.root)).start()
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
    from socialgraph.content import search
    from socialgraph.graph import usersearch
    from socialgraph.importers.musae import SOURCE, import_musae_github
    from socialgraph.stores.schema import ensure_all

    rng = random.Random(args.seed)
    ensure_all()
    g = stores.graph()
    have = g.read("importers/count_source", source=SOURCE)[0]["users"]
    if have < 37000:
        t = time.perf_counter()
        stats = import_musae_github(SHARED_DATA / "musae_github")
        print(f"import musae-github: {stats['users']:,} users, {stats['follows']:,} follows "
              f"in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    built = usersearch.rebuild()
    print(f"user search index: {built} users in {time.perf_counter() - t:.1f} s")
    users = g.read("graph/users/get_users_by_uid",
                   uids=[r["uid"] for r in g.read("importers/list_users_by_degree", source=SOURCE)[:5000]])
    print(f"users of source {SOURCE}: {g.read('importers/count_source', source=SOURCE)[0]['users']:,}")

    prefixes = []
    for _ in range(args.queries):
        u = rng.choice(users)
        words = [u["username"]] + (u.get("display_name") or "").split()
        w = rng.choice(words)
        prefixes.append(w[: rng.randint(1, 5)])
    prefixes += ["zzqx" + str(i) for i in range(args.queries // 10)]  # no match
    viewer = users[0]["uid"]

    for p in prefixes[:10]:  # warm-up: connection pools, query plans
        search.search_users(p, None, limit=20)

    anon, signed, second, sizes = [], [], [], []
    for p in prefixes:
        ms, page = timed(search.search_users, p, None, limit=20)
        anon.append(ms)
        sizes.append(len(page.items))
        signed.append(timed(search.search_users, p, viewer, limit=20)[0])
        if page.next_cursor:
            second.append(timed(search.search_users, p, None, page.next_cursor, 20)[0])
    graph = [timed(g.read, "graph/users/search_users", q=p.lower(), after="", exclude=[], limit=21)[0]
             for p in prefixes[:args.graph_queries]]
    print(f"\n{len(prefixes)} prefixes (1..5 characters, {sum(s == 0 for s in sizes)} without a match), "
          f"limit 20, sequential, in-process against the real local stores (shared 2-core machine):")
    print(summary("first page, anonymous", anon))
    print(summary("first page, signed in", signed))
    if second:
        print(summary("next page", second))
    print(summary("graph scan (the fallback)", graph))


if __name__ == "__main__":
    main()
