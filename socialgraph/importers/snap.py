"""SNAP ego-Facebook -> users and follows.

Data: ``facebook_combined.txt`` (``u v`` per line: an undirected friendship;
4,039 users, 88,234 edges). Source: J. McAuley and J. Leskovec, "Learning
to Discover Social Circles in Ego Networks", NIPS 2012 (SNAP).

Mapping: node ``n`` -> ``(:User {uid: uuid5("snap-facebook:n"), username:
"fb_n", display_name: "Facebook user n", source: "snap-facebook"})``; each
undirected edge -> two ``FOLLOWS`` (a friendship is a mutual follow) and one
``FRIENDS_WITH {since}`` (stored from the smaller to the larger node id;
always matched undirected). Re-running adds nothing.
"""
from __future__ import annotations

import time
from pathlib import Path

from .. import clock, extensions
from . import batched, import_uid, no_progress

SOURCE = "snap-facebook"


def read_edges(path: Path) -> list[tuple[int, int]]:
    if path.is_dir():
        path = path / "facebook_combined.txt"
    edges = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                a, b = int(parts[0]), int(parts[1])
                if a != b:
                    edges.append((a, b))
    return edges


def import_snap_facebook(path, batch: int = 5000, progress=no_progress) -> dict:
    """Load the graph; returns ``{users, edges, follows, friendships, seconds}``
    (users, follows and friendships as stored after the run, so a re-run shows the same numbers)."""
    t0 = time.perf_counter()
    edges = read_edges(Path(path))
    nodes = sorted({n for e in edges for n in e})
    g = extensions.graph()
    now = clock.now()
    users = [{"uid": import_uid(SOURCE, n), "username": f"fb_{n}", "display_name": f"Facebook user {n}",
              "source": SOURCE, "created_at": now} for n in nodes]
    done = 0
    for rows in batched(users, batch):
        g.write("imports/merge_users", rows=rows)
        done += len(rows)
        progress("users", done, len(users))
    follows = [{"a": import_uid(SOURCE, a), "b": import_uid(SOURCE, b)} for a, b in edges]
    follows += [{"a": f["b"], "b": f["a"]} for f in follows]
    done = 0
    for rows in batched(follows, batch):
        g.write("imports/merge_follows", rows=rows, created_at=now)
        done += len(rows)
        progress("follows", done, len(follows))
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges})
    friendships = [{"a": import_uid(SOURCE, a), "b": import_uid(SOURCE, b)} for a, b in pairs]
    done = 0
    for rows in batched(friendships, batch):
        g.write("imports/merge_friendships", rows=rows, created_at=now)
        done += len(rows)
        progress("friendships", done, len(friendships))
    counts = g.read("imports/count_source", source=SOURCE)[0]
    friends = g.read("imports/count_source_friendships", source=SOURCE)[0]
    return {"users": counts["users"], "edges": len(edges), "follows": counts["follows"],
            "friendships": friends["friendships"], "seconds": round(time.perf_counter() - t0, 2)}
