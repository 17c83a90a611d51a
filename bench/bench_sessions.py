#!/usr/bin/env python
"""Cost of the per-request session check (``sessions.is_token_revoked``), warm and cold.

Starts the local real servers in a temp dir (or uses the SG_* ones with
``--use-env``), makes ``--sessions`` accounts with one session each (MongoDB
documents, as a sign-in writes them), then times, in this process against
the real stores (service calls, no HTTP):

- a **warm** check: the verdict is in Redis (one ``MGET``); the Redis
  commands per check are counted from ``INFO stats``;
- a **cold** check: the Redis keys are gone (as after a flush or restart),
  so MongoDB answers (the session and the account) and the cache is filled
  again (one pipeline).

Target (issue 16): a warm check is one Redis round trip and no MongoDB read.
Usage: ``python bench/bench_sessions.py [--sessions 500] [--use-env]``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import app_config_from_stack, summary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--use-env", action="store_true", help="use the servers the SG_* variables point at")
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack

    stack = None
    if args.use_env:
        config = {}
    else:
        stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench-sessions-"))).start()
        config = app_config_from_stack(stack)
    try:
        app = create_app({**config, "RQ_ASYNC": False})
        with app.app_context():
            run(args)
    finally:
        if stack:
            stack.stop()


def run(args) -> None:
    from socialgraph import stores
    from socialgraph.accounts import sessions
    from socialgraph.core import clock

    db, r = stores.mongo(), stores.cache()
    now = clock.now()
    payloads = []
    for _ in range(args.sessions):
        uid, sid = uuid.uuid4().hex, uuid.uuid4().hex
        db.accounts.insert_one({"_id": uid, "username": "b_" + uid[:12], "email": uid + "@bench.test",
                                "status": "active", "created_at": now})
        sessions.create(uid, sid, "127.0.0.1", "bench", at=now)
        payloads.append({"sub": uid, "sid": sid, "auth_ms": sessions.now_ms(), "iat": int(time.time())})

    def timed_all():
        out = []
        for p in payloads:
            t0 = time.perf_counter()
            assert not sessions.is_token_revoked(p)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    def drop_keys():
        keys = [sessions.SESSION_KEY.format(uid=p["sub"], sid=p["sid"]) for p in payloads]
        keys += [sessions.NOT_BEFORE_KEY.format(uid=p["sub"]) for p in payloads]
        r.delete(*keys)

    drop_keys()
    cold = timed_all()
    before = r.info("stats")["total_commands_processed"]
    warm = timed_all()
    per_check = (r.info("stats")["total_commands_processed"] - before - 1) / len(payloads)
    print(f"{args.sessions} sessions (local servers, shared 2-core machine)")
    print(summary("cold check (MongoDB, cache re-filled)", cold))
    print(summary("warm check (Redis MGET)", warm))
    print(f"Redis commands per warm check: {per_check:.2f}")
    db.accounts.delete_many({"_id": {"$in": [p["sub"] for p in payloads]}})
    db.sessions.delete_many({"_id": {"$in": [p["sid"] for p in payloads]}})


if __name__ == "__main__":
    main()
