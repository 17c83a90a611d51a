#!/usr/bin/env python
"""What the rate limiter costs per request, in one process (issue 22; prints figures, not a test).

Two apps on the same real servers (``--data-dir``: a directory ``bench_hot.py``
loaded, whose reader accounts it signs in as), one with production's rate
limits on (budgets raised so nothing answers 429), one with them off.
Request by request, alternately, the same ``--paths`` through both (Flask's
test client, the whole request path); per request the CPU of this thread
(``time.thread_time``). The p50 of "on" minus the p50 of "off" is what the
limiter costs; alternating makes the difference robust to a machine whose
load changes during the run. Then, in the app with limits on, the limiter's
own hook (``RateLimits.check``), its round trip alone and a bare Redis
``PING`` timed inside the request path; and the Redis commands per request.

Usage: ``python bench/bench_limits.py --data-dir /tmp/sg-hot [--iterations 1500]
[--rounds 2] [--paths /api/v1/ping,/api/v1/feeds/home?limit=20]``.
Results go to ``bench/results/limits.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, app_config_from_stack, count_round_trips  # noqa: E402

PASSWORD = "benchmark password 22"  # bench_hot.py's readers


def p50_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True, help="a directory bench_hot.py loaded (its servers are started here)")
    ap.add_argument("--iterations", type=int, default=1500, help="requests per path, app and round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--paths", default="/api/v1/ping,/api/v1/feeds/home?limit=20")
    ap.add_argument("--login", default="hot_reader_0", help="the account signed in as")
    args = ap.parse_args()

    from socialgraph import stores
    from socialgraph.app import create_app
    from socialgraph.http import limits
    from socialgraph.stores.localstack import LocalStack

    stack = LocalStack(root=Path(args.data_dir).absolute()).start()
    out: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                 "load_average_at_start": os.getloadavg(), "paths": {}}
    try:
        def make(**kw):
            return create_app(app_config_from_stack(stack, RQ_ASYNC=False, JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1),
                                                    **kw))
        on = make(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="100000000/5minute",
                  RATELIMIT_PER_IP="100000000/5minute", RATELIMIT_LOGIN="100000000/5minute")
        off = make(RATELIMIT_ENABLED=False)
        r = on.test_client().post("/api/v1/auth/login", json={"login": args.login, "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
        hdr = {"Authorization": "Bearer " + r.get_json()["access_token"]}
        c_on, c_off = on.test_client(), off.test_client()
        for path in [p for p in args.paths.split(",") if p]:
            for c in (c_on, c_off):  # warm both
                for _ in range(20):
                    assert c.get(path, headers=hdr).status_code == 200
            rounds = []
            for _ in range(args.rounds):
                a, b = [], []
                for _ in range(args.iterations):
                    t = time.thread_time()
                    c_on.get(path, headers=hdr)
                    a.append(time.thread_time() - t)
                    t = time.thread_time()
                    c_off.get(path, headers=hdr)
                    b.append(time.thread_time() - t)
                rounds.append({"on_p50_ms": p50_ms(a), "off_p50_ms": p50_ms(b),
                               "limiter_ms": round(p50_ms(a) - p50_ms(b), 3)})
                print(f"{path:32s} cpu p50 limits on {rounds[-1]['on_p50_ms']:.3f} ms, off "
                      f"{rounds[-1]['off_p50_ms']:.3f} ms: the limiter {rounds[-1]['limiter_ms']:.3f} ms")
            out["paths"][path] = rounds

        if hasattr(limits, "RateLimits"):  # the code before session 5 had flask-limiter's hook
            # inside the request path (limits on): the hook, its round trip, a bare PING
            parts: dict[str, list[float]] = {"check": [], "round trip": [], "ping": []}
            real_check, real_hit = limits.RateLimits.check, limits.RateLimits._hit

            limiter = on.extensions["limiter_sg"]

            def check():
                t = time.thread_time()
                try:
                    real_check(limiter)
                finally:
                    parts["check"].append(time.thread_time() - t)

            def hit(self, keys, argv):
                t = time.thread_time()
                try:
                    return real_hit(self, keys, argv)
                finally:
                    parts["round trip"].append(time.thread_time() - t)

            hooks = on.before_request_funcs[None]  # the bound method registered at start-up
            at = next(i for i, f in enumerate(hooks) if getattr(f, "__self__", None) is limiter)
            hooks[at], limits.RateLimits._hit = check, hit
            try:
                with on.app_context():
                    client = stores.cache()
                    for _ in range(args.iterations):
                        c_on.get("/api/v1/ping", headers=hdr)
                        t = time.thread_time()
                        client.ping()
                        parts["ping"].append(time.thread_time() - t)
            finally:
                hooks[at], limits.RateLimits._hit = limiter.check, real_hit
            out["inside_ping_p50_ms"] = {k: p50_ms(v) for k, v in parts.items()}
            print("inside GET /ping, limits on, cpu p50: " + ", ".join(f"{k} {v:.3f} ms"
                                                                       for k, v in out["inside_ping_p50_ms"].items()))
        counts: Counter = Counter()
        count_round_trips(counts, mongo=False)
        for path in [p for p in args.paths.split(",") if p]:
            for c, name in ((c_on, "on"), (c_off, "off")):
                counts.clear()
                for _ in range(50):
                    c.get(path, headers=hdr)
                out.setdefault("redis_per_request", {}).setdefault(path, {})[name] = counts["redis"] / 50
        print("Redis commands per request (on / off): " + ", ".join(
            f"{p} {v['on']:.1f} / {v['off']:.1f}" for p, v in out["redis_per_request"].items()))
        out["load_average_at_end"] = os.getloadavg()
        print(f"load average {out['load_average_at_start'][0]:.1f} -> {out['load_average_at_end'][0]:.1f}")
        (REPO / "bench" / "results").mkdir(parents=True, exist_ok=True)
        (REPO / "bench" / "results" / "limits.json").write_text(json.dumps(out, indent=1))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
