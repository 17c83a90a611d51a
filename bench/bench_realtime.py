#!/usr/bin/env python
"""Benchmark of issue 6 on real data (prints figures; not a test).

1. starts the local real servers in a temp dir and imports the full
   ego-Facebook graph (4,039 users, 176,468 follows) and the beer Stack
   Exchange dump (591 posts);
2. **home feed, 50 concurrent clients**: 50 new accounts copy the follow
   lists of 50 imported users spread over the degree ranking; each client
   thread reads GET /feeds/home?limit=20 in a loop. Run twice against
   gunicorn (2 gthread workers): fan-out on read (``SG_FEED_FANOUT=false``,
   the previous implementation) and fan-out on write (Redis sets, after
   the rebuild of each reader's set);
3. **post-to-notification latency**: a user holds a WebSocket; another user
   reacts (PUT /posts/{id}/reaction) to N of the first user's posts, one at a
   time; the time from sending the REST call to receiving the
   ``notification`` frame (through RQ workers and Redis pub/sub);
4. **concurrent WebSocket connections** held by one gunicorn process
   (1 gthread worker, ``--threads`` = target) and the worker's RSS per connection;
5. **fan-out throughput** for the imported user with the most followers
   trimmed to exactly 1,000 active followers: followers' feeds written per second
   (the batch jobs run in this process, as a worker would run them);
6. **the stream service** (``--only stream``, no data import; issue 18): one
   gunicorn process with the gevent worker, as the ``stream`` service of
   docker-compose runs it, holding ``--idle-sockets`` (10,000) idle WebSockets
   from a gevent client process (``bench/stream_clients.py``): handshake time,
   worker RSS per socket, the worker's CPU while they sit idle, pings; then
   with ``--stream-receivers`` (1,000) connected, one notification published
   to each user through Redis (as jobs publish) at ``--publish-rate`` per
   second: publish-to-frame latency.

Usage: ``python bench/bench_realtime.py [--events 500] [--connections 1000] [--requests 1000]``;
``python bench/bench_realtime.py --only stream [--idle-sockets 10000]`` for the stream service alone.
SecantusDB stands in for MongoDB and is much slower than mongod (about 1 ms per
indexed find, 600 inserts/s): MongoDB-bound figures are an upper bound.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.common import (  # noqa: E402
    REPO,
    SHARED_DATA,
    app_config_from_stack,
    percentile,
    start_gunicorn,
    summary,
)

PASSWORD = "benchmark password"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000, help="home feed reads per mode")
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--rq-workers", type=int, default=2)
    ap.add_argument("--skip", action="append", default=[], choices=["home", "notify", "connections", "fanout"])
    ap.add_argument("--only", choices=["stream"], help="run only this part (stream: no data import)")
    ap.add_argument("--idle-sockets", type=int, default=10_000)
    ap.add_argument("--stream-receivers", type=int, default=1_000)
    ap.add_argument("--publish-rate", type=float, default=200.0, help="notifications per second")
    ap.add_argument("--connect-budget", type=float, default=900.0,
                    help="seconds allowed for opening the idle sockets (the machine may be shared)")
    args = ap.parse_args()
    if args.only == "stream":
        bench_stream(args)
        return

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench6-"))).start()
    procs: list = []
    try:
        config, env = app_config_from_stack(stack), stack.env()
        app = create_app({**config, "RQ_ASYNC": False})
        readers, star = prepare(app, args)
        rq_workers = [start_worker(env) for _ in range(args.rq_workers)]
        procs += rq_workers
        for name, fn in (("home", lambda: bench_home(env, readers, args)),
                         ("notify", lambda: bench_notifications(app, env, args)),
                         ("connections", lambda: bench_connections(env, args)),
                         ("fanout", lambda: bench_fanout(app, star))):
            if name not in args.skip:
                fn()
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
        stack.stop()


def start_worker(env):
    import subprocess

    return subprocess.Popen([sys.executable, "-m", "socialgraph", "worker"], env={**os.environ, **env},
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepare(app, args):
    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.importers.snap import SOURCE, import_snap_facebook
    from socialgraph.importers.stackexchange import import_stackexchange
    from socialgraph.stores.schema import ensure_all

    with app.app_context():
        ensure_all()
        t = time.perf_counter()
        snap = import_snap_facebook(SHARED_DATA / "snap_ego_facebook")
        se = import_stackexchange(SHARED_DATA / "stackexchange_beer")
        print(f"data: {snap['users']:,} users, {snap['follows']:,} follows, {se['posts']:,} posts, "
              f"{se['comments']:,} comments imported in {time.perf_counter() - t:.1f} s")
        ranked = stores.graph().read("importers/list_users_by_degree", source=SOURCE)
        step = max(1, len(ranked) // args.clients)
        models = [ranked[i] for i in range(0, len(ranked), step)][: args.clients]
        readers = []
        for i, model in enumerate(models):
            name = f"reader_{i}"
            acc = accounts.register(name, f"{name}@bench.test", PASSWORD)
            followees = [r["uid"] for r in stores.graph().read("graph/follows/list_following_uids", uid=model["uid"])]
            for chunk in range(0, len(followees), 2000):
                rows = [{"a": acc["uid"], "b": f} for f in followees[chunk:chunk + 2000]]
                stores.graph().write("importers/merge_follows", rows=rows, created_at=acc["created_at"])
            readers.append((name, len(followees)))
        sizes = sorted(n for _, n in readers)
        print(f"{len(readers)} readers follow {sizes[0]}..{sizes[-1]} users (median {sizes[len(sizes) // 2]})")
        return readers, ranked[0]


def login(base, name):
    r = requests.post(f"{base}/auth/login", json={"login": name, "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


def bench_home(env, readers, args):
    from socialgraph.stores.localstack import free_port

    print(f"\nhome feed: {args.clients} concurrent clients, {args.requests} reads per mode, "
          f"gunicorn 2 workers x 32 threads")
    for mode in ("false", "true"):
        port = free_port()
        server = start_gunicorn({**env, "SG_FEED_FANOUT": mode}, port, workers=2, threads=32)
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            tokens = [login(base, name) for name, _ in readers]
            # warm-up; with fan-out on, wait until every reader's set is rebuilt
            deadline = time.monotonic() + 300
            pending = set(range(len(tokens)))
            while pending and time.monotonic() < deadline:
                for i in list(pending):
                    r = requests.get(f"{base}/feeds/home", headers={"Authorization": f"Bearer {tokens[i]}"},
                                     timeout=60)
                    r.raise_for_status()
                    if not r.json().get("rebuilding"):
                        pending.discard(i)
                time.sleep(0.2)
            per = args.requests // len(tokens)
            lat: list[float] = []
            lock = threading.Lock()

            def client(tok):
                s = requests.Session()
                mine = []
                for _ in range(per):
                    t0 = time.perf_counter()
                    r = s.get(f"{base}/feeds/home", params={"limit": 20},
                              headers={"Authorization": f"Bearer {tok}"}, timeout=60)
                    mine.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()
                with lock:
                    lat.extend(mine)

            t = time.perf_counter()
            with ThreadPoolExecutor(len(tokens)) as ex:
                list(ex.map(client, tokens))
            wall = time.perf_counter() - t
            label = "fan-out on write" if mode == "true" else "fan-out on read (before)"
            print(summary(f"GET /feeds/home {label}", lat) + f"  ({len(lat) / wall:.0f} req/s)")
        finally:
            stop(server)


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=40)
    except Exception:
        server.kill()
        server.wait()


def wait_queue_empty(app, timeout=600):
    """Wait until the RQ queue holds no waiting or running job."""
    from rq.registry import StartedJobRegistry

    from socialgraph import stores

    with app.app_context():
        q = stores.tasks().queue()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if q.count == 0 and StartedJobRegistry(queue=q).count == 0:
                return
            time.sleep(0.5)


def bench_notifications(app, env, args):
    import simple_websocket

    from socialgraph.stores.localstack import free_port

    port = free_port()
    server = start_gunicorn(env, port, workers=2, threads=32)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        owner, actor = "reader_0", "reader_1"
        tok_owner, tok_actor = login(base, owner), login(base, actor)
        h_owner, h_actor = ({"Authorization": f"Bearer {t}"} for t in (tok_owner, tok_actor))
        s = requests.Session()
        posts = [s.post(f"{base}/posts", json={"text": f"bench post {i}"}, headers=h_owner, timeout=30).json()["id"]
                 for i in range(args.events)]
        wait_queue_empty(app)  # the posts' fan-out jobs are done: measure a quiet queue
        ws = simple_websocket.Client.connect(f"ws://127.0.0.1:{port}/api/v1/stream", headers=h_owner)
        json.loads(ws.receive(timeout=10))  # hello
        lat = []
        t_all = time.perf_counter()
        for pid in posts:
            t0 = time.perf_counter()
            s.put(f"{base}/posts/{pid}/reaction", json={"type": "like"}, headers=h_actor, timeout=30).raise_for_status()
            while True:
                raw = ws.receive(timeout=30)
                if raw is None:
                    raise RuntimeError("no notification within 30 s")
                frame = json.loads(raw)
                if frame["type"] == "notification" and frame["notification"]["object"].get("target") == f"post:{pid}":
                    break
            lat.append((time.perf_counter() - t0) * 1000)
        ws.close()
        print(f"\npost-to-notification over WebSocket ({args.events} reactions, REST -> RQ worker -> Redis "
              f"pub/sub -> socket; {args.rq_workers} RQ workers, {time.perf_counter() - t_all:.1f} s):")
        print(summary("reaction -> notification", lat))
    finally:
        stop(server)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench_connections(env, args):
    import subprocess

    import simple_websocket

    from socialgraph.stores.localstack import free_port

    port = free_port()
    n = args.connections
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(n + 8),
         "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
         "socialgraph.app:create_app()"], env={**os.environ, **env}, cwd=REPO)
    base = f"http://127.0.0.1:{port}/api/v1"
    clients = []
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        worker_pid = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
        token = login(base, "reader_2")
        headers = {"Authorization": f"Bearer {token}"}
        # one warm connection, then measure from there
        first = simple_websocket.Client.connect(f"ws://127.0.0.1:{port}/api/v1/stream", headers=headers)
        first.receive(timeout=10)
        clients.append(first)
        time.sleep(1)
        rss0 = _rss_kb(worker_pid)
        t = time.perf_counter()
        failed = 0
        for _ in range(n - 1):
            try:
                c = simple_websocket.Client.connect(f"ws://127.0.0.1:{port}/api/v1/stream", headers=headers)
                if c.receive(timeout=10) is None:
                    failed += 1
                clients.append(c)
            except Exception:
                failed += 1
        elapsed = time.perf_counter() - t
        time.sleep(2)
        rss1 = _rss_kb(worker_pid)
        # are they all alive? one publish reaches every socket of the user
        alive = 0
        ping_ok = 0
        for c in clients[:50]:
            c.send(json.dumps({"type": "ping"}))
        for c in clients[:50]:
            if c.receive(timeout=10):
                ping_ok += 1
        alive = sum(1 for c in clients if c.connected)
        held = len(clients)
        print(f"\nconcurrent WebSockets on one gunicorn gthread process ({n + 8} threads): "
              f"{held} opened in {elapsed:.1f} s ({failed} failed), {alive} still open, "
              f"{ping_ok}/50 answered a ping")
        print(f"worker RSS {rss0 / 1024:.1f} MiB -> {rss1 / 1024:.1f} MiB: "
              f"{(rss1 - rss0) / max(held - 1, 1):.1f} KiB per connection")
    finally:
        for c in clients:
            try:
                c.close()
            except Exception:
                pass
        stop(server)


def bench_stream(args):
    """Part 6: the stream service on gevent (see the module docstring)."""
    import subprocess
    import uuid

    import psutil

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack, free_port

    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so `timeout` still stops every child
    stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench-stream-")))
    # the stream needs Redis (revocation cache, pub/sub, presence) and, since sessions are durable
    # (issue 16), MongoDB for a session whose cached verdict is missing or expired (every 5 min)
    stack._start_redis()
    stack._start_mongo()
    stack._wait_redis(time.monotonic() + 60)
    stack._wait_mongo(time.monotonic() + 90)
    redis_url, mongo_uri = stack.env()["SG_REDIS_URL"], stack.env()["SG_MONGO_URI"]
    secret = "bench-stream-jwt-secret-" + uuid.uuid4().hex
    port = free_port()
    env = {**os.environ, "SG_REDIS_URL": redis_url, "SG_MONGO_URI": mongo_uri, "SG_JWT_SECRET": secret,
           "SG_RATELIMIT_ENABLED": "false", "SG_JWT_ACCESS_SECONDS": "3600"}
    server = client = None
    try:
        for _ in range(100):
            try:
                import redis as _redis

                _redis.Redis.from_url(redis_url).ping()
                break
            except Exception:
                time.sleep(0.1)
        app = create_app({"REDIS_URL": redis_url, "MONGO_URI": mongo_uri, "JWT_SECRET_KEY": secret,
                          "RATELIMIT_ENABLED": False})
        from flask_jwt_extended import create_access_token

        from socialgraph import stores
        from socialgraph.accounts import sessions
        from socialgraph.core import clock

        with app.app_context():
            people = [(uuid.uuid4().hex, uuid.uuid4().hex) for _ in range(args.idle_sockets)]
            now = clock.now()
            # real accounts and sessions, as a sign-in leaves them (the stream checks them)
            stores.mongo().accounts.insert_many([{"_id": uid, "status": "active"} for uid, _ in people])
            for uid, sid in people:
                sessions.create(uid, sid, "127.0.0.1", "bench", at=now)
            tokens = [[uid, create_access_token(identity=uid, additional_claims={
                "sid": sid, "auth_ms": sessions.now_ms()})] for uid, sid in people]
        spec = Path(tempfile.mkdtemp(prefix="sg-bench-stream-spec-")) / "clients.json"
        spec.write_text(json.dumps({"url": f"ws://127.0.0.1:{port}/api/v1/stream", "redis_url": redis_url,
                                    "tokens": tokens}))
        # the stream service's command in docker-compose.yml
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "1",
             "--worker-connections", str(args.idle_sockets + 1000), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "--no-control-socket", "wsgi:app"], env=env, cwd=REPO)
        for _ in range(300):
            try:
                requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        worker = psutil.Process(server.pid).children()[0]
        client = subprocess.Popen([sys.executable, str(REPO / "bench" / "stream_clients.py"), str(spec)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)

        def ask(line):
            client.stdin.write(line + "\n")
            client.stdin.flush()
            return json.loads(client.stdout.readline())

        print(f"\nstream service: gunicorn, 1 gevent worker (pid {worker.pid}); "
              f"client: one gevent process; loopback; shared 2-core machine")
        ask("connect 1")
        time.sleep(1)
        rss0 = worker.memory_info().rss
        got = ask(f"connect {args.stream_receivers}")
        print(f"{got['connected']:,} connected ({got['failed']} failed) in {got['seconds']:.1f} s")
        res = ask(f"publish {args.stream_receivers} {args.publish_rate}")
        print(summary(f"notify, {got['connected']:,} held", res["latencies_ms"])
              + f"  missing={res['missing']} client GC {res['client_gc_ms']:.0f} ms")
        got = ask(f"connect {args.idle_sockets} {args.connect_budget}")
        time.sleep(3)
        rss1 = worker.memory_info().rss
        print(f"idle sockets: {got['connected']:,} connected ({got['failed']} failed {got['errors']}); "
              f"the last {got['connected'] - args.stream_receivers:,} in {got['seconds']:.1f} s "
              f"(budget {args.connect_budget:.0f} s)")
        print(f"worker RSS {rss0 / 2**20:.0f} MiB -> {rss1 / 2**20:.0f} MiB: "
              f"{(rss1 - rss0) / 1024 / max(got['connected'] - 1, 1):.1f} KiB per socket")
        c0, t0 = worker.cpu_times(), time.monotonic()
        time.sleep(20)
        c1, t1 = worker.cpu_times(), time.monotonic()
        busy = (c1.user + c1.system - c0.user - c0.system) / (t1 - t0)
        print(f"worker CPU with {got['connected']:,} idle sockets: {100 * busy:.1f} % of one core (20 s)")
        pongs = ask("ping 100")["pongs"]
        print(f"pings answered: {pongs}/100 (while {got['connected']:,} are held)")
        res = ask(f"publish {args.stream_receivers} {args.publish_rate}")
        print(summary(f"notify, {got['connected']:,} held", res["latencies_ms"])
              + f"  missing={res['missing']} client GC {res['client_gc_ms']:.0f} ms")
        client.stdin.write("quit\n")
        client.stdin.flush()
    finally:
        for p in (client, server):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        stack.stop()


def bench_fanout(app, star):
    from socialgraph import stores
    from socialgraph.content import posts
    from socialgraph.feeds import home as feeds

    with app.app_context():
        followers = [u for batch in feeds.follower_batches(star["uid"], 1000) for u in batch][:1000]
        # exactly 1,000 active followers: trim the star's other followers off, make 1,000 feeds exist
        rest = [u for batch in feeds.follower_batches(star["uid"], 5000) for u in batch][1000:]
        for u in rest:
            stores.graph().write("graph/follows/delete_follow", follower=u, followee=star["uid"])
        r = stores.cache()
        pipe = r.pipeline()
        for u in followers:
            pipe.zadd(feeds.FEED_KEY.format(uid=u), {feeds.COMPLETE: 0})
            pipe.expire(feeds.FEED_KEY.format(uid=u), 3600)
        pipe.execute()
        print(f"\nfan-out for {star['username']} with {len(followers):,} active followers "
              f"(batches of {app.config['FEED_FANOUT_BATCH']}, jobs run inline here):")
        rates = []
        for i in range(5):
            post = posts.create_post(star["uid"], f"fan-out bench {i}")  # fan-out runs inline (RQ_ASYNC off)
            pid = post["id"]
            missing = [u for u in followers if r.zscore(feeds.FEED_KEY.format(uid=u), pid) is None]
            assert not missing, f"{len(missing)} feeds without the post"
            t = time.perf_counter()
            feeds.fanout_post(pid, star["uid"])  # again, timed (idempotent: same writes)
            elapsed = time.perf_counter() - t
            rates.append(len(followers) / elapsed)
        print(f"followers written per second: p50 {percentile(rates, 50):,.0f}, "
              f"min {min(rates):,.0f}, max {max(rates):,.0f} (5 posts)")


if __name__ == "__main__":
    main()
