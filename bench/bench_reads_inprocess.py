"""Where one read's time goes on MUSAE, in one process (issue 22, session 6;
prints figures, not a test): ``GET /api/v1/users/<random MUSAE user>`` (as
``bench/locust_scale.py`` ReadsUser picks them) and ``GET /api/v1/feeds/home?limit=20``
of the load's readers, one after the other through the WSGI test client.

Per kind: wall and thread-CPU p50/p95/mean (ms), store round trips per
request (``bolt`` queries, ``redis`` commands and scripts, ``redis-pipe``
pipelines, ``mongo`` commands), the wall time spent in each store's calls, each
Bolt query's rate and mean wall time, and the home page's
``socialgraph.feeds.home.WARM_MISSES`` reasons.

Usage: ``python bench/bench_reads_inprocess.py DATA_DIR N [cprofile]`` from the
repo root, DATA_DIR a copy of ``bench_scale.py --data-dir D --load-only``'s
``D.pristine`` with ``D/bench-load.json`` (the run writes to it: copy again for
a clean run). Env: ``KINDS`` (``profile,home``), ``NREADERS`` (128), ``SEED`` (7),
``WARM_GRAPH`` (0: runs of ``bench_scale.warm_profile_query`` before measuring,
which warm the graph server's JVM as ``bench_scale.py`` does before its load).
"""
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.getcwd())
from bench.common import app_config_from_stack, percentile
from socialgraph.app import create_app
from socialgraph.stores.localstack import LocalStack

data_dir = Path(sys.argv[1]); n = int(sys.argv[2]); prof = len(sys.argv) > 3
stack = LocalStack(root=data_dir).start()
app = create_app(app_config_from_stack(stack, RQ_ASYNC=False, JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1),
                                       RATELIMIT_ENABLED=False))
data = json.loads((data_dir / "bench-load.json").read_text())
client = app.test_client(); ctx = app.app_context(); ctx.push()

# store timing
import redis.client
import redis.commands.core
from pymongo import monitoring

from socialgraph.stores import graphdb

T = defaultdict(float); C = Counter(); BOLTQ = Counter(); BOLTT = defaultdict(float)
orig_exec = redis.client.Redis.execute_command
def execute_command(self, *a, **kw):
    t = time.perf_counter()
    try:
        return orig_exec(self, *a, **kw)
    finally:
        T["redis"] += time.perf_counter() - t; C["redis"] += 1
redis.client.Redis.execute_command = execute_command
orig_pipe = redis.client.Pipeline.execute
def pexecute(self, *a, **kw):
    t = time.perf_counter()
    try:
        return orig_pipe(self, *a, **kw)
    finally:
        T["redis"] += time.perf_counter() - t; C["redis-pipe"] += 1
redis.client.Pipeline.execute = pexecute
class L(monitoring.CommandListener):
    def started(self, e): C["mongo"] += 1
    def succeeded(self, e): T["mongo"] += e.duration_micros / 1e6
    def failed(self, e): pass
monitoring.register(L())
orig_read = graphdb.GraphStore.read
def gread(self, name, **p):
    t = time.perf_counter()
    try:
        return orig_read(self, name, **p)
    finally:
        d = time.perf_counter() - t
        T["bolt"] += d; C["bolt"] += 1; BOLTQ[name] += 1; BOLTT[name] += d
graphdb.GraphStore.read = gread

from bench import bench_scale

toks = []
for r in data["readers"][:int(os.environ.get("NREADERS", "128"))]:
    resp = client.post("/api/v1/auth/login", json={"login": r["username"], "password": bench_scale.PASSWORD})
    toks.append({"Authorization": f"Bearer {resp.get_json()['access_token']}"})
from socialgraph.feeds import home as feeds

for h in toks:  # warm: feed sets built (RQ inline), then read once more
    client.get("/api/v1/feeds/home?limit=20", headers=h)
    client.get("/api/v1/feeds/home?limit=20", headers=h)
if int(os.environ.get("WARM_GRAPH", "0")):
    print(f"warm_profile_query: {bench_scale.warm_profile_query(data, int(os.environ['WARM_GRAPH'])):.1f} s")
names = data["usernames"]; rng = random.Random(int(os.environ.get("SEED", "7")))

def run(kind, k):
    walls, cpus = [], []
    T.clear(); C.clear(); BOLTQ.clear(); BOLTT.clear(); feeds.WARM_MISSES.clear()
    for i in range(k):
        h = rng.choice(toks)
        url = f"/api/v1/users/{rng.choice(names)}" if kind == "profile" else "/api/v1/feeds/home?limit=20"
        w0, c0 = time.perf_counter(), time.thread_time()
        r = client.get(url, headers=h)
        cpus.append((time.thread_time() - c0) * 1000); walls.append((time.perf_counter() - w0) * 1000)
        assert r.status_code in (200, 404), (r.status_code, r.get_data()[:300])
    print(f"{kind:8s} n={k} wall p50 {percentile(walls,50):.2f} p95 {percentile(walls,95):.2f} mean {sum(walls)/k:.2f} | "
          f"cpu p50 {percentile(cpus,50):.2f} mean {sum(cpus)/k:.2f} ms | per req: "
          + ", ".join(f"{s} {C[s]/k:.2f} trips" for s in sorted(C)) + " | wall ms/req: "
          + ", ".join(f"{s} {T[s]*1000/k:.2f}" for s in sorted(T)))
    for q in BOLTQ:
        print(f"   bolt {q}: {BOLTQ[q]/k:.2f}/req, {BOLTT[q]*1000/BOLTQ[q]:.2f} ms each")
    if feeds.WARM_MISSES:
        print("   WARM_MISSES", dict(feeds.WARM_MISSES))

for kind in os.environ.get("KINDS", "profile,home").split(","):
    run(kind, n)
if prof:
    pr = cProfile.Profile(); pr.enable()
    for _ in range(n):
        client.get(f"/api/v1/users/{rng.choice(names)}", headers=rng.choice(toks))
    pr.disable(); s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(45); print(s.getvalue()[:9000])
stack.stop()
