#!/usr/bin/env python
"""Benchmark at scale, side by side with a ceiling and a peer (issue 9; prints figures, not a test).

1. starts the local real servers in a temp dir; imports MUSAE GitHub (37,700
   users, 289,003 mutual follows) and both Stack Exchange dumps onto its users
   (``--onto musae-github``: activity rank -> degree rank), timed; reports store
   sizes (graph nodes/relationships, Mongo collection counts, data dirs on disk);
2. registers ``--readers`` accounts, each a copy of an imported user spread
   over the degree ranking (same follows; MUSAE edges are mutual, so the
   model's followees follow it back and are its friends), serves the API
   under gunicorn (``--workers`` x ``--threads`` gthread, default 2 x 16,
   rate limits off) with one RQ worker, warms every account's feed and the
   graph server's profile query (:func:`warm_profile_query`: a freshly started
   ArcadeDB JVM runs it 4x slower, p95 18 ms, for its first ~500 runs);
3. runs locust headless (FastHttpUser) from a separate process at stepped
   concurrency (``--steps``, each ``--seconds`` long, closed loop, no think
   time), one step series per ``--loads``: ``ceiling`` (``GET /api/v1/ping``),
   ``home`` (home feed only), ``reads`` (home 50, profile 10, suggestions 5:
   the peer's workload), ``mix`` (home 50 %, post + comments 15 %, profile
   10 %, suggestions 5 %, create post 5 %, react 10 %, comment 5 %), sampling
   CPU and RSS of every server process with psutil;
4. post creation with fan-out to 1,000 active followers: time until the post
   is in all 1,000 feed sets, once with the RQ queues drained and once under
   the mixed load (8 clients);
5. the store calls alone (Redis feed page, the Mongo finds of a home feed);
6. graph queries alone: suggestions, mutual counts and shortest paths as
   service calls on the graph database vs networkx on the same graph in memory;
7. the peer (``bench/peer``: Django REST Framework + PostgreSQL 15 from Debian,
   started here on a temp dir) loaded with the same users, follows and posts,
   served with the same gunicorn settings, the ``reads`` workload at the same steps.

``--data-dir DIR`` keeps the servers' data in DIR and reuses it on the next
run (the import is skipped); right after the load a pristine copy goes to
``DIR.pristine`` and every later run starts from it, so one run's writes do
not slow the next. Everything started is stopped at the end. Results go to
``bench/results/scale.json``; ``python bench/plot_scale.py`` draws the PNGs.

Usage: ``python bench/bench_scale.py [--data-dir DIR] [--seconds 30] [--steps 1,8,32,64]
[--loads ceiling,home,reads,mix] [--no-peer] [--no-phases]``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import requests  # noqa: E402

from bench.common import (  # noqa: E402
    REPO,
    SHARED_DATA,
    app_config_from_stack,
    percentile,
    start_gunicorn,
)

RESULTS = REPO / "bench" / "results"
PEER = REPO / "bench" / "peer"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
WORKERS, THREADS = 2, 16  # the same for the ceiling, our API and the peer (--workers / --threads)
PASSWORD = "benchmark password"
RESULT: dict = {}
MUSAE_DIR = SHARED_DATA / "musae_github"


def save() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / RESULT.get("out", "scale.json")).write_text(json.dumps(RESULT, indent=1, default=str))


def du(path: Path) -> int:
    total = 0
    for p in Path(path).rglob("*"):
        try:
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_size
        except OSError:
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=30, help="length of each concurrency step")
    ap.add_argument("--steps", default="1,8,32,64")
    ap.add_argument("--readers", type=int, default=128, help="distinct accounts (JWTs) of the load")
    ap.add_argument("--loads", default="ceiling,home,reads,mix",
                    help="locust user classes to run at each step (ceiling, home, reads, mix)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-phases", action="store_true", help="skip fan-out, store calls and graph-alone phases")
    ap.add_argument("--peer-only", action="store_true", help="load the data, then measure the peer only")
    ap.add_argument("--no-load", action="store_true", help="skip the HTTP load steps (ceiling, mix)")
    ap.add_argument("--out", default="scale.json", help="file name of the results under bench/results")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers (all three servers)")
    ap.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker (all three servers)")
    ap.add_argument("--musae-dir", default=None, help="another copy of musae_github (e.g. a slice, for a smoke run)")
    ap.add_argument("--data-dir", default=None,
                    help="keep the servers' data here and reuse it on the next run (skips the import when loaded)")
    ap.add_argument("--load-only", action="store_true", help="stop after loading the data (with --data-dir)")
    args = ap.parse_args()
    global MUSAE_DIR
    if args.musae_dir:
        MUSAE_DIR = Path(args.musae_dir)
    globals().update(WORKERS=args.workers, THREADS=args.threads)
    args.steps = [int(s) for s in args.steps.split(",")]
    args.loads = [w for w in args.loads.split(",") if w]
    random.seed(args.seed)
    RESULT.update(out=args.out, started=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), seconds=args.seconds,
                  steps=args.steps, cpus=os.cpu_count(), gunicorn=f"{WORKERS} gthread workers x {THREADS} threads")

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    keep = Path(args.data_dir).absolute() if args.data_dir else None
    if keep:
        restore_pristine(keep)
    stack = LocalStack(root=keep or Path(tempfile.mkdtemp(prefix="sg-scale-"))).start()
    procs: list[subprocess.Popen] = []
    pg = None
    try:
        env = {**stack.env(), "SG_RQ_ASYNC": "true", "SG_RATELIMIT_ENABLED": "false",
               "SG_JWT_ACCESS_SECONDS": "86400"}
        app = create_app({**app_config_from_stack(stack), "RQ_ASYNC": True, "RATELIMIT_ENABLED": False})
        with app.app_context():
            data = load(app, stack, args)
        if keep and not _pristine(keep).exists():  # the state every later run starts from
            stack.stop()
            save_pristine(keep)
            stack.start()
            app = create_app({**app_config_from_stack(stack), "RQ_ASYNC": True, "RATELIMIT_ENABLED": False})
        with app.app_context():
            if args.load_only:
                return
            if args.peer_only:  # the peer alone, on the same data (e.g. to re-run it)
                pg = Postgres()
                RESULT["peer"] = run_peer(pg, data, args, stack)
                save()
                return
        worker = subprocess.Popen([sys.executable, "-m", "socialgraph", "worker"], env={**os.environ, **env},
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(worker)
        port = _free_port()
        server = start_gunicorn(env, port, workers=WORKERS, threads=THREADS)
        procs.append(server)
        base = f"http://127.0.0.1:{port}"
        data["tokens"] = login_all(base, data["readers"])
        data_file = RESULTS / "locust_data.json"
        data_file.write_text(json.dumps({k: data[k] for k in ("tokens", "post_ids", "usernames")}))
        warm_up(base, data, app)
        watched = {"gunicorn": server.pid, "rq-worker": worker.pid,
                   **{name: p.pid for name, p in stack.procs.items()}}
        if not args.no_load:
            for which in args.loads:
                RESULT[which] = run_steps(base, data_file, which, args, watched)
                save()
        if not args.no_phases:
            with app.app_context():
                try:  # fan-out with the queues drained, then again under the mixed load (8 clients)
                    RESULT["fanout"] = fanout(data)
                    bg = subprocess.Popen(
                        [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locust_scale.py"), "--headless",
                         "-u", "8", "-r", "8", "-t", "40s", "--host", base, "--only-summary", "--loglevel", "ERROR"],
                        env={**os.environ, "BENCH_DATA": str(data_file), "BENCH_USER": "mix"}, cwd=REPO,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(10)
                    RESULT["fanout_under_load"] = fanout(data, drain=False)
                    bg.wait(timeout=120)
                except Exception as exc:  # noqa: BLE001 - keep the other phases' figures
                    RESULT["fanout"] = {"failed": repr(exc)[:500]}
                    print(f"fanout failed: {exc!r}", flush=True)
                save()
                for key, phase in (("store_calls", store_calls), ("graph_alone", graph_alone)):
                    try:
                        RESULT[key] = phase(data)
                    except Exception as exc:  # noqa: BLE001 - keep the other phases' figures
                        RESULT[key] = {"failed": repr(exc)[:500]}
                        print(f"{key} failed: {exc!r}", flush=True)
                    save()
        server.terminate()
        server.wait(timeout=20)
        if not args.no_peer:
            pg = Postgres()
            with app.app_context():
                RESULT["peer"] = run_peer(pg, data, args, stack)
            save()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        if pg:
            pg.stop()
        stack.stop()
        if not keep:
            shutil.rmtree(stack.root, ignore_errors=True)
    report()


def _store_dirs(root: Path) -> list[Path]:
    """The servers' data directories under ``root`` (one per server; ``logs`` left out)."""
    return sorted(d for d in root.iterdir() if d.is_dir() and d.name != "logs")


