"""Jobs the fault test queues by path (state in Redis, no app needed)."""
from __future__ import annotations

import os
import time

import redis


def sleep_for(seconds: float) -> str:
    """A stand-in heavy job: holds its worker for ``seconds``."""
    time.sleep(seconds)
    return "slept"


def hang_first_time(key: str) -> str:
    """Hangs on its first run (its worker is killed meanwhile); the retry marks ``key`` done."""
    r = redis.Redis.from_url(os.environ["SG_REDIS_URL"])
    if r.incr(f"{key}:runs") == 1:
        time.sleep(600)
    r.set(f"{key}:done", 1)
    return "done"
