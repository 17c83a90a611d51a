"""Shared helpers of the benchmark scripts (they print figures; they are not tests)."""
from __future__ import annotations

import os
from collections import Counter
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SG_SHARED_DATA") or REPO.parent / "shared" / "data")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summary(name: str, ms: list[float]) -> str:
    return (f"{name:<28} n={len(ms):>4}  p50={percentile(ms, 50):7.1f} ms  p95={percentile(ms, 95):7.1f} ms"
            f"  p99={percentile(ms, 99):7.1f} ms  mean={statistics.fmean(ms):7.1f} ms")


def app_config_from_stack(stack, **extra) -> dict:
    env = stack.env()
    return {"BOLT_URI": env["SG_BOLT_URI"], "BOLT_USER": env["SG_BOLT_USER"],
            "BOLT_PASSWORD": env["SG_BOLT_PASSWORD"], "BOLT_DATABASE": env["SG_BOLT_DATABASE"],
            "MONGO_URI": env["SG_MONGO_URI"], "S3_ENDPOINT": env["SG_S3_ENDPOINT"],
            "S3_ACCESS_KEY": env["SG_S3_ACCESS_KEY"], "S3_SECRET_KEY": env["SG_S3_SECRET_KEY"],
            "REDIS_URL": env["SG_REDIS_URL"], **extra}


def start_gunicorn(env: dict, port: int, workers: int = 2, threads: int = 16, nice: int = 0,
                    config: str | None = None) -> subprocess.Popen:
    """The API under gunicorn (gthread), as in production; waits for /health.
    ``nice``: the processes' niceness (a lower CPU share, as compose's ``cpu_shares``);
    ``config``: a gunicorn config file (e.g. ``bench/gunicorn_warm_probe.py``)."""
    import requests

    proc = subprocess.Popen(
        (["nice", "-n", str(nice)] if nice else []) + [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(threads),
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         *(["--config", config] if config else []), "socialgraph.app:create_app()"],
        env={**os.environ, **env}, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not become healthy")


def count_round_trips(counts: Counter, mongo: bool = True) -> None:
    """Count store round trips into ``counts``: ``redis``, a Redis
    ``send_packed_command`` (one command, one pipeline or one script);
    ``mongo``, a MongoDB command (command monitoring; only with ``mongo``);
    ``bolt``, a Bolt query (the graph store's read / write)."""
    import redis.connection
    from pymongo import monitoring

    from socialgraph.stores import graphdb

    orig = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        counts["redis"] += 1
        return orig(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = send_packed_command

    class Listener(monitoring.CommandListener):
        def started(self, event):
            counts["mongo"] += 1

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    if mongo:
        monitoring.register(Listener())
    for cls in vars(graphdb).values():
        if isinstance(cls, type) and hasattr(cls, "read") and hasattr(cls, "write"):
            for name in ("read", "write"):
                fn = getattr(cls, name)

                def wrapped(self, *a, _fn=fn, **kw):
                    counts["bolt"] += 1
                    return _fn(self, *a, **kw)

                setattr(cls, name, wrapped)