def _pristine(keep: Path) -> Path:
    return keep.with_name(keep.name + ".pristine")


def save_pristine(keep: Path) -> None:
    """Copy the servers' data right after the load (servers stopped) to
    ``<data-dir>.pristine``: every later run starts from it, so the mixed
    load's writes (posts, comments, reactions, notifications) of one run do
    not make the next one slower."""
    target = _pristine(keep)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for d in _store_dirs(keep):
        shutil.copytree(d, tmp / d.name, symlinks=True)
    tmp.rename(target)
    print(f"pristine copy of the loaded data in {target}", flush=True)


def restore_pristine(keep: Path) -> None:
    """Put the pristine copy (if any) back before the servers start."""
    source = _pristine(keep)
    if not source.exists():
        return
    for d in _store_dirs(source):
        shutil.rmtree(keep / d.name, ignore_errors=True)
        shutil.copytree(d, keep / d.name, symlinks=True)
    print(f"data restored from {source}", flush=True)


def _free_port() -> int:
    from socialgraph.stores.localstack import free_port

    return free_port()


# ---------------------------------------------------------------- load

def load(app, stack, args) -> dict:
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.importers.musae import SOURCE, import_musae_github
    from socialgraph.importers.stackexchange import import_stackexchange
    from socialgraph.stores.schema import ensure_all

    ensure_all()
    saved = stack.root / "bench-load.json"
    if saved.exists():  # --data-dir of an earlier run: reuse its data and its load figures
        data = json.loads(saved.read_text())
        for k in ("load", "sizes", "readers_summary"):
            if k in data:
                RESULT[k if k != "readers_summary" else "readers"] = data[k]
        RESULT["reused_data"] = str(stack.root)
        print(f"reusing the data in {stack.root}", flush=True)
        for r in data["readers"]:  # readers of earlier runs were not verified: the mix's writes answered 403
            if not accounts.is_email_verified(r["uid"]):
                accounts.verify_email(accounts.verification_token(r["uid"], f"{r['username']}@bench.test"))
        if not data.get("mirrored"):
            mirror_models(data["readers"])
            data["mirrored"] = True
            saved.write_text(json.dumps(data, default=str))
        return data
    loads = {}
    t = time.perf_counter()
    loads["musae-github"] = import_musae_github(MUSAE_DIR)
    loads["musae-github"]["wall_s"] = round(time.perf_counter() - t, 1)
    print(f"import musae-github: {loads['musae-github']}", flush=True)
    for site in ("stackexchange_beer", "stackexchange_history_meta"):
        t = time.perf_counter()
        loads[site] = import_stackexchange(SHARED_DATA / site, onto=SOURCE)
        loads[site]["wall_s"] = round(time.perf_counter() - t, 1)
        print(f"import {site}: {loads[site]}", flush=True)
    RESULT["load"] = loads
    g = stores.graph()
    with g.driver.session(database=app.config["BOLT_DATABASE"]) as s:
        nodes = s.run("MATCH (n) RETURN count(n) AS n").single()["n"]
        rels = s.run("MATCH ()-[r]->() RETURN count(r) AS n").single()["n"]
    db = stores.mongo()
    colls = {c: db[c].estimated_document_count() for c in sorted(db.list_collection_names())}
    RESULT["sizes"] = {"graph_nodes": nodes, "graph_relationships": rels,
                       "mongo": {c: n for c, n in colls.items() if n},
                       "disk_mb": {d.name: round(du(d) / 1e6, 1) for d in _store_dirs(stack.root)}}
    print(f"sizes: {RESULT['sizes']}", flush=True)
    save()

    ranked = g.read("importers/list_users_by_degree", source=SOURCE)
    step = max(1, len(ranked) // args.readers)
    models = [ranked[i] for i in range(0, len(ranked), step)][: args.readers]
    readers = []
    t = time.perf_counter()
    for i, model in enumerate(models):
        name = f"scale_{i}_{secrets.token_hex(3)}"
        acc = accounts.register(name, f"{name}@bench.test", PASSWORD)
        accounts.verify_email(accounts.verification_token(acc["uid"], f"{name}@bench.test"))  # the mix writes
        followees = [r["uid"] for r in g.read("graph/follows/list_following_uids", uid=model["uid"])]
        for c in range(0, len(followees), 2000):
            g.write("importers/merge_follows", rows=[{"a": acc["uid"], "b": f} for f in followees[c:c + 2000]],
                    created_at=acc["created_at"])
        readers.append({"username": name, "uid": acc["uid"], "followees": followees})
    sizes = sorted(len(r["followees"]) for r in readers)
    RESULT["readers"] = {"count": len(readers), "follows_min": sizes[0], "follows_median": sizes[len(sizes) // 2],
                         "follows_max": sizes[-1], "setup_s": round(time.perf_counter() - t, 1)}
    print(f"readers: {RESULT['readers']}", flush=True)
    post_ids = [str(p["_id"]) for p in db.posts.aggregate([{"$sample": {"size": 2000}}, {"$project": {"_id": 1}}])]
    usernames = [r["username"] for r in random.sample(ranked, min(2000, len(ranked)))]
    mirror_models(readers)
    data = {"readers": readers, "post_ids": post_ids, "usernames": usernames, "ranked": ranked, "mirrored": True}
    if args.data_dir:
        saved.write_text(json.dumps({**data, "load": RESULT["load"], "sizes": RESULT["sizes"],
                                     "readers_summary": RESULT["readers"]}, default=str))
    return data


def mirror_models(readers: list[dict]) -> None:
    """Make each load account a full copy of its model's place in the graph:
    MUSAE edges are mutual, so the model's followees follow the account back
    and are its friends (FRIENDS_WITH). Suggestions, mutual counts and
    fan-out of the accounts' posts then do the work they do for real users."""
    from socialgraph import stores
    from socialgraph.core import clock

    g = stores.graph()
    t = time.perf_counter()
    for r in readers:
        for c in range(0, len(r["followees"]), 2000):
            chunk = r["followees"][c:c + 2000]
            g.write("importers/merge_follows", rows=[{"a": f, "b": r["uid"]} for f in chunk], created_at=clock.now())
            g.write("importers/merge_friendships", rows=[{"a": r["uid"], "b": f} for f in chunk],
                    created_at=clock.now())
    RESULT.setdefault("readers", {})["mirror_s"] = round(time.perf_counter() - t, 1)
    print(f"load accounts mirrored (follow-backs, friendships) in {RESULT['readers']['mirror_s']} s", flush=True)


def warm_up(base: str, data: dict, app) -> None:
    """Every reader is an active user: the first read starts the rebuild of
    their feed set (RQ worker); wait for all sets, then read each once more."""
    from socialgraph import stores
    from socialgraph.feeds import home as feeds

    for t in data["tokens"]:
        requests.get(f"{base}/api/v1/feeds/home", headers={"Authorization": t}, timeout=60)
    with app.app_context():
        r = stores.cache()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(r.exists(feeds.FEED_KEY.format(uid=u["uid"])) for u in data["readers"]):
                break
            time.sleep(1)
    for t in data["tokens"]:
        requests.get(f"{base}/api/v1/feeds/home", headers={"Authorization": t}, timeout=60)
    with app.app_context():
        warm_profile_query(data)


def warm_profile_query(data: dict, n: int = 1500) -> float:
    """Run a cold profile's graph query (``graph/users/get_profile_card_for_viewer``,
    every fourth run its hub viewers' twin ``..._for_hub_viewer``)
    ``n`` times over Bolt, viewers the readers, owners users of ``data["ranked"]``
    that the load never reads (not in ``data["usernames"]``); returns the seconds
    taken. Warms the graph server's JVM (JIT) only: no Redis copy is made and the
    measured users' pages stay cold. Issue 22 session 6 (w23q): on a freshly
    started ArcadeDB the query took p50 4.2 / p95 18 ms over its first 250 runs
    and p50 1.0 / p95 5 ms after 1,000 (same users, 1 client); warmed on other
    users first, the first 250 were p50 1.0 / p95 4.7 ms. Needs an app context."""
    from socialgraph import stores
    from socialgraph.graph.people import HUB_DEGREE

    measured = {u.lower() for u in data["usernames"]}
    owners = [r["username"].lower() for r in data["ranked"] if r["username"].lower() not in measured]
    rng = random.Random(5)
    g = stores.graph()
    t = time.perf_counter()
    for i in range(n):
        query = "graph/users/get_profile_card_for_hub_viewer" if i % 4 == 3 else "graph/users/get_profile_card_for_viewer"
        g.read(query, username=rng.choice(owners),
               viewer=rng.choice(data["readers"])["uid"], hub_degree=HUB_DEGREE, viewer_friends=i % 2 == 0)
    return time.perf_counter() - t


def login_all(base: str, readers: list[dict]) -> list[str]:
    s = requests.Session()
    out = []
    for r in readers:
        resp = s.post(f"{base}/api/v1/auth/login", json={"login": r["username"], "password": PASSWORD}, timeout=60)
        resp.raise_for_status()
        out.append(f"Bearer {resp.json()['access_token']}")
    return out


# ---------------------------------------------------------------- load generator

class Sampler(threading.Thread):
    """CPU % (mean over the step, 100 = one core) and peak RSS of each process tree."""

    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids, self.stop_evt = pids, threading.Event()
        self.cpu: dict[str, list[float]] = {n: [] for n in pids}
        self.rss: dict[str, float] = {n: 0.0 for n in pids}

    def _tree(self, pid):
        try:
            p = psutil.Process(pid)
            return [p] + p.children(recursive=True)
        except psutil.Error:
            return []

    def run(self):
        trees = {n: self._tree(pid) for n, pid in self.pids.items()}
        for ps in trees.values():
            for p in ps:
                try:
                    p.cpu_percent(None)
                except psutil.Error:
                    pass
        while not self.stop_evt.wait(1.0):
            for n, ps in trees.items():
                cpu = rss = 0.0
                for p in ps:
                    try:
                        cpu += p.cpu_percent(None)
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.cpu[n].append(cpu)
                self.rss[n] = max(self.rss[n], rss / 1e6)

    def result(self) -> dict:
        return {n: {"cpu_pct": round(statistics.fmean(v), 1) if v else None, "rss_mb": round(self.rss[n], 1)}
                for n, v in self.cpu.items()}


def locust(base: str, data_file: Path, which: str, users: int, seconds: int, tag: str) -> dict:
    prefix = RESULTS / f"locust_{tag}_{users}"
    cmd = [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locust_scale.py"), "--headless",
           "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base, "--csv", str(prefix),
           "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
    subprocess.run(cmd, env={**os.environ, "BENCH_DATA": str(data_file), "BENCH_USER": which},
                   cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "w"), timeout=seconds + 120)
    ops = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            name = "overall" if row["Name"] == "Aggregated" else row["Name"]
            ops[name] = {"n": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                         "rps": round(float(row["Requests/s"]), 1), "p50": float(row["50%"] or 0),
                         "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0)}
    return ops


def run_steps(base, data_file, which, args, pids) -> dict:
    out = {}
    for users in args.steps:
        sampler = Sampler(pids)
        sampler.start()
        ops = locust(base, data_file, which, users, args.seconds, which)
        sampler.stop_evt.set()
        sampler.join()
        out[str(users)] = {"ops": ops, "procs": sampler.result()}
        o = ops["overall"]
        print(f"{which} @{users}: {o['rps']} req/s p50 {o['p50']} p95 {o['p95']} p99 {o['p99']} "
              f"errors {o['errors']}", flush=True)
    return out


# ---------------------------------------------------------------- fan-out, store calls, graph

def fanout(data, drain: bool = True) -> dict:
    """An imported author with >= 1,000 followers (below the hybrid threshold)
    posts; 1,000 of the followers have active feeds; time until all 1,000 sets
    hold it. ``drain``: first wait (up to 5 min) until the RQ queues are empty
    (the load steps leave jobs behind); otherwise measure as things are."""
    from socialgraph import stores
    from socialgraph.content import posts
    from socialgraph.feeds import home as feeds

    g = stores.graph()
    author = next((r for r in data["ranked"] if 1000 <= r["degree"] // 2 < 4000), data["ranked"][0])
    followers = [r["uid"] for r in g.read("graph/follows/list_following_uids", uid=author["uid"])][:1000]
    r = stores.cache()
    t = time.perf_counter()
    for u in followers:
        if not r.exists(feeds.FEED_KEY.format(uid=u)):
            feeds.rebuild_feed(u)
    rebuild_s = time.perf_counter() - t
    tq = stores.tasks()
    deadline = time.monotonic() + 300
    while drain and time.monotonic() < deadline and any(tq.queue(n).count for n in tq.queue_names):
        time.sleep(1)
    backlog = {name: tq.queue(name).count for name in tq.queue_names}  # jobs left by the load steps
    t0 = time.perf_counter()
    post = posts.create_post(author["uid"], "fan-out benchmark post")
    pid = str(post["id"])
    created_ms = (time.perf_counter() - t0) * 1000
    while time.perf_counter() - t0 < 30:
        pipe = r.pipeline()
        for u in followers:
            pipe.zscore(f"sg:feed:{u}", pid)
        if all(s is not None for s in pipe.execute()):
            break
        time.sleep(0.02)
    done_s = time.perf_counter() - t0
    res = {"author_followers": author["degree"] // 2, "active_followers": len(followers),
           "create_ms": round(created_ms, 1), "visible_in_all_s": round(done_s, 2),
           "rebuild_1000_feeds_s": round(rebuild_s, 1), "queued_jobs_at_start": backlog}
    print(f"fan-out: {res}", flush=True)
    return res


def _timed(fn, n):
    """Percentiles of ``n`` calls; a call that raises (a store timeout) counts in ``errors``."""
    ms, errors = [], 0
    for _ in range(n):
        t = time.perf_counter()
        try:
            fn()
        except Exception:  # noqa: BLE001 - a benchmark records failures, it does not stop
            errors += 1
        ms.append((time.perf_counter() - t) * 1000)
    return {"p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2), "p99": round(percentile(ms, 99), 2),
            "max": round(max(ms), 1), "errors": errors}


def store_calls(data) -> dict:
    """The store calls a home feed page makes, each timed alone (in process)."""
    from bson import ObjectId

    from socialgraph import stores
    from socialgraph.feeds import home as feeds

    r, db = stores.cache(), stores.mongo()
    readers = data["readers"]
    out = {}
    it = iter(range(10 ** 9))

    def pick():
        return readers[next(it) % len(readers)]

    out["redis feed page (ZREVRANGE 20)"] = _timed(lambda: r.zrevrange(f"sg:feed:{pick()['uid']}", 0, 20), 300)
    ids = []
    for u in readers:
        members = [m.decode() if isinstance(m, bytes) else str(m) for m in r.zrevrange(f"sg:feed:{u['uid']}", 0, 20)]
        ids.append([ObjectId(m) for m in members if m != "-"] or [ObjectId()])
    k = iter(range(10 ** 9))
    out["mongo find 20 posts by _id"] = _timed(lambda: list(db.posts.find({"_id": {"$in": ids[next(k) % len(ids)]}})),
                                              300)
    out["mongo find_one post by _id"] = _timed(lambda: db.posts.find_one({"_id": ids[0][0]}) if ids[0] else None, 300)
    light = [u for u in readers if len(u["followees"]) <= 500]
    heavy = [u for u in readers if len(u["followees"]) > 500]
    li, hi = iter(range(10 ** 9)), iter(range(10 ** 9))
    out["mongo home feed fan-out on read ($in <= 500 authors, sort, limit 20)"] = _timed(
        lambda: list(db.posts.find({"author_id": {"$in": light[next(li) % len(light)]["followees"]}})
                     .sort([("created_at", -1), ("_id", -1)]).limit(20)), 100)
    if heavy:
        out[f"mongo home feed fan-out on read ($in 500..{max(len(u['followees']) for u in heavy)} authors)"] = _timed(
            lambda: list(db.posts.find({"author_id": {"$in": heavy[next(hi) % len(heavy)]["followees"]}})
                         .sort([("created_at", -1), ("_id", -1)]).limit(20)), min(20, 2 * len(heavy)))
    out["bolt following uids"] = _timed(
        lambda: stores.graph().read("graph/follows/list_following_uids", uid=pick()["uid"]), 100)
    out["service home_feed (in process)"] = _timed(lambda: feeds.home_feed(pick()["uid"], None, 20), 200)
    for k2, v in out.items():
        print(f"store call {k2}: {v}", flush=True)
    return out


def graph_alone(data) -> dict:
    import networkx as nx

    from socialgraph import stores
    from socialgraph.graph import friends, suggestions
    from socialgraph.importers.musae import read_edges

    t = time.perf_counter()
    G = nx.Graph()
    G.add_edges_from(read_edges(MUSAE_DIR))
    build_s = time.perf_counter() - t
    from socialgraph.importers import import_uid
    node_of = {import_uid("musae-github", n): n for n in G.nodes}
    ranked = data["ranked"]
    # 10 high-degree users (ranks 50..59: hundreds of friends; the very top, up to 9,458
    # friends, take seconds each on demand and are served precomputed) + 40 random users
    sample = [r["uid"] for r in ranked[50:60]] + [r["uid"] for r in random.sample(ranked, 40)]
    g = stores.graph()

    def nx_suggest(n):
        counts = {}
        nb = set(G[n])
        for f in nb:
            for s in G[f]:
                if s != n and s not in nb:
                    counts[s] = counts.get(s, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]

    def t_each(fn, items):
        ms = []
        for x in items:
            t0 = time.perf_counter()
            fn(x)
            ms.append((time.perf_counter() - t0) * 1000)
        return {"p50": round(percentile(ms, 50), 3), "p95": round(percentile(ms, 95), 3),
                "p99": round(percentile(ms, 99), 3)}

    pairs = []
    for u in sample:
        fof = g.read("graph/suggestions/list_friend_suggestions", uid=u, limit=5)
        pairs += [(u, row.get("uid") or row.get("user", {}).get("uid")) for row in fof[:2]]
    pairs = [p for p in pairs if p[1] in node_of]
    far = [(random.choice(sample), random.choice(ranked)["uid"]) for _ in range(60)]
    uname = {r["uid"]: r["username"] for r in ranked}
    out = {
        "suggestions (compute on demand)": {"db": t_each(suggestions.compute, sample),
                                            "networkx": t_each(lambda u: nx_suggest(node_of[u]), sample)},
        "mutual friend count": {"db": t_each(lambda p: friends.mutual_count(*p), pairs),
                                "networkx": t_each(lambda p: len(list(nx.common_neighbors(G, node_of[p[0]],
                                                                                          node_of[p[1]]))), pairs)},
        "shortest path (<= 4 hops)": {"db": t_each(lambda p: friends.connection(p[0], uname[p[1]]), far),
                                      "networkx": t_each(lambda p: _nx_path(nx, G, node_of[p[0]], node_of[p[1]]), far)},
        "networkx_build_s": round(build_s, 2), "users": len(sample), "pairs": len(pairs), "path_pairs": len(far),
    }
    print(f"graph alone: {json.dumps(out)}", flush=True)
    return out


def _nx_path(nx, G, a, b):
    try:
        p = nx.shortest_path(G, a, b)
        return p if len(p) <= 5 else None
    except nx.NetworkXNoPath:
        return None


# ---------------------------------------------------------------- peer

class Postgres:
    """PostgreSQL 15 from Debian on a temp dir, run as the postgres user."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sg-peer-pg-"))
        os.chmod(self.dir, 0o777)
        self.port = _free_port()
        shutil.chown(self.dir, "postgres")
        self._run(PG_BIN / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres")
        self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-l", self.dir / "pg.log", "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB "
                  f"-c max_connections=200 -c fsync=off", "start")
        self._run(PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  "CREATE DATABASE peer")
        self.started = True

    def _run(self, *cmd):
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, cmd)], check=True,
                       stdout=subprocess.DEVNULL, cwd=self.dir)

    def pids(self) -> dict:
        pid = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        return {"postgres": pid}

    def stop(self):
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def peer_python() -> str:
    venv = PEER / ".venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(PEER / "requirements.txt")], check=True)
    return str(py)


def run_peer(pg: Postgres, data, args, stack) -> dict:
    from socialgraph import stores
    from socialgraph.importers import import_uid
    from socialgraph.importers.musae import read_edges, read_targets, usernames

    py = peer_python()
    tsv = Path(tempfile.mkdtemp(prefix="sg-peer-tsv-"))
    targets = read_targets(MUSAE_DIR)
    edges = read_edges(MUSAE_DIR)
    names = usernames(targets)
    pid_of = {import_uid("musae-github", n): n + 1 for n in targets}
    with open(tsv / "users.tsv", "w") as fh:
        for n, u in names.items():
            fh.write(f"{n + 1}\t{u}\n")
        for i, r in enumerate(data["readers"]):
            pid_of[r["uid"]] = 100000 + i
            fh.write(f"{100000 + i}\t{r['username']}\n")
    with open(tsv / "follows.tsv", "w") as fh:
        for a, b in {tuple(sorted(e)) for e in edges}:
            fh.write(f"{a + 1}\t{b + 1}\n{b + 1}\t{a + 1}\n")
        for r in data["readers"]:  # mutual, as in mirror_models
            for f in r["followees"]:
                if f not in pid_of:  # not a MUSAE user (e.g. a Stack Exchange author): not in the peer
                    continue
                fh.write(f"{pid_of[r['uid']]}\t{pid_of[f]}\n{pid_of[f]}\t{pid_of[r['uid']]}\n")
    n_posts = 0
    app_ctx = None  # noqa: F841
    with open(tsv / "posts.tsv", "w") as fh:
        for p in stores.mongo().posts.find({"source_key": {"$exists": True}},
                                               {"author_id": 1, "created_at": 1, "text": 1}):
            if p["author_id"] in pid_of:
                text = " ".join((p.get("text") or "").split()).replace("\\", "/")
                fh.write(f"{pid_of[p['author_id']]}\t{p['created_at'].replace(tzinfo=None).isoformat()}+00:00\t{text}\n")
                n_posts += 1
    keys = [secrets.token_hex(20) for _ in data["readers"]]
    with open(tsv / "tokens.tsv", "w") as fh:
        for k, r in zip(keys, data["readers"]):
            fh.write(f"{k}\t{pid_of[r['uid']]}\n")
    penv = {"PEER_PG_HOST": "127.0.0.1", "PEER_PG_PORT": str(pg.port), "PEER_PG_DB": "peer",
            "DJANGO_SETTINGS_MODULE": "peer.settings", "PYTHONPATH": str(PEER)}
    t = time.perf_counter()
    out = subprocess.run([py, str(PEER / "load.py"), str(tsv)], env={**os.environ, **penv}, cwd=PEER,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    load_s = time.perf_counter() - t
    shutil.rmtree(tsv, ignore_errors=True)
    print(out.stdout.strip(), flush=True)
    port = _free_port()
    server = subprocess.Popen(
        [py, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(THREADS), "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "peer.wsgi:application"],
        env={**os.environ, **penv}, cwd=PEER)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/api/feed/", headers={"Authorization": f"Token {keys[0]}"}, timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        data_file = RESULTS / "locust_peer.json"
        data_file.write_text(json.dumps({"tokens": [f"Token {k}" for k in keys], "post_ids": [],
                                         "usernames": data["usernames"]}))
        for k in keys:
            requests.get(f"{base}/api/feed/", headers={"Authorization": f"Token {k}"}, timeout=60)
        steps = run_steps(base, data_file, "peer", args, {"gunicorn (peer)": server.pid, **pg.pids()})
        db_mb = du(pg.dir / "data") / 1e6
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"load_s": round(load_s, 1), "posts": n_posts, "pg_data_mb": round(db_mb, 1),
            "load_output": out.stdout.strip(), "steps": steps}


# ---------------------------------------------------------------- report

def report() -> None:
    print("\n==== summary (ms; req/s) ====")
    ceiling = RESULT.get("ceiling", {})
    for which in ("home", "reads", "mix"):
        for users, step in RESULT.get(which, {}).items():
            ping = ceiling.get(users, {}).get("ops", {}).get("ping", {}).get("rps") or float("nan")
            peer = RESULT.get("peer", {}).get("steps", {}).get(users, {}).get("ops", {}) if which == "reads" else {}
            print(f"-- {which}, {users} clients (ceiling {ping} req/s)")
            for op, o in step["ops"].items():
                pr = peer.get(op)
                vs = f"  p95 ours/peer {o['p95'] / pr['p95']:.2f}" if pr and pr["p95"] else ""
                print(f"{op:<15} {o['rps']:>7} req/s ({o['rps'] / ping:.3f} of ceiling)  p50 {o['p50']:>6}  "
                      f"p95 {o['p95']:>6}  p99 {o['p99']:>6}  errors {o['errors']}{vs}")


if __name__ == "__main__":
    main()
