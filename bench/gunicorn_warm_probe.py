"""Gunicorn config (bench only, ``bench/bench_hot.py --warm-probe``): per
request of the API's workers, whether each read left its one-round-trip warm
path and why, under the real concurrent load (not a test; not for production).

Every gthread request runs ``pre_request``, the app and ``post_request`` in one
thread, so the store round trips (``bench.common.count_round_trips``) and the
warm paths' miss reasons (``socialgraph.feeds.home._miss``,
``socialgraph.content.warm._miss``) are counted per thread and attributed to
the request, while the file ``$BENCH_PROBE_DIR/on`` exists (the bench makes
it for the load's duration, holding the load's label). Each worker writes ``$BENCH_PROBE_DIR/probe-<pid>.json`` every
200 requests and at exit: ``{"<label>/<route>": {"n", "warm", "cpu_ms" (thread CPU of the
requests, summed), "reasons": {reason: n},
"trips": {store: n}, "queries": {graph query or mongo command: n}}}``.

A read is **warm** when it made exactly one Redis round trip and no MongoDB
or graph one. Its reason when not: the warm path's miss reasons, else (profile,
suggestions: no reason counters) the graph queries and MongoDB commands it made.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter, defaultdict

_local = threading.local()
_lock = threading.Lock()
_agg: dict = defaultdict(lambda: {"n": 0, "warm": 0, "cpu_ms": 0.0, "reasons": Counter(), "trips": Counter(),
                                  "queries": Counter()})
_done = [0]
#: per request of each route: (wall ms, thread CPU ms, warm, mongo ms, redis ms, bolt ms, written ms, miss reason)
_samples: dict = defaultdict(list)

ROUTES = [("GET", re.compile(r"^/api/v1/feeds/home$"), "home_feed"),
          ("GET", re.compile(r"^/api/v1/posts/[^/]+$"), "post"),
          ("GET", re.compile(r"^/api/v1/posts/[^/]+/comments$"), "post_comments"),
          ("GET", re.compile(r"^/api/v1/users/[^/]+$"), "profile"),
          ("GET", re.compile(r"^/api/v1/me/suggestions$"), "suggestions"),
          ("POST", re.compile(r"^/api/v1/posts$"), "create_post"),
          ("PUT", re.compile(r"^/api/v1/posts/[^/]+/reaction$"), "react"),
          ("POST", re.compile(r"^/api/v1/posts/[^/]+/comments$"), "comment")]
READS = {"home_feed", "post", "post_comments", "profile", "suggestions"}


class _PerThread:
    """A Counter-like view of the current thread's counts."""

    def __getitem__(self, k):
        return _counts()[k]

    def __setitem__(self, k, v):
        _counts()[k] = v


def _counts() -> Counter:
    c = getattr(_local, "counts", None)
    if c is None:
        c = _local.counts = Counter()
        _local.reasons = Counter()
        _local.queries = Counter()
        _local.waits = Counter()
    return c


