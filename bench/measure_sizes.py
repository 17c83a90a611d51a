#!/usr/bin/env python
"""Bytes per user, post, comment, reaction, notification, message, follow and
home-feed entry, measured on the real local servers (prints figures; not a
test). Input of ``docs/scaling.md``.

Drives the services (as the API does) on fresh local servers: USERS accounts,
each following FOLLOWS others, POSTS posts of typical length (the beer Stack
Exchange dump's median question is ~600 characters; we use 280, a short-form
post), comments, reactions, a direct conversation; jobs run inline (fan-out
into the home-feed sets, notifications). Then:

- MongoDB: mean BSON size of each collection's documents (``bson.encode``:
  the bytes of a document before index and storage-engine overhead);
- Redis: ``MEMORY USAGE`` of a full home-feed set (800 post ids) divided by its entries;
- graph: node and relationship counts. The on-disk bytes of Neo4j records are
  not measurable on ArcadeDB (the local stand-in); docs/scaling.md uses Neo4j's
  published record sizes for them.

Usage: ``python bench/measure_sizes.py [--users 60] [--follows 20] [--posts 300]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import app_config_from_stack  # noqa: E402

PASSWORD = "measure sizes password"
TEXT = ("Tried the new farmhouse saison from the brewery down the road: dry, peppery, a little tart, "
        "with a long bitter finish. Better than last year's batch; a bit thin on the nose. Anyone "
        "compared it with the original Dupont? #beer #saison ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--follows", type=int, default=20)
    ap.add_argument("--posts", type=int, default=300)
    args = ap.parse_args()

    import bson

    from socialgraph import stores
    from socialgraph.accounts import service as accounts
    from socialgraph.app import create_app
    from socialgraph.content import comments, posts, reactions
    from socialgraph.graph import follows
    from socialgraph.messaging import messages
    from socialgraph.stores.localstack import LocalStack
    from socialgraph.stores.schema import ensure_all

    stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-sizes-"))).start()
    try:
        app = create_app({**app_config_from_stack(stack), "RQ_ASYNC": False, "RATELIMIT_ENABLED": False,
                          "MONGO_DATABASE": "sizes"})
        with app.app_context():
            ensure_all()
            t = time.perf_counter()
            users = [accounts.register(f"user_{i:04d}", f"user_{i:04d}@sizes.test", PASSWORD)
                     for i in range(args.users)]
            for i, u in enumerate(users):
                for k in range(1, args.follows + 1):
                    follows.follow(u["uid"], users[(i + k) % len(users)]["username"])
            post_ids = []
            for i in range(args.posts):
                author = users[i % len(users)]
                post_ids.append(posts.create_post(author["uid"], TEXT[: 200 + i % 80])["id"])
            for i, pid in enumerate(post_ids):
                actor = users[(i + 1) % len(users)]
                comments.add_comment(pid, actor["uid"], "Agreed, the finish is the best part. " * (1 + i % 2))
                reactions.react("post", pid, users[(i + 2) % len(users)]["uid"], "like")
            conv = messages.start_conversation(users[0]["uid"], [users[1]["username"]])
            for i in range(50):
                messages.send_message(users[i % 2]["uid"], conv["id"], "see you at the tasting on friday? " * 2)
            print(f"made {args.users} users, {args.users * args.follows} follows, {args.posts} posts, "
                  f"{args.posts} comments and reactions, 50 messages in {time.perf_counter() - t:.0f} s\n")

            db = stores.mongo()
            print(f"{'MongoDB collection':<22} {'docs':>6} {'mean BSON bytes':>16}")
            for name in ("accounts", "posts", "comments", "reactions", "notifications", "conversations",
                         "messages", "media"):
                docs = list(db[name].find().limit(2000))
                if docs:
                    sizes = [len(bson.encode(d)) for d in docs]
                    print(f"{name:<22} {len(docs):>6} {statistics.fmean(sizes):>16.0f}")
            r = stores.cache()
            # a full home-feed set as fan-out keeps it (SG_FEED_MAX_ITEMS post ids scored by ms);
            # the script's own users have no feed sets: fan-out writes only to recently read feeds
            import secrets

            n = app.config["FEED_MAX_ITEMS"]
            key = "sg:feed:" + secrets.token_hex(16)
            r.zadd(key, {secrets.token_hex(12): 1_790_000_000_000 + i for i in range(n)})
            usage = r.memory_usage(key, samples=0)
            print(f"\nRedis home feed of {n} entries ({r.object('encoding', key).decode()}): {usage} bytes = "
                  f"{usage / n:.1f} bytes per entry (incl. the key and set overhead)")
            r.delete(key)
            total = r.info("memory")["used_memory"]
            print(f"Redis used_memory: {total / 2**20:.1f} MiB for {len(users)} users")
            nodes = stores.graph().run_text("MATCH (n) RETURN count(n) AS n")[0]["n"]
            rels = stores.graph().run_text("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
            print(f"graph: {nodes} nodes, {rels} relationships")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
