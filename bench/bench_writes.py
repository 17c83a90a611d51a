#!/usr/bin/env python
"""The mix's writes in one process: what each costs the machine, request side
and job side apart (issue 22, target 2c; prints figures, not a test).

On a ``bench/bench_hot.py --data-dir`` data dir (its readers and posts), through
the WSGI interface (Flask's test client), ``--n`` of each write, round robin
over 16 readers and random posts: ``PUT /api/v1/posts/{id}/reaction``
(``react``), ``POST /api/v1/posts/{id}/comments`` (``comment``),
``POST /api/v1/posts`` (``post``). Jobs are queued (``RQ_ASYNC`` on) as in
production; after the writes of one kind, an in-process RQ worker
(:func:`socialgraph.stores.queue.make_worker`, burst mode) runs every job they
queued, so the job side includes RQ's own dequeue and bookkeeping.

Printed per kind: request side, CPU ms of this thread (``time.thread_time``)
p50 and mean per write, Redis / MongoDB / Bolt round trips per write (a
pipeline or a script counts one); job side, CPU ms per write (the burst's
total / n), jobs per write, round trips per write. The store servers' own CPU
is not counted here: round trips (MongoDB first: SecantusDB costs the most
per operation) stand for it.

Usage: ``python bench/bench_writes.py --data-dir DIR [--n 150] [--kinds react,comment,post] [--profile]``
(copy the pristine data dir first: the writes stay in it).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_hot import PASSWORD  # noqa: E402
from bench.common import app_config_from_stack, count_round_trips, percentile  # noqa: E402

COUNTS: Counter = Counter()
#: MongoDB commands by ``command collection`` (``--by-command``)
COMMANDS: Counter = Counter()
STORES = ("redis", "mongo", "bolt")


def _per(counts: Counter, n: int) -> str:
    return " ".join(f"{k} {counts.get(k, 0) / n:.2f}" for k in STORES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--kinds", default="react,comment,post")
    ap.add_argument("--profile", action="store_true", help="cProfile the request side and the jobs of each kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--by-command", action="store_true", help="also print the MongoDB commands per write by name")
    args = ap.parse_args()

    from socialgraph import stores
    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack
    from socialgraph.stores.queue import make_worker

    stack = LocalStack(root=args.data_dir).start()
    try:
        count_round_trips(COUNTS)
        if args.by_command:
            from pymongo import monitoring

            class ByName(monitoring.CommandListener):
                def started(self, event):
                    COMMANDS[f"{event.command_name} {event.command.get(event.command_name)}"] += 1

                def succeeded(self, event):
                    pass

                def failed(self, event):
                    pass

            monitoring.register(ByName())
        app = create_app(app_config_from_stack(stack, RQ_ASYNC=True, JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1),
                                               RATELIMIT_ENABLED=False))
        data = json.loads((args.data_dir / "bench_hot.json").read_text())
        client = app.test_client()
        ctx = app.app_context()
        ctx.push()
        from socialgraph.stores.schema import ensure_all

        ensure_all()  # the indexes of the code under test, as `socialgraph db init` on a deploy
        tokens = []
        for r in data["readers"][:16]:
            resp = client.post("/api/v1/auth/login", json={"login": r["username"], "password": PASSWORD})
            tokens.append({"Authorization": f"Bearer {resp.get_json()['access_token']}"})
        posts = data["post_ids"]
        rng = random.Random(args.seed)
        tq = stores.tasks()

        def one(kind: str):
            pid, hdr = rng.choice(posts), rng.choice(tokens)
            if kind == "react":
                return client.put(f"/api/v1/posts/{pid}/reaction", headers=hdr,
                                  json={"type": rng.choice(["like", "love", "laugh"])})
            if kind == "comment":
                return client.post(f"/api/v1/posts/{pid}/comments", headers=hdr, json={"text": "bench comment"})
            return client.post("/api/v1/posts", headers=hdr, json={"text": f"bench post {rng.random()} #bench"})

        def run_jobs() -> int:
            queued = sum(tq.queue(name).count for name in tq.queue_names)
            make_worker(tq.queue_names, stores.cache()).work(burst=True, with_scheduler=False, logging_level="WARNING")
            return queued

        print(f"{args.n} writes per kind; request side = the HTTP request (jobs queued), "
              "job side = an in-process RQ worker running what they queued")
        for kind in args.kinds.split(","):
            for _ in range(20):  # warm: connections, copies
                assert one(kind).status_code < 300
            run_jobs()
            COUNTS.clear()
            COMMANDS.clear()
            cpu = []
            for _ in range(args.n):
                c0 = time.thread_time()
                resp = one(kind)
                cpu.append((time.thread_time() - c0) * 1000)
                assert resp.status_code < 300, resp.get_json()
            req = Counter(COUNTS)
            req_commands = Counter(COMMANDS)
            COUNTS.clear()
            COMMANDS.clear()
            c0 = time.thread_time()
            jobs = run_jobs()
            job_cpu = (time.thread_time() - c0) * 1000 / args.n
            job = Counter(COUNTS)
            print(f"{kind:8s} request cpu p50 {percentile(cpu, 50):.2f} mean {sum(cpu) / len(cpu):.2f} ms; "
                  f"round trips {_per(req, args.n)}")
            print(f"{'':8s} jobs    cpu mean {job_cpu:.2f} ms ({jobs / args.n:.2f} jobs); round trips {_per(job, args.n)}")
            if args.by_command:
                for side, counted in (("request", req_commands), ("jobs", COMMANDS)):
                    print(f"{'':8s} mongo {side}: " + ", ".join(
                        f"{name} {c / args.n:.2f}" for name, c in counted.most_common()))
            if args.profile:
                pr = cProfile.Profile(time.thread_time)  # CPU, not wall: the servers share the cores
                pr.enable()
                for _ in range(args.n):
                    one(kind)
                run_jobs()
                pr.disable()
                s = io.StringIO()
                pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(45)
                pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(20)
                print(s.getvalue()[:16000])
        ctx.pop()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
