#!/usr/bin/env python
"""Cold profiles of MUSAE's biggest hubs and user search by prefix (issue 22,
target 3; prints figures, not a test).

1. starts the local real servers in ``--data-dir`` (reused when the import is
   there: ``bench_profile_hub.json`` marks it), imports MUSAE GitHub through
   the project's importer (37,700 users, 289,003 mutual edges -> 578,006
   follows and 289,003 friendships; 14-23 min on the shared machine), runs
   ``db init``'s schema step (it fills the degree counts of users stored
   before they existed) and registers ``--viewers`` accounts, each befriending
   and following 30 imported users through the services (so the hubs' mutual
   friend counts have something to count);
2. through the WSGI interface (Flask's test client, no socket), per request:
   wall and thread CPU ms (``time.thread_time``) and store round trips:

   - **cold profile** of each of the 10 highest-degree users: every Redis key
     naming the user (uid or username) dropped first, so the card, the friend
     list and the relation come from the graph;
   - **warm profile** of the same users (the copies in place);
   - **user search by prefix**: ``GET /api/v1/search/users?q=<prefix>``, 200
     prefixes of 2-4 letters cut from real logins (seeded random choice).

Targets: hub cold profile <= 100 ms, search p95 <= 50 ms (wall).

Usage: ``python bench/bench_profile_hub.py --data-dir /tmp/sg-musae [--rounds 3]``.
Results go to ``bench/results/profile_hub.json``.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, SHARED_DATA, app_config_from_stack, count_round_trips, percentile

PASSWORD = "benchmark password 22"
RESULTS = REPO / "bench" / "results"
COUNTS: Counter = Counter()


def load(app, data_dir: Path, args) -> dict:
    """Import MUSAE once (``data_dir/bench_profile_hub.json`` marks it), then
    the viewers (once)."""
    from socialgraph import stores
    from socialgraph.importers.musae import SOURCE, import_musae_github
    from socialgraph.stores.schema import ensure_all

    marker = data_dir / "bench_profile_hub.json"
    data = json.loads(marker.read_text()) if marker.exists() else {}
    with app.app_context():
        t = time.perf_counter()
        ensure_all()  # db init: schema, and the degree counts of users stored without them
        data["db_init_seconds"] = round(time.perf_counter() - t, 2)
        print(f"db init (schema + degree counts): {data['db_init_seconds']} s", flush=True)
        if "import" not in data:
            t = time.perf_counter()
            data["import"] = import_musae_github(SHARED_DATA / "musae_github")
            data["import"]["wall_s"] = round(time.perf_counter() - t, 1)
            marker.write_text(json.dumps(data, default=str))
            print(f"import musae-github: {data['import']}", flush=True)
        ranked = stores.graph().read("importers/list_users_by_degree", source=SOURCE)
        data["hubs"] = [{"uid": r["uid"], "username": r["username"]} for r in ranked[:10]]
        if "viewers" not in data:
            data["viewers"] = make_viewers(ranked, args.viewers)
            marker.write_text(json.dumps(data, default=str))
        if "logins" not in data:
            data["logins"] = [r["username"] for r in ranked]
            marker.write_text(json.dumps(data, default=str))
    return data


def make_viewers(ranked: list[dict], n: int) -> list[dict]:
    """``n`` accounts, each friends with (and so following) 30 imported users:
    10 of the hubs' friends' range (ranks 10-2,000) and 20 from anywhere."""
    from socialgraph.accounts import service as accounts
    from socialgraph.graph import follows, friends

    rng = random.Random(22)
    out = []
    for i in range(n):
        name = f"hubview_{i}"
        acc = accounts.register(name, f"{name}@bench.test", PASSWORD)
        picks = rng.sample(ranked[10:2000], 10) + rng.sample(ranked, 20)
        for p in {p["uid"]: p for p in picks}.values():
            friends.send_request(acc["uid"], p["username"])
            friends.accept_request(p["uid"], name)
        follows.follow(acc["uid"], ranked[i % 10]["username"])
        out.append({"username": name, "uid": acc["uid"]})
    return out


def drop_user_keys(uid: str, username: str) -> int:
    """Delete every Redis key whose name holds ``uid`` or ``username`` (both
    Redis clients of the app); returns how many went."""
    from socialgraph import stores

    gone = 0
    for r in {id(c): c for c in (stores.cache(), stores.read_cache())}.values():
        keys = set(r.scan_iter(f"*{uid}*", count=5000)) | set(r.scan_iter(f"*{username}*", count=5000))
        if keys:
            gone += r.delete(*keys)
    return gone


def timed(client, path: str, headers: dict, before=None) -> dict:
    """One request: wall and thread-CPU ms, round trips, status."""
    if before:
        before()
    COUNTS.clear()
    t0, c0 = time.perf_counter(), time.thread_time()
    resp = client.get(path, headers=headers)
    c1, t1 = time.thread_time(), time.perf_counter()
    assert resp.status_code == 200, (path, resp.status_code, resp.get_data()[:300])
    return {"wall": (t1 - t0) * 1000, "cpu": (c1 - c0) * 1000, "redis": COUNTS["redis"], "bolt": COUNTS["bolt"],
            "body": resp.get_json()}


def figures(samples: list[dict]) -> dict:
    out = {"n": len(samples)}
    for k in ("wall", "cpu"):
        v = [s[k] for s in samples]
        out[k] = {"p50": round(percentile(v, 50), 3), "p95": round(percentile(v, 95), 3),
                  "max": round(max(v), 3), "mean": round(statistics.fmean(v), 3)}
    out["redis_per_request"] = round(statistics.fmean(s["redis"] for s in samples), 2)
    out["bolt_per_request"] = round(statistics.fmean(s["bolt"] for s in samples), 2)
    return out


def line(name: str, f: dict) -> str:
    w, c = f["wall"], f["cpu"]
    return (f"{name:<22} n={f['n']:>4}  wall p50 {w['p50']:7.1f}  p95 {w['p95']:7.1f}  max {w['max']:7.1f} ms"
            f"   cpu p50 {c['p50']:6.2f}  p95 {c['p95']:6.2f}  max {c['max']:6.2f} ms"
            f"   redis {f['redis_per_request']:.2f}  bolt {f['bolt_per_request']:.2f}")


def measure_all(app, data: dict, args) -> None:
    """The cold and warm hub profiles and the prefix searches; prints and
    writes ``bench/results/<--out>``."""
    import os

    client = app.test_client()
    ctx = app.app_context()
    ctx.push()
    tokens = []
    for v in data["viewers"]:
        resp = client.post("/api/v1/auth/login", json={"login": v["username"], "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        tokens.append({"Authorization": f"Bearer {resp.get_json()['access_token']}"})
    hubs = data["hubs"]
    out: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                 "load_average_before": os.getloadavg(), "hubs": []}
    for h in hubs:
        resp = client.get(f"/api/v1/users/{h['username']}", headers=tokens[0]).get_json()
        h.update(friends=resp.get("friends_count"), followers=resp.get("followers_count"))
    print("hubs: " + ", ".join(f"{h['username']} ({h['friends']:,} friends)" for h in hubs), flush=True)
    cold, warm, per_hub = [], [], {}
    for rnd in range(args.rounds):
        for i, h in enumerate(hubs):
            hdr = tokens[(rnd * len(hubs) + i) % len(tokens)]
            s = timed(client, f"/api/v1/users/{h['username']}", hdr,
                      before=lambda h=h: drop_user_keys(h["uid"], h["username"]))
            cold.append(s)
            per_hub.setdefault(h["username"], []).append(s["wall"])
            for _ in range(3):  # the copies are in place now
                warm.append(timed(client, f"/api/v1/users/{h['username']}", hdr))
    out["profile_cold"] = figures(cold)
    out["profile_warm"] = figures(warm)
    out["cold_wall_by_hub"] = {u: [round(w, 1) for w in ws] for u, ws in per_hub.items()}
    print(line("hub profile, cold", out["profile_cold"]), flush=True)
    print(line("hub profile, warm", out["profile_warm"]), flush=True)
    biggest = hubs[0]["username"]
    print(f"  biggest hub {biggest}: cold wall {out['cold_wall_by_hub'][biggest]} ms", flush=True)
    sample = cold[0]["body"]
    print(f"  e.g. {biggest}: followers {sample['followers_count']}, friends {sample['friends_count']}, "
          f"mutual {sample['mutual_friends']}", flush=True)
    rng = random.Random(22)
    logins = [u for u in data["logins"] if len(u) >= 4]
    prefixes = [u[:rng.randint(2, 4)] for u in rng.sample(logins, args.searches)]
    for p in prefixes[:20]:  # warm the path (the index is built by the import)
        timed(client, f"/api/v1/search/users?q={p}", tokens[0])
    found = []
    searches = []
    for i, p in enumerate(prefixes):
        s = timed(client, f"/api/v1/search/users?q={p}", tokens[i % len(tokens)])
        found.append(len(s["body"]["items"]))
        searches.append(s)
    out["search"] = figures(searches)
    out["search"]["prefixes"] = {"n": len(prefixes), "lengths": dict(Counter(len(p) for p in prefixes)),
                                 "items_p50": sorted(found)[len(found) // 2]}
    print(line("user search by prefix", out["search"]), flush=True)
    print(f"  {len(prefixes)} prefixes of 2-4 letters from real logins; items per page p50 "
          f"{out['search']['prefixes']['items_p50']}", flush=True)
    out["load_average_after"] = os.getloadavg()
    ok_hub = out["profile_cold"]["wall"]["max"] <= 100
    ok_search = out["search"]["wall"]["p95"] <= 50
    print(f"\ntarget hub cold profile <= 100 ms (max wall {out['profile_cold']['wall']['max']:.1f}): "
          f"{'met' if ok_hub else 'NOT met'}; search p95 <= 50 ms ({out['search']['wall']['p95']:.1f}): "
          f"{'met' if ok_search else 'NOT met'}; load average {out['load_average_before']} -> "
          f"{out['load_average_after']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for s in cold + warm + searches:
        s.pop("body", None)
    (RESULTS / args.out).write_text(json.dumps(out, indent=1, default=str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None, help="keep the servers' data here and reuse it (import once)")
    ap.add_argument("--viewers", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="cold reads of each of the 10 hubs")
    ap.add_argument("--searches", type=int, default=200)
    ap.add_argument("--load-only", action="store_true", help="import (and register the viewers), then stop")
    ap.add_argument("--out", default="profile_hub.json")
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    data_dir = Path(args.data_dir).absolute() if args.data_dir else Path(tempfile.mkdtemp(prefix="sg-musae-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = LocalStack(root=data_dir).start()
    try:
        app = create_app(app_config_from_stack(stack, RQ_ASYNC=False, RATELIMIT_ENABLED=False,
                                               JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1)))
        data = load(app, data_dir, args)
        if args.load_only:
            return
        count_round_trips(COUNTS, mongo=False)
        measure_all(app, data, args)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
