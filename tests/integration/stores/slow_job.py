"""A job for the worker-death test: its first run hangs (the worker is
killed during it), the next run marks ``key`` done. State in Redis."""
from __future__ import annotations

import os
import time

import redis


def hang_first_time(key: str) -> str:
    r = redis.Redis.from_url(os.environ["SG_REDIS_URL"])
    if r.incr(f"{key}:runs") == 1:
        time.sleep(600)
    r.set(f"{key}:done", 1)
    return "done"
