#!/usr/bin/env python
"""Benchmark of the first slice on real data (prints figures; not a test).

1. starts the local real servers in a temp dir (or uses the ones the SG_*
   variables point at, with ``--use-env``);
2. times ``import snap-facebook`` (full ego-Facebook: 4,039 users, 88,234
   friendships = 176,468 follows) and ``import stackexchange`` (beer);
3. serves the API under gunicorn (2 gthread workers, as in production) and,
   from this process over HTTP, times 200 requests each of
   GET /feeds/home, GET /users/{username} and PUT /users/{username}/follow.

Home-feed readers are new accounts that follow exactly whom an imported
user follows (20 users spread over the degree ranking), so the feed reads
real follow lists of 1 to 1,000+ followees.

Usage: ``make bench`` or ``python bench/bench_slice.py [--requests 200] [--use-env]``.
SecantusDB stands in for MongoDB here and is much slower than mongod
(about 1 ms per indexed find): read these figures as an upper bound.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.common import SHARED_DATA, app_config_from_stack, start_gunicorn, summary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--use-env", action="store_true", help="use the servers the SG_* variables point at")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    random.seed(args.seed)

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack, free_port

    stack = None
    if args.use_env:
        config, env = {}, {}
    else:
        stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench-"))).start()
        config, env = app_config_from_stack(stack), stack.env()
    try:
        run(args, create_app({**config, "RQ_ASYNC": True}), env)
    finally:
        if stack:
            stack.stop()


def run(args, app, env) -> None:
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.importers.snap import SOURCE, import_snap_facebook
    from socialgraph.importers.stackexchange import import_stackexchange
    from socialgraph.stores.localstack import free_port
    from socialgraph.stores.schema import ensure_all

    print(f"data: {SHARED_DATA}")
    with app.app_context():
        ensure_all()
        t = time.perf_counter()
        snap = import_snap_facebook(SHARED_DATA / "snap_ego_facebook")
        print(f"import snap-facebook: {snap['users']:,} users, {snap['follows']:,} follows "
              f"in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        se = import_stackexchange(SHARED_DATA / "stackexchange_beer")
        print(f"import stackexchange beer: {se['posts']:,} posts, {se['comments']:,} comments, "
              f"{se['likes']:,} likes in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        again = import_snap_facebook(SHARED_DATA / "snap_ego_facebook")
        print(f"re-import snap-facebook (idempotent, adds nothing: {again['follows'] == snap['follows']}) "
              f"in {time.perf_counter() - t:.1f} s")

        ranked = stores.graph().read("importers/list_users_by_degree", source=SOURCE)
        step = max(1, len(ranked) // args.readers)
        models = [ranked[i] for i in range(0, len(ranked), step)][: args.readers]
        readers = []
        for i, model in enumerate(models):
            name = f"bench_{int(time.time())}_{i}"
            acc = accounts.register(name, f"{name}@bench.test", "benchmark password")
            followees = [r["uid"] for r in stores.graph().read("graph/follows/list_following_uids", uid=model["uid"])]
            for chunk in range(0, len(followees), 2000):
                rows = [{"a": acc["uid"], "b": f} for f in followees[chunk:chunk + 2000]]
                stores.graph().write("importers/merge_follows", rows=rows, created_at=acc["created_at"])
            readers.append((name, len(followees)))
        usernames = [r["username"] for r in ranked]
    print(f"readers follow {min(n for _, n in readers)}..{max(n for _, n in readers)} users "
          f"(median {sorted(n for _, n in readers)[len(readers) // 2]})")

    port = free_port()
    server = start_gunicorn({**env, "SG_RQ_ASYNC": "true"}, port)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        s = requests.Session()
        tokens = {}
        for name, _ in readers:
            r = s.post(f"{base}/auth/login", json={"login": name, "password": "benchmark password"})
            r.raise_for_status()
            tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        names = list(tokens)
        # warm-up (connection pools, caches)
        for name in names:
            s.get(f"{base}/feeds/home", headers=tokens[name]).raise_for_status()

        def timed(method, url, **kw):
            t0 = time.perf_counter()
            r = s.request(method, url, timeout=30, **kw)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code >= 400:
                raise RuntimeError(f"{method} {url}: {r.status_code} {r.text[:200]}")
            return ms, r

        feed_ms, sizes = [], []
        for i in range(args.requests):
            ms, r = timed("GET", f"{base}/feeds/home", headers=tokens[names[i % len(names)]], params={"limit": 20})
            feed_ms.append(ms)
            sizes.append(len(r.json()["items"]))
        prof_ms = [timed("GET", f"{base}/users/{random.choice(usernames)}")[0] for _ in range(args.requests)]
        follow_ms = []
        for i in range(args.requests):
            follow_ms.append(timed("PUT", f"{base}/users/{random.choice(usernames)}/follow",
                                   headers=tokens[names[i % len(names)]])[0])
        print(f"\nlatency over HTTP, sequential, gunicorn 2 workers x 16 threads "
              f"(home feed pages of {min(sizes)}..{max(sizes)} posts):")
        print(summary("GET /feeds/home", feed_ms))
        print(summary("GET /users/{username}", prof_ms))
        print(summary("PUT /users/{username}/follow", follow_ms))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
