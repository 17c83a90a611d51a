#!/usr/bin/env python
"""Hot reads against the framework's ceiling, in one process (issue 22; prints figures, not a test).

1. starts the local real servers (or reuses ``--data-dir``), imports the full
   ego-Facebook graph (4,039 users, 88,234 friendships) and the beer Stack
   Exchange dump onto it (591 posts, 3,258 comments), registers ``--readers``
   accounts, each a copy of an imported user spread over the degree ranking
   (same follows), and warms their home feeds;
2. through the WSGI interface (Flask's test client: the whole request path,
   werkzeug, the JWT check, the view, the JSON encoding; no socket), many
   iterations of each request, round robin over the readers: ``GET /ping``,
   the warm home page of 20 posts, a profile (warm; cold: the card copy
   dropped first; first view of a pair: its relation copy dropped), a post and its comments, user search by prefix. Per
   request: CPU of this thread (``time.thread_time``), wall time, and the
   store round trips (Redis commands sent, a pipeline or a script counting
   one; MongoDB commands; Bolt queries);
3. prints the ratio of the home page's CPU to ``/ping``'s (target <= 5), both
   one after the other (all pings, then all home pages) and alternately, and,
   with ``--profile``, a cProfile of ``--profile-iterations`` home pages
   (top functions by cumulative and own time);
4. a cold profile of the biggest hub (every copy of it dropped first).

CPU time is the robust figure on a shared machine: wall time includes
waiting for the cores other processes hold, thread CPU time does not.

Usage: ``python bench/bench_hot.py [--data-dir /tmp/sg-hot] [--iterations 400] [--profile]``.
Results go to ``bench/results/hot.json``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, SHARED_DATA, app_config_from_stack, count_round_trips, percentile  # noqa: E402

PASSWORD = "benchmark password 22"
RESULTS = REPO / "bench" / "results"
COUNTS: Counter = Counter()


def copy_readers(models: list[dict], prefix: str) -> list[dict]:
    """One account per model user, following whom the model follows."""
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.importers import set_degree_counts

    readers = []
    for i, model in enumerate(models):
        name = f"{prefix}{i}"
        acc = accounts.register(name, f"{name}@bench.test", PASSWORD)
        accounts.verify_email(accounts.verification_token(acc["uid"], f"{name}@bench.test"))  # the mix writes
        followees = [r["uid"] for r in stores.graph().read("graph/follows/list_following_uids", uid=model["uid"])]
        for chunk in range(0, len(followees), 2000):
            rows = [{"a": acc["uid"], "b": f} for f in followees[chunk:chunk + 2000]]
            stores.graph().write("importers/merge_follows", rows=rows, created_at=acc["created_at"])
        set_degree_counts([acc["uid"], *followees])  # the bulk MERGE bypasses the stored degree counts
        readers.append({"username": name, "uid": acc["uid"], "follows": len(followees)})
    return readers


def load(app, data_dir: Path, args) -> dict:
    """Import the data once (kept in ``data_dir/bench_hot.json`` with the readers)."""
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.importers.snap import SOURCE, import_snap_facebook
    from socialgraph.importers.stackexchange import import_stackexchange
    from socialgraph.stores.schema import ensure_all

    marker = data_dir / "bench_hot.json"
    if marker.exists():
        with app.app_context():  # the indexes of the code under test, as `socialgraph db init` on a deploy
            ensure_all()
        data = json.loads(marker.read_text())
        if "top_readers" not in data:  # readers modelled on the best-connected users: full pages
            with app.app_context():
                ranked = stores.graph().read("importers/list_users_by_degree", source=SOURCE)
                data["top_readers"] = copy_readers(ranked[0:400:25], "hot_top_")
            marker.write_text(json.dumps(data, default=str))
        with app.app_context():  # readers made before they were verified: the mix's writes answered 403
            for r in data["readers"] + data["top_readers"]:
                if not accounts.is_email_verified(r["uid"]):
                    accounts.verify_email(accounts.verification_token(r["uid"], f"{r['username']}@bench.test"))
        return data
    with app.app_context():
        ensure_all()
        t = time.perf_counter()
        snap = import_snap_facebook(SHARED_DATA / "snap_ego_facebook")
        t_snap = time.perf_counter() - t
        se = import_stackexchange(SHARED_DATA / "stackexchange_beer")
        t_se = time.perf_counter() - t - t_snap
        print(f"import snap-facebook: {snap['users']:,} users, {snap['follows']:,} follows in {t_snap:.1f} s; "
              f"stackexchange beer: {se['posts']:,} posts, {se['comments']:,} comments in {t_se:.1f} s", flush=True)
        ranked = stores.graph().read("importers/list_users_by_degree", source=SOURCE)
        step = max(1, len(ranked) // args.readers)
        models = [ranked[i] for i in range(0, len(ranked), step)][: args.readers]
        readers = copy_readers(models, "hot_reader_")
        top_readers = copy_readers(ranked[0:400:25], "hot_top_")  # modelled on the best-connected: full pages
        posts = [str(d["_id"]) for d in stores.mongo().posts.find({}, {"_id": 1}).sort("counts.comments", -1).limit(200)]
        data = {"readers": readers, "top_readers": top_readers, "post_ids": posts, "hub": ranked[0],
                "usernames": [r["username"] for r in ranked[:2000:10]],
                "import": {"snap": snap, "stackexchange": se, "snap_seconds": t_snap, "se_seconds": t_se}}
    marker.write_text(json.dumps(data, default=str))
    return data


def measure(client, paths, headers, n: int, before=None) -> dict:
    """``n`` requests round robin over ``paths`` (with the matching ``headers``):
    CPU and wall ms per request (p50, p95, mean) and mean round trips per request."""
    cpu, wall = [], []
    trips_total: Counter = Counter()
    statuses = Counter()
    for i in range(n):
        path, hdr = paths[i % len(paths)], headers[i % len(headers)]
        if before:
            before(i)
        COUNTS.clear()
        c0, w0 = time.thread_time(), time.perf_counter()
        resp = client.get(path, headers=hdr)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        trips_total.update(COUNTS)
        statuses[resp.status_code] += 1
    trips = {k: round(v / n, 2) for k, v in trips_total.items()}
    return {"n": n, "cpu_p50": percentile(cpu, 50), "cpu_p95": percentile(cpu, 95), "cpu_mean": statistics.fmean(cpu),
            "wall_p50": percentile(wall, 50), "wall_p95": percentile(wall, 95), "wall_mean": statistics.fmean(wall),
            "round_trips": trips, "statuses": dict(statuses)}


def paired(client, full, n: int) -> dict:
    """``/ping`` and the warm home page alternately, request by request, so that
    both see the same machine (the cores are shared): thread CPU ms of each
    (p50, mean) and the ratio home / ping."""
    cpu = {"ping": [], "home": []}
    for i in range(2 * n):
        which = "home" if i % 2 else "ping"
        hdr = full[(i // 2) % len(full)]
        path = "/api/v1/feeds/home?limit=20" if which == "home" else "/api/v1/ping"
        c0 = time.thread_time()
        client.get(path, headers=hdr)
        cpu[which].append((time.thread_time() - c0) * 1000)
    out = {k: {"cpu_p50": percentile(v, 50), "cpu_mean": statistics.fmean(v)} for k, v in cpu.items()}
    out["ratio_p50"] = out["home"]["cpu_p50"] / out["ping"]["cpu_p50"]
    out["ratio_mean"] = out["home"]["cpu_mean"] / out["ping"]["cpu_mean"]
    return out


def mixed_post(client, posts: list[str], headers: list[dict], n: int, seed: int = 22) -> dict:
    """``--only mixed_post``: the closed-loop mix's post traffic in one process
    (``bench/locust_scale.py`` MixUser's weights: a post then its comments 15,
    a reaction on the post 10, a comment 5), ``n`` steps over the same posts
    and readers, seeded; after a warm-up of every post and thread. Per read:
    served warm or not (one Redis round trip and no miss counted by
    :data:`socialgraph.content.warm.WARM_MISSES`), thread CPU ms; per write:
    CPU ms and round trips (what the write-through adds to the writer)."""
    import random

    from socialgraph.content import warm

    rng = random.Random(seed)
    for p in posts:  # warm: every post and thread once, with readers' copies
        for hdr in headers[:2]:
            client.get(f"/api/v1/posts/{p}", headers=hdr)
            client.get(f"/api/v1/posts/{p}/comments?limit=20", headers=hdr)
    cpu: dict[str, list[float]] = {"post": [], "comments": [], "react": [], "comment": []}
    warm_n: Counter = Counter()
    trips: dict[str, Counter] = {k: Counter() for k in cpu}
    misses: Counter = Counter()
    for _ in range(n):
        pid, hdr = rng.choice(posts), rng.choice(headers)
        which = rng.choices(("read", "react", "comment"), weights=(15, 10, 5))[0]
        if which == "read":
            steps = [("post", "get", f"/api/v1/posts/{pid}", None),
                     ("comments", "get", f"/api/v1/posts/{pid}/comments?limit=20", None)]
        elif which == "react":
            steps = [("react", "put", f"/api/v1/posts/{pid}/reaction",
                      {"type": rng.choice(["like", "love", "laugh"])})]
        else:
            steps = [("comment", "post", f"/api/v1/posts/{pid}/comments", {"text": "bench comment"})]
        for name, method, path, body in steps:
            COUNTS.clear()
            warm.WARM_MISSES.clear()
            c0 = time.thread_time()
            resp = getattr(client, method)(path, headers=hdr, json=body)
            cpu[name].append((time.thread_time() - c0) * 1000)
            assert resp.status_code < 300, (path, resp.status_code, resp.get_json())
            trips[name].update(COUNTS)
            if name in ("post", "comments"):
                hit = not warm.WARM_MISSES and COUNTS["redis"] == 1
                warm_n[name] += hit
                misses.update(f"{name}:{k}" for k in warm.WARM_MISSES)
    res: dict = {"steps": n, "warm_misses": dict(misses)}
    for name, v in cpu.items():
        if not v:
            continue
        res[name] = {"n": len(v), "cpu_p50": percentile(v, 50), "cpu_p95": percentile(v, 95),
                     "cpu_mean": statistics.fmean(v),
                     "round_trips": {k: round(c / len(v), 2) for k, c in trips[name].items()}}
        if name in ("post", "comments"):
            res[name]["warm_share"] = warm_n[name] / len(v)
        extra = f" served warm {res[name]['warm_share']:.1%} |" if "warm_share" in res[name] else ""
        trips_s = ", ".join(f"{k} {c}" for k, c in sorted(res[name]["round_trips"].items()))
        print(f"mixed_post {name:<9} n {len(v):4d} |{extra} cpu p50 {res[name]['cpu_p50']:6.3f} "
              f"p95 {res[name]['cpu_p95']:6.3f} mean {res[name]['cpu_mean']:6.3f} ms | trips/req: {trips_s}",
              flush=True)
    print(f"  mixed_post reads left to the general path: {dict(misses) or 'none'}", flush=True)
    return res


def line(name: str, m: dict) -> str:
    trips = ", ".join(f"{k} {v}" for k, v in sorted(m["round_trips"].items())) or "none"
    return (f"{name:<26} cpu p50 {m['cpu_p50']:6.3f} p95 {m['cpu_p95']:6.3f} mean {m['cpu_mean']:6.3f} ms | "
            f"wall p50 {m['wall_p50']:6.2f} p95 {m['wall_p95']:6.2f} ms | trips/req: {trips} | {m['statuses']}")


def rq_backlog(by_kind: bool = False) -> dict:
    """The RQ jobs not yet done, over every queue of ``stores.tasks()``:
    ``{"queued": n, "running": n, "scheduled": n}`` (counts; ``scheduled``:
    delayed and debounced jobs not yet due); ``by_kind``: also the queued jobs'
    ``"queue:function": count``, the 8 most common."""
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    from socialgraph import stores

    conn = stores.queue_redis()
    out = {"queued": 0, "running": 0, "scheduled": 0}
    kinds: Counter = Counter()
    for name in stores.tasks().queue_names:
        q = Queue(name, connection=conn)
        out["queued"] += q.count
        out["running"] += StartedJobRegistry(queue=q).count
        out["scheduled"] += ScheduledJobRegistry(queue=q).count
        if by_kind:
            kinds.update(f"{name}:{j.func_name}" for j in q.jobs if j is not None)
    if by_kind:
        out["by_kind"] = dict(kinds.most_common(8))
    return out


def drain(sampler_pids: dict, limit_s: float = 120.0) -> dict:
    """After a load: wait (up to ``limit_s`` seconds) until no RQ job is queued
    or running, sampling the CPU of ``sampler_pids`` meanwhile. Answers the
    backlog left at the end of the window, the seconds it took to drain and
    the CPU seconds each process spent on it (the jobs the window queued but
    did not run: counted against the window's requests they belong to)."""
    from bench.bench_scale import Sampler

    left = rq_backlog(by_kind=True)
    sampler = Sampler(sampler_pids)
    t0 = time.perf_counter()
    sampler.start()
    while time.perf_counter() - t0 < limit_s:
        b = rq_backlog()
        if b["queued"] + b["running"] == 0:
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - t0
    sampler.stop_evt.set()
    sampler.join()
    cpu_s = {k: round((v["cpu_pct"] or 0) / 100 * seconds, 2) for k, v in sampler.result().items()}
    not_drained = rq_backlog() if seconds >= limit_s else None
    idle = Sampler(sampler_pids)  # the same processes with nothing to do: their floor
    idle.start()
    time.sleep(5)
    idle.stop_evt.set()
    idle.join()
    return {"left_at_end": left, "drain_s": round(seconds, 1), "drain_cpu_s": cpu_s,
            "not_drained": not_drained, "idle_cpu_pct": {k: v["cpu_pct"] for k, v in idle.result().items()}}


def closed_loop(stack, data, args) -> dict:
    """``--load``: the API under gunicorn (2 gthread workers x 16 threads, rate
    limits off, one RQ worker), locust headless (``bench/locust_scale.py``) at
    ``--clients`` for ``--seconds`` per load; CPU of every process, the load
    generator included (psutil, 100 % = one core)."""
    import subprocess

    import requests

    from bench.bench_scale import Sampler
    from bench.common import start_gunicorn
    from socialgraph.stores.localstack import free_port

    env = {**stack.env(), "SG_RQ_ASYNC": "true", "SG_RATELIMIT_ENABLED": "false", "SG_JWT_ACCESS_SECONDS": "86400"}
    niced = ["nice", "-n", str(args.worker_nice)] if args.worker_nice else []
    worker = subprocess.Popen([*niced, sys.executable, "-m", "socialgraph", "worker"], env={**__import__("os").environ, **env},
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    probe_dir = None
    if args.warm_probe:  # bench/gunicorn_warm_probe.py: per request, warm or not and why
        probe_dir = Path(tempfile.mkdtemp(prefix="sg-probe-"))
        env["BENCH_PROBE_DIR"] = str(probe_dir)
    server = start_gunicorn(env, port, workers=args.workers, threads=args.threads,
                            config=str(REPO / "bench" / "gunicorn_warm_probe.py") if probe_dir else None)
    base = f"http://127.0.0.1:{port}"
    write_server, write_env = None, {}
    if args.write_pool:
        ww, wt = (int(x) for x in args.write_pool.split("x"))
        wport = free_port()
        write_server = start_gunicorn(env, wport, workers=ww, threads=wt, nice=args.write_nice,
                                      config=str(REPO / "bench" / "gunicorn_warm_probe.py") if probe_dir else None)
        write_env = {"BENCH_WRITE_HOST": f"http://127.0.0.1:{wport}"}
    results: dict = {}
    try:
        tokens = []
        for r in data["readers"] + data["top_readers"]:
            resp = requests.post(f"{base}/api/v1/auth/login", json={"login": r["username"], "password": PASSWORD},
                                 timeout=60)
            tokens.append(f"Bearer {resp.json()['access_token']}")
        for tok in tokens:  # warm every feed and copy in the server's processes
            for _ in range(2):
                requests.get(f"{base}/api/v1/feeds/home?limit=20", headers={"Authorization": tok},
                             timeout=60)
        data_file = RESULTS / "locust_hot_data.json"
        data_file.write_text(json.dumps({"tokens": tokens, "post_ids": data["post_ids"],
                                         "usernames": data["usernames"]}))
        for i, which in enumerate(w for w in args.load.split(",") if w):
            prefix = RESULTS / f"locust_hot_{which}_{args.clients}"
            if args.warmup_seconds:  # the same load first, not recorded: the copies its first reads make
                warm = subprocess.run(
                    [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locust_scale.py"), "--headless",
                     "-u", str(args.clients), "-r", str(args.clients), "-t", f"{args.warmup_seconds}s",
                     "--host", base, "--only-summary", "--stop-timeout", "5", "--loglevel", "ERROR"],
                    env={**__import__("os").environ, **write_env, "BENCH_DATA": str(data_file),
                         "BENCH_USER": which, "BENCH_HOT_POSTS": str(args.hot_posts or "")},
                    cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=args.warmup_seconds + 120)
                warmed = drain({"rq-worker": worker.pid, "graph": stack.procs["graph"].pid,
                                "mongo": stack.procs["mongo"].pid})
                print(f"  warm-up: {args.warmup_seconds} s of {which} (exit {warm.returncode}), its RQ backlog "
                      f"drained in {warmed['drain_s']} s; the window below starts now", flush=True)
            cmd = [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locust_scale.py"), "--headless",
                   "-u", str(args.clients), "-r", str(args.clients), "-t", f"{args.seconds}s", "--host", base,
                   "--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
            gen = subprocess.Popen(cmd, env={**__import__("os").environ, **write_env, "BENCH_DATA": str(data_file),
                                             "BENCH_USER": which, "BENCH_HOT_POSTS": str(args.hot_posts or "")},
                                   cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "w"))
            if probe_dir:
                (probe_dir / "on").write_text(f"{i + 1}:{which}")
            sampler = Sampler({"gunicorn": server.pid, "rq-worker": worker.pid, "locust": gen.pid,
                               **({"gunicorn-writes": write_server.pid} if write_server else {}),
                               **{name: p.pid for name, p in stack.procs.items()}})
            sampler.start()
            gen.wait(timeout=args.seconds + 120)
            if probe_dir:
                (probe_dir / "on").unlink()
            sampler.stop_evt.set()
            sampler.join()
            ops = {}
            with open(f"{prefix}_stats.csv", newline="") as fh:
                for row in __import__("csv").DictReader(fh):
                    name = "overall" if row["Name"] == "Aggregated" else row["Name"]
                    ops[name] = {"n": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                                 "rps": round(float(row["Requests/s"]), 1), "p50": float(row["50%"] or 0),
                                 "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0)}
            load_avg = __import__("os").getloadavg()[0]
            procs = sampler.result()
            # what the window queued but did not run (RQ, and the graph and documents its jobs use)
            drained = drain({"rq-worker": worker.pid, "graph": stack.procs["graph"].pid,
                             "mongo": stack.procs["mongo"].pid})
            run = which if which not in results else f"{which}#{i + 1}"
            results[run] = {"ops": ops, "procs": procs, "loadavg_1min": load_avg,
                              "gunicorn": f"{args.workers} x {args.threads}"}
            rps = ops.get("overall", {}).get("rps") or 0
            if rps:  # CPU per request of each process (ms): what a core's second buys
                per = {k: round(v["cpu_pct"] * 10 / rps, 3) for k, v in procs.items()
                       if isinstance(v, dict) and v.get("cpu_pct") is not None}
                results[run]["cpu_ms_per_request"] = per
                print(f"  CPU ms per request: {per}", flush=True)
                # the drain's CPU over the window's requests (rps x seconds, as ``per``)
                with_drain = {k: round(v + drained["drain_cpu_s"][k] * 1000 / (rps * args.seconds), 3)
                              for k, v in per.items() if k in drained["drain_cpu_s"]}
                results[run]["cpu_ms_per_request_with_drain"] = with_drain
            results[run]["rq_drain"] = drained
            print(f"  RQ left at the end of the window: {drained['left_at_end']}; drained in {drained['drain_s']} s "
                  f"(CPU s: {drained['drain_cpu_s']}); CPU ms per request with the drain: "
                  f"{results[run].get('cpu_ms_per_request_with_drain')}; idle after it (%): "
                  f"{drained['idle_cpu_pct']}", flush=True)
            for name, o in sorted(ops.items()):
                print(f"{which} @{args.clients} {name:<14} {o['rps']:7.1f} req/s p50 {o['p50']:6.0f} "
                      f"p95 {o['p95']:6.0f} p99 {o['p99']:6.0f} ms errors {o['errors']}", flush=True)
            print(f"  CPU (100 % = one core): {sampler.result()}; load average {load_avg:.1f}", flush=True)
        if "ceiling" in results and "home" in results:
            ratio = results["home"]["ops"]["overall"]["rps"] / results["ceiling"]["ops"]["overall"]["rps"]
            results["home_of_ceiling"] = ratio
            print(f"home throughput / ceiling: {ratio:.2f} (target >= 0.4)", flush=True)
    finally:
        for p in (server, worker, write_server):
            if p is None:
                continue
            p.terminate()
            p.wait(timeout=20)
    if probe_dir:
        results["warm_probe"] = probe_report(probe_dir)
    return results


def probe_report(probe_dir: Path) -> dict:
    """The workers' ``bench/gunicorn_warm_probe.py`` dumps summed per load
    (``<n>:<load>/<route>``, e.g. ``2:mix/profile``): per route n, warm share, thread CPU ms per
    request (in the API worker, gunicorn's pre_request to post_request), round trips per request, miss reasons
    (count), the graph queries and MongoDB commands per request; printed."""
    tot: dict = {}
    for f in probe_dir.glob("probe-*.json"):
        for route, v in json.loads(f.read_text()).items():
            t = tot.setdefault(route, {"n": 0, "warm": 0, "cpu_ms": 0.0, "reasons": Counter(), "trips": Counter(),
                                       "queries": Counter(), "samples": []})
            t["samples"] += v.get("samples", [])
            t["n"] += v["n"]
            t["warm"] += v["warm"]
            t["cpu_ms"] += v.get("cpu_ms", 0.0)
            for k in ("reasons", "trips", "queries"):
                t[k].update(v[k])
    out = {}
    print("warm probe (under the load, all gunicorn workers):", flush=True)
    for route, t in sorted(tot.items()):
        n = t["n"] or 1
        out[route] = {"n": t["n"], "warm_share": t["warm"] / n, "cpu_ms_mean": t["cpu_ms"] / n, "reasons": dict(t["reasons"].most_common()),
                      "trips_per_req": {k: round(c / n, 2) for k, c in sorted(t["trips"].items())},
                      "queries_per_req": {k: round(c / n, 3) for k, c in t["queries"].most_common(8)}}
        o = out[route]
        print(f"  {route:<14} n {t['n']:5d} warm {o['warm_share']:6.1%} cpu {o['cpu_ms_mean']:.2f} ms/req "
              f"trips/req {o['trips_per_req']}", flush=True)
        if o["reasons"]:
            print(f"    misses: {dict(t['reasons'].most_common(8))}", flush=True)
        print(f"    queries/req: {o['queries_per_req']}", flush=True)
        o["timing"] = _probe_timing(t["samples"])
    return out


def _probe_timing(samples: list) -> dict:
    """Server-side wall ms (gunicorn's pre_request to post_request) of a route's
    requests, all / warm / not warm: n, p50, p95, p99, and the mean wait on each
    store and in ``postcache.written`` (the writer's drop-to-rebuild window);
    the slowest 5 %'s warm share and waits; printed."""
    from bench.common import percentile

    out = {}
    if not samples:
        return out
    walls = sorted(s[0] for s in samples)
    p95 = percentile(walls, 95)
    groups = {"all": samples, "warm": [s for s in samples if s[2]], "cold": [s for s in samples if not s[2]],
              "slowest5%": [s for s in samples if s[0] >= p95]}
    for name, g in groups.items():
        if not g:
            continue
        w = [s[0] for s in g]
        n = len(g)
        out[name] = {"n": n, "p50": percentile(w, 50), "p95": percentile(w, 95), "p99": percentile(w, 99),
                     "cpu_ms": round(sum(s[1] for s in g) / n, 2), "warm_share": round(sum(s[2] for s in g) / n, 3),
                     "mongo_ms": round(sum(s[3] for s in g) / n, 2), "redis_ms": round(sum(s[4] for s in g) / n, 2),
                     "bolt_ms": round(sum(s[5] for s in g) / n, 2), "written_ms": round(sum(s[6] for s in g) / n, 2)}
        print(f"    server wall {name:<9} {out[name]}", flush=True)
    cold = Counter(s[7] for s in samples if not s[2])
    if cold:
        print(f"    not-warm reasons: {dict(cold.most_common(6))}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None, help="keep the servers' data here and reuse it (import once)")
    ap.add_argument("--readers", type=int, default=32)
    ap.add_argument("--iterations", type=int, default=400)
    ap.add_argument("--profile", action="store_true", help="cProfile of home pages")
    ap.add_argument("--profile-iterations", type=int, default=100)
    ap.add_argument("--only", default="", help="comma list of ping,home,profile,profile_cold,profile_first,hub_cold,post,"
                    "comments,search,mixed_post (mixed_post: the mix's reactions and comments interleaved with "
                    "post and thread reads)")
    ap.add_argument("--out", default="hot.json")
    ap.add_argument("--load", default="", help="closed-loop loads after the in-process figures: comma list of "
                    "locust user classes (ceiling,home,mix) run under gunicorn 2 x 16 at --clients")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers of --load")
    ap.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker of --load")
    ap.add_argument("--limits", action="store_true",
                    help="rate limits on (as in production; budgets raised so that nothing answers 429)")
    ap.add_argument("--profile-path", default="home", choices=("home", "post", "comments"),
                    help="the request --profile profiles")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--write-pool", default="", help="WxT: the mix's writes to their own gunicorn (workers x threads)")
    ap.add_argument("--warm-probe", action="store_true",
                    help="--load: count per request under the load whether each read left its warm path and why "
                    "(bench/gunicorn_warm_probe.py in every API worker)")
    ap.add_argument("--hot-posts", type=int, default=0,
                    help="--load mix: the post reads and writes on the first N of the 200 posts only (hot posts)")
    ap.add_argument("--write-nice", type=int, default=0, help="niceness of --write-pool's gunicorn")
    ap.add_argument("--warmup-seconds", type=int, default=0,
                    help="--load: run each load this long first, unrecorded, and drain its RQ backlog, so the "
                    "measured window is the steady state (copies made by first reads), not a cold start")
    ap.add_argument("--worker-nice", type=int, default=0,
                    help="niceness of the RQ worker (as compose's SG_WORKER_CPU_SHARES: the jobs' CPU weight)")
    args = ap.parse_args()
    only = {w for w in args.only.split(",") if w}

    from socialgraph import stores
    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    data_dir = Path(args.data_dir).absolute() if args.data_dir else Path(tempfile.mkdtemp(prefix="sg-hot-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = LocalStack(root=data_dir).start()
    try:
        count_round_trips(COUNTS)
        limits = dict(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="100000000/5minute",
                      RATELIMIT_PER_IP="100000000/5minute", RATELIMIT_LOGIN="100000000/5minute") if args.limits else dict(RATELIMIT_ENABLED=False)
        app = create_app(app_config_from_stack(stack, RQ_ASYNC=False, JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1),
                                               **limits))
        data = load(app, data_dir, args)
        client = app.test_client()
        ctx = app.app_context()
        ctx.push()
        # copies made by an older version of the code (a kept --data-dir) go: the
        # next read makes them in the current format, as a deploy does within
        # POST_CACHE_SECONDS
        old = list(stores.read_cache().scan_iter("sg:post:*", count=1000))
        for i in range(0, len(old), 1000):
            stores.read_cache().delete(*old[i:i + 1000])
        tokens = []
        for r in data["readers"] + data["top_readers"]:
            resp = client.post("/api/v1/auth/login", json={"login": r["username"], "password": PASSWORD})
            assert resp.status_code == 200, resp.get_json()
            tokens.append({"Authorization": f"Bearer {resp.get_json()['access_token']}"})
        for hdr in tokens:  # warm: the feed sets (rebuilt inline: RQ_ASYNC off) and every copy
            for _ in range(3):
                resp = client.get("/api/v1/feeds/home?limit=20", headers=hdr)
                assert resp.status_code == 200, resp.get_json()
        page_sizes = [len(client.get("/api/v1/feeds/home?limit=20", headers=h).get_json()["items"]) for h in tokens]
        sizes = sorted(page_sizes)
        full = [h for h, k in zip(tokens, page_sizes) if k == 20]  # home pages of 20 posts
        out: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "readers": len(tokens),
                     "rate_limits": args.limits,
                     "home_items_min_median": [sizes[0], sizes[len(sizes) // 2]]}
        print(f"{len(tokens)} readers; home page items min {sizes[0]}, median {sizes[len(sizes) // 2]}; "
              f"{len(full)} with a full page of 20 (the home figures)", flush=True)
        out["home_readers"] = len(full)
        n = args.iterations
        posts = data["post_ids"]
        names = data["usernames"]

        def run(name, paths, headers, before=None, iterations=n):
            if only and name not in only:
                return
            # warm this path: every path (post, thread) and every reader's copies once
            measure(client, paths, headers, max(min(50, iterations), len(paths), len(headers)), before)
            from socialgraph.feeds import home as feeds
            try:
                from socialgraph.content import warm
            except ImportError:  # the code before the warm post and thread (a "before" run)
                warm = type("NoWarm", (), {"WARM_MISSES": Counter()})
            feeds.WARM_MISSES.clear()
            warm.WARM_MISSES.clear()
            out[name] = measure(client, paths, headers, iterations, before)
            print(line(name, out[name]), flush=True)
            if name in ("post", "comments"):
                out[name]["warm_misses"] = dict(warm.WARM_MISSES)
                print(f"  {name} requests left to the general path: {dict(warm.WARM_MISSES) or 'none'}", flush=True)
            if name == "home":
                out["home"]["warm_misses"] = dict(feeds.WARM_MISSES)
                print(f"  home pages left to the general path: {dict(feeds.WARM_MISSES) or 'none'}", flush=True)

        run("ping", ["/api/v1/ping"], tokens)
        run("home", ["/api/v1/feeds/home?limit=20"], full)
        run("profile", [f"/api/v1/users/{u}" for u in names], tokens)

        def drop_card(i):  # the profile card copy gone: the graph query runs
            from socialgraph.graph.people import PROFILE_KEY
            from socialgraph.stores import readcache
            readcache.invalidate(PROFILE_KEY.format(username=names[i % len(names)]))

        run("profile_cold", [f"/api/v1/users/{u}" for u in names], tokens, before=drop_card,
            iterations=min(n, 200))
        viewers = [r["uid"] for r in data["readers"] + data["top_readers"]]  # in the order of tokens

        def drop_relation(i):  # the first view of a pair: no relation copy (the card's copy kept)
            from socialgraph.graph.people import RELATION_KEY
            from socialgraph.stores import readcache
            readcache.invalidate(RELATION_KEY.format(viewer=viewers[i % len(viewers)], username=names[i % len(names)]))

        run("profile_first", [f"/api/v1/users/{u}" for u in names], tokens, before=drop_relation,
            iterations=min(n, 200))
        hub = data["hub"]["username"]

        def drop_hub(i):
            from socialgraph.graph.people import PROFILE_KEY
            from socialgraph.stores import readcache
            readcache.invalidate(PROFILE_KEY.format(username=hub))
            gone = list(stores.cache().scan_iter(f"*{data['hub']['uid']}*"))
            if gone:
                stores.cache().delete(*gone)

        run("hub_cold", [f"/api/v1/users/{hub}"], tokens, before=drop_hub, iterations=min(n, 40))
        run("post", [f"/api/v1/posts/{p}" for p in posts], tokens)
        run("comments", [f"/api/v1/posts/{p}/comments?limit=20" for p in posts], tokens)
        run("search", [f"/api/v1/search/users?q={u[:4]}" for u in names], tokens, iterations=min(n, 200))
        if "mixed_post" in only:
            out["mixed_post"] = mixed_post(client, posts, tokens, n)
        if not only or {"ping", "home"} <= only:
            seq = {"ratio_p50": out["home"]["cpu_p50"] / out["ping"]["cpu_p50"],
                   "ratio_mean": out["home"]["cpu_mean"] / out["ping"]["cpu_mean"]}
            out["sequential"] = seq
            print(f"\nping and home one after the other ({n} pings, then {n} homes): ping cpu p50 "
                  f"{out['ping']['cpu_p50']:.3f} mean {out['ping']['cpu_mean']:.3f} ms, home cpu p50 "
                  f"{out['home']['cpu_p50']:.3f} mean {out['home']['cpu_mean']:.3f} ms; home / ping CPU: "
                  f"p50 {seq['ratio_p50']:.2f}x, mean {seq['ratio_mean']:.2f}x (target <= 5x)", flush=True)
            out["paired"] = paired(client, full, n)
            pr = out["paired"]
            print(f"ping and home alternately ({n} each): ping cpu p50 {pr['ping']['cpu_p50']:.3f} "
                  f"mean {pr['ping']['cpu_mean']:.3f} ms, home cpu p50 {pr['home']['cpu_p50']:.3f} "
                  f"mean {pr['home']['cpu_mean']:.3f} ms; home / ping CPU: p50 {pr['ratio_p50']:.2f}x, "
                  f"mean {pr['ratio_mean']:.2f}x (target <= 5x)", flush=True)
        if args.profile:
            prof = cProfile.Profile(time.thread_time)  # CPU of this thread, as the figures above
            prof.enable()
            for i in range(args.profile_iterations):
                if args.profile_path == "home":
                    client.get("/api/v1/feeds/home?limit=20", headers=full[i % len(full)])
                else:
                    tail = "/comments?limit=20" if args.profile_path == "comments" else ""
                    client.get(f"/api/v1/posts/{posts[i % len(posts)]}{tail}", headers=tokens[i % len(tokens)])
            prof.disable()
            for key in ("cumulative", "tottime"):
                s = io.StringIO()
                st = pstats.Stats(prof, stream=s).sort_stats(key)
                st.print_stats(35)
                if key == "tottime":
                    st.print_callers(8)
                print(s.getvalue())
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / args.out).write_text(json.dumps(out, indent=1, default=str))
        if args.load:
            out["load"] = closed_loop(stack, data, args)
            (RESULTS / args.out).write_text(json.dumps(out, indent=1, default=str))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