def _install() -> None:
    from pymongo import monitoring

    from bench.common import count_round_trips
    from socialgraph.content import warm
    from socialgraph.feeds import home
    from socialgraph.stores import graphdb

    count_round_trips(_PerThread())
    import redis.connection

    from socialgraph.content import postcache

    rr = redis.connection.AbstractConnection.read_response

    def read_response(self, *a, _rr=rr, **kw):  # the wait for a Redis reply (the send is not waited on)
        t = time.perf_counter()
        try:
            return _rr(self, *a, **kw)
        finally:
            _counts()
            _local.waits["redis"] += time.perf_counter() - t

    redis.connection.AbstractConnection.read_response = read_response
    wr = postcache.written

    def written(*a, _wr=wr, **kw):  # a writer's window: from the copies' drop to their rebuild
        t = time.perf_counter()
        try:
            return _wr(*a, **kw)
        finally:
            _counts()
            _local.waits["written"] += time.perf_counter() - t

    postcache.written = written
    for mod, prefix in ((home, "home"), (warm, "warm")):
        orig = mod._miss

        def miss(reason, _orig=orig, _p=prefix):
            _counts()
            _local.reasons[f"{_p}:{reason}"] += 1
            return _orig(reason)

        mod._miss = miss
    for name in ("read", "write"):
        fn = getattr(graphdb.GraphStore, name)

        def wrapped(self, q, *a, _fn=fn, **kw):
            _counts()
            _local.queries[f"bolt:{q}"] += 1
            t = time.perf_counter()
            try:
                return _fn(self, q, *a, **kw)
            finally:
                _local.waits["bolt"] += time.perf_counter() - t

        setattr(graphdb.GraphStore, name, wrapped)

    class Listener(monitoring.CommandListener):
        def started(self, event):
            _counts()
            coll = event.command.get(event.command_name)
            _local.queries[f"mongo:{event.command_name}:{coll if isinstance(coll, str) else ''}"] += 1

        def succeeded(self, event):
            _counts()
            _local.waits["mongo"] += event.duration_micros / 1e6

        def failed(self, event):
            _counts()
            _local.waits["mongo"] += event.duration_micros / 1e6

    monitoring.register(Listener())


def _dump() -> None:
    out_dir = os.environ.get("BENCH_PROBE_DIR")
    if not out_dir:
        return
    with _lock:
        data = {k: {"n": v["n"], "warm": v["warm"], "cpu_ms": v["cpu_ms"], "reasons": dict(v["reasons"]), "trips": dict(v["trips"]),
                    "queries": dict(v["queries"]), "samples": list(_samples[k])} for k, v in _agg.items()}
    tmp = os.path.join(out_dir, f".probe-{os.getpid()}.json")
    with open(tmp, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, os.path.join(out_dir, f"probe-{os.getpid()}.json"))


def post_fork(server, worker):
    _install()


def pre_request(worker, req):
    _counts().clear()
    _local.reasons.clear()
    _local.queries.clear()
    _local.waits.clear()
    _local.t0 = time.thread_time()
    _local.w0 = time.perf_counter()


def post_request(worker, req, environ, resp):
    try:  # counted only while the bench's load runs (not its log-ins and warm-up), under its label
        with open(os.path.join(os.environ.get("BENCH_PROBE_DIR", "/nonexistent"), "on")) as fh:
            label = fh.read().strip()
    except OSError:
        return
    route = next((name for method, rx, name in ROUTES if req.method == method and rx.match(req.path)), None)
    if route is None:
        return
    route = f"{label}/{route}"
    cpu_ms = (time.thread_time() - getattr(_local, "t0", time.thread_time())) * 1000
    wall_ms = (time.perf_counter() - getattr(_local, "w0", time.perf_counter())) * 1000
    counts = _counts()
    warm = counts["redis"] == 1 and not counts["mongo"] and not counts["bolt"]
    with _lock:
        a = _agg[route]
        a["n"] += 1
        a["cpu_ms"] += cpu_ms
        a["trips"].update(counts)
        a["queries"].update(_local.queries)
        if route.rpartition("/")[2] in READS:
            a["warm"] += warm
            if not warm:
                why = dict(_local.reasons) or {
                    f"{k}": v for k, v in _local.queries.items()} or {f"redis-trips-{counts['redis']}": 1}
                a["reasons"].update(why.keys() if _local.reasons else [" + ".join(sorted(why))])
        w = _local.waits
        _samples[route].append((round(wall_ms, 2), round(cpu_ms, 2), bool(warm), round(w["mongo"] * 1000, 2),
                                round(w["redis"] * 1000, 2), round(w["bolt"] * 1000, 2), round(w["written"] * 1000, 2),
                                ",".join(sorted(_local.reasons)) or ("" if warm else "+".join(sorted(_local.queries)))))
        _done[0] += 1
        flush = _done[0] % 200 == 0
    if flush:
        _dump()


def worker_exit(server, worker):
    _dump()
